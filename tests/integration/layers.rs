//! The layering rule of ARCHITECTURE.md, checked over the source: every `crate::` and `super::`
//! path in `src/` (in `use` declarations and inline) is resolved to the file it names; a file may
//! only name files of its own layer or of layers below it in the order ARCHITECTURE.md lists, and
//! the files do not import each other in a cycle. A module naming its own submodules (`mod x;`,
//! `x::f`) is structure, not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type ModPath = Vec<String>;

/// The layer order, lowest first, from the marked list in ARCHITECTURE.md.
fn layers() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md")).unwrap();
    let start = text.find("<!-- layers:start -->").expect("ARCHITECTURE.md marks the layer list");
    let end = text.find("<!-- layers:end -->").expect("ARCHITECTURE.md ends the layer list");
    text[start..end].split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// Every file of `src/` (except the crate roots) by module path: `check/data/entries.rs` is
/// `check::data::entries`, `check/mod.rs` is `check`.
fn source_files() -> BTreeMap<ModPath, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let mut module: ModPath = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if module.last().is_some_and(|s| s == "mod") {
                module.pop();
            }
            if module == ["lib"] || module == ["main"] {
                continue;
            }
            out.insert(module, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The text with comments, string literals and character literals blanked out.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            i = skip_block_comment(&c, i);
        } else if c[i] == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(c.get(i.wrapping_sub(1))) {
            let hashes = c[i + 1..].iter().take_while(|&&x| x == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < c.len()
                && !(c[i] == '"' && c[i + 1..].iter().take(hashes).filter(|&&x| x == '#').count() == hashes)
            {
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && next == Some('\\') {
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The position just past the (nested) block comment that starts at `i`.
fn skip_block_comment(c: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The paths of a use tree or inline path starting at `i` (`crate::a::{b, c::d}`), each as
/// its segments.
fn paths_at(c: &[char], i: &mut usize, prefix: &[String], out: &mut Vec<ModPath>) {
    let mut path = prefix.to_vec();
    loop {
        while *i < c.len() && c[*i].is_whitespace() {
            *i += 1;
        }
        if *i < c.len() && c[*i] == '{' {
            *i += 1;
            loop {
                paths_at(c, i, &path, out);
                while *i < c.len() && c[*i].is_whitespace() {
                    *i += 1;
                }
                match c.get(*i) {
                    Some(',') => *i += 1,
                    Some('}') => {
                        *i += 1;
                        return;
                    }
                    _ => return,
                }
                while *i < c.len() && c[*i].is_whitespace() {
                    *i += 1;
                }
                if c.get(*i) == Some(&'}') {
                    *i += 1;
                    return;
                }
            }
        }
        let start = *i;
        while *i < c.len() && is_ident(Some(&c[*i])) {
            *i += 1;
        }
        let seg: String = c[start..*i].iter().collect();
        if seg.is_empty() {
            out.push(path);
            return;
        }
        if seg != "self" || path.is_empty() {
            path.push(seg);
        }
        if c.get(*i) == Some(&':') && c.get(*i + 1) == Some(&':') {
            *i += 2;
        } else {
            out.push(path);
            return;
        }
    }
}

/// Every `crate::`, `super::` and `self::` path the code names.
fn named_paths(code: &str) -> Vec<ModPath> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let at_word = !is_ident(i.checked_sub(1).map(|j| &c[j])) && (i == 0 || c[i - 1] != ':');
        let rest = |w: &str| c[i..].iter().take(w.len()).copied().eq(w.chars());
        if at_word && (rest("crate::") || rest("super::") || rest("self::")) {
            let mut j = i;
            paths_at(&c, &mut j, &[], &mut out);
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The file a path names: the longest prefix of its absolute form that is a file's module.
fn resolve(from: &ModPath, path: &[String], files: &BTreeMap<ModPath, String>) -> Option<ModPath> {
    let mut abs: ModPath = Vec::new();
    let mut segs = path.iter().peekable();
    match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segs.next();
        }
        Some("super") => {
            abs = from.clone();
            while segs.peek().is_some_and(|s| *s == "super") {
                segs.next();
                abs.pop();
            }
        }
        Some("self") => {
            segs.next();
            abs = from.clone();
        }
        _ => return None,
    }
    abs.extend(segs.cloned());
    (1..=abs.len()).rev().map(|k| abs[..k].to_vec()).find(|m| files.contains_key(m))
}

/// The import graph between files.
fn graph(files: &BTreeMap<ModPath, String>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    files
        .iter()
        .map(|(m, text)| {
            let targets = named_paths(&code_only(text))
                .iter()
                .filter_map(|p| resolve(m, p, files))
                .filter(|t| t != m && !t.starts_with(m))
                .collect();
            (m.clone(), targets)
        })
        .collect()
}

/// The strongly connected components with more than one file (Tarjan).
fn cycles(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        g: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, (usize, usize)>,
        stack: Vec<&'a ModPath>,
        counter: usize,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath) {
        s.index.insert(v, (s.counter, s.counter));
        s.counter += 1;
        s.stack.push(v);
        for w in &s.g[v] {
            match s.index.get(w).copied() {
                None => {
                    visit(s, w);
                    let low = s.index[v].1.min(s.index[w].1);
                    s.index.get_mut(v).unwrap().1 = low;
                }
                Some((wi, _)) if s.stack.contains(&w) => {
                    let low = s.index[v].1.min(wi);
                    s.index.get_mut(v).unwrap().1 = low;
                }
                Some(_) => {}
            }
        }
        if s.index[v].0 == s.index[v].1 {
            let mut comp = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                comp.insert(w.join("::"));
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                s.out.push(comp);
            }
        }
    }
    let mut s = State { g, index: BTreeMap::new(), stack: Vec::new(), counter: 0, out: Vec::new() };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn modules_import_only_their_own_layer_or_below() {
    let order = layers();
    let files = source_files();
    let tops: BTreeSet<&String> = files.keys().map(|m| &m[0]).collect();
    for top in &tops {
        assert!(order.contains(top), "module `{top}` is missing from the layer list in ARCHITECTURE.md");
    }
    let rank = |m: &ModPath| order.iter().position(|l| *l == m[0]).unwrap();
    let mut upward = Vec::new();
    for (from, targets) in graph(&files) {
        for to in targets.iter().filter(|t| rank(t) > rank(&from)) {
            upward.push(format!("{} -> {}", from.join("::"), to.join("::")));
        }
    }
    assert!(upward.is_empty(), "imports from a layer to one above it:\n{}", upward.join("\n"));
}

#[test]
fn files_do_not_import_each_other_in_a_cycle() {
    let found = cycles(&graph(&source_files()));
    assert!(found.is_empty(), "files that import each other in a cycle: {found:?}");
}

#[test]
fn the_scanner_sees_paths_and_not_comments_or_strings() {
    let code = code_only(
        "use crate::a::{b, c::{self, D}};\n// use crate::x;\nlet s = \"crate::y\"; let c = '\"';\nsuper::z::f(); r#\"crate::w\"#",
    );
    let paths: Vec<String> = named_paths(&code).iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["crate::a::b", "crate::a::c", "crate::a::c::D", "super::z::f"]);
}
