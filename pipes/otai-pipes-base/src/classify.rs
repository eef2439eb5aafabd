//! `classify`: rule-based classification of ticket text, behind a [`Classifier`] interface.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use otai_core::{Error, Result};
use otai_pipeline::{Pipe, PipeContext, PipeSpec, TemplateValue, params, template_value};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

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
    /// Each rule with its keywords in lower case and its compiled patterns.
    rules: Vec<(Rule, Vec<String>, Vec<regex::Regex>)>,
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
                                    format!(
                                        "invalid regex `{p}`: {}",
                                        otai_core::error::last_line(&e.to_string())
                                            .trim_start_matches("error: ")
                                    ),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let keywords = rule.keywords.iter().map(|k| k.to_lowercase()).collect();
                Ok((rule, keywords, patterns))
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
        for (rule, keywords, patterns) in &self.rules {
            let mut matched: Vec<String> = rule
                .keywords
                .iter()
                .zip(keywords)
                .filter(|(_, lower_keyword)| lower.contains(lower_keyword.as_str()))
                .map(|(keyword, _)| keyword.clone())
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
    rules: Value,
    #[serde(default = "default_label")]
    default: Value,
}

/// The rules of one `classify` pipe, kept compiled while they stay the same (they are usually
/// static, while the text changes with every item).
#[derive(Default)]
struct Classify {
    compiled: Mutex<Option<(Value, Value, Arc<RuleClassifier>)>>,
}

impl Classify {
    fn classification(&self, ctx: &PipeContext, raw: Value) -> Result<Classification> {
        let p: ClassifyParams = params(&ctx.pipe_id, raw)?;
        let text = [p.text, p.subject, p.body]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        let classifier = self.classifier(&ctx.pipe_id, p.rules, p.default)?;
        Ok(classifier.classify(&text))
    }

    fn classifier(&self, pipe: &str, rules: Value, default: Value) -> Result<Arc<RuleClassifier>> {
        if let Ok(cache) = self.compiled.lock() {
            if let Some((r, d, classifier)) = cache.as_ref() {
                if *r == rules && *d == default {
                    return Ok(Arc::clone(classifier));
                }
            }
        }
        let (label, extra) = match default.clone() {
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
        let parsed: Vec<Rule> =
            params(pipe, json!({ "rules": rules.clone() })).map(|r: RulesOnly| r.rules)?;
        let classifier = RuleClassifier::new(parsed, &label, extra).map_err(|e| match e {
            Error::InvalidInput { field, message } => {
                Error::config(format!("pipes.{pipe}.params.{field}"), message)
            }
            other => other,
        })?;
        let classifier = Arc::new(classifier);
        if let Ok(mut cache) = self.compiled.lock() {
            *cache = Some((rules, default, Arc::clone(&classifier)));
        }
        Ok(classifier)
    }
}

#[derive(Deserialize)]
struct RulesOnly {
    rules: Vec<Rule>,
}

fn default_label() -> Value {
    Value::String("other".into())
}

#[async_trait]
impl Pipe for Classify {
    async fn run(&self, ctx: &PipeContext, raw: Value) -> Result<Value> {
        serde_json::to_value(self.classification(ctx, raw)?)
            .map_err(|e| Error::invalid_input("classification", e.to_string()))
    }

    /// The classification goes to templates as it is, without a JSON tree in between.
    async fn run_value(&self, ctx: &PipeContext, raw: Value) -> Result<TemplateValue> {
        Ok(template_value(&self.classification(ctx, raw)?))
    }
}

pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    registry.register_pipe(
        &["classify", "base:ClassificationPipe"],
        PipeSpec::new(
            "label text by keyword/regex rules; result: label, confidence, matched, rule extras",
            || Arc::new(Classify::default()) as Arc<dyn Pipe>,
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

    #[tokio::test]
    async fn the_pipe_reuses_its_rules_and_names_bad_ones_in_the_config() -> Result<()> {
        let pipe = Classify::default();
        let ctx = PipeContext::new("c", None);
        let rules = json!([{"label": "hardware", "keywords": ["Printer"], "queue": "HW"}]);
        for (text, label) in [("printer on fire", "hardware"), ("coffee", "other")] {
            let out = pipe
                .run(&ctx, json!({"text": text, "rules": rules}))
                .await?;
            assert_eq!(out["label"], json!(label));
        }
        let out = pipe
            .run(
                &ctx,
                json!({"text": "printer", "rules": [{"label": "p", "keywords": ["printer"]}]}),
            )
            .await?;
        assert_eq!(out["label"], json!("p"), "changed rules are compiled anew");
        let errors = [
            (
                json!({"text": "x", "rules": [{"label": "x", "patterns": ["("]}]}),
                "config error at pipes.c.params.rules[0].patterns: invalid regex `(`",
            ),
            (
                json!({"text": "x", "rules": [{"keywords": ["a"]}]}),
                "config error at pipes.c.params.rules[0]: missing field `label`",
            ),
        ];
        for (params, expected) in errors {
            let err = pipe
                .run(&ctx, params)
                .await
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.starts_with(expected), "{err}");
        }
        Ok(())
    }
}
