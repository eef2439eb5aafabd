//! Any bytes as a GenericTicketConnector reply, REST (JSON) and SOAP (XML): decoding and the
//! conversion to unified tickets must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_core::kwargs::deserialize_tracked;
use otai_otobo_znuny::mapping::{ValueMaps, ticket_into_unified};
use otai_otobo_znuny::wire::{TicketGetReply, TicketSearchReply, TicketWriteReply};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
        decode(value);
    }
    for operation in ["TicketGet", "TicketSearch", "TicketUpdate", "SessionCreate"] {
        for status in [200, 500] {
            if let Ok(value) =
                otai_otobo_znuny::soap::decode_response("POST /", operation, status, &text)
            {
                decode(value);
            }
        }
    }
});

fn decode(value: serde_json::Value) {
    let _ = deserialize_tracked::<TicketSearchReply>(value.clone());
    let _ = deserialize_tracked::<TicketWriteReply>(value.clone());
    if let Ok(reply) = deserialize_tracked::<TicketGetReply>(value) {
        let maps = ValueMaps::default();
        for ticket in reply.tickets.0 {
            let unified = ticket_into_unified(ticket, &maps);
            let _ = serde_json::to_string(&unified);
        }
    }
}
