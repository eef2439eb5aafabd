//! The project's own OTOBO adapter, over REST (with a session and per request) and SOAP, passes
//! the whole conformance kit against the provider with the local store behind it.

mod support;

use otai_core::UnifiedEntity;
use otai_core::testkit::{ConformanceProfile, run_conformance};
use otai_otobo_znuny::{AuthMode, OtoboConfig, OtoboService, TransportKind};
use serde_json::json;
use support::{AGENT, Served, TestResult, webservices};

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
    .customer(UnifiedEntity::by_name("alice@example.com"))
    .ticket_type(UnifiedEntity::by_name("Incident"))
    .custom_field("Building", json!("B2"))
}

/// Runs the kit and checks that it ran every check, through the provider.
async fn passes(otobo: &OtoboService, served: &Served) {
    let report = run_conformance(otobo, &profile()).await;
    report.assert_all_passed();
    assert!(
        report.checks.len() >= 20,
        "only {} checks ran",
        report.checks.len()
    );
    let kept = served.kept.0.lock().map(|k| k.len()).unwrap_or_default();
    assert!(kept >= 20, "only {kept} requests reached the provider");
}

fn adapter(served: &Served) -> OtoboConfig {
    let mut config = OtoboConfig::new(served.url.clone()).agent(AGENT.0, AGENT.1);
    config.defaults.customer_user = Some("alice@example.com".into());
    config.defaults.queue = Some("Raw".into());
    config
}

#[tokio::test]
async fn the_otobo_adapter_over_rest_with_a_session_passes() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let otobo = OtoboService::new(&adapter(&served))?;
    passes(&otobo, &served).await;
    Ok(())
}

#[tokio::test]
async fn the_otobo_adapter_with_per_request_credentials_passes() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let otobo = OtoboService::new(&adapter(&served).auth_mode(AuthMode::PerRequest))?;
    passes(&otobo, &served).await;
    Ok(())
}

#[tokio::test]
async fn the_otobo_adapter_over_soap_passes() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let otobo = OtoboService::new(&adapter(&served).transport(TransportKind::Soap))?;
    passes(&otobo, &served).await;
    Ok(())
}
