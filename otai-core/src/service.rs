//! The contract every helpdesk adapter implements.

use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::kwargs::Kwargs;
use crate::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, TicketId, UpdateRequest,
};
use crate::{Result, UnifiedHistoryEntry, UnifiedTicket};

/// A helpdesk, seen through the unified model.
///
/// Every method takes a typed request ([`crate::request`]) and returns unified models. Callers
/// holding keyword arguments (YAML, the command line) use [`TicketSystemServiceExt`]'s `*_kw`
/// methods, which parse them once against the adapter's [`native_keys`](Self::native_keys).
///
/// # Contract
/// - `find_tickets` returns matches in the helpdesk's order, honouring `limit` and `offset`.
/// - `find_first_ticket` returns the first match or `None`.
/// - `get_ticket` returns `Ok(None)` when the ticket does not exist (or, where the helpdesk cannot
///   tell the two apart, when the caller may not see it). It never returns [`Error::NotFound`].
/// - `create_ticket` returns the new ticket as the helpdesk stored it.
/// - `update_ticket` and `add_note` fail with [`Error::NotFound`] for a missing ticket. They return
///   the ticket as it stands after the change: re-read from the helpdesk, unless the request says
///   `reread: false`, in which case the adapter returns what it knows without another request
///   (at least `id`, plus the fields it changed).
/// - Bad arguments fail with [`Error::InvalidInput`] naming the key.
///
/// The trait is object safe: hold services as `Arc<dyn TicketSystemService>`.
///
/// [`Error::NotFound`]: crate::Error::NotFound
/// [`Error::InvalidInput`]: crate::Error::InvalidInput
///
/// # Example: a minimal adapter
/// ```
/// use std::sync::Mutex;
/// use async_trait::async_trait;
/// use otai_core::request::{CreateRequest, GetRequest, NoteRequest, SearchRequest, UpdateRequest};
/// use otai_core::{Error, Result, TicketSystemService, TicketSystemServiceExt, UnifiedTicket};
///
/// #[derive(Default)]
/// struct VecStore(Mutex<Vec<UnifiedTicket>>);
///
/// #[async_trait]
/// impl TicketSystemService for VecStore {
///     fn kind(&self) -> &'static str { "vec" }
///     async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
///         let all = self.0.lock().map_err(|_| Error::unsupported("vec", "poisoned"))?;
///         let limit = request.criteria.limit.unwrap_or(usize::MAX);
///         Ok(all.iter().take(limit).cloned().collect())
///     }
///     async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
///         let all = self.0.lock().map_err(|_| Error::unsupported("vec", "poisoned"))?;
///         Ok(all.iter().find(|t| t.id.as_deref() == Some(request.ticket_id.as_str())).cloned())
///     }
///     async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
///         let mut all = self.0.lock().map_err(|_| Error::unsupported("vec", "poisoned"))?;
///         let ticket = request.ticket.id((all.len() + 1).to_string());
///         all.push(ticket.clone());
///         Ok(ticket)
///     }
///     async fn update_ticket(&self, _request: UpdateRequest) -> Result<UnifiedTicket> {
///         Err(Error::unsupported("vec", "update_ticket"))
///     }
///     async fn add_note(&self, _request: NoteRequest) -> Result<UnifiedTicket> {
///         Err(Error::unsupported("vec", "add_note"))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = VecStore::default();
/// let created = store.create_ticket(UnifiedTicket::new().subject("Printer on fire").into()).await?;
/// let found = store.get_ticket_by_id("1").await?;
/// assert_eq!(found, Some(created));
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait TicketSystemService: Send + Sync + 'static {
    /// A short name of the adapter (`local`, `otobo-znuny`, `rt`), for messages and logs.
    fn kind(&self) -> &'static str;

    /// The native keys this adapter accepts besides the unified ones, per operation. The
    /// default: none.
    fn native_keys(&self) -> &'static NativeKeys {
        &NativeKeys::NONE
    }

    /// Tickets matching the request.
    async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>>;

    /// [`find_tickets`](Self::find_tickets), the tickets handed over as they arrive: a caller
    /// that works on each and lets it go holds only the tickets in flight, however many match.
    /// The same tickets in the same order; an error ends the stream. The default makes one
    /// `find_tickets` call and hands over its tickets; adapters that read in pages stream them.
    fn stream_tickets(
        self: Arc<Self>,
        request: SearchRequest,
    ) -> BoxFuture<'static, Result<TicketStream>> {
        Box::pin(async move {
            let tickets = self.find_tickets(request).await?;
            Ok(TicketStream::from_vec(tickets))
        })
    }

    /// The first ticket matching the request, if any.
    ///
    /// The default asks `find_tickets` for one ticket.
    async fn find_first_ticket(&self, mut request: SearchRequest) -> Result<Option<UnifiedTicket>> {
        request.criteria.limit = Some(1);
        Ok(self.find_tickets(request).await?.into_iter().next())
    }

    /// One ticket with its notes and custom fields; `None` when it does not exist.
    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>>;

    /// Creates a ticket (its `body` becomes the first note) and returns it.
    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket>;

    /// Changes the fields set in the request (and adds its note) and returns the ticket after
    /// the change.
    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket>;

    /// Adds a note (internal unless `internal: false`) and returns the ticket after the change.
    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket>;

    /// The ID of the ticket whose number (what people quote: `2026120410000017`) is `number`,
    /// or `None` when there is none. `number` has been checked (the characters of a
    /// [`TicketId`]). The `*_kw` methods call this for `ticket_number`. The default: unsupported.
    async fn ticket_id_by_number(&self, number: &str) -> Result<Option<TicketId>> {
        let _ = number;
        Err(crate::Error::unsupported(
            self.kind(),
            "ticket lookup by number",
        ))
    }

    /// The ticket's history, oldest first; not found when the ticket does not exist. Adapters
    /// bound how many entries they read. The default: unsupported.
    async fn ticket_history(&self, request: GetRequest) -> Result<Vec<UnifiedHistoryEntry>> {
        let _ = request;
        Err(crate::Error::unsupported(self.kind(), "ticket history"))
    }

    /// Checks that the helpdesk answers and accepts the credentials. The default does nothing.
    async fn healthcheck(&self) -> Result<()> {
        Ok(())
    }
}

/// Compile-time check that the trait stays object safe.
const _: Option<&dyn TicketSystemService> = None;

/// The tickets of a search as they arrive ([`TicketSystemService::stream_tickets`]).
#[non_exhaustive]
pub struct TicketStream {
    /// How many tickets the stream will hand over, when known before they arrive.
    pub total: Option<usize>,
    /// The tickets; an error ends the stream.
    pub tickets: BoxStream<'static, Result<UnifiedTicket>>,
}

impl TicketStream {
    /// A stream of `total` tickets (when known) from `tickets`, ended after its first error.
    pub fn new(total: Option<usize>, tickets: BoxStream<'static, Result<UnifiedTicket>>) -> Self {
        use futures::StreamExt;
        let ended_after_error = tickets.scan(false, |failed, ticket| {
            let next = (!*failed).then(|| {
                *failed = ticket.is_err();
                ticket
            });
            futures::future::ready(next)
        });
        Self {
            total,
            tickets: Box::pin(ended_after_error),
        }
    }

    /// The tickets of a list, one by one.
    pub fn from_vec(tickets: Vec<UnifiedTicket>) -> Self {
        Self::new(
            Some(tickets.len()),
            Box::pin(futures::stream::iter(tickets.into_iter().map(Ok))),
        )
    }
}

impl std::fmt::Debug for TicketStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketStream")
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

/// Helpers on top of the typed methods, for every [`TicketSystemService`]: calls from keyword
/// arguments (parsed once against the adapter's native keys), and by ticket ID.
#[async_trait]
pub trait TicketSystemServiceExt: TicketSystemService {
    /// `find_tickets` from kwargs.
    async fn find_tickets_kw(&self, kwargs: Kwargs) -> Result<Vec<UnifiedTicket>> {
        let request = SearchRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        self.find_tickets(request).await
    }

    /// `find_first_ticket` from kwargs.
    async fn find_first_ticket_kw(&self, kwargs: Kwargs) -> Result<Option<UnifiedTicket>> {
        let request = SearchRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        self.find_first_ticket(request).await
    }

    /// `get_ticket` from kwargs; a `ticket_number` is looked up first (`None` when no ticket
    /// has it).
    async fn get_ticket_kw(&self, mut kwargs: Kwargs) -> Result<Option<UnifiedTicket>> {
        let number = crate::request::number_stands_in_for_id(&mut kwargs)?;
        let mut request = GetRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        if let Some(number) = number {
            match self.ticket_id_by_number(number.as_str()).await? {
                Some(id) => request.ticket_id = id,
                None => return Ok(None),
            }
        }
        self.get_ticket(request).await
    }

    /// `create_ticket` from kwargs.
    async fn create_ticket_kw(&self, kwargs: Kwargs) -> Result<UnifiedTicket> {
        let request = CreateRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        self.create_ticket(request).await
    }

    /// `update_ticket` from kwargs; a `ticket_number` is looked up first (not found when no
    /// ticket has it).
    async fn update_ticket_kw(&self, mut kwargs: Kwargs) -> Result<UnifiedTicket> {
        let number = crate::request::number_stands_in_for_id(&mut kwargs)?;
        let mut request = UpdateRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        if let Some(number) = number {
            request.ticket_id = self.existing_ticket_id(&number).await?;
        }
        self.update_ticket(request).await
    }

    /// `add_note` from kwargs; a `ticket_number` is looked up first (not found when no ticket
    /// has it).
    async fn add_note_kw(&self, mut kwargs: Kwargs) -> Result<UnifiedTicket> {
        let number = crate::request::number_stands_in_for_id(&mut kwargs)?;
        let mut request = NoteRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        if let Some(number) = number {
            request.ticket_id = self.existing_ticket_id(&number).await?;
        }
        self.add_note(request).await
    }

    /// `ticket_history` from kwargs (those of `get_ticket`); a `ticket_number` is looked up
    /// first (not found when no ticket has it).
    async fn ticket_history_kw(&self, mut kwargs: Kwargs) -> Result<Vec<UnifiedHistoryEntry>> {
        let number = crate::request::number_stands_in_for_id(&mut kwargs)?;
        let mut request = GetRequest::from_kwargs(kwargs, self.kind(), self.native_keys())?;
        if let Some(number) = number {
            request.ticket_id = self.existing_ticket_id(&number).await?;
        }
        self.ticket_history(request).await
    }

    /// The ID of the ticket with `number`; a not-found error when there is none.
    async fn existing_ticket_id(&self, number: &TicketId) -> Result<TicketId> {
        self.ticket_id_by_number(number.as_str())
            .await?
            .ok_or_else(|| crate::Error::NotFound {
                what: format!("ticket number {number}"),
            })
    }

    /// `get_ticket` by ID (an invalid ID is an [`Error::InvalidInput`](crate::Error::InvalidInput)).
    async fn get_ticket_by_id(&self, id: &str) -> Result<Option<UnifiedTicket>> {
        let id: TicketId = id.parse()?;
        self.get_ticket(GetRequest::new(id)).await
    }
}

impl<T: TicketSystemService + ?Sized> TicketSystemServiceExt for T {}
