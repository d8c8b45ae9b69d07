//! Reporting: metrics of a fit and of its rollouts (equation printing and JSON come later).

pub mod metrics;
