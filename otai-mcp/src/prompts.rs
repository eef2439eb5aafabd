//! Prompt templates for common jobs: summarise a ticket, draft a reply.

use rmcp::ErrorData;
use rmcp::model::{
    GetPromptRequestParams, GetPromptResponse, GetPromptResult, ListPromptsResult, Prompt,
    PromptArgument, PromptMessage, Role,
};
use serde_json::Value;

use crate::server::{CallError, McpServer};

/// The prompts, by name, with what each asks of the model.
const PROMPTS: [(&str, &str, &str); 2] = [
    (
        "summarize_ticket",
        "Summarise a ticket: the problem, what has been done, what is open.",
        "Summarise this helpdesk ticket for a colleague in at most five sentences: the \
         customer's problem, what has been done so far, and what is still open. Then suggest \
         the next step.",
    ),
    (
        "draft_reply",
        "Draft a reply to the customer of a ticket (not sent: review it first).",
        "Draft a short, friendly reply to the customer of this helpdesk ticket that answers \
         their latest message. Do not promise anything the notes do not support; say what \
         you need from them if something is missing. Return only the reply text.",
    ),
];

/// The prompts' list.
pub(crate) fn list() -> ListPromptsResult {
    let prompts = PROMPTS
        .iter()
        .map(|(name, description, _)| {
            Prompt::new(
                *name,
                Some(*description),
                Some(vec![
                    PromptArgument::new("ticket_id")
                        .with_description("The ticket's ID.")
                        .with_required(true),
                    PromptArgument::new("service")
                        .with_description("The service (see list_services); optional with one.")
                        .with_required(false),
                ]),
            )
        })
        .collect();
    ListPromptsResult::with_all_items(prompts)
}

/// Prompt `request.name` for the ticket it names, the ticket read as the agent may see it.
pub(crate) async fn get(
    server: &McpServer,
    request: GetPromptRequestParams,
) -> Result<GetPromptResponse, ErrorData> {
    let Some((name, _, instruction)) = PROMPTS.iter().find(|(n, _, _)| *n == request.name) else {
        let known: Vec<String> = PROMPTS.iter().map(|(n, _, _)| (*n).to_owned()).collect();
        return Err(ErrorData::invalid_params(
            otai_core::registry::unknown_name_message(
                "prompt",
                &server.redact(&request.name),
                known.iter(),
            ),
            None,
        ));
    };
    let args = request.arguments.unwrap_or_default();
    let text_arg = |key: &str| match args.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let ticket_id = text_arg("ticket_id")
        .ok_or_else(|| ErrorData::invalid_params("give `ticket_id` (text)", None))?;
    let service = match text_arg("service") {
        Some(service) => service,
        None => server.only_service().map(str::to_owned).ok_or_else(|| {
            let ids: Vec<&str> = server.service_ids().collect();
            ErrorData::invalid_params(format!("give `service`: one of {}", ids.join(", ")), None)
        })?,
    };
    let ticket = server
        .ticket_for_agent(&service, &ticket_id)
        .await
        .map_err(|e| match e {
            CallError::Refused(m) | CallError::Failed(m) => {
                ErrorData::invalid_params(server.redact(&m), None)
            }
        })?;
    let mut value = serde_json::to_value(&ticket)
        .map_err(|e| ErrorData::internal_error(format!("cannot encode the ticket: {e}"), None))?;
    server.redact_value(&mut value);
    let text = format!("{instruction}\n\nThe ticket (JSON):\n{value}");
    tracing::info!(prompt = *name, outcome = "succeeded", "mcp prompt");
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(format!("{name} for ticket {ticket_id} of {service}"))
            .into(),
    )
}
