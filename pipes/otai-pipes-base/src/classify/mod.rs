//! `classify`: labels ticket text with keyword rules or a trained model, behind a
//! [`Classifier`] interface; below `min_confidence` the result is the `default`.

mod hit;
mod model;
mod rules;

use async_trait::async_trait;
use otai_core::Result;
use otai_pipeline::{
    CheckContext, ParamError, Pipe, PipeContext, PipeSpec, Shared, TemplateValue, template_value,
};
use serde::Deserialize;
use serde_json::Value;

use hit::HitValue;
use model::{AlsoModels, LoadedLlm, LoadedModel, ModelOptions};
pub use rules::{Classification, Classifier, Rule, RuleClassifier};
use rules::{DefaultLabel, RESULT_KEYS, Rules};

/// The most alternatives a result lists.
const MAX_TOP_K: usize = 50;

/// The params of `classify`. Backends whose values are read by their own types are described
/// by the shape they are written in.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ClassifyParams {
    /// Text to classify; joined with `subject` and `body`, one per line.
    #[serde(default)]
    text: Option<String>,
    /// A ticket's subject.
    #[serde(default)]
    subject: Option<String>,
    /// A ticket's body.
    #[serde(default)]
    body: Option<String>,
    /// The `rules` backend: each `label`, `keywords`, `patterns` and extra values. Checked and
    /// compiled once when written in the file.
    #[serde(default)]
    #[schemars(with = "Option<Vec<rules::Rule>>")]
    rules: Option<Shared<Rules>>,
    /// The `model` backend: the path of a model file from `otai train`, read once when written
    /// in the file.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    model: Option<Shared<LoadedModel>>,
    /// The `llm` backend: an OpenAI-compatible chat-completions endpoint (`base_url`, `model`,
    /// `labels`, `instructions`, `timeout`, `retries`, `concurrency`, `cache_size`, `cache`); its
    /// client is built once when written in the file. The text params are the prompt; each call
    /// adds to the run's usage figures.
    #[serde(default)]
    #[schemars(with = "Option<otai_classify::LlmSettings>")]
    llm: Option<Shared<LoadedLlm>>,
    /// With `llm`: the API key, sent as a bearer token (write it as a secret).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    api_key: Option<secrecy::SecretString>,
    /// With `model`: further models by name (e.g. `priority: models/priority.model`); each adds
    /// `{label, confidence}` under its name.
    #[serde(default)]
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    also: Option<Shared<AlsoModels>>,
    /// With `model`: how many `alternatives` to list (default 3).
    #[serde(default)]
    top_k: Option<usize>,
    /// With `model`: list under `labels` every label at or above this probability.
    #[serde(default)]
    multi_label: Option<f64>,
    /// A result less sure than this becomes the `default` (keeping its confidence, and the
    /// label it would have had as `predicted`).
    #[serde(default)]
    min_confidence: Option<f64>,
    /// The result when nothing matches or the classifier is not sure enough: a label, or a map
    /// with `label` and extras (default `other`).
    #[serde(default)]
    #[schemars(schema_with = "default_label_schema")]
    default: Shared<DefaultLabel>,
}

/// `default:` as written: a label, or a map with `label` and extra values.
fn default_label_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            {"type": "string"},
            {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]}
        ]
    })
}

/// The `classify` pipe.
struct Classify;

#[async_trait]
impl Pipe for Classify {
    type Params = ClassifyParams;

    /// Exactly one backend; the options fit it and lie in range.
    fn check(
        &self,
        p: &ClassifyParams,
        _ctx: &CheckContext<'_>,
    ) -> std::result::Result<(), Vec<ParamError>> {
        let mut errors = Vec::new();
        let backends = [p.rules.is_some(), p.model.is_some(), p.llm.is_some()];
        match backends.iter().filter(|&&b| b).count() {
            0 => errors.push(ParamError::new(
                "rules",
                "give a backend: `rules` (keywords and patterns), `model` (a file from `otai train`) or `llm`",
            )),
            1 => {}
            _ => errors.push(ParamError::new(
                "model",
                "give one backend: `rules`, `model` or `llm`, not several",
            )),
        }
        if p.api_key.is_some() && p.llm.is_none() {
            errors.push(ParamError::new(
                "api_key",
                "only the `llm` backend takes it",
            ));
        }
        if p.model.is_none() {
            for (field, given) in [
                ("also", p.also.is_some()),
                ("top_k", p.top_k.is_some()),
                ("multi_label", p.multi_label.is_some()),
            ] {
                if given {
                    errors.push(ParamError::new(field, "only the `model` backend takes it"));
                }
            }
        }
        if let Some(k) = p.top_k {
            if !(1..=MAX_TOP_K).contains(&k) {
                errors.push(ParamError::new(
                    "top_k",
                    format!("must be from 1 to {MAX_TOP_K}, got {k}"),
                ));
            }
        }
        for (field, value) in [
            ("min_confidence", p.min_confidence),
            ("multi_label", p.multi_label),
        ] {
            if let Some(v) = value {
                if !(0.0..=1.0).contains(&v) {
                    errors.push(ParamError::new(
                        field,
                        format!("must be from 0 to 1, got {v}"),
                    ));
                }
            }
        }
        for name in p.also.iter().flat_map(|also| also.keys()) {
            if RESULT_KEYS.contains(&name.as_str())
                || ["alternatives", "labels", "predicted"].contains(&name.as_str())
            {
                errors.push(ParamError::new(
                    format!("also.{name}"),
                    "is part of the result; name this model otherwise",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The classification goes to templates as it is, without a JSON tree in between.
    async fn run(&self, ctx: &PipeContext, p: &ClassifyParams) -> Result<TemplateValue> {
        let text = joined([&p.text, &p.subject, &p.body]);
        let default = &p.default.0;
        let found = if let Some(llm) = &p.llm {
            let answer = llm.0.classify(&text, p.api_key.as_ref()).await?;
            model::add_usage(ctx, &answer);
            model::from_llm(answer)
        } else if let Some(model) = &p.model {
            model::classify(
                &model.0,
                &text,
                &ModelOptions {
                    top_k: p.top_k.unwrap_or(3),
                    multi_label: p.multi_label,
                    also: p.also.as_deref(),
                },
            )
        } else if let Some(rules) = &p.rules {
            // A sure hit, or the default, is read from where it lies: nothing copied.
            let hit = match rules.best(&text) {
                Some(best) => HitValue::Rule(rules.to_arc(), best),
                None => HitValue::Default(p.default.to_arc()),
            };
            if !unsure(hit.confidence(), hit.label(), default, p.min_confidence) {
                return Ok(TemplateValue::from_object(hit));
            }
            hit.to_classification()
        } else {
            default.clone()
        };
        Ok(template_value(&route(found, default, p.min_confidence)))
    }
}

/// The texts given, one per line, in one allocation.
fn joined(texts: [&Option<String>; 3]) -> String {
    let texts = texts.into_iter().flatten();
    let mut out = String::with_capacity(texts.clone().map(|t| t.len() + 1).sum());
    for (i, text) in texts.enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(text);
    }
    out
}

/// `found`, or the `default` when it is less sure than `min_confidence`.
fn route(
    found: Classification,
    default: &Classification,
    min_confidence: Option<f64>,
) -> Classification {
    if !unsure(found.confidence, &found.label, default, min_confidence) {
        return found;
    }
    let mut routed = default.clone();
    routed.confidence = found.confidence;
    routed
        .extra
        .insert("predicted".into(), Value::String(found.label));
    for (key, value) in found.extra {
        routed.extra.entry(key).or_insert(value);
    }
    routed
}

/// Whether a result with `label` is less sure than `min_confidence` (and so becomes the
/// default), unless it is the default already.
fn unsure(
    confidence: f64,
    label: &str,
    default: &Classification,
    min_confidence: Option<f64>,
) -> bool {
    min_confidence.is_some_and(|min| confidence < min && label != default.label)
}

pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    registry.register_pipe(
        &["classify", "base:ClassificationPipe"],
        PipeSpec::new_with_schema(
            "label text by keyword/regex rules, a trained model or an LLM; result: label, confidence, and what the backend adds",
            Classify,
        ),
    );
}

#[cfg(test)]
mod tests;
