//! The rollout of a discovered field model: the lowered model, its fitted values and the first
//! denoised profile of a periodic trajectory → the fields integrated over the trajectory's times
//! by the same exponential time differencing as `simulate` (the part of each right side that is
//! linear with a constant coefficient in its own field's spatial derivatives, found from the
//! compiled Jacobian on the first profile, is integrated exactly; the rest on the grid), and its
//! relative L2 error against the data.

use crate::check::hir::Pde;
use crate::data::field::etd::Problem;
use crate::data::field::spectral::Spectral;
use crate::ir::ModelIr;
use crate::jit::{model_layout, DiffKernels};
use rustfft::num_complex::Complex64 as C;

/// The discovered model's rollout from the first profile of `den` (fields × nt·nx) at the
/// times `t`, in model state order (states × nt·nx, row-major over time and point).
pub fn rollout(
    ir: &ModelIr,
    pde: &Pde,
    t: &[f64],
    nx: usize,
    period: f64,
    den: &[Vec<f64>],
    theta: &[f64],
) -> Result<Vec<Vec<f64>>, String> {
    let layout = model_layout(ir);
    let k = {
        let mut ir2 = ir.clone();
        let outputs = ir2.rhs_nodes();
        DiffKernels::compile(&mut ir2.arena, &outputs, &layout).map_err(|e| e.to_string())?
    };
    let nf = ir.names.states.len();
    let field_of = field_of(ir, pde);
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
    p.integrate(&init, t).map_err(|e| e.to_string())
}

/// The field (index in [`Pde::fields`]) of every model state.
pub fn field_of(ir: &ModelIr, pde: &Pde) -> Vec<usize> {
    ir.names.states.iter().map(|s| pde.fields.iter().position(|f| f == s).unwrap_or(0)).collect()
}

/// `‖out − den‖ / ‖den‖` over every field, time and point (`out` in state order, `field_of`
/// the data field of each state).
pub fn relative_error(out: &[Vec<f64>], den: &[Vec<f64>], field_of: &[usize]) -> f64 {
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
