//! Field data: space-time samples of a model's fields on a regular spatial grid
//! ([`FieldData`]), from a simulation of a field system ([`simulate`]: exponential
//! time differencing on a periodic spectral grid, finite differences with boundary conditions
//! and an implicit–explicit step on a bounded one) or a long-form CSV file ([`load_csv`]: one row
//! per time and grid point, the grid checked).

pub mod csv;
pub mod etd;
pub mod fd;
pub mod spectral;
pub mod write;

pub use csv::{load_csv, FieldCsvError};
pub use etd::FieldSimError;
pub use write::long_form;

/// Simulates `sim` on `space` (periodic: spectral, bounded: finite differences); the
/// trajectory's fields are in model order.
pub fn simulate(
    sim: &crate::check::hir::PdeSim,
    space: &crate::check::hir::PdeSpace,
    n_model_fields: usize,
) -> Result<FieldTraj, FieldSimError> {
    if space.periodic {
        etd::simulate_periodic(sim, space, n_model_fields)
    } else {
        fd::simulate(sim, space, n_model_fields)
    }
}

/// One trajectory of fields: `u[f]` holds field `f` row-major over (time, grid point).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldTraj {
    pub label: String,
    pub t: Vec<f64>,
    pub x: Vec<f64>,
    pub u: Vec<Vec<f64>>,
    /// The generating system's parameters, for simulated data.
    pub truth: Option<Vec<(String, f64)>>,
}

impl FieldTraj {
    /// Number of grid points.
    pub fn nx(&self) -> usize {
        self.x.len()
    }

    /// Number of time points.
    pub fn nt(&self) -> usize {
        self.t.len()
    }
}

/// The field data of a model: its field names and trajectories.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldData {
    pub fields: Vec<String>,
    pub trajectories: Vec<FieldTraj>,
}
