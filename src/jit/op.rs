//! Candle custom ops over compiled kernels: [`KernelOp`] maps a row tensor `X` (N×C, f64) and a
//! parameter tensor `θ` (P, f64) to `F` (N×K); its backward pass evaluates compiled Jacobian
//! kernels `∂F/∂X` (K×C per row) and `∂F/∂θ` (K×P per row) and contracts them with the incoming
//! gradient, so gradients flow to learned states and parameters.
//!
//! Input: an [`Arena`] (extended with the derivative nodes), outputs, a [`Layout`].
//! Output: [`DiffKernels`], applied to tensors through [`DiffKernels::apply`].

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp2, Layout as TLayout, Shape, Tensor};

use super::{compile, JitError, Kernel, Layout};
use crate::ir::{Arena, NodeId, Var};

/// A kernel for `F = f(X; θ)` together with kernels for its Jacobians.
pub struct DiffKernels {
    /// Row-major K per row: `F_k`.
    pub value: Kernel,
    /// Row-major K×C per row: `∂F_k/∂X_c`.
    pub d_cols: Kernel,
    /// Row-major K×P per row: `∂F_k/∂θ_p`.
    pub d_params: Kernel,
}

impl DiffKernels {
    /// Differentiates `outputs` symbolically (adding the derivative nodes to `arena`) with
    /// respect to every column of `layout` and every parameter, and compiles the three kernels.
    pub fn compile(arena: &mut Arena, outputs: &[NodeId], layout: &Layout) -> Result<DiffKernels, JitError> {
        let params: Vec<Var> = (0..layout.n_params as u32).map(Var::Param).collect();
        let jc = arena.jacobian(outputs, &layout.columns);
        let jp = arena.jacobian(outputs, &params);
        Ok(DiffKernels {
            value: compile(arena, outputs, layout)?,
            d_cols: compile(arena, &jc, layout)?,
            d_params: compile(arena, &jp, layout)?,
        })
    }

    /// `F = f(x; params)` as a candle op with a backward pass (both tensors f64 on the CPU;
    /// `x` of shape N×C, `params` with P elements).
    pub fn apply(self: &Arc<Self>, x: &Tensor, params: &Tensor) -> candle_core::Result<Tensor> {
        x.apply_op2(params, KernelOp(self.clone()))
    }
}

/// The candle op wrapping [`DiffKernels`].
#[derive(Clone)]
pub struct KernelOp(pub Arc<DiffKernels>);

fn f64_slice<'a>(s: &'a CpuStorage, l: &TLayout, what: &str) -> candle_core::Result<&'a [f64]> {
    let CpuStorage::F64(v) = s else {
        candle_core::bail!("{what} must be f64");
    };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&v[a..b]),
        None => candle_core::bail!("{what} must be contiguous"),
    }
}

fn jit_err(e: JitError) -> candle_core::Error {
    candle_core::Error::Msg(e.to_string())
}

impl CustomOp2 for KernelOp {
    fn name(&self) -> &'static str {
        "mech-jit-kernel"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &TLayout,
        s2: &CpuStorage,
        l2: &TLayout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let k = &self.0.value;
        let (n, c) = l1.shape().dims2()?;
        if c != k.n_cols() {
            candle_core::bail!("row tensor has {c} columns, the kernel expects {}", k.n_cols());
        }
        let (x, p) = (f64_slice(s1, l1, "rows")?, f64_slice(s2, l2, "params")?);
        let mut out = vec![0.0; n * k.n_outputs()];
        k.eval_par(n, x, p, &mut out).map_err(jit_err)?;
        Ok((CpuStorage::F64(out), Shape::from((n, k.n_outputs()))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        p: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let d = &self.0;
        let (n, c) = x.dims2()?;
        let (kk, np) = (d.value.n_outputs(), d.d_params.n_params());
        let xs = x.flatten_all()?.to_vec1::<f64>()?;
        let ps = p.flatten_all()?.to_vec1::<f64>()?;
        let g = grad.flatten_all()?.to_vec1::<f64>()?;
        let mut jc = vec![0.0; n * kk * c];
        let mut jp = vec![0.0; n * kk * np];
        d.d_cols.eval_par(n, &xs, &ps, &mut jc).map_err(jit_err)?;
        d.d_params.eval_par(n, &xs, &ps, &mut jp).map_err(jit_err)?;
        let mut gx = vec![0.0; n * c];
        let mut gp = vec![0.0; np];
        for r in 0..n {
            for k in 0..kk {
                let gk = g[r * kk + k];
                let jrow = &jc[(r * kk + k) * c..(r * kk + k + 1) * c];
                for (o, &j) in gx[r * c..(r + 1) * c].iter_mut().zip(jrow) {
                    *o += gk * j;
                }
                let prow = &jp[(r * kk + k) * np..(r * kk + k + 1) * np];
                for (o, &j) in gp.iter_mut().zip(prow) {
                    *o += gk * j;
                }
            }
        }
        let gx = Tensor::from_vec(gx, (n, c), x.device())?;
        let gp = Tensor::from_vec(gp, p.shape(), p.device())?;
        Ok((Some(gx), Some(gp)))
    }
}
