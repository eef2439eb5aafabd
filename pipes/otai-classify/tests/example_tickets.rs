//! The example tickets in `examples/classify/tickets.jsonl` are exactly what the generator writes,
//! and hold what the guide says they hold.

#[path = "../examples/tickets/generator.rs"]
#[allow(dead_code)]
mod generator;

use std::collections::BTreeSet;

use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn the_committed_tickets_are_the_generators_output() -> TestResult {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/classify/tickets.jsonl"
    );
    let text = std::fs::read_to_string(path)?;
    let committed: Vec<Value> = text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let generated = generator::generate(900, 2026);
    assert_eq!(committed.len(), 900);
    assert!(
        committed == generated,
        "regenerate with `cargo run -p otai-classify --example make_tickets`"
    );
    let queues: BTreeSet<&str> = committed
        .iter()
        .filter_map(|t| t["queue"].as_str())
        .collect();
    assert_eq!(queues.len(), 6);
    let languages: BTreeSet<&str> = committed
        .iter()
        .filter_map(|t| t["language"].as_str())
        .collect();
    assert_eq!(languages, BTreeSet::from(["de", "en"]));
    assert!(
        committed
            .iter()
            .any(|t| t["body"].as_str().is_some_and(|b| b.contains("<br>")))
    );
    Ok(())
}
