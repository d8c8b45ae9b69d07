//! The abstract syntax tree: what the user wrote, names as written, a byte [`Span`] on every node.
//! Produced by [`crate::syntax::parse`], consumed by the checker ([`crate::check`]) and the
//! pretty printer ([`crate::syntax::fmt`]). Comments are kept beside the tree as trivia.

use crate::source::{SourceId, Span};

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub src: SourceId,
    pub items: Vec<Item>,
    /// Every `#` comment of the file in source order (trivia for the formatter).
    pub comments: Vec<Comment>,
}

/// A `#` comment; `text` includes the `#`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// A name as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A double-quoted string literal, unescaped.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

/// The declaration kinds. Not boxed: a file has few items, and matching stays direct.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum ItemKind {
    Model(Ident),
    Use(StrLit),
    State(Vec<Ident>),
    /// `state q, p: vec3`: vector states (the checker expands them to one state per component).
    VecState(VecStateDecl),
    Input(Vec<Ident>),
    Param(ParamDecl),
    Const(ConstDecl),
    Fn(FnDecl),
    Basis {
        name: Ident,
        value: Expr,
    },
    Data(DataDecl),
    System(SystemDecl),
    Fit(FitDecl),
    /// `hamiltonian H = ...`
    Hamiltonian(HamiltonianDecl),
    /// `space x in 0 .. 20 periodic`
    Space(SpaceDecl),
    /// `field u, v over x`
    Field(FieldDecl),
    /// `encoder enc = mlp(...)`
    Encoder(EncoderDecl),
    Equation(Equation),
}

/// `space x in lo .. hi periodic`: a one-dimensional spatial domain.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceDecl {
    pub name: Ident,
    pub lo: Expr,
    pub hi: Expr,
    /// Span of `periodic` when present (otherwise the ends are boundaries).
    pub periodic: Option<Span>,
}

/// `field u, v over x`: states that depend on the space variable as well as on time.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub names: Vec<Ident>,
    pub space: Ident,
}

/// `state q, p: vec3`; `shape` is the shape as written (`vec2` or `vec3`; the checker rejects
/// others).
#[derive(Clone, Debug, PartialEq)]
pub struct VecStateDecl {
    pub names: Vec<Ident>,
    pub shape: Ident,
}

impl VecStateDecl {
    /// The number of components of the written shape (`None` for an unknown shape).
    pub fn dim(&self) -> Option<usize> {
        match self.shape.name.as_str() {
            "vec2" => Some(2),
            "vec3" => Some(3),
            _ => None,
        }
    }
}

/// `hamiltonian H = expr`: the equations of the model's `q…`/`p…` state pairs are
/// `q' = ∂H/∂p`, `p' = -∂H/∂q`.
#[derive(Clone, Debug, PartialEq)]
pub struct HamiltonianDecl {
    pub name: Ident,
    pub value: Expr,
}

/// `encoder enc = mlp(u; hidden = [64, 64])`: a network that reads whole trajectories and gives
/// the parameters declared `from enc`.
#[derive(Clone, Debug, PartialEq)]
pub struct EncoderDecl {
    pub name: Ident,
    pub value: Expr,
}

/// `param mu = 0.1 in (0.01, 10) per trajectory`
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: Ident,
    pub init: Option<Expr>,
    pub bounds: Option<(Expr, Expr)>,
    /// Span of `per trajectory` when present.
    pub per_trajectory: Option<Span>,
    /// `from enc`: the encoder that gives this parameter.
    pub from: Option<Ident>,
}

/// `const g = 9.81`
#[derive(Clone, Debug, PartialEq)]
pub struct ConstDecl {
    pub name: Ident,
    pub value: Expr,
}

/// `fn hill(x, n, k) = x^n / (k^n + x^n)`
#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: Expr,
}

/// `x'' = rhs`; `order` is the number of primes (0 when the user forgot them).
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    pub target: Ident,
    pub order: u32,
    /// Span of the whole left side, primes included.
    pub lhs_span: Span,
    pub rhs: Expr,
    pub span: Span,
}

/// `data name = csv ... | simulate ...`
#[derive(Clone, Debug, PartialEq)]
pub struct DataDecl {
    pub name: Ident,
    pub source: DataSource,
}

/// The source of a `data` declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    Csv(CsvSource),
    Simulate(SimSource),
}

/// `csv "file.csv" { time = t, x = hare, trajectory = run }`
#[derive(Clone, Debug, PartialEq)]
pub struct CsvSource {
    pub path: StrLit,
    pub map: Vec<CsvEntry>,
    pub span: Span,
}

/// `key = column` in a csv map; the column may be a word or a string.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvEntry {
    pub key: Ident,
    pub column: StrLit,
    /// Whether the column was written as a quoted string (kept for formatting).
    pub quoted: bool,
}

/// `simulate lorenz(sigma = 10) { init ... time ... noise ... seed ... trajectories ... }`
/// or `simulate { x' = ...  init ... }` with inline equations.
#[derive(Clone, Debug, PartialEq)]
pub struct SimSource {
    pub system: Option<(Ident, Args)>,
    pub entries: Vec<SimEntry>,
    pub span: Span,
}

/// One line of a `simulate` block.
#[derive(Clone, Debug, PartialEq)]
pub struct SimEntry {
    pub kind: SimEntryKind,
    pub span: Span,
}

/// The kinds of `simulate` entries.
#[derive(Clone, Debug, PartialEq)]
pub enum SimEntryKind {
    /// `init x = 1, x' = 0`: (name, derivative order, value).
    Init(Vec<InitItem>),
    Time {
        start: Expr,
        end: Expr,
        step: Expr,
    },
    Noise(Expr),
    Seed(Expr),
    Trajectories(Expr),
    /// `points 256`: the spatial grid of a field simulation.
    Points(Expr),
    /// `boundary u = 0, v_x = 0`: a field simulation's boundary conditions on a bounded space
    /// (the field's value or its first spatial derivative at both ends).
    Boundary(Vec<InitItem>),
    Equation(Equation),
}

/// `x = value` or `x' = value` in an `init` line.
#[derive(Clone, Debug, PartialEq)]
pub struct InitItem {
    pub name: Ident,
    pub order: u32,
    pub value: Expr,
    pub span: Span,
}

/// `system lorenz(sigma, rho, beta) { state x, y, z  x' = ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct SystemDecl {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: Vec<Item>,
    /// Span of the closing brace (the formatter places comments by it).
    pub close: Span,
}

/// `fit { key = value, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct FitDecl {
    pub settings: Vec<Setting>,
    pub close: Span,
}

/// `key = value` in a `fit` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub key: Ident,
    pub value: Expr,
    pub span: Span,
}

/// An expression (scalar, basis or argument value: the checker decides which is allowed where).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

/// Expression node kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number with its text as written (`1e-3` stays `1e-3` when formatted).
    Num {
        value: f64,
        text: String,
    },
    Name(Ident),
    /// `x'`, `x''` on a right-hand side.
    Deriv {
        name: Ident,
        order: u32,
    },
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Paren(Box<Expr>),
    Call(Call),
    /// `{a, b}`: an explicit basis term list.
    Set(Vec<Expr>),
    /// `[16, 16]`
    List(Vec<Expr>),
    /// `|e|`: the Euclidean norm of a vector, the absolute value of a scalar.
    Norm(Box<Expr>),
    /// `q.x`: a component of a vector.
    Member {
        base: Ident,
        component: Ident,
    },
    Str(String),
}

/// A call with positional and named arguments; `semi` is the number of arguments before a `;`
/// (as in `mlp(x, y; hidden = [16])`), if one was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: Ident,
    pub args: Args,
}

/// The argument list of a call.
#[derive(Clone, Debug, PartialEq)]
pub struct Args {
    pub items: Vec<Arg>,
    pub semi: Option<usize>,
    pub span: Span,
}

/// One argument, named (`degree = 2`) or positional.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

impl Arg {
    /// The span of the whole argument, name included.
    pub fn span(&self) -> Span {
        match &self.name {
            Some(n) => n.span.to(self.value.span),
            None => self.value.span,
        }
    }
}
