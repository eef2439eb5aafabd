//! Sessions, errors and history against the in-process fake, through the real wire format (the
//! conformance kit runs over this adapter in `tests/`).

use otai_core::{Error, TicketSystemServiceExt};
use otai_otobo_znuny::OtoboService;
use otai_otobo_znuny::fake::FakeOtobo;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn sessions_expiring_mid_run_are_renewed() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    let created = otobo
        .create_ticket_kw(
            json!({"subject": "s", "body": "b"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
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
        .create_ticket_kw(
            json!({"subject": "s", "body": "b", "queue": "Nope"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
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
        .create_ticket_kw(
            json!({"subject": "s", "body": "b", "queue": "Raw"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .await?;
    let id = created.id.ok_or("the created ticket has no id")?;
    let history = otobo.ticket_history(&id.parse()?).await?;
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
        .create_ticket_kw(
            json!({"subject": "s", "body": "b", "queue": "Nope"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
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
