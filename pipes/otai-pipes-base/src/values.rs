//! Pipes that compute values: expression, map, log.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use otai_core::{Error, Result};
use otai_pipeline::{Pipe, PipeContext, PipeSpec, params};
use serde::Deserialize;
use serde_json::Value;

/// `expression`: its result is the rendered `value` (a single `{{ expr }}` keeps its type).
struct Expression;

#[async_trait]
impl Pipe for Expression {
    async fn run(&self, _ctx: &PipeContext, params: Value) -> Result<Value> {
        Ok(params.get("value").cloned().unwrap_or(Value::Null))
    }
}

/// `map`: looks `value` up in `mapping`; `default` when absent (an error without a default).
struct MapPipe;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapParams {
    value: Value,
    mapping: BTreeMap<String, Value>,
    #[serde(default)]
    default: Option<Value>,
}

#[async_trait]
impl Pipe for MapPipe {
    async fn run(&self, ctx: &PipeContext, raw: Value) -> Result<Value> {
        let p: MapParams = params(&ctx.pipe_id, raw)?;
        let key = match &p.value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        match p.mapping.get(&key).or(p.default.as_ref()) {
            Some(v) => Ok(v.clone()),
            None => Err(Error::invalid_input(
                format!("pipes.{}.params.value", ctx.pipe_id),
                format!("`{key}` is not in the mapping and there is no `default`"),
            )),
        }
    }
}

/// `log`: writes `message` at `level` (info by default); result: the message.
struct Log;

#[async_trait]
impl Pipe for Log {
    async fn run(&self, ctx: &PipeContext, params: Value) -> Result<Value> {
        let message = match params.get("message") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        match params
            .get("level")
            .and_then(Value::as_str)
            .unwrap_or("info")
        {
            "error" => tracing::error!(pipe = %ctx.pipe_id, "{message}"),
            "warn" | "warning" => tracing::warn!(pipe = %ctx.pipe_id, "{message}"),
            "debug" => tracing::debug!(pipe = %ctx.pipe_id, "{message}"),
            _ => tracing::info!(pipe = %ctx.pipe_id, "{message}"),
        }
        Ok(Value::String(message))
    }
}

pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    registry.register_pipe(
        &["expression", "base:ExpressionPipe"],
        PipeSpec::new("evaluate `value` (a template) to a value", || {
            Arc::new(Expression) as Arc<dyn Pipe>
        })
        .required(&["value"])
        .accepted(&["value"]),
    );
    registry.register_pipe(
        &["map", "base:MapPipe"],
        PipeSpec::new("map `value` through `mapping`, else `default`", || {
            Arc::new(MapPipe) as Arc<dyn Pipe>
        })
        .required(&["value", "mapping"])
        .accepted(&["value", "mapping", "default"]),
    );
    registry.register_pipe(
        &["log", "base:LogPipe"],
        PipeSpec::new("log `message` at `level`", || {
            Arc::new(Log) as Arc<dyn Pipe>
        })
        .required(&["message"])
        .accepted(&["message", "level"]),
    );
}
