//! Creating and changing tickets.

use chrono::Utc;
use otai_core::model::Timestamp;
use otai_core::{Result, UnifiedEntity, UnifiedHistoryEntry, UnifiedNote, UnifiedTicket};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use otai_sqlite::{exec, query_one};

use crate::error::db_error;
use crate::history::record;
use crate::read::format_time;

fn label(entity: &Option<UnifiedEntity>) -> Option<String> {
    entity.as_ref().and_then(|e| e.label()).map(str::to_owned)
}

/// Inserts a ticket with its notes and custom fields; returns its ID.
///
/// `created`/`updated`/`number` are kept when given (seeding), else set now. Without notes, a
/// non-empty body becomes the first note, visible to the customer.
pub(crate) fn insert_ticket(tx: &Connection, ticket: &UnifiedTicket) -> Result<i64> {
    let now = Utc::now();
    let created = ticket.created.unwrap_or(now);
    let updated = ticket.updated.unwrap_or(created);
    let state = label(&ticket.state).unwrap_or_else(|| "new".to_owned());
    exec(
        tx,
        "INSERT INTO tickets (subject, body, queue, priority, state, type, owner, customer, created, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            ticket.subject,
            ticket.body,
            label(&ticket.queue),
            label(&ticket.priority),
            state,
            label(&ticket.ticket_type),
            label(&ticket.owner),
            label(&ticket.customer),
            format_time(&created),
            format_time(&updated),
        ],
    )
    .map_err(db_error("create ticket"))?;
    let id = tx.last_insert_rowid();
    let number = ticket
        .number
        .clone()
        .unwrap_or_else(|| format!("{}{id:06}", created.format("%Y%m%d")));
    exec(
        tx,
        "UPDATE tickets SET number = ?1 WHERE id = ?2",
        params![number, id],
    )
    .map_err(db_error("number ticket"))?;
    record(tx, id, created, &UnifiedHistoryEntry::new("create"))?;

    if ticket.notes.is_empty() {
        if let Some(body) = ticket.body.as_deref().filter(|b| !b.trim().is_empty()) {
            let mut first = UnifiedNote::new(ticket.subject.clone().unwrap_or_default(), body)
                .content_type("text/plain")
                .internal(false)
                .created(created);
            first.author = label(&ticket.customer);
            insert_note(tx, id, &first, created)?;
        }
    }
    for note in &ticket.notes {
        insert_note(tx, id, note, note.created.unwrap_or(created))?;
    }
    set_custom_fields(tx, id, &ticket.custom_fields)?;
    Ok(id)
}

/// Applies the fields set in `changes` and adds its notes (inside the caller's transaction);
/// `updated` moves only when something changed.
pub(crate) fn update_ticket(tx: &Connection, id: i64, changes: &UnifiedTicket) -> Result<()> {
    let columns = [
        ("subject", changes.subject.clone()),
        ("queue", label(&changes.queue)),
        ("priority", label(&changes.priority)),
        ("state", label(&changes.state)),
        ("type", label(&changes.ticket_type)),
        ("owner", label(&changes.owner)),
        ("customer", label(&changes.customer)),
    ];
    let now = Utc::now();
    let mut changed = false;
    for (column, value) in columns {
        if let Some(value) = value {
            let old = column_value(tx, id, column)?;
            let entry = UnifiedHistoryEntry::new("update").change(column, old, Some(value.clone()));
            record(tx, id, now, &entry)?;
            exec(
                tx,
                &format!("UPDATE tickets SET {column} = ?1 WHERE id = ?2"),
                params![value, id],
            )
            .map_err(db_error("update ticket"))?;
            changed = true;
        }
    }
    if !changes.custom_fields.is_empty() {
        for (name, value) in &changes.custom_fields {
            let old = custom_field_value(tx, id, name)?;
            let new = (!value.is_null()).then(|| value.to_string());
            let entry = UnifiedHistoryEntry::new("update").change(name, old, new);
            record(tx, id, now, &entry)?;
        }
        set_custom_fields(tx, id, &changes.custom_fields)?;
        changed = true;
    }
    for note in &changes.notes {
        insert_note(tx, id, note, now)?;
        changed = true;
    }
    if changed {
        touch(tx, id, now)?;
    }
    Ok(())
}

/// Adds a note and marks the ticket changed (inside the caller's transaction).
pub(crate) fn add_note(tx: &Connection, id: i64, note: &UnifiedNote) -> Result<()> {
    let now = Utc::now();
    insert_note(tx, id, note, now)?;
    touch(tx, id, now)
}

/// Starts a write transaction that holds the database's write lock from the start, so that
/// it never fails half-way because another connection wrote first.
pub(crate) fn begin<'c>(conn: &'c mut Connection, op: &str) -> Result<Transaction<'c>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error(op))
}

fn insert_note(tx: &Connection, ticket: i64, note: &UnifiedNote, created: Timestamp) -> Result<()> {
    exec(
        tx,
        "INSERT INTO notes (ticket_id, subject, body, content_type, internal, author, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            ticket,
            note.subject,
            note.body.as_deref().unwrap_or_default(),
            note.content_type.as_deref().unwrap_or("text/plain"),
            i64::from(note.internal),
            note.author,
            format_time(&created),
        ],
    )
    .map_err(db_error("add note"))?;
    let note_id = tx.last_insert_rowid();
    for attachment in &note.attachments {
        let content = attachment.content.as_deref().unwrap_or_default();
        exec(
            tx,
            "INSERT INTO attachments (note_id, name, content_type, size, content)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                note_id,
                attachment.name,
                attachment.content_type,
                i64::try_from(content.len()).unwrap_or(i64::MAX),
                content,
            ],
        )
        .map_err(db_error("add attachment"))?;
    }
    let mut entry = UnifiedHistoryEntry::new("note");
    entry.note = note.body.clone();
    entry.by = note.author.clone();
    record(tx, ticket, created, &entry)
}

/// The current text of column `column` of ticket `id` (one of the fixed column names).
fn column_value(tx: &Connection, id: i64, column: &str) -> Result<Option<String>> {
    query_one(
        tx,
        &format!("SELECT {column} FROM tickets WHERE id = ?1"),
        params![id],
        |row| row.get(0),
    )
    .map_err(db_error("read ticket"))
}

/// The current value (JSON text) of custom field `name` of ticket `id`, if set.
fn custom_field_value(tx: &Connection, id: i64, name: &str) -> Result<Option<String>> {
    query_one(
        tx,
        "SELECT value FROM custom_fields WHERE ticket_id = ?1 AND name = ?2",
        params![id, name],
        |row| row.get(0),
    )
    .optional()
    .map_err(db_error("read custom field"))
}

/// Sets custom fields; a `null` value removes the field.
fn set_custom_fields(
    tx: &Connection,
    ticket: i64,
    fields: &std::collections::BTreeMap<String, serde_json::Value>,
) -> Result<()> {
    for (name, value) in fields {
        if value.is_null() {
            exec(
                tx,
                "DELETE FROM custom_fields WHERE ticket_id = ?1 AND name = ?2",
                params![ticket, name],
            )
        } else {
            exec(
                tx,
                "INSERT INTO custom_fields (ticket_id, name, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (ticket_id, name) DO UPDATE SET value = excluded.value",
                params![ticket, name, value.to_string()],
            )
        }
        .map_err(db_error("set custom field"))?;
    }
    Ok(())
}

fn touch(tx: &Connection, id: i64, now: Timestamp) -> Result<()> {
    exec(
        tx,
        "UPDATE tickets SET updated = ?1 WHERE id = ?2",
        params![format_time(&now), id],
    )
    .map_err(db_error("update ticket"))?;
    Ok(())
}
