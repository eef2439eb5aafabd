//! Any bytes as a SOAP document: the iterative scan (well-formedness, depth at most
//! `soap::MAX_DEPTH`, repeated siblings) and the streaming deserializer, as a raw reply, a fault
//! and a request the fake reads. Deep nesting must be an error, never a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_otobo_znuny::soap::{decode_request, decode_response};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for operation in ["TicketGet", "TicketSearch", "SessionCreate"] {
        for status in [200, 500] {
            let _ = decode_response("SOAP", operation, status, &text);
        }
    }
    if let Ok((_, input)) = decode_request(&text) {
        let _ = serde_json::to_string(&input);
    }
});
