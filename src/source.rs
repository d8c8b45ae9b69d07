//! Source text bookkeeping: every file the compiler reads (user models, `use`d files, the embedded
//! standard library, lines typed in the REPL) gets a [`SourceId`] in a [`SourceMap`]; every AST, HIR
//! and IR node that came from text carries a [`Span`] of byte offsets into one of those sources.

use std::fmt;

/// Index of a source in its [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A half-open byte range `start..end` in one source. Byte offsets (not chars), as pest reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub src: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(src: SourceId, start: usize, end: usize) -> Span {
        Span { src, start: start as u32, end: end as u32 }
    }

    /// The smallest span covering both (they must share a source; otherwise `self` is returned).
    pub fn to(self, other: Span) -> Span {
        if self.src != other.src {
            return self;
        }
        Span { src: self.src, start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// One loaded source: a display name (a path, `<stdlib>/systems.mech`, `<repl:3>`) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// All sources of one compilation, addressed by [`SourceId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Reads a file and adds it under its path (relative `use` and data paths resolve from it).
    pub fn load(&mut self, path: &std::path::Path) -> std::io::Result<SourceId> {
        let text = std::fs::read_to_string(path)?;
        Ok(self.add(path.to_string_lossy(), text))
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> SourceId {
        self.sources.push(Source { name: name.into(), text: text.into() });
        SourceId((self.sources.len() - 1) as u32)
    }

    pub fn get(&self, id: SourceId) -> &Source {
        &self.sources[id.0 as usize]
    }

    pub fn name(&self, id: SourceId) -> &str {
        &self.get(id).name
    }

    pub fn text(&self, id: SourceId) -> &str {
        &self.get(id).text
    }

    /// The text a span covers (empty if the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.src).get(span.range()).unwrap_or("")
    }

    /// 1-based line and column (in chars) of a byte offset.
    pub fn line_col(&self, id: SourceId, byte: usize) -> (usize, usize) {
        let text = self.text(id);
        let byte = byte.min(text.len());
        let before = &text[..floor_char_boundary(text, byte)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &Source)> {
        self.sources.iter().enumerate().map(|(i, s)| (SourceId(i as u32), s))
    }
}

fn floor_char_boundary(text: &str, mut byte: usize) -> usize {
    while byte > 0 && !text.is_char_boundary(byte) {
        byte -= 1;
    }
    byte
}
