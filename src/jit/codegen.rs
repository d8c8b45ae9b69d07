//! Cranelift code generation: one native function per output list,
//! `fn(x: *const f64, n_rows: usize, params: *const f64, out: *mut f64)`, which computes the
//! row-invariant nodes (constants, parameter expressions) once, then loops over the rows inside
//! the generated code, loading each row's columns, evaluating the needed nodes in topological
//! order and storing the K outputs of the row.
//!
//! Input: [`Arena`], outputs, [`Layout`], a [`JITModule`] to define into. Output: a [`FuncId`].
//!
//! Operations map one to one onto the interpreter's: `fneg/fadd/fsub/fmul/fdiv`, integer powers
//! through [`powi_chain`], `sqrt` and `fabs` as instructions (IEEE-exact, like Rust's), every
//! other intrinsic as a call to the table's own function. Cranelift does not contract `a*b + c`
//! into a fused multiply-add nor reassociate floating-point operations, so results match the
//! interpreter bit for bit.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, AbiParam, FuncRef, InstBuilder, MemFlagsData, Signature, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module};

use super::{JitError, Layout, Schedule, Source};
use crate::intrinsics::{powi_chain, Func, Native};
use crate::ir::{Arena, Node, NodeId};

fn err(e: impl std::fmt::Display) -> JitError {
    JitError::Codegen(e.to_string())
}

/// Signature of an intrinsic with `arity` float64 arguments.
fn float_sig(module: &JITModule, arity: usize) -> Signature {
    let mut sig = module.make_signature();
    sig.params.extend((0..arity).map(|_| AbiParam::new(types::F64)));
    sig.returns.push(AbiParam::new(types::F64));
    sig
}

/// Declares the kernel for `outputs` in `module` and defines its body.
pub(super) fn define(
    module: &mut JITModule,
    arena: &Arena,
    outputs: &[NodeId],
    layout: &Layout,
) -> Result<FuncId, JitError> {
    let sched = Schedule::new(arena, outputs, layout)?;
    let ptr = module.target_config().pointer_type();
    let mut ctx = module.make_context();
    ctx.func.signature.params.extend((0..4).map(|_| AbiParam::new(ptr)));
    let mut imports: BTreeMap<Func, FuncId> = BTreeMap::new();
    for &id in &sched.nodes {
        if let Node::Call1(f, _) | Node::Call2(f, _, _) = arena.node(id) {
            if let Native::Call(sym) = f.info().native {
                if let Entry::Vacant(slot) = imports.entry(f) {
                    let sig = float_sig(module, f.info().arity);
                    slot.insert(module.declare_function(sym, Linkage::Import, &sig).map_err(err)?);
                }
            }
        }
    }
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let funcs: HashMap<Func, FuncRef> =
        imports.iter().map(|(&f, &id)| (f, module.declare_func_in_func(id, b.func))).collect();
    // Rows and parameters are shared borrows that the kernel never writes (and `out` is a
    // distinct exclusive borrow), so their loads may be marked read-only.
    let (load, store) = (MemFlagsData::trusted().with_readonly(), MemFlagsData::trusted());
    let mut em = Emitter { b: &mut b, funcs, vals: vec![None; arena.len()], arena, layout, load, store };
    em.body(&sched, outputs, ptr);
    b.seal_all_blocks();
    b.finalize(module.target_config());
    let id = module.declare_anonymous_function(&ctx.func.signature).map_err(err)?;
    module.define_function(id, &mut ctx).map_err(err)?;
    module.clear_context(&mut ctx);
    Ok(id)
}

struct Emitter<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    funcs: HashMap<Func, FuncRef>,
    vals: Vec<Option<Value>>,
    arena: &'a Arena,
    layout: &'a Layout,
    load: MemFlagsData,
    store: MemFlagsData,
}

impl Emitter<'_, '_> {
    fn body(&mut self, sched: &Schedule, outputs: &[NodeId], ptr: types::Type) {
        let entry = self.b.create_block();
        let (header, body, exit) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let &[x, n, params, out] = self.b.block_params(entry) else { unreachable!() };
        for &id in sched.nodes.iter().filter(|id| sched.invariant[id.index()]) {
            self.emit(id, x, params);
        }
        let (vi, vx, vo) = (self.b.declare_var(ptr), self.b.declare_var(ptr), self.b.declare_var(ptr));
        let zero = self.b.ins().iconst(ptr, 0);
        self.b.def_var(vi, zero);
        self.b.def_var(vx, x);
        self.b.def_var(vo, out);
        self.b.ins().jump(header, &[]);

        self.b.switch_to_block(header);
        let i = self.b.use_var(vi);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, i, n);
        self.b.ins().brif(more, body, &[], exit, &[]);

        self.b.switch_to_block(body);
        let (xp, op) = (self.b.use_var(vx), self.b.use_var(vo));
        for &id in sched.nodes.iter().filter(|id| !sched.invariant[id.index()]) {
            self.emit(id, xp, params);
        }
        for (k, o) in outputs.iter().enumerate() {
            let v = self.vals[o.index()].expect("outputs are scheduled");
            self.b.ins().store(self.store, v, op, (8 * k) as i32);
        }
        let i1 = self.b.ins().iadd_imm_s(i, 1);
        let xp1 = self.b.ins().iadd_imm_s(xp, 8 * self.layout.columns.len() as i64);
        let op1 = self.b.ins().iadd_imm_s(op, 8 * outputs.len() as i64);
        self.b.def_var(vi, i1);
        self.b.def_var(vx, xp1);
        self.b.def_var(vo, op1);
        self.b.ins().jump(header, &[]);

        self.b.switch_to_block(exit);
        self.b.ins().return_(&[]);
    }

    fn v(&self, id: NodeId) -> Value {
        self.vals[id.index()].expect("children are emitted before parents")
    }

    /// Emits node `id`; `row` points at the current row (in the entry block: the first row,
    /// unused since invariant nodes never read columns).
    fn emit(&mut self, id: NodeId, row: Value, params: Value) {
        let val = match self.arena.node(id) {
            Node::Const(bits) => self.b.ins().f64const(f64::from_bits(bits)),
            Node::Var(v) => {
                let (base, j) = match self.layout.source(v).expect("schedule checked the layout") {
                    Source::Column(j) => (row, j),
                    Source::Param(j) => (params, j),
                };
                self.b.ins().load(types::F64, self.load, base, (8 * j) as i32)
            }
            Node::Neg(a) => {
                let a = self.v(a);
                self.b.ins().fneg(a)
            }
            Node::Add(a, b) => self.bin(a, b, |i, x, y| i.fadd(x, y)),
            Node::Sub(a, b) => self.bin(a, b, |i, x, y| i.fsub(x, y)),
            Node::Mul(a, b) => self.bin(a, b, |i, x, y| i.fmul(x, y)),
            Node::Div(a, b) => self.bin(a, b, |i, x, y| i.fdiv(x, y)),
            Node::Powi(a, n) => self.powi(a, n),
            Node::Call1(f, a) => self.call(f, &[a]),
            Node::Call2(f, a, b) => self.call(f, &[a, b]),
        };
        self.vals[id.index()] = Some(val);
    }

    fn bin(
        &mut self,
        a: NodeId,
        b: NodeId,
        op: impl FnOnce(cranelift_frontend::FuncInstBuilder<'_, '_>, Value, Value) -> Value,
    ) -> Value {
        let (x, y) = (self.v(a), self.v(b));
        op(self.b.ins(), x, y)
    }

    fn powi(&mut self, a: NodeId, n: i32) -> Value {
        let x = self.v(a);
        let b = &mut *self.b;
        let p = powi_chain(x, n, |p, q| b.ins().fmul(p, q), |p| p);
        if n < 0 {
            let one = self.b.ins().f64const(1.0);
            self.b.ins().fdiv(one, p)
        } else {
            p
        }
    }

    fn call(&mut self, f: Func, args: &[NodeId]) -> Value {
        let vals: Vec<Value> = args.iter().map(|&a| self.v(a)).collect();
        match f.info().native {
            Native::Sqrt => self.b.ins().sqrt(vals[0]),
            Native::Abs => self.b.ins().fabs(vals[0]),
            Native::Call(_) => {
                let call = self.b.ins().call(self.funcs[&f], &vals);
                self.b.inst_results(call)[0]
            }
        }
    }
}
