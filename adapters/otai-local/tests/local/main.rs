//! The local store: concurrency, seeding, persistence, locks and bad files (the conformance kit
//! runs over it in `tests/`).

use std::sync::Arc;

use otai_core::registry::BuildContext;
use otai_core::request::{GetRequest, NoteRequest, UpdateRequest};
use otai_core::{
    Error, ServiceRegistry, TicketId, TicketSystemService, TicketSystemServiceExt, UnifiedEntity,
    UnifiedNote, UnifiedTicket,
};
use otai_local::LocalStore;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn kw(value: Value) -> otai_core::Kwargs {
    match value {
        Value::Object(map) => map,
        _ => otai_core::Kwargs::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_writers_never_hit_a_locked_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn TicketSystemService> =
        Arc::new(LocalStore::open(dir.path().join("c.sqlite3"))?);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let t = store
                    .create_ticket(
                        UnifiedTicket::new()
                            .subject(format!("load {i}"))
                            .queue(UnifiedEntity::by_name("Raw"))
                            .into(),
                    )
                    .await?;
                let id =
                    t.id.ok_or_else(|| Error::invalid_input("id", "a created ticket has an id"))?;
                store
                    .update_ticket_kw(kw(json!({"ticket_id": id, "priority": "high"})))
                    .await?;
                store
                    .add_note_kw(kw(json!({"ticket_id": id, "body": format!("note {i}")})))
                    .await?;
                Ok::<_, Error>(())
            })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        task??;
    }
    let high = store
        .find_tickets_kw(kw(json!({"priority": "high"})))
        .await?;
    assert_eq!(high.len(), 200);
    assert!(
        high.iter().all(|t| t.notes.len() == 1),
        "every ticket has exactly its note"
    );
    Ok(())
}

#[tokio::test]
async fn tickets_persist_across_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("p.sqlite3");
    let id = {
        let store = LocalStore::open(&path)?;
        store
            .create_ticket(
                UnifiedTicket::new()
                    .subject("kept")
                    .custom_field("Tag", json!(["a", 1]))
                    .into(),
            )
            .await?
            .id
    };
    let store = LocalStore::open(&path)?;
    let ticket = store
        .get_ticket_by_id(id.as_deref().ok_or("the created ticket has no id")?)
        .await?;
    let ticket = ticket.ok_or("ticket vanished")?;
    assert_eq!(ticket.subject.as_deref(), Some("kept"));
    assert_eq!(ticket.custom_fields.get("Tag"), Some(&json!(["a", 1])));
    Ok(())
}

#[tokio::test]
async fn unknown_arguments_are_named_with_the_valid_keys() -> TestResult {
    let store = LocalStore::in_memory()?;
    let message = |err: Option<Error>| err.map(|e| e.to_string()).unwrap_or_default();
    let err = store
        .find_tickets_kw(kw(json!({"StateType": "open"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `StateType`: unknown key for find_tickets; did you mean `state` or `type`?"
    );
    let err = store
        .find_tickets_kw(kw(json!({"Fulltext": "fire"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `Fulltext`: unknown key for find_tickets; it takes queue, state, \
         priority, type, owner, customer, subject_contains, text_contains, created_after, \
         created_before, updated_after, updated_before, custom_fields, limit, offset, all; \
         local declares no native keys for it"
    );
    let err = store
        .create_ticket_kw(kw(json!({"subject": "x", "Title": "y"})))
        .await
        .err();
    assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "Title"));
    Ok(())
}

#[tokio::test]
async fn native_arguments_are_refused_as_there_is_no_native_api() -> TestResult {
    let store = LocalStore::in_memory()?;
    let err = store
        .find_tickets_kw(kw(json!({"queue": "Raw", "native": {"StateType": "open"}})))
        .await
        .err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some(
            "invalid input `native.StateType`: the local store has no native API: use the unified keys only"
        )
    );
    let created = store
        .create_ticket(UnifiedTicket::new().subject("s").into())
        .await?;
    let id: TicketId = created.id.as_deref().ok_or("no id")?.parse()?;
    let err = store
        .update_ticket(UpdateRequest::new(id.clone(), UnifiedTicket::new()).native("Lock", "lock"))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "native.Lock"),
        "{err:?}"
    );
    let err = store
        .get_ticket(GetRequest::new(id).native("Extended", 1))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "native.Extended"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn ids_that_are_not_local_name_no_ticket() -> TestResult {
    let store = LocalStore::in_memory()?;
    assert_eq!(store.get_ticket_by_id("abc").await?, None);
    assert_eq!(store.get_ticket_by_id("0").await?, None);
    let err = store
        .add_note(NoteRequest::new("x-1".parse()?, UnifiedNote::new("s", "b")))
        .await
        .err();
    assert!(err.as_ref().is_some_and(Error::is_not_found), "{err:?}");
    let err = store.get_ticket_by_id("../1").await.err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "ticket_id"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_typed_api_updates_with_a_note_and_without_a_reread() -> TestResult {
    let store = LocalStore::in_memory()?;
    let created = store
        .create_ticket(UnifiedTicket::new().subject("s").into())
        .await?;
    let id: TicketId = created.id.as_deref().ok_or("no id")?.parse()?;
    let changes = UnifiedTicket::new().queue(UnifiedEntity::by_name("Support"));
    let returned = store
        .update_ticket(
            UpdateRequest::new(id.clone(), changes)
                .note(UnifiedNote::new("triage", "moved"))
                .reread(false),
        )
        .await?;
    assert_eq!(returned.id.as_deref(), Some(id.as_str()));
    assert_eq!(returned.created, None, "not re-read");
    assert_eq!(returned.notes.len(), 1, "the note it added");
    let stored = store.get_ticket(GetRequest::new(id)).await?.ok_or("gone")?;
    assert_eq!(stored.queue, Some(UnifiedEntity::by_name("Support")));
    assert_eq!(
        stored.notes.last().and_then(|n| n.body.as_deref()),
        Some("moved")
    );
    Ok(())
}

#[tokio::test]
async fn creating_needs_a_subject_and_the_body_cannot_be_rewritten() -> TestResult {
    let store = LocalStore::in_memory()?;
    let err = store
        .create_ticket_kw(kw(json!({"body": "no subject"})))
        .await
        .err();
    assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "subject"));
    let t = store
        .create_ticket(UnifiedTicket::new().subject("s").body("first").into())
        .await?;
    let err = store
        .update_ticket_kw(kw(json!({"ticket_id": t.id, "body": "rewritten"})))
        .await
        .err();
    assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "body"));
    assert_eq!(t.notes.len(), 1, "the body became the first note");
    assert!(!t.notes[0].internal, "the customer's request is visible");
    Ok(())
}

#[tokio::test]
async fn text_search_is_case_insensitive_beyond_ascii() -> TestResult {
    let store = LocalStore::in_memory()?;
    store
        .create_ticket(UnifiedTicket::new().subject("ÄRGER mit dem Drucker").into())
        .await?;
    let hits = store
        .find_tickets_kw(kw(json!({"subject_contains": "ärger"})))
        .await?;
    assert_eq!(hits.len(), 1);
    Ok(())
}

#[tokio::test]
async fn registry_builds_a_seeded_store_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("seed.yml"),
        "- subject: Printer on fire\n  queue: Raw\n  body: It burns.\n  notes:\n    - body: seen\n      internal: true\n\
         - subject: Mouse broken\n  queue: Raw\n  custom_fields: {Building: B2}\n  created: 2026-01-02 03:04:05\n",
    )?;
    let mut registry = ServiceRegistry::new();
    otai_local::register(&mut registry);
    let params = json!({"path": "store.sqlite3", "seed": "seed.yml"});
    let ctx = BuildContext::new(dir.path());
    for _ in 0..2 {
        let store = registry.build_service("local", &params, &ctx)?;
        let all = store.find_tickets_kw(kw(json!({"queue": "raw"}))).await?;
        assert_eq!(all.len(), 2, "seeded exactly once");
        assert_eq!(all[0].notes.len(), 1, "given notes replace the body note");
        assert_eq!(all[1].custom_fields.get("Building"), Some(&json!("B2")));
        assert_eq!(all[1].number.as_deref(), Some("20260102000002"));
    }
    assert!(registry.has_service("otai:LocalTicketSystemService"));
    Ok(())
}

#[test]
fn bad_params_and_seed_files_are_config_errors() -> TestResult {
    let mut registry = ServiceRegistry::new();
    otai_local::register(&mut registry);
    let validate = |params: Value| {
        registry
            .validate_service("local", &params)
            .err()
            .map(|e| e.to_string())
    };
    assert_eq!(
        validate(json!({"pth": "x"})).as_deref(),
        Some(
            "config error at params.pth: unknown field `pth`; did you mean `path`? (known: path, \
             seed, seed_if_empty, read_only, lock, lock_timeout)"
        )
    );
    assert_eq!(
        validate(json!({"lock": "maybe"})).as_deref(),
        Some("config error at params.lock: unknown variant `maybe`, expected `wait` or `fail`")
    );
    assert_eq!(
        validate(json!({"lock_timeout": 0})).as_deref(),
        Some(
            "config error at params.lock_timeout: must be a positive number of seconds, at most 86400"
        )
    );
    let dir = tempfile::tempdir()?;
    let bomb = format!(
        "- subject: &s [{}]\n{}",
        vec!["lol"; 100].join(", "),
        "- subject: [*s, *s, *s, *s, *s, *s, *s, *s, *s, *s]\n".repeat(10_000)
    );
    std::fs::write(dir.path().join("bomb.yml"), bomb)?;
    std::fs::write(
        dir.path().join("deep.yml"),
        format!("- subject: {}\n", "[".repeat(1_000_000)),
    )?;
    std::fs::File::create(dir.path().join("huge.yml"))?.set_len(17 << 20)?;
    let ctx = BuildContext::new(dir.path());
    let seed_error = |seed: &str| {
        registry
            .build_service("local", &json!({"path": ":memory:", "seed": seed}), &ctx)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let at = |name: &str| dir.path().join(name).display().to_string();
    assert_eq!(
        seed_error("bomb.yml"),
        format!(
            "config error at {}:2: invalid YAML: YAML aliases (`*name`) are not supported here: \
             write the value out",
            at("bomb.yml")
        )
    );
    assert_eq!(
        seed_error("deep.yml"),
        format!(
            "config error at {}:1: invalid YAML: nested more than 64 levels deep",
            at("deep.yml")
        )
    );
    assert_eq!(
        seed_error("huge.yml"),
        format!(
            "config error at {}: the seed file is larger than 16777216 bytes",
            at("huge.yml")
        )
    );
    assert!(
        seed_error("missing.yml").starts_with(&format!(
            "config error at {}: cannot read seed file:",
            at("missing.yml")
        )),
        "{}",
        seed_error("missing.yml")
    );
    Ok(())
}

mod attachments;
mod files;
mod history;
mod processes;
