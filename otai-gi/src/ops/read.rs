//! `Ticket::TicketGet` and `Ticket::TicketHistoryGet`, and the ticket lookups the operations
//! share (every ID checked before any answer; a missing ticket is `AccessDenied`, as in OTOBO).

use otai_core::request::{GetRequest, TicketId};
use otai_core::{TicketSystemService, UnifiedEntity, UnifiedTicket};
use otai_otobo_znuny::input::{flag, list, text};
use serde_json::{Map, Value, json};

use super::Caller;
use crate::accounts::Identity;
use crate::error::{OpError, from_service};
use crate::shape::{self, GetOptions};

/// The most tickets one TicketGet or TicketHistoryGet reads.
pub(super) const MAX_IDS: usize = 100;

/// The ticket IDs of `TicketID`: a string (comma-separated), a number or a list.
pub(super) fn ticket_ids(input: &Map<String, Value>) -> Result<Vec<TicketId>, OpError> {
    let raw: Vec<String> = match input.get("TicketID") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        Some(Value::Number(n)) => vec![n.to_string()],
        Some(Value::Array(_)) => list(input, "TicketID"),
        Some(_) => {
            return Err(OpError::new(
                "WrongStructure",
                "Structure for TicketID is not correct!",
            ));
        }
    };
    let raw: Vec<String> = raw
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s != "0")
        .collect();
    if raw.is_empty() {
        return Err(OpError::missing("TicketID parameter is missing!"));
    }
    if raw.len() > MAX_IDS {
        return Err(OpError::invalid(format!(
            "at most {MAX_IDS} ticket IDs at once, got {}",
            raw.len()
        )));
    }
    raw.iter()
        .map(|id| {
            TicketId::from_value(&Value::String(id.clone()))
                .map_err(|e| OpError::invalid(format!("TicketID `{id}`: {e}")))
        })
        .collect()
}

/// Whether `identity` may see `ticket`: agents all, customers their own.
pub(super) fn may_see(identity: &Identity, ticket: &UnifiedTicket) -> bool {
    match identity {
        Identity::Agent(_) => true,
        Identity::Customer(login) => ticket
            .customer
            .as_ref()
            .and_then(UnifiedEntity::label)
            .is_some_and(|c| c.eq_ignore_ascii_case(login)),
    }
}

/// Ticket `id`, when it exists and `identity` may see it.
pub(super) async fn visible(
    service: &dyn TicketSystemService,
    identity: &Identity,
    id: &TicketId,
) -> Result<UnifiedTicket, OpError> {
    visible_with(service, identity, GetRequest::new(id.clone())).await
}

/// [`visible`], read as `request` says (with attachment contents or not).
pub(super) async fn visible_with(
    service: &dyn TicketSystemService,
    identity: &Identity,
    request: GetRequest,
) -> Result<UnifiedTicket, OpError> {
    match service.get_ticket(request).await {
        Ok(Some(ticket)) if may_see(identity, &ticket) => Ok(ticket),
        Ok(_) => Err(OpError::no_access()),
        Err(otai_core::Error::NotFound { .. }) => Err(OpError::no_access()),
        Err(e) => Err(from_service(&e)),
    }
}

/// TicketGet: `{"Ticket": [...]}`, one per ID in request order.
pub(super) async fn get(
    service: &dyn TicketSystemService,
    identity: &Identity,
    input: &Map<String, Value>,
    caller: Caller,
) -> Result<Value, OpError> {
    let ids = ticket_ids(input)?;
    let article_limit = match text(input, "ArticleLimit") {
        Some(limit) => limit
            .parse::<usize>()
            .map_err(|_| OpError::invalid("ArticleLimit must be a whole number!"))?,
        None => 0,
    };
    let options = GetOptions {
        dynamic_fields: flag(input, "DynamicFields"),
        all_articles: flag(input, "AllArticles"),
        attachments: flag(input, "Attachments"),
        newest_first: text(input, "ArticleOrder").is_some_and(|o| o.eq_ignore_ascii_case("DESC")),
        article_limit,
        sender_types: list(input, "ArticleSenderType"),
    };
    let now = chrono::DateTime::from_timestamp(caller.now, 0).unwrap_or_default();
    let mut tickets = Vec::with_capacity(ids.len());
    // OTOBO sends the contents with `Attachments=1` unless `GetAttachmentContents=0`.
    let contents =
        options.attachments && text(input, "GetAttachmentContents").as_deref() != Some("0");
    for id in &ids {
        let request = GetRequest::new(id.clone()).attachment_content(contents);
        let ticket = visible_with(service, identity, request).await?;
        tickets.push(shape::ticket(&ticket, &options, &now));
    }
    Ok(json!({"Ticket": tickets}))
}

/// TicketHistoryGet (agents only): `{"TicketHistory": [{"TicketID": …, "History": [...]}]}`.
pub(super) async fn history(
    service: &dyn TicketSystemService,
    identity: &Identity,
    input: &Map<String, Value>,
) -> Result<Value, OpError> {
    if matches!(identity, Identity::Customer(_)) {
        return Err(OpError::new("AuthFail", "User needs to an Agent!"));
    }
    let ids = ticket_ids(input)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        visible(service, identity, id).await.map_err(|e| {
            if e.kind == "AccessDenied" {
                OpError::new(
                    "AccessDenied",
                    format!("User does not have access to the ticket {}!", id.as_str()),
                )
            } else {
                e
            }
        })?;
        let entries = service
            .ticket_history(GetRequest::new(id.clone()))
            .await
            .map_err(|e| from_service(&e))?;
        let history: Vec<Value> = entries
            .iter()
            .map(|entry| shape::history_entry(entry, id.as_str()))
            .collect();
        out.push(json!({"TicketID": id.as_str(), "History": history}));
    }
    Ok(json!({"TicketHistory": out}))
}
