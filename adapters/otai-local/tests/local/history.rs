//! A ticket's history in the local store, and stores written before the history table.

use otai_core::request::GetRequest;
use otai_core::{Error, TicketSystemService, TicketSystemServiceExt, UnifiedTicket};
use otai_local::{LocalStore, OpenOptions};
use rusqlite::Connection;
use serde_json::json;

use crate::{TestResult, kw};

#[tokio::test]
async fn create_update_and_note_are_recorded_oldest_first() -> TestResult {
    let store = LocalStore::in_memory()?;
    let created = store
        .create_ticket_kw(kw(json!({"subject": "s", "queue": "Raw", "body": "first"})))
        .await?;
    let id = created.id.ok_or("no id")?;
    store
        .update_ticket_kw(kw(
            json!({"ticket_id": id, "queue": "Misc", "custom_fields": {"x": 1}}),
        ))
        .await?;
    store
        .add_note_kw(kw(json!({"ticket_id": id, "body": "called back"})))
        .await?;
    let history = store.ticket_history(GetRequest::new(id.parse()?)).await?;
    let kinds: Vec<&str> = history.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds, ["create", "note", "update", "update", "note"]);
    let moved = &history[2];
    assert_eq!(moved.field.as_deref(), Some("queue"));
    assert_eq!(moved.old.as_deref(), Some("Raw"));
    assert_eq!(moved.new.as_deref(), Some("Misc"));
    assert_eq!(history[3].field.as_deref(), Some("x"));
    assert_eq!(history[3].new.as_deref(), Some("1"));
    assert_eq!(history[4].note.as_deref(), Some("called back"));
    let missing = store.ticket_history(GetRequest::new("999".parse()?)).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_schema_1_store_reads_an_empty_history_and_is_upgraded_when_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("old.sqlite3");
    let id = LocalStore::open(&path)?
        .create_ticket(UnifiedTicket::new().subject("old").into())
        .await?
        .id
        .ok_or("no id")?;
    // What a store of schema 1 looks like: no history table.
    Connection::open(&path)?.execute_batch("DROP TABLE history; PRAGMA user_version = 1;")?;

    let read_only = LocalStore::open_with(&path, &OpenOptions::new().read_only(true))?;
    let history = read_only
        .ticket_history(GetRequest::new(id.parse()?))
        .await?;
    assert!(history.is_empty(), "{history:?}");
    drop(read_only);

    let store = LocalStore::open(&path)?;
    store
        .add_note_kw(kw(json!({"ticket_id": id, "body": "after the upgrade"})))
        .await?;
    let history = store.ticket_history(GetRequest::new(id.parse()?)).await?;
    assert_eq!(history.len(), 1, "{history:?}");
    let version: i32 =
        Connection::open(&path)?.pragma_query_value(None, "user_version", |r| r.get(0))?;
    assert_eq!(version, 3);
    Ok(())
}
