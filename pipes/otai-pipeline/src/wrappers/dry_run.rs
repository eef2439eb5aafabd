//! [`DryRun`]: no write reaches the helpdesk, whatever a pipe does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use otai_core::output::Redactor;
use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{Result, TicketSystemService, UnifiedNote, UnifiedTicket};

use super::counted::RunStats;
use super::describe::{self, MAX_SHOWN};

/// A service that reads from `inner` and never writes to it. Each write is logged at INFO
/// (`dry run: would update ticket 7: queue=Support, note=…`, secrets redacted, control characters
/// escaped) and answered with a placeholder ticket, so the pipes after it still run: a created
/// ticket gets an id `dry-run-1`, `dry-run-2`, … and the given fields; an update or a note gives
/// the ticket id with the change. Tickets created in the dry run can be read back and changed.
pub struct DryRun<S: ?Sized> {
    inner: Arc<S>,
    redactor: Redactor,
    created: AtomicUsize,
    placeholders: Mutex<HashMap<String, UnifiedTicket>>,
    /// Where each held-back write is recorded (as what the run would have changed).
    record: Option<Arc<RunStats>>,
}

impl<S: ?Sized> DryRun<S> {
    /// Holds back the writes to `inner`; what is logged is shown through `redactor`.
    pub fn new(inner: Arc<S>, redactor: Redactor) -> Self {
        Self {
            inner,
            redactor,
            created: AtomicUsize::new(0),
            placeholders: Mutex::default(),
            record: None,
        }
    }

    /// Also records each held-back write into `stats`, as the change its ticket would have
    /// had (`would update: queue=Support`).
    pub fn recording(mut self, stats: Arc<RunStats>) -> Self {
        self.record = Some(stats);
        self
    }

    /// Records a held-back write to ticket `id`.
    fn held(&self, id: &str, what: &str, fields: &[String]) {
        if let Some(stats) = &self.record {
            stats.held(id, &format!("would {what}: {}", fields.join(", ")));
        }
    }

    /// A value as shown in a log line: secrets redacted, control characters escaped, shortened.
    fn shown(&self, text: &str) -> String {
        otai_core::error::shorten(&self.redactor.shown(text), MAX_SHOWN)
    }

    /// The line logged for a create that gets placeholder `id`.
    pub(super) fn create_line(&self, id: &str, request: &CreateRequest) -> String {
        let fields = describe::create(request, &|t| self.shown(t));
        format!(
            "dry run: would create a ticket ({id}): {}",
            fields.join(", ")
        )
    }

    /// The line logged for an update.
    pub(super) fn update_line(&self, request: &UpdateRequest) -> String {
        let fields = describe::update(request, &|t| self.shown(t));
        let id = &request.ticket_id;
        format!("dry run: would update ticket {id}: {}", fields.join(", "))
    }

    /// The line logged for a note.
    pub(super) fn note_line(&self, request: &NoteRequest) -> String {
        let fields = describe::note(request, &|t| self.shown(t));
        let id = &request.ticket_id;
        format!(
            "dry run: would add a note to ticket {id}: {}",
            fields.join(", ")
        )
    }

    /// The placeholder ticket `id` after `change`, when it was created in this dry run.
    fn change_placeholder(
        &self,
        id: &str,
        change: impl FnOnce(&mut UnifiedTicket),
    ) -> Option<UnifiedTicket> {
        let mut placeholders = self.placeholders.lock().ok()?;
        let ticket = placeholders.get_mut(id)?;
        change(ticket);
        Some(ticket.clone())
    }
}

/// Sets on `ticket` every field `changes` sets, and adds `note`.
fn apply(ticket: &mut UnifiedTicket, changes: &UnifiedTicket, note: Option<&UnifiedNote>) {
    fn set<T: Clone>(field: &mut Option<T>, new: &Option<T>) {
        if new.is_some() {
            field.clone_from(new);
        }
    }
    set(&mut ticket.subject, &changes.subject);
    let entities = [
        (&mut ticket.queue, &changes.queue),
        (&mut ticket.priority, &changes.priority),
        (&mut ticket.state, &changes.state),
        (&mut ticket.ticket_type, &changes.ticket_type),
        (&mut ticket.owner, &changes.owner),
        (&mut ticket.customer, &changes.customer),
    ];
    for (field, new) in entities {
        set(field, new);
    }
    ticket.custom_fields.extend(changes.custom_fields.clone());
    ticket.notes.extend(note.cloned());
}

impl<S: ?Sized> std::fmt::Debug for DryRun<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DryRun").finish_non_exhaustive()
    }
}

#[async_trait]
impl<S: TicketSystemService + ?Sized> TicketSystemService for DryRun<S> {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn native_keys(&self) -> &'static NativeKeys {
        self.inner.native_keys()
    }

    async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        self.inner.find_tickets(request).await
    }

    fn stream_tickets(
        self: Arc<Self>,
        request: SearchRequest,
    ) -> futures::future::BoxFuture<'static, Result<otai_core::TicketStream>> {
        Arc::clone(&self.inner).stream_tickets(request)
    }

    async fn find_first_ticket(&self, request: SearchRequest) -> Result<Option<UnifiedTicket>> {
        self.inner.find_first_ticket(request).await
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        if let Some(ticket) = self.change_placeholder(request.ticket_id.as_str(), |_| {}) {
            return Ok(Some(ticket));
        }
        self.inner.get_ticket(request).await
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        let n = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("dry-run-{n}");
        tracing::info!(service = self.kind(), "{}", self.create_line(&id, &request));
        self.held(
            &id,
            "create",
            &describe::create(&request, &describe::shortened),
        );
        let mut ticket = request.ticket;
        ticket.id = Some(id.clone());
        if let Ok(mut placeholders) = self.placeholders.lock() {
            placeholders.insert(id, ticket.clone());
        }
        Ok(ticket)
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        tracing::info!(service = self.kind(), "{}", self.update_line(&request));
        let fields = describe::update(&request, &describe::shortened);
        self.held(request.ticket_id.as_str(), "update", &fields);
        let id = request.ticket_id.as_str();
        let changed =
            self.change_placeholder(id, |t| apply(t, &request.changes, request.note.as_ref()));
        Ok(changed.unwrap_or_else(|| {
            let mut ticket = UnifiedTicket::new().id(id);
            apply(&mut ticket, &request.changes, request.note.as_ref());
            ticket
        }))
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        tracing::info!(service = self.kind(), "{}", self.note_line(&request));
        let fields = describe::note(&request, &describe::shortened);
        self.held(request.ticket_id.as_str(), "add a note", &fields);
        let id = request.ticket_id.as_str();
        let note = &request.note;
        let changed = self.change_placeholder(id, |t| t.notes.push(note.clone()));
        Ok(changed.unwrap_or_else(|| UnifiedTicket::new().id(id).note(note.clone())))
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
