//! What an agent may do: queue allow-lists, the write budget, and the counts of every call.

use std::sync::atomic::{AtomicUsize, Ordering};

use otai_core::{UnifiedEntity, UnifiedTicket};

use crate::config::McpConfig;

/// Why a call was refused, as the agent reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal(pub(crate) String);

/// The limits of one server, shared by every connection it serves.
#[derive(Debug)]
pub(crate) struct Policy {
    config: McpConfig,
    writes: AtomicUsize,
    stats: Counters,
}

/// Counts of every tool call since the server started.
#[derive(Debug, Default)]
struct Counters {
    calls: AtomicUsize,
    succeeded: AtomicUsize,
    refused: AtomicUsize,
    failed: AtomicUsize,
}

/// A snapshot of the counts of tool calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Every tool call.
    pub calls: usize,
    /// Calls that did what was asked (dry runs included).
    pub succeeded: usize,
    /// Calls the configuration refused (write turned off, queue not allowed, budget spent).
    pub refused: usize,
    /// Calls that failed: bad arguments, helpdesk errors.
    pub failed: usize,
    /// Writes attempted (each counts against `max_writes`).
    pub writes: usize,
}

/// How a call ended, for the counts and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Done.
    Succeeded,
    /// Refused by the configuration.
    Refused,
    /// Failed.
    Failed,
}

impl Outcome {
    /// The word logged.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

impl Policy {
    /// The limits of `config`.
    pub(crate) fn new(config: McpConfig) -> Self {
        Self {
            config,
            writes: AtomicUsize::new(0),
            stats: Counters::default(),
        }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &McpConfig {
        &self.config
    }

    /// Counts a call that ended with `outcome`.
    pub(crate) fn record(&self, outcome: Outcome) {
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        let counter = match outcome {
            Outcome::Succeeded => &self.stats.succeeded,
            Outcome::Refused => &self.stats.refused,
            Outcome::Failed => &self.stats.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub(crate) fn stats(&self) -> CallStats {
        CallStats {
            calls: self.stats.calls.load(Ordering::Relaxed),
            succeeded: self.stats.succeeded.load(Ordering::Relaxed),
            refused: self.stats.refused.load(Ordering::Relaxed),
            failed: self.stats.failed.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// Takes one write from the budget, or refuses when it is spent.
    pub(crate) fn take_write(&self) -> Result<(), Refusal> {
        let max = self.config.max_writes;
        self.writes
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| {
                Refusal(format!(
                    "the write limit of this server is spent ({max} writes, `mcp.max_writes`); \
                     no more changes can be made until it is restarted"
                ))
            })
    }

    /// Whether a search may run in `queue` (the criteria's queue, if any).
    pub(crate) fn check_search_queue(&self, queue: Option<&UnifiedEntity>) -> Result<(), Refusal> {
        let Some(allowed) = self.config.read_queues() else {
            return Ok(());
        };
        match queue {
            Some(queue) if matches(allowed, queue) => Ok(()),
            Some(queue) => Err(Refusal(format!(
                "queue {} may not be read through this server (allowed: {})",
                describe(queue),
                allowed.join(", ")
            ))),
            None => Err(Refusal(format!(
                "give a `queue`: this server may read only the queues {}",
                allowed.join(", ")
            ))),
        }
    }

    /// Whether `ticket` may be shown.
    pub(crate) fn may_read(&self, ticket: &UnifiedTicket) -> bool {
        match self.config.read_queues() {
            None => true,
            Some(allowed) => ticket.queue.as_ref().is_some_and(|q| matches(allowed, q)),
        }
    }

    /// Refuses to show `ticket` when its queue is not readable.
    pub(crate) fn check_read(&self, ticket: &UnifiedTicket, id: &str) -> Result<(), Refusal> {
        if self.may_read(ticket) {
            Ok(())
        } else {
            Err(Refusal(format!(
                "ticket {id} is in a queue this server may not read"
            )))
        }
    }

    /// Refuses a write into (or out of) `queue` when it is not writable; `None` is a ticket or
    /// change without a queue.
    pub(crate) fn check_write_queue(
        &self,
        queue: Option<&UnifiedEntity>,
        what: &str,
    ) -> Result<(), Refusal> {
        let Some(allowed) = self.config.write_queues() else {
            return Ok(());
        };
        match queue {
            Some(queue) if matches(allowed, queue) => Ok(()),
            Some(queue) => Err(Refusal(format!(
                "{what}: queue {} may not be written through this server (allowed: {})",
                describe(queue),
                allowed.join(", ")
            ))),
            None => Err(Refusal(format!(
                "{what}: give a `queue`; this server may write only the queues {}",
                allowed.join(", ")
            ))),
        }
    }

    /// Whether writes need to know a ticket's queue first.
    pub(crate) fn writes_limited_by_queue(&self) -> bool {
        self.config.write_queues().is_some()
    }
}

/// Whether `queue` is on the list, by name or ID.
fn matches(allowed: &[String], queue: &UnifiedEntity) -> bool {
    allowed.iter().any(|a| {
        queue.name.as_deref() == Some(a.as_str()) || queue.id.as_deref() == Some(a.as_str())
    })
}

/// A queue as shown in a refusal.
fn describe(queue: &UnifiedEntity) -> String {
    match (&queue.name, &queue.id) {
        (Some(name), _) => format!("`{name}`"),
        (None, Some(id)) => format!("with ID `{id}`"),
        (None, None) => "(unnamed)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::QueueLists;

    fn policy(read: Option<&[&str]>, write: Option<&[&str]>, max_writes: usize) -> Policy {
        let list = |l: Option<&[&str]>| l.map(|l| l.iter().map(|s| (*s).to_owned()).collect());
        Policy::new(McpConfig {
            queues: QueueLists {
                read: list(read),
                write: list(write),
            },
            max_writes,
            ..McpConfig::default()
        })
    }

    #[test]
    fn the_write_budget_refuses_once_spent_and_counts_every_taken_write() {
        let p = policy(None, None, 2);
        assert_eq!(p.take_write(), Ok(()));
        assert_eq!(p.take_write(), Ok(()));
        let refused = p.take_write();
        assert!(
            matches!(&refused, Err(Refusal(m)) if m.contains("2 writes")),
            "{refused:?}"
        );
        assert_eq!(p.stats().writes, 2);
    }

    #[test]
    fn queues_match_by_name_or_id_and_a_search_without_queue_is_refused_when_reads_are_limited() {
        let p = policy(Some(&["Raw", "7"]), None, 1);
        assert!(
            p.check_search_queue(Some(&UnifiedEntity::by_name("Raw")))
                .is_ok()
        );
        assert!(
            p.check_search_queue(Some(&UnifiedEntity::by_id("7")))
                .is_ok()
        );
        assert!(
            p.check_search_queue(Some(&UnifiedEntity::by_name("Junk")))
                .is_err()
        );
        assert!(p.check_search_queue(None).is_err());
        // Writes default to the read list.
        assert!(
            p.check_write_queue(Some(&UnifiedEntity::by_name("Raw")), "x")
                .is_ok()
        );
        assert!(
            p.check_write_queue(Some(&UnifiedEntity::by_name("Junk")), "x")
                .is_err()
        );
    }

    #[test]
    fn no_lists_allow_every_queue_and_a_write_list_narrows_writes_only() {
        let open = policy(None, None, 1);
        assert!(open.check_search_queue(None).is_ok());
        assert!(open.check_write_queue(None, "x").is_ok());
        assert!(!open.writes_limited_by_queue());
        let narrow = policy(None, Some(&["Support"]), 1);
        assert!(
            narrow
                .check_search_queue(Some(&UnifiedEntity::by_name("Raw")))
                .is_ok()
        );
        assert!(
            narrow
                .check_write_queue(Some(&UnifiedEntity::by_name("Raw")), "x")
                .is_err()
        );
        assert!(narrow.writes_limited_by_queue());
    }
}
