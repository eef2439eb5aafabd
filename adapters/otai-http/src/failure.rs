//! A failed request as a typed [`otai_core::Error`], and whether it may have reached the server.

use std::error::Error as _;
use std::time::Duration;

use otai_core::Error;

/// A failed request, and whether it may have reached the server.
#[derive(Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The error for the caller.
    pub error: Error,
    /// `false` only when the server surely saw nothing (the connection was never made).
    pub may_have_reached_server: bool,
}

impl Failure {
    /// A failure after the request may have left.
    pub fn sent(error: Error) -> Self {
        Self {
            error,
            may_have_reached_server: true,
        }
    }

    /// A failure before anything was sent.
    pub fn unsent(error: Error) -> Self {
        Self {
            error,
            may_have_reached_server: false,
        }
    }
}

/// Errors raised before sending (a payload that cannot be encoded, a missing route parameter).
impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::unsent(error)
    }
}

/// Where a request went and how long it had, for the messages of [`send_failure`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// `host:port`.
    pub(crate) server: &'a str,
    /// Whether the URL is `https://`.
    pub(crate) https: bool,
    /// The whole request's limit.
    pub(crate) timeout: Duration,
    /// The connection's limit.
    pub(crate) connect_timeout: Duration,
}

/// Maps an error of sending `request` (no reply arrived) onto a typed error. The URL is dropped
/// from the cause: it may carry credentials in its query.
pub(crate) fn send_failure(request: &str, target: Target<'_>, e: reqwest::Error) -> Failure {
    let server = target.server;
    let transport = |message: String, transient: bool, e: reqwest::Error| Error::Transport {
        request: request.to_owned(),
        message,
        transient,
        source: Some(Box::new(e.without_url())),
    };
    if e.is_connect() {
        let error = match tls_problem(&e, target.https) {
            Some(TlsProblem::NotTls) => transport(
                format!(
                    "cannot connect to {server}: TLS handshake failed, the server does not speak TLS (for a plain-HTTP server use http://)"
                ),
                false,
                e,
            ),
            Some(TlsProblem::Closed) => transport(
                format!(
                    "cannot connect to {server}: TLS handshake failed, the server closed the connection (it may not speak TLS; for a plain-HTTP server use http://)"
                ),
                false,
                e,
            ),
            Some(TlsProblem::Other) => transport(
                format!("cannot connect to {server}: TLS handshake failed"),
                false,
                e,
            ),
            None if e.is_timeout() && target.https => transport(
                format!(
                    "cannot connect to {server} within {:?}: no TCP connection or no TLS handshake (the server may not speak TLS; for a plain-HTTP server use http://)",
                    target.connect_timeout
                ),
                true,
                e,
            ),
            None if e.is_timeout() => transport(
                format!(
                    "cannot connect to {server} within {:?}",
                    target.connect_timeout
                ),
                true,
                e,
            ),
            None => transport(format!("cannot connect to {server}"), true, e),
        };
        return Failure::unsent(error);
    }
    if e.is_timeout() {
        return Failure::sent(Error::Timeout {
            request: request.to_owned(),
            after: target.timeout,
        });
    }
    Failure::sent(transport(format!("request to {server} failed"), true, e))
}

/// Maps an error while reading a reply body onto a typed error.
pub(crate) fn body_failure(request: &str, timeout: Duration, e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        return Failure::sent(Error::Timeout {
            request: request.to_owned(),
            after: timeout,
        });
    }
    Failure::sent(Error::Transport {
        request: request.to_owned(),
        message: "reading the reply failed".into(),
        transient: true,
        source: Some(Box::new(e.without_url())),
    })
}

/// What went wrong in a TLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsProblem {
    /// The peer answered with something that is not TLS (a plain-HTTP server).
    NotTls,
    /// The peer closed the connection in the middle of the handshake.
    Closed,
    /// Anything else: an unknown certificate, no common protocol version, an alert.
    Other,
}

/// The TLS problem behind a connect error, if it is one. rustls errors arrive wrapped in
/// `io::Error`s, whose `source()` skips them: look inside with `get_ref`. Connecting reads
/// nothing but the TLS handshake, so an early end of an `https://` connection is one too.
fn tls_problem(e: &reqwest::Error, https: bool) -> Option<TlsProblem> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(error) = next {
        let mut inner = Some(error);
        while let Some(candidate) = inner {
            if let Some(tls) = candidate.downcast_ref::<rustls::Error>() {
                return Some(match tls {
                    rustls::Error::InvalidMessage(_) => TlsProblem::NotTls,
                    _ => TlsProblem::Other,
                });
            }
            let io = candidate.downcast_ref::<std::io::Error>();
            if https && io.is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof) {
                return Some(TlsProblem::Closed);
            }
            inner = io
                .and_then(|io| io.get_ref())
                .map(|boxed| boxed as &(dyn std::error::Error + 'static));
        }
        next = error.source();
    }
    None
}
