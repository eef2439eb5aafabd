//! The TicketSystemService implementation.

use async_trait::async_trait;
use otai_core::kwargs::{self, Kwargs};
use otai_core::{Error, Result, TicketSearchCriteria, TicketSystemService, UnifiedTicket};

use crate::LocalStore;
use crate::read::{load_ticket, load_tickets, ticket_exists};
use crate::{search, write};

#[async_trait]
impl TicketSystemService for LocalStore {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn find_tickets(&self, kwargs: Kwargs) -> Result<Vec<UnifiedTicket>> {
        let parsed = kwargs::parse_search(kwargs)?;
        reject_native(&parsed.native, TicketSearchCriteria::KEYS)?;
        let criteria = parsed.unified;
        self.run(move |conn| {
            let ids = search::find_ids(conn, &criteria)?;
            load_tickets(conn, &ids)
        })
        .await
    }

    async fn get_ticket(&self, kwargs: Kwargs) -> Result<Option<UnifiedTicket>> {
        let parsed = kwargs::parse_get(kwargs)?;
        reject_native(&parsed.native, &["ticket_id"])?;
        let Some(id) = parse_id(parsed.ticket_id.as_deref())? else {
            return Ok(None);
        };
        self.run(move |conn| load_ticket(conn, id)).await
    }

    async fn create_ticket(&self, kwargs: Kwargs) -> Result<UnifiedTicket> {
        let parsed = kwargs::parse_create(kwargs)?;
        reject_native(&parsed.native, kwargs::TICKET_KEYS)?;
        let ticket = parsed.unified;
        self.run(move |conn| {
            let tx = conn
                .transaction()
                .map_err(crate::store::db_error("begin create"))?;
            let id = write::insert_ticket(&tx, &ticket)?;
            tx.commit()
                .map_err(crate::store::db_error("commit create"))?;
            load_ticket(conn, id)?.ok_or_else(|| Error::ticket_not_found(id))
        })
        .await
    }

    async fn update_ticket(&self, kwargs: Kwargs) -> Result<UnifiedTicket> {
        let parsed = kwargs::parse_update(kwargs)?;
        reject_native(&parsed.native, &with_id(kwargs::TICKET_KEYS))?;
        let raw_id = parsed.ticket_id.unwrap_or_default();
        let id = parse_id(Some(&raw_id))?.ok_or_else(|| Error::ticket_not_found(&raw_id))?;
        let (changes, reread) = (parsed.unified, parsed.reread);
        self.run(move |conn| {
            if !ticket_exists(conn, id)? {
                return Err(Error::ticket_not_found(id));
            }
            write::update_ticket(conn, id, &changes)?;
            if reread {
                load_ticket(conn, id)?.ok_or_else(|| Error::ticket_not_found(id))
            } else {
                Ok(changes.id(id.to_string()))
            }
        })
        .await
    }

    async fn add_note(&self, kwargs: Kwargs) -> Result<UnifiedTicket> {
        let parsed = kwargs::parse_note(kwargs)?;
        reject_native(&parsed.native, &with_id(kwargs::NOTE_KEYS))?;
        let raw_id = parsed.ticket_id.unwrap_or_default();
        let id = parse_id(Some(&raw_id))?.ok_or_else(|| Error::ticket_not_found(&raw_id))?;
        let (note, reread) = (parsed.unified, parsed.reread);
        self.run(move |conn| {
            if !ticket_exists(conn, id)? {
                return Err(Error::ticket_not_found(id));
            }
            write::add_note(conn, id, &note)?;
            if reread {
                load_ticket(conn, id)?.ok_or_else(|| Error::ticket_not_found(id))
            } else {
                Ok(UnifiedTicket::new().id(id.to_string()).note(note))
            }
        })
        .await
    }
}

/// Local ticket IDs are positive integers; any other text names no ticket.
fn parse_id(id: Option<&str>) -> Result<Option<i64>> {
    Ok(id.and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0))
}

fn with_id(keys: &[&'static str]) -> Vec<&'static str> {
    let mut all = vec!["ticket_id", "reread"];
    all.extend_from_slice(keys);
    all
}

/// The local store has no native API: any key that is not unified is a mistake.
fn reject_native(native: &Kwargs, valid: &[&str]) -> Result<()> {
    match native.keys().next() {
        None => Ok(()),
        Some(key) => Err(Error::invalid_input(
            key.clone(),
            format!(
                "unknown argument; the local store accepts: {}",
                valid.join(", ")
            ),
        )),
    }
}
