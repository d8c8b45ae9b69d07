//! `data` declarations → `hir::Data`: csv sources (file exists, columns exist in its header) and
//! `simulate` blocks (known system, arguments and initial values as numbers or random draws,
//! time range, noise, seed, trajectories; no learnables).

use super::collect::did_you_mean;
use super::hir::{self, ColumnTarget, CsvData, Data, DataSource, SimData, SimSystem, SimValue, State};
use super::scope::Decl;
use super::Checker;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind as A, SimEntryKind};
use std::path::Path;

impl Checker<'_> {
    pub(crate) fn resolve_data(&mut self, data: &[&ast::DataDecl], dirs: &[std::path::PathBuf]) {
        for (d, dir) in data.iter().zip(dirs) {
            let source = match &d.source {
                ast::DataSource::Csv(c) => self.csv(c, dir).map(DataSource::Csv),
                ast::DataSource::Simulate(s) => self.simulate(s).map(DataSource::Simulate),
            };
            if let Some(source) = source {
                self.model.data.push(Data { name: d.name.name.clone(), span: d.name.span, source });
            }
        }
    }

    fn csv(&mut self, c: &ast::CsvSource, dir: &Path) -> Option<CsvData> {
        let path = dir.join(&c.path.value);
        // A pipe or device can be read once only: the loader reads it (header and rows in one
        // pass) and checks the columns then.
        let streamed = std::fs::metadata(&path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let header = match if streamed { Ok(Vec::new()) } else { crate::files::csv_header(&path) } {
            Ok(h) => h,
            Err(e) => {
                self.err(
                    Diagnostic::new(
                        codes::MISSING_FILE,
                        format!("cannot read data file `{}`", c.path.value),
                        c.path.span,
                        "file not readable",
                    )
                    .with_note(format!("looked for {}: {}", path.display(), short_io(&e)))
                    .with_help("paths are relative to the .mech file"),
                );
                return None;
            }
        };
        let (time, traj, mut cols) = self.column_map(c);
        let mapped = |t: ColumnTarget| cols.iter().any(|(x, ..)| *x == t);
        let defaults: Vec<(ColumnTarget, String)> = (0..self.model.states.len())
            .map(ColumnTarget::State)
            .chain((0..self.model.inputs.len()).map(ColumnTarget::Input))
            .filter(|t| !mapped(*t))
            .map(|t| (t, self.target_name(t)))
            .collect();
        cols.extend(defaults.into_iter().map(|(t, n)| (t, n, None)));
        let mut wanted: Vec<(String, Option<Span>, String)> = vec![(time.0.clone(), time.1, "time".into())];
        wanted.extend(traj.iter().map(|(n, s)| (n.clone(), *s, "trajectory".into())));
        wanted.extend(cols.iter().map(|(t, n, s)| (n.clone(), *s, self.target_name(*t))));
        for (col, span, target) in wanted {
            if !streamed && !header.contains(&col) {
                self.missing_column(&col, span.unwrap_or(c.path.span), &target, &header, span.is_none());
            }
        }
        cols.sort_by_key(|(t, ..)| match t {
            ColumnTarget::State(s) => (0, *s),
            ColumnTarget::Input(i) => (1, *i),
        });
        Some(CsvData {
            path,
            time_column: time.0,
            trajectory_column: traj.map(|x| x.0),
            columns: cols.into_iter().map(|(t, n, _)| (t, n)).collect(),
            span: c.span,
        })
    }

    /// The explicit `{ key = column }` mappings: the time column (default `t`), the trajectory
    /// column, and the columns of states and inputs; unknown keys and duplicates are reported.
    fn column_map(&mut self, c: &ast::CsvSource) -> (MappedColumn, Option<MappedColumn>, Vec<TargetColumn>) {
        let mut time = ("t".to_string(), None::<Span>);
        let mut traj = None;
        let mut cols: Vec<(ColumnTarget, String, Option<Span>)> = Vec::new();
        let mut keys: Vec<&ast::Ident> = Vec::new();
        for e in &c.map {
            if let Some(k) = keys.iter().find(|k| k.name == e.key.name) {
                self.err(super::collect::duplicate(&e.key.name, e.key.span, k.span, "a column mapping"));
                continue;
            }
            keys.push(&e.key);
            let col = (e.column.value.clone(), Some(e.column.span));
            match (e.key.name.as_str(), self.scope.get(&e.key.name).map(|x| x.decl)) {
                ("time", _) => time = col,
                ("trajectory", _) => traj = Some(col),
                (_, Some(Decl::State(s))) => cols.push((ColumnTarget::State(s), col.0, col.1)),
                (_, Some(Decl::Input(i))) => cols.push((ColumnTarget::Input(i), col.0, col.1)),
                (k, _) => {
                    let help = did_you_mean(self, k, &["time", "trajectory"])
                        .unwrap_or_else(|| "map states, inputs, `time` or `trajectory`".into());
                    self.err(
                        Diagnostic::new(
                            codes::UNKNOWN_NAME,
                            format!("`{k}` is not a state, input, `time` or `trajectory`"),
                            e.key.span,
                            "cannot be mapped",
                        )
                        .with_help(help),
                    );
                }
            }
        }
        (time, traj, cols)
    }

    fn target_name(&self, t: ColumnTarget) -> String {
        match t {
            ColumnTarget::State(s) => self.model.states[s].name.clone(),
            ColumnTarget::Input(i) => self.model.inputs[i].name.clone(),
        }
    }

    fn missing_column(&mut self, col: &str, span: Span, target: &str, header: &[String], implied: bool) {
        let msg = if implied {
            format!("the data file has no column `{col}` for `{target}`")
        } else {
            format!("the data file has no column `{col}`")
        };
        use crate::diag::excerpt::{column_list, is_column_name};
        let names = header.iter().filter(|c| is_column_name(c)).map(String::as_str);
        // A column named after what it is mapped to (`time`, `Time`, `time_s` for time; `X` for
        // a state `x`) is the likely one; otherwise the column nearest in spelling.
        let named_after = |c: &&str| {
            let c = c.to_lowercase();
            let t = target.to_lowercase();
            c == t || (implied && c.starts_with(&t) && !c[t.len()..].starts_with(char::is_alphanumeric))
        };
        let closest = names.clone().find(named_after).or_else(|| super::scope::suggest(col, names));
        let help = match (closest, implied) {
            (Some(h), true) => format!("map it explicitly: `{{ {target} = {h} }}`"),
            (Some(h), false) => format!("did you mean `{h}`?"),
            (None, _) if header.iter().any(|c| is_column_name(c)) => {
                format!("map `{target}` to one of the columns of the header")
            }
            (None, _) => "the first line of a CSV data file names its columns: `t, x, y`".to_string(),
        };
        self.err(
            Diagnostic::new(codes::MISSING_COLUMN, msg, span, "column not in the header")
                .with_note(format!("header: {}", column_list(header)))
                .with_help(help),
        );
    }

    fn simulate(&mut self, s: &ast::SimSource) -> Option<SimData> {
        let head = Span { end: s.span.start + "simulate".len() as u32, ..s.span };
        let inline: Vec<&ast::Equation> = s
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                SimEntryKind::Equation(q) => Some(q),
                _ => None,
            })
            .collect();
        let (system, states, args) = match &s.system {
            Some((name, args)) => {
                let (id, args) = self.sim_system(name, args)?;
                (SimSystem::Named(id), self.model.systems[id].states.clone(), args)
            }
            None => {
                let mut states: Vec<State> = self.model.states.clone();
                let eqs = self.system_equations(&inline, &mut states, &[], false);
                let sys = hir::System {
                    name: "<inline>".into(),
                    span: head,
                    params: Vec::new(),
                    states: states.clone(),
                    equations: eqs,
                    stdlib: false,
                };
                (SimSystem::Inline(Box::new(sys)), states, Vec::new())
            }
        };
        if s.system.is_some() {
            for q in &inline {
                self.err(
                    Diagnostic::new(
                        codes::BAD_SIMULATION,
                        "equations in a `simulate` block of a named system",
                        q.lhs_span,
                        "extra equation",
                    )
                    .with_help("give either a system name or inline equations, not both"),
                );
            }
        }
        let entries = self.sim_entries(s, &states, head)?;
        let state_map =
            states.iter().map(|st| self.model.states.iter().position(|m| m.name == st.name)).collect::<Vec<_>>();
        self.sim_covers_model(&states, head);
        let (init, t0, t1, step, noise_percent, seed, trajectories) = entries;
        Some(SimData { system, args, init, t0, t1, step, noise_percent, seed, trajectories, state_map, span: s.span })
    }

    /// Every model state must be produced by the simulated system; inputs cannot be simulated.
    fn sim_covers_model(&mut self, states: &[State], head: Span) {
        for m in &self.model.states {
            if !states.iter().any(|st| st.name == m.name) {
                let msg = format!("the simulated system does not produce state `{}`", m.name);
                self.diags.push(
                    Diagnostic::new(codes::BAD_SIMULATION, msg, head, "simulated here")
                        .with_label(m.span, "state declared here")
                        .with_help("simulate a system whose states include every model state"),
                );
            }
        }
        for input in &self.model.inputs {
            let msg = format!("input `{}` cannot be simulated", input.name);
            self.diags.push(
                Diagnostic::new(codes::BAD_SIMULATION, msg, head, "simulated here")
                    .with_label(input.span, "input declared here")
                    .with_help("read inputs from a csv file, or make the signal a state of the simulated system"),
            );
        }
    }

    /// Resolves the named system and matches its arguments to its parameters.
    fn sim_system(&mut self, name: &ast::Ident, args: &ast::Args) -> Option<(usize, Vec<SimValue>)> {
        let id = match self.scope.get(&name.name).map(|e| e.decl) {
            Some(Decl::System(id)) => id,
            other => {
                let msg = match other {
                    Some(d) => format!("`{}` is {}, not a system", name.name, d.words()),
                    None => format!("unknown system `{}`", name.name),
                };
                let code = if other.is_some() { codes::TYPE_MISMATCH } else { codes::UNKNOWN_NAME };
                self.err(Diagnostic::new(code, msg, name.span, "not a system").with_help_opt(did_you_mean(
                    self,
                    &name.name,
                    &[],
                )));
                return None;
            }
        };
        let params: Vec<String> = self.model.systems[id].params.iter().map(|p| p.name.clone()).collect();
        let sig = format!("signature: {}({})", name.name, params.join(", "));
        let values = self.sim_args(name, args, &params, &sig);
        let missing: Vec<&str> =
            params.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(p, _)| p.as_str()).collect();
        if !missing.is_empty() {
            self.err(
                Diagnostic::new(
                    codes::ARG_COUNT,
                    format!("system `{}` is missing arguments: {}", name.name, missing.join(", ")),
                    args.span,
                    "missing arguments",
                )
                .with_note(sig),
            );
        }
        Some((id, values.into_iter().map(|v| v.unwrap_or(SimValue::Fixed(0.0))).collect()))
    }

    /// Matches the call's arguments (positional, then named) to the system's parameters; extra,
    /// unknown and repeated arguments are reported. `None` marks a parameter without a value.
    fn sim_args(&mut self, name: &ast::Ident, args: &ast::Args, params: &[String], sig: &str) -> Vec<Option<SimValue>> {
        let mut values: Vec<Option<SimValue>> = vec![None; params.len()];
        for (i, a) in args.items.iter().enumerate() {
            let slot = match &a.name {
                Some(n) => params.iter().position(|p| *p == n.name),
                None => (i < params.len()).then_some(i),
            };
            match slot {
                Some(k) if values[k].is_none() => {
                    values[k] = Some(self.sim_value(&a.value).unwrap_or(SimValue::Fixed(0.0)))
                }
                Some(_) => self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!("parameter `{}` given twice", params[slot.unwrap_or(0)]),
                        a.span(),
                        "given again",
                    )
                    .with_note(sig.to_string()),
                ),
                None if a.name.is_some() => self.err(
                    Diagnostic::new(
                        codes::BAD_ARGUMENT,
                        format!(
                            "system `{}` has no parameter `{}`",
                            name.name,
                            a.name.as_ref().map_or("", |n| n.name.as_str())
                        ),
                        a.span(),
                        "unknown parameter",
                    )
                    .with_note(sig.to_string()),
                ),
                None => self.err(
                    Diagnostic::new(
                        codes::ARG_COUNT,
                        format!(
                            "system `{}` takes {} arguments but {} were given",
                            name.name,
                            params.len(),
                            args.items.len()
                        ),
                        a.span(),
                        "extra argument",
                    )
                    .with_note(sig.to_string()),
                ),
            }
        }
        values
    }

    /// A number or a random draw; learnables are `E017`.
    pub(crate) fn sim_value(&mut self, e: &ast::Expr) -> Option<SimValue> {
        if let Some((n, span)) = self.find_learnable(e) {
            self.err(
                Diagnostic::new(codes::LEARNABLE_IN_SIM, format!("learnable `{n}` in a simulate block"), span, "learnable")
                    .with_help("simulated data needs known values: use a number, a constant or a random draw such as `normal(1, 0.1)`"),
            );
            return None;
        }
        if let A::Call(c) = &e.kind {
            if c.name.name == "normal" || c.name.name == "uniform" {
                return self.random_draw(c);
            }
        }
        self.constant(e).map(SimValue::Fixed)
    }

    fn random_draw(&mut self, c: &ast::Call) -> Option<SimValue> {
        let (a, b) = if c.name.name == "normal" { ("mean", "std") } else { ("low", "high") };
        if c.args.items.len() != 2 {
            self.err(
                Diagnostic::new(
                    codes::ARG_COUNT,
                    format!("`{}` takes 2 arguments but {} were given", c.name.name, c.args.items.len()),
                    c.args.span,
                    "expected 2 arguments",
                )
                .with_note(format!("signature: {}({a}, {b})", c.name.name)),
            );
            return None;
        }
        let x = self.constant(&c.args.items[0].value)?;
        let y = self.constant(&c.args.items[1].value)?;
        let bad = if c.name.name == "normal" { y < 0.0 } else { y < x };
        if bad {
            self.err(Diagnostic::new(
                codes::BAD_ARGUMENT,
                format!("invalid `{}` arguments", c.name.name),
                c.args.span,
                if c.name.name == "normal" { "std must be >= 0" } else { "high must be >= low" },
            ));
            return None;
        }
        Some(if c.name.name == "normal" {
            SimValue::Normal { mean: x, std: y }
        } else {
            SimValue::Uniform { low: x, high: y }
        })
    }

    /// The first learnable (parameter, `sparse`, `mlp`) named in an expression.
    fn find_learnable(&self, e: &ast::Expr) -> Option<(String, Span)> {
        match &e.kind {
            A::Name(id) => matches!(self.scope.get(&id.name).map(|x| x.decl), Some(Decl::Param(_)))
                .then(|| (id.name.clone(), id.span)),
            A::Neg(x) | A::Paren(x) => self.find_learnable(x),
            A::Binary(_, l, r) => self.find_learnable(l).or_else(|| self.find_learnable(r)),
            A::Call(c) if c.name.name == "sparse" || c.name.name == "mlp" => {
                Some((format!("{}(...)", c.name.name), e.span))
            }
            A::Call(c) => c.args.items.iter().find_map(|a| self.find_learnable(&a.value)),
            _ => None,
        }
    }
}

/// A mapped column's name and where the mapping was written.
type MappedColumn = (String, Option<Span>);
/// A state or input, its column, and where the mapping was written (`None`: implied by name).
type TargetColumn = (ColumnTarget, String, Option<Span>);

type Entries = (Vec<Vec<SimValue>>, f64, f64, f64, f64, u64, u32);

mod entries;

fn short_io(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    }
}
