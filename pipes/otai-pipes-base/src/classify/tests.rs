//! Rules, their checks and the classification.

use serde_json::{Map, Value, json};

use super::*;

fn rules() -> Vec<Rule> {
    serde_json::from_value(json!([
        {"label": "hardware", "keywords": ["printer", "mouse"], "queue": "Hardware"},
        {"label": "access", "keywords": ["vpn"], "patterns": ["pass(word)?"], "queue": "IT Access"}
    ]))
    .unwrap_or_default()
}

#[test]
fn the_rule_with_most_hits_wins_and_carries_its_extras() -> otai_core::Result<()> {
    let c = RuleClassifier::new(rules(), "other", Map::new())?;
    let out = c.classify("VPN password rejected, and my mouse");
    assert_eq!(out.label, "access");
    assert_eq!(
        out.matched,
        vec!["vpn".to_owned(), "pass(word)?".to_owned()]
    );
    assert_eq!(out.extra.get("queue"), Some(&json!("IT Access")));
    assert!((out.confidence - 0.75).abs() < 1e-9);
    let none = c.classify("coffee");
    assert_eq!((none.label.as_str(), none.confidence), ("other", 0.0));
    Ok(())
}

#[test]
fn bad_rules_name_the_rule() {
    let bad: Vec<Rule> =
        serde_json::from_value(json!([{"label": "x", "patterns": ["("]}])).unwrap_or_default();
    let err = RuleClassifier::new(bad, "other", Map::new())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid input `rules[0].patterns`: invalid regex `(`: unclosed group")
    );
    let empty: Vec<Rule> = serde_json::from_value(json!([{"label": "x"}])).unwrap_or_default();
    let err = RuleClassifier::new(empty, "other", Map::new())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid input `rules[0]`: rule `x` matches nothing: give it `keywords` or `patterns`"
        )
    );
}

fn params(value: Value) -> Result<ClassifyParams, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn rule_tables_are_checked_as_they_are_read() {
    let cases = [
        (
            json!({"rules": [{"label": "x", "patterns": ["a", "("]}]}),
            "invalid regex `(`: unclosed group",
        ),
        (json!({"rules": []}), "no rules: give at least one"),
        (
            json!({"rules": [{"label": " ", "keywords": ["a"]}]}),
            "a rule needs a non-empty `label`",
        ),
        (
            json!({"rules": [{"label": "x", "keywrods": ["a"]}]}),
            "unknown key `keywrods`; did you mean `keywords`? (other keys are extra values returned with the label)",
        ),
        (
            json!({"rules": [{"label": "x", "keywords": ["a"], "confidence": 1}]}),
            "`confidence` is part of the result; name this extra value otherwise",
        ),
        (
            json!({"rules": {"label": "x"}}),
            "invalid type: map, expected a sequence",
        ),
        (
            json!({"rules": [{"label": "x", "keywords": ["a"]}], "default": 5}),
            "invalid type: integer `5`, expected a label, or a map with `label` and extra values",
        ),
        (
            json!({"rules": [{"label": "x", "keywords": ["a"]}], "txt": "a"}),
            "unknown field `txt`, expected one of `text`, `subject`, `body`, `rules`, `default`",
        ),
    ];
    for (value, expected) in cases {
        let err = params(value.clone()).err().unwrap_or_default();
        assert!(err.starts_with(expected), "{value}: {err}");
    }
}

#[tokio::test]
async fn the_pipe_joins_its_texts_and_falls_back_to_the_default() -> Result<(), String> {
    let p = params(json!({
        "subject": "Printer", "body": "on fire",
        "rules": [{"label": "hardware", "keywords": ["printer", "fire"], "queue": "HW"}],
        "default": {"label": "misc", "queue": "Service Desk"}
    }))?;
    let ctx = PipeContext::new("c", None);
    let out = Classify.run(&ctx, &p).await.map_err(|e| e.to_string())?;
    let out = serde_json::to_value(&out).map_err(|e| e.to_string())?;
    assert_eq!(
        out,
        json!({"label": "hardware", "confidence": 0.75, "matched": ["printer", "fire"], "queue": "HW"})
    );
    let p = params(json!({
        "text": "coffee", "rules": [{"label": "hardware", "keywords": ["printer"]}],
        "default": {"label": "misc", "queue": "Service Desk"}
    }))?;
    let out = Classify.run(&ctx, &p).await.map_err(|e| e.to_string())?;
    let out = serde_json::to_value(&out).map_err(|e| e.to_string())?;
    assert_eq!(
        out,
        json!({"label": "misc", "confidence": 0.0, "matched": [], "queue": "Service Desk"})
    );
    Ok(())
}
