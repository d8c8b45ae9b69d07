//! The candle custom ops: [`ode_solve`] (differentiable in all four inputs) and
//! [`FrozenLhs::solve_tensor`] (differentiable in rhs and initial values), for contiguous CPU f64
//! tensors. Both dispatch through [`SolverBackend`] / [`FactoredLhs`].
//!
//! Packing: candle 0.11 custom ops take at most three inputs, so `ode_solve` flattens the initial
//! values and the steps and concatenates them into one 1-D tensor, `[init.flatten(), steps.flatten()]`
//! (just the steps when there are no initial values). The op's backward returns the concatenated
//! gradient, and candle's own autograd of `cat`/`flatten` splits it back onto `init` and `steps`.
//! The forward's factors and solution are kept inside the op instance for its backward pass.

use std::sync::{Arc, Mutex};

use candle_core::{CpuStorage, CustomOp2, CustomOp3, DType, Layout, Shape, Tensor};

use super::backend::{solve_with, FrozenLhs, Solution};
use super::cpu::CpuBackend;
use super::device::{OdeInputs, SolverBackend};
use super::error::SolveError;
use super::shape::{LhsShape, OdeOptions, OdeShape};

type CResult<T> = candle_core::Result<T>;

/// Solves the batched linear ODE least-squares problem; returns u (B, n, D, P). Inputs are CPU
/// f64 tensors in step-last layout: coefficients (B|1, n|1, E, D, P), rhs (B, n|1, E), initial
/// values (B, S, D, K), steps (B|1, n−1|1). A failed solve is an error that
/// [`SolveError::from_candle`] recovers.
pub fn ode_solve(coeffs: &Tensor, rhs: &Tensor, init: &Tensor, steps: &Tensor, opts: &OdeOptions) -> CResult<Tensor> {
    ode_solve_with(Arc::new(CpuBackend), coeffs, rhs, init, steps, opts)
}

/// [`ode_solve`] on a given backend.
pub fn ode_solve_with(
    backend: Arc<dyn SolverBackend>,
    coeffs: &Tensor,
    rhs: &Tensor,
    init: &Tensor,
    steps: &Tensor,
    opts: &OdeOptions,
) -> CResult<Tensor> {
    for t in [coeffs, rhs, init, steps] {
        check_tensor(t)?;
    }
    let shape = OdeShape::from_dims(coeffs.dims(), rhs.dims(), init.dims(), steps.dims(), opts.n_steps)
        .and_then(|s| s.validate(opts).map(|_| s))
        .map_err(SolveError::into_candle)?;
    let init_len = init.elem_count();
    let packed = if init_len == 0 {
        steps.flatten_all()?
    } else {
        Tensor::cat(&[init.flatten_all()?, steps.flatten_all()?], 0)?
    };
    let op = SolveOp { backend, shape, opts: *opts, init_len, state: Mutex::new(None) };
    coeffs.contiguous()?.apply_op3(&rhs.contiguous()?, &packed.contiguous()?, op)
}

fn check_tensor(t: &Tensor) -> CResult<()> {
    if t.dtype() != DType::F64 || !t.device().is_cpu() {
        return Err(SolveError::Shape(format!(
            "solver inputs must be f64 CPU tensors, got {:?} on {:?}",
            t.dtype(),
            t.device()
        ))
        .into_candle());
    }
    Ok(())
}

/// The contiguous f64 data of a storage.
fn data<'a>(s: &'a CpuStorage, l: &Layout) -> CResult<&'a [f64]> {
    let all = s.as_slice::<f64>()?;
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&all[a..b]),
        None => Err(candle_core::Error::RequiresContiguous { op: "mnn::ode_solve" }),
    }
}

fn u_shape(sh: &OdeShape) -> Shape {
    Shape::from((sh.batch, sh.lhs.n, sh.lhs.d, sh.lhs.p))
}

struct SolveOp {
    backend: Arc<dyn SolverBackend>,
    shape: OdeShape,
    opts: OdeOptions,
    init_len: usize,
    state: Mutex<Option<Solution>>,
}

impl SolveOp {
    fn run(&self, coeffs: &[f64], rhs: &[f64], packed: &[f64]) -> CResult<Solution> {
        let (init, steps) = packed.split_at(self.init_len);
        let inputs = OdeInputs { coeffs, rhs, init, steps };
        solve_with(self.backend.as_ref(), &self.shape, inputs, &self.opts).map_err(SolveError::into_candle)
    }
}

impl CustomOp3 for SolveOp {
    fn name(&self) -> &'static str {
        "mnn-ode-solve"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> CResult<(CpuStorage, Shape)> {
        let sol = self.run(data(s1, l1)?, data(s2, l2)?, data(s3, l3)?)?;
        let out = CpuStorage::F64(sol.u.clone());
        *self.state.lock().map_err(|_| candle_core::Error::msg("mnn solver state poisoned"))? = Some(sol);
        Ok((out, u_shape(&self.shape)))
    }

    fn bwd(
        &self,
        a1: &Tensor,
        a2: &Tensor,
        a3: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> CResult<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad_u = grad.flatten_all()?.to_vec1::<f64>()?;
        let mut state = self.state.lock().map_err(|_| candle_core::Error::msg("mnn solver state poisoned"))?;
        if state.is_none() {
            let v = |t: &Tensor| t.flatten_all()?.to_vec1::<f64>();
            *state = Some(self.run(&v(a1)?, &v(a2)?, &v(a3)?)?);
        }
        let sol = state.as_ref().ok_or_else(|| candle_core::Error::msg("mnn solver state missing"))?;
        let g = sol.backward(&grad_u).map_err(SolveError::into_candle)?;
        let dev = a1.device();
        let dc = g.coeffs.map(|c| Tensor::from_vec(c, a1.shape(), dev)).transpose()?;
        let dr = Tensor::from_vec(g.rhs, a2.shape(), dev)?;
        let mut packed = g.init;
        packed.extend(g.steps.unwrap_or_default());
        let dp = Tensor::from_vec(packed, a3.shape(), dev)?;
        Ok((dc, Some(dr), Some(dp)))
    }
}

struct FrozenOp {
    lhs: FrozenLhs,
    shape: OdeShape,
    state: Mutex<Option<Solution>>,
}

impl CustomOp2 for FrozenOp {
    fn name(&self) -> &'static str {
        "mnn-ode-solve-frozen"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> CResult<(CpuStorage, Shape)> {
        let sh = &self.shape;
        let sol =
            self.lhs.solve(sh.batch, sh.rhs_steps, data(s1, l1)?, data(s2, l2)?).map_err(SolveError::into_candle)?;
        let out = CpuStorage::F64(sol.u.clone());
        *self.state.lock().map_err(|_| candle_core::Error::msg("mnn solver state poisoned"))? = Some(sol);
        Ok((out, u_shape(sh)))
    }

    fn bwd(&self, a1: &Tensor, a2: &Tensor, _res: &Tensor, grad: &Tensor) -> CResult<(Option<Tensor>, Option<Tensor>)> {
        let grad_u = grad.flatten_all()?.to_vec1::<f64>()?;
        let mut state = self.state.lock().map_err(|_| candle_core::Error::msg("mnn solver state poisoned"))?;
        if state.is_none() {
            let (r, i) = (a1.flatten_all()?.to_vec1::<f64>()?, a2.flatten_all()?.to_vec1::<f64>()?);
            let sh = &self.shape;
            *state = Some(self.lhs.solve(sh.batch, sh.rhs_steps, &r, &i).map_err(SolveError::into_candle)?);
        }
        let sol = state.as_ref().ok_or_else(|| candle_core::Error::msg("mnn solver state missing"))?;
        let g = sol.backward(&grad_u).map_err(SolveError::into_candle)?;
        let dr = Tensor::from_vec(g.rhs, a1.shape(), a1.device())?;
        let di = Tensor::from_vec(g.init, a2.shape(), a2.device())?;
        Ok((Some(dr), Some(di)))
    }
}

impl FrozenLhs {
    /// Factorises from tensors: coefficients (B|1, n|1, E, D, P) and steps (B|1, n−1|1) for `n`
    /// steps with initial values at `s` steps for `k` orders. No gradient flows to them later.
    pub fn from_tensors(
        coeffs: &Tensor,
        steps: &Tensor,
        n: usize,
        s: usize,
        k: usize,
        opts: &OdeOptions,
    ) -> CResult<FrozenLhs> {
        check_tensor(coeffs)?;
        check_tensor(steps)?;
        let (&[cb, cn, e, d, p], &[hb, hl]) = (coeffs.dims(), steps.dims()) else {
            return Err(SolveError::Shape(format!(
                "coefficients {:?} / steps {:?} need ranks 5 / 2",
                coeffs.dims(),
                steps.dims()
            ))
            .into_candle());
        };
        let shape = LhsShape { n, e, d, p, s, k, coeff_batch: cb, coeff_steps: cn, step_batch: hb, step_len: hl };
        let (c, h) = (coeffs.flatten_all()?.to_vec1::<f64>()?, steps.flatten_all()?.to_vec1::<f64>()?);
        FrozenLhs::new(&shape, &c, &h, opts).map_err(SolveError::into_candle)
    }

    /// The candle op over the stored factors: rhs (B, n|1, E) and initial values (B, S, D, K) to
    /// u (B, n, D, P), differentiable with respect to rhs and initial values.
    pub fn solve_tensor(&self, rhs: &Tensor, init: &Tensor) -> CResult<Tensor> {
        check_tensor(rhs)?;
        check_tensor(init)?;
        let (&[b, rn, _], &[_, _, _, _]) = (rhs.dims(), init.dims()) else {
            return Err(SolveError::Shape(format!("rhs {:?} / init {:?} need ranks 3 / 4", rhs.dims(), init.dims()))
                .into_candle());
        };
        let shape = self.ode_shape(b, rn);
        let op = FrozenOp { lhs: self.clone(), shape, state: Mutex::new(None) };
        rhs.contiguous()?.apply_op2(&init.contiguous()?, op)
    }
}
