"""PySINDy side of `mechc bench discovery --suite broad`.

Reads the cases mechc wrote (`--cases pysindy_cases.json`: a threshold grid and, per case, a CSV
file with header `t,<state>...`, a polynomial library degree and a noise seed) and fits every case
with three PySINDy variants at every threshold of the grid:

- `pysindy-fd`: `PolynomialLibrary(degree)`, `FiniteDifference()` derivatives, `STLSQ(threshold)`.
- `pysindy-weak`: `WeakPDELibrary(function_library=PolynomialLibrary(degree),
  spatiotemporal_grid=t)` (library defaults otherwise), `STLSQ(threshold, alpha=1e-9)`; the weak
  library's columns are integrals over small subdomains, so STLSQ's default ridge penalty
  (alpha=0.05) shrinks true coefficients below any useful threshold even on clean data.
- `pysindy-ensemble`: E-SINDy: `PolynomialLibrary(degree)`, finite differences,
  `EnsembleOptimizer(STLSQ(threshold), bagging=True, n_models=20)` (coefficients aggregated by
  the median over the bagged models, PySINDy's default).

Which threshold is best is decided by mechc, against the truth (an oracle), from what this script
writes: one JSON line per (case, variant), after a `{"pysindy": version}` header line, with the
distinct coefficient tables of the sweep (a table repeated by several thresholds is written once
with all of them). Lines are flushed as each case finishes. numpy's global generator (used by the
weak library's subdomains and the ensemble's bagging) is seeded with the case's seed before every
fit, so runs are reproducible.

The sweep fits the whole model once, at the first threshold, capturing the optimizer's input (the
library matrix and the derivative targets, which do not depend on the threshold), then runs the
optimizer alone at every threshold; the first threshold's result must equal the full fit's, or
the case fails. The wall and CPU time of a table is that of one complete fit at its first
threshold: the full fit's time outside its optimizer step plus the optimizer's time at that
threshold.

Usage: broad.py --cases CASES.json --out RESULTS.jsonl
"""

import argparse
import json
import time
import warnings

import numpy as np
import pysindy as ps


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if header[0] != "t":
        raise ValueError(f"{path}: first column must be `t`, found `{header[0]}`")
    return header[1:], data[:, 0], data[:, 1:]


def fd_model(t, degree, threshold):
    return ps.SINDy(
        feature_library=ps.PolynomialLibrary(degree=degree, include_bias=True),
        optimizer=fd_optimizer(threshold),
        differentiation_method=ps.FiniteDifference(),
    )


def fd_optimizer(threshold):
    return ps.STLSQ(threshold=threshold)


def weak_model(t, degree, threshold):
    library = ps.WeakPDELibrary(
        function_library=ps.PolynomialLibrary(degree=degree, include_bias=True),
        spatiotemporal_grid=t,
    )
    return ps.SINDy(feature_library=library, optimizer=weak_optimizer(threshold))


def weak_optimizer(threshold):
    return ps.STLSQ(threshold=threshold, alpha=1e-9)


def ensemble_model(t, degree, threshold):
    return ps.SINDy(
        feature_library=ps.PolynomialLibrary(degree=degree, include_bias=True),
        optimizer=ensemble_optimizer(threshold),
        differentiation_method=ps.FiniteDifference(),
    )


def ensemble_optimizer(threshold):
    return ps.EnsembleOptimizer(opt=ps.STLSQ(threshold=threshold), bagging=True, n_models=20)


VARIANTS = [
    ("pysindy-fd", fd_model, fd_optimizer),
    ("pysindy-weak", weak_model, weak_optimizer),
    ("pysindy-ensemble", ensemble_model, ensemble_optimizer),
]


def clock():
    return time.perf_counter(), time.process_time()


def since(start):
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def checked(coefs):
    coefs = np.asarray(coefs, dtype=float)
    if not np.all(np.isfinite(coefs)):
        raise FloatingPointError("non-finite coefficients")
    return coefs


def full_fit(make, states, t, x, degree, threshold, seed):
    """One complete SINDy fit; returns the names, coefficients, the optimizer's input (library
    matrix and derivative targets) and the times of the whole fit and of its optimizer step."""
    seen = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(seed)
        start = clock()
        model = make(t, degree, threshold)
        fit = model.optimizer.fit

        def capture(theta, target, *args, **kwargs):
            seen["input"] = (theta, target)
            opt_start = clock()
            out = fit(theta, target, *args, **kwargs)
            seen["opt"] = since(opt_start)
            return out

        model.optimizer.fit = capture
        model.fit(x, t=t, feature_names=states)
        total = since(start)
    terms = [str(n) for n in model.get_feature_names()]
    return terms, checked(model.coefficients()), seen["input"], total, seen["opt"]


def optimizer_fit(make_opt, theta, target, threshold, seed):
    """The optimizer alone on a captured input: what a full fit at `threshold` would compute
    (the library and the derivatives do not depend on the threshold)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(seed)
        start = clock()
        opt = make_opt(threshold)
        opt.fit(theta, target)
        return checked(opt.coef_), since(start)


def sweep(case, variant, make, make_opt, thresholds, loaded):
    record = {"file": case["file"], "degree": case["degree"], "variant": variant, "states": [],
              "terms": [], "candidates": [], "sweep_wall_s": None, "error": None}
    start = time.perf_counter()
    try:
        states, t, x = loaded
        record["states"] = states
        seed, degree = case["seed"], case["degree"]
        terms, coefs0, (theta, target), total, opt0 = full_fit(make, states, t, x, degree, thresholds[0], seed)
        record["terms"] = terms
        # The fixed part of a fit: everything but the optimizer step.
        fixed = (total[0] - opt0[0], total[1] - opt0[1])
        for i, threshold in enumerate(thresholds):
            coefs, opt = optimizer_fit(make_opt, theta, target, threshold, seed)
            if i == 0 and not np.array_equal(coefs, coefs0):
                raise RuntimeError("the optimizer alone does not reproduce the full fit")
            rows = coefs.tolist()
            same = [c for c in record["candidates"] if c["coefficients"] == rows]
            if same:
                same[0]["thresholds"].append(threshold)
            else:
                record["candidates"].append({"thresholds": [threshold], "coefficients": rows,
                                             "wall_s": fixed[0] + opt[0], "cpu_s": fixed[1] + opt[1]})
    except Exception as e:  # a failed fit is a result, not a crash of the whole benchmark
        record["error"] = f"{type(e).__name__}: {e}"
    record["sweep_wall_s"] = time.perf_counter() - start
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.cases) as f:
        doc = json.load(f)
    thresholds = [float(v) for v in doc["thresholds"]]
    wanted = doc.get("variants") or [name for name, _, _ in VARIANTS]
    variants = [v for v in VARIANTS if v[0] in wanted]
    with open(args.out, "w") as out:
        out.write(json.dumps({"pysindy": ps.__version__}) + "\n")
        out.flush()
        for case in doc["cases"]:
            try:
                loaded = load(case["file"])
            except Exception as e:
                loaded = None
                error = f"{type(e).__name__}: {e}"
            for variant, make, make_opt in variants:
                if loaded is None:
                    record = {"file": case["file"], "degree": case["degree"], "variant": variant,
                              "sweep_wall_s": None, "error": error}
                else:
                    record = sweep(case, variant, make, make_opt, thresholds, loaded)
                out.write(json.dumps(record) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
