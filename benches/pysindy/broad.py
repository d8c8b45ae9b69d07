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
with all of them), each with the wall and CPU time of one fit. Lines are flushed as each case
finishes. numpy's global generator (used by the weak library's subdomains and the ensemble's
bagging) is seeded with the case's seed before every fit, so runs are reproducible.

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
        optimizer=ps.STLSQ(threshold=threshold),
        differentiation_method=ps.FiniteDifference(),
    )


def weak_model(t, degree, threshold):
    library = ps.WeakPDELibrary(
        function_library=ps.PolynomialLibrary(degree=degree, include_bias=True),
        spatiotemporal_grid=t,
    )
    return ps.SINDy(feature_library=library, optimizer=ps.STLSQ(threshold=threshold, alpha=1e-9))


def ensemble_model(t, degree, threshold):
    return ps.SINDy(
        feature_library=ps.PolynomialLibrary(degree=degree, include_bias=True),
        optimizer=ps.EnsembleOptimizer(opt=ps.STLSQ(threshold=threshold), bagging=True, n_models=20),
        differentiation_method=ps.FiniteDifference(),
    )


VARIANTS = [
    ("pysindy-fd", fd_model),
    ("pysindy-weak", weak_model),
    ("pysindy-ensemble", ensemble_model),
]


def fit_once(make, states, t, x, degree, threshold, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(seed)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        model = make(t, degree, threshold)
        model.fit(x, t=t, feature_names=states)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    coefs = np.asarray(model.coefficients(), dtype=float)
    if not np.all(np.isfinite(coefs)):
        raise FloatingPointError("non-finite coefficients")
    return [str(n) for n in model.get_feature_names()], coefs, wall, cpu


def sweep(case, variant, make, thresholds, loaded):
    record = {"file": case["file"], "degree": case["degree"], "variant": variant, "states": [],
              "terms": [], "candidates": [], "sweep_wall_s": None, "error": None}
    start = time.perf_counter()
    try:
        states, t, x = loaded
        record["states"] = states
        for threshold in thresholds:
            terms, coefs, wall, cpu = fit_once(make, states, t, x, case["degree"], threshold, case["seed"])
            record["terms"] = terms
            rows = coefs.tolist()
            same = [c for c in record["candidates"] if c["coefficients"] == rows]
            if same:
                same[0]["thresholds"].append(threshold)
            else:
                record["candidates"].append(
                    {"thresholds": [threshold], "coefficients": rows, "wall_s": wall, "cpu_s": cpu})
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
    with open(args.out, "w") as out:
        out.write(json.dumps({"pysindy": ps.__version__}) + "\n")
        out.flush()
        for case in doc["cases"]:
            try:
                loaded = load(case["file"])
            except Exception as e:
                loaded = None
                error = f"{type(e).__name__}: {e}"
            for variant, make in VARIANTS:
                if loaded is None:
                    record = {"file": case["file"], "degree": case["degree"], "variant": variant,
                              "sweep_wall_s": None, "error": error}
                else:
                    record = sweep(case, variant, make, thresholds, loaded)
                out.write(json.dumps(record) + "\n")
                out.flush()


if __name__ == "__main__":
    main()
