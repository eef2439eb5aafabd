//! The OpenAPI 3.1 document of the configured integrations, generated from their rules.
//!
//! With a `mapping:`, a request schema describes what the remote system sends: each top-level
//! field under every name that maps to it (exact key maps inverted, and the name itself where it
//! is kept). Where the schema cannot know what is valid, it allows rather than rejects: a field
//! whose values are mapped takes any value (the rules check the mapped value; an object or list
//! field also takes a text or number where `value_default: ignore` drops it), a required field
//! with several names requires one of them, one that a `key_regex` or `key_default: map_to` may
//! also produce is not required, and with a `key_regex` or a `key_default` other than `keep`
//! other fields are allowed too.

use serde_json::{Map, Value, json};

use crate::config::{Kind, UnknownFields};
use crate::gateway::Gateway;
use crate::mapping::InboundMapping;
use crate::rules::{FieldRule, Rules};

/// The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
pub fn document(gateway: &Gateway) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for integration in gateway.integrations() {
        let id = integration.id();
        let name = format!("{}Payload", schema_name(id));
        let mut schema = payload_schema(integration.rules());
        if let Some(mapping) = integration.mapping() {
            schema = as_sent(schema, mapping);
        }
        schemas.insert(name.clone(), schema);
        paths.insert(
            format!("/api/v1/inbound/{id}"),
            json!({
                "post": {
                    "operationId": format!("create_{}", id.replace('-', "_")),
                    "summary": format!("Create a ticket through integration `{id}`"),
                    "security": [{"bearer": []}, {"basic": []}],
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}
                    },
                    "responses": {
                        "201": reply("The ticket was created.", "Created"),
                        "200": reply("A request with the same external id was received before: no second ticket.", "Ignored"),
                        "400": reply("The body is not a JSON object.", "Error"),
                        "401": reply("No or wrong credentials.", "Error"),
                        "403": reply("The account may not use this integration.", "Error"),
                        "404": reply("No such integration.", "Error"),
                        "413": reply("The body is over the size limit.", "Error"),
                        "415": reply("The body is not sent as application/json.", "Error"),
                        "422": reply("The payload breaks the rules: every violation is listed.", "Error"),
                        "429": reply("The account is over its rate limit; see Retry-After.", "Error"),
                        "503": reply("The helpdesk is unavailable: the request stays staged and is retried.", "Error"),
                    }
                }
            }),
        );
        paths.insert(
            format!("/api/v1/inbound/{id}/{{staging_id}}"),
            json!({
                "get": {
                    "operationId": format!("get_staged_{}", id.replace('-', "_")),
                    "summary": format!("A request staged by integration `{id}`"),
                    "security": [{"bearer": []}, {"basic": []}],
                    "parameters": [{"name": "staging_id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": reply("The staged request.", "Staged"),
                        "401": reply("No or wrong credentials.", "Error"),
                        "403": reply("The account may not use this integration.", "Error"),
                        "404": reply("No such staged request.", "Error"),
                    }
                }
            }),
        );
    }
    paths.insert("/healthz".into(), plain("Liveness: the server answers."));
    paths.insert(
        "/readyz".into(),
        plain("Readiness: every service's health check passes (503 otherwise)."),
    );
    paths.insert("/metrics".into(), plain("Prometheus metrics."));
    schemas.insert("Violation".into(), json!({
        "type": "object",
        "required": ["field", "code", "message"],
        "properties": {
            "field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}
        }
    }));
    schemas.insert(
        "Error".into(),
        json!({
            "type": "object",
            "required": ["status", "errors"],
            "properties": {
                "status": {"const": "error"},
                "staging_id": {"type": ["integer", "null"]},
                "retryable": {"type": "boolean"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}}
            }
        }),
    );
    schemas.insert(
        "Created".into(),
        json!({
            "type": "object",
            "required": ["status", "staging_id", "ticket_id"],
            "properties": {
                "status": {"const": "inserted"},
                "staging_id": {"type": "integer"},
                "ticket_id": {"type": "string"},
                "ticket_number": {"type": ["string", "null"]}
            }
        }),
    );
    schemas.insert(
        "Ignored".into(),
        json!({
            "type": "object",
            "required": ["status", "staging_id", "duplicate_of"],
            "properties": {
                "status": {"const": "ignored"},
                "staging_id": {"type": "integer"},
                "duplicate_of": {"type": "integer"},
                "first_status": {"type": "string"},
                "ticket_id": {"type": ["string", "null"]},
                "ticket_number": {"type": ["string", "null"]}
            }
        }),
    );
    schemas.insert("Staged".into(), json!({
        "type": "object",
        "required": ["staging_id", "integration", "account", "status", "attempts", "received_at", "updated_at"],
        "properties": {
            "staging_id": {"type": "integer"},
            "integration": {"type": "string"},
            "account": {"type": "string"},
            "external_id": {"type": ["string", "null"]},
            "status": {"enum": ["received", "processing", "inserted", "ignored", "error", "retrying", "interrupted"]},
            "payload": {},
            "ticket_id": {"type": ["string", "null"]},
            "ticket_number": {"type": ["string", "null"]},
            "duplicate_of": {"type": ["integer", "null"]},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}},
            "attempts": {"type": "integer"},
            "received_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "next_attempt_at": {"type": ["string", "null"], "format": "date-time"}
        }
    }));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "otai inbound ticket API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Create tickets in the configured helpdesk through validated integrations."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"}
            }
        }
    })
}

fn reply(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

fn plain(description: &str) -> Value {
    json!({"get": {"summary": description, "responses": {
        "200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}
    }}})
}

fn schema_name(id: &str) -> String {
    id.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The JSON Schema of a payload: one object schema, nested by the dotted paths.
fn payload_schema(rules: &Rules) -> Value {
    let closed = rules.unknown_fields() == UnknownFields::Reject;
    let mut root = object(closed);
    for field in rules.fields() {
        let mut at = &mut root;
        let segments: Vec<&str> = field.path.split('.').collect();
        let Some((last, parents)) = segments.split_last() else {
            continue;
        };
        for segment in parents {
            let properties = &mut at["properties"];
            if properties.get(*segment).is_none() {
                properties[*segment] = object(closed);
            }
            at = &mut properties[*segment];
        }
        let schema = field_schema(field);
        let existing = at["properties"].get(*last).cloned();
        let merged = match (existing, schema) {
            (Some(Value::Object(mut old)), Value::Object(new)) => {
                old.extend(new);
                Value::Object(old)
            }
            (_, schema) => schema,
        };
        at["properties"][*last] = merged;
        if field.rule.required {
            if let Some(required) = at["required"].as_array_mut() {
                required.push(json!(last));
            }
        }
    }
    root
}

fn object(closed: bool) -> Value {
    let mut schema = json!({"type": "object", "properties": {}, "required": []});
    if closed {
        schema["additionalProperties"] = json!(false);
    }
    schema
}

fn field_schema(field: &FieldRule) -> Value {
    let rule = &field.rule;
    let mut schema = Map::new();
    if let Some(kind) = rule.kind {
        schema.insert("type".into(), json!(kind.name()));
    }
    if let Some(values) = &rule.one_of {
        schema.insert("enum".into(), json!(values));
    }
    let lengths = match rule.kind {
        Some(Kind::Array) => ("minItems", "maxItems"),
        _ => ("minLength", "maxLength"),
    };
    if let Some(min) = rule.min_length {
        schema.insert(lengths.0.into(), json!(min));
    }
    if let Some(max) = rule.max_length {
        schema.insert(lengths.1.into(), json!(max));
    }
    if let Some(pattern) = &rule.pattern {
        schema.insert("pattern".into(), json!(pattern));
    }
    if let Some(min) = rule.minimum {
        schema.insert("minimum".into(), json!(min));
    }
    if let Some(max) = rule.maximum {
        schema.insert("maximum".into(), json!(max));
    }
    Value::Object(schema)
}

/// `schema` (of the mapped payload, as [`payload_schema`] gives it) turned into the schema of
/// what is sent before `mapping`; see [the module](self).
fn as_sent(schema: Value, mapping: &InboundMapping) -> Value {
    let Value::Object(mut schema) = schema else {
        return schema;
    };
    let required: Vec<Value> = match schema.remove("required") {
        Some(Value::Array(required)) => required,
        _ => Vec::new(),
    };
    let properties = match schema.remove("properties") {
        Some(Value::Object(properties)) => properties,
        _ => Map::new(),
    };
    let mut sent = Map::new();
    let mut sent_required = Vec::new();
    let mut one_of_names = Vec::new();
    for (field, field_schema) in properties {
        let sources = mapping.key_sources(&field);
        let nested = matches!(
            field_schema.get("type").and_then(Value::as_str),
            Some("object" | "array")
        );
        let described = if !mapping.maps_values_of(&field) {
            field_schema
        } else if !nested {
            json!({"description": format!("its values are mapped before the rules of `{field}` check them")})
        } else if mapping.drops_unmapped_values() {
            // A text or number here is dropped before the rules see it.
            json!({"anyOf": [field_schema, {"type": ["string", "number"]}]})
        } else {
            field_schema
        };
        for name in &sources.known {
            let mut named = described.clone();
            if *name != field
                && let Value::Object(map) = &mut named
            {
                let note = format!("mapped to `{field}`");
                let text = match map.get("description").and_then(Value::as_str) {
                    Some(earlier) => format!("{note}; {earlier}"),
                    None => note,
                };
                map.insert("description".into(), json!(text));
            }
            sent.insert(name.clone(), named);
        }
        if required.iter().any(|r| r.as_str() == Some(field.as_str())) && !sources.open {
            match sources.known.as_slice() {
                [] => {}
                [only] => sent_required.push(json!(only)),
                several => one_of_names.push(json!({
                    "anyOf": several.iter().map(|n| json!({"required": [n]})).collect::<Vec<_>>()
                })),
            }
        }
    }
    schema.insert("properties".into(), Value::Object(sent));
    schema.insert("required".into(), Value::Array(sent_required));
    if !one_of_names.is_empty() {
        schema.insert("allOf".into(), Value::Array(one_of_names));
    }
    if mapping.accepts_unnamed_keys() {
        schema.remove("additionalProperties");
    }
    Value::Object(schema)
}
