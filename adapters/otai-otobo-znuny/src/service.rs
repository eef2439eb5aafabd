//! The TicketSystemService on top of the client, plus OTOBO-only extras.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt};
use otai_core::kwargs::{self, Kwargs};
use otai_core::registry::{BuildContext, ServiceConfig};
use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{
    Error, Result, TicketId, TicketStream, TicketSystemService, UnifiedHistoryEntry, UnifiedTicket,
};
use serde_json::{Map, Value, json};

use crate::client::OtoboClient;
use crate::config::{CreateDefaults, OtoboConfig};
use crate::mapping::{
    ValueMaps, attachment_items, dynamic_fields, search_payload, ticket_fields, ticket_into_unified,
};
use crate::native::NATIVE_KEYS;
use crate::payload::{ArticleBody, Named, Part, Payload, TicketBody};
use crate::reply::{SearchIds, Typed};
use crate::routes::Operation;
use crate::wire::{MAX_TICKETS_PER_GET, Ticket, TicketGetReply, TicketWriteReply, WireTicketId};

/// The OTOBO / Znuny ticket system.
///
/// `get_ticket` returns `Ok(None)` for a ticket that does not exist *or* that the account may
/// not see: the server reports both as `TicketGet.AccessDenied`. `update_ticket` and `add_note`
/// report that case as [`Error::NotFound`].
#[derive(Debug, Clone)]
pub struct OtoboService {
    client: OtoboClient,
    maps: Arc<ValueMaps>,
    defaults: Arc<CreateDefaults>,
    concurrency: usize,
    max_results: usize,
    /// `defaults.content_type` with its charset, worked out once: a note's content type.
    note_content_type: Arc<str>,
}

impl OtoboService {
    /// A note as a TicketUpdate `Article`: internal unless asked, in the default content type;
    /// its texts borrowed.
    fn article<'a>(&'a self, note: &'a otai_core::UnifiedNote) -> ArticleBody<'a> {
        let content_type = match note.content_type.as_deref() {
            None => Cow::Borrowed(&*self.note_content_type),
            Some(given) if given == self.defaults.content_type => {
                Cow::Borrowed(&*self.note_content_type)
            }
            Some(given) => with_charset(given),
        };
        ArticleBody {
            subject: note.subject.as_deref().unwrap_or("Note"),
            body: note.body.as_deref().unwrap_or_default(),
            content_type,
            visible_for_customer: !note.internal,
            extra: Map::new(),
        }
    }

    /// Puts `note` into `payload` as its `Article`, with its attachments; an attachment's
    /// problem names it under `prefix`.
    fn add_article<'a>(
        &'a self,
        payload: &mut Payload<'a>,
        note: &'a otai_core::UnifiedNote,
        prefix: &str,
    ) -> Result<()> {
        payload.article = Some(self.article(note));
        let attachments = attachment_items(note, prefix)?;
        if !attachments.is_empty() {
            payload
                .fields
                .insert("Attachment".into(), Value::Array(attachments));
        }
        Ok(())
    }

    /// Builds the service; contacts nobody until the first call.
    pub fn new(config: &OtoboConfig) -> Result<Self> {
        Ok(Self {
            client: OtoboClient::new(config)?,
            maps: Arc::new(ValueMaps::new(&config.mapping)?),
            defaults: Arc::new(config.defaults.clone()),
            concurrency: config.concurrency,
            max_results: config.max_results,
            note_content_type: Arc::from(with_charset(&config.defaults.content_type)),
        })
    }

    /// Hides the session IDs this service uses with `redactor` (the program's one redactor).
    pub fn with_redactor(mut self, redactor: otai_core::output::Redactor) -> Self {
        self.client = self.client.with_redactor(redactor);
        self
    }

    /// The underlying client, for raw calls.
    pub fn client(&self) -> &OtoboClient {
        &self.client
    }

    /// Calls any configured operation with a raw payload (credentials are added).
    pub async fn call(&self, operation: Operation, payload: Map<String, Value>) -> Result<Value> {
        self.client.call(operation, payload).await
    }

    /// The raw history entries of a ticket (TicketHistoryGet; agents only), oldest first, at
    /// most 10 000. The unified form:
    /// [`TicketSystemService::ticket_history`].
    pub async fn raw_ticket_history(&self, ticket_id: &TicketId) -> Result<Vec<Value>> {
        let mut payload = Map::new();
        payload.insert("TicketID".into(), ticket_id.as_str().into());
        let reply = self
            .client
            .call(Operation::TicketHistoryGet, payload)
            .await?;
        let history = reply
            .get("TicketHistory")
            .and_then(|h| match h {
                Value::Array(items) => items.first().cloned(),
                other => Some(other.clone()),
            })
            .and_then(|first| first.get("History").cloned())
            .unwrap_or(Value::Array(Vec::new()));
        let mut items = match history {
            Value::Array(items) => items,
            single => vec![single],
        };
        if items.len() > crate::history::MAX_HISTORY {
            tracing::warn!(
                ticket = ticket_id.as_str(),
                max = crate::history::MAX_HISTORY,
                "ticket history longer than the adapter reads: only its oldest entries are kept"
            );
            items.truncate(crate::history::MAX_HISTORY);
        }
        Ok(items)
    }

    /// The IDs a search finds (one TicketSearch), after `offset`, at most the limit, each once;
    /// kept as numbers (8 bytes each) until a TicketGet names them.
    async fn search_ids(&self, request: SearchRequest) -> Result<Vec<WireTicketId>> {
        let limit = request.limit_or(self.max_results);
        let criteria = request.criteria;
        let offset = criteria.offset.unwrap_or(0);
        let asked = limit.saturating_add(offset);
        let mut payload = Payload::from(search_payload(&criteria, &self.maps, limit)?);
        merge_native(&mut payload, request.native)?;
        let found = self
            .client
            .request(Operation::TicketSearch, payload, &SearchIds { max: asked })
            .await?;
        if criteria.limit.is_none() && found.len() >= asked {
            tracing::warn!(
                max_results = self.max_results,
                "search stopped at max_results: there may be more tickets; set `limit` or raise `max_results`"
            );
        }
        let mut sorted = found.clone();
        sorted.sort_unstable();
        if let Some(twice) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(mismatch(
                self.client.describe(Operation::TicketSearch),
                format!("the reply names ticket {} twice", twice[0]),
            ));
        }
        drop(sorted);
        Ok(found.into_iter().skip(offset).take(limit).collect())
    }

    /// TicketGet for `ids` (at most [`MAX_TICKETS_PER_GET`]) with articles, their attachments
    /// (with content when `content` is set) and dynamic fields, plus `options`: exactly the
    /// tickets asked for, in the order asked.
    async fn get_many(
        &self,
        ids: Vec<String>,
        content: bool,
        options: &Map<String, Value>,
    ) -> Result<Vec<UnifiedTicket>> {
        let mut payload = Map::new();
        payload.insert("AllArticles".into(), 1.into());
        payload.insert("DynamicFields".into(), 1.into());
        payload.insert("Attachments".into(), 1.into());
        payload.insert("GetAttachmentContents".into(), u8::from(content).into());
        payload.extend(options.clone());
        payload.insert("TicketID".into(), json!(ids));
        let reply: TicketGetReply = self
            .client
            .request(Operation::TicketGet, payload, &Typed::new())
            .await?;
        let request = self.client.describe(Operation::TicketGet);
        Ok(in_asked_order(&request, &ids, reply.tickets.0)?
            .into_iter()
            .map(|t| ticket_into_unified(t, &self.maps))
            .collect())
    }

    async fn get_one(
        &self,
        id: &str,
        content: bool,
        options: &Map<String, Value>,
    ) -> Result<Option<UnifiedTicket>> {
        match self.get_many(vec![id.to_owned()], content, options).await {
            Ok(tickets) => Ok(tickets.into_iter().next()),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(Error::Remote {
                code: Some(code), ..
            }) if code.ends_with(".NotValidTicketID") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// TicketUpdate with `payload` for ticket `id`; the reply must name that ticket.
    async fn update(&self, id: &TicketId, payload: Payload<'_>) -> Result<()> {
        let written: TicketWriteReply = self
            .client
            .request(Operation::TicketUpdate, payload, &Typed::new())
            .await
            .map_err(not_found(id))?;
        let answered = written.ticket_id.map(|t| t.to_string());
        if answered
            .as_deref()
            .is_some_and(|answered| same_ticket(id.as_str(), answered))
        {
            return Ok(());
        }
        Err(mismatch(
            self.client.describe(Operation::TicketUpdate),
            match answered {
                Some(other) => {
                    format!("asked to update ticket {id}, the reply names ticket {other}")
                }
                None => format!("asked to update ticket {id}, the reply names no TicketID"),
            },
        ))
    }

    async fn reread(&self, id: &str) -> Result<UnifiedTicket> {
        self.get_one(id, false, &Map::new())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: format!("ticket {id} (after the change)"),
            })
    }
}

/// A reply that does not answer the request: a remote error naming the request.
fn mismatch(request: String, message: String) -> Error {
    Error::Remote {
        request,
        status: Some(200),
        code: None,
        message,
        retry_after: None,
    }
}

/// Whether the ID a reply names is the one asked for (`"071"` and `71` are the same number).
fn same_ticket(asked: &str, answered: &str) -> bool {
    asked == answered
        || matches!(
            (WireTicketId::parse(asked), WireTicketId::parse(answered)),
            (Some(a), Some(b)) if a == b
        )
}

/// The tickets of a TicketGet reply in the order of `asked`: each asked ticket exactly once and
/// nothing else, or a remote error naming the request.
fn in_asked_order(request: &str, asked: &[String], tickets: Vec<Ticket>) -> Result<Vec<Ticket>> {
    let shown = || asked.join(", ");
    if tickets.len() != asked.len() {
        return Err(mismatch(
            request.to_owned(),
            format!(
                "asked for {} ticket(s) ({}), the reply holds {}",
                asked.len(),
                shown(),
                tickets.len()
            ),
        ));
    }
    let mut slots: Vec<Option<Ticket>> = asked.iter().map(|_| None).collect();
    for ticket in tickets {
        let id = ticket.ticket_id.as_deref().unwrap_or_default();
        let slot = asked
            .iter()
            .position(|a| same_ticket(a, id))
            .and_then(|at| slots.get_mut(at));
        let shown_id = || crate::errors::server_text(id, 40);
        match slot {
            Some(slot @ None) => *slot = Some(ticket),
            Some(Some(_)) => {
                return Err(mismatch(
                    request.to_owned(),
                    format!(
                        "the reply holds ticket {} twice (asked for {})",
                        shown_id(),
                        shown()
                    ),
                ));
            }
            None => {
                return Err(mismatch(
                    request.to_owned(),
                    format!(
                        "the reply holds ticket `{}`, which was not asked for (asked for {})",
                        shown_id(),
                        shown()
                    ),
                ));
            }
        }
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Puts already-checked native arguments into the operation's input: `Ticket`/`Article` maps
/// merge into those objects (the typed ones when the payload has them, where they win over the
/// typed keys), `PendingTime` goes into `Ticket`, `DynamicField` and `Attachment` items are
/// appended, anything else (declared, or given verbatim under `native:`) is a top-level key. A
/// native `TicketID` never replaces the typed ID of the ticket written.
fn merge_native(payload: &mut Payload<'_>, native: Kwargs) -> Result<()> {
    for (key, value) in native {
        match (key.as_str(), value) {
            ("Ticket", Value::Object(extra)) => {
                if let Some(ticket) = ticket_extra(payload) {
                    ticket.extend(extra);
                }
            }
            ("Article", Value::Object(extra)) => match &mut payload.article {
                Some(article) => article.extra.extend(extra),
                None => {
                    let target = payload
                        .fields
                        .entry(key)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(target) = target {
                        target.extend(extra);
                    }
                }
            },
            // Only reachable through `native:`, which is not checked against the declared kinds.
            ("Ticket" | "Article", other) => {
                return Err(Error::invalid_input(
                    key,
                    format!("expected a map, got {}", kwargs::describe(&other)),
                ));
            }
            ("PendingTime", value) => {
                if let Some(ticket) = ticket_extra(payload) {
                    ticket.insert(key, value);
                }
            }
            ("DynamicField" | "Attachment", value) => {
                let list = payload
                    .fields
                    .entry(key)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    match value {
                        Value::Array(items) => list.extend(items),
                        item => list.push(item),
                    }
                }
            }
            (_, value) => {
                payload.fields.insert(key, value);
            }
        }
    }
    Ok(())
}

/// Where native `Ticket` keys go: the typed ticket's `extra` (a typed ticket is started when
/// the payload has no `Ticket` yet), or a `Ticket` map already among the fields; `None` when
/// that `Ticket` is not a map.
fn ticket_extra<'p>(payload: &'p mut Payload<'_>) -> Option<&'p mut Map<String, Value>> {
    if payload.ticket.is_none() && !payload.fields.contains_key("Ticket") {
        payload.ticket = Some(TicketBody::default());
    }
    match &mut payload.ticket {
        Some(ticket) => Some(&mut ticket.extra),
        None => payload
            .fields
            .get_mut("Ticket")
            .and_then(Value::as_object_mut),
    }
}

fn not_found(id: &TicketId) -> impl FnOnce(Error) -> Error + '_ {
    move |e| match e {
        Error::NotFound { .. } => Error::NotFound {
            what: format!("ticket {id} (or no permission to see it)"),
        },
        other => other,
    }
}

/// `text/html` → `text/html; charset=utf-8`; a given charset is kept (and not copied).
fn with_charset(content_type: &str) -> Cow<'_, str> {
    if content_type.contains("charset") {
        Cow::Borrowed(content_type)
    } else {
        Cow::Owned(format!("{content_type}; charset=utf-8"))
    }
}

/// Whether `state` names a pending state (`pending reminder`, `Pending auto close+`, ...): it
/// starts with `pending` in any case. No other character lower-cases into these ASCII letters,
/// so this is `state.to_lowercase().starts_with("pending")` without the copy.
fn is_pending(state: &str) -> bool {
    state
        .as_bytes()
        .get(..7)
        .is_some_and(|start| start.eq_ignore_ascii_case(b"pending"))
}

/// Ticket IDs as TicketGet names them.
fn id_texts(ids: &[WireTicketId]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

#[async_trait]
impl TicketSystemService for OtoboService {
    fn kind(&self) -> &'static str {
        "otobo-znuny"
    }

    fn native_keys(&self) -> &'static NativeKeys {
        &NATIVE_KEYS
    }

    async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        let ids = self.search_ids(request).await?;
        let options = Map::new();
        // At most ⌈limit / 20⌉ TicketGets; batches are appended as they arrive.
        futures::stream::iter(ids.chunks(MAX_TICKETS_PER_GET).map(id_texts))
            .map(|batch| self.get_many(batch, false, &options))
            .buffered(self.concurrency)
            .try_fold(Vec::with_capacity(ids.len()), |mut all, batch| {
                all.extend(batch);
                futures::future::ready(Ok(all))
            })
            .await
    }

    /// One TicketSearch, then TicketGet for 20 IDs at a time, each batch handed over as it
    /// arrives (up to `concurrency` batches read ahead).
    fn stream_tickets(
        self: Arc<Self>,
        request: SearchRequest,
    ) -> BoxFuture<'static, Result<TicketStream>> {
        Box::pin(async move {
            // The IDs are shared by the pages, each reading its own slice: no list per page.
            let ids = Arc::new(self.search_ids(request).await?);
            let total = ids.len();
            let concurrency = self.concurrency;
            let starts = (0..total).step_by(MAX_TICKETS_PER_GET);
            let tickets = futures::stream::iter(starts)
                .map(move |start| {
                    let service = Arc::clone(&self);
                    let page = &ids[start..total.min(start + MAX_TICKETS_PER_GET)];
                    let texts = id_texts(page);
                    async move { service.get_many(texts, false, &Map::new()).await }
                })
                .buffered(concurrency)
                .flat_map(|batch| match batch {
                    Ok(tickets) => futures::stream::iter(tickets.into_iter().map(Ok)).left_stream(),
                    Err(e) => futures::stream::once(futures::future::ready(Err(e))).right_stream(),
                });
            Ok(TicketStream::new(Some(total), Box::pin(tickets)))
        })
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        self.get_one(
            request.ticket_id.as_str(),
            request.attachment_content,
            &request.native,
        )
        .await
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        let t = request.ticket;
        let d = &self.defaults;
        let subject = t.subject.clone().unwrap_or_default();
        let body = t
            .body
            .clone()
            .filter(|b| !b.trim().is_empty())
            .ok_or_else(|| {
                Error::invalid_input("body", "OTOBO needs a body for the first article")
            })?;
        let mut ticket = ticket_fields(&t, &self.maps);
        // The defaults, where the ticket names neither `<Key>` nor `<Key>ID`.
        let fallbacks = [
            (&mut ticket.queue, d.queue.as_deref()),
            (&mut ticket.state, Some(d.state.as_str())),
            (&mut ticket.priority, Some(d.priority.as_str())),
            (&mut ticket.ticket_type, d.ticket_type.as_deref()),
        ];
        for (slot, fallback) in fallbacks {
            if slot.is_none() {
                *slot = fallback.map(Named::Name);
            }
        }
        if ticket.customer_user.is_none() {
            ticket.customer_user = d.customer_user.as_deref();
        }
        let mut fields = Map::new();
        fields.insert(
            "Article".into(),
            json!({
                "Subject": subject, "Body": body,
                "ContentType": d.content_type, "CommunicationChannel": d.article_channel,
                "SenderType": d.sender_type, "IsVisibleForCustomer": 1,
            }),
        );
        let dynamic = dynamic_fields(&t.custom_fields, &self.maps)?;
        if !dynamic.is_empty() {
            fields.insert("DynamicField".into(), Value::Array(dynamic));
        }
        let mut payload = Payload {
            fields,
            ticket: Some(ticket),
            ..Payload::default()
        };
        merge_native(&mut payload, request.native)?;
        let has = |key| {
            payload
                .ticket
                .as_ref()
                .is_some_and(|ticket| ticket.get(key).is_some())
        };
        if !has("Queue") && !has("QueueID") {
            return Err(Error::invalid_input(
                "queue",
                "OTOBO needs a queue: set `queue` or `defaults.queue`",
            ));
        }
        if !has("CustomerUser") {
            return Err(Error::invalid_input(
                "customer",
                "OTOBO needs a customer user: set `customer` or `defaults.customer_user`",
            ));
        }
        let written: TicketWriteReply = self
            .client
            .request(Operation::TicketCreate, payload, &Typed::new())
            .await?;
        let id = written.ticket_id.ok_or_else(|| {
            mismatch(
                self.client.describe(Operation::TicketCreate),
                "reply has no TicketID".into(),
            )
        })?;
        self.reread(&id.to_string()).await
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id;
        let mut changes = request.changes;
        changes.notes.extend(request.note);
        let ticket = ticket_fields(&changes, &self.maps);
        let mut payload = Payload {
            ticket_id: Some(id.as_str()),
            ticket: (!ticket.is_empty()).then_some(ticket),
            ..Payload::default()
        };
        let dynamic = dynamic_fields(&changes.custom_fields, &self.maps)?;
        if !dynamic.is_empty() {
            payload
                .fields
                .insert("DynamicField".into(), Value::Array(dynamic));
        }
        // A note goes into the same TicketUpdate: the change and the note land together or not.
        match changes.notes.as_slice() {
            [] => {}
            [note] => self.add_article(&mut payload, note, "note.")?,
            _ => {
                return Err(Error::invalid_input(
                    "notes",
                    "OTOBO adds at most one note per update",
                ));
            }
        }
        merge_native(&mut payload, request.native)?;
        let ticket = payload.ticket.as_ref();
        let state = ticket
            .and_then(|t| t.get("State"))
            .and_then(Part::as_str)
            .unwrap_or_default();
        if is_pending(state) && ticket.and_then(|t| t.get("PendingTime")).is_none() {
            return Err(Error::invalid_input(
                "PendingTime",
                format!(
                    "state `{state}` needs a pending time: pass `PendingTime: {{Diff: <minutes>}}` or `{{Year, Month, Day, Hour, Minute}}`"
                ),
            ));
        }
        self.update(&id, payload).await?;
        if request.reread {
            self.reread(id.as_str()).await
        } else {
            changes.notes = changes
                .notes
                .into_iter()
                .map(otai_core::UnifiedNote::without_attachment_content)
                .collect();
            Ok(changes.id(id.into_string()))
        }
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        let (id, note) = (request.ticket_id, request.note);
        let mut payload = Payload {
            ticket_id: Some(id.as_str()),
            ..Payload::default()
        };
        self.add_article(&mut payload, &note, "")?;
        merge_native(&mut payload, request.native)?;
        self.update(&id, payload).await?;
        if request.reread {
            self.reread(id.as_str()).await
        } else {
            Ok(UnifiedTicket::new()
                .id(id.into_string())
                .note(note.without_attachment_content()))
        }
    }

    /// TicketHistoryGet, decoded: queue, state, priority, type, owner, title, customer and
    /// dynamic-field changes become field changes; `by` is the agent's user ID. A missing
    /// ticket (or one the account may not see) is not found.
    async fn ticket_history(&self, request: GetRequest) -> Result<Vec<UnifiedHistoryEntry>> {
        if let Some(key) = request.native.keys().next() {
            return Err(Error::invalid_input(
                format!("native.{key}"),
                "ticket history takes no native arguments",
            ));
        }
        let id = &request.ticket_id;
        let raw = self.raw_ticket_history(id).await.map_err(not_found(id))?;
        Ok(raw
            .iter()
            .filter_map(crate::history::entry_from_raw)
            .collect())
    }

    /// TicketSearch by `TicketNumber`. OTOBO numbers are letters and digits only; anything
    /// else (`_` would be a wildcard in the server's SQL) names no ticket.
    async fn ticket_id_by_number(&self, number: &str) -> Result<Option<TicketId>> {
        if !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        let mut payload = Map::new();
        payload.insert("TicketNumber".into(), number.into());
        payload.insert("Limit".into(), 2.into());
        let ids = self
            .client
            .request(Operation::TicketSearch, payload, &SearchIds { max: 2 })
            .await?;
        match ids.as_slice() {
            [] => Ok(None),
            [id] => Ok(Some(TicketId::from(id.0))),
            more => Err(Error::Remote {
                request: self.client.describe(Operation::TicketSearch),
                status: None,
                code: None,
                message: format!(
                    "{} tickets have the number {number}; expected one",
                    more.len()
                ),
                retry_after: None,
            }),
        }
    }

    async fn healthcheck(&self) -> Result<()> {
        self.client.login().await?;
        let mut payload = Map::new();
        payload.insert("Limit".into(), 1.into());
        self.client
            .request(Operation::TicketSearch, payload, &SearchIds { max: 1 })
            .await
            .map(|_| ())
    }
}

impl ServiceConfig for OtoboConfig {
    const NATIVE_KEYS: &'static NativeKeys = &NATIVE_KEYS;

    fn check(&self) -> Result<()> {
        self.validate()
    }

    fn build(self, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        Ok(Arc::new(
            OtoboService::new(&self)?.with_redactor(ctx.redactor.clone()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kwargs(value: Value) -> Kwargs {
        match value {
            Value::Object(map) => map,
            _ => Kwargs::new(),
        }
    }

    #[test]
    fn native_keys_join_the_typed_parts_and_never_replace_the_id() -> Result<()> {
        let mut payload = Payload {
            ticket_id: Some("71"),
            ticket: Some(TicketBody {
                queue: Some(Named::Name("Misc")),
                ..TicketBody::default()
            }),
            ..Payload::default()
        };
        let note = otai_core::UnifiedNote::new("s", "b");
        payload.article = Some(ArticleBody {
            subject: note.subject.as_deref().unwrap_or_default(),
            body: note.body.as_deref().unwrap_or_default(),
            content_type: Cow::Borrowed("text/plain; charset=utf-8"),
            visible_for_customer: false,
            extra: Map::new(),
        });
        merge_native(
            &mut payload,
            kwargs(json!({
                "Ticket": {"Queue": "Native"}, "PendingTime": {"Diff": 5}, "TicketID": "99",
                "Article": {"TimeUnit": 2}, "DynamicField": {"Name": "x", "Value": "y"},
            })),
        )?;
        let ticket = payload.ticket.as_ref();
        assert_eq!(
            ticket.and_then(|t| t.get("Queue")).and_then(Part::as_str),
            Some("Native")
        );
        assert!(ticket.and_then(|t| t.get("PendingTime")).is_some());
        assert!(!payload.fields.contains_key("Ticket"));
        assert!(!payload.fields.contains_key("PendingTime"));
        let full = payload.with_auth(&Map::new());
        assert_eq!(full["TicketID"], "71", "the ID updated wins: {full:?}");
        assert_eq!(full["Article"]["TimeUnit"], 2);
        assert_eq!(full["DynamicField"], json!([{"Name": "x", "Value": "y"}]));
        assert_eq!(
            full["Ticket"],
            json!({"Queue": "Native", "PendingTime": {"Diff": 5}})
        );
        Ok(())
    }

    #[test]
    fn native_ticket_keys_without_typed_ones_are_sent_as_before() -> Result<()> {
        // No typed ticket: one is started, written as the map of the native keys.
        let mut payload = Payload::default();
        merge_native(&mut payload, kwargs(json!({"PendingTime": {"Diff": 5}})))?;
        assert!(payload.ticket.is_some());
        assert_eq!(
            Value::Object(payload.with_auth(&Map::new())),
            json!({"Ticket": {"PendingTime": {"Diff": 5}}})
        );
        // A raw `Ticket` map among the fields is extended; an article without a typed note
        // stays a field.
        let mut payload = Payload::from(kwargs(json!({"Ticket": {"Title": "t"}})));
        merge_native(
            &mut payload,
            kwargs(json!({"Ticket": {"Lock": "lock"}, "Article": {"Body": "b"}})),
        )?;
        assert!(payload.ticket.is_none() && payload.article.is_none());
        assert_eq!(
            Value::Object(payload.fields),
            json!({"Ticket": {"Title": "t", "Lock": "lock"}, "Article": {"Body": "b"}})
        );
        let err = merge_native(&mut Payload::default(), kwargs(json!({"Ticket": 1}))).err();
        assert!(
            matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "Ticket"),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn pending_states_are_told_in_any_case() {
        let pending = [
            "pending reminder",
            "Pending auto close+",
            "PENDING",
            "pendingx",
        ];
        let other = [
            "",
            "pendin",
            "open",
            " pending",
            "ṗending",
            "\u{212a}pending",
            "äpending",
        ];
        for (states, expected) in [(&pending[..], true), (&other[..], false)] {
            for state in states {
                assert_eq!(is_pending(state), expected, "{state}");
                assert_eq!(
                    expected,
                    state.to_lowercase().starts_with("pending"),
                    "{state}"
                );
            }
        }
    }

    #[test]
    fn a_note_borrows_its_texts_and_the_default_content_type() -> Result<()> {
        let service = OtoboService::new(&OtoboConfig::new("http://h.example").agent("a", "p"))?;
        let note = otai_core::UnifiedNote::new("s", "b");
        let article = service.article(&note);
        assert_eq!((article.subject, article.body), ("s", "b"));
        assert!(matches!(article.content_type, Cow::Borrowed(_)));
        assert_eq!(
            article.content_type,
            with_charset(&service.defaults.content_type)
        );
        let mut html = otai_core::UnifiedNote::default();
        html.content_type = Some("text/html".into());
        let article = service.article(&html);
        assert_eq!(
            (article.subject, article.body, &*article.content_type),
            ("Note", "", "text/html; charset=utf-8")
        );
        Ok(())
    }
}
