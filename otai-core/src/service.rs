//! The contract every helpdesk adapter implements.

use async_trait::async_trait;
use serde_json::Value;

use crate::kwargs::{self, Kwargs};
use crate::{Result, TicketSearchCriteria, UnifiedNote, UnifiedTicket};

/// A helpdesk, seen through the unified model.
///
/// Every method takes keyword arguments ([`Kwargs`], usually rendered from YAML; see
/// [`crate::kwargs`] for the unified keys) and returns unified models. Keys an adapter does not
/// know as unified go to the helpdesk's native API where that makes sense.
///
/// # Contract
/// - `find_tickets` returns matches in the helpdesk's order, honouring `limit` and `offset`.
/// - `find_first_ticket` returns the first match or `None`.
/// - `get_ticket` returns `Ok(None)` when the ticket does not exist (or, where the helpdesk cannot
///   tell the two apart, when the caller may not see it). It never returns [`Error::NotFound`].
/// - `create_ticket` returns the new ticket as the helpdesk stored it.
/// - `update_ticket` and `add_note` fail with [`Error::NotFound`] for a missing ticket. They return
///   the ticket as it stands after the change: re-read from the helpdesk, unless the caller passes
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
/// use otai_core::kwargs::{self, Kwargs};
/// use otai_core::{Error, Result, TicketSystemService, TicketSystemServiceExt, UnifiedTicket};
///
/// #[derive(Default)]
/// struct VecStore(Mutex<Vec<UnifiedTicket>>);
///
/// #[async_trait]
/// impl TicketSystemService for VecStore {
///     fn kind(&self) -> &'static str { "vec" }
///     async fn find_tickets(&self, kw: Kwargs) -> Result<Vec<UnifiedTicket>> {
///         let criteria = kwargs::parse_search(kw)?.unified;
///         let all = self.0.lock().map_err(|_| Error::unsupported("vec", "poisoned"))?;
///         Ok(all.iter().take(criteria.limit.unwrap_or(usize::MAX)).cloned().collect())
///     }
///     async fn get_ticket(&self, kw: Kwargs) -> Result<Option<UnifiedTicket>> {
///         let id = kwargs::parse_get(kw)?.ticket_id;
///         let all = self.0.lock().map_err(|_| Error::unsupported("vec", "poisoned"))?;
///         Ok(all.iter().find(|t| t.id == id).cloned())
///     }
///     async fn create_ticket(&self, kw: Kwargs) -> Result<UnifiedTicket> {
///         let mut all = self.0.lock().map_err(|_| Error::unsupported("vec", "poisoned"))?;
///         let ticket = kwargs::parse_create(kw)?.unified.id((all.len() + 1).to_string());
///         all.push(ticket.clone());
///         Ok(ticket)
///     }
///     async fn update_ticket(&self, _kw: Kwargs) -> Result<UnifiedTicket> {
///         Err(Error::unsupported("vec", "update_ticket"))
///     }
///     async fn add_note(&self, _kw: Kwargs) -> Result<UnifiedTicket> {
///         Err(Error::unsupported("vec", "add_note"))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = VecStore::default();
/// let created = store.create(&UnifiedTicket::new().subject("Printer on fire")).await?;
/// let found = store.get_ticket_by_id("1").await?;
/// assert_eq!(found, Some(created));
/// # Ok::<(), Error>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait TicketSystemService: Send + Sync {
    /// A short name of the adapter (`local`, `otobo-znuny`, `rt`), for messages and logs.
    fn kind(&self) -> &'static str;

    /// Tickets matching the criteria in `kwargs`.
    async fn find_tickets(&self, kwargs: Kwargs) -> Result<Vec<UnifiedTicket>>;

    /// The first ticket matching the criteria in `kwargs`, if any.
    ///
    /// The default asks `find_tickets` for one ticket.
    async fn find_first_ticket(&self, mut kwargs: Kwargs) -> Result<Option<UnifiedTicket>> {
        kwargs.insert("limit".into(), Value::from(1));
        Ok(self.find_tickets(kwargs).await?.into_iter().next())
    }

    /// One ticket with its notes and custom fields; `None` when it does not exist.
    async fn get_ticket(&self, kwargs: Kwargs) -> Result<Option<UnifiedTicket>>;

    /// Creates a ticket (its `body` becomes the first note) and returns it.
    async fn create_ticket(&self, kwargs: Kwargs) -> Result<UnifiedTicket>;

    /// Changes the fields given in `kwargs` and returns the ticket after the change.
    async fn update_ticket(&self, kwargs: Kwargs) -> Result<UnifiedTicket>;

    /// Adds a note (internal unless `internal: false`) and returns the ticket after the change.
    async fn add_note(&self, kwargs: Kwargs) -> Result<UnifiedTicket>;

    /// Checks that the helpdesk answers and accepts the credentials. The default does nothing.
    async fn healthcheck(&self) -> Result<()> {
        Ok(())
    }
}

/// Compile-time check that the trait stays object safe.
const _: Option<&dyn TicketSystemService> = None;

/// Typed helpers on top of the kwargs methods, for every [`TicketSystemService`].
#[async_trait]
pub trait TicketSystemServiceExt: TicketSystemService {
    /// `find_tickets` with typed criteria.
    async fn find_tickets_by(&self, criteria: &TicketSearchCriteria) -> Result<Vec<UnifiedTicket>> {
        self.find_tickets(criteria.to_kwargs()).await
    }

    /// `find_first_ticket` with typed criteria.
    async fn find_first_ticket_by(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Option<UnifiedTicket>> {
        self.find_first_ticket(criteria.to_kwargs()).await
    }

    /// `get_ticket` by ID.
    async fn get_ticket_by_id(&self, id: &str) -> Result<Option<UnifiedTicket>> {
        self.get_ticket(id_kwargs(id)).await
    }

    /// `create_ticket` from a typed ticket (`id`, `number`, `created`, `updated`, `notes` are
    /// ignored).
    async fn create(&self, ticket: &UnifiedTicket) -> Result<UnifiedTicket> {
        self.create_ticket(ticket_fields(ticket)).await
    }

    /// `update_ticket`: sets every field that is set in `changes`.
    async fn update(&self, id: &str, changes: &UnifiedTicket) -> Result<UnifiedTicket> {
        let mut kw = ticket_fields(changes);
        kw.extend(id_kwargs(id));
        self.update_ticket(kw).await
    }

    /// `add_note` from a typed note (`id`, `author`, `created` are ignored).
    async fn note(&self, id: &str, note: &UnifiedNote) -> Result<UnifiedTicket> {
        let mut kw = kwargs::to_kwargs(note);
        kw.retain(|k, _| kwargs::NOTE_KEYS.contains(&k.as_str()));
        kw.extend(id_kwargs(id));
        self.add_note(kw).await
    }
}

impl<T: TicketSystemService + ?Sized> TicketSystemServiceExt for T {}

fn id_kwargs(id: &str) -> Kwargs {
    let mut kw = Kwargs::new();
    kw.insert("ticket_id".into(), Value::from(id));
    kw
}

fn ticket_fields(ticket: &UnifiedTicket) -> Kwargs {
    let mut kw = kwargs::to_kwargs(ticket);
    kw.retain(|k, _| kwargs::TICKET_KEYS.contains(&k.as_str()));
    kw
}
