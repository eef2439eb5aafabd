//! Any bytes as a GenericTicketConnector reply, REST (JSON) and SOAP (XML), through the
//! adapter's own decoding path (`decode_reply`: from the bytes, bounded, duplicate keys refused)
//! and on to unified tickets: nothing may panic, overflow the stack or grow memory past the
//! decoding budget (run with `-rss_limit_mb`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_otobo_znuny::mapping::{ValueMaps, ticket_into_unified};
use otai_otobo_znuny::wire::{SessionReply, TicketGetReply, TicketSearchReply, TicketWriteReply};
use otai_otobo_znuny::{Operation, TransportKind, decode_reply};

fuzz_target!(|data: &[u8]| {
    for transport in [TransportKind::Rest, TransportKind::Soap] {
        for status in [200, 500] {
            let _ =
                decode_reply::<TicketSearchReply>(transport, Operation::TicketSearch, status, data);
            let _ =
                decode_reply::<TicketWriteReply>(transport, Operation::TicketUpdate, status, data);
            let _ = decode_reply::<SessionReply>(transport, Operation::SessionCreate, status, data);
            if let Ok(reply) =
                decode_reply::<TicketGetReply>(transport, Operation::TicketGet, status, data)
            {
                let maps = ValueMaps::default();
                for ticket in reply.tickets.0 {
                    let unified = ticket_into_unified(ticket, &maps);
                    let _ = serde_json::to_string(&unified);
                }
            }
        }
    }
});
