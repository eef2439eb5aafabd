//! Tickets as resources: `ticket://<service>/<id>`, read as the unified JSON.

use rmcp::model::{
    ListResourceTemplatesResult, PaginatedRequestParams, ReadResourceResponse, ReadResourceResult,
    ResourceContents, ResourceTemplate,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde_json::json;

use crate::server::{CallError, McpServer};

/// The scheme of ticket resources.
pub(crate) const SCHEME: &str = "ticket://";
/// The most bytes of a resource URI.
const MAX_URI_BYTES: usize = 1_024;

/// The one template: every ticket of every service.
pub(crate) fn list_templates(
    _server: &McpServer,
    _request: Option<PaginatedRequestParams>,
    _context: RequestContext<RoleServer>,
) -> Result<ListResourceTemplatesResult, ErrorData> {
    let template = ResourceTemplate::new(format!("{SCHEME}{{service}}/{{id}}"), "ticket")
        .with_title("A ticket with its notes");
    let mut template = template;
    template.description = Some(
        "One ticket of a service (see list_services) in the unified JSON format, notes \
         included, long bodies cut."
            .into(),
    );
    template.mime_type = Some("application/json".into());
    Ok(ListResourceTemplatesResult::with_all_items(vec![template]))
}

/// Reads `ticket://<service>/<id>`.
pub(crate) async fn read(server: &McpServer, uri: &str) -> Result<ReadResourceResponse, ErrorData> {
    let (service, id) = parse(uri).map_err(|message| {
        ErrorData::invalid_params(message, Some(json!({ "uri": server.redact(uri) })))
    })?;
    let outcome = server.ticket_for_agent(service, id).await;
    tracing::info!(
        resource = %server.redact(uri),
        outcome = if outcome.is_ok() { "succeeded" } else { "failed" },
        "mcp resource read"
    );
    let ticket = outcome.map_err(|e| {
        let message = match e {
            CallError::Refused(m) | CallError::Failed(m) => server.redact(&m),
        };
        ErrorData::resource_not_found(message, Some(json!({ "uri": server.redact(uri) })))
    })?;
    let mut value = serde_json::to_value(&ticket)
        .map_err(|e| ErrorData::internal_error(format!("cannot encode the ticket: {e}"), None))?;
    server.redact_value(&mut value);
    let contents =
        ResourceContents::text(value.to_string(), uri).with_mime_type("application/json");
    Ok(ReadResourceResult::new(vec![contents]).into())
}

/// `ticket://<service>/<id>` → (service, id).
fn parse(uri: &str) -> Result<(&str, &str), String> {
    if uri.len() > MAX_URI_BYTES {
        return Err(format!(
            "the URI is {} bytes; at most {MAX_URI_BYTES}",
            uri.len()
        ));
    }
    let rest = uri
        .strip_prefix(SCHEME)
        .ok_or_else(|| format!("unknown resource: expected {SCHEME}<service>/<id>"))?;
    match rest.split_once('/') {
        Some((service, id)) if !service.is_empty() && !id.is_empty() && !id.contains('/') => {
            Ok((service, id))
        }
        _ => Err(format!("expected {SCHEME}<service>/<id>")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_ticket_uri_names_service_and_id_and_anything_else_is_refused() {
        assert_eq!(parse("ticket://local/42"), Ok(("local", "42")));
        for bad in [
            "ticket://local",
            "ticket:///42",
            "ticket://local/",
            "ticket://a/b/c",
            "http://x/1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&format!("ticket://local/{}", "9".repeat(2_000))).is_err());
    }
}
