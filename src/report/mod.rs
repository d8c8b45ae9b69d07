//! Reporting: metrics of a fit and of its rollouts and plots of a fit (equation printing and JSON come later).

pub mod metrics;
pub mod plot;
