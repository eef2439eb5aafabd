//! # otai-pipes-base: the built-in pipes
//!
//! | pipe | does |
//! |---|---|
//! | `fetch_tickets`, `find_first_ticket`, `get_ticket`, `create_ticket`, `update_ticket`, `add_note` | call the service: the params are the request's kwargs, checked at load against the service's native keys |
//! | `expression` | evaluate `value` |
//! | `map` | map `value` through `mapping`, else `default` |
//! | `classify` | label text by keyword/regex rules ([`Classifier`]) |
//! | `log` | log a message |
//!
//! Every pipe declares typed params (see [`otai_pipeline::Pipe`]), so `otai validate` reports a
//! typo or a bad value before anything runs. `foreach` is part of the engine (`otai-pipeline`).
//! Open Ticket AI names (`base:FetchTicketsPipe`,
//! `otai_base:pipes.ticket_system_pipes.FetchTicketsPipe`, …) resolve to the same pipes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod classify;
mod tickets;
mod values;

pub use classify::{Classification, Classifier, Rule, RuleClassifier};

/// Registers every built-in pipe.
pub fn register(registry: &mut otai_pipeline::Registry) {
    tickets::register(registry);
    values::register(registry);
    classify::register(registry);
}
