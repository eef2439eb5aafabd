//! A plugin binary: the `otai` command plus one pipe of its own, `my_plugin:CreateTicketPipe`.
//!
//! ```sh
//! cargo run -p custom-pipe -- run -c examples/custom-pipe/otai.yml --once \
//!     --context subject='Printer on fire' --context body='Room 42'
//! ```

use std::collections::BTreeSet;

use async_trait::async_trait;
use otai_core::request::{CreateRequest, Operation, check_kwargs};
use otai_core::{Kwargs, Result};
use otai_pipeline::{
    CheckContext, ParamError, Pipe, PipeContext, PipeSpec, TemplateValue, ticket_value,
};
use serde::Deserialize;
use serde_json::json;

/// Creates a ticket from `ticket_payload` through the pipe's service, in queue `Raw` for customer
/// `otai@example.com` unless the payload says otherwise. Dry runs and the run's figures need
/// nothing from the pipe: the engine wraps the service it hands over.
struct CreateTicketPipe;

/// The params of `my_plugin:CreateTicketPipe`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTicketParams {
    /// The new ticket's fields, as `create_ticket` takes them.
    ticket_payload: Kwargs,
}

/// The payload with the pipe's defaults.
fn with_defaults(payload: &Kwargs) -> Kwargs {
    let mut kwargs = payload.clone();
    kwargs.entry("queue").or_insert_with(|| json!("Raw"));
    kwargs
        .entry("customer")
        .or_insert_with(|| json!("otai@example.com"));
    kwargs
}

#[async_trait]
impl Pipe for CreateTicketPipe {
    type Params = CreateTicketParams;

    /// At load, the payload's keys are checked against the service's (`subjct` is an error with
    /// a suggestion); templated values count as given and are checked when the ticket is made.
    fn check(
        &self,
        p: &CreateTicketParams,
        ctx: &CheckContext<'_>,
    ) -> std::result::Result<(), Vec<ParamError>> {
        let Some((adapter, native)) = ctx.service else {
            return Ok(());
        };
        if !ctx.is_load() || ctx.is_templated("ticket_payload") && p.ticket_payload.is_empty() {
            return Ok(());
        }
        let (deferred, known): (Kwargs, Kwargs) = with_defaults(&p.ticket_payload)
            .into_iter()
            .partition(|(key, _)| ctx.is_templated(&format!("ticket_payload.{key}")));
        let deferred: BTreeSet<String> = deferred.into_iter().map(|(key, _)| key).collect();
        let errors: Vec<ParamError> =
            check_kwargs(Operation::Create, known, deferred.clone(), adapter, native)
                .into_iter()
                .map(|e| {
                    let e = ParamError::from(e);
                    let field = format!("ticket_payload.{}", e.field);
                    let field = field.trim_end_matches('.');
                    // A templated key's value is not checked: an error about it is about the key.
                    if deferred.contains(&e.field) {
                        ParamError::key(field, e.message)
                    } else {
                        ParamError::new(field, e.message)
                    }
                })
                .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    async fn run(&self, ctx: &PipeContext, p: &CreateTicketParams) -> Result<TemplateValue> {
        let service = ctx.service()?;
        let kwargs = with_defaults(&p.ticket_payload);
        let request = CreateRequest::from_kwargs(kwargs, service.kind(), service.native_keys())?;
        let ticket = service.create_ticket(request).await?;
        Ok(TemplateValue::from_pairs([(
            "ticket",
            ticket_value(ticket),
        )]))
    }
}

fn main() -> std::process::ExitCode {
    let mut registry = otai_cli::default_registry();
    registry.register_pipe(
        &["my_plugin:CreateTicketPipe"],
        PipeSpec::new("create a ticket from ticket_payload", CreateTicketPipe).with_service(),
    );
    otai_cli::run_cli(registry)
}
