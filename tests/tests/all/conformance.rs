//! The conformance kit over every adapter: the local store (in memory and on a file), OTOBO /
//! Znuny through the in-process fake (REST with a session, per-request credentials, SOAP).
//! Request Tracker runs it against a real server in `live_rt`.

use otai_core::UnifiedEntity;
use otai_core::testkit::{ConformanceProfile, run_conformance};
use otai_local::LocalStore;
use otai_otobo_znuny::fake::FakeOtobo;
use otai_otobo_znuny::{AuthMode, OtoboService, TransportKind};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The local store's vocabulary: any names work.
fn local_profile() -> ConformanceProfile {
    ConformanceProfile::new(
        UnifiedEntity::by_name("Raw"),
        UnifiedEntity::by_name("Hardware"),
    )
    .states(
        UnifiedEntity::by_name("open"),
        UnifiedEntity::by_name("closed"),
    )
    .priorities(
        UnifiedEntity::by_name("normal"),
        UnifiedEntity::by_name("high"),
    )
    .customer(UnifiedEntity::by_name("alice@example.com"))
    .owner(UnifiedEntity::by_name("agent7"))
    .ticket_type(UnifiedEntity::by_name("Incident"))
    .custom_field("Building", json!("B2"))
}

/// The names the OTOBO fake knows, as a stock OTOBO 11 has them.
fn otobo_profile() -> ConformanceProfile {
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
async fn the_local_store_in_memory_passes() -> TestResult {
    let store = LocalStore::in_memory()?;
    run_conformance(&store, &local_profile())
        .await
        .assert_all_passed();
    Ok(())
}

#[tokio::test]
async fn the_local_store_on_a_file_passes_twice() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = LocalStore::open(dir.path().join("t.sqlite3"))?;
    run_conformance(&store, &local_profile())
        .await
        .assert_all_passed();
    // A second run on the same store must not see the first run's tickets.
    run_conformance(&store, &local_profile().tag("secondrun"))
        .await
        .assert_all_passed();
    Ok(())
}

#[tokio::test]
async fn otobo_over_rest_with_a_session_passes() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config())?;
    run_conformance(&otobo, &otobo_profile())
        .await
        .assert_all_passed();
    Ok(())
}

#[tokio::test]
async fn otobo_with_per_request_credentials_passes() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config().auth_mode(AuthMode::PerRequest))?;
    run_conformance(&otobo, &otobo_profile())
        .await
        .assert_all_passed();
    Ok(())
}

#[tokio::test]
async fn otobo_over_soap_passes() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let otobo = OtoboService::new(&fake.config().transport(TransportKind::Soap))?;
    run_conformance(&otobo, &otobo_profile())
        .await
        .assert_all_passed();
    Ok(())
}
