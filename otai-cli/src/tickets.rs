//! `otai tickets`: one operation through a configured service, printed as a table or JSON.

use std::process::ExitCode;

use otai_core::request::{CreateRequest, GetRequest, NoteRequest, SearchRequest, UpdateRequest};
use otai_core::{Kwargs, TicketSystemServiceExt, UnifiedTicket};
use otai_pipeline::Registry;
use serde_json::Value;

use crate::args::{TicketFields, TicketOperation, TicketsArgs, WhichTicket};
use crate::failure::Failure;
use crate::inputs::{load, pairs, service};
use crate::output::Output;

fn fields(kwargs: &mut Kwargs, fields: TicketFields) -> Result<(), Failure> {
    for (key, value) in [
        ("queue", fields.queue),
        ("state", fields.state),
        ("priority", fields.priority),
        ("customer", fields.customer),
    ] {
        if let Some(value) = value {
            kwargs.insert(key.into(), Value::String(value));
        }
    }
    if let Value::Object(extra) = pairs("--kw", &fields.kw)? {
        kwargs.extend(extra);
    }
    Ok(())
}

/// The flags read as a request of `R`, or a usage error (exit code 2): an unknown `--kw` key,
/// a value of the wrong type, a bad ticket id.
/// A `ticket_number` among them stands in for the id while the rest is read; it is returned
/// for the caller to look up.
macro_rules! request {
    ($request:ty, $kwargs:expr, $service:expr) => {{
        let mut kwargs = $kwargs;
        let number = otai_core::request::number_stands_in_for_id(&mut kwargs).map_err(usage)?;
        let request = <$request>::from_kwargs(kwargs, $service.kind(), $service.native_keys())
            .map_err(usage)?;
        (request, number)
    }};
}

/// A request the flags do not make: a usage error, exit code 2.
fn usage(error: otai_core::Error) -> Failure {
    Failure::bad_input(otai_core::error::report(&error))
}

/// Names the ticket in `kwargs` (`ticket_id` or `ticket_number`); returns how to name it in a
/// not-found message.
fn which(kwargs: &mut Kwargs, ticket: WhichTicket) -> String {
    match (ticket.number, ticket.id) {
        (Some(number), _) => {
            let what = format!("ticket number {number}");
            kwargs.insert("ticket_number".into(), number.into());
            what
        }
        (None, id) => {
            let id = id.unwrap_or_default();
            let what = format!("ticket {id}");
            kwargs.insert("ticket_id".into(), id.into());
            what
        }
    }
}

fn set(kwargs: &mut Kwargs, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        kwargs.insert(key.into(), value.into());
    }
}

pub(crate) async fn tickets(
    args: TicketsArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let engine = load(&args.config, registry, false, output)?;
    let service = service(&engine, args.service.as_deref())?;
    let mut kw = Kwargs::new();
    let tickets: Vec<UnifiedTicket> = match args.operation {
        TicketOperation::Get {
            ticket,
            attachments,
        } => {
            let what = which(&mut kw, ticket);
            set(&mut kw, "attachment_content", attachments.then_some(true));
            let (mut request, number) = request!(GetRequest, kw, service);
            let found = match number {
                Some(number) => service.ticket_id_by_number(number.as_str()).await?,
                None => Some(request.ticket_id.clone()),
            };
            let ticket = match found {
                Some(id) => {
                    request.ticket_id = id;
                    service.get_ticket(request).await?
                }
                None => None,
            };
            match ticket {
                Some(ticket) => vec![ticket],
                None => return Err(Failure::from(otai_core::Error::NotFound { what })),
            }
        }
        TicketOperation::Search {
            fields: f,
            subject,
            limit,
            all,
        } => {
            fields(&mut kw, f)?;
            set(&mut kw, "subject_contains", subject);
            set(&mut kw, "limit", limit);
            set(&mut kw, "all", all.then_some(true));
            let (request, _) = request!(SearchRequest, kw, service);
            let found = service.find_tickets(request).await?;
            print(&found, args.json, true, output)?;
            return Ok(ExitCode::SUCCESS);
        }
        TicketOperation::Create {
            fields: f,
            subject,
            body,
        } => {
            fields(&mut kw, f)?;
            kw.insert("subject".into(), subject.into());
            set(&mut kw, "body", body);
            let (request, _) = request!(CreateRequest, kw, service);
            vec![service.create_ticket(request).await?]
        }
        TicketOperation::Update {
            ticket,
            fields: f,
            subject,
        } => {
            fields(&mut kw, f)?;
            which(&mut kw, ticket);
            set(&mut kw, "subject", subject);
            let (mut request, number) = request!(UpdateRequest, kw, service);
            if let Some(number) = number {
                request.ticket_id = service.existing_ticket_id(&number).await?;
            }
            vec![service.update_ticket(request).await?]
        }
        TicketOperation::Note {
            ticket,
            body,
            subject,
            content_type,
            visible,
            attach,
        } => {
            which(&mut kw, ticket);
            if !attach.is_empty() {
                kw.insert("attachments".into(), crate::attach::read(&attach)?);
            }
            kw.insert("body".into(), body.into());
            set(&mut kw, "subject", subject);
            set(&mut kw, "content_type", content_type);
            kw.insert("internal".into(), (!visible).into());
            let (mut request, number) = request!(NoteRequest, kw, service);
            if let Some(number) = number {
                request.ticket_id = service.existing_ticket_id(&number).await?;
            }
            vec![service.add_note(request).await?]
        }
        TicketOperation::History { ticket } => {
            which(&mut kw, ticket);
            let (mut request, number) = request!(GetRequest, kw, service);
            if let Some(number) = number {
                request.ticket_id = service.existing_ticket_id(&number).await?;
            }
            let history = service.ticket_history(request).await?;
            crate::history::print(&history, args.json, output)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    print(&tickets, args.json, false, output)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints `tickets` as exact JSON (redacted) or as a table whose cells are shown to a person
/// (redacted, control characters escaped: a subject cannot act on the terminal).
fn print(
    tickets: &[UnifiedTicket],
    json: bool,
    as_list: bool,
    output: &Output,
) -> Result<(), Failure> {
    if json {
        let value = if as_list {
            serde_json::to_value(tickets)
        } else {
            serde_json::to_value(&tickets[..tickets.len().min(1)])
                .map(|v| v.get(0).cloned().unwrap_or_default())
        };
        return value
            .and_then(|v| output.json(v))
            .map_err(|e| Failure::from(otai_core::Error::invalid_input("output", e.to_string())));
    }
    let label = |e: &Option<otai_core::UnifiedEntity>| {
        e.as_ref().and_then(|e| e.label()).unwrap_or("-").to_owned()
    };
    let rows: Vec<[String; 6]> = tickets
        .iter()
        .map(|t| {
            [
                t.id.clone().unwrap_or_default(),
                label(&t.queue),
                label(&t.state),
                label(&t.priority),
                t.notes.len().to_string(),
                t.subject.clone().unwrap_or_default(),
            ]
            .map(|cell| output.shown(&cell))
        })
        .collect();
    let header = ["ID", "QUEUE", "STATE", "PRIORITY", "NOTES", "SUBJECT"];
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 6]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate().take(5) {
            out.push_str(&format!("{cell:<width$}  ", width = widths[i]));
        }
        out.push_str(cells[5]);
        out
    };
    output.line(&line(header));
    for row in &rows {
        output.line(&line([
            &row[0], &row[1], &row[2], &row[3], &row[4], &row[5],
        ]));
    }
    if as_list {
        output.line(&format!("({} tickets)", rows.len()));
    } else {
        for ticket in tickets {
            crate::attach::print(ticket, output);
        }
    }
    Ok(())
}
