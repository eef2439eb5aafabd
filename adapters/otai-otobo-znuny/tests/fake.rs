//! Sessions, errors and history against the in-process fake, through the real wire format (the
//! conformance kit runs over this adapter in `tests/`).

mod support;

use otai_core::{Error, TicketSystemService, TicketSystemServiceExt};
use otai_otobo_znuny::fake::FakeOtobo;
use otai_otobo_znuny::{OtoboConfig, OtoboService, SessionCacheSetting};
use serde_json::json;
use support::kw;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn sessions_expiring_mid_run_are_renewed() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    let created = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b"})))
        .await?;
    fake.expire_sessions();
    let id = created.id.ok_or("the created ticket has no id")?;
    assert!(otobo.get_ticket_by_id(&id).await?.is_some());
    Ok(())
}

#[tokio::test]
async fn unknown_values_are_invalid_input_from_the_server() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    let err = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b", "queue": "Nope"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "Ticket.Queue"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn ticket_history_is_read_over_soap() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let config = fake
        .config()
        .transport(otai_otobo_znuny::TransportKind::Soap);
    let otobo = OtoboService::new(&config)?;
    let created = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b", "queue": "Raw"})))
        .await?;
    let id = created.id.ok_or("the created ticket has no id")?;
    let history = otobo.raw_ticket_history(&id.parse()?).await?;
    assert!(!history.is_empty(), "history over SOAP");
    Ok(())
}

#[tokio::test]
async fn soap_errors_map_to_the_same_typed_errors() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let config = fake
        .config()
        .transport(otai_otobo_znuny::TransportKind::Soap);
    let otobo = OtoboService::new(&config)?;
    assert_eq!(
        otobo.get_ticket_by_id("424242").await?,
        None,
        "AccessDenied is None, as over REST"
    );
    let err = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b", "queue": "Nope"})))
        .await
        .err();
    assert!(
        matches!(&err, Some(Error::InvalidInput { field, .. }) if field == "Ticket.Queue"),
        "{err:?}"
    );
    let wrong = OtoboService::new(&config.agent("sdkagent", "wrong"))?;
    let err = wrong.get_ticket_by_id("1").await.err();
    assert!(
        matches!(&err, Some(Error::Authentication { .. })),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn separate_clients_share_one_session_through_the_cache() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let dir = tempfile::tempdir()?;
    let config = fake
        .config()
        .session_cache(SessionCacheSetting::Dir(dir.path().join("otai")));
    for _ in 0..5 {
        // A new service each time, as a new process would build it.
        let otobo = OtoboService::new(&config)?;
        assert!(otobo.get_ticket_by_id("999").await?.is_none());
    }
    assert_eq!(fake.session_creates(), 1);
    Ok(())
}

#[tokio::test]
async fn a_rejected_cached_session_is_replaced_once() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let dir = tempfile::tempdir()?;
    let config = fake
        .config()
        .session_cache(SessionCacheSetting::Dir(dir.path().to_owned()));
    OtoboService::new(&config)?.get_ticket_by_id("999").await?;
    fake.expire_sessions();
    OtoboService::new(&config)?.get_ticket_by_id("999").await?;
    assert_eq!(
        fake.session_creates(),
        2,
        "the expired session was recreated"
    );
    OtoboService::new(&config)?.get_ticket_by_id("999").await?;
    assert_eq!(fake.session_creates(), 2, "and the new one was cached");
    Ok(())
}

#[tokio::test]
async fn without_a_cache_each_client_logs_in() -> TestResult {
    let fake = FakeOtobo::start().await?;
    for _ in 0..3 {
        OtoboService::new(&fake.config())?
            .get_ticket_by_id("999")
            .await?;
    }
    assert_eq!(fake.session_creates(), 3);
    Ok(())
}

#[tokio::test]
async fn a_check_logs_in_even_with_a_cached_session() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let dir = tempfile::tempdir()?;
    let config = fake
        .config()
        .session_cache(SessionCacheSetting::Dir(dir.path().to_owned()));
    OtoboService::new(&config)?.get_ticket_by_id("999").await?;
    let wrong = config.clone().agent("sdkagent", "wrong");
    let err = OtoboService::new(&wrong)?.healthcheck().await.err();
    assert!(matches!(err, Some(Error::Authentication { .. })), "{err:?}");
    Ok(())
}

#[test]
fn a_relative_cache_directory_is_refused() {
    let config = OtoboConfig::new("http://127.0.0.1:9")
        .agent("a", "pw")
        .session_cache(SessionCacheSetting::Dir("cache".into()));
    let err = config.validate().err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "config error at params.session_cache: `cache` is not an absolute directory (or give `false`)"
        )
    );
}

#[tokio::test]
async fn created_and_cached_session_ids_are_hidden_by_the_redactor() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let dir = tempfile::tempdir()?;
    let config = fake
        .config()
        .session_cache(SessionCacheSetting::Dir(dir.path().to_owned()));
    let creator = otai_core::output::Redactor::new();
    OtoboService::new(&config)?
        .with_redactor(creator.clone())
        .get_ticket_by_id("999")
        .await?;
    let file = std::fs::read_dir(dir.path())?
        .next()
        .ok_or("no cache file")??
        .path();
    let session = std::fs::read_to_string(file)?.trim_end().to_owned();
    assert!(!session.is_empty());
    assert_eq!(creator.redact(&format!("id {session}")), "id ***");
    let reader = otai_core::output::Redactor::new();
    OtoboService::new(&config)?
        .with_redactor(reader.clone())
        .get_ticket_by_id("999")
        .await?;
    assert_eq!(fake.session_creates(), 1, "the second used the cached one");
    assert_eq!(reader.redact(&format!("id {session}")), "id ***");
    Ok(())
}

#[tokio::test]
async fn a_request_hands_its_secrets_to_the_redactor_only_when_a_text_needs_them() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let mut config = fake.config();
    config.auth_mode = otai_otobo_znuny::AuthMode::PerRequest;
    let password = "SdkAgent-Test-Pw1";
    let redactor = otai_core::output::Redactor::new();
    let otobo = OtoboService::new(&config)?.with_redactor(redactor.clone());
    let created = otobo
        .create_ticket_kw(kw(json!({"subject": "s", "body": "b"})))
        .await?;
    let id = created.id.ok_or("the created ticket has no id")?;
    assert!(otobo.get_ticket_by_id(&id).await?.is_some());
    assert_eq!(
        format!("{redactor:?}"),
        "Redactor { forms: 0 }",
        "successful requests do no redaction work"
    );
    let missing = otobo.get_ticket_by_id("999999").await;
    assert!(matches!(missing, Ok(None)), "{missing:?}");
    assert_eq!(redactor.redact(&format!("pw {password}")), "pw ***");
    Ok(())
}

#[tokio::test]
async fn streamed_tickets_come_in_pages_of_twenty_in_search_order() -> TestResult {
    use futures::StreamExt;
    use otai_core::{SearchRequest, TicketSearchCriteria, UnifiedEntity};
    use std::sync::Arc;

    let fake = FakeOtobo::start().await?;
    let otobo = Arc::new(OtoboService::new(&fake.config())?);
    let mut created = Vec::new();
    for n in 0..45 {
        let ticket = otobo
            .create_ticket_kw(kw(
                json!({"subject": format!("t{n}"), "body": "b", "queue": "Raw"}),
            ))
            .await?;
        created.push(ticket.id.ok_or("a created ticket has no id")?);
    }
    let search =
        || SearchRequest::new(TicketSearchCriteria::new().queue(UnifiedEntity::by_name("Raw")));
    let searched: Vec<String> = otobo
        .find_tickets(search())
        .await?
        .into_iter()
        .filter_map(|t| t.id)
        .collect();
    fake.reset_calls();
    let stream = Arc::clone(&otobo).stream_tickets(search()).await?;
    assert_eq!(stream.total, Some(45));
    let streamed: Vec<String> = stream
        .tickets
        .map(|t| t.map(|t| t.id.unwrap_or_default()))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    assert_eq!(streamed, searched, "the search's order");
    created.sort();
    let mut seen = streamed.clone();
    seen.sort();
    assert_eq!(seen, created, "every ticket once");
    let calls = fake.calls();
    assert_eq!(
        (calls.get("TicketGet"), calls.get("TicketGet IDs")),
        (Some(&3), Some(&45)),
        "{calls:?}"
    );
    Ok(())
}
