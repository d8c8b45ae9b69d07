//! Tests of the MNN solver (`mechc::mnn`): golden values and gradients, finite differences,
//! dense cross-checks, convergence to exact solutions, errors and the candle ops.

mod candle_op;
mod common;
mod convergence;
mod errors;
mod golden;
mod gradients;
mod lanes;
mod reference;
