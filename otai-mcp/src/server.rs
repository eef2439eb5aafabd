//! The MCP server: tools, ticket resources and prompts over the configured services.

use std::collections::BTreeMap;
use std::sync::Arc;

use otai_core::registry::unknown_name_message;
use otai_core::request::{GetRequest, SearchRequest};
use otai_core::{Error, Kwargs, TicketId, TicketSystemService, UnifiedTicket};
use otai_pipeline::Secrets;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::config::McpConfig;
use crate::policy::{CallStats, Outcome, Policy, Refusal};
use crate::tools::{SERVICE_ARG, ToolName};
use crate::truncate::truncate_ticket;

/// The most bytes of a tool call's arguments (as JSON).
const MAX_ARGUMENT_BYTES: usize = 256 * 1024;
/// The most characters of the arguments written to the log for one call.
const MAX_LOGGED_CHARS: usize = 2_000;

/// Serves the configured services to MCP clients. Cheap to clone: every clone (one per HTTP
/// connection) shares the same limits, write budget and counts.
#[derive(Clone)]
pub struct McpServer {
    inner: Arc<Inner>,
}

struct Inner {
    services: BTreeMap<String, Arc<dyn TicketSystemService>>,
    policy: Policy,
    secrets: Secrets,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("services", &self.inner.services.keys().collect::<Vec<_>>())
            .field("policy", &self.inner.policy)
            .finish()
    }
}

/// How a tool call did not succeed.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The configuration does not allow it.
    Refused(String),
    /// It was tried and failed: bad arguments, the helpdesk's error.
    Failed(String),
}

impl From<Refusal> for CallError {
    fn from(refusal: Refusal) -> Self {
        CallError::Refused(refusal.0)
    }
}

impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        CallError::Failed(otai_core::error::report(&error))
    }
}

impl CallError {
    fn outcome(&self) -> Outcome {
        match self {
            CallError::Refused(_) => Outcome::Refused,
            CallError::Failed(_) => Outcome::Failed,
        }
    }

    fn message(&self) -> &str {
        match self {
            CallError::Refused(m) | CallError::Failed(m) => m,
        }
    }
}

impl McpServer {
    /// A server over `services` (by id), limited by `config`; `secrets` redact everything the
    /// server logs and answers.
    pub fn new(
        services: BTreeMap<String, Arc<dyn TicketSystemService>>,
        config: McpConfig,
        secrets: Secrets,
    ) -> Result<Self, Error> {
        if services.is_empty() {
            return Err(Error::config(
                "services",
                "no services to serve: add one under `services:` (e.g. `use: local`)",
            ));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                services,
                policy: Policy::new(config),
                secrets,
            }),
        })
    }

    /// The counts of tool calls so far.
    pub fn stats(&self) -> CallStats {
        self.inner.policy.stats()
    }

    /// The `mcp:` section in force.
    pub(crate) fn config(&self) -> &McpConfig {
        self.inner.policy.config()
    }

    /// The limits, budget and counts.
    pub(crate) fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The tools the agent may call: every read tool and the enabled write tools.
    pub fn tools(&self) -> Vec<ToolName> {
        ToolName::ALL
            .into_iter()
            .filter(|t| match t {
                ToolName::Write(w) => self.config().allows(*w),
                _ => true,
            })
            .collect()
    }

    /// Runs tool `tool` with `args`, logs and counts it: the unified JSON, or why not.
    pub(crate) async fn call(&self, tool: ToolName, args: JsonObject) -> Result<Value, CallError> {
        let logged = self.logged_arguments(&args);
        let result = self.run(tool, args).await;
        let result = result.map(|mut value| {
            self.inner.secrets.redact_value(&mut value);
            value
        });
        let result = result.map_err(|e| match e {
            CallError::Refused(m) => CallError::Refused(self.inner.secrets.redact(&m)),
            CallError::Failed(m) => CallError::Failed(self.inner.secrets.redact(&m)),
        });
        let outcome = match &result {
            Ok(_) => Outcome::Succeeded,
            Err(e) => e.outcome(),
        };
        self.inner.policy.record(outcome);
        let stats = self.stats();
        let error = result.as_ref().err().map(CallError::message).unwrap_or("");
        tracing::info!(
            tool = tool.name(),
            arguments = %logged,
            outcome = outcome.as_str(),
            error,
            calls = stats.calls,
            writes = stats.writes,
            "mcp tool call"
        );
        result
    }

    /// The arguments as logged: secrets redacted, shortened.
    fn logged_arguments(&self, args: &JsonObject) -> String {
        let mut value = Value::Object(args.clone());
        self.inner.secrets.redact_value(&mut value);
        otai_core::error::shorten(&value.to_string(), MAX_LOGGED_CHARS)
    }

    async fn run(&self, tool: ToolName, mut args: JsonObject) -> Result<Value, CallError> {
        let size = serde_json::to_vec(&args)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if size > MAX_ARGUMENT_BYTES {
            return Err(CallError::Failed(format!(
                "the arguments are {size} bytes; at most {MAX_ARGUMENT_BYTES}"
            )));
        }
        if let ToolName::Write(write) = tool
            && !self.config().allows(write)
        {
            return Err(CallError::Refused(format!(
                "`{}` is turned off: this server is read-only for it (an administrator can list it \
                 under `mcp.writes` in otai.yml)",
                write.name()
            )));
        }
        check_argument_names(tool, &args)?;
        if tool == ToolName::ListServices {
            return Ok(self.list_services());
        }
        let (id, service) = self.service(&mut args)?;
        let kwargs: Kwargs = args.into_iter().collect();
        match tool {
            ToolName::ListServices => Ok(self.list_services()),
            ToolName::FindTickets => self.find(service, kwargs).await,
            ToolName::GetTicket => {
                let request =
                    GetRequest::from_kwargs(kwargs, service.kind(), service.native_keys())?;
                let ticket = self.read_ticket(service, request).await?;
                ticket_json(&ticket)
            }
            ToolName::Write(write) => self.write(write, id, service, kwargs).await,
        }
    }

    /// The service named by the `service` argument, or the only one.
    fn service(
        &self,
        args: &mut JsonObject,
    ) -> Result<(&str, &Arc<dyn TicketSystemService>), CallError> {
        let services = &self.inner.services;
        let known: Vec<String> = services.keys().cloned().collect();
        match args.remove(SERVICE_ARG) {
            Some(Value::String(name)) => services
                .get_key_value(&name)
                .map(|(id, s)| (id.as_str(), s))
                .ok_or_else(|| {
                    CallError::Failed(unknown_name_message("service", &name, known.iter()))
                }),
            Some(other) => Err(CallError::Failed(format!(
                "invalid input `service`: expected a service name (text), got {other}"
            ))),
            None if services.len() == 1 => services
                .iter()
                .next()
                .map(|(id, s)| (id.as_str(), s))
                .ok_or_else(|| CallError::Failed("no services".into())),
            None => Err(CallError::Failed(format!(
                "give `service`: this server reaches {}",
                known.join(", ")
            ))),
        }
    }

    fn list_services(&self) -> Value {
        let config = self.config();
        let services: Vec<Value> = self
            .inner
            .services
            .iter()
            .map(|(id, s)| json!({"id": id, "kind": s.kind()}))
            .collect();
        let stats = self.stats();
        json!({
            "services": services,
            "tools": self.tools().iter().map(|t| t.name()).collect::<Vec<_>>(),
            "read_only": config.writes.is_empty(),
            "dry_run": config.dry_run,
            "writes_left": config.max_writes.saturating_sub(stats.writes),
            "queues": {"read": config.read_queues(), "write": config.write_queues()},
            "body_limit": config.body_limit,
            "max_results": config.max_results,
        })
    }

    async fn find(
        &self,
        service: &Arc<dyn TicketSystemService>,
        kwargs: Kwargs,
    ) -> Result<Value, CallError> {
        let mut request =
            SearchRequest::from_kwargs(kwargs, service.kind(), service.native_keys())?;
        let max = self.config().max_results;
        match request.criteria.limit {
            Some(limit) if limit > max => {
                return Err(CallError::Failed(format!(
                    "invalid input `limit`: {limit} is more than this server returns at once \
                     ({max}); page with `offset`"
                )));
            }
            Some(_) => {}
            None => request.criteria.limit = Some(max),
        }
        let policy = &self.inner.policy;
        policy.check_search_queue(request.criteria.queue.as_ref())?;
        let tickets = service.find_tickets(request).await?;
        let mut shown = Vec::with_capacity(tickets.len());
        for mut ticket in tickets.into_iter().filter(|t| policy.may_read(t)) {
            truncate_ticket(&mut ticket, self.config().body_limit);
            shown.push(ticket);
        }
        Ok(json!({ "tickets": shown }))
    }

    /// Reads a ticket the agent may see, bodies cut.
    async fn read_ticket(
        &self,
        service: &Arc<dyn TicketSystemService>,
        request: GetRequest,
    ) -> Result<UnifiedTicket, CallError> {
        let id = request.ticket_id.to_string();
        let mut ticket = service
            .get_ticket(request)
            .await?
            .ok_or_else(|| CallError::from(Error::ticket_not_found(&id)))?;
        self.inner.policy.check_read(&ticket, &id)?;
        truncate_ticket(&mut ticket, self.config().body_limit);
        Ok(ticket)
    }

    /// Reads ticket `id` of service `service` as the agent may see it (resources, prompts).
    pub(crate) async fn ticket_for_agent(
        &self,
        service: &str,
        id: &str,
    ) -> Result<UnifiedTicket, CallError> {
        let mut args = JsonObject::new();
        args.insert(SERVICE_ARG.into(), Value::String(service.to_owned()));
        let (_, service) = self.service(&mut args)?;
        let id: TicketId = id.parse()?;
        self.read_ticket(service, GetRequest::new(id)).await
    }

    /// Redacts text the agent is about to receive.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.inner.secrets.redact(text)
    }

    /// Redacts a value the agent is about to receive.
    pub(crate) fn redact_value(&self, value: &mut Value) {
        self.inner.secrets.redact_value(value);
    }

    /// The one service's id when there is only one.
    pub(crate) fn only_service(&self) -> Option<&str> {
        let mut ids = self.inner.services.keys();
        match (ids.next(), ids.next()) {
            (Some(id), None) => Some(id.as_str()),
            _ => None,
        }
    }

    /// The service ids.
    pub(crate) fn service_ids(&self) -> impl Iterator<Item = &str> {
        self.inner.services.keys().map(String::as_str)
    }
}

/// Refuses any argument the tool's schema does not list (native helpdesk arguments included:
/// an agent speaks only the unified model).
fn check_argument_names(tool: ToolName, args: &JsonObject) -> Result<(), CallError> {
    let schema = tool.schema();
    let known: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for key in args.keys() {
        if !known.contains(key) {
            let message = if known.is_empty() {
                format!("`{}` takes no arguments", tool.name())
            } else {
                unknown_name_message("argument", key, known.iter())
            };
            return Err(CallError::Failed(format!(
                "invalid input `{key}`: {message}"
            )));
        }
    }
    Ok(())
}

/// A ticket as the unified JSON.
pub(crate) fn ticket_json(ticket: &UnifiedTicket) -> Result<Value, CallError> {
    serde_json::to_value(ticket)
        .map_err(|e| CallError::Failed(format!("cannot encode the ticket: {e}")))
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("otai", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "otai reaches helpdesks (OTOBO, Znuny, Request Tracker, a local store) through one \
             ticket model. Call list_services first: it names the services, the enabled tools and \
             the limits (read-only unless writes are enabled; allowed queues; writes left). \
             Tickets are also resources: ticket://<service>/<id>.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.tools().into_iter().map(ToolName::tool).collect(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        ToolName::parse(name)
            .filter(|t| self.tools().contains(t))
            .map(ToolName::tool)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = ToolName::parse(&request.name) else {
            let known: Vec<String> = self.tools().iter().map(|t| t.name().to_owned()).collect();
            let message = unknown_name_message("tool", &self.redact(&request.name), known.iter());
            tracing::info!(tool = %self.redact(&request.name), outcome = "unknown tool", "mcp tool call");
            return Err(ErrorData::invalid_params(message, None));
        };
        let args = request.arguments.unwrap_or_default();
        let result = match self.call(tool, args).await {
            Ok(value) => {
                let text = value.to_string();
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                if value.is_object() {
                    result.structured_content = Some(value);
                }
                result
            }
            Err(e) => CallToolResult::error(vec![ContentBlock::text(e.message().to_owned())]),
        };
        Ok(result.into())
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListResourceTemplatesResult, ErrorData> {
        crate::resources::list_templates(self, request, context)
    }

    async fn read_resource(
        &self,
        request: rmcp::model::ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ReadResourceResponse, ErrorData> {
        crate::resources::read(self, &request.uri).await
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::ListPromptsResult, ErrorData> {
        Ok(crate::prompts::list())
    }

    async fn get_prompt(
        &self,
        request: rmcp::model::GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetPromptResponse, ErrorData> {
        crate::prompts::get(self, request).await
    }
}
