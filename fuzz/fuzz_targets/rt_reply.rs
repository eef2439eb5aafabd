//! Any bytes as a Request Tracker REST 2 reply: converting tickets and transactions to the
//! unified model must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_rt::mapping::{Maps, note_from_transaction, ticket_from_rt};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let note = note_from_transaction(&value, value.get("_hyperlinks"));
    let name = value
        .get("Name")
        .and_then(|n| n.as_str())
        .map(str::to_owned);
    let ticket = ticket_from_rt(&value, name, vec![note], &Maps::default());
    let _ = serde_json::to_string(&ticket);
});
