//! The fake's state and the ticket operations, answering as OTOBO 11 does.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};

use super::FakeOptions;
use super::model::{Named, StoredArticle, StoredAttachment, StoredTicket, lookup};
use crate::input::{flag, list, text};

/// A business error: `{"Error": {...}}` with HTTP 200.
pub(super) type OpResult = Result<Value, (String, String)>;

fn error(op: &str, kind: &str, message: &str) -> (String, String) {
    (format!("{op}.{kind}"), format!("{op}: {message}"))
}

/// Everything the fake knows.
pub(super) struct State {
    pub(super) queues: Vec<Named>,
    pub(super) states: Vec<Named>,
    pub(super) priorities: Vec<Named>,
    pub(super) types: Vec<Named>,
    pub(super) agents: Vec<Named>,
    passwords: BTreeMap<String, String>,
    customers: Vec<String>,
    field_names: Vec<String>,
    sessions: HashSet<String>,
    tickets: BTreeMap<u64, StoredTicket>,
    next_ticket: u64,
    next_article: u64,
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

impl State {
    /// How many tickets are in the queue named `queue`.
    pub(super) fn count_in_queue(&self, queue: &str) -> usize {
        let Some(index) = self.queues.iter().position(|q| q.name == queue) else {
            return 0;
        };
        self.tickets.values().filter(|t| t.queue == index).count()
    }

    pub(super) fn new(options: &FakeOptions) -> Self {
        let named = |names: &[&str]| -> Vec<Named> {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| Named::new(i as u64 + 1, n, ""))
                .collect()
        };
        let states = [
            ("new", "new"),
            ("open", "open"),
            ("closed successful", "closed"),
            ("closed unsuccessful", "closed"),
            ("pending reminder", "pending reminder"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (n, k))| Named::new(i as u64 + 1, n, k))
        .collect();
        Self {
            queues: named(&["Postmaster", "Raw", "Junk", "Misc"]),
            states,
            priorities: named(&["1 very low", "2 low", "3 normal", "4 high", "5 very high"]),
            types: named(&["Unclassified", "Incident", "Service Request"]),
            agents: options
                .agents
                .iter()
                .enumerate()
                .map(|(i, (login, _))| Named::new(i as u64 + 1, login, ""))
                .collect(),
            passwords: options.agents.iter().cloned().collect(),
            customers: options.customers.clone(),
            field_names: options.dynamic_fields.clone(),
            sessions: HashSet::new(),
            tickets: BTreeMap::new(),
            next_ticket: 1,
            next_article: 1,
        }
    }

    pub(super) fn session_create(&mut self, input: &Map<String, Value>) -> OpResult {
        let op = "SessionCreate";
        let password = text(input, "Password")
            .ok_or_else(|| error(op, "MissingParameter", "Password parameter is missing!"))?;
        let login = text(input, "UserLogin")
            .ok_or_else(|| error(op, "AuthFail", "Authorization failing!"))?;
        if self.passwords.get(&login) != Some(&password) {
            return Err(error(op, "AuthFail", "Authorization failing!"));
        }
        let id: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
        self.sessions.insert(id.clone());
        Ok(json!({"SessionID": id}))
    }

    /// Checks the credentials; returns the agent's index.
    pub(super) fn authenticate(
        &self,
        op: &str,
        input: &Map<String, Value>,
    ) -> Result<usize, (String, String)> {
        let fail = || {
            let message = if matches!(op, "TicketCreate" | "TicketUpdate") {
                "User could not be authenticated!"
            } else {
                "Authorization failing!"
            };
            error(op, "AuthFail", message)
        };
        if let Some(session) = text(input, "SessionID") {
            return if self.sessions.contains(&session) {
                Ok(0)
            } else {
                Err(fail())
            };
        }
        let login = text(input, "UserLogin").ok_or_else(fail)?;
        let password = text(input, "Password").ok_or_else(fail)?;
        if self.passwords.get(&login) == Some(&password) {
            Ok(self
                .agents
                .iter()
                .position(|a| a.name == login)
                .unwrap_or(0))
        } else {
            Err(fail())
        }
    }

    /// Forgets every session, as if they all expired.
    pub(super) fn expire_sessions(&mut self) {
        self.sessions.clear();
    }

    pub(super) fn ticket_create(&mut self, input: &Map<String, Value>, agent: usize) -> OpResult {
        let op = "TicketCreate";
        let ticket = input
            .get("Ticket")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                error(
                    op,
                    "MissingParameter",
                    "Ticket parameter is missing or not valid!",
                )
            })?;
        let article = input
            .get("Article")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                error(
                    op,
                    "MissingParameter",
                    "Article parameter is missing or not valid!",
                )
            })?;
        let title = text(ticket, "Title").ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Ticket->Title parameter is missing!",
            )
        })?;
        let customer = text(ticket, "CustomerUser").ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Ticket->CustomerUser parameter is missing!",
            )
        })?;
        if !self.customers.contains(&customer) && !customer.contains('@') {
            return Err(error(
                op,
                "InvalidParameter",
                "Ticket->CustomerUser parameter is invalid!",
            ));
        }
        let queue = self.resolve(op, ticket, "Queue")?.ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Ticket->QueueID or Ticket->Queue parameter is missing!",
            )
        })?;
        let state = self.resolve(op, ticket, "State")?.ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Ticket->StateID or Ticket->State parameter is missing!",
            )
        })?;
        let priority = self.resolve(op, ticket, "Priority")?.ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Ticket->PriorityID or Ticket->Priority parameter is missing!",
            )
        })?;
        let ticket_type = self.resolve(op, ticket, "Type")?.unwrap_or(0);
        let owner = self.resolve(op, ticket, "Owner")?.unwrap_or(agent);
        let fields = self.dynamic_fields(op, input)?;
        let attachments = attachments(op, input)?;
        let mut stored_article = self.article(op, article, true)?;
        stored_article.attachments = attachments;
        let id = self.next_ticket;
        self.next_ticket += 1;
        let created = now();
        let number = format!("{}{:08}", chrono::Utc::now().format("%Y%m%d"), id);
        let article_id = stored_article.id;
        let mut stored = StoredTicket {
            id,
            number: number.clone(),
            title,
            queue,
            state,
            priority,
            ticket_type,
            owner,
            customer_user: customer,
            created: created.clone(),
            changed: created,
            pending: ticket.get("PendingTime").cloned(),
            dynamic_fields: Vec::new(),
            articles: vec![stored_article],
            history: vec![("NewTicket".into(), format!("%%{number}%%"), now())],
        };
        apply_fields(&mut stored, fields);
        self.tickets.insert(id, stored);
        Ok(
            json!({"TicketID": id.to_string(), "TicketNumber": number, "ArticleID": article_id.to_string()}),
        )
    }

    pub(super) fn ticket_update(&mut self, input: &Map<String, Value>) -> OpResult {
        let op = "TicketUpdate";
        let id = text(input, "TicketID").and_then(|t| t.parse::<u64>().ok());
        let Some(id) = id.filter(|id| self.tickets.contains_key(id)) else {
            return Err(error(
                op,
                "AccessDenied",
                "User does not have access to the ticket!",
            ));
        };
        let empty = Map::new();
        let ticket = input
            .get("Ticket")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let queue = self.resolve(op, ticket, "Queue")?;
        let state = self.resolve(op, ticket, "State")?;
        let priority = self.resolve(op, ticket, "Priority")?;
        let ticket_type = self.resolve(op, ticket, "Type")?;
        let owner = self.resolve(op, ticket, "Owner")?;
        if let Some(state) = state {
            if self.states[state].kind.starts_with("pending") && ticket.get("PendingTime").is_none()
            {
                return Err((
                    "TicketUpdate.MissingParameter".into(),
                    "Can't set a ticket on a pending state without pendig time!".into(),
                ));
            }
        }
        let fields = self.dynamic_fields(op, input)?;
        let attachments = attachments(op, input)?;
        let article = match input.get("Article").and_then(Value::as_object) {
            Some(article) => {
                let mut article = self.article(op, article, false)?;
                article.attachments = attachments;
                Some(article)
            }
            None if !attachments.is_empty() => {
                return Err(error(
                    op,
                    "MissingParameter",
                    "To create an attachment an article is needed!",
                ));
            }
            None => None,
        };
        let changes = self.history_of_changes(id, queue, state);
        let Some(stored) = self.tickets.get_mut(&id) else {
            return Err(error(
                op,
                "AccessDenied",
                "User does not have access to the ticket!",
            ));
        };
        if let Some(title) = text(ticket, "Title") {
            stored.title = title;
        }
        for (slot, value) in [
            (&mut stored.queue, queue),
            (&mut stored.state, state),
            (&mut stored.priority, priority),
            (&mut stored.ticket_type, ticket_type),
            (&mut stored.owner, owner),
        ] {
            if let Some(value) = value {
                *slot = value;
            }
        }
        if let Some(customer) = text(ticket, "CustomerUser") {
            stored.customer_user = customer;
        }
        if let Some(pending) = ticket.get("PendingTime") {
            stored.pending = Some(pending.clone());
        }
        apply_fields(stored, fields);
        stored.changed = now();
        for (kind, name) in changes {
            stored.history.push((kind, name, stored.changed.clone()));
        }
        let mut reply = json!({"TicketID": id.to_string(), "TicketNumber": stored.number});
        if let Some(article) = article {
            reply["ArticleID"] = json!(article.id);
            stored
                .history
                .push(("AddNote".into(), "%%GenericInterface Note".into(), now()));
            stored.articles.push(article);
        }
        Ok(reply)
    }

    pub(super) fn ticket_get(&self, input: &Map<String, Value>) -> OpResult {
        let op = "TicketGet";
        let ids: Vec<String> = list(input, "TicketID")
            .iter()
            .flat_map(|s| {
                s.split(',')
                    .map(str::trim)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty())
            .collect();
        if ids.is_empty() {
            return Err(error(
                op,
                "MissingParameter",
                "TicketID parameter is missing!",
            ));
        }
        let mut tickets = Vec::with_capacity(ids.len());
        for id in &ids {
            let ticket = id.parse::<u64>().ok().and_then(|id| self.tickets.get(&id));
            let ticket = ticket.ok_or_else(|| {
                error(
                    op,
                    "AccessDenied",
                    "User does not have access to the ticket!",
                )
            })?;
            let attachments = flag(input, "Attachments").then(|| {
                // GetAttachmentContents defaults to 1.
                !matches!(input.get("GetAttachmentContents"), Some(v) if v == 0 || v == "0")
            });
            tickets.push(self.render(
                ticket,
                flag(input, "AllArticles"),
                flag(input, "DynamicFields"),
                attachments,
            ));
        }
        Ok(json!({"Ticket": tickets}))
    }

    pub(super) fn ticket_search(&self, input: &Map<String, Value>) -> OpResult {
        let names = |key: &str| {
            list(input, key)
                .into_iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>()
        };
        let (queues, queue_ids) = (names("Queues"), list(input, "QueueIDs"));
        let (states, state_ids, state_types) =
            (names("States"), list(input, "StateIDs"), names("StateType"));
        let (priorities, priority_ids) = (names("Priorities"), list(input, "PriorityIDs"));
        let (types, type_ids, owner_ids) = (
            names("Types"),
            list(input, "TypeIDs"),
            list(input, "OwnerIDs"),
        );
        let numbers = list(input, "TicketNumber");
        let customer = text(input, "CustomerUserLogin");
        let title = text(input, "Title").map(|t| t.to_lowercase());
        let fulltext = text(input, "Fulltext").map(|t| t.to_lowercase());
        let field_filters: Vec<Map<String, Value>> = match input.get("DynamicField") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_object().cloned())
                .collect(),
            Some(Value::Object(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        let limit = text(input, "Limit")
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|l| *l > 0)
            .unwrap_or(500);
        let one_of = |wanted: &[String], list: &[Named], index: usize, by_id: bool| {
            wanted.is_empty()
                || wanted.iter().any(|w| {
                    if by_id {
                        list[index].id.to_string() == *w
                    } else {
                        list[index].name.to_lowercase() == *w
                    }
                })
        };
        let time_ok = |value: &str, newer: &str, older: &str| {
            text(input, newer).is_none_or(|t| value >= t.as_str())
                && text(input, older).is_none_or(|t| value <= t.as_str())
        };
        let ids: Vec<String> = self
            .tickets
            .values()
            .rev()
            .filter(|t| {
                one_of(&queues, &self.queues, t.queue, false)
                    && one_of(&queue_ids, &self.queues, t.queue, true)
            })
            .filter(|t| {
                one_of(&states, &self.states, t.state, false)
                    && one_of(&state_ids, &self.states, t.state, true)
            })
            .filter(|t| state_types.is_empty() || state_types.contains(&self.states[t.state].kind))
            .filter(|t| {
                one_of(&priorities, &self.priorities, t.priority, false)
                    && one_of(&priority_ids, &self.priorities, t.priority, true)
            })
            .filter(|t| {
                one_of(&types, &self.types, t.ticket_type, false)
                    && one_of(&type_ids, &self.types, t.ticket_type, true)
            })
            .filter(|t| one_of(&owner_ids, &self.agents, t.owner, true))
            .filter(|t| numbers.is_empty() || numbers.iter().any(|n| glob(n, &t.number)))
            .filter(|t| {
                customer
                    .as_ref()
                    .is_none_or(|c| t.customer_user.eq_ignore_ascii_case(c))
            })
            .filter(|t| {
                title
                    .as_ref()
                    .is_none_or(|p| glob(p, &t.title.to_lowercase()))
            })
            .filter(|t| {
                fulltext.as_ref().is_none_or(|f| {
                    t.title.to_lowercase().contains(f)
                        || t.articles.iter().any(|a| {
                            a.body.to_lowercase().contains(f)
                                || a.subject.to_lowercase().contains(f)
                        })
                })
            })
            .filter(|t| {
                time_ok(
                    &t.created,
                    "TicketCreateTimeNewerDate",
                    "TicketCreateTimeOlderDate",
                )
            })
            .filter(|t| {
                time_ok(
                    &t.changed,
                    "TicketLastChangeTimeNewerDate",
                    "TicketLastChangeTimeOlderDate",
                )
            })
            .filter(|t| field_filters.iter().all(|f| field_matches(t, f)))
            .take(limit)
            .map(|t| t.id.to_string())
            .collect();
        Ok(if ids.is_empty() {
            json!({})
        } else {
            json!({"TicketID": ids})
        })
    }

    pub(super) fn ticket_history(&self, input: &Map<String, Value>) -> OpResult {
        let op = "TicketHistoryGet";
        let id = text(input, "TicketID")
            .ok_or_else(|| error(op, "MissingParameter", "TicketID parameter is missing!"))?;
        let ticket = id.parse::<u64>().ok().and_then(|i| self.tickets.get(&i));
        let ticket = ticket.ok_or_else(|| {
            error(
                op,
                "AccessDenied",
                &format!("User does not have access to the ticket {id}!"),
            )
        })?;
        let history: Vec<Value> = ticket.history.iter().map(|(kind, name, time)| json!({
            "TicketID": id, "ArticleID": 0, "HistoryType": kind, "Name": name, "CreateTime": time, "CreateBy": 1,
            "QueueID": self.queues[ticket.queue].id.to_string(), "StateID": self.states[ticket.state].id.to_string(),
        })).collect();
        Ok(json!({"TicketHistory": [{"TicketID": id, "History": history}]}))
    }

    /// The history entries (`HistoryType`, `Name`) OTOBO writes when ticket `id` moves to
    /// `queue` or changes to `state` (indexes), in its formats.
    fn history_of_changes(
        &self,
        id: u64,
        queue: Option<usize>,
        state: Option<usize>,
    ) -> Vec<(String, String)> {
        let Some(old) = self.tickets.get(&id) else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        if let Some(q) = queue.filter(|q| *q != old.queue) {
            let (new, was) = (&self.queues[q], &self.queues[old.queue]);
            changes.push((
                "Move".to_owned(),
                format!("%%{}%%{}%%{}%%{}", new.name, new.id, was.name, was.id),
            ));
        }
        if let Some(s) = state.filter(|s| *s != old.state) {
            let (new, was) = (&self.states[s], &self.states[old.state]);
            changes.push((
                "StateUpdate".to_owned(),
                format!("%%{}%%{}%%", was.name, new.name),
            ));
        }
        changes
    }

    /// Resolves `Key`/`KeyID` in `ticket` to an index; an unknown value is InvalidParameter.
    fn resolve(
        &self,
        op: &str,
        ticket: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<usize>, (String, String)> {
        let list = match key {
            "Queue" => &self.queues,
            "State" => &self.states,
            "Priority" => &self.priorities,
            "Type" => &self.types,
            _ => &self.agents,
        };
        match lookup(list, ticket, key, &format!("{key}ID")) {
            None => Ok(None),
            Some(Some(index)) => Ok(Some(index)),
            Some(None) => Err(error(
                op,
                "InvalidParameter",
                &format!("Ticket->{key}ID or Ticket->{key} parameter is invalid!"),
            )),
        }
    }

    fn dynamic_fields(
        &self,
        op: &str,
        input: &Map<String, Value>,
    ) -> Result<Vec<(String, Value)>, (String, String)> {
        let items = match input.get("DynamicField") {
            None => return Ok(Vec::new()),
            Some(Value::Array(items)) => items.clone(),
            Some(item @ Value::Object(_)) => vec![item.clone()],
            Some(_) => {
                return Err(error(
                    op,
                    "MissingParameter",
                    "DynamicField parameter is missing or not valid!",
                ));
            }
        };
        items
            .iter()
            .map(|item| {
                let name = item.get("Name").and_then(Value::as_str).unwrap_or_default();
                if !self.field_names.iter().any(|f| f == name) {
                    return Err(error(
                        op,
                        "InvalidParameter",
                        "DynamicField->Name parameter is invalid!",
                    ));
                }
                match item.get("Value") {
                    Some(value @ (Value::String(_) | Value::Array(_))) => {
                        Ok((name.to_owned(), value.clone()))
                    }
                    _ => Err(error(
                        op,
                        "MissingParameter",
                        "DynamicField->Value parameter is missing!",
                    )),
                }
            })
            .collect()
    }

    fn article(
        &mut self,
        op: &str,
        article: &Map<String, Value>,
        first: bool,
    ) -> Result<StoredArticle, (String, String)> {
        let subject = text(article, "Subject").ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Article->Subject parameter is missing!",
            )
        })?;
        let body = text(article, "Body").ok_or_else(|| {
            error(
                op,
                "MissingParameter",
                "Article->Body parameter is missing!",
            )
        })?;
        let content_type = text(article, "ContentType").ok_or_else(|| error(op, "MissingParameter", "Article->ContentType or Article->MimeType and Article->Charset parameters are missing!"))?;
        let mut parts = content_type.split(';');
        let mime_type = parts.next().unwrap_or_default().trim().to_lowercase();
        let charset = parts
            .find_map(|p| p.trim().strip_prefix("charset=").map(str::to_owned))
            .unwrap_or_else(|| "utf-8".into());
        let channel = text(article, "CommunicationChannel").unwrap_or_else(|| "Internal".into());
        let channel_id = match channel.as_str() {
            "Email" => 1,
            "Phone" => 2,
            "Internal" => 3,
            _ => {
                return Err(error(
                    op,
                    "InvalidParameter",
                    "Article->CommunicationChannel parameter is invalid!",
                ));
            }
        };
        let visible = match article.get("IsVisibleForCustomer") {
            None => first,
            Some(v) => matches!(v, Value::Number(n) if n.as_u64() == Some(1)) || v == "1",
        };
        let id = self.next_article;
        self.next_article += 1;
        Ok(StoredArticle {
            id,
            subject,
            body: body.trim().to_owned(),
            mime_type,
            charset,
            visible,
            channel_id,
            sender_type: text(article, "SenderType").unwrap_or_else(|| "agent".into()),
            from: text(article, "From").unwrap_or_else(|| "OTOBO Agent".into()),
            created: now(),
            attachments: Vec::new(),
        })
    }

    /// `attachments`: `None` without `Attachments=1`, else whether contents are sent.
    fn render(
        &self,
        t: &StoredTicket,
        articles: bool,
        fields: bool,
        attachments: Option<bool>,
    ) -> Value {
        let state = &self.states[t.state];
        let mut ticket = json!({
            "TicketID": t.id, "TicketNumber": t.number, "Title": t.title,
            "Queue": self.queues[t.queue].name, "QueueID": self.queues[t.queue].id,
            "State": state.name, "StateID": state.id, "StateType": state.kind,
            "Priority": self.priorities[t.priority].name, "PriorityID": self.priorities[t.priority].id.to_string(),
            "Type": self.types[t.ticket_type].name, "TypeID": self.types[t.ticket_type].id,
            "Owner": self.agents[t.owner].name, "OwnerID": self.agents[t.owner].id,
            "CustomerUserID": t.customer_user, "CustomerID": "", "ServiceID": "", "SLAID": "",
            "Created": t.created, "Changed": t.changed, "Lock": "unlock", "ArchiveFlag": "n", "Age": 1,
            "UntilTime": 0, "RealTillTimeNotUsed": 0,
        });
        if fields {
            let mut list = vec![
                json!({"Name": "ProcessManagementActivityID", "Value": null}),
                json!({"Name": "ProcessManagementProcessID", "Value": null}),
            ];
            let mut names = self.field_names.clone();
            names.sort();
            for name in names {
                let value = t
                    .dynamic_fields
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::Null);
                list.push(json!({"Name": name, "Value": value}));
            }
            ticket["DynamicField"] = Value::Array(list);
        }
        if articles && !t.articles.is_empty() {
            ticket["Article"] = t.articles.iter().enumerate().map(|(i, a)| {
                let mut article = json!({
                    "ArticleID": a.id, "ArticleNumber": i + 1, "TicketID": t.id, "Subject": a.subject, "Body": a.body,
                    "ContentType": format!("{}; charset={}", a.mime_type, a.charset), "MimeType": a.mime_type,
                    "Charset": a.charset, "IsVisibleForCustomer": u8::from(a.visible), "SenderType": a.sender_type,
                    "SenderTypeID": "1", "CommunicationChannelID": a.channel_id, "From": a.from, "To": "",
                    "Cc": "", "CreateTime": a.created, "IncomingTime": 0, "TimeUnit": 0,
                });
                if let Some(contents) = attachments {
                    // As OTOBO 11 sends them (see the recorded ticket-get-full.json).
                    article["Attachment"] = a.attachments.iter().enumerate().map(|(n, f)| json!({
                        "Disposition": "attachment", "ContentType": f.content_type, "Filename": f.filename,
                        "FileID": (n + 1).to_string(), "Content": if contents { f.content.as_str() } else { "" },
                        "ContentAlternative": "", "FilesizeRaw": f.size.to_string(), "ContentID": "",
                    })).collect();
                }
                article
            }).collect();
        }
        ticket
    }
}

/// The `Attachment` input (an item or a list) as OTOBO checks it (spec §3.2): every item a map
/// with a non-empty base64 `Content`, a `ContentType` starting `type/subtype`, a `Filename`.
fn attachments(
    op: &str,
    input: &Map<String, Value>,
) -> Result<Vec<StoredAttachment>, (String, String)> {
    use base64::Engine;
    let items = match input.get("Attachment") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.clone(),
        Some(item @ Value::Object(_)) => vec![item.clone()],
        Some(_) => {
            return Err(error(
                op,
                "MissingParameter",
                "Attachment parameter is missing or not valid!",
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            let Some(item) = item.as_object() else {
                return Err(error(
                    op,
                    "InvalidParameter",
                    "Attachment parameter is invalid!",
                ));
            };
            let field = |key: &str| {
                text(item, key)
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        error(
                            op,
                            "MissingParameter",
                            &format!("Attachment->{key} parameter is missing!"),
                        )
                    })
            };
            let content = field("Content")?;
            let content_type = field("ContentType")?.to_lowercase();
            let filename = field("Filename")?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&content)
                .map_err(|_| {
                    error(
                        op,
                        "InvalidParameter",
                        "Attachment->Content parameter is invalid!",
                    )
                })?;
            if !content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .contains('/')
            {
                return Err(error(
                    op,
                    "InvalidParameter",
                    "Attachment->ContentType is invalid!",
                ));
            }
            Ok(StoredAttachment {
                filename,
                content_type,
                content,
                size: bytes.len(),
            })
        })
        .collect()
}

fn apply_fields(ticket: &mut StoredTicket, fields: Vec<(String, Value)>) {
    for (name, value) in fields {
        ticket.dynamic_fields.retain(|(n, _)| *n != name);
        if value != "" {
            ticket.dynamic_fields.push((name, value));
        }
    }
}

fn field_matches(ticket: &StoredTicket, filter: &Map<String, Value>) -> bool {
    let name = filter
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = ticket
        .dynamic_fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v);
    match filter.get("Equals") {
        None => true,
        Some(Value::Array(any)) => any.iter().any(|w| value == Some(w)),
        Some(wanted) => {
            value == Some(wanted)
                || matches!(value, Some(Value::Array(items)) if items.contains(wanted))
        }
    }
}

/// `*` matches anything (and `%`, as in SQL LIKE).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split(['*', '%']).collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        match rest.find(part) {
            Some(at) if i > 0 || at == 0 => rest = &rest[at + part.len()..],
            _ => return false,
        }
    }
    parts
        .last()
        .is_none_or(|last| last.is_empty() || text.ends_with(last))
}
