//! Every YAML example in docs/configuration.md loads and validates.

use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, load_str};

#[test]
fn every_configuration_example_validates() -> Result<(), Box<dyn std::error::Error>> {
    let doc = include_str!("../../../docs/configuration.md");
    let mut registry = otai_pipeline::Registry::new();
    otai_local::register(registry.services_mut());
    otai_otobo_znuny::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    let mut options = LoadOptions::default();
    options.validate_only = true;
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(blocks.len() >= 6, "found {} examples", blocks.len());
    let secrets = tempfile::tempdir()?;
    let file = secrets.path().join("secrets.yml");
    std::fs::write(&file, "OTOBO_PASSWORD: example\n")?;
    options.secrets = otai_pipeline::Secrets::from_file(&file)?;
    for (i, block) in blocks.iter().enumerate() {
        let result = load_str(
            &format!("example {}", i + 1),
            block,
            &BuildContext::default(),
            &registry,
            &options,
        );
        if let Err(errors) = result {
            return Err(format!(
                "example {} of docs/configuration.md:\n{errors}\n{block}",
                i + 1
            )
            .into());
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_ticket_pipes_example_runs() -> Result<(), Box<dyn std::error::Error>> {
    let doc = include_str!("../../../docs/configuration.md");
    let block = doc
        .split("```yaml\n")
        .find(|b| b.contains("id: again"))
        .and_then(|b| b.split("```").next())
        .ok_or("example missing")?;
    let mut registry = otai_pipeline::Registry::new();
    otai_local::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    let engine = load_str(
        "example",
        block,
        &BuildContext::default(),
        &registry,
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let report = engine.run("default", &serde_json::json!({}), false).await?;
    assert!(report.succeeded, "{report:?}");
    let ticket = &report.result("again").unwrap_or_default()["ticket"];
    assert_eq!(ticket["queue"]["name"], "Hardware");
    assert_eq!(ticket["notes"][1]["body"], "moved by otai");
    Ok(())
}

#[tokio::test]
async fn the_value_pipes_example_runs() -> Result<(), Box<dyn std::error::Error>> {
    let doc = include_str!("../../../docs/configuration.md");
    let block = doc
        .split("```yaml\n")
        .find(|b| b.contains("id: label"))
        .and_then(|b| b.split("```").next())
        .ok_or("example missing")?;
    let mut registry = otai_pipeline::Registry::new();
    otai_pipes_base::register(&mut registry);
    let engine = load_str(
        "example",
        block,
        &BuildContext::default(),
        &registry,
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    for (label, queue) in [
        ("hardware", "Hardware"),
        ("access", "IT Access"),
        ("coffee", "Service Desk"),
    ] {
        let report = engine
            .run("default", &serde_json::json!({"label": label}), false)
            .await?;
        assert!(report.succeeded, "{report:?}");
        assert_eq!(report.result("queue").unwrap_or_default(), queue);
        assert_eq!(
            report.result("say").unwrap_or_default(),
            format!("routing to {queue}").as_str()
        );
    }
    let report = engine.run("default", &serde_json::json!({}), false).await?;
    assert_eq!(
        report.result("label").unwrap_or_default(),
        "other",
        "default() applies to a missing context value"
    );
    Ok(())
}

#[test]
fn the_example_configurations_validate() -> Result<(), Box<dyn std::error::Error>> {
    let mut registry = otai_pipeline::Registry::new();
    otai_local::register(registry.services_mut());
    otai_otobo_znuny::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(
        &secrets,
        "OTOBO_BASE_URL: https://helpdesk.example.com\nOTOBO_USERNAME: agent\nOTOBO_PASSWORD: example\n",
    )?;
    let mut options = LoadOptions::new(otai_pipeline::Secrets::from_file(&secrets)?);
    options.validate_only = true;
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for example in ["quickstart", "otobo-triage"] {
        let path = examples.join(example).join("otai.yml");
        if let Err(errors) = otai_pipeline::load_file(&path, &registry, &options) {
            return Err(format!("examples/{example}/otai.yml:\n{errors}").into());
        }
    }
    Ok(())
}
