//! A plugin binary: the `otai` command plus one pipe of its own, `my_plugin:CreateTicketPipe`.
//!
//! ```sh
//! cargo run -p custom-pipe -- run -c examples/custom-pipe/otai.yml --once \
//!     --context subject='Printer on fire' --context body='Room 42'
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use otai_core::{Error, Result};
use otai_pipeline::{Pipe, PipeContext, PipeSpec};
use serde_json::{Value, json};

/// Creates a ticket from `ticket_payload` through the pipe's service, in queue `Raw` for customer
/// `otai@example.com` unless the payload says otherwise.
struct CreateTicketPipe;

#[async_trait]
impl Pipe for CreateTicketPipe {
    async fn run(&self, ctx: &PipeContext, params: Value) -> Result<Value> {
        let mut kwargs = match params.get("ticket_payload") {
            Some(Value::Object(payload)) => payload.clone(),
            _ => {
                return Err(Error::config(
                    format!("pipes.{}.params.ticket_payload", ctx.pipe_id),
                    "expected a map of ticket fields",
                ));
            }
        };
        kwargs.entry("queue").or_insert_with(|| json!("Raw"));
        kwargs
            .entry("customer")
            .or_insert_with(|| json!("otai@example.com"));
        if ctx.dry_run {
            return Ok(json!({"dry_run": true, "would_send": kwargs}));
        }
        let ticket = ctx.service()?.create_ticket(kwargs).await?;
        ctx.stats.changed(ticket.id.as_deref());
        Ok(json!({"ticket": ticket}))
    }
}

fn main() -> std::process::ExitCode {
    let mut registry = otai_cli::default_registry();
    registry.register_pipe(
        &["my_plugin:CreateTicketPipe"],
        PipeSpec::new("create a ticket from ticket_payload", || {
            Arc::new(CreateTicketPipe) as Arc<dyn Pipe>
        })
        .required(&["ticket_payload"])
        .accepted(&["ticket_payload"])
        .with_service(),
    );
    otai_cli::run_cli(registry)
}
