//! The SDK without YAML: seeds the embedded store with sample tickets and triages them by keywords:
//! every ticket in `Raw` moves to a team queue, gets a priority and an internal note, in one
//! typed update.
//!
//! Run it with `cargo run -p sdk-library`.

use std::time::Instant;

use otai_core::request::{SearchRequest, UpdateRequest};
use otai_core::{
    Error, TicketId, TicketSearchCriteria, TicketSystemService, UnifiedEntity, UnifiedNote,
    UnifiedTicket,
};
use otai_local::LocalStore;

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

/// Every ticket in queue `Raw`.
fn in_raw() -> SearchRequest {
    SearchRequest::new(TicketSearchCriteria::new().queue(UnifiedEntity::by_name("Raw")))
}

/// The ID of a ticket the store returned.
fn id_of(ticket: &UnifiedTicket) -> Result<TicketId, Error> {
    ticket
        .id
        .as_deref()
        .ok_or_else(|| Error::invalid_input("id", "the store returned a ticket without an id"))?
        .parse()
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

async fn run() -> Result<usize, Error> {
    let started = Instant::now();
    let store = LocalStore::in_memory()?;
    let seed: Vec<UnifiedTicket> = serde_yaml::from_str(include_str!("../seed.yml"))
        .map_err(|e| Error::config("seed.yml", e.to_string()))?;
    for ticket in seed {
        store.create_ticket(ticket.into()).await?;
    }

    let raw = store.find_tickets(in_raw()).await?;
    let (mut changed, mut failed) = (0, 0);
    for ticket in &raw {
        let (label, queue, priority) = classify(ticket);
        let result = async {
            let id = id_of(ticket)?;
            let changes = UnifiedTicket::new()
                .queue(UnifiedEntity::by_name(queue))
                .priority(UnifiedEntity::by_name(priority));
            // The note lands with the change; `reread(false)` saves reading the ticket back.
            let update = UpdateRequest::new(id.clone(), changes)
                .note(UnifiedNote::new("triage", format!("triaged: {label}")))
                .reread(false);
            store.update_ticket(update).await.map(|_| id)
        }
        .await;
        match result {
            Ok(id) => {
                changed += 1;
                println!(
                    "#{id:<3} {:<32} -> {queue:<13} {priority:<6} ({label})",
                    ticket.subject.as_deref().unwrap_or_default()
                );
            }
            Err(e) => {
                failed += 1;
                let id = ticket.id.as_deref().unwrap_or("?");
                eprintln!("#{id}: {}", otai_core::error::report(&e));
            }
        }
    }
    let left = store.find_tickets(in_raw()).await?.len();
    println!(
        "summary: {} seen, {changed} changed, {failed} failed, {left} left in Raw, {:.1} ms",
        raw.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(failed)
}
