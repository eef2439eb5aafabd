//! `otai inbound`: the staged requests of the inbound API, their statistics, and replays.

use std::process::ExitCode;
use std::sync::Arc;

use otai_pipeline::Registry;
use otai_serve::{Settings, record_json};
use otai_state::{StagingFilter, StateStore, Status};
use serde_json::{Value, json};

use crate::args::{InboundArgs, InboundOperation};
use crate::failure::Failure;
use crate::inputs::load;
use crate::output::Output;

fn store_failure(e: otai_state::StateError) -> Failure {
    Failure {
        lines: vec![format!("error: {e}")],
        code: 1,
    }
}

fn print_json(output: &Output, value: Value) -> Result<(), Failure> {
    output
        .json(value)
        .map_err(|e| Failure::bad_input(format!("cannot print JSON: {e}")))
}

pub(crate) async fn inbound(
    args: InboundArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let replaying = matches!(args.operation, InboundOperation::Replay { .. });
    let engine = load(&args.config, registry, !replaying, output)?;
    let settings = Settings::read(&engine)?;
    let store: Arc<dyn StateStore> = settings
        .open_store(&args.config.config)
        .map_err(store_failure)?;
    match args.operation {
        InboundOperation::List {
            integration,
            status,
            limit,
        } => {
            let status = match status.as_deref() {
                Some(text) => Some(Status::parse(text).ok_or_else(|| {
                    Failure::bad_input(format!(
                        "--status `{text}`: expected one of received, processing, inserted, ignored, error, retrying, interrupted"
                    ))
                })?),
                None => None,
            };
            let filter = StagingFilter {
                integration,
                status,
                limit,
            };
            let rows = store.list(&filter).map_err(store_failure)?;
            if args.json {
                print_json(output, Value::Array(rows.iter().map(record_json).collect()))?;
            } else {
                for row in rows {
                    output.line(&format!(
                        "{:>8}  {:<10}  {:<16}  {:<12}  {}  {}",
                        row.id,
                        row.status.as_str(),
                        row.integration,
                        row.account,
                        row.received_at,
                        row.ticket_number.or(row.ticket_id).unwrap_or_default()
                    ));
                }
            }
        }
        InboundOperation::Show { staging_id } => {
            let row = store
                .get(staging_id)
                .map_err(store_failure)?
                .ok_or_else(|| Failure::bad_input(format!("no staged request {staging_id}")))?;
            let value = record_json(&row);
            if args.json {
                print_json(output, value)?;
            } else {
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                for line in text.lines() {
                    output.line(line);
                }
            }
        }
        InboundOperation::Replay { staging_id } => {
            let gateway = settings.gateway(&engine, store);
            let reply = gateway.replay(staging_id).await;
            let ok = (200..300).contains(&reply.status);
            if args.json {
                print_json(
                    output,
                    json!({ "http_status": reply.status, "reply": reply.body }),
                )?;
            } else {
                output.line(&format!("{} {}", reply.status, reply.body));
            }
            if !ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        InboundOperation::Stats => {
            let stats = store.stats().map_err(store_failure)?;
            if args.json {
                print_json(output, json!(stats))?;
            } else {
                output.line(
                    "integration       account           requests   created  rejected  last seen",
                );
                for s in stats {
                    output.line(&format!(
                        "{:<16}  {:<16}  {:>8}  {:>8}  {:>8}  {}",
                        s.integration, s.account, s.requests, s.created, s.rejected, s.last_seen
                    ));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
