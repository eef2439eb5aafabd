//! The TicketSystemService for RT.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use otai_core::request::{
    CreateRequest, GetRequest, NativeKeys, NoteRequest, SearchRequest, UpdateRequest,
};
use otai_core::{
    Error, Result, TicketId, TicketSystemService, UnifiedHistoryEntry, UnifiedNote, UnifiedTicket,
};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::RtConfig;
use crate::client::{RtClient, reply_error};
use crate::history::{entries, messages};
use crate::json::{Id, Obj, Text};
use crate::limits::MAX_CACHED_QUEUES;
use crate::mapping::{Maps, ticket_from_rt};
use crate::native::NATIVE_KEYS;
use crate::wire::{Created, Messages, Queue, SystemInfo, Ticket};

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
    pub(crate) client: RtClient,
    pub(crate) maps: Arc<Maps>,
    queue_names: Arc<Mutex<HashMap<Id, String>>>,
    pub(crate) concurrency: usize,
    pub(crate) fulltext: bool,
    /// Tickets a search returns at most when it gives no `limit`.
    pub(crate) max_results: usize,
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
        let attachments = crate::mapping::attachment_items(note);
        if !attachments.is_empty() {
            body.insert("Attachments".into(), Value::Array(attachments));
        }
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
        let request = format!("POST /ticket/:id/{kind}");
        if reply.status != 201 {
            // RT answers 400 "Message could not be recorded" for a missing ticket.
            if reply.status == 404 || !self.exists(id).await? {
                return Err(Error::ticket_not_found(id));
            }
            return Err(self.client.error_for(&request, &reply));
        }
        self.client
            .decode::<Messages>(&request, "a list of messages", &reply)
            .map(|_| ())
    }

    /// Builds the service; contacts nobody until the first call.
    pub fn new(config: &RtConfig) -> Result<Self> {
        Ok(Self {
            client: RtClient::new(config)?,
            maps: Arc::new(Maps::new(&config.mapping)?),
            queue_names: Arc::new(Mutex::new(HashMap::new())),
            concurrency: config.concurrency,
            fulltext: config.fulltext_index,
            max_results: config.max_results,
        })
    }

    /// Hides the configured token or password with `redactor` (the program's one redactor), so
    /// it never shows in an error or a log line, and redacts server text with it.
    pub fn with_redactor(mut self, redactor: otai_core::output::Redactor) -> Self {
        self.client = self.client.with_redactor(redactor);
        self
    }

    /// The ticket with its messages; `None` when RT answers 404 or `id` is no RT id.
    pub async fn ticket(&self, id: &str) -> Result<Option<UnifiedTicket>> {
        self.ticket_with(id, false).await
    }

    /// [`Self::ticket`], with the attachments' content when `content` is set.
    async fn ticket_with(&self, id: &str, content: bool) -> Result<Option<UnifiedTicket>> {
        match ticket_number(id) {
            Some(id) => self.read_ticket_with(id, content).await,
            None => Ok(None),
        }
    }

    /// Ticket `id` with its messages; `None` when RT answers 404. A reply about another ticket
    /// is an error.
    pub(crate) async fn read_ticket(&self, id: Id) -> Result<Option<UnifiedTicket>> {
        self.read_ticket_with(id, false).await
    }

    /// [`Self::read_ticket`], with the attachments' content when `content` is set.
    async fn read_ticket_with(&self, id: Id, content: bool) -> Result<Option<UnifiedTicket>> {
        const REQUEST: &str = "GET /ticket/:id";
        let reply = self
            .client
            .send(Method::GET, &format!("/ticket/{id}"), &[], None)
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        if reply.status != 200 {
            return Err(self.client.error_for(REQUEST, &reply));
        }
        let Obj(ticket) = self
            .client
            .decode::<Obj<Ticket>>(REQUEST, "a ticket", &reply)?;
        if ticket.id != id {
            return Err(reply_error(
                REQUEST,
                reply.status,
                format!(
                    "asked for ticket {id}, the reply is about ticket {}",
                    ticket.id
                ),
            ));
        }
        let queue = match &ticket.queue {
            Some(Obj(queue)) => self.queue_name(queue.id).await?,
            None => None,
        };
        let notes = messages(&self.client, id, self.concurrency, content).await?;
        Ok(Some(ticket_from_rt(ticket, queue, notes, &self.maps)))
    }

    /// The name of queue `id`, remembered for the service's lifetime (up to
    /// [`MAX_CACHED_QUEUES`] queues).
    async fn queue_name(&self, id: Id) -> Result<Option<String>> {
        const REQUEST: &str = "GET /queue/:id";
        if let Some(name) = self
            .queue_names
            .lock()
            .ok()
            .and_then(|c| c.get(&id).cloned())
        {
            return Ok(Some(name));
        }
        let Obj(queue) = self
            .client
            .get_json::<Obj<Queue>>(&format!("/queue/{id}"), &[], REQUEST, "a queue")
            .await?;
        if queue.id != id {
            return Err(reply_error(
                REQUEST,
                200,
                format!(
                    "asked for queue {id}, the reply is about queue {}",
                    queue.id
                ),
            ));
        }
        let name = queue.name.map(|n| n.0).filter(|n| !n.is_empty());
        if let (Some(name), Ok(mut cache)) = (&name, self.queue_names.lock()) {
            if cache.len() < MAX_CACHED_QUEUES {
                cache.insert(id, name.clone());
            }
        }
        Ok(name)
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

/// `id` as an RT ticket number, if it is one.
fn ticket_number(id: &str) -> Option<Id> {
    let id = id.trim();
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok().filter(|n| *n > 0).map(Id)
}

/// The ticket an update message names: `Ticket 7: Status changed …` → 7.
fn ticket_named(message: &str) -> Option<Id> {
    let (head, _) = message.strip_prefix("Ticket ")?.split_once(':')?;
    ticket_number(head)
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
        self.search(request).await
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        if let Some(key) = request.native.keys().next() {
            return Err(Error::invalid_input(
                format!("native.{key}"),
                "RT's get_ticket has no native arguments",
            ));
        }
        // RT ticket IDs are numbers: any other ID names no ticket.
        self.ticket_with(request.ticket_id.as_str(), request.attachment_content)
            .await
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
        const REQUEST: &str = "POST /ticket";
        if reply.status != 201 {
            return Err(self.client.error_for(REQUEST, &reply));
        }
        let Obj(created) =
            self.client
                .decode::<Obj<Created>>(REQUEST, "the new ticket's id", &reply)?;
        if let Some(Text(kind)) = created.kind.filter(|k| k.0 != "ticket") {
            return Err(reply_error(
                REQUEST,
                reply.status,
                format!(
                    "the reply is about a `{}`, not a ticket",
                    self.client.server_text(kind.as_bytes())
                ),
            ));
        }
        let Some(id) = created.id else {
            return Err(reply_error(REQUEST, reply.status, "reply has no id"));
        };
        self.reread(&id.to_string()).await
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
            const REQUEST: &str = "PUT /ticket/:id";
            match reply.status {
                404 => return Err(Error::ticket_not_found(&id)),
                200 => {}
                _ => return Err(self.client.error_for(REQUEST, &reply)),
            }
            let messages = self
                .client
                .decode::<Messages>(REQUEST, "a list of messages", &reply)?
                .0;
            let asked = ticket_number(&id);
            if let Some(other) = messages
                .iter()
                .filter_map(|m| ticket_named(&m.0))
                .find(|n| Some(*n) != asked)
            {
                return Err(reply_error(
                    REQUEST,
                    reply.status,
                    format!("asked to change ticket {id}, the reply is about ticket {other}"),
                ));
            }
            let failures: Vec<&str> = messages
                .iter()
                .map(|m| m.0.as_str())
                .filter(|m| FAILURE_PHRASES.iter().any(|p| m.to_lowercase().contains(p)))
                .collect();
            if let Some(first) = failures.first() {
                let text = self.client.server_text(failures.join("; ").as_bytes());
                return Err(Error::invalid_input(field_of(first), text));
            }
        }
        // RT records a comment in a request of its own, after the change.
        for note in &changes.notes {
            self.post_note(&id, note, Map::new()).await?;
        }
        if request.reread {
            self.reread(&id).await
        } else {
            changes.notes = changes
                .notes
                .into_iter()
                .map(UnifiedNote::without_attachment_content)
                .collect();
            Ok(changes.id(id))
        }
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        let (id, note) = (request.ticket_id.into_string(), request.note);
        self.post_note(&id, &note, request.native).await?;
        if request.reread {
            self.reread(&id).await
        } else {
            Ok(UnifiedTicket::new()
                .id(id)
                .note(note.without_attachment_content()))
        }
    }

    /// The ticket's transactions, oldest first; a queue change names the queues (RT records
    /// their IDs), other values are RT's (user IDs for owners).
    async fn ticket_history(&self, request: GetRequest) -> Result<Vec<UnifiedHistoryEntry>> {
        if let Some(key) = request.native.keys().next() {
            return Err(Error::invalid_input(
                format!("native.{key}"),
                "RT's ticket history has no native arguments",
            ));
        }
        let id = request.ticket_id.as_str();
        let Some(rt_id) = ticket_number(id) else {
            return Err(Error::ticket_not_found(id));
        };
        if !self.exists(id).await? {
            return Err(Error::ticket_not_found(id));
        }
        let mut history = entries(&self.client, rt_id).await?;
        for entry in history
            .iter_mut()
            .filter(|e| e.field.as_deref() == Some("queue"))
        {
            for value in [&mut entry.old, &mut entry.new] {
                let queue = value.as_deref().and_then(|v| v.parse::<u64>().ok());
                if let Some(queue) = queue {
                    if let Some(name) = self.queue_name(Id(queue)).await? {
                        *value = Some(name);
                    }
                }
            }
        }
        Ok(history)
    }

    /// RT shows the ticket ID as its number: a whole number that names an existing ticket.
    async fn ticket_id_by_number(&self, number: &str) -> Result<Option<TicketId>> {
        let Some(id) = number.parse::<u64>().ok().filter(|n| *n > 0) else {
            return Ok(None);
        };
        Ok(self
            .exists(&id.to_string())
            .await?
            .then(|| TicketId::from(id)))
    }

    async fn healthcheck(&self) -> Result<()> {
        self.client
            .get_json::<Obj<SystemInfo>>("/rt", &[], "GET /rt", "its version")
            .await
            .map(|_| ())
    }
}
