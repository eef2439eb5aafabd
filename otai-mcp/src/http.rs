//! The server over streamable HTTP, behind a bearer token.

use std::future::Future;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use otai_core::Error;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::McpConfig;
use crate::server::McpServer;

/// The path the MCP endpoint is served at.
pub const PATH: &str = "/mcp";
/// The largest request body accepted.
const MAX_REQUEST_BYTES: usize = 1 << 20;
/// The shortest bearer token accepted.
const MIN_TOKEN_CHARS: usize = 16;
/// Host names always accepted (loopback).
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Serves `server` on `listener` at [`PATH`] until `shutdown` resolves. Every request must carry
/// `Authorization: Bearer <mcp.token>`; a configuration without a token is refused.
pub async fn serve_http(
    server: McpServer,
    config: &McpConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let token = check_http(config)?;
    let cancel = CancellationToken::new();
    let hosts = LOOPBACK_HOSTS
        .iter()
        .map(|h| (*h).to_owned())
        .chain(config.allowed_hosts.iter().cloned());
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default()
            .with_allowed_hosts(hosts)
            .with_max_request_body_bytes(MAX_REQUEST_BYTES)
            .with_cancellation_token(cancel.child_token()),
    );
    let token = Arc::new(token);
    let router = axum::Router::new()
        .nest_service(PATH, service)
        .layer(axum::middleware::from_fn(move |request, next| {
            let token = Arc::clone(&token);
            async move { authorize(&token, request, next).await }
        }));
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            cancel.cancel();
        })
        .await
        .map_err(|e| Error::Transport {
            request: format!("serve {PATH}"),
            message: format!("the MCP HTTP server stopped: {e}"),
            transient: false,
            source: None,
        })
}

/// Checks that `config` can serve over HTTP (it has a token long enough) and returns the token.
pub fn check_http(config: &McpConfig) -> Result<SecretString, Error> {
    let token = config.token.clone().ok_or_else(|| {
        Error::config(
            "mcp.token",
            "serving over HTTP needs a bearer token: set `token: '${{ secrets.MCP_TOKEN }}'` \
             under `mcp:`",
        )
    })?;
    if token.expose_secret().chars().count() < MIN_TOKEN_CHARS {
        return Err(Error::config(
            "mcp.token",
            format!("the bearer token is too short: use at least {MIN_TOKEN_CHARS} characters"),
        ));
    }
    Ok(token)
}

/// Lets the request through when it carries the bearer token.
async fn authorize(token: &SecretString, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(given) if same(given.as_bytes(), token.expose_secret().as_bytes()) => {
            next.run(request).await
        }
        _ => {
            tracing::warn!("mcp: HTTP request without the right bearer token refused");
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "a bearer token is required (Authorization: Bearer <token>)",
            )
                .into_response()
        }
    }
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same(b"abcdef", b"abcdef"));
        assert!(!same(b"abcdef", b"abcdeg"));
        assert!(!same(b"abc", b"abcdef"));
    }
}
