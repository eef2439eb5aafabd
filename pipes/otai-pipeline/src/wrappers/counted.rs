//! [`Counted`]: the run's figures, counted where the calls pass.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::StreamExt;
use futures::future::BoxFuture;
use roaring::RoaringTreemap;

use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{Result, TicketStream, TicketSystemService, UnifiedTicket};

use super::describe;

/// Counters of one run, shared by every [`Counted`] service of it.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Distinct tickets returned, by service.
    seen: Mutex<BTreeMap<String, IdSet>>,
    /// Tickets returned without an id (each counted).
    seen_without_id: AtomicUsize,
    writes: AtomicUsize,
    /// Distinct tickets changed, by service.
    changed: Mutex<BTreeMap<String, IdSet>>,
    /// What each write did (or, in a dry run, would have done), by ticket id, in order.
    changes: Mutex<BTreeMap<String, Vec<String>>>,
    /// Whether nobody reads [`RunStats::changes`]: then they are neither described nor kept.
    no_changes: bool,
}

/// Distinct ticket ids: numbers (what every adapter's ids are) in a compressed bitmap (a few
/// bytes per id, less for runs of ids), others as text.
#[derive(Debug, Default)]
struct IdSet {
    numbers: RoaringTreemap,
    texts: HashSet<String>,
}

impl IdSet {
    fn insert(&mut self, id: &str) {
        match id.parse::<u64>() {
            // `007` and `7` are different ids: only the canonical form is stored as a number.
            Ok(number) if canonical(id) => {
                self.numbers.insert(number);
            }
            _ => {
                if !self.texts.contains(id) {
                    self.texts.insert(id.to_owned());
                }
            }
        }
    }

    fn len(&self) -> usize {
        usize::try_from(self.numbers.len()).unwrap_or(usize::MAX) + self.texts.len()
    }
}

/// Whether `id`, a whole number, is written as numbers print (`7`, not `007` or `+7`).
fn canonical(id: &str) -> bool {
    id.bytes().all(|b| b.is_ascii_digit()) && (id.len() == 1 || !id.starts_with('0'))
}

/// Adds `id` of `service` to `sets`.
fn insert(sets: &Mutex<BTreeMap<String, IdSet>>, service: &str, id: &str) {
    if let Ok(mut sets) = sets.lock() {
        match sets.get_mut(service) {
            Some(set) => set.insert(id),
            None => sets.entry(service.to_owned()).or_default().insert(id),
        }
    }
}

/// How many ids `sets` hold.
fn count(sets: &Mutex<BTreeMap<String, IdSet>>) -> usize {
    sets.lock()
        .map(|s| s.values().map(IdSet::len).sum())
        .unwrap_or_default()
}

/// The figures of a run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunTotals {
    /// Distinct tickets returned by searches and reads.
    pub seen: usize,
    /// Distinct tickets changed (created, updated or noted).
    pub changed: usize,
    /// Writes that succeeded.
    pub writes: usize,
}

impl RunStats {
    /// Counters that neither describe nor keep what each write did ([`RunStats::changes`]
    /// stays empty): for runs whose caller does not show it.
    pub fn without_changes() -> Self {
        Self {
            no_changes: true,
            ..Self::default()
        }
    }

    /// The figures so far.
    pub fn totals(&self) -> RunTotals {
        RunTotals {
            seen: count(&self.seen) + self.seen_without_id.load(Ordering::Relaxed),
            changed: count(&self.changed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// What the writes did, ticket by ticket (`updated: queue=Support, note=…`), in ticket id
    /// order; in a dry run, what they would have done (`would update: …`).
    pub fn changes(&self) -> BTreeMap<String, Vec<String>> {
        self.changes.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub(crate) fn saw<'a>(&self, service: &str, tickets: impl Iterator<Item = &'a UnifiedTicket>) {
        for ticket in tickets {
            match &ticket.id {
                Some(id) => insert(&self.seen, service, id),
                None => {
                    self.seen_without_id.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Whether what each write did is kept (else nobody needs it described).
    fn keeps_changes(&self) -> bool {
        !self.no_changes
    }

    /// Counts a write to `ticket` and notes what it did (`None` when not kept).
    fn wrote(&self, service: &str, ticket: Option<&str>, what: Option<String>) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        if let Some(id) = ticket {
            insert(&self.changed, service, id);
            if let Some(what) = what {
                self.note_change(id, what);
            }
        }
    }

    /// Records a write [`DryRun`](crate::DryRun) held back: a change, not counted as one.
    pub(crate) fn held(&self, ticket: &str, what: &str) {
        self.note_change(ticket, what.to_owned());
    }

    fn note_change(&self, ticket: &str, what: String) {
        if self.no_changes {
            return;
        }
        if let Ok(mut changes) = self.changes.lock() {
            changes.entry(ticket.to_owned()).or_default().push(what);
        }
    }
}

/// A service whose calls are counted into [`RunStats`]: distinct tickets seen (returned by
/// searches and reads), writes that succeeded, the distinct tickets they changed (per service
/// `name`) and what each write did.
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
        self.stats.saw(&self.name, tickets.iter());
        Ok(tickets)
    }

    fn stream_tickets(
        self: Arc<Self>,
        request: SearchRequest,
    ) -> BoxFuture<'static, Result<TicketStream>> {
        Box::pin(async move {
            let stream = Arc::clone(&self.inner).stream_tickets(request).await?;
            let counted = stream.tickets.inspect(move |ticket| {
                if let Ok(ticket) = ticket {
                    self.stats.saw(&self.name, std::iter::once(ticket));
                }
            });
            Ok(TicketStream::new(stream.total, Box::pin(counted)))
        })
    }

    async fn find_first_ticket(&self, request: SearchRequest) -> Result<Option<UnifiedTicket>> {
        let ticket = self.inner.find_first_ticket(request).await?;
        self.stats.saw(&self.name, ticket.iter());
        Ok(ticket)
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        let ticket = self.inner.get_ticket(request).await?;
        self.stats.saw(&self.name, ticket.iter());
        Ok(ticket)
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        let what = self.stats.keeps_changes().then(|| {
            format!(
                "created: {}",
                describe::create(&request, &describe::shortened).join(", ")
            )
        });
        let ticket = self.inner.create_ticket(request).await?;
        self.stats.wrote(&self.name, ticket.id.as_deref(), what);
        Ok(ticket)
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id.clone();
        let what = self.stats.keeps_changes().then(|| {
            format!(
                "updated: {}",
                describe::update(&request, &describe::shortened).join(", ")
            )
        });
        let ticket = self.inner.update_ticket(request).await?;
        self.stats.wrote(&self.name, Some(id.as_str()), what);
        Ok(ticket)
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id.clone();
        let what = self.stats.keeps_changes().then(|| {
            format!(
                "added a note: {}",
                describe::note(&request, &describe::shortened).join(", ")
            )
        });
        let ticket = self.inner.add_note(request).await?;
        self.stats.wrote(&self.name, Some(id.as_str()), what);
        Ok(ticket)
    }

    async fn ticket_id_by_number(&self, number: &str) -> Result<Option<otai_core::TicketId>> {
        self.inner.ticket_id_by_number(number).await
    }

    async fn ticket_history(
        &self,
        request: otai_core::GetRequest,
    ) -> Result<Vec<otai_core::UnifiedHistoryEntry>> {
        self.inner.ticket_history(request).await
    }

    async fn healthcheck(&self) -> Result<()> {
        self.inner.healthcheck().await
    }
}
