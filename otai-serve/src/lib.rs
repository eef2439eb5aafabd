//! `otai serve`: a published, validated HTTP API through which other systems create tickets in
//! any configured helpdesk.
//!
//! Each integration of `inbound:` is served at `/api/v1/inbound/<id>`: its accounts authenticate
//! (bearer token or Basic, compared in constant time), each request is staged in the state store
//! as received (after the integration's `mapping:`, which translates a remote system's names
//! and values), checked against the integration's rules (every violation reported at once),
//! rendered into `create_ticket` kwargs with the pipelines' templates (payload values are data,
//! never template source) and sent to the helpdesk. An `external_id` makes resends idempotent,
//! enforced by the store; a helpdesk that fails for now gets the request again in the background.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
pub mod config;
mod gateway;
mod http;
mod limit;
mod load;
pub mod mapping;
mod metrics;
pub mod openapi;
mod reply;
pub mod rules;
mod server;
mod tls;

pub use gateway::{Caller, Gateway, Integration, MAX_EXTERNAL_ID};
pub use http::{record_json, router};
pub use load::{DEFAULT_STATE_FILE, Settings};
pub use metrics::Metrics;
pub use reply::Reply;
pub use server::{RETRY_INTERVAL, serve, serve_routes, serve_with};
pub use tls::acceptor as tls_acceptor;
