//! Attachments on notes in the local store, and stores written before the attachments table.

use otai_core::request::GetRequest;
use otai_core::{TicketSystemService, TicketSystemServiceExt, UnifiedTicket};
use otai_local::{LocalStore, OpenOptions};
use rusqlite::Connection;
use serde_json::json;

use crate::{TestResult, kw};

#[tokio::test]
async fn attachments_are_stored_with_their_note_and_read_with_content_on_request() -> TestResult {
    let store = LocalStore::in_memory()?;
    let id = store
        .create_ticket_kw(kw(json!({"subject": "s", "body": "first"})))
        .await?
        .id
        .ok_or("no id")?;
    let noted = store
        .add_note_kw(kw(
            json!({"ticket_id": id, "body": "see log", "attachments": [
                {"name": "log.txt", "content_type": "text/plain", "content": "aGVsbG8="},
                {"name": "img.png", "content_type": "image/png", "content": "iVBORw=="}
            ]}),
        ))
        .await?;
    let note = noted.notes.last().ok_or("no note")?;
    let listed: Vec<(&str, &str, u64, bool)> = note
        .attachments
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.content_type.as_str(),
                a.size,
                a.content.is_some(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("log.txt", "text/plain", 5, false),
            ("img.png", "image/png", 4, false)
        ]
    );
    // The first note (the body) has none.
    assert!(noted.notes[0].attachments.is_empty());

    let full = store
        .get_ticket(GetRequest::new(id.parse()?).attachment_content(true))
        .await?
        .ok_or("gone")?;
    let note = full.notes.last().ok_or("no note")?;
    assert_eq!(note.attachments[0].content.as_deref(), Some(&b"hello"[..]));
    assert_eq!(
        note.attachments[1].content.as_deref(),
        Some(&[0x89, b'P', b'N', b'G'][..])
    );
    Ok(())
}

#[tokio::test]
async fn a_schema_2_store_reads_without_attachments_and_is_upgraded_when_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("old.sqlite3");
    let id = LocalStore::open(&path)?
        .create_ticket(UnifiedTicket::new().subject("old").body("b").into())
        .await?
        .id
        .ok_or("no id")?;
    Connection::open(&path)?.execute_batch("DROP TABLE attachments; PRAGMA user_version = 2;")?;

    let read_only = LocalStore::open_with(&path, &OpenOptions::new().read_only(true))?;
    let ticket = read_only
        .get_ticket(GetRequest::new(id.parse()?).attachment_content(true))
        .await?
        .ok_or("gone")?;
    assert!(ticket.notes.iter().all(|n| n.attachments.is_empty()));
    drop(read_only);

    let store = LocalStore::open(&path)?;
    let ticket = store
        .add_note_kw(kw(json!({"ticket_id": id, "body": "b", "attachments": [
            {"name": "a.bin", "content": "AA=="}]})))
        .await?;
    assert_eq!(ticket.notes.last().map(|n| n.attachments.len()), Some(1));
    let version: i32 =
        Connection::open(&path)?.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, 3);
    Ok(())
}

#[tokio::test]
async fn an_invalid_attachment_writes_nothing() -> TestResult {
    let store = LocalStore::in_memory()?;
    let id = store
        .create_ticket_kw(kw(json!({"subject": "s", "body": "first"})))
        .await?
        .id
        .ok_or("no id")?;
    let err = store
        .add_note_kw(kw(json!({"ticket_id": id, "body": "b", "attachments": [
            {"name": "a/b", "content": "AA=="}]})))
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid input `attachments[0].name`: the name must be a file name, without `/` or `\\`"
        )
    );
    let ticket = store
        .get_ticket(GetRequest::new(id.parse()?))
        .await?
        .ok_or("gone")?;
    assert_eq!(ticket.notes.len(), 1);
    Ok(())
}
