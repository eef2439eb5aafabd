//! Keyword and regex rules, compiled and checked once.

use otai_core::registry::{closest_names, quote_list};
use otai_core::{Error, Result};
use serde::de::{self, Deserializer, MapAccess, Visitor};
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
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct Rule {
    /// The label this rule gives.
    pub label: String,
    /// Words or phrases; each one found counts.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regular expressions (case-insensitive); each match counts.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Values to return with the label (e.g. `queue: Hardware`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The keys a rule takes besides its extra values.
const RULE_KEYS: [&str; 3] = ["label", "keywords", "patterns"];
/// Keys of the result that an extra value would clash with.
pub(crate) const RESULT_KEYS: [&str; 3] = ["label", "confidence", "matched"];

/// The longest compiled regex, in bytes.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A regex, compiled when read.
#[derive(Debug, Clone)]
pub(crate) struct Pattern(regex::Regex);

impl Pattern {
    fn new(source: &str) -> std::result::Result<Self, String> {
        regex::RegexBuilder::new(source)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map(Pattern)
            .map_err(|e| {
                let message = e.to_string();
                let reason = otai_core::error::last_line(&message).trim_start_matches("error: ");
                format!("invalid regex `{source}`: {reason}")
            })
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let source = String::deserialize(d)?;
        Pattern::new(&source).map_err(de::Error::custom)
    }
}

/// A rule as written in a pipe's params: its patterns compile as they are read.
#[derive(Deserialize)]
struct RawRule {
    label: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    patterns: Vec<Pattern>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// A rule ready to match: keywords also in lower case, patterns compiled.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawRule")]
pub(crate) struct CompiledRule {
    label: String,
    keywords: Vec<String>,
    lower_keywords: Vec<String>,
    patterns: Vec<Pattern>,
    extra: Map<String, Value>,
}

impl TryFrom<RawRule> for CompiledRule {
    type Error = String;

    /// What serde cannot check: a label, something to match, extras that fit the result.
    fn try_from(raw: RawRule) -> std::result::Result<Self, String> {
        if raw.label.trim().is_empty() {
            return Err("a rule needs a non-empty `label`".into());
        }
        for key in raw.extra.keys() {
            if RESULT_KEYS.contains(&key.as_str()) {
                return Err(format!(
                    "`{key}` is part of the result; name this extra value otherwise"
                ));
            }
            let close = closest_names(key, RULE_KEYS.into_iter());
            if !close.is_empty() {
                return Err(format!(
                    "unknown key `{key}`; did you mean {}? (other keys are extra values returned with the label)",
                    quote_list(&close)
                ));
            }
        }
        if raw.keywords.is_empty() && raw.patterns.is_empty() {
            return Err(format!(
                "rule `{}` matches nothing: give it `keywords` or `patterns`",
                raw.label
            ));
        }
        let lower_keywords = raw.keywords.iter().map(|k| k.to_lowercase()).collect();
        Ok(Self {
            label: raw.label,
            keywords: raw.keywords,
            lower_keywords,
            patterns: raw.patterns,
            extra: raw.extra,
        })
    }
}

/// A rule table: at least one rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Vec<CompiledRule>")]
pub(crate) struct Rules(Vec<CompiledRule>);

impl TryFrom<Vec<CompiledRule>> for Rules {
    type Error = &'static str;

    fn try_from(rules: Vec<CompiledRule>) -> std::result::Result<Self, &'static str> {
        if rules.is_empty() {
            return Err("no rules: give at least one");
        }
        Ok(Rules(rules))
    }
}

/// The rule that matched best: its index, how sure, and what matched (indices into its
/// keywords, then its patterns).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Best {
    pub(crate) rule: usize,
    pub(crate) confidence: f64,
    pub(crate) matched: Vec<usize>,
}

impl Rules {
    /// The rule with the most hits (the first on a tie), else `default`.
    pub(crate) fn classify(&self, text: &str, default: &Classification) -> Classification {
        self.best(text)
            .map_or_else(|| default.clone(), |best| self.classification(&best))
    }

    /// The rule with the most hits (the first on a tie), if any rule matches.
    pub(crate) fn best(&self, text: &str) -> Option<Best> {
        let lower = text.to_lowercase();
        let mut best: Option<(usize, Vec<usize>)> = None;
        for (index, rule) in self.0.iter().enumerate() {
            let keywords = rule.lower_keywords.len();
            let mut matched: Vec<usize> = rule
                .lower_keywords
                .iter()
                .enumerate()
                .filter(|(_, keyword)| lower.contains(keyword.as_str()))
                .map(|(k, _)| k)
                .collect();
            matched.extend(
                rule.patterns
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.0.is_match(text))
                    .map(|(p, _)| keywords + p),
            );
            let better = best
                .as_ref()
                .is_none_or(|(_, hits)| matched.len() > hits.len());
            if !matched.is_empty() && better {
                best = Some((index, matched));
            }
        }
        best.map(|(rule, matched)| Best {
            rule,
            confidence: 1.0 - 0.5f64.powi(i32::try_from(matched.len()).unwrap_or(i32::MAX)),
            matched,
        })
    }

    /// The classification `best` stands for.
    pub(crate) fn classification(&self, best: &Best) -> Classification {
        let rule = self.rule(best.rule);
        Classification {
            label: rule.label.clone(),
            confidence: best.confidence,
            matched: self.matched(best).map(str::to_owned).collect(),
            extra: rule.extra.clone(),
        }
    }

    /// What matched for `best`, as written (keywords, then pattern sources).
    pub(crate) fn matched<'a>(&'a self, best: &'a Best) -> impl Iterator<Item = &'a str> {
        let rule = self.rule(best.rule);
        best.matched.iter().map(|m| rule.matched_text(*m))
    }

    /// Rule `index` (an index [`Rules::best`] gave for this table).
    pub(crate) fn rule(&self, index: usize) -> &CompiledRule {
        &self.0[index]
    }
}

impl CompiledRule {
    /// The label it gives.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// The extra values it gives.
    pub(crate) fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Keyword `index` as written, or, past the keywords, the pattern's source.
    fn matched_text(&self, index: usize) -> &str {
        match self.keywords.get(index) {
            Some(keyword) => keyword,
            None => self
                .patterns
                .get(index - self.keywords.len())
                .map_or("", |p| p.0.as_str()),
        }
    }
}

/// What `classify` gives when no rule matches: a label, or a map with `label` and extras.
#[derive(Debug, Clone)]
pub(crate) struct DefaultLabel(pub(crate) Classification);

impl DefaultLabel {
    fn new(label: String, extra: Map<String, Value>) -> Self {
        Self(Classification {
            label,
            confidence: 0.0,
            matched: Vec::new(),
            extra,
        })
    }
}

impl Default for DefaultLabel {
    fn default() -> Self {
        Self::new("other".into(), Map::new())
    }
}

impl<'de> Deserialize<'de> for DefaultLabel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct LabelVisitor;

        impl<'de> Visitor<'de> for LabelVisitor {
            type Value = DefaultLabel;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a label, or a map with `label` and extra values")
            }

            fn visit_str<E: de::Error>(self, label: &str) -> std::result::Result<DefaultLabel, E> {
                Ok(DefaultLabel::new(label.to_owned(), Map::new()))
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<DefaultLabel, A::Error> {
                let mut label = None;
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "label" {
                        label = Some(map.next_value::<String>()?);
                    } else if RESULT_KEYS.contains(&key.as_str()) {
                        return Err(de::Error::custom(format!(
                            "`{key}` is part of the result; name this extra value otherwise"
                        )));
                    } else {
                        extra.insert(key, map.next_value()?);
                    }
                }
                Ok(DefaultLabel::new(
                    label.unwrap_or_else(|| "other".into()),
                    extra,
                ))
            }
        }

        d.deserialize_any(LabelVisitor)
    }
}

/// Keyword and regex rules: the rule with the most hits wins (the first on a tie).
#[derive(Debug)]
pub struct RuleClassifier {
    rules: Rules,
    default: Classification,
}

impl RuleClassifier {
    /// Compiles and checks the rules; a bad one is an error naming it (`rules[0].patterns`).
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
                    .map(|p| Pattern::new(p))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|m| Error::invalid_input(format!("rules[{i}].patterns"), m))?;
                let raw = RawRule {
                    label: rule.label,
                    keywords: rule.keywords,
                    patterns,
                    extra: rule.extra,
                };
                CompiledRule::try_from(raw)
                    .map_err(|m| Error::invalid_input(format!("rules[{i}]"), m))
            })
            .collect::<Result<Vec<_>>>()?;
        let rules = Rules::try_from(compiled).map_err(|m| Error::invalid_input("rules", m))?;
        Ok(Self {
            rules,
            default: DefaultLabel::new(default_label.to_owned(), default_extra).0,
        })
    }
}

impl Classifier for RuleClassifier {
    fn classify(&self, text: &str) -> Classification {
        self.rules.classify(text, &self.default)
    }
}
