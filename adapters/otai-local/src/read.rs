//! Reading tickets, notes and custom fields back into the unified model.

use otai_core::model::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use otai_core::model::{Timestamp, parse_timestamp};
use otai_core::{Result, UnifiedAttachment, UnifiedEntity, UnifiedNote, UnifiedTicket};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::db_error;

/// The columns `ticket_from_row` reads, in order.
pub(crate) const TICKET_COLUMNS: &str = "t.id, t.number, t.subject, t.body, t.queue, t.priority, t.state, t.type, t.owner, t.customer, t.created, t.updated";

/// Formats a timestamp so that text order is time order.
pub(crate) fn format_time(t: &Timestamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn entity(name: Option<String>) -> Option<UnifiedEntity> {
    name.filter(|n| !n.is_empty()).map(UnifiedEntity::by_name)
}

fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<UnifiedTicket> {
    let mut t = UnifiedTicket::new().id(row.get::<_, i64>(0)?.to_string());
    t.number = Some(row.get(1)?);
    t.subject = row.get(2)?;
    t.body = row.get(3)?;
    t.queue = entity(row.get(4)?);
    t.priority = entity(row.get(5)?);
    t.state = entity(row.get(6)?);
    t.ticket_type = entity(row.get(7)?);
    t.owner = entity(row.get(8)?);
    t.customer = entity(row.get(9)?);
    t.created = parse_timestamp(&row.get::<_, String>(10)?);
    t.updated = parse_timestamp(&row.get::<_, String>(11)?);
    Ok(t)
}

/// Loads the tickets whose IDs are given, with notes and custom fields, in the given order;
/// attachments without content.
pub(crate) fn load_tickets(conn: &Connection, ids: &[i64]) -> Result<Vec<UnifiedTicket>> {
    load_tickets_with(conn, ids, false)
}

/// [`load_tickets`], with the content of attachments when `content` is set (up to
/// [`MAX_ATTACHMENT_BYTES`] per ticket; later ones come without).
pub(crate) fn load_tickets_with(
    conn: &Connection,
    ids: &[i64],
    content: bool,
) -> Result<Vec<UnifiedTicket>> {
    let attachments = crate::schema::has_attachments(conn).map_err(db_error("read attachments"))?;
    let mut ticket_stmt = conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1"
        ))
        .map_err(db_error("read ticket"))?;
    let mut note_stmt = conn
        .prepare_cached(
            "SELECT id, subject, body, content_type, internal, author, created
             FROM notes WHERE ticket_id = ?1 ORDER BY id",
        )
        .map_err(db_error("read notes"))?;
    let mut field_stmt = conn
        .prepare_cached("SELECT name, value FROM custom_fields WHERE ticket_id = ?1 ORDER BY name")
        .map_err(db_error("read custom fields"))?;

    let mut tickets = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(mut ticket) = ticket_stmt
            .query_row(params![id], ticket_from_row)
            .optional()
            .map_err(db_error("read ticket"))?
        else {
            continue;
        };
        let notes = note_stmt
            .query_map(params![id], |row| {
                let mut note = UnifiedNote::default().id(row.get::<_, i64>(0)?.to_string());
                note.subject = row.get(1)?;
                note.body = Some(row.get(2)?);
                note.content_type = row.get(3)?;
                note.internal = row.get::<_, i64>(4)? != 0;
                note.author = row.get(5)?;
                note.created = parse_timestamp(&row.get::<_, String>(6)?);
                Ok(note)
            })
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(db_error("read notes"))?;
        ticket.notes = notes;
        if attachments {
            load_attachments(conn, &mut ticket.notes, content)?;
        }
        let fields = field_stmt
            .query_map(params![id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(db_error("read custom fields"))?;
        for (name, json) in fields {
            // Values are written by this crate as JSON; a hand-edited bad value stays visible as text.
            let value = serde_json::from_str(&json).unwrap_or(serde_json::Value::String(json));
            ticket.custom_fields.insert(name, value);
        }
        tickets.push(ticket);
    }
    Ok(tickets)
}

/// Reads the attachments of `notes` (at most [`MAX_ATTACHMENTS`] each), with their content
/// while the ticket's budget of [`MAX_ATTACHMENT_BYTES`] lasts when `content` is set.
fn load_attachments(conn: &Connection, notes: &mut [UnifiedNote], content: bool) -> Result<()> {
    let mut list = conn
        .prepare_cached(
            "SELECT id, name, content_type, size FROM attachments WHERE note_id = ?1 ORDER BY id LIMIT ?2",
        )
        .map_err(db_error("read attachments"))?;
    let mut bytes = conn
        .prepare_cached("SELECT content FROM attachments WHERE id = ?1")
        .map_err(db_error("read attachments"))?;
    let mut budget = MAX_ATTACHMENT_BYTES;
    for note in notes {
        let Some(note_id) = note.id.as_deref().and_then(|id| id.parse::<i64>().ok()) else {
            continue;
        };
        let rows = list
            .query_map(params![note_id, MAX_ATTACHMENTS as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    UnifiedAttachment::described(
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        u64::try_from(row.get::<_, i64>(3)?).unwrap_or_default(),
                    ),
                ))
            })
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(db_error("read attachments"))?;
        for (id, mut attachment) in rows {
            if content && attachment.size <= budget {
                let data: Vec<u8> = bytes
                    .query_row(params![id], |row| row.get(0))
                    .map_err(db_error("read attachment"))?;
                budget -= attachment.size;
                attachment.content = Some(data);
            }
            note.attachments.push(attachment);
        }
    }
    Ok(())
}

/// Loads one ticket; `None` when it does not exist.
pub(crate) fn load_ticket(conn: &Connection, id: i64) -> Result<Option<UnifiedTicket>> {
    Ok(load_tickets(conn, &[id])?.into_iter().next())
}

/// The ID of the ticket numbered `number` (numbers are unique: date plus ID).
pub(crate) fn ticket_id_by_number(conn: &Connection, number: &str) -> Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM tickets WHERE number = ?1 LIMIT 1")
        .and_then(|mut s| {
            let mut rows = s.query(params![number])?;
            rows.next()?.map(|row| row.get(0)).transpose()
        })
        .map_err(db_error("find ticket by number"))
}

/// Whether ticket `id` exists.
pub(crate) fn ticket_exists(conn: &Connection, id: i64) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM tickets WHERE id = ?1")
        .and_then(|mut s| s.exists(params![id]))
        .map_err(db_error("read ticket"))
}
