//! `${{ secrets.NAME }}`: resolved from a secrets file or the environment, redacted everywhere.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use otai_core::{Error, Result};

/// Where secrets come from, and every value handed out (to redact them from output).
#[derive(Clone, Default)]
pub struct Secrets {
    file: Option<BTreeMap<String, String>>,
    used: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("from_file", &self.file.is_some())
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Secrets from the environment only.
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Secrets from a YAML (or JSON) map of names to values; names not in it are an error.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(&shown, format!("cannot read the secrets file: {e}")))?;
        let map: BTreeMap<String, Value> = serde_yaml::from_str(&text).map_err(|_| {
            Error::config(&shown, "the secrets file must be a map of names to values")
        })?;
        let file = map
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect();
        Ok(Self {
            file: Some(file),
            used: Arc::default(),
        })
    }

    /// The value of secret `name`.
    pub fn get(&self, name: &str) -> Result<String> {
        let value = match &self.file {
            Some(file) => file.get(name).cloned().ok_or_else(|| {
                Error::config(
                    format!("secrets.{name}"),
                    format!("secret `{name}` is not in the secrets file"),
                )
            })?,
            None => std::env::var(name).map_err(|_| {
                Error::config(
                    format!("secrets.{name}"),
                    format!("secret `{name}` is missing: set the environment variable {name} or give a secrets file (--secrets, OTAI_SECRETS_FILE)"),
                )
            })?,
        };
        if !value.is_empty() {
            if let Ok(mut used) = self.used.write() {
                if !used.contains(&value) {
                    used.push(value.clone());
                }
            }
        }
        Ok(value)
    }

    /// Replaces every `${{ secrets.NAME }}` in `text`.
    pub fn substitute(&self, text: &str) -> Result<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 3..];
            let end = after
                .find("}}")
                .ok_or_else(|| Error::config("secrets", "`${{` without a closing `}}`"))?;
            let name = after[..end].trim();
            let name = name.strip_prefix("secrets.").ok_or_else(|| {
                Error::config(
                    "secrets",
                    format!("`${{{{ {name} }}}}`: only `${{{{ secrets.NAME }}}}` is supported"),
                )
            })?;
            out.push_str(&self.get(name.trim())?);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Replaces secrets in every string of a JSON tree.
    pub fn substitute_value(&self, value: &Value) -> Result<Value> {
        Ok(match value {
            Value::String(s) if s.contains("${{") => Value::String(self.substitute(s)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.substitute_value(v))
                    .collect::<Result<_>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.substitute_value(v)?)))
                    .collect::<Result<_>>()?,
            ),
            other => other.clone(),
        })
    }

    /// `text` with every secret value handed out so far replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if let Ok(used) = self.used.read() {
            for secret in used.iter() {
                out = out.replace(secret.as_str(), "***");
            }
        }
        out
    }
}
