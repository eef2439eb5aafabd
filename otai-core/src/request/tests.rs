//! Kwargs → typed requests: every rule of the parser, with the exact messages users see.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{
    CreateRequest, GetRequest, NativeKey, NativeKeys, NativeKind, NoteRequest, Operation,
    SearchRequest, UpdateRequest, check_kwargs,
};
use crate::{Error, Kwargs, Result, TicketId, UnifiedEntity};

/// A helpdesk with a few native keys, as an adapter declares them.
const DECLARED: NativeKeys = NativeKeys {
    search: &[
        NativeKey::new("StateType", NativeKind::List, "state types"),
        NativeKey::new("UseSubQueues", NativeKind::Bool, "include sub-queues"),
        NativeKey::new("DynamicField_*", NativeKind::Map, "a field filter"),
    ],
    get: &[NativeKey::new("Extended", NativeKind::Bool, "more times")],
    create: &[],
    update: &[NativeKey::new("PendingTime", NativeKind::Map, "when")],
    note: &[],
};

/// A helpdesk without a native API.
const NONE: NativeKeys = NativeKeys::NONE;

fn kw(value: Value) -> Kwargs {
    match value {
        Value::Object(map) => map,
        _ => Kwargs::new(),
    }
}

/// The message of a failed parse, or what was parsed.
fn search_err(value: Value, native: &NativeKeys) -> String {
    match SearchRequest::from_kwargs(kw(value), "hd", native) {
        Ok(request) => format!("parsed: {request:?}"),
        Err(e) => e.to_string(),
    }
}

fn update_err(value: Value) -> String {
    match UpdateRequest::from_kwargs(kw(value), "hd", &DECLARED) {
        Ok(request) => format!("parsed: {request:?}"),
        Err(e) => e.to_string(),
    }
}

fn get_err(value: Value) -> String {
    match GetRequest::from_kwargs(kw(value), "hd", &DECLARED) {
        Ok(request) => format!("parsed: {request:?}"),
        Err(e) => e.to_string(),
    }
}

/// What `check_kwargs` reports, one message per problem.
fn check(operation: Operation, value: Value, deferred: &[&str]) -> Vec<String> {
    let deferred: BTreeSet<String> = deferred.iter().map(|k| (*k).to_owned()).collect();
    check_kwargs(operation, kw(value), deferred, "hd", &DECLARED)
        .iter()
        .map(Error::to_string)
        .collect()
}

#[test]
fn search_splits_unified_from_declared_native_keys() -> Result<()> {
    let request = SearchRequest::from_kwargs(
        kw(json!({
            "queue": {"id": "5"}, "limit": 20, "StateType": ["new", "open"],
            "DynamicField_Building": {"Equals": "B2"}
        })),
        "hd",
        &DECLARED,
    )?;
    assert_eq!(request.criteria.queue, Some(UnifiedEntity::by_id("5")));
    assert_eq!(request.criteria.limit, Some(20));
    assert!(!request.all);
    assert_eq!(
        Value::Object(request.native),
        json!({"StateType": ["new", "open"], "DynamicField_Building": {"Equals": "B2"}})
    );
    Ok(())
}

#[test]
fn bad_unified_values_name_the_field() {
    assert_eq!(
        search_err(json!({"queue": "Raw", "limit": "many"}), &NONE),
        "invalid input `limit`: invalid type: string \"many\", expected a whole number (0 or more)"
    );
    let queue = search_err(json!({"queue": {"idd": 5}}), &NONE);
    assert!(
        queue.starts_with("invalid input `queue`: ") && queue.contains("idd"),
        "{queue}"
    );
    let time = search_err(json!({"created_after": "yesterday"}), &NONE);
    assert!(
        time.starts_with("invalid input `created_after`: ") && time.contains("yesterday"),
        "{time}"
    );
}

#[test]
fn an_unknown_unified_key_gets_a_suggestion_and_no_escape_hatch_without_a_native_api() {
    assert_eq!(
        search_err(json!({"queu": "Raw"}), &NONE),
        "invalid input `queu`: unknown key for find_tickets; did you mean `queue`?"
    );
    assert_eq!(
        search_err(json!({"queue": "Raw", "Fulltext": "fire"}), &NONE),
        "invalid input `Fulltext`: unknown key for find_tickets; it takes queue, state, \
         priority, type, owner, customer, subject_contains, text_contains, created_after, \
         created_before, updated_after, updated_before, custom_fields, limit, offset, all; \
         hd declares no native keys for it"
    );
}

#[test]
fn an_unknown_native_key_is_suggested_among_the_declared_ones() {
    assert_eq!(
        search_err(json!({"StateTyp": "open"}), &DECLARED),
        "invalid input `StateTyp`: unknown key for find_tickets; did you mean `StateType` or \
         `state`? (pass anything else verbatim under `native:`)"
    );
    assert_eq!(
        search_err(json!({"queue": "Raw", "Zzz": 1}), &DECLARED),
        "invalid input `Zzz`: unknown key for find_tickets; it takes queue, state, priority, \
         type, owner, customer, subject_contains, text_contains, created_after, created_before, \
         updated_after, updated_before, custom_fields, limit, offset, all; native keys of hd: \
         StateType, UseSubQueues, DynamicField_*; pass anything else verbatim under `native:`"
    );
    assert_eq!(
        get_err(json!({"ticket_id": 1, "extended": 1})),
        "invalid input `extended`: unknown key for get_ticket; did you mean `Extended`? \
         (pass anything else verbatim under `native:`)"
    );
}

#[test]
fn long_native_key_lists_are_cut_with_a_count() {
    const MANY: &[NativeKey] = &[
        NativeKey::new("K01", NativeKind::Any, "k"),
        NativeKey::new("K02", NativeKind::Any, "k"),
        NativeKey::new("K03", NativeKind::Any, "k"),
        NativeKey::new("K04", NativeKind::Any, "k"),
        NativeKey::new("K05", NativeKind::Any, "k"),
        NativeKey::new("K06", NativeKind::Any, "k"),
        NativeKey::new("K07", NativeKind::Any, "k"),
        NativeKey::new("K08", NativeKind::Any, "k"),
        NativeKey::new("K09", NativeKind::Any, "k"),
        NativeKey::new("K10", NativeKind::Any, "k"),
        NativeKey::new("K11", NativeKind::Any, "k"),
        NativeKey::new("K12", NativeKind::Any, "k"),
        NativeKey::new("K13", NativeKind::Any, "k"),
        NativeKey::new("K14", NativeKind::Any, "k"),
        NativeKey::new("K15", NativeKind::Any, "k"),
        NativeKey::new("K16", NativeKind::Any, "k"),
        NativeKey::new("K17", NativeKind::Any, "k"),
        NativeKey::new("K18", NativeKind::Any, "k"),
        NativeKey::new("K19", NativeKind::Any, "k"),
        NativeKey::new("K20", NativeKind::Any, "k"),
        NativeKey::new("K21", NativeKind::Any, "k"),
        NativeKey::new("K22", NativeKind::Any, "k"),
    ];
    let many = NativeKeys {
        get: MANY,
        ..NativeKeys::NONE
    };
    let err = GetRequest::from_kwargs(kw(json!({"id": 1, "Zzzzzz": 1})), "hd", &many)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.ends_with(
            "native keys of hd: K01, K02, K03, K04, K05, K06, K07, K08, K09, K10, K11, K12, \
             K13, K14, K15, K16, K17, K18, K19, K20 and 2 more; pass anything else verbatim \
             under `native:`"
        ),
        "{err}"
    );
}

#[test]
fn a_native_key_of_the_wrong_type_says_what_it_takes() {
    assert_eq!(
        search_err(json!({"queue": "Raw", "UseSubQueues": "yes"}), &DECLARED),
        "invalid input `UseSubQueues`: expected true or false, got a string"
    );
    assert_eq!(
        search_err(json!({"DynamicField_Building": "B2"}), &DECLARED),
        "invalid input `DynamicField_Building`: expected a map, got a string"
    );
    assert_eq!(
        search_err(json!({"queue": "Raw", "DynamicField_": {}}), &DECLARED),
        "invalid input `DynamicField_`: unknown key for find_tickets; did you mean \
         `DynamicField_*`? (pass anything else verbatim under `native:`)",
        "a prefix key needs a name after the prefix"
    );
}

#[test]
fn the_native_escape_hatch_passes_anything_verbatim_and_counts_as_a_filter() -> Result<()> {
    let request = SearchRequest::from_kwargs(
        kw(json!({"native": {"AnyThing": {"deep": [1]}, "UseSubQueues": "unchecked"}})),
        "hd",
        &DECLARED,
    )?;
    assert_eq!(
        Value::Object(request.native),
        json!({"AnyThing": {"deep": [1]}, "UseSubQueues": "unchecked"})
    );
    let request = UpdateRequest::from_kwargs(
        kw(json!({"ticket_id": 7, "native": {"Lock": "lock"}})),
        "hd",
        &NONE,
    )?;
    assert_eq!(Value::Object(request.native), json!({"Lock": "lock"}));
    assert_eq!(
        search_err(json!({"queue": "Raw", "native": ["Lock"]}), &DECLARED),
        "invalid input `native`: expected a map of native arguments, got a list"
    );
    Ok(())
}

#[test]
fn a_search_without_filter_must_say_all() -> Result<()> {
    assert_eq!(
        search_err(json!({"limit": 5}), &DECLARED),
        "invalid input `all`: no filter: this search would return every ticket; add a filter, \
         or `all: true` if that is meant"
    );
    let all = SearchRequest::from_kwargs(kw(json!({"all": true, "limit": 5})), "hd", &DECLARED)?;
    assert!(all.all);
    assert_eq!(all.criteria.limit, Some(5));
    let mut expected = SearchRequest::all();
    expected.criteria.limit = Some(5);
    assert_eq!(all, expected);
    assert_eq!(
        search_err(json!({"all": true, "queue": "Raw"}), &DECLARED),
        "invalid input `all`: `all: true` means no filter: remove it, or the filters"
    );
    assert_eq!(
        search_err(json!({"all": true, "native": {"X": 1}}), &DECLARED),
        "invalid input `all`: `all: true` means no filter: remove it, or the filters"
    );
    assert_eq!(
        search_err(json!({"all": "yes"}), &DECLARED),
        "invalid input `all`: expected true or false, got a string"
    );
    let not_all =
        SearchRequest::from_kwargs(kw(json!({"all": false, "queue": "Raw"})), "hd", &DECLARED)?;
    assert!(!not_all.all);
    Ok(())
}

#[test]
fn a_misspelt_filter_is_one_problem_not_two() {
    assert_eq!(
        search_err(json!({"queu": "Raw"}), &DECLARED),
        "invalid input `queu`: unknown key for find_tickets; did you mean `queue` or \
         `UseSubQueues`? \
         (pass anything else verbatim under `native:`)"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "subjct": "x"})),
        "invalid input `subjct`: unknown key for update_ticket; did you mean `subject`? \
         (pass anything else verbatim under `native:`)"
    );
}

#[test]
fn ticket_ids_are_numbers_or_text_under_either_name() -> Result<()> {
    let by_number = GetRequest::from_kwargs(kw(json!({"ticket_id": 71})), "hd", &DECLARED)?;
    assert_eq!(by_number.ticket_id.as_str(), "71");
    let by_alias = GetRequest::from_kwargs(kw(json!({"id": " 71 "})), "hd", &DECLARED)?;
    assert_eq!(by_alias, GetRequest::new(TicketId::from(71)));
    let with_native =
        GetRequest::from_kwargs(kw(json!({"id": "A-1", "Extended": 1})), "hd", &DECLARED)?;
    assert_eq!(Value::Object(with_native.native), json!({"Extended": 1}));
    Ok(())
}

#[test]
fn ticket_id_errors_are_clear() {
    assert_eq!(
        get_err(json!({})),
        "invalid input `ticket_id`: missing: which ticket?"
    );
    assert_eq!(
        get_err(json!({"ticket_id": 1, "id": 2})),
        "invalid input `ticket_id`: give either `ticket_id` or `id`, not both"
    );
    assert_eq!(
        get_err(json!({"ticket_id": ""})),
        "invalid input `ticket_id`: expected a ticket ID (string or number), got an empty string"
    );
    assert_eq!(
        get_err(json!({"ticket_id": 1.5})),
        "invalid input `ticket_id`: expected a ticket ID (string or number), got a number"
    );
    assert_eq!(
        get_err(json!({"ticket_id": null})),
        "invalid input `ticket_id`: missing: which ticket?"
    );
}

#[test]
fn ticket_ids_cannot_leave_their_path_segment() {
    let refused = "not a ticket ID: use letters, digits and . _ - : only (and not dots alone)";
    for bad in [
        ".", "..", "...", "1/2", "../etc", "a\\b", "7?x=1", "7#", "%2e%2e", "7 8",
    ] {
        assert_eq!(
            get_err(json!({ "ticket_id": bad })),
            format!("invalid input `ticket_id`: {refused}"),
            "{bad}"
        );
        let parsed = bad.parse::<TicketId>().err().map(|e| e.to_string());
        assert_eq!(
            parsed,
            Some(format!("invalid input `ticket_id`: {refused}")),
            "{bad}"
        );
    }
    assert_eq!(
        get_err(json!({"ticket_id": "1".repeat(129)})),
        "invalid input `ticket_id`: a ticket ID has at most 128 characters, got 129"
    );
    assert!("a.b_c-d:9".parse::<TicketId>().is_ok());
}

#[test]
fn updates_keep_changes_note_and_native_keys() -> Result<()> {
    let request = UpdateRequest::from_kwargs(
        kw(json!({
            "ticket_id": "7", "queue": "Support", "priority": {"name": "high"},
            "custom_fields": {"Building": "B2"}, "PendingTime": {"Diff": 60},
            "note": {"subject": "triage", "body": "moved", "internal": false},
            "reread": false
        })),
        "hd",
        &DECLARED,
    )?;
    assert_eq!(request.ticket_id.as_str(), "7");
    assert_eq!(
        request.changes.queue,
        Some(UnifiedEntity::by_name("Support"))
    );
    assert_eq!(
        request.changes.custom_fields.get("Building"),
        Some(&json!("B2"))
    );
    assert!(request.changes.notes.is_empty(), "the note is apart");
    let note = request.note.ok_or(Error::invalid_input("note", "lost"))?;
    assert_eq!(
        (note.body.as_deref(), note.internal),
        (Some("moved"), false)
    );
    assert!(!request.reread);
    assert_eq!(
        Value::Object(request.native),
        json!({"PendingTime": {"Diff": 60}})
    );
    let text_note = UpdateRequest::from_kwargs(
        kw(json!({"ticket_id": 7, "note": "just text"})),
        "hd",
        &DECLARED,
    )?;
    let note = text_note.note.ok_or(Error::invalid_input("note", "lost"))?;
    assert_eq!(note.subject.as_deref(), Some("Note"));
    assert!(note.internal, "notes are internal unless asked");
    assert!(text_note.reread, "re-read by default");
    Ok(())
}

#[test]
fn an_update_must_change_something_and_never_the_body() {
    assert_eq!(
        update_err(json!({"ticket_id": 1})),
        "invalid input `(arguments)`: nothing to change: give fields to set, a `note`, or \
         native keys"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "reread": false})),
        "invalid input `(arguments)`: nothing to change: give fields to set, a `note`, or \
         native keys"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "body": "new"})),
        "invalid input `body`: the body of an existing ticket cannot be changed; add a note \
         instead"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "note": {"bdy": "x"}})),
        "invalid input `note.bdy`: unknown note key; did you mean `body`?"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "note": " "})),
        "invalid input `note.body`: a note needs a non-empty body"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "note": 5})),
        "invalid input `note`: expected a map of note keys or the body text, got a number"
    );
    assert_eq!(
        update_err(json!({"ticket_id": 1, "subject": "x", "reread": "no"})),
        "invalid input `reread`: expected true or false, got a string"
    );
}

#[test]
fn creates_need_a_subject_and_notes_a_body() -> Result<()> {
    let err = CreateRequest::from_kwargs(kw(json!({"subject": "  ", "body": "x"})), "hd", &NONE)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid input `subject`: a new ticket needs a non-empty subject")
    );
    let created =
        CreateRequest::from_kwargs(kw(json!({"subject": "s", "queue": "Raw"})), "hd", &NONE)?;
    assert_eq!(created.ticket.queue, Some(UnifiedEntity::by_name("Raw")));
    let note =
        NoteRequest::from_kwargs(kw(json!({"ticket_id": 3, "body": "triaged"})), "hd", &NONE)?;
    assert!(note.note.internal);
    assert!(note.reread);
    let err = NoteRequest::from_kwargs(
        kw(json!({"ticket_id": 3, "subject": "x", "body": "  "})),
        "hd",
        &NONE,
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid input `body`: a note needs a non-empty body")
    );
    Ok(())
}

#[test]
fn several_problems_are_reported_at_once() {
    assert_eq!(
        update_err(json!({"ticket_id": "..", "queu": "x", "reread": "no"})),
        "invalid input `queu`: unknown key for update_ticket; did you mean `queue`? (pass \
         anything else verbatim under `native:`); also invalid input `ticket_id`: not a ticket \
         ID: use letters, digits and . _ - : only (and not dots alone); also invalid input \
         `reread`: expected true or false, got a string"
    );
    assert_eq!(
        check(
            Operation::Update,
            json!({"ticket_id": "..", "queu": "x", "reread": "no"}),
            &[]
        )
        .len(),
        3
    );
}

#[test]
fn load_time_checks_treat_templated_values_as_given() {
    // `ticket_id: "{{ item.id }}"`: its value is known only at run time, so it is not missing.
    assert_eq!(
        check(Operation::Update, json!({"subject": "x"}), &["ticket_id"]),
        Vec::<String>::new()
    );
    assert_eq!(
        check(Operation::Note, json!({}), &["ticket_id", "body"]),
        Vec::<String>::new()
    );
    assert_eq!(
        check(Operation::Create, json!({}), &["subject"]),
        Vec::<String>::new()
    );
    // A templated filter, unified or native, or a templated `native:` map is a filter.
    for deferred in ["queue", "StateType", "native"] {
        assert_eq!(
            check(Operation::Search, json!({}), &[deferred]),
            Vec::<String>::new()
        );
    }
    // A templated `note` or native key is a change.
    assert_eq!(
        check(Operation::Update, json!({}), &["ticket_id", "PendingTime"]),
        Vec::<String>::new()
    );
    // What is wrong is wrong whether or not its value is a template.
    assert_eq!(
        check(
            Operation::Update,
            json!({"subject": "x"}),
            &["ticket_id", "queu"]
        ),
        [
            "invalid input `queu`: unknown key for update_ticket; did you mean `queue`? (pass \
          anything else verbatim under `native:`)"
        ]
    );
    assert_eq!(
        check(Operation::Update, json!({"subject": "x"}), &[]),
        ["invalid input `ticket_id`: missing: which ticket?"]
    );
    assert_eq!(
        check(Operation::Search, json!({}), &["limit"]),
        [
            "invalid input `all`: no filter: this search would return every ticket; add a \
          filter, or `all: true` if that is meant"
        ]
    );
    assert_eq!(
        check(Operation::Get, json!({"ticket_id": 1}), &["id"]),
        ["invalid input `ticket_id`: give either `ticket_id` or `id`, not both"]
    );
}

#[test]
fn typed_requests_build_what_kwargs_would() -> Result<()> {
    let from_kwargs = UpdateRequest::from_kwargs(
        kw(
            json!({"ticket_id": 7, "queue": "Support", "note": {"subject": "t", "body": "b"}, "reread": false}),
        ),
        "hd",
        &DECLARED,
    )?;
    let typed = UpdateRequest::new(
        "7".parse()?,
        crate::UnifiedTicket::new().queue(UnifiedEntity::by_name("Support")),
    )
    .note(crate::UnifiedNote::new("t", "b"))
    .reread(false);
    assert_eq!(from_kwargs, typed);
    let search = SearchRequest::from_kwargs(kw(json!({"StateType": "open"})), "hd", &DECLARED)?;
    assert_eq!(search, SearchRequest::default().native("StateType", "open"));
    Ok(())
}

#[test]
fn a_ticket_number_is_checked_at_load_time_and_looked_up_before_parsing() {
    assert!(
        check(
            Operation::Get,
            json!({"ticket_number": "2026120410000017"}),
            &[]
        )
        .is_empty()
    );
    assert!(check(Operation::Note, json!({"body": "b"}), &["ticket_number"]).is_empty());
    assert_eq!(
        check(
            Operation::Update,
            json!({"id": 7, "ticket_number": "1", "subject": "s"}),
            &[]
        ),
        ["invalid input `ticket_number`: give either `ticket_id` or `ticket_number`, not both"]
    );
    assert_eq!(
        check(Operation::Get, json!({"ticket_number": "1/2"}), &[]),
        [
            "invalid input `ticket_number`: not a ticket number: use letters, digits and . _ - : only (and not dots alone)"
        ]
    );
    assert_eq!(
        get_err(json!({"ticket_number": "5"})),
        "invalid input `ticket_number`: a ticket number is looked up by the service first: use the `*_kw` methods or `ticket_id_by_number`"
    );
}

#[test]
fn a_ticket_number_stands_in_for_the_id_but_never_next_to_one() -> Result<()> {
    let mut both = kw(json!({"ticket_id": 7, "ticket_number": "8"}));
    let err = super::number_stands_in_for_id(&mut both)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid input `ticket_number`: give either `ticket_id` or `ticket_number`, not both")
    );
    let mut number = kw(json!({"ticket_number": 8, "body": "b"}));
    assert_eq!(
        super::number_stands_in_for_id(&mut number)?,
        Some(TicketId::from(8))
    );
    assert!(!number.contains_key("ticket_number"), "taken out");
    assert_eq!(
        number.get("ticket_id"),
        Some(&json!("8")),
        "standing in for the id"
    );
    let mut null = kw(json!({"ticket_number": null}));
    assert_eq!(super::number_stands_in_for_id(&mut null)?, None);
    Ok(())
}

fn note_err(value: Value) -> String {
    match NoteRequest::from_kwargs(kw(value), "hd", &NONE) {
        Ok(request) => format!("parsed: {request:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn notes_take_attachments_in_base64_with_their_size_set() -> Result<()> {
    let note = NoteRequest::from_kwargs(
        kw(
            json!({"ticket_id": 3, "body": "log attached", "attachments": [
                {"name": "log.txt", "content_type": "text/plain", "content": "aGVsbG8="},
                {"name": "blob", "content": "AAE=", "size": 99}
            ]}),
        ),
        "hd",
        &NONE,
    )?;
    let [first, second] = &note.note.attachments[..] else {
        panic!("two attachments expected: {:?}", note.note.attachments);
    };
    assert_eq!(
        (first.name.as_str(), first.size, first.content.as_deref()),
        ("log.txt", 5, Some(&b"hello"[..]))
    );
    // The type defaults to octet-stream; a given size is replaced by the content's.
    assert_eq!(
        (second.content_type.as_str(), second.size),
        ("application/octet-stream", 2)
    );

    let update = UpdateRequest::from_kwargs(
        kw(
            json!({"ticket_id": 3, "note": {"body": "b", "attachments": [
            {"name": "a.txt", "content_type": "text/plain", "content": "eA=="}]}}),
        ),
        "hd",
        &DECLARED,
    )?;
    assert_eq!(
        update.note.map(|n| n.attachments.len()),
        Some(1),
        "the note of an update takes attachments too"
    );
    Ok(())
}

#[test]
fn attachment_errors_name_the_attachment_and_field() {
    let with = |attachment: Value| {
        note_err(json!({"ticket_id": 3, "body": "b", "attachments": [
            {"name": "ok.txt", "content_type": "text/plain", "content": "eA=="}, attachment]}))
    };
    let bad_base64 = with(json!({"name": "a", "content_type": "text/plain", "content": "!!"}));
    assert!(
        bad_base64.starts_with("invalid input `attachments[1].content`: not valid base64"),
        "{bad_base64}"
    );
    assert_eq!(
        with(json!({"name": "../etc/passwd", "content_type": "text/plain", "content": "eA=="})),
        "invalid input `attachments[1].name`: the name must be a file name, without `/` or `\\`"
    );
    assert_eq!(
        with(json!({"name": "a", "content_type": "plain", "content": "eA=="})),
        "invalid input `attachments[1].content_type`: expected a MIME type `type/subtype`, e.g. `text/plain`"
    );
    assert_eq!(
        with(json!({"name": "a", "content_type": "text/plain"})),
        "invalid input `attachments[1].content`: missing: the attachment's bytes, base64"
    );
    assert_eq!(
        with(json!({"name": "", "content": "eA=="})),
        "invalid input `attachments[1].name`: an attachment needs a non-empty name"
    );
    let not_a_list = note_err(json!({"ticket_id": 3, "body": "b", "attachments": "x"}));
    assert!(
        not_a_list.starts_with("invalid input `attachments`"),
        "{not_a_list}"
    );
    let in_update = update_err(
        json!({"ticket_id": 3, "note": {"body": "b", "attachments": [
        {"name": "a\nb", "content": "eA=="}]}}),
    );
    assert_eq!(
        in_update,
        "invalid input `note.attachments[0].name`: the name must not hold control characters"
    );
}

#[test]
fn oversized_attachments_are_refused_before_any_call() {
    use base64::Engine;
    let half = crate::model::MAX_ATTACHMENT_BYTES as usize / 2 + 1;
    let content = base64::engine::general_purpose::STANDARD.encode(vec![0u8; half]);
    let err = note_err(json!({"ticket_id": 3, "body": "b", "attachments": [
        {"name": "a", "content": content}, {"name": "b", "content": content}]}));
    assert!(
        err.starts_with("invalid input `attachments`: ")
            && err.contains("at most 20971520 (20 MiB)"),
        "{err}"
    );
}

#[test]
fn get_takes_attachment_content() -> Result<()> {
    let plain = GetRequest::from_kwargs(kw(json!({"ticket_id": 3})), "hd", &DECLARED)?;
    assert!(!plain.attachment_content);
    let full = GetRequest::from_kwargs(
        kw(json!({"ticket_id": 3, "attachment_content": true})),
        "hd",
        &DECLARED,
    )?;
    assert!(full.attachment_content);
    assert_eq!(
        get_err(json!({"ticket_id": 3, "attachment_content": "yes"})),
        "invalid input `attachment_content`: expected true or false, got a string"
    );
    Ok(())
}
