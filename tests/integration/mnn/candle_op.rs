//! The candle custom ops: gradients reach all four inputs through `loss.backward()` and match
//! finite differences; frozen-LHS solves equal plain solves (values and rhs/init gradients);
//! solve failures surface as candle errors that carry the `SolveError`.

use candle_core::{Device, Tensor, Var};
use mechc::mnn::{self, FrozenLhs, OdeOptions, SolveError};

use super::common::{finite_differences, random_problem, random_weights, rel_diff, Input, Layout, Problem};

fn var(data: &[f64], dims: &[usize]) -> Var {
    Var::from_tensor(&Tensor::from_slice(data, dims, &Device::Cpu).unwrap()).unwrap()
}

fn dims(p: &Problem) -> [Vec<usize>; 4] {
    let (sh, l) = (&p.shape, &p.shape.lhs);
    [
        vec![l.coeff_batch, l.coeff_steps, l.e, l.d, l.p],
        vec![sh.batch, sh.rhs_steps, l.e],
        vec![sh.batch, l.s, l.d, l.k],
        vec![l.step_batch, l.step_len],
    ]
}

fn flat(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_vec1::<f64>().unwrap()
}

/// Every input receives a gradient, with its own shape, equal to central finite differences of
/// the plain solve (tolerance as in `gradients.rs`: 2e-6 of the largest entry).
#[test]
fn gradients_reach_all_four_inputs() {
    for central in [false, true] {
        let p = random_problem(21, Layout::plain(2, 6, 2, 2, 3, 1, 2), OdeOptions { central, ..OdeOptions::default() });
        let [dc, dr, di, dh] = dims(&p);
        let vars = [var(&p.coeffs, &dc), var(&p.rhs, &dr), var(&p.init, &di), var(&p.steps, &dh)];
        let u =
            mnn::ode_solve(vars[0].as_tensor(), vars[1].as_tensor(), vars[2].as_tensor(), vars[3].as_tensor(), &p.opts)
                .unwrap();
        assert_eq!(u.dims(), &[2, 6, 2, 3]);
        assert!(rel_diff(&flat(&u), &p.solve()) < 1e-15);
        let w = random_weights(22, u.elem_count());
        let wt = Tensor::from_slice(&w, u.dims(), &Device::Cpu).unwrap();
        let grads = (u * wt).unwrap().sum_all().unwrap().backward().unwrap();
        for (v, which) in vars.iter().zip([Input::Coeffs, Input::Rhs, Input::Init, Input::Steps]) {
            let g = grads.get(v.as_tensor()).unwrap_or_else(|| panic!("no gradient for {which:?}"));
            assert_eq!(g.dims(), v.as_tensor().dims(), "{which:?}");
            let fd = finite_differences(&p, which, &w);
            let scale = fd.iter().fold(1e-3f64, |m, x| m.max(x.abs()));
            let err = flat(g).iter().zip(&fd).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(err < 2e-6 * scale, "central={central} {which:?}: {err:e} vs scale {scale:e}");
        }
    }
}

/// Without initial values (K = 0) the packing holds only the steps; gradients still arrive.
#[test]
fn gradients_arrive_without_initial_values() {
    let p = random_problem(23, Layout::plain(1, 5, 1, 1, 3, 0, 0), OdeOptions::default());
    let [dc, dr, di, dh] = dims(&p);
    let (c, r, h) = (var(&p.coeffs, &dc), var(&p.rhs, &dr), var(&p.steps, &dh));
    let init = Tensor::zeros(di.as_slice(), candle_core::DType::F64, &Device::Cpu).unwrap();
    let u = mnn::ode_solve(c.as_tensor(), r.as_tensor(), &init, h.as_tensor(), &p.opts).unwrap();
    let grads = u.sum_all().unwrap().backward().unwrap();
    let sol = mnn::solve(&p.shape, p.inputs(), &p.opts).unwrap();
    let g = sol.backward(&vec![1.0; sol.u.len()]).unwrap();
    assert!(rel_diff(&flat(grads.get(h.as_tensor()).unwrap()), g.steps.as_ref().unwrap()) < 1e-14);
    assert!(rel_diff(&flat(grads.get(c.as_tensor()).unwrap()), g.coeffs.as_ref().unwrap()) < 1e-14);
}

/// A frozen left-hand side gives the plain solve's u and rhs/init gradients, both through the
/// slice API and the candle op; the shared (batch-1) factors serve every batch element.
#[test]
fn frozen_lhs_equals_plain_solve() {
    let mut l = Layout::plain(4, 9, 1, 2, 3, 1, 2);
    l.coeff_batch_shared = true;
    l.steps_shared = true;
    let p = random_problem(31, l, OdeOptions::default());
    let sol = mnn::solve(&p.shape, p.inputs(), &p.opts).unwrap();
    let frozen = FrozenLhs::new(&p.shape.lhs, &p.coeffs, &p.steps, &p.opts).unwrap();
    let fs = frozen.solve(p.shape.batch, p.shape.rhs_steps, &p.rhs, &p.init).unwrap();
    // identical arithmetic on identical factors: equal to round-off (in fact bit for bit)
    assert!(rel_diff(&fs.u, &sol.u) < 1e-15);
    let w = random_weights(32, sol.u.len());
    let (g, gf) = (sol.backward(&w).unwrap(), fs.backward(&w).unwrap());
    assert!(gf.coeffs.is_none() && gf.steps.is_none());
    assert!(rel_diff(&gf.rhs, &g.rhs) < 1e-15 && rel_diff(&gf.init, &g.init) < 1e-15);

    let [dc, dr, di, dh] = dims(&p);
    let ct = Tensor::from_slice(&p.coeffs, dc.as_slice(), &Device::Cpu).unwrap();
    let ht = Tensor::from_slice(&p.steps, dh.as_slice(), &Device::Cpu).unwrap();
    let ft = FrozenLhs::from_tensors(&ct, &ht, p.shape.lhs.n, p.shape.lhs.s, p.shape.lhs.k, &p.opts).unwrap();
    let (r, i) = (var(&p.rhs, &dr), var(&p.init, &di));
    let u = ft.solve_tensor(r.as_tensor(), i.as_tensor()).unwrap();
    assert!(rel_diff(&flat(&u), &sol.u) < 1e-15);
    let wt = Tensor::from_slice(&w, u.dims(), &Device::Cpu).unwrap();
    let grads = (u * wt).unwrap().sum_all().unwrap().backward().unwrap();
    assert!(rel_diff(&flat(grads.get(r.as_tensor()).unwrap()), &g.rhs) < 1e-15);
    assert!(rel_diff(&flat(grads.get(i.as_tensor()).unwrap()), &g.init) < 1e-15);
}

/// A singular problem fails inside the op with a candle error that prints the solver's message
/// and downcasts back to the `SolveError`.
#[test]
fn solve_failure_is_a_candle_error_carrying_the_solve_error() {
    let dev = Device::Cpu;
    let c = Tensor::from_slice(&[0.0f64, 1.0, 0.0], (1, 1, 1, 1, 3), &dev).unwrap();
    let r = Tensor::ones((1, 8, 1), candle_core::DType::F64, &dev).unwrap();
    let i = Tensor::zeros((1, 0, 1, 0), candle_core::DType::F64, &dev).unwrap();
    let h = Tensor::from_slice(&[0.1f64], (1, 1), &dev).unwrap();
    let err = mnn::ode_solve(&c, &r, &i, &h, &OdeOptions::default()).unwrap_err();
    assert_eq!(SolveError::from_candle(&err), Some(&SolveError::Unpinned { batch: 0, dim: 0 }));
    assert!(err.to_string().contains("not pinned"), "{err}");
    let f32s = c.to_dtype(candle_core::DType::F32).unwrap();
    let err = mnn::ode_solve(&f32s, &r, &i, &h, &OdeOptions::default()).unwrap_err();
    assert!(matches!(SolveError::from_candle(&err), Some(SolveError::Shape(_))), "{err}");
}
