//! `Ticket::TicketCreate` and `Ticket::TicketUpdate`: the `Ticket`, `Article` and
//! `DynamicField` input as unified kwargs, parsed by the unified request parsers (so a bad
//! value is a typed `InvalidParameter`), and OTOBO's answers.

use otai_core::model::check_attachments;
use otai_core::request::{CreateRequest, GetRequest, NoteRequest, TicketId, UpdateRequest};
use otai_core::{TicketSystemService, UnifiedAttachment, UnifiedNote, UnifiedTicket};
use otai_otobo_znuny::input::text;
use serde_json::{Map, Value, json};

use super::Caller;
use super::read::{ticket_ids, visible, visible_with};
use crate::accounts::Identity;
use crate::error::{OpError, from_service};

/// The most dynamic fields one request sets.
const MAX_FIELDS: usize = 500;

/// `Ticket` keys that name an entity: GI key → unified key.
const ENTITIES: [(&str, &str); 5] = [
    ("Queue", "queue"),
    ("State", "state"),
    ("Priority", "priority"),
    ("Type", "type"),
    ("Owner", "owner"),
];

/// `Ticket` keys the unified model cannot hold: refused rather than dropped.
const UNSUPPORTED: [&str; 6] = [
    "Service",
    "ServiceID",
    "SLA",
    "SLAID",
    "Responsible",
    "ResponsibleID",
];

/// A scalar of `map` as trimmed text (OTOBO trims every scalar of these objects).
fn scalar(map: &Map<String, Value>, key: &str) -> Option<String> {
    text(map, key)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn object<'a>(
    input: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, OpError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(OpError::invalid(format!("{key} parameter is invalid!"))),
    }
}

/// The unified kwargs of a `Ticket` object.
fn ticket_kwargs(ticket: &Map<String, Value>, out: &mut Map<String, Value>) -> Result<(), OpError> {
    for key in UNSUPPORTED {
        if scalar(ticket, key).is_some() {
            return Err(OpError::invalid(format!(
                "Ticket->{key} is not supported by this provider!"
            )));
        }
    }
    if let Some(title) = scalar(ticket, "Title") {
        out.insert("subject".into(), title.into());
    }
    for (gi, unified) in ENTITIES {
        if let Some(name) = scalar(ticket, gi) {
            out.insert(unified.into(), json!({"name": name}));
        } else if let Some(id) = scalar(ticket, &format!("{gi}ID")) {
            out.insert(unified.into(), json!({"id": id}));
        }
    }
    if let Some(customer) = scalar(ticket, "CustomerUser") {
        out.insert("customer".into(), json!({"name": customer}));
    }
    Ok(())
}

/// The unified `custom_fields` of `DynamicField` (one object or a list of `{Name, Value}`).
fn custom_fields(input: &Map<String, Value>) -> Result<Option<Value>, OpError> {
    let items = match input.get("DynamicField") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return Err(OpError::invalid("DynamicField parameter is invalid!")),
    };
    if items.len() > MAX_FIELDS {
        return Err(OpError::invalid(format!(
            "at most {MAX_FIELDS} dynamic fields at once"
        )));
    }
    let mut fields = Map::new();
    for item in items {
        let Value::Object(item) = item else {
            return Err(OpError::invalid("DynamicField parameter is invalid!"));
        };
        let name = scalar(item, "Name")
            .ok_or_else(|| OpError::missing("DynamicField->Name  parameter is missing!"))?;
        let value = match item.get("Value") {
            Some(Value::String(s)) => Value::String(s.trim().to_owned()),
            Some(value @ (Value::Number(_) | Value::Array(_) | Value::Null)) => value.clone(),
            None => {
                return Err(OpError::missing(
                    "DynamicField->Value parameter is missing!",
                ));
            }
            Some(_) => {
                return Err(OpError::invalid(
                    "DynamicField->Value parameter is invalid!",
                ));
            }
        };
        fields.insert(name, value);
    }
    Ok(Some(Value::Object(fields)))
}

/// The note of an `Article`: subject, body, content type, visibility.
fn note(article: &Map<String, Value>) -> Result<Map<String, Value>, OpError> {
    let subject = scalar(article, "Subject")
        .ok_or_else(|| OpError::missing("Article->Subject parameter is missing!"))?;
    let body = scalar(article, "Body")
        .ok_or_else(|| OpError::missing("Article->Body parameter is missing!"))?;
    let mut note = Map::new();
    note.insert("subject".into(), subject.into());
    note.insert("body".into(), body.into());
    let mime = scalar(article, "MimeType").or_else(|| {
        scalar(article, "ContentType")
            .map(|c| c.split(';').next().unwrap_or_default().trim().to_owned())
    });
    if let Some(mime) = mime.filter(|m| !m.is_empty()) {
        note.insert("content_type".into(), mime.into());
    }
    let visible = scalar(article, "IsVisibleForCustomer").is_some_and(|v| v == "1");
    note.insert("internal".into(), (!visible).into());
    Ok(note)
}

/// The first article as sent, written by `identity` (or by the ticket's customer when it says
/// `SenderType: customer`): a store that keeps given notes (the local store) keeps its subject
/// and sender; a helpdesk that makes the first article from the body uses the ticket's title.
fn first_article(
    note: &Map<String, Value>,
    identity: &Identity,
    sent_by_customer: bool,
    ticket: &UnifiedTicket,
) -> UnifiedNote {
    let field = |key: &str| note.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut first = UnifiedNote::new(field("subject"), field("body")).internal(
        note.get("internal")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    );
    if let Some(mime) = note.get("content_type").and_then(Value::as_str) {
        first = first.content_type(mime);
    }
    let customer = ticket
        .customer
        .as_ref()
        .and_then(|c| c.label())
        .map(str::to_owned);
    first.author = match identity {
        Identity::Customer(login) => Some(login.clone()),
        Identity::Agent(_) if sent_by_customer => customer,
        Identity::Agent(login) => Some(login.clone()),
    };
    first
}

/// The most attachments one request carries.
const MAX_ATTACHMENTS: usize = 100;

/// The `Attachment` of a request (one object or a list, each with `Content` (base64),
/// `ContentType` and `Filename`, as OTOBO requires), as note `attachments` kwargs: the note
/// request checks the name, type, base64 and sizes.
fn attachments(input: &Map<String, Value>, has_article: bool) -> Result<Vec<Value>, OpError> {
    let items: Vec<&Value> = match input.get("Attachment") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    if !has_article {
        return Err(OpError::missing(
            "To create an attachment an article is needed!",
        ));
    }
    if items.len() > MAX_ATTACHMENTS {
        return Err(OpError::invalid(format!(
            "at most {MAX_ATTACHMENTS} attachments at once"
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        let Value::Object(item) = item else {
            return Err(OpError::invalid("Attachment parameter is invalid!"));
        };
        let field = |key: &str| {
            text(item, key)
                .ok_or_else(|| OpError::missing(format!("Attachment->{key} parameter is missing!")))
        };
        let (content, content_type, name) =
            (field("Content")?, field("ContentType")?, field("Filename")?);
        // `text/plain; charset=utf8` is a content type with a parameter: kept as it is.
        out.push(json!({"name": name, "content_type": content_type, "content": content}));
    }
    Ok(out)
}

/// The attachments of TicketCreate's first article, checked as a note request checks them.
fn typed_attachments(files: Vec<Value>) -> Result<Vec<UnifiedAttachment>, OpError> {
    let mut typed: Vec<UnifiedAttachment> = serde_json::from_value(Value::Array(files))
        .map_err(|_| OpError::invalid("Attachment->Content is not base64!"))?;
    if let Some((field, message)) = check_attachments(&mut typed, "").into_iter().next() {
        return Err(OpError::invalid(format!("Attachment: {field}: {message}")));
    }
    Ok(typed)
}

fn write_answer(ticket: &UnifiedTicket, id: &TicketId, with_article: bool) -> Value {
    let mut out = Map::new();
    out.insert("TicketID".into(), id.as_str().into());
    let number = ticket
        .number
        .clone()
        .unwrap_or_else(|| id.as_str().to_owned());
    out.insert("TicketNumber".into(), number.into());
    if with_article && let Some(article) = ticket.notes.last().and_then(|n| n.id.clone()) {
        out.insert("ArticleID".into(), article.into());
    }
    Value::Object(out)
}

fn parse_id(ticket: &UnifiedTicket) -> Result<TicketId, OpError> {
    let id = ticket.id.clone().unwrap_or_default();
    TicketId::from_value(&Value::String(id))
        .map_err(|e| OpError::new("Fail", format!("the helpdesk answered no ticket ID: {e}")))
}

/// TicketCreate: a ticket with its first article: `{"TicketID", "TicketNumber", "ArticleID"}`.
pub(super) async fn create(
    service: &dyn TicketSystemService,
    identity: &Identity,
    input: &Map<String, Value>,
) -> Result<Value, OpError> {
    let ticket = object(input, "Ticket")?
        .ok_or_else(|| OpError::missing("Ticket parameter is missing or not valid!"))?;
    let article = object(input, "Article")?
        .ok_or_else(|| OpError::missing("Article parameter is missing or not valid!"))?;
    let files = attachments(input, true)?;
    if scalar(ticket, "Title").is_none() {
        return Err(OpError::missing("Ticket->Title parameter is missing!"));
    }
    if scalar(ticket, "Queue").is_none() && scalar(ticket, "QueueID").is_none() {
        return Err(OpError::missing(
            "Ticket->QueueID or Ticket->Queue parameter is missing!",
        ));
    }
    let mut kwargs = Map::new();
    ticket_kwargs(ticket, &mut kwargs)?;
    if let Identity::Customer(login) = identity {
        kwargs.insert("customer".into(), json!({"name": login}));
    } else if !kwargs.contains_key("customer") {
        return Err(OpError::missing(
            "Ticket->CustomerUser parameter is missing!",
        ));
    }
    let note = note(article)?;
    if let Some(body) = note.get("body") {
        kwargs.insert("body".into(), body.clone());
    }
    if let Some(fields) = custom_fields(input)? {
        kwargs.insert("custom_fields".into(), fields);
    }
    let mut request = CreateRequest::from_kwargs(kwargs, service.kind(), service.native_keys())
        .map_err(|e| from_service(&e))?;
    let sent_by_customer = scalar(article, "SenderType").is_some_and(|s| s == "customer");
    let mut first = first_article(&note, identity, sent_by_customer, &request.ticket);
    first.attachments = typed_attachments(files)?;
    request.ticket.notes.push(first);
    let created = service
        .create_ticket(request)
        .await
        .map_err(|e| from_service(&e))?;
    let id = parse_id(&created)?;
    let mut answer = write_answer(&created, &id, true);
    if let Value::Object(map) = &mut answer
        && !map.contains_key("ArticleID")
    {
        map.insert("ArticleID".into(), "1".into());
    }
    Ok(answer)
}

/// TicketUpdate: fields, an article and dynamic fields of one ticket, named by `TicketID` or
/// `TicketNumber`: `{"TicketID", "TicketNumber"}` plus `"ArticleID"` when one was added.
pub(super) async fn update(
    service: &dyn TicketSystemService,
    identity: &Identity,
    input: &Map<String, Value>,
) -> Result<Value, OpError> {
    let id = match (input.get("TicketID"), scalar(input, "TicketNumber")) {
        (Some(_), _) => ticket_ids(input)?
            .into_iter()
            .next()
            .ok_or_else(|| OpError::missing("TicketID or TicketNumber is required!"))?,
        (None, Some(number)) => service
            .ticket_id_by_number(&number)
            .await
            .map_err(|e| from_service(&e))?
            .ok_or_else(OpError::no_access)?,
        (None, None) => return Err(OpError::missing("TicketID or TicketNumber is required!")),
    };
    let current = visible(service, identity, &id).await?;
    let files = attachments(input, input.contains_key("Article"))?;
    let mut changes = Map::new();
    if let Some(ticket) = object(input, "Ticket")? {
        ticket_kwargs(ticket, &mut changes)?;
        let pending =
            scalar(ticket, "State").is_some_and(|s| s.to_lowercase().starts_with("pending"));
        if pending && ticket.get("PendingTime").is_none() {
            return Err(OpError::missing(
                "Can't set a ticket on a pending state without pendig time!",
            )
            .bare());
        }
        if matches!(identity, Identity::Customer(_)) {
            changes.remove("customer");
        }
    }
    if let Some(fields) = custom_fields(input)? {
        changes.insert("custom_fields".into(), fields);
    }
    let note = object(input, "Article")?
        .map(note)
        .transpose()?
        .map(|mut note| {
            if !files.is_empty() {
                note.insert("attachments".into(), Value::Array(files));
            }
            note
        });
    let updated = match (changes.is_empty(), note) {
        (true, None) => return Ok(write_answer(&current, &id, false)),
        (true, Some(mut note)) => {
            note.insert("ticket_id".into(), id.as_str().into());
            let request = NoteRequest::from_kwargs(note, service.kind(), service.native_keys())
                .map_err(|e| from_service(&e))?;
            service.add_note(request).await
        }
        (false, note) => {
            changes.insert("ticket_id".into(), id.as_str().into());
            if let Some(note) = &note {
                changes.insert("note".into(), Value::Object(note.clone()));
            }
            let request =
                UpdateRequest::from_kwargs(changes, service.kind(), service.native_keys())
                    .map_err(|e| from_service(&e))?;
            let with_note = request.note.is_some();
            let updated = service.update_ticket(request).await;
            return updated
                .map(|t| write_answer(&t, &id, with_note))
                .map_err(|e| from_service(&e));
        }
    }
    .map_err(|e| from_service(&e))?;
    Ok(write_answer(&updated, &id, true))
}

/// `IncludeTicketData`: the `answer` of TicketCreate or TicketUpdate with `Ticket`, the ticket
/// as it is now, its `Article` the one the answer's `ArticleID` names (or the last one).
pub(super) async fn include_ticket(
    service: &dyn TicketSystemService,
    identity: &Identity,
    mut answer: Value,
    caller: Caller,
) -> Result<Value, OpError> {
    let Value::Object(map) = &mut answer else {
        return Ok(answer);
    };
    let id = map
        .get("TicketID")
        .map(TicketId::from_value)
        .transpose()
        .map_err(|e| OpError::new("Fail", format!("the helpdesk answered no ticket ID: {e}")))?
        .ok_or_else(|| OpError::new("Fail", "the helpdesk answered no ticket ID"))?;
    let request = GetRequest::new(id).attachment_content(true);
    let ticket = visible_with(service, identity, request).await?;
    let now = chrono::DateTime::from_timestamp(caller.now, 0).unwrap_or_default();
    let article = map.get("ArticleID").and_then(Value::as_str);
    map.insert(
        "Ticket".into(),
        crate::shape::included_ticket(&ticket, article, &now),
    );
    Ok(answer)
}
