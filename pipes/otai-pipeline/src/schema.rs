//! The JSON Schema of a whole configuration file (`otai schema`), so editors complete and check
//! otai.yml: the top-level keys, services and pipes, each `use:` choosing the schema of its
//! `params` from the registry, which has it from the same types the loader reads.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::config::{OnError, ROOT_KEYS, TriggerDef, WRAPPERS};
use crate::engine::foreach::{self, ForeachParams};
use crate::registry::Registry;
use crate::sections::SECTION_KEYS;
use otai_core::registry::SchemaFn;

/// Where a string is a template (`{{ … }}`, `{% … %}`) or holds a secret (`${{ … }}`): such a
/// string may stand for a value of any type, since it is rendered before params are typed.
pub const TEMPLATE_PATTERN: &str = r"\{\{|\{%";

/// The JSON Schema (draft 2020-12) of a configuration file read against `registry`.
/// `sections` gives the schema of top-level sections other parts of otai read (`mcp`); the
/// other sections are described but left open.
pub fn config_schema(registry: &Registry, sections: &BTreeMap<&str, SchemaFn>) -> Schema {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let mut properties = Map::new();
    properties.insert(
        "$schema".into(),
        json!({"type": "string", "description": "The JSON Schema editors check this file with (`otai schema`)."}),
    );
    properties.insert("services".into(), services_schema(registry, &mut generator));
    properties.insert(
        "pipes".into(),
        json!({"description": "The pipes of the pipeline `default`, run by `otai run`.", "$ref": "#/$defs/pipes"}),
    );
    properties.insert("pipelines".into(), pipelines_schema(&mut generator));
    properties.insert(
        "allow_env".into(),
        json!({
            "description": "Environment variables templates may read with `env()`, and secrets may come from when there is no secrets file; left out: every name.",
            "type": ["array", "null"],
            "items": {"type": "string"},
        }),
    );
    for key in SECTION_KEYS {
        let schema = match sections.get(key) {
            Some(schema) => widened(schema(&mut generator)),
            None => {
                json!({"description": format!("The `{key}` section, read by the part of otai that owns it (see the docs).")})
            }
        };
        properties.insert(key.into(), schema);
    }
    for key in WRAPPERS {
        properties.insert(
            key.into(),
            json!({"description": "The whole file may sit under this key.", "$ref": "#"}),
        );
    }
    debug_assert!(ROOT_KEYS.iter().all(|key| properties.contains_key(*key)));
    let pipes = pipes_schema(registry, &mut generator);
    let mut defs: Map<String, Value> = generator.take_definitions(true);
    for def in defs.values_mut() {
        widen_inside(def);
    }
    defs.insert("pipes".into(), pipes);
    json_schema!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "otai configuration (otai.yml)",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "$defs": defs,
    })
}

/// `services:`, a list of `{id, use, params, enabled}` or a map of them by id.
fn services_schema(registry: &Registry, generator: &mut SchemaGenerator) -> Value {
    let names: Vec<&str> = registry
        .services()
        .service_names()
        .map(|(n, _)| n)
        .collect();
    let mut choices = Vec::new();
    for name in &names {
        let params = registry
            .services()
            .params_schema(name, generator)
            .map(widened)
            .unwrap_or_else(|| json!({"type": "object"}));
        choices.push(json!({
            "if": {"properties": {"use": {"const": name}}, "required": ["use"]},
            "then": {"properties": {"params": {"anyOf": [params, {"type": "null"}]}}},
        }));
    }
    let service = |id_required: bool| {
        let mut required = vec!["use"];
        if id_required {
            required.push("id");
        }
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "The service's id, which pipes name in `service:`."},
                "use": {"enum": names, "description": "The adapter."},
                "params": {"type": ["object", "null"], "description": "The adapter's params (may hold `${{ secrets.NAME }}`)."},
                "enabled": {"type": "boolean", "description": "`false`: checked, but not built."},
            },
            "required": required,
            "additionalProperties": false,
            "allOf": choices,
        })
    };
    json!({
        "description": "The ticket systems pipes use: a list, or a map by id.",
        "anyOf": [
            {"type": "array", "items": service(false)},
            {"type": "object", "additionalProperties": service(false)},
            {"type": "null"},
        ],
    })
}

/// `pipelines:`, a list of pipelines or a map of them by id.
fn pipelines_schema(generator: &mut SchemaGenerator) -> Value {
    let pipeline = json!({
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "The pipeline's id."},
            "trigger": generator.subschema_for::<TriggerDef>(),
            "pipes": {"$ref": "#/$defs/pipes"},
            "enabled": {"type": "boolean", "description": "`false`: checked, but never run."},
        },
        "required": ["pipes"],
        "additionalProperties": false,
    });
    json!({
        "description": "Pipelines, each with a trigger and its pipes: a list, or a map by id.",
        "anyOf": [
            {"type": "array", "items": pipeline},
            {"type": "object", "additionalProperties": pipeline},
            {"type": "null"},
        ],
    })
}

/// A list of pipes, each `use:` choosing the schema of its params.
fn pipes_schema(registry: &Registry, generator: &mut SchemaGenerator) -> Value {
    let mut names = vec![foreach::NAME.to_owned()];
    let mut choices = vec![choice(
        foreach::NAME,
        widened(generator.subschema_for::<ForeachParams>()),
    )];
    for (name, spec) in registry.pipe_specs() {
        names.push(name.to_owned());
        let params = match spec.params_schema {
            Some(schema) => widened(schema(generator)),
            None => json!({"type": "object"}),
        };
        choices.push(choice(name, params));
    }
    json!({
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "The pipe's id: its result is `pipes.<id>` in later templates."},
                "use": {"enum": names, "description": "The pipe."},
                "service": {"type": "string", "description": "The service the pipe uses (default: the only one)."},
                "params": {"type": ["object", "null"], "description": "Params; strings are templates, rendered right before the pipe runs."},
                "if": {"type": "string", "description": "A condition template: the pipe is skipped when it renders false."},
                "on_error": generator.subschema_for::<OnError>(),
                "enabled": {"type": "boolean", "description": "`false`: checked, but skipped."},
                "pipes": {"$ref": "#/$defs/pipes", "description": "Nested pipes, for `foreach`."},
            },
            "required": ["id", "use"],
            "additionalProperties": false,
            "allOf": choices,
        },
    })
}

/// `params` chosen by `use: name`.
fn choice(name: &str, params: Value) -> Value {
    json!({
        "if": {"properties": {"use": {"const": name}}, "required": ["use"]},
        "then": {"properties": {"params": {"anyOf": [params, {"type": "null"}]}}},
    })
}

/// A params schema where every value may also be a template string.
fn widened(schema: Schema) -> Value {
    let mut value = schema.to_value();
    widen_inside(&mut value);
    value
}

/// Lets every value below `schema` (properties, items) also be a template string.
fn widen_inside(schema: &mut Value) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for key in ["properties", "patternProperties", "$defs"] {
        if let Some(Value::Object(children)) = map.get_mut(key) {
            for child in children.values_mut() {
                if key == "$defs" {
                    widen_inside(child);
                } else {
                    widen(child);
                }
            }
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            widen(child);
        }
    }
    for key in ["prefixItems", "anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            for child in children {
                if key == "prefixItems" {
                    widen(child);
                } else {
                    widen_inside(child);
                }
            }
        }
    }
    for key in ["if", "then", "else"] {
        if let Some(child) = map.get_mut(key) {
            widen_inside(child);
        }
    }
}

/// `schema`, or a template string in its place.
fn widen(schema: &mut Value) {
    widen_inside(schema);
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    let plain_string = map.get("type") == Some(&json!("string"))
        && ![
            "enum",
            "const",
            "pattern",
            "format",
            "maxLength",
            "minLength",
        ]
        .iter()
        .any(|key| map.contains_key(*key));
    if plain_string || map.is_empty() {
        return;
    }
    let mut outer = Map::new();
    for key in ["description", "default", "title"] {
        if let Some(value) = map.remove(key) {
            outer.insert(key.into(), value);
        }
    }
    let inner = std::mem::take(map);
    outer.insert(
        "anyOf".into(),
        json!([inner, {"type": "string", "pattern": TEMPLATE_PATTERN}]),
    );
    *map = outer;
}
