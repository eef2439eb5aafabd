//! Training, prediction and the model file.

use otai_core::Result;

use crate::*;

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    let network = [
        "VPN tunnel drops",
        "kein Netzwerk im Büro",
        "WLAN langsam",
        "cannot reach the VPN gateway",
        "network cable unplugged",
        "VPN Verbindung bricht ab",
    ];
    let hardware = [
        "printer jammed again",
        "Drucker druckt nicht",
        "laptop screen flickers",
        "Monitor bleibt schwarz",
        "keyboard keys stuck",
        "Drucker Papierstau",
    ];
    let billing = [
        "invoice amount wrong",
        "Rechnung doppelt bezahlt",
        "refund for order",
        "Gutschrift fehlt",
        "credit card charged twice",
        "Rechnung falsche Adresse",
    ];
    for (texts, label) in [
        (network, "network"),
        (hardware, "hardware"),
        (billing, "billing"),
    ] {
        for (i, t) in texts.iter().enumerate() {
            out.push(Example::new(t, &format!("ticket {i}: {t}. Regards"), label));
        }
    }
    out
}

fn trained() -> Result<Model> {
    let examples = examples();
    let refs: Vec<&Example> = examples.iter().collect();
    Model::train(
        &refs,
        &TrainSettings::default(),
        TrainingMetadata::new("queue", "test"),
        &mut |_, _| {},
    )
}

#[test]
fn a_model_learns_the_labels_and_gives_probabilities_that_sum_to_one() -> Result<()> {
    let model = trained()?;
    assert_eq!(model.labels(), ["billing", "hardware", "network"]);
    assert_eq!(
        model.predict("the VPN keeps dropping", 1)[0].label,
        "network"
    );
    assert_eq!(
        model.predict("Drucker hat Papierstau", 1)[0].label,
        "hardware"
    );
    assert_eq!(model.predict("Rechnung ist falsch", 1)[0].label, "billing");
    let top = model.predict("invoice", 3);
    assert_eq!(top.len(), 3);
    assert!(top.windows(2).all(|w| w[0].confidence >= w[1].confidence));
    let sum: f64 = model.probabilities("anything").iter().sum();
    assert!((sum - 1.0).abs() < 1e-9, "sum {sum}");
    assert_eq!(model.metadata().train_examples, 18);
    Ok(())
}

#[test]
fn training_needs_two_labels() {
    let one = [Example::new("a", "b", "x"), Example::new("c", "d", "x")];
    let refs: Vec<&Example> = one.iter().collect();
    let err = Model::train(
        &refs,
        &TrainSettings::default(),
        TrainingMetadata::new("q", "t"),
        &mut |_, _| {},
    );
    assert!(err.is_err_and(|e| e.to_string().contains("at least 2 different labels")));
}

#[test]
fn training_is_repeatable_with_the_same_seed() -> Result<()> {
    let (a, b) = (trained()?, trained()?);
    assert_eq!(a.probabilities("VPN"), b.probabilities("VPN"));
    Ok(())
}

#[test]
fn calibration_changes_confidence_but_not_the_label() -> Result<()> {
    let mut model = trained()?;
    let before = model.predict("VPN Verbindung", 1);
    let examples = examples();
    let refs: Vec<&Example> = examples.iter().collect();
    model.calibrate(&refs);
    let after = model.predict("VPN Verbindung", 1);
    assert_eq!(before[0].label, after[0].label);
    assert!(model.temperature() > 0.0 && model.temperature() != 1.0);
    Ok(())
}

#[test]
fn a_saved_model_reads_back_the_same() -> Result<()> {
    let mut model = trained()?;
    model.set_figures(Figures {
        accuracy: 0.9,
        macro_f1: 0.8,
    });
    let dir =
        tempfile::tempdir().map_err(|e| otai_core::Error::invalid_input("tmp", e.to_string()))?;
    let path = dir.path().join("queue.model");
    model.save(&path)?;
    let back = Model::load(&path)?;
    assert_eq!(back, model);
    assert_eq!(
        back.probabilities("Drucker"),
        model.probabilities("Drucker")
    );
    Ok(())
}

fn refused(text: &str) -> String {
    Model::from_json(text.as_bytes()).err().unwrap_or_default()
}

fn with(json: &str, key: &str, value: serde_json::Value) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    v[key] = value;
    v.to_string()
}

#[test]
fn other_files_and_other_versions_are_refused_clearly() -> Result<()> {
    let json = trained()?.to_json()?;
    assert!(refused("{\"labels\": []}").contains("not an otai model file"));
    assert!(refused("garbage").contains("not an otai model file"));
    let newer = with(&json, "format_version", 2.into());
    assert!(
        refused(&newer).contains("newer than this otai reads"),
        "{}",
        refused(&newer)
    );
    let older = with(&json, "format_version", 0.into());
    assert!(refused(&older).contains("no longer read"));
    let unknown = with(&json, "extra", 1.into());
    assert!(
        refused(&unknown).contains("unknown field `extra`"),
        "{}",
        refused(&unknown)
    );
    Ok(())
}

#[test]
fn a_damaged_model_is_refused_naming_the_part() -> Result<()> {
    let json = trained()?.to_json()?;
    let cases = [
        ("weights", serde_json::json!("AAAA"), "weights"),
        (
            "buckets",
            serde_json::json!("not base64!"),
            "`buckets` is not base64",
        ),
        ("bias", serde_json::json!([1.0]), "`bias` has 1 values"),
        (
            "labels",
            serde_json::json!(["b", "a", "c"]),
            "sorted and unique",
        ),
        ("temperature", serde_json::json!(-1.0), "`temperature`"),
    ];
    for (key, value, expected) in cases {
        let message = refused(&with(&json, key, value));
        assert!(message.contains(expected), "{key}: {message}");
    }
    let truncated = &json[..json.len() / 2];
    assert!(refused(truncated).contains("not an otai model file"));
    let dir =
        tempfile::tempdir().map_err(|e| otai_core::Error::invalid_input("tmp", e.to_string()))?;
    let path = dir.path().join("bad.model");
    std::fs::write(&path, "{}")
        .map_err(|e| otai_core::Error::invalid_input("tmp", e.to_string()))?;
    let err = Model::load(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("bad.model") && err.contains("not an otai model file"),
        "{err}"
    );
    Ok(())
}
