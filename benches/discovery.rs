//! `cargo bench --bench discovery`: the Lorenz equation-discovery benchmark (logic in
//! `mechc::fit::bench`).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    std::process::exit(mechc::fit::bench::run(&args));
}
