//! [`Counted`]: the run's figures, counted where the calls pass.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{Result, TicketSystemService, UnifiedTicket};

/// Counters of one run, shared by every [`Counted`] service of it.
#[derive(Debug, Default)]
pub struct RunStats {
    seen: AtomicUsize,
    writes: AtomicUsize,
    changed: Mutex<HashSet<(String, String)>>,
}

/// The figures of a run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunTotals {
    /// Tickets returned by searches and reads.
    pub seen: usize,
    /// Distinct tickets changed (created, updated or noted).
    pub changed: usize,
    /// Writes that succeeded.
    pub writes: usize,
}

impl RunStats {
    /// The figures so far.
    pub fn totals(&self) -> RunTotals {
        RunTotals {
            seen: self.seen.load(Ordering::Relaxed),
            changed: self.changed.lock().map(|s| s.len()).unwrap_or_default(),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    fn saw(&self, n: usize) {
        self.seen.fetch_add(n, Ordering::Relaxed);
    }

    fn wrote(&self, service: &str, ticket: Option<&str>) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        if let (Some(id), Ok(mut changed)) = (ticket, self.changed.lock()) {
            changed.insert((service.to_owned(), id.to_owned()));
        }
    }
}

/// A service whose calls are counted into [`RunStats`]: tickets seen (returned by searches and
/// reads), writes that succeeded, and the distinct tickets they changed (per service `name`).
pub struct Counted<S: ?Sized> {
    inner: Arc<S>,
    name: String,
    stats: Arc<RunStats>,
}

impl<S: ?Sized> Counted<S> {
    /// Counts the calls to `inner`, known in the config as `name`, into `stats`.
    pub fn new(inner: Arc<S>, name: impl Into<String>, stats: Arc<RunStats>) -> Self {
        Self {
            inner,
            name: name.into(),
            stats,
        }
    }
}

impl<S: ?Sized> std::fmt::Debug for Counted<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counted")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<S: TicketSystemService + ?Sized> TicketSystemService for Counted<S> {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn native_keys(&self) -> &'static NativeKeys {
        self.inner.native_keys()
    }

    async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        let tickets = self.inner.find_tickets(request).await?;
        self.stats.saw(tickets.len());
        Ok(tickets)
    }

    async fn find_first_ticket(&self, request: SearchRequest) -> Result<Option<UnifiedTicket>> {
        let ticket = self.inner.find_first_ticket(request).await?;
        self.stats.saw(usize::from(ticket.is_some()));
        Ok(ticket)
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        let ticket = self.inner.get_ticket(request).await?;
        self.stats.saw(usize::from(ticket.is_some()));
        Ok(ticket)
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        let ticket = self.inner.create_ticket(request).await?;
        self.stats.wrote(&self.name, ticket.id.as_deref());
        Ok(ticket)
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id.clone();
        let ticket = self.inner.update_ticket(request).await?;
        self.stats.wrote(&self.name, Some(id.as_str()));
        Ok(ticket)
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id.clone();
        let ticket = self.inner.add_note(request).await?;
        self.stats.wrote(&self.name, Some(id.as_str()));
        Ok(ticket)
    }

    async fn ticket_id_by_number(&self, number: &str) -> Result<Option<otai_core::TicketId>> {
        self.inner.ticket_id_by_number(number).await
    }

    async fn healthcheck(&self) -> Result<()> {
        self.inner.healthcheck().await
    }
}
