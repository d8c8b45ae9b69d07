//! The checked form of a model's fields (re-exported by [`crate::check::hir`]): its space, its
//! fields (which are also the model's states), the spatial derivatives its expressions use
//! (which are also the model's inputs, so bases and right-hand sides stay ordinary expressions)
//! and its field data (simulations of field systems, long-form CSV files).

use crate::source::Span;
use crate::syntax::ast::BinOp;
use std::path::PathBuf;

/// Highest spatial derivative order the fit computes.
pub const MAX_ORDER: u32 = 4;

/// Everything a field model adds to the checked model.
#[derive(Clone, Debug, PartialEq)]
pub struct Pde {
    pub space: PdeSpace,
    /// Field names; each is also the model state of the same name.
    pub fields: Vec<String>,
    /// Spatial derivatives the model uses; each is also the model input of the same name.
    pub derivs: Vec<PdeDeriv>,
    pub data: Vec<PdeData>,
}

/// `space x in lo .. hi [periodic]`.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeSpace {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub periodic: bool,
    pub span: Span,
}

impl PdeSpace {
    /// The `n` grid points of a simulation: periodic domains exclude `hi` (it is `lo` again).
    pub fn grid(&self, n: usize) -> Vec<f64> {
        let cells = if self.periodic { n } else { n.saturating_sub(1).max(1) };
        let h = (self.hi - self.lo) / cells as f64;
        (0..n).map(|k| self.lo + k as f64 * h).collect()
    }
}

/// One spatial derivative `u_xx`: its name (the model input), the field's index in
/// [`Pde::fields`] and the order.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeDeriv {
    pub name: String,
    pub field: usize,
    pub order: u32,
}

/// One `data` declaration of a field model.
#[derive(Clone, Debug, PartialEq)]
pub enum PdeData {
    Sim(PdeSim),
    Csv(PdeCsv),
}

/// A simulation of a field system: on a periodic grid, or a bounded one with boundary conditions.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeSim {
    pub name: String,
    pub span: Span,
    pub system: PdeSystem,
    /// The system's parameters with their values (for the report's truth).
    pub params: Vec<(String, f64)>,
    pub points: usize,
    pub t0: f64,
    pub t1: f64,
    pub step: f64,
    /// Gaussian noise, percent of each field's standard deviation over the trajectory.
    pub noise_percent: f64,
    pub seed: u64,
    /// Initial profile of each system field on the grid.
    pub init: Vec<Vec<f64>>,
    /// For each system field, the model field it provides.
    pub field_map: Vec<usize>,
    /// For each system field, its boundary condition (empty on a periodic space).
    pub boundary: Vec<Boundary>,
}

/// A field's boundary condition on a bounded space, the same at both ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary {
    /// `boundary u = c`: the field's value (Dirichlet).
    Value(f64),
    /// `boundary u_x = c`: its first spatial derivative (Neumann).
    Slope(f64),
}

/// A long-form CSV file: one row per time and grid point.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeCsv {
    pub name: String,
    pub span: Span,
    pub path: PathBuf,
    pub time: String,
    pub space: String,
    pub trajectory: Option<String>,
    /// The column of each model field.
    pub columns: Vec<String>,
}

/// A field system with its parameters substituted: one right side per field.
#[derive(Clone, Debug, PartialEq)]
pub struct PdeSystem {
    pub name: String,
    pub fields: Vec<String>,
    pub rhs: Vec<PdeExpr>,
}

/// A resolved expression of a field system or an initial profile.
#[derive(Clone, Debug, PartialEq)]
pub enum PdeExpr {
    Num(f64),
    /// Field `field` (index in the system's fields), differentiated `order` times in space.
    Field {
        field: usize,
        order: u32,
    },
    /// The space variable.
    Space,
    Neg(Box<PdeExpr>),
    Binary(BinOp, Box<PdeExpr>, Box<PdeExpr>),
    Call(crate::intrinsics::Func, Vec<PdeExpr>),
}

impl PdeExpr {
    /// The value at one point: `field(k, order)` gives the field values there, `x` the
    /// coordinate.
    pub fn eval(&self, field: &dyn Fn(usize, u32) -> f64, x: f64) -> f64 {
        match self {
            PdeExpr::Num(v) => *v,
            PdeExpr::Field { field: k, order } => field(*k, *order),
            PdeExpr::Space => x,
            PdeExpr::Neg(a) => -a.eval(field, x),
            PdeExpr::Binary(op, a, b) => {
                let (a, b) = (a.eval(field, x), b.eval(field, x));
                match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    BinOp::Pow => pow(a, b),
                }
            }
            PdeExpr::Call(f, args) => {
                let v: Vec<f64> = args.iter().map(|a| a.eval(field, x)).collect();
                if v.len() == 2 {
                    f.eval2(v[0], v[1])
                } else {
                    f.eval1(v[0])
                }
            }
        }
    }

    /// Whether the expression depends on no field and not on the space variable.
    pub fn is_constant(&self) -> bool {
        match self {
            PdeExpr::Num(_) => true,
            PdeExpr::Field { .. } | PdeExpr::Space => false,
            PdeExpr::Neg(a) => a.is_constant(),
            PdeExpr::Binary(_, a, b) => a.is_constant() && b.is_constant(),
            PdeExpr::Call(_, args) => args.iter().all(PdeExpr::is_constant),
        }
    }

    /// Highest spatial derivative order used.
    pub fn max_order(&self) -> u32 {
        match self {
            PdeExpr::Field { order, .. } => *order,
            PdeExpr::Num(_) | PdeExpr::Space => 0,
            PdeExpr::Neg(a) => a.max_order(),
            PdeExpr::Binary(_, a, b) => a.max_order().max(b.max_order()),
            PdeExpr::Call(_, args) => args.iter().map(PdeExpr::max_order).max().unwrap_or(0),
        }
    }
}

/// `a^b` with integer exponents as repeated products (exact for the usual `u^2`, `u^3`).
fn pow(a: f64, b: f64) -> f64 {
    if b == b.round() && b.abs() <= 16.0 {
        a.powi(b as i32)
    } else {
        a.powf(b)
    }
}
