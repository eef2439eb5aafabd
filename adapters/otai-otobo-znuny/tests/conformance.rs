//! The conformance kit against the in-process fake, through the real wire format.

use otai_core::testkit::{ConformanceProfile, run_conformance};
use otai_core::{Error, TicketSystemServiceExt, UnifiedEntity};
use otai_otobo_znuny::OtoboService;
use otai_otobo_znuny::fake::FakeOtobo;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn profile() -> ConformanceProfile {
    ConformanceProfile::new(
        UnifiedEntity::by_name("Raw"),
        UnifiedEntity::by_name("Misc"),
    )
    .states(
        UnifiedEntity::by_name("open"),
        UnifiedEntity::by_name("closed successful"),
    )
    .priorities(
        UnifiedEntity::by_name("3 normal"),
        UnifiedEntity::by_name("4 high"),
    )
    .customer(UnifiedEntity::by_name("sdkcustomer"))
    .owner(UnifiedEntity::new("2", "agent7"))
    .ticket_type(UnifiedEntity::by_name("Incident"))
    .custom_field("SDKText", json!("hello-df"))
}

#[tokio::test]
async fn the_adapter_passes_the_conformance_kit_against_the_fake() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    run_conformance(&otobo, &profile())
        .await
        .assert_all_passed();
    Ok(())
}

#[tokio::test]
async fn per_request_credentials_pass_the_kit_too() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let config = fake
        .config()
        .auth_mode(otai_otobo_znuny::AuthMode::PerRequest);
    let otobo = OtoboService::new(&config)?;
    run_conformance(&otobo, &profile())
        .await
        .assert_all_passed();
    Ok(())
}

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
async fn the_soap_transport_passes_the_same_kit() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let config = fake
        .config()
        .transport(otai_otobo_znuny::TransportKind::Soap);
    let otobo = OtoboService::new(&config)?;
    run_conformance(&otobo, &profile())
        .await
        .assert_all_passed();
    let history = otobo.ticket_history(&"1".parse()?).await?;
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
