//! `classify`: rule-based classification of ticket text, behind a [`Classifier`] interface.

use std::sync::Arc;

use async_trait::async_trait;
use otai_core::pipeline::{Pipe, PipeContext, PipeSpec, params};
use otai_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The outcome of classifying a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Classification {
    /// The label.
    pub label: String,
    /// 0.0 to 1.0: how sure the classifier is.
    pub confidence: f64,
    /// What matched (keywords or patterns).
    pub matched: Vec<String>,
    /// Extra values the winning rule carries (e.g. `queue`, `priority`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Anything that labels text: keyword rules here; a model-backed classifier can implement it too.
pub trait Classifier: Send + Sync {
    /// Labels `text`.
    fn classify(&self, text: &str) -> Classification;
}

/// One rule: a label, its keywords (case-insensitive substrings) and regexes.
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    /// The label this rule gives.
    pub label: String,
    /// Words or phrases; each one found counts.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regular expressions; each match counts.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Values to return with the label (e.g. `queue: Hardware`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Keyword and regex rules: the rule with the most hits wins (the first on a tie).
#[derive(Debug)]
pub struct RuleClassifier {
    rules: Vec<(Rule, Vec<regex::Regex>)>,
    default: Classification,
}

impl RuleClassifier {
    /// Compiles the rules; a bad regex is an error naming the rule.
    pub fn new(
        rules: Vec<Rule>,
        default_label: &str,
        default_extra: Map<String, Value>,
    ) -> Result<Self> {
        let compiled = rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| {
                let patterns = rule
                    .patterns
                    .iter()
                    .map(|p| {
                        regex::RegexBuilder::new(p)
                            .case_insensitive(true)
                            .size_limit(1 << 20)
                            .build()
                            .map_err(|e| {
                                Error::invalid_input(
                                    format!("rules[{i}].patterns"),
                                    format!("invalid regex `{p}`: {e}"),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((rule, patterns))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            rules: compiled,
            default: Classification {
                label: default_label.to_owned(),
                confidence: 0.0,
                matched: Vec::new(),
                extra: default_extra,
            },
        })
    }
}

impl Classifier for RuleClassifier {
    fn classify(&self, text: &str) -> Classification {
        let lower = text.to_lowercase();
        let mut best: Option<(usize, &Rule, Vec<String>)> = None;
        for (rule, patterns) in &self.rules {
            let mut matched: Vec<String> = rule
                .keywords
                .iter()
                .filter(|k| lower.contains(&k.to_lowercase()))
                .cloned()
                .collect();
            matched.extend(
                patterns
                    .iter()
                    .filter(|p| p.is_match(text))
                    .map(|p| p.as_str().to_owned()),
            );
            if !matched.is_empty()
                && best
                    .as_ref()
                    .is_none_or(|(hits, _, _)| matched.len() > *hits)
            {
                best = Some((matched.len(), rule, matched));
            }
        }
        match best {
            None => self.default.clone(),
            Some((hits, rule, matched)) => Classification {
                label: rule.label.clone(),
                confidence: 1.0 - 0.5f64.powi(hits as i32),
                matched,
                extra: rule.extra.clone(),
            },
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyParams {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    body: Option<String>,
    rules: Vec<Rule>,
    #[serde(default = "default_label")]
    default: Value,
}

fn default_label() -> Value {
    Value::String("other".into())
}

struct Classify;

#[async_trait]
impl Pipe for Classify {
    async fn run(&self, ctx: &PipeContext, raw: Value) -> Result<Value> {
        let p: ClassifyParams = params(&ctx.pipe_id, raw)?;
        let text = [p.text, p.subject, p.body]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        let (label, extra) = match p.default {
            Value::String(label) => (label, Map::new()),
            Value::Object(mut map) => {
                let label = map
                    .remove("label")
                    .and_then(|l| l.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "other".into());
                (label, map)
            }
            _ => ("other".into(), Map::new()),
        };
        let classifier = RuleClassifier::new(p.rules, &label, extra).map_err(|e| match e {
            Error::InvalidInput { field, message } => {
                Error::config(format!("pipes.{}.params.{field}", ctx.pipe_id), message)
            }
            other => other,
        })?;
        serde_json::to_value(classifier.classify(&text))
            .map_err(|e| Error::invalid_input("classification", e.to_string()))
    }
}

pub(crate) fn register(registry: &mut otai_core::Registry) {
    registry.register_pipe(
        &["classify", "base:ClassificationPipe"],
        PipeSpec::new(
            "label text by keyword/regex rules; result: label, confidence, matched, rule extras",
            || Arc::new(Classify) as Arc<dyn Pipe>,
        )
        .required(&["rules"])
        .accepted(&["text", "subject", "body", "rules", "default"]),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules() -> Vec<Rule> {
        serde_json::from_value(json!([
            {"label": "hardware", "keywords": ["printer", "mouse"], "queue": "Hardware"},
            {"label": "access", "keywords": ["vpn"], "patterns": ["pass(word)?"], "queue": "IT Access"}
        ]))
        .unwrap_or_default()
    }

    #[test]
    fn the_rule_with_most_hits_wins_and_carries_its_extras() -> Result<()> {
        let c = RuleClassifier::new(rules(), "other", Map::new())?;
        let out = c.classify("VPN password rejected, and my mouse");
        assert_eq!(out.label, "access");
        assert_eq!(
            out.matched,
            vec!["vpn".to_owned(), "pass(word)?".to_owned()]
        );
        assert_eq!(out.extra.get("queue"), Some(&json!("IT Access")));
        assert!((out.confidence - 0.75).abs() < 1e-9);
        let none = c.classify("coffee");
        assert_eq!((none.label.as_str(), none.confidence), ("other", 0.0));
        Ok(())
    }

    #[test]
    fn bad_regexes_name_the_rule() {
        let bad: Vec<Rule> =
            serde_json::from_value(json!([{"label": "x", "patterns": ["("]}])).unwrap_or_default();
        let err = RuleClassifier::new(bad, "other", Map::new())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("invalid input `rules[0].patterns`: invalid regex `(`"),
            "{err}"
        );
    }
}
