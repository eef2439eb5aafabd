//! The value-map examples of docs/adapters/otobo-znuny.md and docs/adapters/rt.md build their
//! services, and the ambiguity they warn about is refused with the field and values named.

use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, Registry, Secrets, load_str};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn value_map_example(doc: &str) -> Result<&str, String> {
    doc.split("## Value maps")
        .nth(1)
        .and_then(|section| section.split("```yaml\n").nth(1))
        .and_then(|block| block.split("```").next())
        .ok_or_else(|| "no value-map example".to_owned())
}

/// Loads and builds `text`, as `otai run` would (no request is sent at build).
fn build(text: &str) -> Result<(), String> {
    let mut registry = Registry::new();
    otai_otobo_znuny::register(registry.services_mut());
    otai_rt::register(registry.services_mut());
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("secrets.yml");
    std::fs::write(&file, "OTOBO_PASSWORD: example\nRT_TOKEN: example\n")
        .map_err(|e| e.to_string())?;
    let secrets = Secrets::from_file(&file).map_err(|e| e.to_string())?;
    load_str(
        "example.yml",
        text,
        &BuildContext::default(),
        &registry,
        &LoadOptions::new(secrets),
    )
    .map(drop)
    .map_err(|e| e.to_string())
}

#[test]
fn the_value_map_examples_of_the_adapter_pages_build() -> TestResult {
    for (page, doc, ambiguous) in [
        (
            "otobo-znuny.md",
            include_str!("../../../docs/adapters/otobo-znuny.md"),
            ("high: 4 high }", "high: 4 high, urgent: 4 high }"),
        ),
        (
            "rt.md",
            include_str!("../../../docs/adapters/rt.md"),
            ("high: 80 }", "high: 80, urgent: 80 }"),
        ),
    ] {
        let example = value_map_example(doc).map_err(|e| format!("{page}: {e}"))?;
        assert!(example.contains("state_patterns"), "{page}");
        build(example).map_err(|e| format!("{page}:\n{e}\n{example}"))?;
        let broken = example.replace(ambiguous.0, ambiguous.1);
        assert_ne!(broken, example, "{page}");
        let err = build(&broken).err().unwrap_or_default();
        assert!(err.contains("mapping.priority"), "{page}: {err}");
        assert!(
            err.contains("`high` and `urgent` both map to"),
            "{page}: {err}"
        );
    }
    Ok(())
}
