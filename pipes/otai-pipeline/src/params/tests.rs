//! The params check: at load, as far as params are written in the file; at run, after rendering.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::*;
use crate::template::{Results, Templates, jinja, scope};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LoopParams {
    #[serde(default)]
    items: Option<Vec<Value>>,
    #[serde(default = "one")]
    concurrency: usize,
    #[serde(default)]
    fail_fast: bool,
    #[serde(default)]
    collect: bool,
    #[serde(default)]
    rules: Shared<Vec<Rule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Rule {
    label: String,
    #[serde(default)]
    keywords: Vec<String>,
}

fn one() -> usize {
    1
}

fn check(p: &LoopParams) -> Result<(), Vec<ParamError>> {
    let mut errors = Vec::new();
    if p.items.is_none() {
        errors.push(ParamError::new("items", "missing: the list to iterate"));
    }
    if !(1..=1024).contains(&p.concurrency) {
        errors.push(ParamError::new(
            "concurrency",
            format!("must be from 1 to 1024, got {}", p.concurrency),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn plan(params: Value) -> (Templates, Plan) {
    let mut templates = Templates::new(None, crate::Secrets::default());
    let mut errors = Vec::new();
    let param = templates.compile("p", &params, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    (templates, Plan::new(&param, &[]))
}

fn load(params: Value) -> (Vec<(String, String)>, bool) {
    let (_, plan) = plan(params);
    let checked = check_at_load::<LoopParams>(&plan, "loop", check);
    let errors = checked
        .errors
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect();
    (errors, checked.params.is_some())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
        .collect()
}

#[test]
fn every_problem_of_static_params_is_found_at_once() {
    let (errors, parsed) = load(json!({
        "items": [1], "concurrency": "eight", "fail_fast": "yes", "colect": true,
        "rules": [{"label": 1}, {"label": "a", "keywrods": ["x"]}]
    }));
    assert_eq!(
        errors,
        pairs(&[
            (
                "colect",
                "unknown param; did you mean `collect`? (`loop` accepts: items, concurrency, fail_fast, collect, rules)"
            ),
            (
                "concurrency",
                "invalid type: string \"eight\", expected a whole number (0 or more)"
            ),
            (
                "fail_fast",
                "invalid type: string \"yes\", expected a boolean"
            ),
            (
                "rules[0].label",
                "invalid type: integer `1`, expected a string"
            ),
            (
                "rules[1].keywrods",
                "unknown key; did you mean `keywords`? (accepts: label, keywords)"
            ),
        ])
    );
    assert!(!parsed);
}

#[test]
fn checks_of_the_pipe_run_on_static_params_and_skip_replaced_ones() {
    let (errors, _) = load(json!({"items": [], "concurrency": 0}));
    assert_eq!(
        errors,
        pairs(&[("concurrency", "must be from 1 to 1024, got 0")])
    );
    let (errors, _) = load(json!({"items": [], "concurrency": -3}));
    assert_eq!(
        errors,
        pairs(&[(
            "concurrency",
            "invalid value: integer `-3`, expected a whole number (0 or more)"
        )]),
        "no second error about the placeholder that replaced the bad value"
    );
}

#[test]
fn templated_params_count_as_given_and_are_checked_after_rendering() {
    let (errors, parsed) = load(json!({"items": "{{ pipes.fetch.tickets }}", "concurrency": 0}));
    assert_eq!(
        errors,
        pairs(&[("concurrency", "must be from 1 to 1024, got 0")]),
        "`items` is a template: present, unchecked"
    );
    assert!(!parsed, "not all static: parsed at run");
    let (errors, _) =
        load(json!({"items": [], "concurrency": "{{ context.n }}", "colect": "{{ x }}"}));
    assert_eq!(
        errors,
        pairs(&[(
            "colect",
            "unknown param; did you mean `collect`? (`loop` accepts: items, concurrency, fail_fast, collect, rules)"
        )]),
        "keys are never templates: unknown ones are errors"
    );
}

#[test]
fn missing_params_are_named_and_params_must_be_a_map() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Two {
        value: Value,
        mapping: BTreeMap<String, Value>,
    }
    let (_, p) = plan(json!({}));
    let errors: Vec<String> = check_at_load::<Two>(&p, "map", |_| Ok(()))
        .errors
        .into_iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    assert_eq!(
        errors,
        [
            "value: missing required param",
            "mapping: missing required param"
        ]
    );
    let (_, p) = plan(json!([1]));
    let errors: Vec<String> = check_at_load::<Two>(&p, "map", |_| Ok(()))
        .errors
        .into_iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    assert_eq!(
        errors,
        [
            ": params must be a map",
            "value: missing required param",
            "mapping: missing required param"
        ]
    );
}

#[test]
fn static_valid_params_are_parsed_once_at_load() {
    let (errors, parsed) =
        load(json!({"items": [1, 2], "concurrency": 4, "rules": [{"label": "a"}]}));
    assert!(errors.is_empty(), "{errors:?}");
    assert!(parsed);
    let (errors, parsed) = load(Value::Null);
    assert_eq!(errors, pairs(&[("items", "missing: the list to iterate")]));
    assert!(!parsed);
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts {
    name: String,
    maybe: Option<String>,
    kind: Kind,
    any: Value,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Fast,
    Slow,
}

#[test]
fn rendered_texts_are_handed_to_every_kind_of_field() -> Result<(), String> {
    let (templates, plan) = plan(json!({
        "name": "a {{ context.x }}", "maybe": "{{ context.x }}", "kind": "{{ context.k }}",
        "any": "{{ context.x }}!"
    }));
    let render = |context: Value| -> Result<Result<Texts, Vec<ParamError>>, String> {
        let scope = scope(&jinja(&context), &Results::default(), None);
        let filled = plan
            .fill(&templates, &scope, &[])
            .map_err(|e| e.to_string())?;
        Ok(parse::<Texts>(&filled, "texts"))
    };
    let good = render(json!({"x": "hi", "k": "slow"}))?.map_err(|e| format!("{e:?}"))?;
    assert_eq!(good.name, "a hi");
    assert_eq!(good.maybe.as_deref(), Some("hi"));
    assert_eq!(good.kind, Kind::Slow);
    assert_eq!(good.any, json!("hi!"));
    let bad = render(json!({"x": "hi", "k": "quick"}))?.err();
    assert_eq!(
        bad,
        Some(vec![ParamError::new(
            "kind",
            "unknown variant `quick`, expected `fast` or `slow`"
        )])
    );
    Ok(())
}

#[test]
fn rendered_params_are_parsed_by_the_same_struct() -> Result<(), String> {
    let (templates, plan) = plan(json!({
        "items": "{{ context.items }}", "concurrency": "{{ context.n }}", "rules": [{"label": "a"}]
    }));
    let render = |context: Value| -> Result<Result<LoopParams, Vec<ParamError>>, String> {
        let scope = scope(&jinja(&context), &Results::default(), None);
        let filled = plan
            .fill(&templates, &scope, &[])
            .map_err(|e| e.to_string())?;
        Ok(parse::<LoopParams>(&filled, "loop"))
    };
    let good = render(json!({"items": [1], "n": 3}))?.map_err(|e| format!("{e:?}"))?;
    assert_eq!((good.concurrency, good.rules.len()), (3, 1));
    let bad = render(json!({"items": [1], "n": "many"}))?.err();
    assert_eq!(
        bad,
        Some(vec![ParamError::new(
            "concurrency",
            "invalid type: string \"many\", expected a whole number (0 or more)"
        )])
    );
    let skipped = plan
        .fill(
            &templates,
            &scope(&jinja(&json!({"n": 1})), &Results::default(), None),
            &["items"],
        )
        .map_err(|e| e.to_string())?;
    let p: LoopParams = parse(&skipped, "loop").map_err(|e| format!("{e:?}"))?;
    assert_eq!(p.items, None, "skipped keys are left for the caller");
    Ok(())
}

#[test]
fn unknown_keys_in_rendered_maps_are_errors_at_run() -> Result<(), String> {
    let (templates, plan) = plan(json!({"items": [], "rules": "{{ context.rules }}"}));
    let scope = scope(
        &jinja(&json!({"rules": [{"label": "a", "lable": "b"}]})),
        &Results::default(),
        None,
    );
    let filled = plan
        .fill(&templates, &scope, &[])
        .map_err(|e| e.to_string())?;
    let errors = parse::<LoopParams>(&filled, "loop").err();
    assert_eq!(
        errors,
        Some(vec![ParamError::key(
            "rules[0].lable",
            "unknown key; did you mean `label`? (accepts: label, keywords)"
        )])
    );
    Ok(())
}

/// A number that must be even: checked by its own type, after it is read.
#[derive(Debug)]
struct Even(u32);

impl<'de> Deserialize<'de> for Even {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        if n % 2 == 1 {
            return Err(serde::de::Error::custom(format!("{n} is odd")));
        }
        Ok(Even(n))
    }
}

/// A list that must not be empty nor hold a zero: checked after its items are read.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Vec<Even>")]
struct Evens;

impl TryFrom<Vec<Even>> for Evens {
    type Error = &'static str;

    fn try_from(items: Vec<Even>) -> Result<Self, &'static str> {
        match items.as_slice() {
            [] => Err("empty"),
            some if some.iter().any(|e| e.0 == 0) => Err("zero is not allowed"),
            _ => Ok(Evens),
        }
    }
}

#[test]
fn errors_of_a_values_own_type_name_the_value_and_cause_no_second_error() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        evens: Evens,
    }
    let (_, p) = plan(json!({"evens": [2, 3, 5]}));
    let errors = check_at_load::<Params>(&p, "evens", |_| Ok(())).errors;
    assert_eq!(
        errors,
        [
            ParamError::new("evens[1]", "3 is odd"),
            ParamError::new("evens[2]", "5 is odd")
        ]
    );
    let (_, p) = plan(json!({"evens": []}));
    let errors = check_at_load::<Params>(&p, "evens", |_| Ok(())).errors;
    assert_eq!(errors, [ParamError::new("evens", "empty")]);
    let (_, p) = plan(json!({"evens": [0]}));
    let errors = check_at_load::<Params>(&p, "evens", |_| Ok(())).errors;
    assert_eq!(errors, [ParamError::new("evens", "zero is not allowed")]);
    let (_, p) = plan(json!({"evens": [3]}));
    let errors = check_at_load::<Params>(&p, "evens", |_| Ok(())).errors;
    assert_eq!(
        errors,
        [ParamError::new("evens[0]", "3 is odd")],
        "not also `zero is not allowed`: the zero is the placeholder for the 3"
    );
}

#[test]
fn a_check_error_about_a_key_stands_even_when_its_value_is_a_template() {
    let (_, p) = plan(json!({"items": [], "concurrency": "{{ context.n }}"}));
    let check = |_: &LoopParams| {
        Err(vec![
            ParamError::new("concurrency", "about the value: dropped"),
            ParamError::key("concurrency", "about the key: kept"),
        ])
    };
    let errors = check_at_load::<LoopParams>(&p, "loop", check).errors;
    assert_eq!(
        errors,
        [ParamError::key("concurrency", "about the key: kept")]
    );
    assert!(errors[0].is_about_key());
}
