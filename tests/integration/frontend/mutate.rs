//! Robustness: thousands of seeded random mutations of the examples and fixtures (byte flips,
//! truncations, deleted / duplicated / inserted tokens, invalid UTF-8 decoded lossily, huge
//! numbers, deep nesting) through parse + check in-process. Nothing may panic or overflow the
//! stack, and every input ends in a model or in at least one error.

use super::{check_text, mech_files, rel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Cases per run; `MECHC_MUTATION_CASES` raises it for a deeper (slower) search.
fn cases() -> usize {
    std::env::var("MECHC_MUTATION_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000).max(10_000)
}

const INSERTS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "'",
    "''",
    "^",
    "-",
    "..",
    "%",
    ",",
    ";",
    "=",
    "\"",
    "#",
    "\n",
    "1e400",
    "99999999999999999999999",
    "0.",
    ".5",
    "state",
    "param",
    "basis",
    "sparse(",
    "mlp(",
    "fit",
    "data",
    "simulate",
    "x'",
    "t",
    "θ",
    "′",
    "per trajectory",
    "in (",
    "poly(x, degree = 99)",
    "use \"nowhere.mech\"",
];

fn mutate(rng: &mut ChaCha8Rng, base: &str) -> String {
    let mut bytes = base.as_bytes().to_vec();
    let rounds = rng.random_range(1..=4);
    for _ in 0..rounds {
        let len = bytes.len().max(1);
        let at = rng.random_range(0..len).min(bytes.len());
        match rng.random_range(0..8) {
            0 => {
                if at < bytes.len() {
                    bytes[at] = rng.random();
                }
            }
            1 => bytes.truncate(at),
            2 => {
                let end = (at + rng.random_range(1..12)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.random_range(1..12)).min(bytes.len());
                let dup: Vec<u8> = bytes[at..end].to_vec();
                bytes.splice(at..at, dup);
            }
            4 | 5 => {
                let ins = INSERTS[rng.random_range(0..INSERTS.len())].as_bytes().to_vec();
                bytes.splice(at..at, ins);
            }
            6 => {
                let n = rng.random_range(1..400);
                let ins = format!("{}x{}", "(".repeat(n), ")".repeat(n));
                bytes.splice(at..at, ins.into_bytes());
            }
            _ => {
                let n = rng.random_range(1..2000);
                let ins = vec![b'-'; n];
                bytes.splice(at..at, ins);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutations_never_panic() {
    let mut bases = Vec::new();
    for dir in ["examples", "tests/cases/parse/ok", "tests/cases/check/ok"] {
        for f in mech_files(dir) {
            bases.push((rel(&f), std::fs::read_to_string(&f).unwrap()));
        }
    }
    let cases = cases();
    let seed = std::env::var("MECHC_MUTATION_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(20261123);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut slowest = 0.0f64;
    for i in 0..cases {
        let (name, base) = &bases[i % bases.len()];
        let text = mutate(&mut rng, base);
        let start = std::time::Instant::now();
        let (_, model, diags) = check_text(name, &text);
        let secs = start.elapsed().as_secs_f64();
        slowest = slowest.max(secs);
        // A check of a mutated example takes milliseconds; seconds would mean a super-linear pass.
        assert!(secs < 10.0, "case {i} took {secs:.1} s to check:\n{text}");
        match model {
            Some(_) => ok += 1,
            None => {
                assert!(diags.iter().any(|d| d.is_error()), "case {i}: no model and no error for:\n{text}");
                failed += 1;
            }
        }
    }
    assert_eq!(ok + failed, cases);
    eprintln!(
        "check mutation: {cases} mutants (seed {seed}), {ok} checked clean, {failed} rejected, slowest {slowest:.3} s"
    );
    // Most mutations break a model; a mutation test where nothing breaks tests nothing.
    assert!(failed > cases / 2, "only {failed} of {cases} mutations were rejected");
}
