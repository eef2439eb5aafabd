//! Writes the labelled example tickets as JSON Lines to stdout:
//! `cargo run -p otai-classify --example make_tickets > examples/classify/tickets.jsonl`
//! (an optional argument sets the count, default 900).
#![allow(missing_docs)]

#[path = "tickets/generator.rs"]
mod generator;

use std::io::Write;

fn main() -> std::io::Result<()> {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(900);
    let mut out = std::io::stdout().lock();
    for ticket in generator::generate(n, 2026) {
        writeln!(out, "{ticket}")?;
    }
    Ok(())
}
