//! The report of a field fit: the discovered equations as `.mech`, fitted parameters, the noise
//! estimates and a rollout of the discovered PDE from the first denoised profile of each
//! periodic trajectory, integrated by the same exponential time differencing as `simulate`
//! (the part of each right side that is linear with a constant coefficient in its own field's
//! spatial derivatives, found from the compiled Jacobian on the first profile, is integrated
//! exactly; the rest on the grid), scored by its relative L2 error against the denoised data
//! over every time and point.

use super::equations::{equations_with, EquationText};
use crate::check::hir::Pde;
use crate::data::field::etd::Problem;
use crate::data::field::spectral::Spectral;
use crate::data::field::FieldData;
use crate::fit::pde::FieldFit;
use crate::ir::ModelIr;
use crate::jit::{model_layout, DiffKernels};
use crate::number::format_sig;
use rustfft::num_complex::Complex64 as C;

/// What a field fit reports.
pub struct FieldReport {
    pub equations: Vec<EquationText>,
    /// Fitted parameters (name, value).
    pub params: Vec<(String, f64)>,
    /// Per trajectory: relative L2 rollout error, or why there is none.
    pub rollout: Vec<Result<f64, String>>,
}

/// Builds the report.
pub fn build(ir: &ModelIr, pde: &Pde, data: &FieldData, fit: &FieldFit, precision: usize) -> FieldReport {
    let f = &fit.fitted;
    let equations = equations_with(ir, &f.coefficients, &f.active, &f.magnitudes, precision);
    let params = ir.names.params.iter().cloned().zip(f.params.iter().copied()).collect();
    let theta: Vec<f64> = f.params.iter().chain(&f.coefficients).copied().collect();
    let rollout = data
        .trajectories
        .iter()
        .zip(&fit.denoised)
        .map(|(tr, den)| {
            if !pde.space.periodic {
                return Err("the rollout needs a periodic space".to_string());
            }
            rollout(ir, pde, &tr.t, tr.x.len(), (tr.x[1] - tr.x[0]) * tr.x.len() as f64, den, &theta)
        })
        .collect();
    FieldReport { equations, params, rollout }
}

/// Relative L2 error of the discovered model's rollout against `den` (fields × nt·nx).
fn rollout(
    ir: &ModelIr,
    pde: &Pde,
    t: &[f64],
    nx: usize,
    period: f64,
    den: &[Vec<f64>],
    theta: &[f64],
) -> Result<f64, String> {
    let layout = model_layout(ir);
    let k = {
        let mut ir2 = ir.clone();
        let outputs = ir2.rhs_nodes();
        DiffKernels::compile(&mut ir2.arena, &outputs, &layout).map_err(|e| e.to_string())?
    };
    let nf = ir.names.states.len();
    let field_of: Vec<usize> =
        ir.names.states.iter().map(|s| pde.fields.iter().position(|f| f == s).unwrap_or(0)).collect();
    // (model state, order) of every input column.
    let derivs: Vec<(usize, u32)> = ir
        .names
        .inputs
        .iter()
        .map(|n| {
            let d = pde.derivs.iter().find(|d| d.name == *n).map_or((0, 1), |d| (d.field, d.order));
            (field_of.iter().position(|&f| f == d.0).unwrap_or(0), d.1)
        })
        .collect();
    let mut needs: Vec<(usize, u32)> = (0..nf).map(|s| (s, 0)).collect();
    needs.extend(derivs.iter().copied());
    let sp = Spectral::new(nx, period);
    let init: Vec<Vec<f64>> = field_of.iter().map(|&f| den[f][..nx].to_vec()).collect();
    let ncol = layout.columns.len();
    let rows = |vals: &[Vec<f64>]| -> Vec<f64> {
        let mut x = vec![0.0; nx * ncol];
        for i in 0..nx {
            for (c, v) in vals.iter().enumerate() {
                x[i * ncol + c] = v[i];
            }
        }
        x
    };
    // Linear part: columns whose Jacobian entry is the same at every point of the first profile.
    let first: Vec<Vec<f64>> = needs.iter().map(|&(s, o)| sp.derivative(&sp.forward(&init[s]), o)).collect();
    let mut jac = vec![0.0; nx * nf * ncol];
    k.d_cols.eval_par(nx, &rows(&first), theta, &mut jac).map_err(|e| e.to_string())?;
    let lin_coef = linear_part(&jac, nx, nf, ncol, &derivs);
    let lin: Vec<Vec<C>> = lin_coef
        .iter()
        .map(|lc| (0..nx).map(|j| lc.iter().map(|&(o, c)| sp.symbol(j, o) * c).sum()).collect())
        .collect();
    let lin_cols: Vec<Vec<(usize, f64)>> = lin_coef
        .iter()
        .enumerate()
        .map(|(s, lc)| lc.iter().map(|&(o, c)| (needs.iter().position(|&p| p == (s, o)).unwrap_or(0), c)).collect())
        .collect();
    let kv = &k.value;
    let nonlinear = move |vals: &[Vec<f64>]| -> Vec<Vec<f64>> {
        let mut f = vec![0.0; nx * nf];
        if kv.eval_par(nx, &rows(vals), theta, &mut f).is_err() {
            return vec![vec![f64::NAN; nx]; nf];
        }
        (0..nf)
            .map(|s| {
                (0..nx).map(|i| f[i * nf + s] - lin_cols[s].iter().map(|&(c, a)| a * vals[c][i]).sum::<f64>()).collect()
            })
            .collect()
    };
    let p = Problem { sp, lin, needs, nonlinear: Box::new(nonlinear) };
    let out = p.integrate(&init, t).map_err(|e| e.to_string())?;
    Ok(relative_error(&out, den, &field_of))
}

/// `‖out − den‖ / ‖den‖` over every field, time and point (`out` in state order).
fn relative_error(out: &[Vec<f64>], den: &[Vec<f64>], field_of: &[usize]) -> f64 {
    let (mut num, mut den2) = (0.0, 0.0);
    for (s, o) in out.iter().enumerate() {
        for (a, b) in o.iter().zip(&den[field_of[s]]) {
            num += (a - b).powi(2);
            den2 += b * b;
        }
    }
    (num / den2.max(f64::MIN_POSITIVE)).sqrt()
}

/// Per state, the (order, coefficient) of every derivative input whose Jacobian entry `jac`
/// (rows × states × columns; the inputs after the `nf` state columns) is the same non-zero
/// value at every point.
fn linear_part(jac: &[f64], nx: usize, nf: usize, ncol: usize, derivs: &[(usize, u32)]) -> Vec<Vec<(u32, f64)>> {
    let mut lin_coef: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nf];
    for (c, &(s, o)) in derivs.iter().enumerate() {
        let col = nf + c;
        let v: Vec<f64> = (0..nx).map(|i| jac[(i * nf + s) * ncol + col]).collect();
        let same = v.iter().all(|a| (a - v[0]).abs() <= 1e-12 * v[0].abs().max(1e-300));
        if same && v[0] != 0.0 {
            lin_coef[s].push((o, v[0]));
        }
    }
    lin_coef
}

/// The report as text.
pub fn text(name: &str, pde: &Pde, data: &FieldData, fit: &FieldFit, r: &FieldReport, wall: f64) -> String {
    let f = &fit.fitted;
    let kept = f.active.iter().filter(|&&a| a).count();
    let thr = f.threshold.map_or("none".into(), |t| format_sig(t, 3));
    let mut s = format!(
        "{name}: {} field(s) over {}{}, {} equation(s), {} candidate terms -> {kept} kept (threshold {thr}, {:.1} s)\n",
        pde.fields.len(),
        pde.space.name,
        if pde.space.periodic { " (periodic)" } else { "" },
        r.equations.len(),
        f.active.len(),
        wall
    );
    for e in &r.equations {
        s.push_str(&format!("  {}\n", e.text));
    }
    for (n, v) in &r.params {
        s.push_str(&format!("  param {n} = {}\n", format_sig(*v, 4)));
    }
    let tr0 = &data.trajectories[0];
    s.push_str(&format!(
        "data: {} trajectory(ies), {} points x {} times, {} regression rows ({})\n",
        data.trajectories.len(),
        tr0.nx(),
        tr0.nt(),
        fit.rows,
        if fit.weak_form { "noisy: weak form in time" } else { "strong form" }
    ));
    let noise: Vec<String> =
        pde.fields.iter().zip(&fit.noise).map(|(n, v)| format!("{n} {}", format_sig(*v, 3))).collect();
    s.push_str(&format!("noise estimate (std): {}\n", noise.join(", ")));
    for (tr, ro) in data.trajectories.iter().zip(&r.rollout) {
        match ro {
            Ok(e) => s.push_str(&format!(
                "rollout {}: {}% relative error over t = {} .. {} (against the denoised data)\n",
                tr.label,
                format_sig(100.0 * e, 3),
                format_sig(tr.t[0], 4),
                format_sig(tr.t[tr.nt() - 1], 4)
            )),
            Err(m) => s.push_str(&format!("rollout {}: none ({m})\n", tr.label)),
        }
    }
    s
}
