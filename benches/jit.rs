//! `cargo bench --bench jit`: the JIT benchmark of `mechc::jit::bench` on 10^6 rows.

fn main() {
    let rows = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(1_000_000);
    match mechc::jit::bench::run(rows) {
        Ok(report) => println!("{report}"),
        Err(e) => {
            eprintln!("jit benchmark failed: {e}");
            std::process::exit(2);
        }
    }
}
