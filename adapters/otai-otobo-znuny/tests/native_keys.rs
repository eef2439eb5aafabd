//! Native keys against the in-process fake: misspelt keys are refused before any request
//! (not even SessionCreate), declared keys and the `native:` escape hatch reach the server.

mod support;

use otai_core::request::{SearchRequest, UpdateRequest};
use otai_core::{Error, Kwargs, TicketSystemService, TicketSystemServiceExt, UnifiedTicket};
use otai_otobo_znuny::OtoboService;
use otai_otobo_znuny::fake::FakeOtobo;
use serde_json::{Value, json};
use support::kw;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn message(err: Option<Error>) -> String {
    err.map(|e| e.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn a_misspelt_search_key_is_refused_before_any_request() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    let err = otobo
        .find_tickets_kw(kw(json!({"queu": "Junk"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `queu`: unknown key for find_tickets; did you mean `queue` or `Queues` or `QueueIDs`? \
         (pass anything else verbatim under `native:`)"
    );
    let err = otobo
        .find_tickets_kw(kw(json!({"queue": "Junk", "UseSubQueues": "yes"})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `UseSubQueues`: expected true or false, got a string"
    );
    let err = otobo.find_tickets_kw(Kwargs::new()).await.err();
    assert_eq!(
        message(err),
        "invalid input `all`: no filter: this search would return every ticket; add a filter, \
         or `all: true` if that is meant"
    );
    assert_eq!(fake.requests_seen(), 0, "not even SessionCreate");
    Ok(())
}

#[tokio::test]
async fn dynamic_kwargs_on_update_are_checked_the_same_way() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    // As `otai run --kw ticket_id=1 --kw stat=open --kw PendingTme=...` builds them: text values.
    let mut dynamic = Kwargs::new();
    for (key, value) in [("ticket_id", "1"), ("stat", "open"), ("PendingTme", "60")] {
        dynamic.insert(key.to_owned(), Value::from(value));
    }
    let err = otobo.update_ticket_kw(dynamic).await.err();
    assert_eq!(
        message(err),
        "invalid input `PendingTme`: unknown key for update_ticket; did you mean `PendingTime`? \
         (pass anything else verbatim under `native:`); also invalid input `stat`: unknown key \
         for update_ticket; did you mean `state`? (pass anything else verbatim under `native:`)"
    );
    let err = otobo
        .update_ticket_kw(kw(json!({"ticket_id": "1", "PendingTime": 60})))
        .await
        .err();
    assert_eq!(
        message(err),
        "invalid input `PendingTime`: expected a map, got a number"
    );
    let err = otobo
        .update_ticket_kw(kw(json!({"ticket_id": "../1", "subject": "x"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "ticket_id"),
        "{err:?}"
    );
    assert_eq!(fake.requests_seen(), 0, "not even SessionCreate");
    Ok(())
}

#[tokio::test]
async fn declared_and_escaped_native_keys_reach_the_server() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    let created = otobo
        .create_ticket(UnifiedTicket::new().subject("native").body("b").into())
        .await?;
    let id = created.id.ok_or("the created ticket has no id")?;
    let found = otobo
        .find_tickets_kw(kw(json!({"StateType": ["new"]})))
        .await?;
    assert_eq!(found.len(), 1);
    let found = otobo
        .find_tickets_kw(kw(json!({"native": {"StateType": "closed"}})))
        .await?;
    assert!(found.is_empty(), "the escaped filter was applied");
    let bare = otobo
        .get_ticket_kw(kw(json!({"ticket_id": id, "AllArticles": 0})))
        .await?
        .ok_or("ticket gone")?;
    assert!(bare.notes.is_empty(), "AllArticles: 0 reached TicketGet");
    let pending = UnifiedTicket::new().state(otai_core::UnifiedEntity::by_name("pending reminder"));
    let updated = otobo
        .update_ticket(
            UpdateRequest::new(id.parse()?, pending).native("PendingTime", json!({"Diff": 60})),
        )
        .await?;
    assert_eq!(
        updated.state.and_then(|s| s.name).as_deref(),
        Some("pending reminder")
    );
    let everything = otobo.find_tickets(SearchRequest::all()).await?;
    assert_eq!(everything.len(), 1);
    Ok(())
}
