//! The write tools: checked (arguments, queues, budget) before anything changes, or only
//! reported under `dry_run`.

use std::sync::Arc;

use otai_core::request::{CreateRequest, GetRequest, NoteRequest, UpdateRequest};
use otai_core::{Error, Kwargs, TicketId, TicketSystemService, UnifiedTicket};
use serde_json::{Value, json};

use crate::server::{CallError, McpServer, ticket_json};
use crate::tools::WriteTool;
use crate::truncate::truncate_ticket;

impl McpServer {
    /// Runs write tool `tool` on `service` (`service_id`) with `kwargs`.
    pub(crate) async fn write(
        &self,
        tool: WriteTool,
        service_id: &str,
        service: &Arc<dyn TicketSystemService>,
        kwargs: Kwargs,
    ) -> Result<Value, CallError> {
        let policy = &self.policy();
        let shown_args = Value::Object(kwargs.clone().into_iter().collect());
        let (kind, native) = (service.kind(), service.native_keys());
        // Checked first (arguments, queues), so a refused or invalid call spends no write.
        let prepared = match tool {
            WriteTool::CreateTicket => {
                let request = CreateRequest::from_kwargs(kwargs, kind, native)?;
                policy.check_write_queue(request.ticket.queue.as_ref(), "create_ticket")?;
                Prepared::Create(request, None)
            }
            WriteTool::UpdateTicket => {
                let request = UpdateRequest::from_kwargs(kwargs, kind, native)?;
                let current = self.current(service, &request.ticket_id).await?;
                if let Some(queue) = &request.changes.queue {
                    policy.check_write_queue(Some(queue), "update_ticket (new queue)")?;
                }
                Prepared::Update(request, current)
            }
            WriteTool::AddNote => {
                let request = NoteRequest::from_kwargs(kwargs, kind, native)?;
                let current = self.current(service, &request.ticket_id).await?;
                Prepared::Note(request, current)
            }
        };
        if self.config().dry_run {
            return Ok(json!({
                "dry_run": true,
                "tool": tool.name(),
                "service": service_id,
                "would_apply": shown_args,
                "ticket_now": prepared.current().map(ticket_json).transpose()?,
            }));
        }
        policy.take_write()?;
        let mut ticket = match prepared {
            Prepared::Create(request, _) => service.create_ticket(request).await?,
            Prepared::Update(request, _) => service.update_ticket(request).await?,
            Prepared::Note(request, _) => service.add_note(request).await?,
        };
        truncate_ticket(&mut ticket, self.config().body_limit);
        ticket_json(&ticket)
    }

    /// The ticket a write changes, when the queue lists or a dry run need it; its queue must be
    /// writable.
    async fn current(
        &self,
        service: &Arc<dyn TicketSystemService>,
        id: &TicketId,
    ) -> Result<Option<UnifiedTicket>, CallError> {
        let policy = &self.policy();
        if !policy.writes_limited_by_queue() && !self.config().dry_run {
            return Ok(None);
        }
        let mut ticket = service
            .get_ticket(GetRequest::new(id.clone()))
            .await?
            .ok_or_else(|| CallError::from(Error::ticket_not_found(id)))?;
        policy.check_write_queue(ticket.queue.as_ref(), &format!("ticket {id}"))?;
        truncate_ticket(&mut ticket, self.config().body_limit);
        Ok(Some(ticket))
    }
}

/// A write, checked and ready, with the ticket as it is now when it was read.
enum Prepared {
    Create(CreateRequest, Option<UnifiedTicket>),
    Update(UpdateRequest, Option<UnifiedTicket>),
    Note(NoteRequest, Option<UnifiedTicket>),
}

impl Prepared {
    fn current(&self) -> Option<&UnifiedTicket> {
        match self {
            Prepared::Create(_, t) | Prepared::Update(_, t) | Prepared::Note(_, t) => t.as_ref(),
        }
    }
}
