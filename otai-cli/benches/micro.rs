//! Micro-benchmarks of the per-ticket hot pieces: `cargo bench -p otai-cli --bench micro`.
//!
//! Each piece runs in a loop for about a second; the figure is the mean time per operation.
//! The TicketGet reply is the real one recorded from OTOBO 11 (`ticket-get-full.json`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use otai_core::registry::BuildContext;
use otai_otobo_znuny::mapping::{ValueMaps, ticket_to_unified};
use otai_otobo_znuny::wire::TicketGetReply;
use otai_pipeline::Registry;
use otai_pipeline::{LoadOptions, load_str, ticket_value};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const FIXTURE: &str =
    include_str!("../../adapters/otai-otobo-znuny/tests/fixtures/rest/ticket-get-full.json");

/// The params of the triage's update pipe, rendered against one ticket.
const PIPELINE: &str = r#"
pipelines:
  bench:
    pipes:
      - id: move
        use: expression
        params:
          value:
            ticket_id: '{{ context.item.id }}'
            queue: '{{ context.classify.queue }}'
            priority: '{{ context.classify.priority }}'
            note:
              subject: triage
              body: 'triaged: {{ context.classify.label }} ({{ context.item.subject }})'
            reread: false
"#;

fn main() -> BoxResult<()> {
    let recorded: Value = serde_json::from_str(FIXTURE)?;
    let text = serde_json::to_string(&recorded["response"]["body"])?;
    let reply: TicketGetReply = serde_json::from_str(&text)?;
    let wire = reply.tickets.0.first().cloned().ok_or("no ticket")?;
    let maps = ValueMaps::default();
    let unified = ticket_to_unified(&wire, &maps);

    println!("# micro-benchmarks (mean per operation)\n");
    println!("| piece | time |");
    println!("|---|---|");
    measure(
        "TicketGet reply (1 ticket, 1 article, 4 dynamic fields, 1.9 KB): text → JSON value",
        || serde_json::from_str::<Value>(&text).map(|v| black_box(v).is_object()),
    )?;
    let value: Value = serde_json::from_str(&text)?;
    measure(
        "TicketGet reply: JSON value → OTOBO wire types (incl. copying the value)",
        || {
            otai_core::kwargs::deserialize_tracked::<TicketGetReply>(value.clone())
                .map(|r| black_box(r).tickets.0.len())
        },
    )?;
    measure("OTOBO ticket → unified ticket", || {
        Ok::<_, std::convert::Infallible>(black_box(ticket_to_unified(&wire, &maps)).id.is_some())
    })?;
    measure("unified ticket → template value, read `subject`", || {
        let v = ticket_value(unified.clone());
        v.get_attr("subject").map(|s| black_box(s).is_undefined())
    })?;
    let engine = load_str(
        "bench.yml",
        PIPELINE,
        &BuildContext::default(),
        &registry(),
        &LoadOptions::default(),
    )?;
    let context = json!({
        "item": serde_json::to_value(&unified)?,
        "classify": {"label": "hardware", "queue": "Misc", "priority": "4 high"},
    });
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    measure("render the update pipe's params and run one pipe", || {
        runtime
            .block_on(engine.run("bench", &context, false))
            .map(|r| black_box(r).succeeded)
    })?;
    Ok(())
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    otai_pipes_base::register(&mut registry);
    registry
}

/// Runs `op` for about a second and prints the mean time per call.
fn measure<T, E: std::fmt::Debug>(
    name: &str,
    mut op: impl FnMut() -> Result<T, E>,
) -> BoxResult<()> {
    for _ in 0..100 {
        op().map_err(|e| format!("{name}: {e:?}"))?;
    }
    let started = Instant::now();
    let mut runs = 0u32;
    while started.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            black_box(op().map_err(|e| format!("{name}: {e:?}"))?);
        }
        runs += 100;
    }
    let per = started.elapsed() / runs;
    println!("| {name} | {:.2} µs |", per.as_secs_f64() * 1e6);
    Ok(())
}
