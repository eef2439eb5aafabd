//! The six ticket pipes: each passes its rendered params to the service as kwargs.

use std::sync::Arc;

use async_trait::async_trait;
use otai_core::{Error, Kwargs, Result};
use otai_pipeline::{
    Pipe, PipeContext, PipeSpec, TemplateValue, optional_ticket_value, template_value,
    ticket_value, tickets_value,
};
use serde_json::{Value, json};

/// Which service method a ticket pipe calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Fetch,
    FindFirst,
    Get,
    Create,
    Update,
    Note,
}

/// Open Ticket AI wraps the kwargs in one of these keys; their content is merged into the kwargs.
/// (`note` only for `add_note`: in `update_ticket` it is the note added with the change.)
const WRAPPERS: &[&str] = &[
    "ticket_search_criteria",
    "ticket_payload",
    "updated_ticket",
    "note",
    "ticket",
];

struct TicketPipe(Op);

fn kwargs(pipe: &str, op: Op, params: Value) -> Result<Kwargs> {
    let mut map = match params {
        Value::Object(map) => map,
        Value::Null => Kwargs::new(),
        other => {
            return Err(Error::config(
                format!("pipes.{pipe}.params"),
                format!(
                    "expected a map, got {}",
                    otai_core::kwargs::describe(&other)
                ),
            ));
        }
    };
    for wrapper in WRAPPERS {
        if *wrapper == "note" && op != Op::Note {
            continue;
        }
        if let Some(inner) = map.remove(*wrapper) {
            match inner {
                Value::Object(inner) => {
                    for (k, v) in inner {
                        map.entry(k).or_insert(v);
                    }
                }
                Value::Null => {}
                other => {
                    return Err(Error::config(
                        format!("pipes.{pipe}.params.{wrapper}"),
                        format!(
                            "expected a map, got {}",
                            otai_core::kwargs::describe(&other)
                        ),
                    ));
                }
            }
        }
    }
    Ok(map)
}

#[async_trait]
impl Pipe for TicketPipe {
    async fn run(&self, ctx: &PipeContext, params: Value) -> Result<Value> {
        let value = self.run_value(ctx, params).await?;
        serde_json::to_value(&value).map_err(|e| Error::Pipeline {
            pipe: ctx.pipe_id.clone(),
            message: format!("result is not JSON: {e}"),
            source: None,
        })
    }

    /// Tickets are handed to later pipes as typed values: a fetched list is never copied.
    async fn run_value(&self, ctx: &PipeContext, params: Value) -> Result<TemplateValue> {
        let kw = kwargs(&ctx.pipe_id, self.0, params)?;
        let service = ctx.service()?;
        let writes = matches!(self.0, Op::Create | Op::Update | Op::Note);
        if writes && ctx.dry_run {
            let shown = Value::Object(kw.clone()).to_string();
            tracing::info!(pipe = %ctx.pipe_id, kwargs = %shown, "dry run: not sending");
            return Ok(template_value(&json!({"dry_run": true, "would_send": kw})));
        }
        let result = |pairs: Vec<(&str, TemplateValue)>| TemplateValue::from_pairs(pairs);
        Ok(match self.0 {
            Op::Fetch => {
                let tickets = service.find_tickets(kw).await?;
                ctx.stats.saw(tickets.len());
                result(vec![
                    ("count", tickets.len().into()),
                    ("tickets", tickets_value(tickets)),
                ])
            }
            Op::FindFirst | Op::Get => {
                let ticket = if self.0 == Op::Get {
                    service.get_ticket(kw).await?
                } else {
                    service.find_first_ticket(kw).await?
                };
                if self.0 == Op::FindFirst {
                    ctx.stats.saw(usize::from(ticket.is_some()));
                }
                result(vec![
                    ("found", ticket.is_some().into()),
                    ("ticket", optional_ticket_value(ticket)),
                ])
            }
            Op::Create | Op::Update | Op::Note => {
                let ticket = match self.0 {
                    Op::Create => service.create_ticket(kw).await?,
                    Op::Update => service.update_ticket(kw).await?,
                    _ => service.add_note(kw).await?,
                };
                ctx.stats.changed(ticket.id.as_deref());
                result(vec![("ticket", ticket_value(ticket))])
            }
        })
    }
}

fn spec(description: &'static str, op: Op) -> PipeSpec {
    PipeSpec::new(description, move || {
        Arc::new(TicketPipe(op)) as Arc<dyn Pipe>
    })
    .with_service()
}

/// Registers the ticket pipes under their short, Open Ticket AI and qualified names.
pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    let pipes: [(&[&str], &'static str, Op); 6] = [
        (
            &[
                "fetch_tickets",
                "base:FetchTicketsPipe",
                "otai_base:pipes.ticket_system_pipes.FetchTicketsPipe",
            ],
            "find tickets (kwargs: search criteria); result: tickets, count",
            Op::Fetch,
        ),
        (
            &[
                "find_first_ticket",
                "base:FindFirstTicketPipe",
                "otai_base:pipes.ticket_system_pipes.FindFirstTicketPipe",
            ],
            "the first matching ticket; result: ticket, found",
            Op::FindFirst,
        ),
        (
            &[
                "get_ticket",
                "base:GetTicketPipe",
                "otai_base:pipes.ticket_system_pipes.GetTicketPipe",
            ],
            "one ticket by ticket_id; result: ticket, found",
            Op::Get,
        ),
        (
            &[
                "create_ticket",
                "base:CreateTicketPipe",
                "otai_base:pipes.ticket_system_pipes.CreateTicketPipe",
            ],
            "create a ticket (kwargs: ticket fields); result: ticket",
            Op::Create,
        ),
        (
            &[
                "update_ticket",
                "base:UpdateTicketPipe",
                "otai_base:pipes.ticket_system_pipes.UpdateTicketPipe",
            ],
            "change a ticket (ticket_id + fields); result: ticket",
            Op::Update,
        ),
        (
            &[
                "add_note",
                "base:AddNotePipe",
                "otai_base:pipes.ticket_system_pipes.AddNotePipe",
            ],
            "add a note (ticket_id, subject, body, internal); result: ticket",
            Op::Note,
        ),
    ];
    for (names, description, op) in pipes {
        registry.register_pipe(names, spec(description, op));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_ticket_ai_wrappers_merge_into_the_kwargs() -> Result<()> {
        let kw = kwargs(
            "p",
            Op::Fetch,
            json!({"ticket_search_criteria": {"queue": {"id": "5"}, "limit": 20}, "limit": 5}),
        )?;
        assert_eq!(Value::Object(kw), json!({"queue": {"id": "5"}, "limit": 5}));
        let note = json!({"note": {"subject": "s", "body": "b"}, "ticket_id": 1});
        assert_eq!(
            Value::Object(kwargs("p", Op::Note, note.clone())?),
            json!({"subject": "s", "body": "b", "ticket_id": 1}),
            "add_note unwraps `note`"
        );
        assert_eq!(
            Value::Object(kwargs("p", Op::Update, note.clone())?),
            note,
            "update_ticket keeps `note` as the note to add"
        );
        let err = kwargs("p", Op::Create, json!({"ticket_payload": "x"}))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("config error at pipes.p.params.ticket_payload: expected a map, got a string")
        );
        Ok(())
    }
}
