//! Compiled kernels and their safe wrapper: [`compile`] JIT-compiles an output list into native
//! code; [`Kernel::eval`] checks every slice length before calling it, and
//! [`Kernel::eval_par`] splits the rows over the rayon thread pool.
//!
//! Input: [`Arena`], outputs, [`Layout`]. Output: a [`Kernel`] that fills N×K row-major values.
//! This is the only file of the crate with `unsafe` code.
#![allow(unsafe_code)]

use std::sync::OnceLock;

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use rayon::prelude::*;

use super::{codegen, EvalShape, JitError, Layout};
use crate::intrinsics::{Imp, Native, INTRINSICS};
use crate::ir::{Arena, NodeId};

type KernelFn = unsafe extern "C" fn(*const f64, usize, *const f64, *mut f64);

/// A natively compiled evaluator for one output list.
pub struct Kernel {
    // Owns the executable memory `func` points into; freed on drop.
    module: Option<JITModule>,
    func: KernelFn,
    n_cols: usize,
    n_params: usize,
    n_outputs: usize,
}

// SAFETY: after finalisation the module's code is immutable and only read; the generated
// function touches nothing but the slices passed to it, so sharing it across threads is sound.
unsafe impl Send for Kernel {}
unsafe impl Sync for Kernel {}

/// The host ISA, built once (optimising for speed, no IR verifier: the code generator's
/// output is checked by the tests against the interpreter instead).
fn isa() -> Result<OwnedTargetIsa, JitError> {
    static ISA: OnceLock<Result<OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| f.set(k, v).map_err(|e| e.to_string());
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "enable_verifier", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "is_pic", "false")?;
        let builder = cranelift_native::builder().map_err(|e| e.to_string())?;
        builder.finish(settings::Flags::new(flags)).map_err(|e| e.to_string())
    })
    .clone()
    .map_err(JitError::Codegen)
}

/// Compiles `outputs` (read with `layout`) to native code.
pub fn compile(arena: &Arena, outputs: &[NodeId], layout: &Layout) -> Result<Kernel, JitError> {
    let mut builder = JITBuilder::with_isa(isa()?, cranelift_module::default_libcall_names());
    for row in &INTRINSICS {
        if let Native::Call(sym) = row.native {
            let addr = match row.imp {
                Imp::Unary(f) => f as *const u8,
                Imp::Binary(f) => f as *const u8,
            };
            builder.symbol(sym, addr);
        }
    }
    let mut module = JITModule::new(builder);
    let id = codegen::define(&mut module, arena, outputs, layout)?;
    module.finalize_definitions().map_err(|e| JitError::Codegen(e.to_string()))?;
    let code = module.get_finalized_function(id);
    // SAFETY: `code` is the entry of the function just defined with exactly this signature
    // (four pointer-sized arguments, no return, the platform's C calling convention).
    let func = unsafe { std::mem::transmute::<*const u8, KernelFn>(code) };
    Ok(Kernel {
        module: Some(module),
        func,
        n_cols: layout.columns.len(),
        n_params: layout.n_params,
        n_outputs: outputs.len(),
    })
}

impl Kernel {
    /// Number of outputs per row (K).
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// Number of columns per input row.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of shared parameters.
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    fn shape(&self) -> EvalShape {
        EvalShape { cols: self.n_cols, params: self.n_params, outputs: self.n_outputs }
    }

    /// Evaluates `n_rows` rows: `x` is `n_rows × columns`, `out` is `n_rows × outputs`, both
    /// row-major; errors (before running anything) when a length is wrong.
    pub fn eval(&self, n_rows: usize, x: &[f64], params: &[f64], out: &mut [f64]) -> Result<(), JitError> {
        self.shape().check(n_rows, x, params, out)?;
        // SAFETY: the generated code reads `n_rows * n_cols` values from `x`, `n_params` from
        // `params`, and writes `n_rows * n_outputs` values to `out`; all lengths were checked
        // above. Domain errors produce NaN/inf, never a trap (no integer division is emitted).
        unsafe { (self.func)(x.as_ptr(), n_rows, params.as_ptr(), out.as_mut_ptr()) };
        Ok(())
    }

    /// Like [`Kernel::eval`], with the rows split into chunks evaluated in parallel.
    pub fn eval_par(&self, n_rows: usize, x: &[f64], params: &[f64], out: &mut [f64]) -> Result<(), JitError> {
        self.shape().check(n_rows, x, params, out)?;
        const CHUNK: usize = 4096;
        if self.n_outputs == 0 || n_rows <= CHUNK {
            return self.eval(n_rows, x, params, out);
        }
        out.par_chunks_mut(CHUNK * self.n_outputs).enumerate().try_for_each(|(c, o)| {
            let rows = o.len() / self.n_outputs;
            let start = c * CHUNK * self.n_cols;
            self.eval(rows, &x[start..start + rows * self.n_cols], params, o)
        })
    }
}

impl Drop for Kernel {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: `func` points into this module and is never called after drop.
            unsafe { module.free_memory() };
        }
    }
}
