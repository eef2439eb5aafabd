use serde_json::{Value, json};

use super::*;
use crate::Error;

type R = Result<(), Box<dyn std::error::Error>>;

fn compiled(config: Value) -> Result<CompiledMapping, Box<dyn std::error::Error>> {
    let config: SimpleMapping = serde_json::from_value(config)?;
    Ok(CompiledMapping::compile(&config, "m")?)
}

fn config_error(config: Value) -> Result<(String, String), Box<dyn std::error::Error>> {
    let config: SimpleMapping = serde_json::from_value(config)?;
    match CompiledMapping::compile(&config, "m") {
        Err(Error::Config { path, message }) => Ok((path, message)),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn exact_then_regex_then_default_keys() -> R {
    let m = compiled(json!({
        "key_exact": {"Prio": "Priority"},
        "key_regex": {"X-(.*)": "DynamicField_$1", "Y.*": "Why"},
        "key_default": {"map_to": "Rest"},
    }))?;
    let mapped = m.apply(json!({"Prio": 3, "X-Team": "a", "Yes": 1, "Other": "o"}))?;
    assert_eq!(
        mapped.data,
        json!({"Priority": 3, "DynamicField_Team": "a", "Why": 1, "Rest": "o"})
    );
    assert!(mapped.notices.is_empty());
    Ok(())
}

#[test]
fn ignore_drops_unmapped_keys_and_values() -> R {
    let m = compiled(json!({"key_default": "ignore", "key_exact": {"A": "B"}}))?;
    assert_eq!(m.apply(json!({"A": 1, "C": 2}))?.data, json!({"B": 1}));
    let m = compiled(json!({
        "value_default": "ignore",
        "values": {"State": {"exact": {"new": "open"}}},
    }))?;
    let data = m
        .apply(json!({"State": "new", "Queue": "Raw", "List": [1]}))?
        .data;
    assert_eq!(
        data,
        json!({"State": "open", "List": [1]}),
        "non-strings pass through"
    );
    Ok(())
}

#[test]
fn values_map_by_the_new_key_exact_then_regex_then_map_to() -> R {
    let m = compiled(json!({
        "key_exact": {"Prio": "Priority"},
        "value_default": {"map_to": "3 normal"},
        "values": {"Priority": {
            "exact": {"1 Low": "1 very low"},
            "regex": {"5.*": "5 very high", "(\\d)\\ (\\w+)": "$2 $1"},
        }},
    }))?;
    let one = |v: Value| match m.apply(json!({"Prio": v})) {
        Ok(mapped) => mapped.data["Priority"].clone(),
        Err(e) => json!(e.to_string()),
    };
    assert_eq!(one(json!("1 Low")), json!("1 very low"));
    assert_eq!(one(json!("5x")), json!("5 very high"));
    assert_eq!(
        one(json!("5 x")),
        json!("x 5"),
        "patterns are tried in sorted order"
    );
    assert_eq!(one(json!("2 low")), json!("low 2"), "groups are filled in");
    assert_eq!(one(json!("nothing")), json!("3 normal"));
    assert_eq!(one(json!(null)), json!(null), "null is not a string");
    assert_eq!(one(json!({"a": 1})), json!({"a": 1}));
    Ok(())
}

#[test]
fn regexes_match_the_whole_text_ignoring_whitespace_in_the_pattern() -> R {
    let m = compiled(json!({"key_regex": {"Sta te": "state", "a#comment": "x"}}))?;
    let data = m.apply(json!({"State": 1, "xState": 2, "a": 3}))?.data;
    assert_eq!(data, json!({"state": 1, "xState": 2, "x": 3}));
    Ok(())
}

#[test]
fn only_the_top_level_is_mapped_and_lists_map_each_item() -> R {
    let m = compiled(json!({"key_exact": {"A": "B"}}))?;
    let data = m.apply(json!([{"A": {"A": 1}}, {"C": 1}]))?.data;
    assert_eq!(data, json!([{"B": {"A": 1}}, {"C": 1}]));
    assert_eq!(m.apply(json!(null))?.data, json!({}));
    assert_eq!(m.apply(json!("text"))?.data, json!("text"));
    assert_eq!(m.apply(json!([]))?.data, json!([]));
    let err = m
        .apply(json!([{"A": 1}, 2]))
        .err()
        .ok_or("expected an error")?;
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "[1]"),
        "{err}"
    );
    Ok(())
}

#[test]
fn collisions_drop_the_later_key_with_a_notice() -> R {
    let m = compiled(json!({"key_regex": {"A.*": "T"}, "key_default": {"map_to": "T"}}))?;
    let mapped = m.apply(json!({"A1": "x", "A2": "y", "B": "z"}))?;
    assert_eq!(mapped.data, json!({"T": "x"}));
    assert_eq!(
        mapped.notices,
        [
            "the data key 'T' already exists",
            "the data key 'T' already exists"
        ]
    );
    let mapped = m.apply(json!({"": 1, "A1": ""}))?;
    assert_eq!(mapped.data, json!({"T": ""}));
    assert_eq!(mapped.notices, ["dropped an empty key"]);
    Ok(())
}

#[test]
fn bad_configs_name_the_key_path() -> R {
    assert_eq!(
        config_error(json!({"values": {"State": {"regex": {"(": "x"}}}}))?,
        (
            "m.values.State.regex.(".to_owned(),
            "invalid regex: error: unclosed group".to_owned()
        )
    );
    let (path, message) = config_error(json!({"key_regex": {"a{1000}{1000}": "x"}}))?;
    assert_eq!(path, "m.key_regex.a{1000}{1000}");
    assert!(message.contains("size limit"), "{message}");
    let long = "a".repeat(MAX_PATTERN_LEN + 1);
    let (path, message) = config_error(json!({"key_regex": {long: "x"}}))?;
    assert!(path.starts_with("m.key_regex.aaa"), "{path}");
    assert!(message.contains("at most 4096"), "{message}");
    let (path, _) = config_error(json!({"key_default": {"map_to": ""}}))?;
    assert_eq!(path, "m.key_default");
    let many: serde_json::Map<String, Value> = (0..=MAX_ENTRIES)
        .map(|i| (i.to_string(), json!("x")))
        .collect();
    let (path, message) = config_error(json!({"key_exact": many}))?;
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("m.key_exact", "1025 entries; at most 1024 are allowed")
    );
    Ok(())
}

#[test]
fn unknown_keys_are_refused_by_name() -> R {
    let err = serde_json::from_value::<SimpleMapping>(json!({"key_exakt": {}}))
        .err()
        .ok_or("expected an error")?;
    let message = crate::error::plain_serde_message(&err.to_string());
    assert!(
        message.starts_with("unknown field `key_exakt`; did you mean `key_exact`?"),
        "{message}"
    );
    let err = serde_json::from_value::<SimpleMapping>(json!({"key_default": "kep"}))
        .err()
        .ok_or("expected an error")?;
    assert!(err.to_string().contains("unknown variant `kep`"), "{err}");
    Ok(())
}

#[test]
fn deep_input_is_not_walked() -> R {
    let mut deep = json!(1);
    for _ in 0..100_000 {
        deep = Value::Array(vec![deep]);
    }
    let m = compiled(json!({"key_exact": {"A": "B"}}))?;
    let mapped = m.apply(json!({"A": "x"}))?;
    assert_eq!(mapped.data, json!({"B": "x"}));
    // A nested value is moved, never walked: no recursion on hostile depth.
    let data = m.apply(Value::Object(
        [("A".to_owned(), deep)].into_iter().collect(),
    ));
    let mut data = data?.data;
    let mut depth = 0;
    let mut at = data["B"].take();
    while let Value::Array(mut items) = at {
        at = items.pop().unwrap_or_default();
        depth += 1;
    }
    assert_eq!(depth, 100_000);
    Ok(())
}

fn otobo_full() -> Value {
    json!({
        "Type": "Simple",
        "Config": {
            "KeyMapDefault": {"MapType": "MapTo", "MapTo": "Other"},
            "KeyMapExact": {"Prio": "Priority"},
            "KeyMapRegEx": {"^X-(.*)$": "Dyn$1"},
            "ValueMap": {"Priority": {
                "ValueMapExact": {"1 Low": "1 very low"},
                "ValueMapRegEx": {"^5.*": "5 very high"},
            }},
            "ValueMapDefault": {"MapType": "Ignore", "MapTo": ""},
        }
    })
}

#[test]
fn otobo_form_converts_both_ways_without_loss() -> R {
    let (mapping, warnings) = from_otobo(&otobo_full(), "MappingInbound")?;
    assert!(warnings.is_empty());
    let mapping = mapping.ok_or("a mapping")?;
    assert_eq!(mapping.key_default, MapDefault::MapTo("Other".into()));
    assert_eq!(mapping.value_default, MapDefault::Ignore);
    assert_eq!(
        mapping.key_regex["^X-(.*)$"], "Dyn$$1",
        "OTOBO's `$` is literal"
    );
    assert_eq!(to_otobo(Some(&mapping), "m")?, otobo_full());
    // The literal `$` stays literal when applied.
    let applied = CompiledMapping::compile(&mapping, "m")?;
    let data = applied
        .apply(json!({"X-a": [1], "Prio": "5 x", "Q": "q"}))?
        .data;
    assert_eq!(
        data,
        json!({"Dyn$1": [1], "Priority": "5 very high"}),
        "Q: value ignored"
    );
    // And the otai form reads back to the same mapping.
    let yaml_like = serde_json::to_value(&mapping)?;
    assert_eq!(serde_json::from_value::<SimpleMapping>(yaml_like)?, mapping);
    Ok(())
}

#[test]
fn empty_otobo_mappings_mean_none_and_none_exports_as_empty() -> R {
    for empty in [json!({}), json!(null), json!({"Type": "Simple"})] {
        assert_eq!(from_otobo(&empty, "m")?.0, None, "{empty}");
    }
    assert_eq!(to_otobo(None, "m")?, json!({}));
    let keep = json!({"Type": "Simple", "Config": {
        "KeyMapDefault": {"MapType": "Keep", "MapTo": ""},
        "ValueMapDefault": {"MapType": "Keep", "MapTo": ""},
    }});
    let (mapping, _) = from_otobo(&keep, "m")?;
    assert_eq!(mapping, Some(SimpleMapping::default()));
    assert_eq!(to_otobo(mapping.as_ref(), "m")?, keep);
    Ok(())
}

#[test]
fn otobo_form_errors_and_warnings_name_the_path() -> R {
    let cases = [
        (json!({"Type": "XSLT", "Config": {}}), "m.Type"),
        (
            json!({"Type": "Simple", "Config": {"KeyMapExact": {}}}),
            "m.Config.KeyMapDefault",
        ),
        (json!({"Type": "Simple", "Config": [1]}), "m.Config"),
        (
            json!({"Type": "Simple", "Config": {"KeyMapDefault": {"MapType": "Drop"}}}),
            "m.Config.KeyMapDefault.MapType",
        ),
        (
            json!({"Type": "Simple", "Config": {
                "KeyMapDefault": {"MapType": "Keep"}, "ValueMapDefault": {"MapType": "Keep"},
                "KeyMapExact": {"a": [1]}}}),
            "m.Config.KeyMapExact.a",
        ),
    ];
    for (value, want) in cases {
        match from_otobo(&value, "m") {
            Err(Error::Config { path, .. }) => assert_eq!(path, want, "{value}"),
            other => panic!("{value}: expected a config error, got {other:?}"),
        }
    }
    let mut extra = otobo_full();
    extra["Config"]["KeyMapFancy"] = json!({});
    let (_, warnings) = from_otobo(&extra, "m")?;
    assert_eq!(
        warnings,
        ["m.Config.KeyMapFancy: OTOBO ignores this key; it is not imported"]
    );
    Ok(())
}

#[test]
fn a_group_in_a_replacement_cannot_be_exported() -> R {
    let mapping: SimpleMapping =
        serde_json::from_value(json!({"values": {"A": {"regex": {"(.)": "$1"}}}}))?;
    match to_otobo(Some(&mapping), "m") {
        Err(Error::Config { path, .. }) => assert_eq!(path, "m.values.A.regex.(.)"),
        other => panic!("expected a config error, got {other:?}"),
    }
    Ok(())
}

#[test]
fn a_key_written_twice_keeps_the_later_value_with_a_notice() -> R {
    let m = compiled(json!({"key_exact": {"Prio": "priority"}}))?;
    let mapped = m.apply(json!({"Prio": "1", "priority": "high"}))?;
    assert_eq!(mapped.data, json!({"priority": "high"}));
    assert_eq!(mapped.notices, ["the data key 'priority' was overwritten"]);
    assert_eq!(m.map_key("Prio").as_deref(), Some("priority"));
    assert_eq!(m.map_key("").as_deref(), None);
    Ok(())
}
