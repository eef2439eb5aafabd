//! The TicketSystemService for RT.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{Error, Result, TicketSystemService, UnifiedNote, UnifiedTicket};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::client::{RtClient, error_for};
use crate::mapping::{Maps, note_from_transaction, ticket_from_rt};
use crate::native::NATIVE_KEYS;
use crate::params::search_params;
use crate::{RtConfig, sql};

/// Page size for searches and history.
const PAGE: usize = 100;

/// Phrases RT uses in the 200 reply of a ticket update when a change failed.
const FAILURE_PHRASES: &[&str] = &[
    "does not exist",
    "isn't a valid",
    "is not a valid",
    "permission denied",
    "not found",
    "illegal value",
    "could not",
    "couldn't",
    "invalid",
    "no permission",
];

/// Request Tracker 5, through REST 2.
///
/// `get_ticket` returns `None` for a missing ticket; `number` is RT's ticket id. Notes are the
/// ticket's Create, Comment (internal) and Correspond (visible) messages, oldest first.
#[derive(Debug, Clone)]
pub struct RtService {
    client: RtClient,
    maps: Arc<Maps>,
    queue_names: Arc<Mutex<HashMap<String, String>>>,
    concurrency: usize,
    fulltext: bool,
}

impl RtService {
    /// Posts `note` as a comment (internal) or correspondence; a missing ticket is not found.
    async fn post_note(
        &self,
        id: &str,
        note: &UnifiedNote,
        native: Map<String, Value>,
    ) -> Result<()> {
        let mut body = Map::new();
        if let Some(subject) = &note.subject {
            body.insert("Subject".into(), subject.clone().into());
        }
        body.insert(
            "Content".into(),
            note.body.clone().unwrap_or_default().into(),
        );
        body.insert(
            "ContentType".into(),
            note.content_type
                .clone()
                .unwrap_or_else(|| "text/plain".into())
                .into(),
        );
        body.extend(native);
        let kind = if note.internal {
            "comment"
        } else {
            "correspond"
        };
        let path = format!("/ticket/{}/{kind}", segment(id)?);
        let reply = self
            .client
            .send(Method::POST, &path, &[], Some(&Value::Object(body)))
            .await?;
        if reply.status != 201 {
            // RT answers 400 "Message could not be recorded" for a missing ticket.
            if reply.status == 404 || !self.exists(id).await? {
                return Err(Error::ticket_not_found(id));
            }
            return Err(error_for(&format!("POST /ticket/:id/{kind}"), &reply));
        }
        Ok(())
    }

    /// Builds the service; contacts nobody until the first call.
    pub fn new(config: &RtConfig) -> Result<Self> {
        Ok(Self {
            client: RtClient::new(config)?,
            maps: Arc::new(Maps::new(&config.mapping)),
            queue_names: Arc::new(Mutex::new(HashMap::new())),
            concurrency: config.concurrency,
            fulltext: config.fulltext_index,
        })
    }

    /// The ticket with its messages; `None` when RT answers 404.
    pub async fn ticket(&self, id: &str) -> Result<Option<UnifiedTicket>> {
        let path = format!("/ticket/{}", segment(id)?);
        let reply = self.client.send(Method::GET, &path, &[], None).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        if reply.status != 200 {
            return Err(error_for("GET /ticket/:id", &reply));
        }
        let queue = match reply
            .body
            .get("Queue")
            .and_then(|q| q.get("id"))
            .and_then(Value::as_str)
        {
            Some(queue_id) => self.queue_name(queue_id).await?,
            None => None,
        };
        let notes = self.messages(id).await?;
        Ok(Some(ticket_from_rt(&reply.body, queue, notes, &self.maps)))
    }

    async fn queue_name(&self, queue_id: &str) -> Result<Option<String>> {
        if let Some(name) = self
            .queue_names
            .lock()
            .ok()
            .and_then(|c| c.get(queue_id).cloned())
        {
            return Ok(Some(name));
        }
        let queue = self
            .client
            .get_ok(
                &format!("/queue/{}", segment(queue_id)?),
                &[],
                "GET /queue/:id",
            )
            .await?;
        let name = queue.get("Name").and_then(Value::as_str).map(str::to_owned);
        if let (Some(name), Ok(mut cache)) = (&name, self.queue_names.lock()) {
            cache.insert(queue_id.to_owned(), name.clone());
        }
        Ok(name)
    }

    /// The ticket's messages: Create, Comment and Correspond transactions with their text.
    async fn messages(&self, id: &str) -> Result<Vec<UnifiedNote>> {
        let path = format!("/ticket/{}/history", segment(id)?);
        let mut transactions = Vec::new();
        for page in 1.. {
            let query = [
                ("fields", "Type,Creator,Created".to_owned()),
                ("per_page", PAGE.to_string()),
                ("page", page.to_string()),
            ];
            let page_body = self
                .client
                .get_ok(&path, &query, "GET /ticket/:id/history")
                .await?;
            let items = page_body
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let count = items.len();
            transactions.extend(items.into_iter().filter(|t| {
                matches!(
                    t.get("Type").and_then(Value::as_str),
                    Some("Create" | "Comment" | "Correspond")
                )
            }));
            if count < PAGE {
                break;
            }
        }
        futures::stream::iter(transactions)
            .map(|transaction| async move {
                let tid = transaction
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let query = [("fields", "ContentType,Content,Subject".to_owned())];
                let attachments = self
                    .client
                    .get_ok(
                        &format!("/transaction/{}/attachments", segment(&tid)?),
                        &query,
                        "GET /transaction/:id/attachments",
                    )
                    .await?;
                let parts = attachments
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let text_part = parts.iter().find(|p| {
                    let ct = p
                        .get("ContentType")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    (ct.starts_with("text/plain") || ct.starts_with("text/html"))
                        && p.get("Content")
                            .and_then(Value::as_str)
                            .is_some_and(|c| !c.is_empty())
                });
                let mut note = note_from_transaction(&transaction, text_part);
                if note.subject.is_none() {
                    note.subject = parts
                        .iter()
                        .find_map(|p| p.get("Subject").and_then(Value::as_str))
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned);
                }
                Ok(note)
            })
            .buffered(self.concurrency)
            .try_collect()
            .await
    }

    /// IDs matching `sql` in the order `extra` asks for, at most `want` (all when `None`).
    async fn search_ids(
        &self,
        sql: &str,
        extra: &[(String, String)],
        want: Option<usize>,
    ) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for page in 1.. {
            let mut query = vec![
                ("query", sql.to_owned()),
                ("fields", "id".to_owned()),
                ("per_page", PAGE.to_string()),
                ("page", page.to_string()),
            ];
            query.extend(extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
            let reply = self
                .client
                .send(Method::GET, "/tickets", &query, None)
                .await?;
            if reply.status == 400 {
                return Err(Error::invalid_input(
                    "query",
                    crate::client::message_of(&reply.body).trim().to_owned(),
                ));
            }
            if reply.status != 200 {
                return Err(error_for("GET /tickets", &reply));
            }
            let items = reply
                .body
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let count = items.len();
            ids.extend(items.iter().filter_map(|i| match i.get("id") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            }));
            if count < PAGE || want.is_some_and(|w| ids.len() >= w) {
                break;
            }
        }
        Ok(ids)
    }

    async fn exists(&self, id: &str) -> Result<bool> {
        let reply = self
            .client
            .send(Method::GET, &format!("/ticket/{}", segment(id)?), &[], None)
            .await?;
        Ok(reply.status != 404)
    }

    async fn reread(&self, id: &str) -> Result<UnifiedTicket> {
        self.ticket(id)
            .await?
            .ok_or_else(|| Error::ticket_not_found(id))
    }

    /// The RT fields for the unified fields set in `t`.
    fn fields(&self, t: &UnifiedTicket) -> Result<Map<String, Value>> {
        let mut body = Map::new();
        if t.ticket_type.is_some() {
            return Err(Error::invalid_input(
                "type",
                "Request Tracker tickets have no type",
            ));
        }
        if let Some(subject) = &t.subject {
            body.insert("Subject".into(), subject.clone().into());
        }
        if let Some(queue) = &t.queue {
            let value = match (&queue.name, &queue.id) {
                (Some(name), _) => self.maps.queue_to_rt(name).to_owned(),
                (None, Some(id)) => id.clone(),
                _ => String::new(),
            };
            body.insert("Queue".into(), value.into());
        }
        if let Some(state) = t.state.as_ref().and_then(|s| s.label()) {
            body.insert("Status".into(), self.maps.state_to_rt(state).into());
        }
        if let Some(priority) = &t.priority {
            body.insert(
                "Priority".into(),
                self.maps.priority_to_rt(priority)?.into(),
            );
        }
        if let Some(owner) = t.owner.as_ref().and_then(|o| o.label()) {
            body.insert("Owner".into(), owner.into());
        }
        if let Some(customer) = t.customer.as_ref().and_then(|c| c.label()) {
            body.insert("Requestor".into(), json!([customer]));
        }
        if !t.custom_fields.is_empty() {
            body.insert(
                "CustomFields".into(),
                Value::Object(t.custom_fields.clone().into_iter().collect()),
            );
        }
        Ok(body)
    }
}

/// A path segment: RT IDs are digits (queues may be names); anything else is invalid input.
fn segment(id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::invalid_input(
            "ticket_id",
            format!("`{id}` is not an RT id"),
        ));
    }
    Ok(id.to_owned())
}

/// The unified field a failed-update message is about.
fn field_of(message: &str) -> &'static str {
    let m = message.to_lowercase();
    if m.contains("status") {
        "state"
    } else if m.contains("queue") {
        "queue"
    } else if m.contains("user") || m.contains("owner") {
        "owner"
    } else if m.contains("priority") {
        "priority"
    } else if m.contains("custom field") || m.contains("cf") {
        "custom_fields"
    } else {
        "ticket"
    }
}

#[async_trait]
impl TicketSystemService for RtService {
    fn kind(&self) -> &'static str {
        "rt"
    }

    fn native_keys(&self) -> &'static NativeKeys {
        &NATIVE_KEYS
    }

    async fn find_tickets(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        let criteria = request.criteria;
        let params = search_params(request.native)?;
        let sql = sql::ticket_sql(
            &criteria,
            params.query.as_deref(),
            &self.maps,
            self.fulltext,
        )?;
        let filter_text = criteria
            .text_contains
            .as_ref()
            .filter(|_| !self.fulltext)
            .map(|t| t.to_lowercase());
        let offset = criteria.offset.unwrap_or(0);
        let limit = criteria.limit.unwrap_or(usize::MAX);
        let want = if filter_text.is_some() {
            None
        } else {
            criteria.limit.map(|l| l + offset)
        };
        let mut ids = self.search_ids(&sql, &params.extra, want).await?;
        if filter_text.is_none() {
            ids = ids.into_iter().skip(offset).take(limit).collect();
        }
        let tickets: Vec<Option<UnifiedTicket>> = futures::stream::iter(ids)
            .map(|id| async move { self.ticket(&id).await })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let tickets = tickets.into_iter().flatten();
        Ok(match filter_text {
            None => tickets.collect(),
            Some(text) => tickets
                .filter(|t| {
                    let has = |s: &Option<String>| {
                        s.as_deref()
                            .is_some_and(|s| s.to_lowercase().contains(&text))
                    };
                    has(&t.subject) || has(&t.body) || t.notes.iter().any(|n| has(&n.body))
                })
                .skip(offset)
                .take(limit)
                .collect(),
        })
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        if let Some(key) = request.native.keys().next() {
            return Err(Error::invalid_input(
                format!("native.{key}"),
                "RT's get_ticket has no native arguments",
            ));
        }
        let id = request.ticket_id.as_str();
        // RT ticket IDs are numbers: any other ID names no ticket.
        if !id.chars().all(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        self.ticket(id).await
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        let t = request.ticket;
        let mut body = self.fields(&t)?;
        if !body.contains_key("Queue") {
            return Err(Error::invalid_input(
                "queue",
                "RT needs a queue for a new ticket",
            ));
        }
        if let Some(text) = &t.body {
            body.insert("Content".into(), text.clone().into());
            body.insert("ContentType".into(), "text/plain".into());
        }
        body.extend(request.native);
        let reply = self
            .client
            .send(Method::POST, "/ticket", &[], Some(&Value::Object(body)))
            .await?;
        if reply.status != 201 {
            return Err(error_for("POST /ticket", &reply));
        }
        let id = match reply.body.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(Error::Remote {
                    request: "POST /ticket".into(),
                    status: Some(201),
                    code: None,
                    message: "reply has no id".into(),
                    retry_after: None,
                });
            }
        };
        self.reread(&id).await
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        let id = request.ticket_id.into_string();
        let mut changes = request.changes;
        changes.notes.extend(request.note);
        let mut body = self.fields(&changes)?;
        body.extend(request.native);
        let path = format!("/ticket/{}", segment(&id)?);
        if body.is_empty() {
            if !self.exists(&id).await? {
                return Err(Error::ticket_not_found(&id));
            }
        } else {
            let reply = self
                .client
                .send(Method::PUT, &path, &[], Some(&Value::Object(body)))
                .await?;
            match reply.status {
                404 => return Err(Error::ticket_not_found(&id)),
                200 => {}
                _ => return Err(error_for("PUT /ticket/:id", &reply)),
            }
            let failures: Vec<String> = reply
                .body
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|m| FAILURE_PHRASES.iter().any(|p| m.to_lowercase().contains(p)))
                .map(str::to_owned)
                .collect();
            if let Some(first) = failures.first() {
                return Err(Error::invalid_input(field_of(first), failures.join("; ")));
            }
        }
        // RT records a comment in a request of its own, after the change.
        for note in &changes.notes {
            self.post_note(&id, note, Map::new()).await?;
        }
        if request.reread {
            self.reread(&id).await
        } else {
            Ok(changes.id(id))
        }
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        let (id, note) = (request.ticket_id.into_string(), request.note);
        self.post_note(&id, &note, request.native).await?;
        if request.reread {
            self.reread(&id).await
        } else {
            Ok(UnifiedTicket::new().id(id).note(note))
        }
    }

    async fn healthcheck(&self) -> Result<()> {
        self.client.get_ok("/rt", &[], "GET /rt").await.map(|_| ())
    }
}
