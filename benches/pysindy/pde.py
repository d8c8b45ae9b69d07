"""PySINDy's PDE-FIND (finite differences) and weak PDE library on a long-form field CSV
(`t,x,u`, one row per time and grid point, as `mechc simulate` writes for a field model).

Usage: pde.py FILE.csv DEGREE ORDER THRESHOLD [periodic]
Prints one line per method: the kept terms with their coefficients, and the fit's wall time.
The library is the polynomial of degree DEGREE in u (with a constant) times the derivatives up
to ORDER (with 1), as the mechc examples write it; STLSQ at THRESHOLD (PySINDy's raw scale).
"""
import sys
import time

import numpy as np
import pysindy as ps


def load(path):
    d = np.genfromtxt(path, delimiter=",", names=True)
    t = np.unique(d["t"])
    x = np.unique(d["x"])
    u = np.zeros((len(x), len(t)))
    ti = np.searchsorted(t, d["t"])
    xi = np.searchsorted(x, d["x"])
    u[xi, ti] = d["u"]
    return t, x, u


def run(name, lib, u, t, thr):
    opt = ps.STLSQ(threshold=thr, alpha=1e-5, normalize_columns=True)
    m = ps.SINDy(feature_library=lib, optimizer=opt)
    t0 = time.time()
    m.fit(u[..., None], t=t[1] - t[0])
    wall = time.time() - t0
    names = m.get_feature_names()
    coef = m.coefficients()[0]
    kept = [f"{c:+.5g}*{n}" for c, n in zip(coef, names) if c != 0]
    print(f"{name}: {' '.join(kept)}   ({wall:.2f} s)")


def main():
    path, degree, order, thr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    periodic = len(sys.argv) > 5 and sys.argv[5] == "periodic"
    t, x, u = load(path)
    poly = ps.PolynomialLibrary(degree=degree, include_bias=False)
    fd = ps.PDELibrary(function_library=poly, derivative_order=order, spatial_grid=x,
                       include_bias=True, is_uniform=True, periodic=periodic)
    run("PDE-FIND", fd, u, t, thr)
    X, T = np.meshgrid(x, t, indexing="ij")
    xt = np.stack([X, T], axis=-1)
    np.random.seed(100)
    weak = ps.WeakPDELibrary(function_library=poly, derivative_order=order, spatiotemporal_grid=xt,
                             include_bias=True, is_uniform=True, K=200, periodic=periodic)
    run("weak PDE", weak, u, t, thr)


if __name__ == "__main__":
    main()
