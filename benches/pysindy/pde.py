"""PySINDy's PDE-FIND (finite differences) and weak PDE library on long-form field CSV files
(`t,x,u`, one row per time and grid point, as `mechc simulate` writes for a field model), for
`mechc bench pde`.

Usage: pde.py --cases CASES.json --out RESULTS.json
CASES.json lists {name, file, degree, order, threshold, periodic, seed}. The library is the
polynomial of degree `degree` in u (with a constant) times the derivatives up to `order` (with
1), as the mechc cases write it; STLSQ at `threshold` on normalised columns. numpy's generator
(which draws the weak library's subdomains) is seeded with `seed` before each fit. Each fit is
timed by wall clock and process CPU time around model construction and `fit`. Feature names
are rewritten in mechc's notation (`uu_11` -> `u*u_xx`).
"""
import argparse
import json
import re
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


def mech_name(name):
    """`u^2u_111` -> `u^2*u_xxx`; `1` stays `1`."""
    if name == "1":
        return name
    factors = re.findall(r"u_1+|u(?:\^\d+)?", name)
    if "".join(factors) != name:
        return name
    return "*".join("u_" + "x" * (len(f) - 2) if f.startswith("u_") else f for f in factors)


def fit(case, variant, lib, u, t):
    np.random.seed(case["seed"])
    opt = ps.STLSQ(threshold=case["threshold"], alpha=1e-5, normalize_columns=True)
    w0, c0 = time.perf_counter(), time.process_time()
    m = ps.SINDy(feature_library=lib, optimizer=opt)
    m.fit(u[..., None], t=t[1] - t[0], feature_names=["u"])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {
        "case": case["name"],
        "variant": variant,
        "terms": [mech_name(n) for n in m.get_feature_names()],
        "coefficients": [float(c) for c in m.coefficients()[0]],
        "wall_s": wall,
        "cpu_s": cpu,
        "error": None,
    }


def libraries(case, t, x):
    poly = ps.PolynomialLibrary(degree=case["degree"], include_bias=False)
    periodic = case["periodic"]
    fd = ps.PDELibrary(function_library=poly, derivative_order=case["order"], spatial_grid=x,
                       include_bias=True, is_uniform=True, periodic=periodic)
    X, T = np.meshgrid(x, t, indexing="ij")
    xt = np.stack([X, T], axis=-1)
    weak = ps.WeakPDELibrary(function_library=poly, derivative_order=case["order"],
                             spatiotemporal_grid=xt, include_bias=True, is_uniform=True, K=200,
                             periodic=periodic)
    return [("pysindy-pde-find", fd), ("pysindy-weak", weak)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.cases) as f:
        cases = json.load(f)
    results = []
    for case in cases:
        t, x, u = load(case["file"])
        for variant, lib in libraries(case, t, x):
            try:
                results.append(fit(case, variant, lib, u, t))
            except Exception as e:  # a failed fit is a result, not the end of the run
                results.append({"case": case["name"], "variant": variant, "terms": [],
                                "coefficients": [], "wall_s": None, "cpu_s": None,
                                "error": f"{type(e).__name__}: {e}"})
    with open(a.out, "w") as f:
        json.dump({"pysindy": ps.__version__, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
