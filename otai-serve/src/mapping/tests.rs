use super::*;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn mapping(value: Value) -> Result<InboundMapping, Box<dyn std::error::Error>> {
    let config: SimpleMapping = serde_json::from_value(value)?;
    InboundMapping::compile(&config)
        .map_err(|(field, message)| format!("{field}: {message}").into())
}

#[test]
fn names_and_values_are_translated_at_the_top_level_only() -> TestResult {
    let m = mapping(json!({
        "key_exact": {"Prio": "priority"},
        "key_regex": {"X-(\\w+)": "tag_$1"},
        "values": {"priority": {"exact": {"1": "low"}, "regex": {"[4-5]": "high"}}},
    }))?;
    let body = m.apply(json!({"Prio": 1, "X-Team": "ops", "nested": {"Prio": "1"}}));
    assert_eq!(
        body.payload,
        json!({"priority": "low", "tag_Team": "ops", "nested": {"Prio": "1"}})
    );
    assert!(body.conflicts.is_empty());
    assert_eq!(
        m.received_names(&body.sent_keys)
            .get("priority")
            .map(String::as_str),
        Some("Prio")
    );
    assert_eq!(
        m.apply(json!({"Prio": "5"})).payload,
        json!({"priority": "high"})
    );
    Ok(())
}

#[test]
fn defaults_keep_ignore_or_map_to() -> TestResult {
    let keep = mapping(json!({"key_exact": {"A": "a"}}))?;
    assert_eq!(
        keep.apply(json!({"A": 1, "b": 2})).payload,
        json!({"a": 1, "b": 2})
    );
    let ignore = mapping(
        json!({"key_exact": {"A": "a"}, "key_default": "ignore", "value_default": "ignore", "values": {"a": {"exact": {"1": "one"}}}}),
    )?;
    assert_eq!(
        ignore.apply(json!({"A": 1, "b": 2})).payload,
        json!({"a": "one"})
    );
    assert_eq!(ignore.apply(json!({"A": 7})).payload, json!({}));
    let map_to = mapping(
        json!({"key_exact": {"A": "a"}, "key_default": {"map_to": "rest"}, "value_default": {"map_to": "other"}}),
    )?;
    assert_eq!(
        map_to.apply(json!({"A": 1, "b": 2})).payload,
        json!({"a": "other", "rest": "other"})
    );
    Ok(())
}

#[test]
fn keys_that_meet_are_conflicts() -> TestResult {
    let m = mapping(json!({"key_exact": {"Prio": "priority"}}))?;
    let body = m.apply(json!({"Prio": "1", "priority": "2"}));
    assert_eq!(
        body.conflicts,
        [Violation::new(
            "",
            "mapping_conflict",
            "the data key 'priority' was overwritten"
        )]
    );
    Ok(())
}

#[test]
fn violations_name_the_field_as_sent() -> TestResult {
    let m = mapping(json!({"key_exact": {"Prio": "priority", "Host": "host"}}))?;
    let received = BTreeMap::from([("priority".to_owned(), "Prio".to_owned())]);
    let v = m.as_received(
        Violation::new("priority", "enum", "must be one of: low"),
        &received,
    );
    assert_eq!(v.field, "Prio");
    assert_eq!(
        v.message,
        "must be one of: low (`Prio` is mapped to `priority`)"
    );
    // Missing: `host` may be sent as `Host` or as `host`, so it keeps its own name.
    let v = m.as_received(
        Violation::new("host.name", "required", "is required"),
        &received,
    );
    assert_eq!(v.field, "host.name");
    let only = mapping(json!({"key_exact": {"Host": "host"}, "key_default": "ignore"}))?;
    let v = only.as_received(
        Violation::new("host.name", "required", "is required"),
        &BTreeMap::new(),
    );
    assert_eq!(v.field, "Host.name");
    let v = m.as_received(Violation::new("", "unknown_field", "x"), &received);
    assert_eq!(v.field, "");
    Ok(())
}

#[test]
fn bad_mappings_name_where() {
    let config: SimpleMapping = match serde_json::from_value(json!({"key_regex": {"(": "x"}})) {
        Ok(config) => config,
        Err(e) => panic!("{e}"),
    };
    let Err((field, message)) = InboundMapping::compile(&config) else {
        panic!("a broken regex was accepted");
    };
    assert_eq!(field, "mapping.key_regex.(");
    assert!(message.contains("invalid regex"), "{message}");
    let config = SimpleMapping {
        value_default: otai_core::mapping::MapDefault::MapTo(String::new()),
        ..SimpleMapping::default()
    };
    let Err((field, _)) = InboundMapping::compile(&config) else {
        panic!("an empty map_to was accepted");
    };
    assert_eq!(field, "mapping.value_default");
}
