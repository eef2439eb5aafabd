//! The `otai` command (the runner arrives with the pipeline engine).

fn main() {
    println!("otai {}", env!("CARGO_PKG_VERSION"));
}
