//! Unified tickets, notes and history in OTOBO 11's answer shapes (`TicketGet`,
//! `TicketHistoryGet`): the same keys and list shapes; IDs as the recordings show them (numbers
//! where the helpdesk's are numeric); fields the unified model does not know get OTOBO's
//! neutral values (`Lock: unlock`, `ArchiveFlag: n`, escalation times 0).

use otai_core::model::Timestamp;
use otai_core::{UnifiedEntity, UnifiedHistoryEntry, UnifiedNote, UnifiedTicket};
use serde_json::{Map, Value, json};

/// What `TicketGet` was asked to include.
#[derive(Debug, Clone, Default)]
pub struct GetOptions {
    /// `DynamicFields=1`.
    pub dynamic_fields: bool,
    /// `AllArticles=1`.
    pub all_articles: bool,
    /// `Attachments=1`: every article then has an `Attachment` list.
    pub attachments: bool,
    /// `ArticleOrder=DESC`.
    pub newest_first: bool,
    /// `ArticleLimit` (0: all).
    pub article_limit: usize,
    /// `ArticleSenderType` (empty: all).
    pub sender_types: Vec<String>,
}

/// An ID as OTOBO sends it: a number when it is one, else the text.
pub fn id(text: &str) -> Value {
    text.parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// OTOBO's time format (`2026-11-23 03:47:16`, UTC).
pub fn time(at: &Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn entity(
    out: &mut Map<String, Value>,
    key: &str,
    entity: Option<&UnifiedEntity>,
    default_id: Value,
) {
    let name = entity
        .and_then(|e| e.name.clone())
        .or_else(|| entity.and_then(|e| e.id.clone()));
    out.insert(
        key.to_owned(),
        name.map(Value::String)
            .unwrap_or(Value::String(String::new())),
    );
    let id_value = entity
        .and_then(|e| e.id.as_deref())
        .map(id)
        .unwrap_or(default_id);
    out.insert(format!("{key}ID"), id_value);
}

/// The state type OTOBO would give state `name` (stock names; `open` otherwise).
fn state_type(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    if lower == "new" {
        "new"
    } else if lower.starts_with("closed") || lower == "resolved" {
        "closed"
    } else if lower.starts_with("pending auto") {
        "pending auto"
    } else if lower.starts_with("pending") {
        "pending reminder"
    } else if lower == "merged" {
        "merged"
    } else if lower == "removed" || lower == "deleted" || lower == "rejected" {
        "removed"
    } else {
        "open"
    }
}

/// One ticket of a `TicketGet` answer.
pub fn ticket(t: &UnifiedTicket, options: &GetOptions, now: &Timestamp) -> Value {
    let mut out = Map::new();
    let ticket_id = t.id.as_deref().unwrap_or_default();
    out.insert("TicketID".into(), id(ticket_id));
    out.insert(
        "TicketNumber".into(),
        t.number
            .clone()
            .unwrap_or_else(|| ticket_id.to_owned())
            .into(),
    );
    out.insert("Title".into(), t.subject.clone().unwrap_or_default().into());
    entity(&mut out, "Queue", t.queue.as_ref(), Value::from(1));
    entity(&mut out, "State", t.state.as_ref(), Value::from(1));
    let state = t
        .state
        .as_ref()
        .and_then(UnifiedEntity::label)
        .unwrap_or("new");
    out.insert("StateType".into(), state_type(state).into());
    entity(&mut out, "Priority", t.priority.as_ref(), Value::from(3));
    entity(&mut out, "Type", t.ticket_type.as_ref(), Value::from(1));
    entity(&mut out, "Owner", t.owner.as_ref(), Value::from(1));
    let customer = t
        .customer
        .as_ref()
        .and_then(UnifiedEntity::label)
        .unwrap_or_default();
    out.insert("CustomerUserID".into(), customer.into());
    out.insert("CustomerID".into(), customer.into());
    let created = t.created.unwrap_or(*now);
    out.insert("Created".into(), time(&created).into());
    out.insert("Changed".into(), time(&t.updated.unwrap_or(created)).into());
    out.insert("Age".into(), (*now - created).num_seconds().max(0).into());
    for (key, value) in [
        ("Lock", json!("unlock")),
        ("LockID", json!(1)),
        ("Responsible", json!("")),
        ("ResponsibleID", json!(1)),
        ("GroupID", json!(1)),
        ("ServiceID", json!("")),
        ("SLAID", json!("")),
        ("ArchiveFlag", json!("n")),
        ("UnlockTimeout", json!(0)),
        ("RealTillTimeNotUsed", json!(0)),
        ("UntilTime", json!(0)),
        ("EscalationTime", json!(0)),
        ("EscalationResponseTime", json!(0)),
        ("EscalationUpdateTime", json!(0)),
        ("EscalationSolutionTime", json!(0)),
        ("TimeUnit", json!(0)),
        ("CreateBy", json!(1)),
        ("ChangeBy", json!(1)),
    ] {
        out.insert(key.into(), value);
    }
    if options.dynamic_fields {
        let fields: Vec<Value> = t
            .custom_fields
            .iter()
            .map(|(name, value)| json!({"Name": name, "Value": value}))
            .collect();
        out.insert("DynamicField".into(), Value::Array(fields));
    }
    if options.all_articles {
        let articles = articles(t, ticket_id, options);
        if !articles.is_empty() {
            out.insert("Article".into(), Value::Array(articles));
        }
    }
    Value::Object(out)
}

/// The `Ticket` of a TicketCreate or TicketUpdate answer with `IncludeTicketData`: the ticket as
/// TicketGet shows it with its dynamic fields, and `Article` one object (as OTOBO 11 sends it),
/// the article `article_id` names (or the last one), with its attachments when it has any.
pub fn included_ticket(t: &UnifiedTicket, article_id: Option<&str>, now: &Timestamp) -> Value {
    let options = GetOptions {
        dynamic_fields: true,
        ..GetOptions::default()
    };
    let mut out = ticket(t, &options, now);
    let index = article_id
        .and_then(|wanted| t.notes.iter().position(|n| n.id.as_deref() == Some(wanted)))
        .or_else(|| t.notes.len().checked_sub(1));
    let customer = t.customer.as_ref().and_then(|c| c.label());
    if let (Value::Object(map), Some((index, note))) =
        (&mut out, index.and_then(|i| Some((i, t.notes.get(i)?))))
    {
        let ticket_id = t.id.as_deref().unwrap_or_default();
        let sender = sender_type(note, customer);
        let files = !note.attachments.is_empty();
        map.insert(
            "Article".into(),
            article(note, sender, ticket_id, index, files),
        );
    }
    out
}

/// `customer` for a note its ticket's customer wrote, `agent` for one anyone else wrote; for a
/// note without an author, `agent` when internal, else `customer`.
fn sender_type(note: &UnifiedNote, customer: Option<&str>) -> &'static str {
    match (note.author.as_deref(), customer) {
        (Some(author), Some(customer)) if author.eq_ignore_ascii_case(customer) => "customer",
        (Some(author), _) if !author.is_empty() => "agent",
        _ if note.internal => "agent",
        _ => "customer",
    }
}

fn articles(t: &UnifiedTicket, ticket_id: &str, options: &GetOptions) -> Vec<Value> {
    let customer = t.customer.as_ref().and_then(|c| c.label());
    let mut list: Vec<Value> = t
        .notes
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            options.sender_types.is_empty()
                || options
                    .sender_types
                    .iter()
                    .any(|s| s == sender_type(n, customer))
        })
        .map(|(index, note)| {
            let sender = sender_type(note, customer);
            article(note, sender, ticket_id, index, options.attachments)
        })
        .collect();
    if options.newest_first {
        list.reverse();
    }
    if options.article_limit > 0 {
        list.truncate(options.article_limit);
    }
    list
}

fn article(
    note: &UnifiedNote,
    sender: &str,
    ticket_id: &str,
    index: usize,
    attachments: bool,
) -> Value {
    let mime = note
        .content_type
        .clone()
        .unwrap_or_else(|| "text/plain".into());
    let created = note.created.map(|c| time(&c)).unwrap_or_default();
    let article_id = note.id.clone().unwrap_or_else(|| (index + 1).to_string());
    let mut out = json!({
        "ArticleID": id(&article_id),
        "TicketID": id(ticket_id),
        "ArticleNumber": index + 1,
        "CommunicationChannelID": if note.internal { 3 } else { 1 },
        "SenderType": sender,
        "SenderTypeID": if sender == "agent" { "1" } else { "3" },
        "IsVisibleForCustomer": if note.internal { 0 } else { 1 },
        "From": note.author.clone().unwrap_or_default(),
        "To": "", "Cc": "", "Bcc": "", "ReplyTo": "",
        "Subject": note.subject.clone().unwrap_or_default(),
        "Body": note.body.clone().unwrap_or_default(),
        "MessageID": "", "InReplyTo": "", "References": "",
        "ContentType": format!("{mime}; charset=utf8"),
        "MimeType": mime,
        "Charset": "utf8",
        "ContentCharset": "utf8",
        "IncomingTime": note.created.map(|c| c.timestamp()).unwrap_or_default(),
        "CreateTime": created,
        "ChangeTime": created,
        "CreateBy": 1, "ChangeBy": 1, "TimeUnit": 0, "IsEdited": 0, "IsDeleted": 0,
    });
    if attachments && let Value::Object(map) = &mut out {
        let files = note
            .attachments
            .iter()
            .enumerate()
            .map(attachment)
            .collect();
        map.insert("Attachment".into(), Value::Array(files));
    }
    out
}

/// One file of an article's `Attachment` list, as OTOBO 11 answers it (`Content` base64,
/// empty when its content was not asked for).
fn attachment((index, file): (usize, &otai_core::UnifiedAttachment)) -> Value {
    use base64::Engine as _;
    let content = file
        .content
        .as_deref()
        .map(|bytes| base64::engine::general_purpose::STANDARD.encode(bytes))
        .unwrap_or_default();
    json!({
        "Disposition": "attachment",
        "ContentType": file.content_type,
        "Filename": file.name,
        "FileID": (index + 1).to_string(),
        "Content": content,
        "ContentAlternative": "",
        "FilesizeRaw": file.size.to_string(),
        "ContentID": "",
    })
}

/// One entry of a `TicketHistoryGet` answer: field changes written as OTOBO writes their
/// `Name` (`Move`: `%%NewQueue%%%%OldQueue%%`), anything else as its note.
pub fn history_entry(entry: &UnifiedHistoryEntry, ticket_id: &str) -> Value {
    let new = entry.new.clone().unwrap_or_default();
    let old = entry.old.clone().unwrap_or_default();
    let (kind, name) = match entry.field.as_deref() {
        Some("queue") => ("Move".to_owned(), format!("%%{new}%%%%{old}%%")),
        Some("state") => ("StateUpdate".to_owned(), format!("%%{old}%%{new}%%")),
        Some("priority") => ("PriorityUpdate".to_owned(), format!("%%{old}%%%%{new}%%")),
        Some("type") => ("TypeUpdate".to_owned(), format!("%%{new}%%%%{old}%%")),
        Some("owner") => ("OwnerUpdate".to_owned(), format!("%%{new}%%")),
        Some("subject") => ("TitleUpdate".to_owned(), format!("%%{old}%%{new}")),
        Some("customer") => (
            "CustomerUpdate".to_owned(),
            format!("%%CustomerUser={new};"),
        ),
        Some(field) => (
            "TicketDynamicFieldUpdate".to_owned(),
            format!("%%FieldName%%{field}%%Value%%{new}%%OldValue%%{old}"),
        ),
        None => (
            entry.kind.clone(),
            format!("%%{}", entry.note.clone().unwrap_or_default()),
        ),
    };
    json!({
        "TicketID": id(ticket_id),
        "ArticleID": 0,
        "Name": name,
        "HistoryType": kind,
        "HistoryTypeID": 1,
        "CreateBy": entry.by.clone().unwrap_or_else(|| "1".into()),
        "CreateTime": entry.time.map(|t| time(&t)).unwrap_or_default(),
        "QueueID": 1, "OwnerID": 1, "PriorityID": 3, "StateID": 1, "TypeID": 1,
    })
}
