//! Pipes that compute values: expression, map, log.

use std::collections::BTreeMap;

use async_trait::async_trait;
use otai_core::{Error, Result};
use otai_pipeline::{Pipe, PipeContext, PipeSpec, Shared, TemplateValue, template_value};
use serde::Deserialize;
use serde_json::Value;

/// `expression`: its result is the rendered `value` (a single `{{ expr }}` keeps its type).
struct Expression;

/// The params of `expression`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExpressionParams {
    /// The value, usually a template.
    value: Value,
}

#[async_trait]
impl Pipe for Expression {
    type Params = ExpressionParams;

    async fn run(&self, _ctx: &PipeContext, p: &ExpressionParams) -> Result<TemplateValue> {
        Ok(template_value(&p.value))
    }
}

/// `map`: looks `value` up in `mapping`; `default` when absent (an error without a default).
struct MapPipe;

/// The params of `map`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MapParams {
    /// The value to look up: text, or any other value by its JSON text.
    value: Value,
    /// Value → result; parsed once when written in the file.
    mapping: Shared<BTreeMap<String, Value>>,
    /// The result for a value not in `mapping`; without it, such a value fails the pipe.
    #[serde(default)]
    default: Option<Value>,
}

#[async_trait]
impl Pipe for MapPipe {
    type Params = MapParams;

    async fn run(&self, ctx: &PipeContext, p: &MapParams) -> Result<TemplateValue> {
        let key = match &p.value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        match p.mapping.get(&key).or(p.default.as_ref()) {
            Some(v) => Ok(template_value(v)),
            None => Err(Error::invalid_input(
                format!("pipes.{}.params.value", ctx.pipe_id),
                format!("`{key}` is not in the mapping and there is no `default`"),
            )),
        }
    }
}

/// `log`: writes `message` at `level`, with secret values redacted; result: the message.
struct Log;

/// The params of `log`.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct LogParams {
    /// The message: text, or any other value by its JSON text.
    message: Value,
    /// `debug`, `info` (default), `warn` (or `warning`) or `error`.
    #[serde(default)]
    level: Level,
}

/// A log level.
#[derive(Debug, Clone, Copy, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(extend("enum" = ["debug", "info", "warn", "warning", "error"]))]
enum Level {
    Debug,
    #[default]
    Info,
    #[serde(alias = "warning")]
    Warn,
    Error,
}

#[async_trait]
impl Pipe for Log {
    type Params = LogParams;

    async fn run(&self, ctx: &PipeContext, p: &LogParams) -> Result<TemplateValue> {
        let message = match &p.message {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let shown = ctx.redactor.redact(&message);
        match p.level {
            Level::Error => tracing::error!(pipe = %ctx.pipe_id, "{shown}"),
            Level::Warn => tracing::warn!(pipe = %ctx.pipe_id, "{shown}"),
            Level::Debug => tracing::debug!(pipe = %ctx.pipe_id, "{shown}"),
            Level::Info => tracing::info!(pipe = %ctx.pipe_id, "{shown}"),
        }
        Ok(TemplateValue::from(message))
    }
}

pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    registry.register_pipe(
        &["expression", "base:ExpressionPipe"],
        PipeSpec::new_with_schema("evaluate `value` (a template) to a value", Expression),
    );
    registry.register_pipe(
        &["map", "base:MapPipe"],
        PipeSpec::new_with_schema("map `value` through `mapping`, else `default`", MapPipe),
    );
    registry.register_pipe(
        &["log", "base:LogPipe"],
        PipeSpec::new_with_schema("log `message` at `level`", Log),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn map_looks_values_up_and_fails_without_a_default() -> std::result::Result<(), String> {
        let ctx = PipeContext::new("q", None);
        let mut p: MapParams = serde_json::from_value(
            json!({"value": "hardware", "mapping": {"hardware": "Hardware", "1": "One"}}),
        )
        .map_err(|e| e.to_string())?;
        let run = |p: &MapParams| {
            let ctx = ctx.clone();
            let p = MapParams {
                value: p.value.clone(),
                mapping: p.mapping.clone(),
                default: p.default.clone(),
            };
            async move {
                MapPipe
                    .run(&ctx, &p)
                    .await
                    .map(|v| v.to_string())
                    .map_err(|e| e.to_string())
            }
        };
        assert_eq!(run(&p).await, Ok("Hardware".to_owned()));
        p.value = json!(1);
        assert_eq!(
            run(&p).await,
            Ok("One".to_owned()),
            "numbers by their JSON text"
        );
        p.value = json!("coffee");
        assert_eq!(
            run(&p).await,
            Err("invalid input `pipes.q.params.value`: `coffee` is not in the mapping and there is no `default`".to_owned())
        );
        p.default = Some(json!("Service Desk"));
        assert_eq!(run(&p).await, Ok("Service Desk".to_owned()));
        Ok(())
    }

    #[test]
    fn log_levels_are_a_closed_list() {
        let level = |l: &str| {
            serde_json::from_value::<LogParams>(json!({"message": "m", "level": l}))
                .map(|p| format!("{:?}", p.level))
                .map_err(|e| e.to_string())
        };
        assert_eq!(level("warning"), Ok("Warn".to_owned()));
        assert_eq!(level("error"), Ok("Error".to_owned()));
        let err = level("loud").err().unwrap_or_default();
        assert!(
            err.starts_with("unknown variant `loud`, expected one of"),
            "{err}"
        );
    }
}
