//! The boundary conditions of a field simulation: none on a periodic space; on a bounded one,
//! one per field, `boundary u = c` (the value at both ends) or `boundary u_x = c` (the first
//! spatial derivative there), and a system whose derivatives the finite differences determine
//! with them (up to the second order).

use super::types::{Boundary, PdeExpr, PdeSim, PdeSpace};
use super::FieldPass;
use crate::diag::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::InitItem;

/// Largest miss of a held value by the initial profile's end values, relative to its range:
/// the level below which the field fit counts data as clean.
const MISS: f64 = 1e-4;

/// Highest spatial derivative a simulation on a bounded space takes.
const BOUNDED_ORDER: u32 = 2;

impl FieldPass {
    /// Each system field's boundary condition: empty on a periodic space (where `boundary`
    /// lines are refused), one per field on a bounded one.
    pub(super) fn boundaries(
        &mut self,
        sim: &PdeSim,
        items: &[InitItem],
        space: &PdeSpace,
        span: Span,
    ) -> Option<Vec<Boundary>> {
        if space.periodic {
            if let Some(it) = items.first() {
                self.diags.push(
                    Diagnostic::new(codes::BOUNDARY, "a periodic space has no boundaries", it.span, "not used")
                        .with_label(space.span, "declared `periodic`")
                        .with_help("remove the `boundary` line, or `periodic` from the space"),
                );
                return None;
            }
            return Some(Vec::new());
        }
        self.bounded_orders(sim, span)?;
        let fields = &sim.system.fields;
        let mut out: Vec<Option<(Boundary, Span)>> = vec![None; fields.len()];
        for it in items {
            let (k, b) = self.boundary_item(sim, it, space, &out)?;
            out[k] = Some((b, it.span));
        }
        if let Some(k) = out.iter().position(Option::is_none) {
            self.diags.push(
                Diagnostic::new(
                    codes::BOUNDARY,
                    format!("no boundary condition for `{}` on the bounded space", fields[k]),
                    span,
                    "missing `boundary`",
                )
                .with_label(space.span, "declared without `periodic`")
                .with_help(format!(
                    "add e.g. `boundary {f} = 0` (its value at both ends) or `boundary {f}_{x} = 0` (no flux), or make the space `periodic`",
                    f = fields[k],
                    x = space.name
                )),
            );
            return None;
        }
        let out: Vec<(Boundary, Span)> = out.into_iter().flatten().collect();
        for (k, (b, at)) in out.iter().enumerate() {
            if let Boundary::Value(c) = *b {
                self.off_boundary(&sim.init[k], c, &fields[k], space, *at);
            }
        }
        Some(out.into_iter().map(|(b, _)| b).collect())
    }

    /// `W014` when the initial profile of a held field misses the held value at an end by more
    /// than [`MISS`] of its range (of `|c|` for a flat profile, absolutely for `c = 0`).
    fn off_boundary(&mut self, v: &[f64], c: f64, field: &str, space: &PdeSpace, at: Span) {
        let (lo, hi) = (v[0], v[v.len() - 1]);
        let range = v.iter().fold(f64::NEG_INFINITY, |m, &y| m.max(y)) - v.iter().fold(f64::INFINITY, |m, &y| m.min(y));
        let scale = if range > 0.0 { range } else { c.abs().max(1.0) };
        let miss = (lo - c).abs().max((hi - c).abs());
        if miss <= MISS * scale {
            return;
        }
        let num = |y: f64| crate::number::format_sig(y, 3);
        self.diags.push(
            Diagnostic::new(
                codes::PROFILE_OFF_BOUNDARY,
                format!(
                    "the initial profile of `{field}` is {} at {x} = {} and {} at {x} = {}, and the boundary holds it at {}",
                    num(lo),
                    num(space.lo),
                    num(hi),
                    num(space.hi),
                    num(c),
                    x = space.name
                ),
                at,
                "held value",
            )
            .with_note("the end values are replaced by the held value: the field starts with a jump next to the end")
            .with_help("give a profile that meets the held value at both ends"),
        );
    }

    /// One `boundary` item: the system field it holds and its condition.
    fn boundary_item(
        &mut self,
        sim: &PdeSim,
        it: &InitItem,
        space: &PdeSpace,
        out: &[Option<(Boundary, Span)>],
    ) -> Option<(usize, Boundary)> {
        let fields = &sim.system.fields;
        let hit = fields.iter().enumerate().find_map(|(k, f)| {
            (it.name.name == *f)
                .then_some((k, true))
                .or((it.name.name == format!("{f}_{}", space.name)).then_some((k, false)))
        });
        let Some((k, value)) = hit.filter(|_| it.order == 0) else {
            let first = fields.first().map_or("u", String::as_str);
            self.diags.push(
                Diagnostic::new(
                    codes::BOUNDARY,
                    format!("`{}` is not a field or its first derivative", it.name.name),
                    it.name.span,
                    "no such boundary value",
                )
                .with_help(format!(
                    "hold a field's value (`boundary {first} = 0`) or its slope (`boundary {first}_{} = 0`) at both ends",
                    space.name
                )),
            );
            return None;
        };
        if let Some((_, first)) = out[k] {
            self.diags.push(
                Diagnostic::new(
                    codes::BOUNDARY,
                    format!("`{}` has two boundary conditions", fields[k]),
                    it.span,
                    "second condition",
                )
                .with_label(first, "first given here")
                .with_help("give each field one condition, which holds at both ends"),
            );
            return None;
        }
        let c = self.constant(&it.value, "a boundary value")?;
        Some((k, if value { Boundary::Value(c) } else { Boundary::Slope(c) }))
    }

    /// `E085` when the system takes a spatial derivative above [`BOUNDED_ORDER`].
    fn bounded_orders(&mut self, sim: &PdeSim, span: Span) -> Option<()> {
        let order = sim.system.rhs.iter().map(max_order).max().unwrap_or(0);
        if order <= BOUNDED_ORDER {
            return Some(());
        }
        self.diags.push(
            Diagnostic::new(
                codes::BOUNDED_ORDER,
                format!(
                    "`{}` takes a spatial derivative of order {order}, and a simulation on a bounded space goes up to {BOUNDED_ORDER}",
                    sim.system.name
                ),
                span,
                "on a bounded space",
            )
            .with_help("simulate it on a `periodic` space, or load its data from a CSV file"),
        );
        None
    }
}

/// The highest spatial derivative order an expression reads.
fn max_order(e: &PdeExpr) -> u32 {
    match e {
        PdeExpr::Field { order, .. } => *order,
        PdeExpr::Num(_) | PdeExpr::Space => 0,
        PdeExpr::Neg(a) => max_order(a),
        PdeExpr::Binary(_, a, b) => max_order(a).max(max_order(b)),
        PdeExpr::Call(_, args) => args.iter().map(max_order).max().unwrap_or(0),
    }
}
