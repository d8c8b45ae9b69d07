"""PySINDy side of `mechc bench discovery`.

Fits each CSV file (header `t,<state>...`, one trajectory) with PySINDy 2.1 in two variants and
writes one JSON document with the coefficients and wall time of every fit:

- `pysindy-weak`: weak-form library (`ps.WeakPDELibrary` around a degree-2 polynomial library
  with constant term, over the file's time grid, library defaults otherwise) and default
  `ps.STLSQ()`. The weak form integrates against test functions instead of differentiating the
  data, so its coefficients are those of the ODE itself and compare directly with the truth.
- `pysindy-weak-a0`: the same with STLSQ's ridge penalty switched off (`alpha=1e-9` instead of
  0.05). Weak-form library columns are integrals over small subdomains, so their scale is small
  and the default ridge term shrinks true coefficients below the 0.1 threshold, even on clean
  data; this variant shows how much of the weak form's result is due to that default alone.
- `pysindy-fd`: plain `ps.SINDy()` defaults: degree-2 polynomial library, finite differences,
  `ps.STLSQ()`.

The weak-form library places its integration subdomains at random (numpy's global generator),
so each fit first seeds numpy with that file's seed (`--seeds`, one per file, default 0): runs
are reproducible, and on identical clean data the seeds show the spread due to that placement.

Usage: run.py --out RESULTS.json [--seeds 1,2,...] FILE.csv [FILE.csv ...]
Output: {"pysindy": version, "results": [{"file", "variant", "states", "terms",
"coefficients" (one row per state), "wall_s", "error"}]}.
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


def weak_model(t):
    library = ps.WeakPDELibrary(
        function_library=ps.PolynomialLibrary(degree=2, include_bias=True),
        spatiotemporal_grid=t,
    )
    return ps.SINDy(feature_library=library, optimizer=ps.STLSQ())


def weak_model_no_ridge(t):
    library = ps.WeakPDELibrary(
        function_library=ps.PolynomialLibrary(degree=2, include_bias=True),
        spatiotemporal_grid=t,
    )
    return ps.SINDy(feature_library=library, optimizer=ps.STLSQ(alpha=1e-9))


def fd_model(t):
    return ps.SINDy()


VARIANTS = [
    ("pysindy-weak", weak_model),
    ("pysindy-weak-a0", weak_model_no_ridge),
    ("pysindy-fd", fd_model),
]


def fit_one(path, seed, variant, make):
    record = {"file": path, "variant": variant, "states": [], "terms": [],
              "coefficients": [], "wall_s": None, "error": None}
    try:
        states, t, x = load(path)
        record["states"] = states
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.random.seed(seed)
            model = make(t)
            model.fit(x, t=t, feature_names=states)
        record["wall_s"] = time.perf_counter() - start
        record["terms"] = [str(n) for n in model.get_feature_names()]
        coefs = np.asarray(model.coefficients(), dtype=float)
        if not np.all(np.isfinite(coefs)):
            raise FloatingPointError("non-finite coefficients")
        record["coefficients"] = coefs.tolist()
    except Exception as e:  # a failed fit is a result, not a crash of the whole benchmark
        record["error"] = f"{type(e).__name__}: {e}"
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seeds", default=None, help="comma-separated, one per file")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [0] * len(args.files)
    if len(seeds) != len(args.files):
        parser.error(f"{len(seeds)} seeds for {len(args.files)} files")
    results = [fit_one(f, s, v, make) for f, s in zip(args.files, seeds) for v, make in VARIANTS]
    with open(args.out, "w") as f:
        json.dump({"pysindy": ps.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
