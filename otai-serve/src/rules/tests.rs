use super::*;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn rules(value: Value, unknown: UnknownFields) -> Result<Rules, Box<dyn std::error::Error>> {
    let config: BTreeMap<String, RuleConfig> = serde_json::from_value(value)?;
    Rules::compile(&config, unknown).map_err(|p| format!("{p:?}").into())
}

fn codes(violations: &[Violation]) -> Vec<(&str, &str)> {
    violations
        .iter()
        .map(|v| (v.field.as_str(), v.code.as_str()))
        .collect()
}

#[test]
fn every_violation_is_reported_at_once() -> TestResult {
    let rules = rules(
        json!({
            "event_id": {"required": true, "type": "string", "max_length": 4},
            "severity": {"required": true, "enum": ["info", "critical"]},
            "summary": {"type": "string", "min_length": 3},
            "contact": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
            "count": {"type": "integer", "minimum": 1, "maximum": 5},
            "host.name": {"required": true, "type": "string"},
        }),
        UnknownFields::Reject,
    )?;
    let payload = json!({
        "event_id": "12345", "severity": "debug", "summary": "ab", "contact": "nobody",
        "count": 9, "host": {"name": 3, "extra": 1}, "colour": "red"
    });
    let violations = rules.check(&payload);
    let mut found = codes(&violations);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("colour", "unknown_field"),
            ("contact", "pattern"),
            ("count", "maximum"),
            ("event_id", "max_length"),
            ("host.extra", "unknown_field"),
            ("host.name", "type"),
            ("severity", "enum"),
            ("summary", "min_length"),
        ]
    );
    Ok(())
}

#[test]
fn a_valid_payload_passes_and_missing_optional_fields_are_fine() -> TestResult {
    let rules = rules(
        json!({"a": {"required": true, "type": "number", "minimum": 0}, "b": {"type": "boolean"}}),
        UnknownFields::Ignore,
    )?;
    assert!(rules.check(&json!({"a": 0.5, "other": [1]})).is_empty());
    assert_eq!(
        codes(&rules.check(&json!({"a": null}))),
        vec![("a", "required")]
    );
    assert_eq!(codes(&rules.check(&json!({"a": "1"}))), vec![("a", "type")]);
    Ok(())
}

#[test]
fn broken_rules_are_refused_with_the_field() {
    let config: BTreeMap<String, RuleConfig> = match serde_json::from_value(json!({
        "a": {"pattern": "("}, "b": {"min_length": 3, "max_length": 1},
        "c": {"type": "string"}, "c.d": {}
    })) {
        Ok(config) => config,
        Err(e) => panic!("{e}"),
    };
    let problems = Rules::compile(&config, UnknownFields::Reject)
        .err()
        .unwrap_or_default();
    let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, vec!["a.pattern", "b", "c"]);
}

#[test]
fn violations_are_capped() -> TestResult {
    let rules = rules(json!({}), UnknownFields::Reject)?;
    let payload: serde_json::Map<String, Value> =
        (0..500).map(|i| (format!("f{i}"), Value::Null)).collect();
    let found = rules.check(&Value::Object(payload));
    assert_eq!(found.len(), MAX_VIOLATIONS + 1);
    assert_eq!(found[MAX_VIOLATIONS].code, "too_many_errors");
    Ok(())
}

#[test]
fn depth_is_measured_without_recursion() {
    let mut deep = json!(1);
    for _ in 0..1_000 {
        deep = json!([deep]);
    }
    assert!(too_deep(&deep, MAX_DEPTH));
    assert!(!too_deep(&json!({"a": {"b": [1, 2]}}), 3));
    assert!(too_deep(&json!({"a": {"b": [1, 2]}}), 2));
}
