//! The TicketSystemService implementation.

use async_trait::async_trait;
use otai_core::request::{CreateRequest, GetRequest, NoteRequest, SearchRequest, UpdateRequest};
use otai_core::{
    Error, Kwargs, Result, TicketId, TicketSystemService, UnifiedHistoryEntry, UnifiedTicket,
};

use crate::LocalStore;
use crate::read::{load_ticket, load_tickets, load_tickets_with, ticket_exists};
use crate::store::Access;
use crate::{search, write};

#[async_trait]
impl TicketSystemService for LocalStore {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        no_native(&request.native)?;
        let criteria = request.criteria;
        self.run(Access::Read, move |conn| {
            let ids = search::find_ids(conn, &criteria)?;
            load_tickets(conn, &ids)
        })
        .await
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        no_native(&request.native)?;
        let Some(id) = local_id(&request.ticket_id) else {
            return Ok(None);
        };
        let content = request.attachment_content;
        self.run(Access::Read, move |conn| {
            Ok(load_tickets_with(conn, &[id], content)?.into_iter().next())
        })
        .await
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        no_native(&request.native)?;
        let ticket = request.ticket;
        self.write(move |tx| {
            let id = write::insert_ticket(tx, &ticket)?;
            load_ticket(tx, id)?.ok_or_else(|| Error::ticket_not_found(id))
        })
        .await
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        no_native(&request.native)?;
        let id = local_id(&request.ticket_id)
            .ok_or_else(|| Error::ticket_not_found(&request.ticket_id))?;
        let mut changes = request.changes;
        changes.notes.extend(request.note);
        let reread = request.reread;
        self.write(move |conn| {
            if !ticket_exists(conn, id)? {
                return Err(Error::ticket_not_found(id));
            }
            write::update_ticket(conn, id, &changes)?;
            if reread {
                load_ticket(conn, id)?.ok_or_else(|| Error::ticket_not_found(id))
            } else {
                changes.notes = changes
                    .notes
                    .into_iter()
                    .map(otai_core::UnifiedNote::without_attachment_content)
                    .collect();
                Ok(changes.id(id.to_string()))
            }
        })
        .await
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        no_native(&request.native)?;
        let id = local_id(&request.ticket_id)
            .ok_or_else(|| Error::ticket_not_found(&request.ticket_id))?;
        let (note, reread) = (request.note, request.reread);
        self.write(move |conn| {
            if !ticket_exists(conn, id)? {
                return Err(Error::ticket_not_found(id));
            }
            write::add_note(conn, id, &note)?;
            if reread {
                load_ticket(conn, id)?.ok_or_else(|| Error::ticket_not_found(id))
            } else {
                Ok(UnifiedTicket::new()
                    .id(id.to_string())
                    .note(note.without_attachment_content()))
            }
        })
        .await
    }

    /// The `history` table, oldest first; a store of schema 1 opened read-only has none.
    async fn ticket_history(&self, request: GetRequest) -> Result<Vec<UnifiedHistoryEntry>> {
        no_native(&request.native)?;
        let id = local_id(&request.ticket_id)
            .ok_or_else(|| Error::ticket_not_found(&request.ticket_id))?;
        self.run(Access::Read, move |conn| {
            if !ticket_exists(conn, id)? {
                return Err(Error::ticket_not_found(id));
            }
            crate::history::load(conn, id)
        })
        .await
    }

    /// The `number` column (every ticket has one).
    async fn ticket_id_by_number(&self, number: &str) -> Result<Option<TicketId>> {
        let number = number.to_owned();
        let id = self
            .run(Access::Read, move |conn| {
                crate::read::ticket_id_by_number(conn, &number)
            })
            .await?;
        Ok(id.and_then(|id| u64::try_from(id).ok()).map(TicketId::from))
    }

    /// Checks that the store file can be opened (not damaged, not another application's),
    /// without creating, changing or locking anything.
    async fn healthcheck(&self) -> Result<()> {
        let store = self.clone();
        crate::store::off_executor(move || store.check()).await
    }
}

/// Local ticket IDs are positive integers; any other ID names no ticket.
fn local_id(id: &TicketId) -> Option<i64> {
    id.as_str().parse::<i64>().ok().filter(|n| *n > 0)
}

/// The local store has no native API: native arguments (only reachable through `native:` or
/// the typed API, as it declares no native keys) cannot be honoured.
fn no_native(native: &Kwargs) -> Result<()> {
    match native.keys().next() {
        None => Ok(()),
        Some(key) => Err(Error::invalid_input(
            format!("native.{key}"),
            "the local store has no native API: use the unified keys only",
        )),
    }
}
