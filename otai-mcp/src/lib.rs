//! # otai-mcp: tickets as tools for AI agents
//!
//! A [Model Context Protocol](https://modelcontextprotocol.io) server over the services of an
//! otai configuration, built on the official Rust SDK (`rmcp`). Agents get the tools
//! `list_services`, `find_tickets`, `get_ticket`, `create_ticket`, `update_ticket` and
//! `add_note`, whose arguments are the unified model's keys and whose results are the unified
//! JSON; tickets as `ticket://<service>/<id>` resources; and two prompts (`summarize_ticket`,
//! `draft_reply`).
//!
//! The `mcp:` section of `otai.yml` ([`McpConfig`]) bounds what an agent may do: read-only
//! unless write tools are listed, allowed queues for reads and writes, a write budget, a dry-run
//! mode, body and result limits. Every call is logged (arguments redacted) and counted;
//! credentials never reach the agent.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
mod http;
mod policy;
mod prompts;
mod resources;
mod server;
pub mod tools;
mod truncate;
mod writes;

pub use config::{McpConfig, QueueLists};
pub use http::{PATH, check_http, serve_http};
pub use policy::CallStats;
pub use server::McpServer;

use otai_core::Error;
use rmcp::ServiceExt;

/// Serves `server` over stdin/stdout until the client closes the connection.
pub async fn serve_stdio(server: McpServer) -> Result<(), Error> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| transport_error("start", e))?;
    running
        .waiting()
        .await
        .map_err(|e| transport_error("serve", e))?;
    Ok(())
}

fn transport_error(what: &str, error: impl std::fmt::Display) -> Error {
    Error::Transport {
        request: format!("mcp stdio {what}"),
        message: error.to_string(),
        transient: false,
        source: None,
    }
}
