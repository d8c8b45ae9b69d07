//! Adam over flat parameter vectors, with a scale per unknown: the step of unknown `i` is
//! `lr · scale_i · m̂_i / (√v̂_i + ε)` with the moments taken of `scale_i · ∂L/∂x_i`, which is
//! Adam on `x_i / scale_i` (each unknown moves in its own units: coefficients in normalised
//! magnitudes, denoised values in noise levels). Frozen unknowns (dropped coefficients) do not
//! move and keep no moments.

/// Adam's state.
pub struct Adam {
    lr: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

/// Adam's standard moment decay rates and ε (Kingma & Ba).
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

impl Adam {
    /// A fresh optimiser for `n` unknowns.
    pub fn new(n: usize, lr: f64) -> Adam {
        Adam { lr, m: vec![0.0; n], v: vec![0.0; n], t: 0 }
    }

    /// Sets the learning rate (the moments are kept).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// One step: `x -= lr · scale · m̂/(√v̂ + ε)` where `free`.
    pub fn step(&mut self, x: &mut [f64], grad: &[f64], scale: &[f64], free: &[bool]) {
        self.t = self.t.saturating_add(1);
        let (b1, b2) = (1.0 - BETA1.powi(self.t), 1.0 - BETA2.powi(self.t));
        for i in 0..x.len() {
            if !free[i] {
                self.m[i] = 0.0;
                self.v[i] = 0.0;
                continue;
            }
            let g = grad[i] * scale[i];
            self.m[i] = BETA1 * self.m[i] + (1.0 - BETA1) * g;
            self.v[i] = BETA2 * self.v[i] + (1.0 - BETA2) * g * g;
            let (mh, vh) = (self.m[i] / b1, self.v[i] / b2);
            x[i] -= self.lr * scale[i] * mh / (vh.sqrt() + EPS);
        }
    }
}
