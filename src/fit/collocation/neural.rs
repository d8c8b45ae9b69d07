//! The start of neural terms' weights: a seeded Xavier draw whose first layer sees its inputs
//! standardised (each input's mean and spread over the smoothed trajectories are folded into
//! the first layer's weights and biases, so no unit starts saturated whatever the data's units),
//! and zero biases after it. The last layer is then set by least squares with the other
//! unknowns ([`super::init`]), since the right-hand side is linear in it.
//!
//! Input: a [`Problem`], the IR (the networks' input expressions), the initial [`State`] and
//! the run's seed. Output: the weights written into the state.

use super::problem::{Problem, State, Unknown};
use crate::data::{normal, seeded};
use crate::fit::{FitError, FitInput};
use crate::ir::neural::{last_layer_start, layer_sizes};
use crate::jit::compile;

/// Most weights (all networks together) the collocation engine trains. Every weight is a dense
/// unknown of the Gauss–Newton step, whose assembly costs `rows · n²` and whose solve `n³/3` per
/// iteration: at 1000 weights and the few thousand grid rows of a typical series that is about
/// 10¹⁰ operations, seconds per iteration on one core, and a fit takes tens of iterations.
pub const MAX_WEIGHTS: usize = 1000;

/// Mean and standard deviation (floored at a millionth of the mean's size, and at 1e-12) of
/// every network input over the grid points of the smoothed trajectories.
fn input_stats(p: &Problem, input: &FitInput, st: &State, net: usize) -> Result<Vec<(f64, f64)>, FitError> {
    let nodes = &p.networks[net].inputs;
    let err = |e: crate::jit::JitError| FitError::Data(format!("cannot evaluate a network's inputs: {e}"));
    let k = compile(&input.ir.arena, nodes, &p.layout).map_err(err)?;
    let m = nodes.len();
    let (mut sum, mut sq, mut n) = (vec![0.0; m], vec![0.0; m], 0usize);
    for traj in 0..p.trajs.len() {
        let rows = p.trajs[traj].grid.t.len();
        let x = p.rows(st, traj);
        let mut out = vec![0.0; rows * m];
        k.eval_par(rows, &x, &st.theta, &mut out).map_err(err)?;
        for r in out.chunks_exact(m) {
            for j in 0..m {
                sum[j] += r[j];
                sq[j] += r[j] * r[j];
            }
        }
        n += rows;
    }
    let n = n.max(1) as f64;
    Ok((0..m)
        .map(|j| {
            let mean = sum[j] / n;
            let var = (sq[j] / n - mean * mean).max(0.0);
            (mean, var.sqrt().max(1e-6 * mean.abs()).max(1e-12))
        })
        .collect())
}

/// Draws every network's weights (the last layer's are left at 0 for the least-squares start).
pub fn start_weights(p: &Problem, input: &FitInput, st: &mut State) -> Result<(), FitError> {
    let mut rng = seeded(input.seed);
    for net in 0..p.networks.len() {
        let stats = input_stats(p, input, st, net)?;
        let n = &p.networks[net];
        let sizes = layer_sizes(n.inputs.len(), &n.hidden);
        let mut w = n.first;
        for (l, &(n_in, n_out)) in sizes[..sizes.len() - 1].iter().enumerate() {
            // Xavier (Glorot) normal: variance 2 / (fan_in + fan_out), on standardised inputs.
            let sd = (2.0 / (n_in + n_out) as f64).sqrt();
            // The first layer sees its inputs standardised: (x - mean)/spread folded into it.
            let norm = if l == 0 { stats.clone() } else { vec![(0.0, 1.0); n_in] };
            for j in 0..n_out {
                let mut bias = 0.0;
                for (i, &(mean, spread)) in norm.iter().enumerate() {
                    let v = normal(&mut rng, 0.0, sd).map_err(|e| FitError::Data(e.to_string()))? / spread;
                    bias -= v * mean;
                    p.set(st, Unknown::Weight(w + j * n_in + i), v);
                }
                p.set(st, Unknown::Weight(w + n_in * n_out + j), bias);
            }
            w += (n_in + 1) * n_out;
        }
    }
    Ok(())
}

/// The unknowns the right-hand side is linear in among the weights: every network's last layer.
pub fn last_layers(p: &Problem) -> Vec<Unknown> {
    let mut out = Vec::new();
    for n in &p.networks {
        let start = n.first + last_layer_start(n.inputs.len(), &n.hidden);
        let count = n.hidden.last().copied().unwrap_or(n.inputs.len()) + 1;
        out.extend((start..start + count).map(Unknown::Weight));
    }
    out
}
