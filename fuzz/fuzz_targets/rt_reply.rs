//! Any bytes as a Request Tracker REST 2 reply: every reply decoder (ticket, search, history and
//! attachment pages, queue, create, messages, error) and the conversion to the unified model must
//! never panic, however deep, long or malformed the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_rt::json::Obj;
use otai_rt::mapping::{Maps, note_from_transaction, ticket_from_rt};
use otai_rt::wire::{
    Attachment, Created, ErrorBody, Found, Messages, Page, Queue, SystemInfo, Ticket, Transaction,
    decode,
};

fuzz_target!(|data: &[u8]| {
    let _ = decode::<Obj<Page<Found>>>(data);
    let _ = decode::<Obj<Queue>>(data);
    let _ = decode::<Obj<Created>>(data);
    let _ = decode::<Messages>(data);
    let _ = decode::<Obj<ErrorBody>>(data);
    let _ = decode::<Obj<SystemInfo>>(data);
    let parts: Vec<Attachment> = decode::<Obj<Page<Attachment>>>(data)
        .map(|Obj(page)| page.into_items())
        .unwrap_or_default();
    let notes: Vec<_> = decode::<Obj<Page<Transaction>>>(data)
        .map(|Obj(page)| page.into_items())
        .unwrap_or_default()
        .into_iter()
        .map(|transaction| note_from_transaction(transaction, parts.clone()))
        .collect();
    if let Ok(Obj(ticket)) = decode::<Obj<Ticket>>(data) {
        let unified = ticket_from_rt(ticket, Some("General".into()), notes, &Maps::default());
        let _ = serde_json::to_string(&unified);
    }
});
