//! The HTTP side: routes, body limits, access logs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::gateway::{Gateway, blocking};
use crate::reply::Reply;
use crate::rules::Violation;

/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a readiness check waits for one service.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// The API's routes over `gateway`.
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/api/v1/inbound/{id}", post(inbound))
        .route("/api/v1/inbound/{id}/{staging_id}", get(staged))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(gateway)
}

fn respond(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(reply.body)).into_response();
    let headers = response.headers_mut();
    if reply.challenge {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"otai\", Basic realm=\"otai\""),
        );
    }
    if let Some(seconds) = reply.retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        headers.insert(header::RETRY_AFTER, value);
    }
    response
}

fn access_log(
    method: &Method,
    path: &str,
    status: u16,
    integration: &str,
    account: &str,
    took: Duration,
) {
    tracing::info!(
        target: "otai::access",
        method = %method,
        path = %otai_core::output::escape_controls(path),
        status,
        integration,
        account,
        ms = took.as_secs_f64() * 1000.0,
        "request"
    );
}

/// Reads at most `limit` bytes of `body`: 413 past it, 408 when it takes too long.
async fn read_body(body: Body, limit: usize, headers: &HeaderMap) -> Result<Vec<u8>, Reply> {
    let too_large = || {
        Reply::error(
            413,
            None,
            vec![Violation::new(
                "",
                "too_large",
                format!("the body is over {limit} bytes"),
            )],
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut out = Vec::with_capacity(declared.unwrap_or(0).min(limit as u64) as usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                Reply::error(
                    400,
                    None,
                    vec![Violation::new("", "unreadable_body", e.to_string())],
                )
            })?;
            if out.len() + chunk.len() > limit {
                return Err(too_large());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or_else(|_| {
            Err(Reply::error(
                408,
                None,
                vec![Violation::new(
                    "",
                    "timeout",
                    "the body took too long to arrive",
                )],
            ))
        })
}

async fn inbound(
    State(gateway): State<Arc<Gateway>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (reply, integration, account) = match gateway.authorize(&id, authorization) {
        Err(reply) => {
            let integration = if reply.status == 404 {
                "-"
            } else {
                id.as_str()
            };
            (reply, integration.to_owned(), "-".to_owned())
        }
        Ok(caller) => {
            let account = caller.account().to_owned();
            let reply = match read_body(body, gateway.body_limit(), &headers).await {
                Err(reply) => reply,
                Ok(bytes) => {
                    let content_type = headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok());
                    gateway.accept(caller, content_type, &bytes).await
                }
            };
            (reply, id.clone(), account)
        }
    };
    let took = started.elapsed();
    gateway
        .metrics()
        .request(&integration, &account, reply.status, took);
    access_log(
        &Method::POST,
        uri.path(),
        reply.status,
        &integration,
        &account,
        took,
    );
    respond(reply)
}

async fn staged(
    State(gateway): State<Arc<Gateway>>,
    Path((id, staging_id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let started = Instant::now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (reply, account) = match gateway.authorize(&id, authorization) {
        Err(reply) => (reply, "-".to_owned()),
        Ok(caller) => (
            staged_record(&gateway, &id, &staging_id).await,
            caller.account().to_owned(),
        ),
    };
    access_log(
        &Method::GET,
        uri.path(),
        reply.status,
        &id,
        &account,
        started.elapsed(),
    );
    respond(reply)
}

async fn staged_record(gateway: &Gateway, integration: &str, staging_id: &str) -> Reply {
    let missing = || {
        Reply::error(
            404,
            None,
            vec![Violation::new(
                "",
                "not_found",
                "no such staged request in this integration",
            )],
        )
    };
    let Ok(staging_id) = staging_id.parse::<i64>() else {
        return missing();
    };
    match blocking(gateway.store(), move |store| store.get(staging_id)).await {
        Ok(Some(row)) if row.integration == integration => Reply::new(200, record_json(&row)),
        Ok(_) => missing(),
        Err(e) => {
            tracing::error!("state store: {e}");
            Reply::error(
                503,
                None,
                vec![Violation::new("", "state_store", "the store failed")],
            )
        }
    }
}

/// A staged row as the API and `otai inbound show --json` give it.
pub fn record_json(row: &otai_state::StagedRecord) -> Value {
    let payload =
        serde_json::from_str::<Value>(&row.payload).unwrap_or_else(|_| json!(row.payload));
    let errors = row
        .errors
        .as_deref()
        .and_then(|e| serde_json::from_str::<Value>(e).ok())
        .unwrap_or_else(|| json!([]));
    json!({
        "staging_id": row.id,
        "integration": row.integration,
        "account": row.account,
        "external_id": row.external_id,
        "status": row.status,
        "payload": payload,
        "ticket_id": row.ticket_id,
        "ticket_number": row.ticket_number,
        "duplicate_of": row.duplicate_of,
        "errors": errors,
        "attempts": row.attempts,
        "received_at": row.received_at,
        "updated_at": row.updated_at,
        "next_attempt_at": row.next_attempt_at,
    })
}

async fn openapi(State(gateway): State<Arc<Gateway>>) -> Response {
    axum::Json(crate::openapi::document(&gateway)).into_response()
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(gateway): State<Arc<Gateway>>) -> Response {
    let checks = gateway.services().iter().map(|(id, service)| async move {
        let ok = matches!(
            tokio::time::timeout(HEALTH_TIMEOUT, service.healthcheck()).await,
            Ok(Ok(()))
        );
        if !ok {
            tracing::warn!(service = %id, "readiness: the service's health check failed");
        }
        (id.clone(), ok)
    });
    let results = futures::future::join_all(checks).await;
    let ready = results.iter().all(|(_, ok)| *ok);
    let services: serde_json::Map<String, Value> = results
        .into_iter()
        .map(|(id, ok)| (id, json!(if ok { "ok" } else { "failed" })))
        .collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({ "status": if ready { "ready" } else { "not_ready" }, "services": services });
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(gateway): State<Arc<Gateway>>) -> Response {
    let staged = blocking(gateway.store(), |store| store.counts())
        .await
        .unwrap_or_default();
    let text = gateway.metrics().render(&staged);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn not_found(uri: Uri) -> Response {
    let message = format!(
        "no route {}",
        otai_core::output::escape_controls(uri.path())
    );
    respond(Reply::error(
        404,
        None,
        vec![Violation::new("", "not_found", message)],
    ))
}
