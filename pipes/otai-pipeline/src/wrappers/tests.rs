//! The wrappers around a service that records what reaches it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::*;
use crate::Secrets;
use crate::testing::Recorder;
use otai_core::output::Redactor;
use otai_core::request::{CreateRequest, NoteRequest, SearchRequest, UpdateRequest};
use otai_core::{
    Result, TicketSystemService, TicketSystemServiceExt, UnifiedEntity, UnifiedNote, UnifiedTicket,
};

fn update(id: &str, queue: &str) -> Result<UpdateRequest> {
    Ok(UpdateRequest::new(
        id.parse()?,
        UnifiedTicket::new().queue(UnifiedEntity::by_name(queue)),
    ))
}

#[tokio::test]
async fn counted_counts_tickets_seen_writes_and_distinct_tickets_changed() -> Result<()> {
    let stats = Arc::<RunStats>::default();
    let service = Counted::new(Arc::new(Recorder::default()), "store", Arc::clone(&stats));
    for subject in ["one", "two"] {
        service
            .create_ticket(UnifiedTicket::new().subject(subject).into())
            .await?;
    }
    assert_eq!(service.find_tickets(SearchRequest::all()).await?.len(), 2);
    assert!(service.get_ticket_by_id("1").await?.is_some());
    assert!(service.get_ticket_by_id("9").await?.is_none());
    assert!(
        service
            .find_first_ticket(SearchRequest::all())
            .await?
            .is_some()
    );
    service.update_ticket(update("1", "Done")?).await?;
    service.update_ticket(update("1", "Again")?).await?;
    service
        .add_note(NoteRequest::new("2".parse()?, UnifiedNote::new("s", "b")))
        .await?;
    let totals = stats.totals();
    assert_eq!(
        (totals.seen, totals.changed, totals.writes),
        (2, 2, 5),
        "tickets 1 and 2 seen (found, read, first) and changed; 2 creates, 2 updates, 1 note"
    );
    let changes = stats.changes();
    assert_eq!(
        changes.get("1").map(Vec::as_slice),
        Some(
            &[
                "created: subject=one".to_owned(),
                "updated: queue=Done".to_owned(),
                "updated: queue=Again".to_owned()
            ][..]
        )
    );
    assert_eq!(
        changes.get("2").map(Vec::as_slice),
        Some(
            &[
                "created: subject=two".to_owned(),
                "added a note: subject=s, body=b".to_owned()
            ][..]
        )
    );
    assert_eq!(service.kind(), "recorder");
    Ok(())
}

#[tokio::test]
async fn counted_without_changes_counts_the_same_and_keeps_no_descriptions() -> Result<()> {
    let stats = Arc::new(RunStats::without_changes());
    let service = Counted::new(Arc::new(Recorder::default()), "store", Arc::clone(&stats));
    service
        .create_ticket(UnifiedTicket::new().subject("one").into())
        .await?;
    service.update_ticket(update("1", "Done")?).await?;
    assert!(service.get_ticket_by_id("1").await?.is_some());
    let totals = stats.totals();
    assert_eq!((totals.seen, totals.changed, totals.writes), (1, 1, 2));
    assert!(stats.changes().is_empty());
    Ok(())
}

#[tokio::test]
async fn distinct_tickets_are_told_apart_by_service_and_exact_id() -> Result<()> {
    let stats = Arc::<RunStats>::default();
    let ticket = |id: &str| {
        let mut ticket = UnifiedTicket::new();
        ticket.id = Some(id.to_owned());
        ticket
    };
    for (service, id) in [
        ("a", "7"),
        ("a", "7"),
        ("a", "007"),
        ("a", "x-7"),
        ("a", "x-7"),
        ("b", "7"),
        ("a", "18446744073709551616"),
        ("a", "+7"),
        ("a", "0"),
        ("a", "0"),
    ] {
        stats.saw(service, std::iter::once(&ticket(id)));
    }
    assert_eq!(
        stats.totals().seen,
        7,
        "7 once per service; 007, x-7, +7 and a number past u64 as text; 0 once"
    );
    Ok(())
}

#[tokio::test]
async fn dry_run_sends_no_write_and_answers_with_placeholders() -> Result<()> {
    let recorder = Arc::new(Recorder::default());
    recorder
        .all()?
        .push(UnifiedTicket::new().id("7").subject("real"));
    let stats = Arc::<RunStats>::default();
    let counted = Arc::new(Counted::new(
        Arc::clone(&recorder),
        "store",
        Arc::clone(&stats),
    ));
    let service = DryRun::new(counted, Redactor::default()).recording(Arc::clone(&stats));

    let created = service
        .create_ticket(UnifiedTicket::new().subject("Printer on fire").into())
        .await?;
    assert_eq!(created.id.as_deref(), Some("dry-run-1"));
    assert_eq!(created.subject.as_deref(), Some("Printer on fire"));
    let second = service
        .create_ticket(UnifiedTicket::new().subject("two").into())
        .await?;
    assert_eq!(second.id.as_deref(), Some("dry-run-2"));

    let moved = service
        .update_ticket(update("dry-run-1", "Hardware")?)
        .await?;
    assert_eq!(
        moved.subject.as_deref(),
        Some("Printer on fire"),
        "a placeholder keeps its fields"
    );
    assert_eq!(moved.queue, Some(UnifiedEntity::by_name("Hardware")));
    let noted = service
        .add_note(NoteRequest::new(
            "dry-run-1".parse()?,
            UnifiedNote::new("s", "hello"),
        ))
        .await?;
    assert_eq!(noted.notes.len(), 1);
    let read = service.get_ticket_by_id("dry-run-1").await?;
    assert_eq!(
        read,
        Some(noted),
        "tickets created in the dry run read back as changed"
    );

    let real = service
        .update_ticket(update("7", "Done")?.note(UnifiedNote::new("t", "moved")))
        .await?;
    assert_eq!(real.id.as_deref(), Some("7"));
    assert_eq!(real.queue, Some(UnifiedEntity::by_name("Done")));
    assert_eq!(real.notes.len(), 1);
    assert_eq!(
        service.get_ticket_by_id("7").await?.and_then(|t| t.subject),
        Some("real".to_owned()),
        "reads reach the helpdesk, unchanged"
    );

    assert_eq!(
        recorder.writes.load(Ordering::SeqCst),
        0,
        "no write reached the helpdesk"
    );
    let totals = stats.totals();
    assert_eq!((totals.seen, totals.changed, totals.writes), (1, 0, 0));
    let changes = stats.changes();
    assert_eq!(
        changes.get("7").map(Vec::as_slice),
        Some(&["would update: queue=Done, note=moved".to_owned()][..]),
        "a held-back write is recorded as what would change"
    );
    assert_eq!(
        changes.get("dry-run-1").map(Vec::len),
        Some(3),
        "create, update and note of the placeholder"
    );
    Ok(())
}

#[test]
fn dry_run_lines_are_short_with_secrets_redacted_and_control_characters_escaped()
-> std::result::Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("secrets.yml");
    std::fs::write(&file, "TOKEN: hunter2-secret\n")?;
    let secrets = Secrets::from_file(&file)?;
    secrets.resolve("TOKEN", None)?;
    assert_eq!(secrets.value("TOKEN").as_deref(), Some("hunter2-secret"));
    let service = DryRun::new(Arc::new(Recorder::default()), secrets.redactor().clone());
    let request = UpdateRequest::new(
        "7".parse()?,
        UnifiedTicket::new()
            .subject("key hunter2-secret \u{1b}[31mred")
            .queue(UnifiedEntity::by_name("Support")),
    )
    .note(UnifiedNote::new("triage", "line one\nline two"))
    .native("StateType", "x".repeat(200));
    assert_eq!(
        service.update_line(&request),
        format!(
            "dry run: would update ticket 7: subject=key *** \\u{{1b}}[31mred, queue=Support, StateType={}… (200 chars), note=line one\\nline two",
            "x".repeat(80)
        )
    );
    let note = NoteRequest::new("7".parse()?, UnifiedNote::new("s", "b\u{7}"));
    assert_eq!(
        service.note_line(&note),
        "dry run: would add a note to ticket 7: subject=s, body=b\\u{7}"
    );
    let create = CreateRequest::new(
        UnifiedTicket::new()
            .subject("New")
            .queue(UnifiedEntity::by_id("5"))
            .custom_field("Team", serde_json::json!(["ops"])),
    );
    assert_eq!(
        service.create_line("dry-run-1", &create),
        "dry run: would create a ticket (dry-run-1): subject=New, queue=#5, custom_fields={\"Team\":[\"ops\"]}"
    );
    Ok(())
}
