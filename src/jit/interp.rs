//! The reference interpreter: evaluates output nodes over N rows by running the needed nodes in
//! topological order on a scratch register file — the oracle for JIT tests and the `--no-jit`
//! fallback. Also a naive recursive tree walker ([`eval_tree`]), the baseline in benchmarks.
//!
//! Input: an [`Arena`], outputs, a [`Layout`]; per call: rows, parameters. Output: N×K values.

use super::{EvalShape, JitError, Layout, Schedule, Source};
use crate::intrinsics::{powi_chain, Func};
use crate::ir::{Arena, Node, NodeId};

/// One instruction; operands are register indices (positions in the schedule).
#[derive(Clone, Copy, Debug)]
enum Op {
    Col(usize),
    Param(usize),
    Const(f64),
    Neg(usize),
    Add(usize, usize),
    Sub(usize, usize),
    Mul(usize, usize),
    Div(usize, usize),
    Powi(usize, i32),
    Call1(Func, usize),
    Call2(Func, usize, usize),
}

/// A compiled instruction list for one set of outputs.
#[derive(Clone, Debug)]
pub struct Interpreter {
    ops: Vec<Op>,
    outputs: Vec<usize>,
    n_cols: usize,
    n_params: usize,
}

impl Interpreter {
    /// Prepares evaluation of `outputs` with variables read as `layout` says.
    pub fn new(arena: &Arena, outputs: &[NodeId], layout: &Layout) -> Result<Interpreter, JitError> {
        let sched = Schedule::new(arena, outputs, layout)?;
        let mut reg = vec![usize::MAX; arena.len()];
        let mut ops = Vec::with_capacity(sched.nodes.len());
        for (r, &id) in sched.nodes.iter().enumerate() {
            let g = |n: NodeId| reg[n.index()];
            let op = match arena.node(id) {
                Node::Const(bits) => Op::Const(f64::from_bits(bits)),
                Node::Var(v) => match layout.source(v)? {
                    Source::Column(j) => Op::Col(j),
                    Source::Param(i) => Op::Param(i),
                },
                Node::Neg(a) => Op::Neg(g(a)),
                Node::Add(a, b) => Op::Add(g(a), g(b)),
                Node::Sub(a, b) => Op::Sub(g(a), g(b)),
                Node::Mul(a, b) => Op::Mul(g(a), g(b)),
                Node::Div(a, b) => Op::Div(g(a), g(b)),
                Node::Powi(a, n) => Op::Powi(g(a), n),
                Node::Call1(f, a) => Op::Call1(f, g(a)),
                Node::Call2(f, a, b) => Op::Call2(f, g(a), g(b)),
            };
            reg[id.index()] = r;
            ops.push(op);
        }
        let outputs = outputs.iter().map(|o| reg[o.index()]).collect();
        Ok(Interpreter { ops, outputs, n_cols: layout.columns.len(), n_params: layout.n_params })
    }

    /// Number of outputs per row.
    pub fn n_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Evaluates `n_rows` rows: `x` is `n_rows × columns`, `out` is `n_rows × outputs`.
    pub fn eval(&self, n_rows: usize, x: &[f64], params: &[f64], out: &mut [f64]) -> Result<(), JitError> {
        let shape = EvalShape { cols: self.n_cols, params: self.n_params, outputs: self.outputs.len() };
        shape.check(n_rows, x, params, out)?;
        let mut regs = vec![0.0; self.ops.len()];
        for r in 0..n_rows {
            let row = &x[r * self.n_cols..(r + 1) * self.n_cols];
            self.run(row, params, &mut regs);
            let k = self.outputs.len();
            for (o, &reg) in out[r * k..(r + 1) * k].iter_mut().zip(&self.outputs) {
                *o = regs[reg];
            }
        }
        Ok(())
    }

    fn run(&self, row: &[f64], params: &[f64], regs: &mut [f64]) {
        for i in 0..self.ops.len() {
            regs[i] = match self.ops[i] {
                Op::Col(j) => row[j],
                Op::Param(j) => params[j],
                Op::Const(c) => c,
                Op::Neg(a) => -regs[a],
                Op::Add(a, b) => regs[a] + regs[b],
                Op::Sub(a, b) => regs[a] - regs[b],
                Op::Mul(a, b) => regs[a] * regs[b],
                Op::Div(a, b) => regs[a] / regs[b],
                Op::Powi(a, n) => powi_chain(regs[a], n, |p, q| p * q, |p| 1.0 / p),
                Op::Call1(f, a) => f.eval1(regs[a]),
                Op::Call2(f, a, b) => f.eval2(regs[a], regs[b]),
            };
        }
    }
}

/// Evaluates `outputs` by walking each expression tree recursively for every row, with no
/// sharing of common subexpressions: the straightforward interpreter, for benchmarks.
pub fn eval_tree(
    arena: &Arena,
    outputs: &[NodeId],
    layout: &Layout,
    n_rows: usize,
    x: &[f64],
    params: &[f64],
    out: &mut [f64],
) -> Result<(), JitError> {
    let nc = layout.columns.len();
    EvalShape { cols: nc, params: layout.n_params, outputs: outputs.len() }.check(n_rows, x, params, out)?;
    Schedule::new(arena, outputs, layout)?; // rejects unbound variables up front
    let k = outputs.len();
    for r in 0..n_rows {
        let row = &x[r * nc..(r + 1) * nc];
        for (j, &o) in outputs.iter().enumerate() {
            out[r * k + j] = walk(arena, o, layout, row, params);
        }
    }
    Ok(())
}

fn walk(arena: &Arena, id: NodeId, layout: &Layout, row: &[f64], params: &[f64]) -> f64 {
    let w = |n: NodeId| walk(arena, n, layout, row, params);
    match arena.node(id) {
        Node::Const(bits) => f64::from_bits(bits),
        Node::Var(v) => match layout.source(v) {
            Ok(Source::Column(j)) => row[j],
            Ok(Source::Param(i)) => params[i],
            Err(_) => f64::NAN,
        },
        Node::Neg(a) => -w(a),
        Node::Add(a, b) => w(a) + w(b),
        Node::Sub(a, b) => w(a) - w(b),
        Node::Mul(a, b) => w(a) * w(b),
        Node::Div(a, b) => w(a) / w(b),
        Node::Powi(a, n) => powi_chain(w(a), n, |p, q| p * q, |p| 1.0 / p),
        Node::Call1(f, a) => f.eval1(w(a)),
        Node::Call2(f, a, b) => f.eval2(w(a), w(b)),
    }
}
