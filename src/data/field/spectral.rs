//! Spectral tools for periodic grids: the real signal's Fourier transform (rustfft), its
//! wavenumbers, and spatial derivatives of any order (`(ik)^order` in Fourier space, the Nyquist
//! mode of odd orders set to zero so derivatives of real data stay real).

use rustfft::num_complex::Complex64 as C;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

/// Forward and inverse transforms of one grid size with its wavenumbers.
#[derive(Clone)]
pub struct Spectral {
    pub n: usize,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
    /// Wavenumber of each mode for a period of length `len`.
    pub k: Vec<f64>,
}

impl Spectral {
    /// Plans the transforms of `n` points over a period of length `len`.
    pub fn new(n: usize, len: f64) -> Spectral {
        let mut planner = FftPlanner::new();
        let k = (0..n)
            .map(|j| {
                let m = if j <= n / 2 { j as f64 } else { j as f64 - n as f64 };
                2.0 * std::f64::consts::PI * m / len
            })
            .collect();
        Spectral { n, fwd: planner.plan_fft_forward(n), inv: planner.plan_fft_inverse(n), k }
    }

    /// The Fourier coefficients of a real signal.
    pub fn forward(&self, u: &[f64]) -> Vec<C> {
        let mut v: Vec<C> = u.iter().map(|&x| C::new(x, 0.0)).collect();
        self.fwd.process(&mut v);
        v
    }

    /// The real part of the inverse transform (normalised).
    pub fn inverse(&self, v: &[C]) -> Vec<f64> {
        let mut w = v.to_vec();
        self.inv.process(&mut w);
        let s = 1.0 / self.n as f64;
        w.iter().map(|c| c.re * s).collect()
    }

    /// The multiplier `(ik)^order` of mode `j` (0 at the Nyquist mode for odd orders).
    pub fn symbol(&self, j: usize, order: u32) -> C {
        if !order.is_multiple_of(2) && self.n.is_multiple_of(2) && j == self.n / 2 {
            return C::new(0.0, 0.0);
        }
        C::new(0.0, self.k[j]).powu(order)
    }

    /// The `order`-th derivative from Fourier coefficients `v`.
    pub fn derivative(&self, v: &[C], order: u32) -> Vec<f64> {
        let w: Vec<C> = v.iter().enumerate().map(|(j, c)| c * self.symbol(j, order)).collect();
        self.inverse(&w)
    }
}
