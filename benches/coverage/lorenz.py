#!/usr/bin/env python3
"""Coverage of the reported 95% intervals on the Lorenz example: for each noise seed, run
`mechc run` on examples/lorenz.mech with that seed (and optionally another noise level or time
span), and count the seeds in which every true coefficient (zeros included for the candidate
terms of the library) lies inside its reported 95% interval. A dropped true term or a kept
spurious term whose interval misses 0 counts as a miss.

usage: lorenz.py [--seeds 20] [--noise 5] [--end 10] [--mechc target/release/mechc]
"""
import argparse, json, os, re, subprocess, sys, tempfile

TRUTH = {
    ("x'", "x"): -10.0, ("x'", "y"): 10.0,
    ("y'", "x"): 28.0, ("y'", "y"): -1.0, ("y'", "x*z"): -1.0,
    ("z'", "z"): -8.0 / 3.0, ("z'", "x*y"): 1.0,
}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--noise", type=float, default=5)
    ap.add_argument("--end", type=float, default=10)
    ap.add_argument("--mechc", default="target/release/mechc")
    a = ap.parse_args()
    src = open("examples/lorenz.mech").read()
    covered, widths, zs = 0, [], []
    with tempfile.TemporaryDirectory() as d:
        for seed in range(1, a.seeds + 1):
            text = re.sub(r"seed \d+", f"seed {seed}", src)
            text = re.sub(r"noise [0-9.]+%", f"noise {a.noise}%", text)
            text = re.sub(r"time 0 \.\. [0-9.]+", f"time 0 .. {a.end}", text)
            model, out = os.path.join(d, "m.mech"), os.path.join(d, "r.json")
            open(model, "w").write(text)
            subprocess.run([a.mechc, "run", model, "--json", out], check=True, capture_output=True)
            r = json.load(open(out))
            m = r["coefficient_matrix"]
            misses = []
            for i, eq in enumerate(m["equations"]):
                for j, term in enumerate(m["terms"]):
                    truth = TRUTH.get((eq, term), 0.0)
                    v, se, kept = m["values"][i][j], m["std_errors"][i][j], m["kept"][i][j]
                    if not kept:
                        if truth != 0.0:
                            misses.append(f"{eq} {term} dropped")
                        continue
                    if se is None:
                        misses.append(f"{eq} {term} no error")
                        continue
                    z = (v - truth) / se
                    if truth != 0.0:
                        zs.append(z)
                        widths.append(1.96 * se / abs(truth))
                    if abs(z) > 1.959964:
                        misses.append(f"{eq} {term} {v:.5g} ± {se:.2g} (z {z:.2f})")
            ok = not misses
            covered += ok
            print(f"seed {seed:2}: {'covered' if ok else 'MISS ' + '; '.join(misses)}", flush=True)
    n = len(zs)
    rms = (sum(z * z for z in zs) / n) ** 0.5 if n else float("nan")
    widths.sort()
    print(f"all true coefficients inside their 95% intervals in {covered} of {a.seeds} seeds "
          f"(noise {a.noise}%, t in [0, {a.end}]); rms z-score of the true terms {rms:.2f} "
          f"(1 when the standard errors are right); median relative half-width {widths[len(widths)//2]:.3%}")

if __name__ == "__main__":
    sys.exit(main())
