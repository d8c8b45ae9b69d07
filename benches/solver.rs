//! `cargo bench --bench solver`: the MNN solver benchmark (logic in `mechc::mnn::bench`).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    std::process::exit(mechc::mnn::bench::run(&args));
}
