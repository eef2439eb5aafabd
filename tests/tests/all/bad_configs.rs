//! The table of bad configurations, `tests/bad-configs/*.yml` (each file says what it gets
//! wrong): every one is refused at load with its exact, complete list of problems, as
//! `otai validate` prints it (snapshots in `snapshots/`), and none reaches a helpdesk.

use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, Secrets, load_str};

/// The files' placeholder for the OTOBO fake's port.
const PORT: &str = "FAKE_PORT";

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_configuration_is_refused_with_its_exact_problems_and_sends_nothing()
-> Result<(), Box<dyn std::error::Error>> {
    let fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
    let port = fake
        .url()
        .rsplit_once(':')
        .map(|(_, port)| port.trim_end_matches('/').to_owned())
        .ok_or("the fake has no port")?;
    let dir = tempfile::tempdir()?;
    let secrets_file = dir.path().join("secrets.yml");
    std::fs::write(&secrets_file, "OTOBO_PASSWORD: 'SdkAgent-Test-Pw1'\n")?;
    let registry = otai_cli::default_registry();
    let mut count = 0;
    insta::glob!("../../bad-configs", "*.yml", |path| {
        count += 1;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let options = LoadOptions::new(Secrets::from_file(&secrets_file).unwrap_or_default());
        // Services are built (not only validated): building must not contact the helpdesk.
        let outcome = load_str(
            &name,
            &text.replace(PORT, &port),
            &BuildContext::new(dir.path()),
            &registry,
            &options,
        );
        let shown = match outcome {
            Err(errors) => errors.to_string(),
            Ok(_) => format!("{name} loaded without a problem"),
        };
        insta::assert_snapshot!(shown);
    });
    assert!(count >= 30, "only {count} bad configurations");
    assert_eq!(
        fake.requests_seen(),
        0,
        "a bad configuration reached the helpdesk"
    );
    Ok(())
}
