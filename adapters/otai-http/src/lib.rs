//! # otai-http: what every HTTP adapter of otai shares
//!
//! - the HTTP params of an adapter's config ([`HttpParams`], declared top level with
//!   [`config_with_http_params!`]) with their defaults and checks;
//! - the base URL check ([`check_base_url`]);
//! - one client per helpdesk ([`HttpClient`]): timeouts, TLS, proxy, the reply size limit, the
//!   redirect policy, and send errors mapped onto typed errors ([`Failure`]);
//! - the retry loop ([`RetryPolicy`]): which requests are repeated ([`Repeatable`]), on which
//!   failures and statuses, after which delay ([`backoff`], `Retry-After`).
//!
//! ```no_run
//! use otai_http::{HttpClient, HttpParams, Repeatable};
//!
//! # async fn run() -> otai_core::Result<()> {
//! let base = otai_http::check_base_url("https://rt.example.com/REST/2.0")?;
//! let http = HttpClient::new(&base, &HttpParams::default(), 4)?;
//! let reply = http
//!     .retries()
//!     .run_replies("GET /queues/all", Repeatable::Always, || {
//!         http.send("GET /queues/all", http.request(reqwest::Method::GET, "/queues/all"))
//!     })
//!     .await?;
//! println!("{} bytes, HTTP {}", reply.body.len(), reply.status);
//! # Ok(()) }
//! ```
//!
//! ## Redirects
//!
//! Requests carry credentials and changes, so a redirect is followed only for GET and HEAD, only
//! within the same origin (scheme, host and port) and at most [`MAX_REDIRECTS`] times; any other
//! redirect is an [`otai_core::Error::Remote`] with the 3xx status, saying "refused redirect" and
//! naming the target without its query.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod base_url;
mod client;
mod failure;
mod params;
mod redirect;
mod retry;

pub use base_url::{check_base_url, server_label};
pub use client::{HttpClient, HttpReply, idle_per_host};
pub use failure::Failure;
pub use params::{HttpParams, positive_seconds};
pub use redirect::MAX_REDIRECTS;
pub use retry::{Repeatable, RetryPolicy, Transient, backoff, retry_after};
