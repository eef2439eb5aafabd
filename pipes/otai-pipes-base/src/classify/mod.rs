//! `classify`: rule-based classification of ticket text, behind a [`Classifier`] interface.

mod rules;

use async_trait::async_trait;
use otai_core::Result;
use otai_pipeline::{Pipe, PipeContext, PipeSpec, Shared, TemplateValue, template_value};
use serde::Deserialize;

pub use rules::{Classification, Classifier, Rule, RuleClassifier};
use rules::{DefaultLabel, Rules};

/// The params of `classify`.
#[derive(Deserialize)]
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
    /// The rules: each `label`, `keywords`, `patterns` and extra values. Checked and compiled
    /// once when written in the file.
    rules: Shared<Rules>,
    /// The result when no rule matches: a label, or a map with `label` and extras (default
    /// `other`).
    #[serde(default)]
    default: Shared<DefaultLabel>,
}

/// The `classify` pipe.
struct Classify;

#[async_trait]
impl Pipe for Classify {
    type Params = ClassifyParams;

    /// The classification goes to templates as it is, without a JSON tree in between.
    async fn run(&self, _ctx: &PipeContext, p: &ClassifyParams) -> Result<TemplateValue> {
        let text = [&p.text, &p.subject, &p.body]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        Ok(template_value(&p.rules.classify(&text, &p.default.0)))
    }
}

pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    registry.register_pipe(
        &["classify", "base:ClassificationPipe"],
        PipeSpec::new(
            "label text by keyword/regex rules; result: label, confidence, matched, rule extras",
            Classify,
        ),
    );
}

#[cfg(test)]
mod tests;
