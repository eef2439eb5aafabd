//! The `model` backend: a model trained by `otai train`, loaded once when the pipe is read.

use std::collections::BTreeMap;

use otai_classify::Model;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rules::Classification;

/// A model file, read and checked when the param is read (once, when written in the file).
#[derive(Debug)]
pub(crate) struct LoadedModel(pub(crate) Model);

impl<'de> Deserialize<'de> for LoadedModel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let path = String::deserialize(d)?;
        Model::load(std::path::Path::new(&path))
            .map(LoadedModel)
            .map_err(|e| de::Error::custom(otai_core::error::report(&e)))
    }
}

/// The `llm` backend's client, built once when the param is read (contacts nobody).
#[derive(Debug)]
pub(crate) struct LoadedLlm(pub(crate) otai_classify::LlmClassifier);

impl<'de> Deserialize<'de> for LoadedLlm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let settings = otai_classify::LlmSettings::deserialize(d)?;
        otai_classify::LlmClassifier::new(settings)
            .map(LoadedLlm)
            .map_err(|e| de::Error::custom(otai_core::error::report(&e)))
    }
}

/// Adds what the LLM call cost to the run's usage figures: a cached answer counts as a call,
/// without tokens (it cost none this run).
pub(crate) fn add_usage(ctx: &otai_pipeline::PipeContext, answer: &otai_classify::LlmAnswer) {
    use otai_pipeline::usage::names;
    ctx.add_usage(names::LLM_CALLS, 1);
    ctx.add_usage(names::LLM_CACHED, u64::from(answer.cached));
    if !answer.cached {
        ctx.add_usage(names::LLM_PROMPT_TOKENS, answer.prompt_tokens);
        ctx.add_usage(names::LLM_COMPLETION_TOKENS, answer.completion_tokens);
        ctx.add_usage(names::LLM_LATENCY_MS, answer.latency_ms);
    }
}

/// The LLM's answer as a classification: label, confidence, and what the call cost.
pub(crate) fn from_llm(answer: otai_classify::LlmAnswer) -> Classification {
    let mut extra = Map::new();
    extra.insert(
        "usage".into(),
        serde_json::json!({
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
        }),
    );
    extra.insert("latency_ms".into(), Value::from(answer.latency_ms));
    extra.insert("cached".into(), Value::Bool(answer.cached));
    Classification {
        label: answer.label,
        confidence: answer.confidence,
        matched: Vec::new(),
        extra,
    }
}

/// Further models, each giving its label under its own name (e.g. `priority`).
pub(crate) type AlsoModels = BTreeMap<String, LoadedModel>;

/// One scored label, as results show it.
#[derive(Serialize)]
struct Scored<'a> {
    label: &'a str,
    confidence: f64,
}

/// How the model backend shapes its result.
pub(crate) struct ModelOptions<'a> {
    /// How many alternatives to list (the top label included).
    pub(crate) top_k: usize,
    /// When set, every label at or above this probability is listed under `labels`.
    pub(crate) multi_label: Option<f64>,
    /// Further models run on the same text.
    pub(crate) also: Option<&'a AlsoModels>,
}

/// Classifies `text` with `model`: the top label, its confidence, the `alternatives`, and what
/// the options add.
pub(crate) fn classify(model: &Model, text: &str, options: &ModelOptions<'_>) -> Classification {
    let probabilities = model.probabilities(text);
    let mut order: Vec<usize> = (0..probabilities.len()).collect();
    order.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
    let labels = model.labels();
    let scored = |i: usize| Scored {
        label: &labels[i],
        confidence: probabilities[i],
    };
    let mut extra = Map::new();
    let alternatives: Vec<Scored<'_>> = order
        .iter()
        .take(options.top_k)
        .map(|&i| scored(i))
        .collect();
    extra.insert("alternatives".into(), to_value(&alternatives));
    if let Some(threshold) = options.multi_label {
        let above: Vec<&str> = order
            .iter()
            .filter(|&&i| probabilities[i] >= threshold)
            .map(|&i| labels[i].as_str())
            .collect();
        extra.insert("labels".into(), to_value(&above));
    }
    for (name, other) in options.also.into_iter().flatten() {
        let top = other.0.predict(text, 1);
        if let Some(best) = top.first() {
            extra.insert(
                name.clone(),
                to_value(&Scored {
                    label: &best.label,
                    confidence: best.confidence,
                }),
            );
        }
    }
    let best = order.first().copied().unwrap_or(0);
    Classification {
        label: labels.get(best).cloned().unwrap_or_default(),
        confidence: probabilities.get(best).copied().unwrap_or(0.0),
        matched: Vec::new(),
        extra,
    }
}

fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
