//! The TicketSystemService on top of the client, plus OTOBO-only extras.

use std::sync::Arc;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use otai_core::kwargs::{self, Kwargs};
use otai_core::registry::{BuildContext, ServiceConfig};
use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{Error, Result, TicketId, TicketSystemService, UnifiedTicket};
use serde_json::{Map, Value, json};

use crate::client::OtoboClient;
use crate::config::{CreateDefaults, OtoboConfig};
use crate::mapping::{
    ValueMaps, dynamic_fields, search_payload, ticket_fields, ticket_into_unified,
};
use crate::native::NATIVE_KEYS;
use crate::routes::Operation;
use crate::wire::{TicketGetReply, TicketSearchReply, TicketWriteReply};

/// How many IDs one TicketGet asks for after a search.
const GET_BATCH: usize = 20;

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
}

impl OtoboService {
    /// A note as a TicketUpdate `Article`: internal unless asked, in the default content type.
    fn article(&self, note: &otai_core::UnifiedNote) -> Value {
        let content_type = with_charset(
            note.content_type
                .as_deref()
                .unwrap_or(&self.defaults.content_type),
        );
        json!({
            "Subject": note.subject.clone().unwrap_or_else(|| "Note".into()),
            "Body": note.body.clone().unwrap_or_default(),
            "ContentType": content_type,
            "CommunicationChannel": "Internal",
            "SenderType": "agent",
            "IsVisibleForCustomer": if note.internal { 0 } else { 1 },
        })
    }

    /// Builds the service; contacts nobody until the first call.
    pub fn new(config: &OtoboConfig) -> Result<Self> {
        Ok(Self {
            client: OtoboClient::new(config)?,
            maps: Arc::new(ValueMaps::new(&config.mapping)),
            defaults: Arc::new(config.defaults.clone()),
            concurrency: config.concurrency,
        })
    }

    /// The underlying client, for raw calls.
    pub fn client(&self) -> &OtoboClient {
        &self.client
    }

    /// Calls any configured operation with a raw payload (credentials are added).
    pub async fn call(&self, operation: Operation, payload: Map<String, Value>) -> Result<Value> {
        self.client.call(operation, payload).await
    }

    /// The history entries of a ticket (TicketHistoryGet; agents only), oldest first.
    pub async fn ticket_history(&self, ticket_id: &str) -> Result<Vec<Value>> {
        let mut payload = Map::new();
        payload.insert("TicketID".into(), ticket_id.into());
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
        Ok(match history {
            Value::Array(items) => items,
            single => vec![single],
        })
    }

    /// TicketGet for `ids` with articles and dynamic fields, plus `options`.
    async fn get_many(
        &self,
        ids: Vec<String>,
        options: &Map<String, Value>,
    ) -> Result<Vec<UnifiedTicket>> {
        let mut payload = Map::new();
        payload.insert("AllArticles".into(), 1.into());
        payload.insert("DynamicFields".into(), 1.into());
        payload.extend(options.clone());
        payload.insert("TicketID".into(), json!(ids));
        let reply = self.client.call(Operation::TicketGet, payload).await?;
        let reply: TicketGetReply = decode(&self.client.describe(Operation::TicketGet), reply)?;
        Ok(reply
            .tickets
            .0
            .into_iter()
            .map(|t| ticket_into_unified(t, &self.maps))
            .collect())
    }

    async fn get_one(
        &self,
        id: &str,
        options: &Map<String, Value>,
    ) -> Result<Option<UnifiedTicket>> {
        match self.get_many(vec![id.to_owned()], options).await {
            Ok(tickets) => Ok(tickets.into_iter().next()),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(Error::Remote {
                code: Some(code), ..
            }) if code.ends_with(".NotValidTicketID") => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn reread(&self, id: &str) -> Result<UnifiedTicket> {
        self.get_one(id, &Map::new())
            .await?
            .ok_or_else(|| Error::NotFound {
                what: format!("ticket {id} (after the change)"),
            })
    }
}

/// Deserializes a reply into `T`; a shape mismatch names the request.
fn decode<T: serde::de::DeserializeOwned>(request: &str, reply: Value) -> Result<T> {
    otai_core::kwargs::deserialize_tracked(reply).map_err(|e| Error::Transport {
        request: request.to_owned(),
        message: format!("unexpected reply at `{}`: {}", e.path(), e.inner()),
        transient: false,
        source: None,
    })
}

/// Puts already-checked native arguments into the operation's input: `Ticket`/`Article` maps
/// merge into those objects, `PendingTime` goes into `Ticket`, `DynamicField` items are
/// appended, anything else (declared, or given verbatim under `native:`) is a top-level key.
fn merge_native(payload: &mut Map<String, Value>, native: Kwargs) -> Result<()> {
    for (key, value) in native {
        match (key.as_str(), value) {
            ("Ticket" | "Article", Value::Object(extra)) => {
                let target = payload
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(target) = target {
                    target.extend(extra);
                }
            }
            // Only reachable through `native:`, which is not checked against the declared kinds.
            ("Ticket" | "Article", other) => {
                return Err(Error::invalid_input(
                    key,
                    format!("expected a map, got {}", kwargs::describe(&other)),
                ));
            }
            ("PendingTime", value) => {
                let ticket = payload
                    .entry("Ticket")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(ticket) = ticket {
                    ticket.insert("PendingTime".into(), value);
                }
            }
            ("DynamicField", value) => {
                let list = payload
                    .entry("DynamicField")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    match value {
                        Value::Array(items) => list.extend(items),
                        item => list.push(item),
                    }
                }
            }
            (_, value) => {
                payload.insert(key, value);
            }
        }
    }
    Ok(())
}

fn not_found(id: &TicketId) -> impl FnOnce(Error) -> Error + '_ {
    move |e| match e {
        Error::NotFound { .. } => Error::NotFound {
            what: format!("ticket {id} (or no permission to see it)"),
        },
        other => other,
    }
}

/// `text/html` → `text/html; charset=utf-8`; a given charset is kept.
fn with_charset(content_type: &str) -> String {
    if content_type.contains("charset") {
        content_type.to_owned()
    } else {
        format!("{content_type}; charset=utf-8")
    }
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
        let criteria = request.criteria;
        let mut payload = search_payload(&criteria, &self.maps)?;
        merge_native(&mut payload, request.native)?;
        let reply = self.client.call(Operation::TicketSearch, payload).await?;
        let found: TicketSearchReply =
            decode(&self.client.describe(Operation::TicketSearch), reply)?;
        let ids: Vec<String> = found
            .ticket_ids
            .0
            .into_iter()
            .skip(criteria.offset.unwrap_or(0))
            .take(criteria.limit.unwrap_or(usize::MAX))
            .map(otai_core::LenientId::into_string)
            .collect();
        let options = Map::new();
        // Batches are appended as they arrive: the list is never held twice.
        futures::stream::iter(ids.chunks(GET_BATCH).map(<[String]>::to_vec))
            .map(|batch| self.get_many(batch, &options))
            .buffered(self.concurrency)
            .try_fold(Vec::with_capacity(ids.len()), |mut all, batch| {
                all.extend(batch);
                futures::future::ready(Ok(all))
            })
            .await
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        self.get_one(request.ticket_id.as_str(), &request.native)
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
        let fallbacks = [
            ("Queue", d.queue.clone()),
            ("State", Some(d.state.clone())),
            ("Priority", Some(d.priority.clone())),
            ("Type", d.ticket_type.clone()),
            ("CustomerUser", d.customer_user.clone()),
        ];
        for (key, fallback) in fallbacks {
            if !ticket.contains_key(key) && !ticket.contains_key(&format!("{key}ID")) {
                if let Some(value) = fallback {
                    ticket.insert(key.into(), value.into());
                }
            }
        }
        let mut payload = Map::new();
        payload.insert("Ticket".into(), Value::Object(ticket));
        payload.insert(
            "Article".into(),
            json!({
                "Subject": subject, "Body": body,
                "ContentType": d.content_type, "CommunicationChannel": d.article_channel,
                "SenderType": d.sender_type, "IsVisibleForCustomer": 1,
            }),
        );
        let fields = dynamic_fields(&t.custom_fields, &self.maps)?;
        if !fields.is_empty() {
            payload.insert("DynamicField".into(), Value::Array(fields));
        }
        merge_native(&mut payload, request.native)?;
        let ticket = payload.get("Ticket").cloned().unwrap_or_default();
        if ticket.get("Queue").is_none() && ticket.get("QueueID").is_none() {
            return Err(Error::invalid_input(
                "queue",
                "OTOBO needs a queue: set `queue` or `defaults.queue`",
            ));
        }
        if ticket.get("CustomerUser").is_none() {
            return Err(Error::invalid_input(
                "customer",
                "OTOBO needs a customer user: set `customer` or `defaults.customer_user`",
            ));
        }
        let reply = self.client.call(Operation::TicketCreate, payload).await?;
        let written: TicketWriteReply =
            decode(&self.client.describe(Operation::TicketCreate), reply)?;
        let id = written.ticket_id.ok_or_else(|| Error::Remote {
            request: self.client.describe(Operation::TicketCreate),
            status: Some(200),
            code: None,
            message: "reply has no TicketID".into(),
            retry_after: None,
        })?;
        self.reread(&id).await
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id;
        let mut changes = request.changes;
        changes.notes.extend(request.note);
        let mut payload = Map::new();
        let fields = ticket_fields(&changes, &self.maps);
        if !fields.is_empty() {
            payload.insert("Ticket".into(), Value::Object(fields));
        }
        let dynamic = dynamic_fields(&changes.custom_fields, &self.maps)?;
        if !dynamic.is_empty() {
            payload.insert("DynamicField".into(), Value::Array(dynamic));
        }
        // A note goes into the same TicketUpdate: the change and the note land together or not.
        match changes.notes.as_slice() {
            [] => {}
            [note] => {
                payload.insert("Article".into(), self.article(note));
            }
            _ => {
                return Err(Error::invalid_input(
                    "notes",
                    "OTOBO adds at most one note per update",
                ));
            }
        }
        merge_native(&mut payload, request.native)?;
        let ticket = payload.get("Ticket");
        let state = ticket
            .and_then(|t| t.get("State"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if state.to_lowercase().starts_with("pending")
            && ticket.and_then(|t| t.get("PendingTime")).is_none()
        {
            return Err(Error::invalid_input(
                "PendingTime",
                format!(
                    "state `{state}` needs a pending time: pass `PendingTime: {{Diff: <minutes>}}` or `{{Year, Month, Day, Hour, Minute}}`"
                ),
            ));
        }
        payload.insert("TicketID".into(), id.as_str().into());
        self.client
            .call(Operation::TicketUpdate, payload)
            .await
            .map_err(not_found(&id))?;
        if request.reread {
            self.reread(id.as_str()).await
        } else {
            Ok(changes.id(id.into_string()))
        }
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        let (id, note) = (request.ticket_id, request.note);
        let mut payload = Map::new();
        payload.insert("TicketID".into(), id.as_str().into());
        payload.insert("Article".into(), self.article(&note));
        merge_native(&mut payload, request.native)?;
        self.client
            .call(Operation::TicketUpdate, payload)
            .await
            .map_err(not_found(&id))?;
        if request.reread {
            self.reread(id.as_str()).await
        } else {
            Ok(UnifiedTicket::new().id(id.into_string()).note(note))
        }
    }

    async fn healthcheck(&self) -> Result<()> {
        self.client.login().await?;
        let mut payload = Map::new();
        payload.insert("Limit".into(), 1.into());
        self.client
            .call(Operation::TicketSearch, payload)
            .await
            .map(|_| ())
    }
}

impl ServiceConfig for OtoboConfig {
    const NATIVE_KEYS: &'static NativeKeys = &NATIVE_KEYS;

    fn check(&self) -> Result<()> {
        self.validate()
    }

    fn build(self, _ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        Ok(Arc::new(OtoboService::new(&self)?))
    }
}
