//! The SDK without YAML: seeds the embedded store with sample tickets and triages them by keywords:
//! every ticket in `Raw` moves to a team queue, gets a priority and an internal note.
//!
//! Run it with `cargo run -p sdk-library`.

use std::time::Instant;

use otai_core::kwargs::Kwargs;
use otai_core::{TicketSystemService, TicketSystemServiceExt, UnifiedTicket};
use otai_local::LocalStore;
use serde_json::{Value, json};

/// Keyword rules: the first rule with a keyword in subject or body wins.
const RULES: &[(&str, &[&str], &str, &str)] = &[
    (
        "hardware",
        &["printer", "mouse", "monitor", "fire"],
        "Hardware",
        "high",
    ),
    (
        "access",
        &["vpn", "password", "log in", "login"],
        "IT Access",
        "high",
    ),
    (
        "billing",
        &["invoice", "refund", "billed"],
        "Billing",
        "normal",
    ),
];

/// The fallback when no rule matches.
const FALLBACK: (&str, &str, &str) = ("other", "Service Desk", "low");

fn classify(ticket: &UnifiedTicket) -> (&'static str, &'static str, &'static str) {
    let text = format!(
        "{} {}",
        ticket.subject.as_deref().unwrap_or_default(),
        ticket.body.as_deref().unwrap_or_default()
    )
    .to_lowercase();
    RULES
        .iter()
        .find(|(_, words, _, _)| words.iter().any(|w| text.contains(w)))
        .map_or(FALLBACK, |(label, _, queue, priority)| {
            (*label, *queue, *priority)
        })
}

fn kwargs(value: Value) -> Kwargs {
    match value {
        Value::Object(map) => map,
        _ => Kwargs::new(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {}", otai_core::error::report(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<usize, otai_core::Error> {
    let started = Instant::now();
    let store = LocalStore::in_memory()?;
    let seed: Vec<UnifiedTicket> = serde_yaml::from_str(include_str!("../seed.yml"))
        .map_err(|e| otai_core::Error::config("seed.yml", e.to_string()))?;
    for ticket in &seed {
        store.create(ticket).await?;
    }

    let raw = store.find_tickets(kwargs(json!({"queue": "Raw"}))).await?;
    let (mut changed, mut failed) = (0, 0);
    for ticket in &raw {
        let id = ticket.id.clone().unwrap_or_default();
        let (label, queue, priority) = classify(ticket);
        let result = async {
            store
                .update_ticket(kwargs(json!({
                    "ticket_id": id, "queue": queue, "priority": priority, "reread": false
                })))
                .await?;
            store
                .add_note(kwargs(json!({
                    "ticket_id": id, "subject": "triage", "body": format!("triaged: {label}"),
                    "reread": false
                })))
                .await
        }
        .await;
        match result {
            Ok(_) => {
                changed += 1;
                println!(
                    "#{id:<3} {:<32} -> {queue:<13} {priority:<6} ({label})",
                    ticket.subject.as_deref().unwrap_or_default()
                );
            }
            Err(e) => {
                failed += 1;
                eprintln!("#{id}: {}", otai_core::error::report(&e));
            }
        }
    }
    let left = store
        .find_tickets(kwargs(json!({"queue": "Raw"})))
        .await?
        .len();
    println!(
        "summary: {} seen, {changed} changed, {failed} failed, {left} left in Raw, {:.1} ms",
        raw.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(failed)
}
