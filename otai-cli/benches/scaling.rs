//! How the time to report a configuration's problems grows with their number:
//! `cargo bench -p otai-cli --bench scaling`. Each kind of problem is loaded with 2 500, 10 000
//! and 40 000 of them (as far as the 4 MiB file limit allows); the figure is the best of three
//! loads, and the time per 1 000 problems, which stays flat when the time is linear. The test
//! `linear.rs` of otai-tests counts the problems and the bytes of their messages.

use std::time::{Duration, Instant};

use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, load_str};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const STORE: &str = "services:\n  s:\n    use: local\n    params: {path: ':memory:'}\n";
/// The largest configuration otai reads.
const MAX_BYTES: usize = 4 << 20;

/// A kind of problem, and a configuration with `n` of them.
type Kind = (&'static str, fn(usize) -> String);

fn kinds() -> Vec<Kind> {
    vec![
        ("unknown pipes (`use: fetch_tikets`)", |n| {
            let pipes: String = (0..n)
                .map(|i| format!("  - id: p{i}\n    use: fetch_tikets\n"))
                .collect();
            format!("{STORE}pipes:\n{pipes}")
        }),
        ("unknown services (`service: t<i>`, n services)", |n| {
            let services: String = (0..n)
                .map(|i| format!("  s{i}: {{use: local, params: {{path: ':memory:'}}}}\n"))
                .collect();
            let pipes: String = (0..n)
                .map(|i| format!("  - {{id: p{i}, use: fetch_tickets, service: t{i}}}\n"))
                .collect();
            format!("services:\n{services}pipes:\n{pipes}")
        }),
        ("unknown params of one pipe", |n| {
            let params: String = (0..n).map(|i| format!("      k{i}: 1\n")).collect();
            format!(
                "{STORE}pipes:\n  - id: p\n    use: log\n    params:\n      message: m\n{params}"
            )
        }),
        ("broken templates in one pipe", |n| {
            let params: String = (0..n)
                .map(|i| format!("      k{i}: '{{{{ x. }}}}'\n"))
                .collect();
            format!(
                "{STORE}pipes:\n  - id: p\n    use: expression\n    params:\n      value: 1\n{params}"
            )
        }),
        ("misspelt keys and references to missing pipes", |n| {
            let pipes: String = (0..n)
                .map(|i| format!("  - {{id: p{i}, use: log, parms: 1}}\n  - {{id: q{i}, use: log, params: {{message: '{{{{ pipes.r{i}.x }}}}'}}}}\n"))
                .collect();
            format!("{STORE}pipes:\n{pipes}")
        }),
        ("nested `[` (n × 10 of them)", |n| {
            format!("pipes: {}\n", "[".repeat(n * 10))
        }),
    ]
}

fn main() -> BoxResult<()> {
    let registry = otai_cli::default_registry();
    let mut options = LoadOptions::default();
    options.validate_only = true;
    println!("# reporting a configuration's problems (best of 3 loads)\n");
    println!("| problems | n | file | time | per 1 000 |");
    println!("|---|---|---|---|---|");
    for (kind, generate) in kinds() {
        for n in [2_500, 10_000, 40_000] {
            let text = generate(n);
            if text.len() > MAX_BYTES {
                continue;
            }
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let started = Instant::now();
                let outcome = load_str(
                    "big.yml",
                    &text,
                    &BuildContext::default(),
                    &registry,
                    &options,
                );
                best = best.min(started.elapsed());
                if outcome.is_ok() {
                    return Err(format!("{kind} ({n}): loaded without a problem").into());
                }
            }
            println!(
                "| {kind} | {n} | {} KB | {:.1} ms | {:.2} ms |",
                text.len() / 1000,
                best.as_secs_f64() * 1000.0,
                best.as_secs_f64() * 1000.0 * 1000.0 / n as f64
            );
        }
    }
    Ok(())
}
