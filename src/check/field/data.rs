//! The `data` declarations of a field model: simulations of field systems (named, or with
//! equations in the block) and long-form CSV files.

use super::resolve::{resolve, Env};
use super::types::{PdeCsv, PdeData, PdeExpr, PdeSim, PdeSpace, PdeSystem};
use super::{FieldPass, SystemAst};
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{DataDecl, DataSource, Equation, Ident, InitItem, SimEntryKind, SimSource};

/// Largest jump, relative to the profile's range, at which a profile on a periodic space counts
/// as joining up: the level below which the field fit counts data as clean.
const JOIN: f64 = 1e-4;

/// Largest spatial grid of a simulation.
const MAX_POINTS: f64 = 65536.0;

impl FieldPass {
    /// One field data declaration.
    pub(super) fn data(
        &mut self,
        d: &DataDecl,
        span: Span,
        space: &PdeSpace,
        fields: &[String],
        dir: &std::path::Path,
    ) -> Option<PdeData> {
        match &d.source {
            DataSource::Csv(c) => {
                let mut csv = PdeCsv {
                    name: d.name.name.clone(),
                    span,
                    path: dir.join(&c.path.value),
                    time: "t".into(),
                    space: space.name.clone(),
                    trajectory: None,
                    columns: fields.to_vec(),
                };
                for e in &c.map {
                    let col = e.column.value.clone();
                    match e.key.name.as_str() {
                        "time" => csv.time = col,
                        "trajectory" => csv.trajectory = Some(col),
                        k if k == space.name => csv.space = col,
                        k => match fields.iter().position(|f| f == k) {
                            Some(i) => csv.columns[i] = col,
                            None => {
                                let mut keys = vec!["time", "trajectory", space.name.as_str()];
                                keys.extend(fields.iter().map(String::as_str));
                                let help = super::super::scope::suggest(k, keys.iter().copied())
                                    .map_or(format!("the keys are {}", keys.join(", ")), |s| {
                                        format!("did you mean `{s}`?")
                                    });
                                self.diags.push(
                                    Diagnostic::new(
                                        codes::BAD_FIELD_DATA,
                                        format!("unknown key `{k}`"),
                                        e.key.span,
                                        "not a field, the space or time",
                                    )
                                    .with_help(help),
                                );
                            }
                        },
                    }
                }
                Some(PdeData::Csv(csv))
            }
            DataSource::Simulate(s) => self.sim(&d.name, s, span, space, fields).map(PdeData::Sim),
        }
    }

    /// A simulation block.
    fn sim(&mut self, name: &Ident, s: &SimSource, span: Span, space: &PdeSpace, fields: &[String]) -> Option<PdeSim> {
        let (sys_ast, args) = self.sim_system(name, s, span, space, fields)?;
        let params = self.args(&sys_ast, args)?;
        let system = self.system(&sys_ast, &params)?;
        let mut sim = PdeSim {
            name: name.name.clone(),
            span,
            params: params.clone(),
            points: 0,
            t0: 0.0,
            t1: 0.0,
            step: 0.0,
            noise_percent: 0.0,
            seed: 0,
            init: vec![Vec::new(); system.fields.len()],
            field_map: Vec::new(),
            boundary: Vec::new(),
            system,
        };
        let (inits, time, bounds) = self.sim_entries(&mut sim, s)?;
        for (what, missing) in [("points", sim.points == 0), ("time", !time)] {
            if missing {
                let help = if what == "points" { "add e.g. `points 256`" } else { "add e.g. `time 0 .. 10 step 0.1`" };
                self.diags.push(
                    Diagnostic::new(
                        codes::BAD_FIELD_DATA,
                        format!("a field simulation needs `{what}`"),
                        span,
                        format!("no `{what}` entry"),
                    )
                    .with_help(help),
                );
                return None;
            }
        }
        self.profiles(&mut sim, &inits, space, span)?;
        sim.field_map = self.field_map(&sim, fields, span)?;
        sim.boundary = self.boundaries(&sim, &bounds, space, span)?;
        Some(sim)
    }

    /// The system a simulation block names, or its own equations over the model's fields.
    fn sim_system<'s>(
        &mut self,
        name: &Ident,
        s: &'s SimSource,
        span: Span,
        space: &PdeSpace,
        fields: &[String],
    ) -> Option<(SystemAst, Option<&'s crate::syntax::ast::Args>)> {
        Some(match &s.system {
            Some((id, args)) => (self.named_system(id)?, Some(args)),
            None => {
                let equations: Vec<Equation> = s
                    .entries
                    .iter()
                    .filter_map(|e| if let SimEntryKind::Equation(q) = &e.kind { Some(q.clone()) } else { None })
                    .collect();
                let fids = fields.iter().map(|f| Ident { name: f.clone(), span }).collect();
                let sys = SystemAst {
                    name: name.clone(),
                    params: vec![],
                    fields: fids,
                    space: space.name.clone(),
                    equations,
                    span,
                };
                (sys, None)
            }
        })
    }
    /// Reads the entries of a simulation block into `sim`: its `init` items, whether it has
    /// a time range, and its `boundary` items.
    fn sim_entries(&mut self, sim: &mut PdeSim, s: &SimSource) -> Option<(Vec<InitItem>, bool, Vec<InitItem>)> {
        let mut inits = Vec::new();
        let mut bounds = Vec::new();
        let mut time = false;
        for e in &s.entries {
            match &e.kind {
                SimEntryKind::Init(items) => inits.extend(items.iter().cloned()),
                SimEntryKind::Boundary(items) => bounds.extend(items.iter().cloned()),
                SimEntryKind::Points(x) => sim.points = self.ranged(x, "points", 8.0, MAX_POINTS)? as usize,
                SimEntryKind::Time { start, end, step } => {
                    sim.t0 = self.constant(start, "the start time")?;
                    sim.t1 = self.constant(end, "the end time")?;
                    sim.step = self.constant(step, "the time step")?;
                    time = true;
                    if !(sim.t1 > sim.t0 && sim.step > 0.0 && (sim.t1 - sim.t0) / sim.step <= 1e6) {
                        self.diags.push(Diagnostic::new(
                            codes::BAD_FIELD_DATA,
                            "invalid time range",
                            e.span,
                            "need start < end, step > 0, at most 10^6 steps",
                        ));
                        return None;
                    }
                }
                SimEntryKind::Noise(x) => sim.noise_percent = self.ranged(x, "noise", 0.0, 1e4)?,
                SimEntryKind::Seed(x) => sim.seed = self.ranged(x, "seed", 0.0, 9.0e15)? as u64,
                SimEntryKind::Trajectories(x) => {
                    self.diags.push(
                        Diagnostic::new(
                            codes::BAD_FIELD_DATA,
                            "a field simulation gives one trajectory",
                            x.span,
                            "not for fields",
                        )
                        .with_help("declare one `data` block per initial profile"),
                    );
                    return None;
                }
                SimEntryKind::Equation(_) => {}
            }
        }
        Some((inits, time, bounds))
    }

    /// The field system a `simulate` block names.
    fn named_system(&mut self, id: &Ident) -> Option<SystemAst> {
        if let Some(s) = self.systems.iter().find(|s| s.name.name == id.name) {
            return Some(s.clone());
        }
        let names: Vec<&str> = self.systems.iter().map(|s| s.name.name.as_str()).collect();
        let help = super::super::scope::suggest(&id.name, names.iter().copied())
            .map_or(format!("the field systems are {}", names.join(", ")), |s| format!("did you mean `{s}`?"));
        self.diags.push(
            Diagnostic::new(
                codes::BAD_FIELD_DATA,
                format!("no field system named `{}`", id.name),
                id.span,
                "unknown field system",
            )
            .with_help(help),
        );
        None
    }

    /// The system's parameter values from the call's named arguments.
    fn args(&mut self, sys: &SystemAst, args: Option<&crate::syntax::ast::Args>) -> Option<Vec<(String, f64)>> {
        let mut out = Vec::new();
        let items = args.map_or(&[][..], |a| &a.items[..]);
        for p in &sys.params {
            match items.iter().find(|a| a.name.as_ref().is_some_and(|n| n.name == p.name)) {
                Some(a) => out.push((p.name.clone(), self.constant(&a.value, &format!("parameter `{}`", p.name))?)),
                None => {
                    let span = args.map_or(sys.span, |a| a.span);
                    self.diags.push(
                        Diagnostic::new(
                            codes::BAD_FIELD_DATA,
                            format!("no value for parameter `{}`", p.name),
                            span,
                            "missing argument",
                        )
                        .with_help(format!("give every parameter by name: `{}({} = ...)`", sys.name.name, p.name)),
                    );
                    return None;
                }
            }
        }
        for a in items {
            let known = a.name.as_ref().is_some_and(|n| sys.params.iter().any(|p| p.name == n.name));
            if !known {
                self.diags.push(Diagnostic::new(
                    codes::BAD_FIELD_DATA,
                    "an argument that names no parameter",
                    a.span(),
                    "unknown argument",
                ));
                return None;
            }
        }
        Some(out)
    }

    /// Resolves a system's equations: one first-order equation per field.
    fn system(&mut self, sys: &SystemAst, params: &[(String, f64)]) -> Option<PdeSystem> {
        let fields: Vec<String> = sys.fields.iter().map(|f| f.name.clone()).collect();
        let env = Env { fields: &fields, space: Some(&sys.space), params };
        let mut rhs: Vec<Option<PdeExpr>> = vec![None; fields.len()];
        let mut ok = true;
        for e in &sys.equations {
            let Some(k) = fields.iter().position(|f| *f == e.target.name).filter(|_| e.order == 1) else {
                self.diags.push(
                    Diagnostic::new(
                        codes::FIELD_SYSTEM,
                        "not the time derivative of a field",
                        e.lhs_span,
                        "no such field equation",
                    )
                    .with_help(format!("the left side is `f'` for a field f of {}", fields.join(", "))),
                );
                ok = false;
                continue;
            };
            match resolve(&e.rhs, &env) {
                Ok(r) => rhs[k] = Some(r),
                Err(d) => {
                    self.diags.push(d);
                    ok = false;
                }
            }
        }
        let mut out = Vec::new();
        for (k, r) in rhs.into_iter().enumerate() {
            match r {
                Some(r) => out.push(r),
                None if ok => {
                    self.diags.push(Diagnostic::new(
                        codes::FIELD_SYSTEM,
                        format!("field `{}` has no equation", fields[k]),
                        sys.span,
                        "missing equation",
                    ));
                    return None;
                }
                None => return None,
            }
        }
        Some(PdeSystem { name: sys.name.name.clone(), fields, rhs: out })
    }

    /// `W017` when an initial profile on a periodic space does not join up: its values at the
    /// two ends differ by more than [`JOIN`] of its range on the grid.
    fn periodic_profile(&mut self, e: &PdeExpr, v: &[f64], space: &PdeSpace, it: &crate::syntax::ast::InitItem) {
        let (a, b) = (e.eval(&|_, _| f64::NAN, space.lo), e.eval(&|_, _| f64::NAN, space.hi));
        let range = v.iter().fold(f64::NEG_INFINITY, |m, &y| m.max(y)) - v.iter().fold(f64::INFINITY, |m, &y| m.min(y));
        let jump = (a - b).abs();
        if !(range > 0.0 && jump > JOIN * range) {
            return;
        }
        let num = |y: f64| crate::number::format_sig(y, 3);
        self.diags.push(
            Diagnostic::new(
                codes::PROFILE_NOT_PERIODIC,
                format!(
                    "the initial profile of `{}` does not join up on the periodic space: {} at {} = {} and {} at {} = {} (a jump of {} of its range)",
                    it.name.name,
                    num(a),
                    space.name,
                    num(space.lo),
                    num(b),
                    space.name,
                    num(space.hi),
                    num(jump / range)
                ),
                it.value.span,
                "not periodic",
            )
            .with_note("the jump sheds waves of every wavenumber: a dispersive system (KdV) turns them into fast ripples that the simulation must resolve (many small steps) and that the time sampling cannot")
            .with_help(format!(
                "add the profile's periodic images (`f({x}) + f({x} - L)` with L = {}), or widen the space so that the profile has decayed at both ends",
                num(space.hi - space.lo),
                x = space.name
            )),
        );
    }

    /// The initial profiles on the grid.
    fn profiles(
        &mut self,
        sim: &mut PdeSim,
        inits: &[crate::syntax::ast::InitItem],
        space: &PdeSpace,
        span: Span,
    ) -> Option<()> {
        let grid = space.grid(sim.points);
        let env = Env { fields: &[], space: Some(&space.name), params: &[] };
        for it in inits {
            let Some(k) = sim.system.fields.iter().position(|f| *f == it.name.name).filter(|_| it.order == 0) else {
                self.diags.push(
                    Diagnostic::new(
                        codes::BAD_FIELD_DATA,
                        format!("`{}` is not a field of the system", it.name.name),
                        it.span,
                        "not a field",
                    )
                    .with_help(format!("give the initial profile of each of {}", sim.system.fields.join(", "))),
                );
                return None;
            };
            let e = resolve(&it.value, &env).map_err(|d| self.diags.push(d)).ok()?;
            let v: Vec<f64> = grid.iter().map(|&x| e.eval(&|_, _| f64::NAN, x)).collect();
            if let Some(i) = v.iter().position(|y| !y.is_finite()) {
                self.diags.push(Diagnostic::new(
                    codes::BAD_FIELD_DATA,
                    format!("the initial profile is not finite at {} = {}", space.name, grid[i]),
                    it.value.span,
                    "not finite",
                ));
                return None;
            }
            if space.periodic {
                self.periodic_profile(&e, &v, space, it);
            }
            sim.init[k] = v;
        }
        if let Some(k) = sim.init.iter().position(Vec::is_empty) {
            self.diags.push(
                Diagnostic::new(
                    codes::BAD_FIELD_DATA,
                    format!("no initial profile for `{}`", sim.system.fields[k]),
                    span,
                    "missing `init`",
                )
                .with_help(format!("add e.g. `init {} = exp(-({} - 1)^2)`", sim.system.fields[k], space.name)),
            );
            return None;
        }
        Some(())
    }

    /// The model field each system field provides; every model field must be provided.
    fn field_map(&mut self, sim: &PdeSim, fields: &[String], span: Span) -> Option<Vec<usize>> {
        let map: Vec<Option<usize>> = sim.system.fields.iter().map(|f| fields.iter().position(|m| m == f)).collect();
        let missing: Vec<&str> =
            fields.iter().enumerate().filter(|(i, _)| !map.contains(&Some(*i))).map(|(_, f)| f.as_str()).collect();
        if map.iter().any(Option::is_none) || !missing.is_empty() {
            self.diags.push(
                Diagnostic::new(
                    codes::BAD_FIELD_DATA,
                    "the system's fields are not the model's",
                    span,
                    "fields differ",
                )
                .with_help(format!(
                    "the model's fields ({}) and the system's ({}) must have the same names",
                    fields.join(", "),
                    sim.system.fields.join(", ")
                )),
            );
            return None;
        }
        Some(map.into_iter().flatten().collect())
    }

    /// A constant in `lo..=hi`.
    fn ranged(&mut self, e: &crate::syntax::ast::Expr, what: &str, lo: f64, hi: f64) -> Option<f64> {
        let v = self.constant(e, what)?;
        if v < lo || v > hi {
            self.diags.push(Diagnostic::new(
                codes::BAD_FIELD_DATA,
                format!("`{what}` must be in {lo} ..= {hi}"),
                e.span,
                "out of range",
            ));
            return None;
        }
        Some(v)
    }
}
