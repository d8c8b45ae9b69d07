//! The checked model (HIR): names resolved to indices, kinds known, constants evaluated, the
//! standard library linked, spans kept everywhere. Produced by [`crate::check::check`], consumed
//! by the lowering to IR. Indices are positions in the model's vectors (`states[i]`, `params[i]`...).
//!
//! Functions are *not* inlined here: an [`Expr::Call`] to [`Callee::Fn`] names a [`Function`] whose
//! body refers to its arguments as [`Expr::Arg`]; the lowering inlines them.

pub use crate::check::field::types::{Boundary, Pde, PdeCsv, PdeData, PdeDeriv, PdeExpr, PdeSim, PdeSpace, PdeSystem};
use crate::check::settings::FitSettings;
use crate::source::Span;
use std::path::PathBuf;

/// Index into [`Model::states`] (or, inside a [`System`], into its `states`).
pub type StateId = usize;
/// Index into [`Model::params`].
pub type ParamId = usize;
/// Index into [`Model::consts`].
pub type ConstId = usize;
/// Index into [`Model::inputs`].
pub type InputId = usize;
/// Index into [`Model::fns`].
pub type FnId = usize;
/// Index into [`Model::bases`].
pub type BasisId = usize;
/// Index into [`Model::systems`].
pub type SystemId = usize;

/// A declared name and where it was declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub name: String,
    pub span: Span,
}

/// A whole checked model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// From `model NAME`; `None` for a library file.
    pub name: Option<Name>,
    /// In declaration order.
    pub states: Vec<State>,
    pub inputs: Vec<Name>,
    pub params: Vec<Param>,
    pub consts: Vec<Const>,
    /// User, imported and standard-library functions.
    pub fns: Vec<Function>,
    pub bases: Vec<Basis>,
    /// One per state with its own equation, in state order (states paired by the Hamiltonian
    /// have none).
    pub equations: Vec<Equation>,
    /// `hamiltonian H = ...`: generates the equations of its canonical pairs.
    pub hamiltonian: Option<Hamiltonian>,
    /// `encoder enc = mlp(...)`: networks that give per-trajectory parameters.
    pub encoders: Vec<Encoder>,
    pub data: Vec<Data>,
    /// User, imported and standard-library systems.
    pub systems: Vec<System>,
    pub fit: FitSettings,
    /// Space, fields, spatial derivatives and field data of a model with fields.
    pub pde: Option<Pde>,
    /// The root file's first declaration (an empty span at its start when it has none).
    pub first_decl: Span,
}

impl Model {
    /// Where a diagnostic about the model as a whole points: the `model` line, else the first
    /// state, else the file's first declaration.
    pub fn span(&self) -> Span {
        self.name.as_ref().map(|n| n.span).or_else(|| self.states.first().map(|s| s.span)).unwrap_or(self.first_decl)
    }
}

/// A state variable; `order` is the ODE order its equation gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub name: String,
    pub span: Span,
    pub order: u32,
}

/// A learnable parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub span: Span,
    /// Initial guess (default 1, or the midpoint of the bounds when only bounds are given).
    pub init: f64,
    pub bounds: Option<(f64, f64)>,
    /// One value per trajectory of the data.
    pub per_trajectory: bool,
    /// `from enc`: the encoder (index into [`Model::encoders`]) whose output gives the value.
    pub encoder: Option<usize>,
}

/// An activation function of a network's hidden layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Relu,
    Softplus,
    Sigmoid,
}

impl Activation {
    /// Every activation by its name in `.mech`.
    pub const ALL: [(&'static str, Activation); 4] = [
        ("tanh", Activation::Tanh),
        ("relu", Activation::Relu),
        ("softplus", Activation::Softplus),
        ("sigmoid", Activation::Sigmoid),
    ];

    /// The name in `.mech`.
    pub fn name(self) -> &'static str {
        Activation::ALL.iter().find(|(_, a)| *a == self).map_or("tanh", |(n, _)| n)
    }
}

/// `encoder enc = mlp(u; hidden = [64, 64], activation = tanh)`: reads every trajectory of its
/// input states (resampled to a fixed number of points) and outputs the parameters declared
/// `from enc`, each mapped into its bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoder {
    pub name: String,
    pub span: Span,
    /// The states it reads, in the order written.
    pub inputs: Vec<StateId>,
    pub hidden: Vec<u32>,
    pub activation: Activation,
    /// The parameters it gives, in declaration order.
    pub outputs: Vec<ParamId>,
}

/// A fixed constant with its evaluated value.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    pub name: String,
    pub span: Span,
    pub value: f64,
}

/// `fn name(params) = body`; the body uses [`Expr::Arg`] for parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub span: Span,
    pub params: Vec<Name>,
    pub body: Expr,
    /// Declared in the embedded standard library.
    pub stdlib: bool,
}

/// A scalar expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Built-in math functions: the compiler's one intrinsics table (names, arities, float64
/// implementations, derivatives, native symbols) lives in [`crate::intrinsics`]; the checker,
/// the lowering, the interpreter and the JIT all read it.
pub use crate::intrinsics::Func as Intrinsic;

/// What a call calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callee {
    Intrinsic(Intrinsic),
    Fn(FnId),
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
}

pub use crate::syntax::ast::BinOp;

/// The node kinds of a resolved scalar expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Num(f64),
    /// A state or one of its derivatives (`deriv_order` 0 is the state itself).
    State {
        id: StateId,
        deriv_order: u32,
    },
    Param(ParamId),
    Const(ConstId),
    Input(InputId),
    /// The time variable `t`.
    Time,
    /// The `i`-th argument inside a function body.
    Arg(usize),
    /// The `i`-th parameter inside a [`System`]'s equations.
    SysParam(usize),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Callee, Vec<Expr>),
}

/// A named basis.
#[derive(Clone, Debug, PartialEq)]
pub struct Basis {
    pub name: String,
    pub span: Span,
    pub expr: BasisExpr,
}

/// A list of candidate terms, as written; the lowering expands the families.
#[derive(Clone, Debug, PartialEq)]
pub enum BasisExpr {
    /// All monomials of total degree `0..=degree` in `vars` (1 included).
    Poly {
        vars: Vec<Expr>,
        degree: u32,
        span: Span,
    },
    /// `sin(k v)`, `cos(k v)` for every var `v` and `k` in `1..=harmonics`.
    Fourier {
        vars: Vec<Expr>,
        harmonics: u32,
        span: Span,
    },
    /// `{a, b, ...}`
    List(Vec<Expr>, Span),
    /// `a + b`: terms of `a` then terms of `b`.
    Concat(Box<BasisExpr>, Box<BasisExpr>),
    /// `a * b`: all pairwise products, as canonical monomials.
    Product(Box<BasisExpr>, Box<BasisExpr>),
    Ref(BasisId, Span),
}

/// The equation of one state.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    pub state: StateId,
    pub order: u32,
    /// The right side as a sum; subtracted learnable terms keep no sign (their coefficients are free).
    pub summands: Vec<Summand>,
    pub span: Span,
}

/// `hamiltonian H = known + sparse(...)`: the equations `q' = ∂H/∂p`, `p' = -∂H/∂q` of every
/// canonical pair `(q, p)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Hamiltonian {
    pub name: String,
    pub span: Span,
    /// The right side as a sum (known terms and `sparse` blocks; no `mlp`).
    pub summands: Vec<Summand>,
    /// (coordinate, momentum) state pairs, in the order of the coordinates' declarations.
    pub pairs: Vec<(StateId, StateId)>,
}

/// One top-level summand of an equation's right side.
#[derive(Clone, Debug, PartialEq)]
pub enum Summand {
    Known(Expr),
    /// `shared`: the components of one vector equation share the coefficients of the sparse
    /// blocks with the same group id (term by term).
    Sparse {
        basis: BasisExpr,
        keep: Vec<Expr>,
        exclude: Vec<Expr>,
        span: Span,
        shared: Option<usize>,
    },
    /// `mlp(inputs; hidden = [...], activation = ..., explain = basis)`.
    Mlp {
        inputs: Vec<Expr>,
        hidden: Vec<u32>,
        activation: Activation,
        /// The basis the trained network is explained by (`explain = lib`), if any.
        explain: Option<BasisExpr>,
        span: Span,
    },
}

/// A `data` declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub name: String,
    pub span: Span,
    pub source: DataSource,
}

/// Where a data set comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    Csv(CsvData),
    Simulate(SimData),
}

/// Where a csv column goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnTarget {
    State(StateId),
    Input(InputId),
}

/// A csv file and how its columns map to the model.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvData {
    /// Resolved relative to the `.mech` file.
    pub path: PathBuf,
    pub time_column: String,
    pub trajectory_column: Option<String>,
    /// One entry per model state and input, in that order.
    pub columns: Vec<(ColumnTarget, String)>,
    pub span: Span,
}

/// A value of a simulation: fixed, or drawn per trajectory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SimValue {
    Fixed(f64),
    Normal { mean: f64, std: f64 },
    Uniform { low: f64, high: f64 },
}

/// The system a `simulate` block integrates.
#[derive(Clone, Debug, PartialEq)]
pub enum SimSystem {
    Named(SystemId),
    /// Equations given in the block, over the model's states (in `system.states` order).
    Inline(Box<System>),
}

/// A resolved `simulate` block.
#[derive(Clone, Debug, PartialEq)]
pub struct SimData {
    pub system: SimSystem,
    /// One per system parameter, in declaration order.
    pub args: Vec<SimValue>,
    /// `init[i][k]`: the `k`-th derivative of the system's `i`-th state at `t0`.
    pub init: Vec<Vec<SimValue>>,
    pub t0: f64,
    pub t1: f64,
    pub step: f64,
    /// Gaussian noise, percent of each state's standard deviation over its trajectory.
    pub noise_percent: f64,
    pub seed: u64,
    pub trajectories: u32,
    /// For each system state, the model state it provides (by name), if any.
    pub state_map: Vec<Option<StateId>>,
    pub span: Span,
}

/// A fully known parameterised system (for `simulate`).
#[derive(Clone, Debug, PartialEq)]
pub struct System {
    pub name: String,
    pub span: Span,
    pub params: Vec<Name>,
    pub states: Vec<State>,
    /// One per state, in state order; expressions use `State` (system-local ids) and `SysParam`.
    pub equations: Vec<SysEquation>,
    pub stdlib: bool,
}

/// One equation of a [`System`].
#[derive(Clone, Debug, PartialEq)]
pub struct SysEquation {
    pub state: StateId,
    pub order: u32,
    pub rhs: Expr,
    pub span: Span,
}
