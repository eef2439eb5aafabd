//! The inbound API without HTTP: who may call, what is staged, validated, rendered and sent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use otai_core::{Error, TicketSystemService, TicketSystemServiceExt};
use otai_pipeline::{Secrets, TemplateSet};
use otai_state::{Admission, Admitted, NewStaged, StateError, StateStore, Status, Verdict};
use serde_json::{Value, json};

use crate::auth::{Credential, Presented, presented};
use crate::limit::Bucket;
use crate::mapping::{InboundMapping, MappedBody};
use crate::metrics::Metrics;
use crate::reply::Reply;
use crate::rules::{MAX_DEPTH, MAX_VIOLATIONS, Rules, Violation, too_deep};

/// The longest idempotency key accepted, in bytes.
pub const MAX_EXTERNAL_ID: usize = 255;
/// The longest wait between two attempts of a request the helpdesk failed.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// A checked request: the ticket to create, or the status and violations it is refused with.
type Checked = Result<serde_json::Map<String, Value>, (u16, Vec<Violation>)>;

/// One account of an integration.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) name: String,
    pub(crate) credential: Credential,
    pub(crate) bucket: Option<Bucket>,
}

/// One integration, ready to serve.
pub struct Integration {
    pub(crate) id: String,
    pub(crate) service_id: String,
    pub(crate) service: Option<Arc<dyn TicketSystemService>>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) mapping: Option<InboundMapping>,
    pub(crate) rules: Rules,
    pub(crate) external_id: Option<TemplateSet>,
    pub(crate) ticket: TemplateSet,
    pub(crate) redact_fields: Vec<Vec<String>>,
    pub(crate) max_attempts: u32,
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integration")
            .field("id", &self.id)
            .field("service", &self.service_id)
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl Integration {
    /// The service its tickets are created in.
    pub fn service(&self) -> &str {
        &self.service_id
    }

    /// Its id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its validation rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Its `mapping:`, when it has one.
    pub fn mapping(&self) -> Option<&InboundMapping> {
        self.mapping.as_ref()
    }

    /// `payload` after the mapping (as it is without one).
    fn map(&self, payload: Value) -> MappedBody {
        match &self.mapping {
            Some(mapping) => mapping.apply(payload),
            None => MappedBody {
                payload,
                sent_keys: Vec::new(),
                conflicts: Vec::new(),
            },
        }
    }
}

/// Who a request comes from, once authenticated.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The integration called.
    pub integration: &'a Integration,
    account: &'a Account,
}

impl Caller<'_> {
    /// The account's name.
    pub fn account(&self) -> &str {
        &self.account.name
    }
}

/// The inbound API: integrations, the state store and the counters.
pub struct Gateway {
    pub(crate) integrations: BTreeMap<String, Integration>,
    pub(crate) services: BTreeMap<String, Arc<dyn TicketSystemService>>,
    pub(crate) store: Arc<dyn StateStore>,
    pub(crate) metrics: Metrics,
    pub(crate) secrets: Secrets,
    pub(crate) body_limit: usize,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("integrations", &self.integrations)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// Runs a state store call on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Arc<dyn StateStore>,
    call: impl FnOnce(&dyn StateStore) -> Result<T, StateError> + Send + 'static,
) -> Result<T, StateError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || call(store.as_ref()))
        .await
        .unwrap_or_else(|e| {
            Err(StateError::Database {
                location: "state store".into(),
                message: format!("the call stopped: {e}"),
            })
        })
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The wait before attempt `attempts + 1`: 1 s, doubling, at most [`MAX_BACKOFF`].
pub(crate) fn backoff(attempts: u32) -> Duration {
    let seconds = 1u64 << attempts.saturating_sub(1).min(16);
    Duration::from_secs(seconds).min(MAX_BACKOFF)
}

impl Gateway {
    /// The integrations, by id.
    pub fn integrations(&self) -> impl Iterator<Item = &Integration> {
        self.integrations.values()
    }

    /// The state store.
    pub fn store(&self) -> &Arc<dyn StateStore> {
        &self.store
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The largest body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// The configured services (for readiness).
    pub fn services(&self) -> &BTreeMap<String, Arc<dyn TicketSystemService>> {
        &self.services
    }

    /// Finds the caller of `integration` from its `Authorization` header: 404 for an unknown
    /// integration, 401 without valid credentials, 403 for an account of another integration,
    /// 429 over the account's rate limit. Every account is compared, so the time taken does not
    /// say which one matched.
    pub fn authorize(
        &self,
        integration: &str,
        authorization: Option<&str>,
    ) -> Result<Caller<'_>, Reply> {
        let Some(target) = self.integrations.get(integration) else {
            return Err(Reply::error(
                404,
                None,
                vec![Violation::new(
                    "",
                    "not_found",
                    format!("no integration `{integration}`"),
                )],
            ));
        };
        let presented = authorization.and_then(presented);
        let mut mine = None;
        let mut elsewhere = false;
        if let Some(presented) = &presented {
            for candidate in self.integrations.values() {
                for account in &candidate.accounts {
                    if account.credential.accepts(presented) {
                        if candidate.id == target.id {
                            mine = mine.or(Some(account));
                        } else {
                            elsewhere = true;
                        }
                    }
                }
            }
        }
        let Some(account) = mine else {
            if elsewhere {
                return Err(Reply::error(
                    403,
                    None,
                    vec![Violation::new(
                        "",
                        "forbidden",
                        format!("this account may not use integration `{integration}`"),
                    )],
                ));
            }
            let message = match presented {
                None => "send `Authorization: Bearer <token>` or Basic credentials",
                Some(Presented::Token(_) | Presented::Basic(..)) => "the credentials are not valid",
            };
            return Err(
                Reply::error(401, None, vec![Violation::new("", "unauthorized", message)])
                    .challenge(),
            );
        };
        if let Some(bucket) = &account.bucket
            && let Err(wait) = bucket.take()
        {
            return Err(Reply::error(
                429,
                None,
                vec![Violation::new(
                    "",
                    "rate_limited",
                    "too many requests from this account",
                )],
            )
            .retry_after(wait));
        }
        Ok(Caller {
            integration: target,
            account,
        })
    }

    /// Handles an authenticated request's body: stages it, checks it, renders the ticket and
    /// creates it (or finds the earlier ticket with the same external id).
    pub async fn accept(
        &self,
        caller: Caller<'_>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Reply {
        let integration = caller.integration;
        let account = caller.account();
        let json_type = content_type.is_some_and(is_json);
        let parsed: Result<Value, Violation> = if !json_type {
            Err(Violation::new(
                "",
                "unsupported_media_type",
                "send the body as `Content-Type: application/json`",
            ))
        } else {
            match serde_json::from_slice::<Value>(body) {
                Err(e) => Err(Violation::new(
                    "",
                    "invalid_json",
                    format!("the body is not JSON: {e}"),
                )),
                Ok(value) if too_deep(&value, MAX_DEPTH) => Err(Violation::new(
                    "",
                    "too_deep",
                    format!("the body nests deeper than {MAX_DEPTH} levels"),
                )),
                Ok(value) if !value.is_object() => Err(Violation::new(
                    "",
                    "not_an_object",
                    "the body must be a JSON object",
                )),
                Ok(value) => Ok(value),
            }
        };
        let (parsed, sent_keys, conflicts) = match parsed {
            Ok(payload) => {
                let mapped = integration.map(payload);
                (Ok(mapped.payload), mapped.sent_keys, mapped.conflicts)
            }
            Err(violation) => (Err(violation), Vec::new(), Vec::new()),
        };
        let stored = match &parsed {
            Ok(payload) => {
                let mut kept = payload.clone();
                for path in &integration.redact_fields {
                    remove(&mut kept, path);
                }
                kept.to_string()
            }
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        };
        let new = NewStaged {
            integration: integration.id.clone(),
            account: account.to_owned(),
            payload: stored,
            received_at: stamp(now()),
        };
        let (external_id, checked) =
            self.check(integration, account, parsed, &sent_keys, conflicts);
        let verdict = match &checked {
            Ok(request) => Verdict::Send(serde_json::to_string(request).unwrap_or_default()),
            Err((_, violations)) => Verdict::Refuse(json!(violations).to_string()),
        };
        let admission = Admission {
            external_id,
            verdict,
        };
        // One transaction stages the request, claims its key and begins its attempt (or refuses
        // it): committed before the helpdesk is called.
        let admitted = match blocking(&self.store, move |store| store.admit(&new, &admission)).await
        {
            Ok(admitted) => admitted,
            Err(e) => return self.store_failed(None, &e),
        };
        let staging_id = match admitted {
            Admitted::Duplicate { id, first } => {
                return Reply::new(
                    200,
                    json!({
                        "status": "ignored",
                        "staging_id": id,
                        "duplicate_of": first.id,
                        "first_status": first.status,
                        "ticket_id": first.ticket_id,
                        "ticket_number": first.ticket_number,
                    }),
                );
            }
            Admitted::Sending(id) | Admitted::Refused(id) => id,
        };
        match checked {
            Ok(request) => self.send(integration, staging_id, request).await,
            Err((status, violations)) => Reply::error(status, Some(staging_id), violations),
        }
    }

    /// Checks a parsed request and renders it: its idempotency key (when the integration has
    /// one and the request got that far) and the ticket to create, or the status and
    /// violations it is refused with.
    fn check(
        &self,
        integration: &Integration,
        account: &str,
        parsed: Result<Value, Violation>,
        sent_keys: &[String],
        mut conflicts: Vec<Violation>,
    ) -> (Option<String>, Checked) {
        let payload = match parsed {
            Ok(payload) => payload,
            Err(violation) => {
                let status = if violation.code == "unsupported_media_type" {
                    415
                } else {
                    400
                };
                return (None, Err((status, vec![violation])));
            }
        };
        if !conflicts.is_empty() {
            conflicts.truncate(MAX_VIOLATIONS);
            return (None, Err((422, conflicts)));
        }
        let mut violations = integration.rules.check(&payload);
        if !violations.is_empty() {
            if let Some(mapping) = &integration.mapping {
                let received = mapping.received_names(sent_keys);
                violations = violations
                    .into_iter()
                    .map(|v| mapping.as_received(v, &received))
                    .collect();
            }
            return (None, Err((422, violations)));
        }
        let account_value = json!({ "name": account, "integration": integration.id });
        let scope = [("payload", &payload), ("account", &account_value)];
        let mut external_id = None;
        if let Some(template) = &integration.external_id {
            let key = match template.render(&scope) {
                Ok(Value::String(key)) => key,
                Ok(Value::Null) => String::new(),
                Ok(other) => other.to_string(),
                Err(e) => {
                    let message = self.secrets.redact(&e.to_string());
                    return (
                        None,
                        Err((422, vec![Violation::new("", "external_id", message)])),
                    );
                }
            };
            if key.is_empty() || key.len() > MAX_EXTERNAL_ID {
                let message = format!("the external id must have 1 to {MAX_EXTERNAL_ID} bytes");
                return (
                    None,
                    Err((422, vec![Violation::new("", "external_id", message)])),
                );
            }
            external_id = Some(key);
        }
        let request = match integration.ticket.render(&scope) {
            Ok(Value::Object(request)) => Ok(request),
            Ok(_) => Err((
                422,
                vec![Violation::new(
                    "",
                    "transform_failed",
                    "the ticket template gave no map",
                )],
            )),
            Err(e) => {
                let message = self.secrets.redact(&e.to_string());
                Err((422, vec![Violation::new("", "transform_failed", message)]))
            }
        };
        (external_id, request)
    }

    /// Sends staged row `staging_id`'s rendered ticket to the helpdesk, if the row is in one of
    /// `from`, and records the outcome.
    pub async fn attempt(
        &self,
        integration: &Integration,
        staging_id: i64,
        request: &Value,
        from: &[Status],
    ) -> Reply {
        let text = request.to_string();
        let from = from.to_vec();
        match blocking(&self.store, move |store| {
            store.begin_attempt(staging_id, &from, &text)
        })
        .await
        {
            Ok(true) => {}
            Ok(false) => {
                return Reply::error(
                    409,
                    Some(staging_id),
                    vec![Violation::new(
                        "",
                        "busy",
                        "this request is being processed",
                    )],
                );
            }
            Err(e) => return self.store_failed(Some(staging_id), &e),
        }
        let Value::Object(kwargs) = request.clone() else {
            return self.unsendable(staging_id).await;
        };
        self.send(integration, staging_id, kwargs).await
    }

    /// Creates the ticket of row `staging_id`, already `processing`, and records the outcome.
    async fn send(
        &self,
        integration: &Integration,
        staging_id: i64,
        kwargs: serde_json::Map<String, Value>,
    ) -> Reply {
        let Some(service) = &integration.service else {
            return self.unsendable(staging_id).await;
        };
        match service.create_ticket_kw(kwargs).await {
            Ok(ticket) => {
                let ticket_id = ticket.id.clone().unwrap_or_default();
                let number = ticket.number.clone();
                let (id, stored_number) = (ticket_id.clone(), number.clone());
                if let Err(e) = blocking(&self.store, move |store| {
                    store.inserted(staging_id, &id, stored_number.as_deref())
                })
                .await
                {
                    return self.store_failed(Some(staging_id), &e);
                }
                self.metrics.created(&integration.id);
                tracing::info!(integration = %integration.id, staging_id, ticket_id = %ticket_id, "ticket created");
                Reply::new(
                    201,
                    json!({
                        "status": "inserted",
                        "staging_id": staging_id,
                        "ticket_id": ticket_id,
                        "ticket_number": number,
                    }),
                )
            }
            Err(e) => self.helpdesk_failed(integration, staging_id, &e).await,
        }
    }

    /// Neither happens while serving (services are built, requests rendered as maps); a row
    /// without a service or a rendered ticket ends in `error` rather than staying `processing`.
    async fn unsendable(&self, staging_id: i64) -> Reply {
        let violation = Violation::new("", "no_request", "no service or no rendered ticket");
        self.refuse(staging_id, 500, vec![violation]).await
    }

    async fn helpdesk_failed(
        &self,
        integration: &Integration,
        staging_id: i64,
        error: &Error,
    ) -> Reply {
        let message = self.secrets.redact(&otai_core::error::report(error));
        let attempts = match blocking(&self.store, move |store| store.get(staging_id)).await {
            Ok(Some(row)) => row.attempts,
            Ok(None) => 0,
            Err(e) => return self.store_failed(Some(staging_id), &e),
        };
        if error.is_transient() && attempts < integration.max_attempts {
            self.metrics.helpdesk_error(&integration.id, "retryable");
            let violation = Violation::new("", "helpdesk_unavailable", message);
            let errors = json!([violation]).to_string();
            let next =
                stamp(now() + chrono::Duration::from_std(backoff(attempts)).unwrap_or_default());
            tracing::warn!(integration = %integration.id, staging_id, attempts, "helpdesk unavailable: {}", violation.message);
            if let Err(e) = blocking(&self.store, move |store| {
                store.retry_later(staging_id, &errors, &next)
            })
            .await
            {
                return self.store_failed(Some(staging_id), &e);
            }
            let mut reply = Reply::error(503, Some(staging_id), vec![violation]);
            reply.body["retryable"] = json!(true);
            return reply;
        }
        self.metrics.helpdesk_error(&integration.id, "permanent");
        let (status, code) = match error {
            Error::InvalidInput { .. } => (422, "invalid_ticket"),
            _ if error.is_transient() => (502, "gave_up"),
            _ => (502, "helpdesk_error"),
        };
        tracing::warn!(integration = %integration.id, staging_id, "ticket not created: {message}");
        self.refuse(staging_id, status, vec![Violation::new("", code, message)])
            .await
    }

    async fn refuse(&self, staging_id: i64, status: u16, violations: Vec<Violation>) -> Reply {
        let errors = json!(violations).to_string();
        if let Err(e) = blocking(&self.store, move |store| store.failed(staging_id, &errors)).await
        {
            return self.store_failed(Some(staging_id), &e);
        }
        Reply::error(status, Some(staging_id), violations)
    }

    fn store_failed(&self, staging_id: Option<i64>, error: &StateError) -> Reply {
        tracing::error!("state store: {error}");
        let mut reply = Reply::error(
            503,
            staging_id,
            vec![Violation::new(
                "",
                "state_store",
                "the request could not be stored; send it again",
            )],
        );
        reply.body["retryable"] = json!(true);
        reply
    }

    /// Sends every staged request that is due again; returns how many were tried.
    pub async fn retry_due(&self) -> usize {
        let due = match blocking(&self.store, |store| store.due(&stamp(now()), 64)).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!("state store: {e}");
                return 0;
            }
        };
        let count = due.len();
        for row in due {
            let Some(integration) = self.integrations.get(&row.integration) else {
                continue;
            };
            let request = row
                .request
                .as_deref()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .unwrap_or(Value::Null);
            let reply = self
                .attempt(integration, row.id, &request, &[Status::Retrying])
                .await;
            tracing::info!(integration = %row.integration, staging_id = row.id, status = reply.status, "retried");
        }
        count
    }

    /// Sends a staged request again now (`otai inbound replay`): a row in `error`, `retrying` or
    /// `interrupted` is sent with its rendered ticket, or rendered again from its stored payload.
    pub async fn replay(&self, staging_id: i64) -> Reply {
        let row = match blocking(&self.store, move |store| store.get(staging_id)).await {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Reply::error(
                    404,
                    None,
                    vec![Violation::new(
                        "",
                        "not_found",
                        format!("no staged request {staging_id}"),
                    )],
                );
            }
            Err(e) => return self.store_failed(Some(staging_id), &e),
        };
        let Some(integration) = self.integrations.get(&row.integration) else {
            let message = format!("integration `{}` is not configured", row.integration);
            return Reply::error(
                404,
                Some(staging_id),
                vec![Violation::new("", "not_found", message)],
            );
        };
        if !matches!(row.status, Status::Error | Status::Retrying) {
            let message = format!(
                "the request is {}: only error or retrying can be replayed",
                row.status
            );
            return Reply::error(
                409,
                Some(staging_id),
                vec![Violation::new("", "not_replayable", message)],
            );
        }
        let request = match row.request.as_deref().map(serde_json::from_str::<Value>) {
            Some(Ok(request)) => request,
            _ => {
                let Ok(payload) = serde_json::from_str::<Value>(&row.payload) else {
                    let message = "the staged payload is not JSON";
                    return Reply::error(
                        422,
                        Some(staging_id),
                        vec![Violation::new("", "invalid_json", message)],
                    );
                };
                let account = json!({ "name": row.account, "integration": row.integration });
                match integration
                    .ticket
                    .render(&[("payload", &payload), ("account", &account)])
                {
                    Ok(request) => request,
                    Err(e) => {
                        let message = self.secrets.redact(&e.to_string());
                        return Reply::error(
                            422,
                            Some(staging_id),
                            vec![Violation::new("", "transform_failed", message)],
                        );
                    }
                }
            }
        };
        self.attempt(
            integration,
            staging_id,
            &request,
            &[Status::Error, Status::Retrying],
        )
        .await
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// Removes the field at `path` from `value`.
fn remove(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for segment in parents {
        match at.get_mut(segment.as_str()) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Value::Object(map) = at {
        map.remove(last);
    }
}
