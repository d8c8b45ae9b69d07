//! The fit's objective as a plain function of one flat vector — every learned-trajectory value,
//! then the dense unknowns (active coefficients, shared parameters, per-trajectory parameters) —
//! with its exact gradient, so that the derivative code can be checked against finite
//! differences.
//!
//! Input: a [`FitInput`]. Output: [`Objective`], evaluated at the fit's starting point or any
//! other vector.

use super::eval::cost;
use super::gn::gradient;
use super::init::initial_state;
use super::problem::{Problem, State};
use super::{grid_choice, KAPPA};
use crate::fit::{FitError, FitInput};

/// The objective `J` of a fit with its starting point.
pub struct Objective {
    p: Problem,
    st: State,
}

impl Objective {
    /// Sets the problem up exactly as [`super::fit`] does, at its starting point.
    pub fn new(input: &FitInput) -> Result<Objective, FitError> {
        let p = Problem::new(input, KAPPA, grid_choice(input))?;
        let st = initial_state(&p, input)?;
        Ok(Objective { p, st })
    }

    /// The starting point as a flat vector.
    pub fn point(&self) -> Vec<f64> {
        let mut x: Vec<f64> = self.st.z.iter().flatten().copied().collect();
        for u in self.p.unknowns(&self.st) {
            x.push(self.p.value(&self.st, u));
        }
        x
    }

    fn at(&self, x: &[f64]) -> State {
        let mut st = self.st.clone();
        let mut i = 0;
        for z in st.z.iter_mut() {
            let n = z.len();
            z.copy_from_slice(&x[i..i + n]);
            i += n;
        }
        for u in self.p.unknowns(&self.st) {
            self.p.set(&mut st, u, x[i]);
            i += 1;
        }
        st
    }

    /// `J(x)`.
    pub fn cost(&self, x: &[f64]) -> Result<f64, FitError> {
        cost(&self.p, &self.at(x))
    }

    /// `∇J(x) = 2 Jᵀr`, from the same assembly the Gauss–Newton steps use.
    pub fn gradient(&self, x: &[f64]) -> Result<Vec<f64>, FitError> {
        let (gz, gq) = gradient(&self.p, &self.at(x))?;
        Ok(gz.iter().flatten().chain(&gq).map(|g| 2.0 * g).collect())
    }
}
