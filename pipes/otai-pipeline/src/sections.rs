//! Top-level sections of otai.yml that belong to other parts of otai (`server:`, `inbound:`,
//! `webservices:`, `mcp:`, `state:`): kept as read, with their lines, for the crate that owns
//! each to read into its own typed struct, with errors at the right line.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::at;
use crate::load::ConfigErrors;
use crate::secrets::Secrets;
use otai_core::Error;
use otai_yaml::{Lines, NodeId};

/// The top-level keys kept as sections, besides `services`, `pipes`, `pipelines`, `allow_env`.
pub const SECTION_KEYS: [&str; 5] = ["server", "inbound", "webservices", "mcp", "state"];

/// The sections of one configuration file.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    file: String,
    lines: Lines,
    values: BTreeMap<String, (NodeId, Value)>,
    allow_env: Option<Vec<String>>,
    secrets: Secrets,
}

impl Sections {
    pub(crate) fn new(
        file: &str,
        lines: Lines,
        values: BTreeMap<String, (NodeId, Value)>,
        allow_env: Option<Vec<String>>,
        secrets: Secrets,
    ) -> Self {
        Self {
            file: file.to_owned(),
            lines,
            values,
            allow_env,
            secrets,
        }
    }

    /// Whether the file has section `name`.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Section `name` as written (secret markers left as they are: use this for templates).
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.values.get(name).map(|(_, value)| value)
    }

    /// Reads section `name` as a `T`, with every `${{ secrets.NAME }}` replaced by the secret's
    /// value (which is then redacted everywhere); `None` when the file has no such section.
    /// Errors name the file, the line and the path (`inbound[0].accounts[1].token`).
    pub fn read<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ConfigErrors> {
        self.read_with(name, true)
    }

    /// Like [`Sections::read`], but with secret markers left as written (for templates).
    pub fn read_raw<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ConfigErrors> {
        self.read_with(name, false)
    }

    fn read_with<T: DeserializeOwned>(
        &self,
        name: &str,
        fill_secrets: bool,
    ) -> Result<Option<T>, ConfigErrors> {
        let Some((node, value)) = self.values.get(name) else {
            return Ok(None);
        };
        let filled;
        let value = if fill_secrets {
            let (value, problems) = self.secrets.fill(value, self.allow_env.as_deref());
            if !problems.is_empty() {
                let errors = problems
                    .into_iter()
                    .map(|(path, message)| {
                        let path = join(name, &path);
                        self.error_at(*node, &path[name.len()..], &path, message)
                    })
                    .collect();
                return Err(ConfigErrors(errors));
            }
            filled = value;
            &filled
        } else {
            value
        };
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(read) => Ok(Some(read)),
            Err(e) => {
                let inner = e.path().to_string();
                let at_node = self.lines.follow(*node, e.path());
                let path = if inner == "." {
                    name.to_owned()
                } else {
                    join(name, &inner)
                };
                let message = otai_core::error::plain_serde_message(&e.into_inner().to_string());
                let line = self.lines.line(at_node);
                let error = Error::config(at(&self.file, line, &path), message);
                Err(ConfigErrors(vec![self.secrets.redact_error(error)]))
            }
        }
    }

    /// A config error about `field` (`accounts[0].token`, or empty for the section itself) of
    /// section `name`, at the line of that field in the file.
    pub fn error(&self, name: &str, field: &str, message: impl Into<String>) -> Error {
        let node = self.values.get(name).map(|(n, _)| *n).unwrap_or_default();
        let path = if field.is_empty() {
            name.to_owned()
        } else if field.starts_with('[') {
            format!("{name}{field}")
        } else {
            format!("{name}.{field}")
        };
        self.error_at(node, field, &path, message)
    }

    fn error_at(&self, node: NodeId, field: &str, path: &str, message: impl Into<String>) -> Error {
        let field = field.trim_start_matches('.');
        let line = self.lines.line(self.lines.find(node, field));
        let message = self.secrets.redact(&message.into());
        Error::config(at(&self.file, line, path), message)
    }

    /// Compiles the templates in `value` (a part of section `name` at `field`, as given by
    /// [`Sections::raw`]) with the pipelines' template rules; errors at the field's line.
    pub fn templates(
        &self,
        name: &str,
        field: &str,
        value: &Value,
    ) -> Result<crate::template::TemplateSet, ConfigErrors> {
        let mut templates =
            crate::template::Templates::new(self.allow_env.clone(), self.secrets.clone());
        let mut errors = Vec::new();
        let prefix = join(name, field);
        let param = templates.compile(&prefix, value, &mut errors);
        if errors.is_empty() {
            return Ok(crate::template::TemplateSet::new(templates, param));
        }
        let errors = errors
            .into_iter()
            .map(|e| {
                let message = match e {
                    Error::Template { message, .. } | Error::Config { message, .. } => message,
                    other => other.to_string(),
                };
                self.error(name, field, message)
            })
            .collect();
        Err(ConfigErrors(errors))
    }

    /// The secrets of this configuration (to redact what a section's owner prints).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }
}

fn join(parent: &str, child: &str) -> String {
    if child.is_empty() {
        parent.to_owned()
    } else if child.starts_with('[') {
        format!("{parent}{child}")
    } else {
        format!("{parent}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::secrets::Secrets;
    use crate::{LoadOptions, Registry, load_str};
    use otai_core::registry::BuildContext;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Server {
        listen: String,
        #[serde(default)]
        token: Option<String>,
    }

    fn load(text: &str, secrets: &str) -> Result<crate::Engine, Box<dyn std::error::Error>> {
        let secrets = Secrets::from_text(secrets).map_err(|(_, e)| e)?;
        let mut options = LoadOptions::new(secrets);
        options.validate_only = true;
        let engine = load_str(
            "otai.yml",
            text,
            &BuildContext::default(),
            &Registry::new(),
            &options,
        )?;
        Ok(engine)
    }

    #[test]
    fn a_section_is_read_with_its_secrets_and_errors_name_the_line() -> TestResult {
        let text = "server:\n  listen: 127.0.0.1:1\n  token: '${{ secrets.TOKEN }}'\nmcp:\n  listen: 1\n  colour: red\n";
        let engine = load(text, "TOKEN: s3cret-value\n")?;
        let sections = engine.sections();
        assert!(sections.has("server") && sections.has("mcp") && !sections.has("inbound"));
        let server = sections.read::<Server>("server")?.ok_or("no server")?;
        assert_eq!(server.token.as_deref(), Some("s3cret-value"));
        let raw = sections.read_raw::<Server>("server")?.ok_or("no server")?;
        assert_eq!(raw.token.as_deref(), Some("${{ secrets.TOKEN }}"));
        let Err(error) = sections.read::<Server>("mcp") else {
            return Err("mcp is not a Server".into());
        };
        let shown = error.to_string();
        assert!(shown.contains("otai.yml:6: mcp.colour"), "{shown}");
        let shown = sections
            .error("server", "token", "is the wrong token s3cret-value")
            .to_string();
        assert!(shown.contains("otai.yml:3: server.token"), "{shown}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        Ok(())
    }

    #[test]
    fn a_missing_secret_in_a_section_is_an_error_at_its_line() -> TestResult {
        let text = "server:\n  listen: x\n  token: '${{ secrets.NOPE_NOT_SET_ANYWHERE }}'\n";
        let engine = load(text, "A: b\n")?;
        let Err(error) = engine.sections().read::<Server>("server") else {
            return Err("a missing secret was read".into());
        };
        let shown = error.to_string();
        assert!(shown.contains("otai.yml:3: server.token"), "{shown}");
        assert!(shown.contains("NOPE_NOT_SET_ANYWHERE"), "{shown}");
        Ok(())
    }

    #[test]
    fn section_templates_render_data_as_data_and_report_syntax_errors_at_their_line() -> TestResult
    {
        let text = "inbound:\n  - ticket:\n      subject: '[{{ payload.level }}] {{ payload.text }}'\n      queue: Raw\n  - ticket:\n      subject: '{{ payload.'\n";
        let engine = load(text, "A: b\n")?;
        let sections = engine.sections();
        let raw = sections.raw("inbound").ok_or("no inbound")?;
        let set = sections.templates("inbound", "[0].ticket", &raw[0]["ticket"])?;
        let payload = serde_json::json!({"level": "warning", "text": "{{ 7 * 7 }}"});
        let rendered = set.render(&[("payload", &payload)])?;
        assert_eq!(
            rendered,
            serde_json::json!({"subject": "[warning] {{ 7 * 7 }}", "queue": "Raw"})
        );
        let Err(errors) = sections.templates("inbound", "[1].ticket", &raw[1]["ticket"]) else {
            return Err("a broken template compiled".into());
        };
        let shown = errors.to_string();
        assert!(shown.contains("otai.yml:5: inbound[1].ticket"), "{shown}");
        Ok(())
    }

    #[test]
    fn an_unknown_top_level_key_still_gets_a_suggestion() {
        let shown = match load("servr:\n  listen: x\n", "A: b\n") {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        };
        assert!(
            shown.contains("servr") && shown.contains("`server`"),
            "{shown}"
        );
    }
}
