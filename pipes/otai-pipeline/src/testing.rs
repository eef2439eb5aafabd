//! Test helpers: a helpdesk in memory that records what reaches it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;

use otai_core::registry::{BuildContext, ServiceFactory};
use otai_core::request::{CreateRequest, GetRequest, NoteRequest, SearchRequest, UpdateRequest};
use otai_core::{Error, Result, TicketSystemService, UnifiedTicket};

/// A helpdesk in memory that counts the writes reaching it.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) tickets: Mutex<Vec<UnifiedTicket>>,
    pub(crate) writes: AtomicUsize,
}

impl Recorder {
    fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn all(&self) -> Result<std::sync::MutexGuard<'_, Vec<UnifiedTicket>>> {
        self.tickets
            .lock()
            .map_err(|_| Error::unsupported("recorder", "poisoned"))
    }
}

#[async_trait]
impl TicketSystemService for Recorder {
    fn kind(&self) -> &'static str {
        "recorder"
    }

    async fn find_tickets(&self, _request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        Ok(self.all()?.clone())
    }

    async fn get_ticket(&self, request: GetRequest) -> Result<Option<UnifiedTicket>> {
        let id = request.ticket_id.as_str();
        Ok(self
            .all()?
            .iter()
            .find(|t| t.id.as_deref() == Some(id))
            .cloned())
    }

    async fn create_ticket(&self, request: CreateRequest) -> Result<UnifiedTicket> {
        self.wrote();
        let mut all = self.all()?;
        let ticket = request.ticket.id((all.len() + 1).to_string());
        all.push(ticket.clone());
        Ok(ticket)
    }

    async fn update_ticket(&self, request: UpdateRequest) -> Result<UnifiedTicket> {
        self.wrote();
        Ok(request.changes.id(request.ticket_id.into_string()))
    }

    async fn add_note(&self, request: NoteRequest) -> Result<UnifiedTicket> {
        self.wrote();
        Ok(UnifiedTicket::new().id(request.ticket_id.into_string()))
    }
}

/// Builds the same recorder for every config, so a test can look at it after a run.
pub(crate) struct RecorderFactory(pub(crate) Arc<Recorder>);

impl ServiceFactory for RecorderFactory {
    fn validate(&self, _params: &Value) -> Result<()> {
        Ok(())
    }

    fn build(&self, _params: &Value, _ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        Ok(Arc::clone(&self.0) as Arc<dyn TicketSystemService>)
    }
}

/// The writes that reached `recorder`.
pub(crate) fn writes(recorder: &Recorder) -> usize {
    recorder.writes.load(Ordering::SeqCst)
}
