//! `${{ secrets.NAME }}`: where secrets come from, how markers are read, and the one redactor.
//!
//! A secret is a value, never template source: the loader checks each marker and the engine
//! reads the value when it renders, so a secret that looks like a template stays itself. Every
//! value handed out is hidden by the one [`Redactor`] (`***`) from anything shown to a person.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde_json::Value;

use otai_core::output::Redactor;
use otai_core::{Error, Result};

/// The largest secrets file read, in bytes.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Where secrets come from, and every value handed out (to redact it from output).
///
/// With a secrets file, secrets come from it alone. Without one, `${{ secrets.NAME }}` reads
/// the environment variable `NAME`, if the configuration's `allow_env` allows that name (no
/// `allow_env`: every name).
#[derive(Clone, Default)]
pub struct Secrets {
    shared: Arc<RwLock<Store>>,
    /// Hides every value handed out.
    redactor: Redactor,
}

#[derive(Default)]
struct Store {
    /// The secrets file's values, when there is one.
    file: Option<BTreeMap<String, String>>,
    /// Secrets handed out, by name.
    resolved: BTreeMap<String, String>,
    /// A secret that is not set stands for [`PLACEHOLDER`] instead of being an error.
    missing_ok: bool,
}

/// What a secret that is not set stands for under [`Secrets::missing_ok`]. Service params that
/// hold it are checked for everything but their value.
pub(crate) const PLACEHOLDER: &str = "otai-secret-not-set";

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = self.shared.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Secrets")
            .field("from_file", &store.file.is_some())
            .field("in_use", &store.resolved.len())
            .finish_non_exhaustive()
    }
}

/// A part of a text with markers: literal text or the name of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Text as written.
    Text(&'a str),
    /// `${{ secrets.NAME }}`: the name.
    Secret(&'a str),
}

/// Splits `text` at its `${{ secrets.NAME }}` markers. The error says what is wrong with a marker.
pub(crate) fn pieces(text: &str) -> std::result::Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 3..];
        let end = after
            .find("}}")
            .ok_or("`${{` without a closing `}}`: write `${{ secrets.NAME }}`")?;
        let inner = after[..end].trim();
        let name = inner
            .strip_prefix("secrets.")
            .map(str::trim)
            .filter(|name| is_name(name))
            .ok_or_else(|| format!("`${{{{ {inner} }}}}`: only `${{{{ secrets.NAME }}}}` is supported (NAME: letters, digits, `_`)"))?;
        out.push(Piece::Secret(name));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Secrets {
    /// Secrets from the environment only (names limited by the configuration's `allow_env`).
    pub fn from_env() -> Self {
        Self::default()
    }

    /// Secrets from a YAML (or JSON) map of names to values; names not in it are an error.
    /// Warns when the file may be read by group or others.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        use std::io::Read;
        let shown = path.display().to_string();
        let cannot =
            |e: std::io::Error| Error::config(&shown, format!("cannot read the secrets file: {e}"));
        let file = std::fs::File::open(path).map_err(cannot)?;
        if let Some(warning) = file.metadata().ok().and_then(|m| loose_permissions(&m)) {
            tracing::warn!(file = %shown, "{warning}");
        }
        let mut text = String::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(cannot)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(Error::config(
                &shown,
                format!("the secrets file is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        Self::from_text(&text)
            .map_err(|(line, message)| Error::config(format!("{shown}:{line}"), message))
    }

    /// Secrets from the text of a secrets file. Errors (line, message) never show a value.
    pub(crate) fn from_text(text: &str) -> std::result::Result<Self, (usize, String)> {
        let not_a_map = "the secrets file must be a map of names to values";
        // The parser's own words could quote a secret: only the line is given.
        let document = otai_yaml::read(text)
            .map_err(|e| (e.line, "the secrets file is not valid YAML".to_owned()))?;
        let Value::Object(map) = document.value else {
            return Err((1, not_a_map.to_owned()));
        };
        let mut file = BTreeMap::new();
        for (name, node) in document.lines.entries(otai_yaml::NodeId::default()) {
            let value = match map.get(name) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                _ => {
                    return Err((
                        document.lines.line(node),
                        format!("secret `{name}` must be a text, a number or true/false"),
                    ));
                }
            };
            file.insert(name.to_owned(), value);
        }
        Ok(Self::with_file(file))
    }

    fn with_file(file: BTreeMap<String, String>) -> Self {
        let store = Store {
            file: Some(file),
            ..Store::default()
        };
        Self {
            shared: Arc::new(RwLock::new(store)),
            redactor: Redactor::default(),
        }
    }

    /// These secrets, hiding every value they hand out with `redactor` (the one the rest of
    /// the program shows its output through). Values handed out before are hidden there too.
    pub fn redacting_with(mut self, redactor: Redactor) -> Self {
        let store = self.shared.read().unwrap_or_else(PoisonError::into_inner);
        for value in store.resolved.values() {
            redactor.hide(value);
        }
        drop(store);
        self.redactor = redactor;
        self
    }

    /// These secrets, with every secret that is not set standing for a placeholder instead of
    /// being an error: for checking a configuration where its secrets are not at hand (CI).
    pub fn missing_ok(self) -> Self {
        let mut store = self.shared.write().unwrap_or_else(PoisonError::into_inner);
        store.missing_ok = true;
        drop(store);
        self
    }

    /// The redactor hiding every value handed out.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Checks that secret `name` can be had, and from then on redacts its value. `allow_env`
    /// is the configuration's: which environment variables it may read (`None`: all).
    pub(crate) fn resolve(
        &self,
        name: &str,
        allow_env: Option<&[String]>,
    ) -> std::result::Result<(), String> {
        let mut store = self.shared.write().unwrap_or_else(PoisonError::into_inner);
        if store.resolved.contains_key(name) {
            return Ok(());
        }
        let value = match &store.file {
            _ if store.missing_ok && is_missing(&store, name, allow_env) => {
                store
                    .resolved
                    .insert(name.to_owned(), PLACEHOLDER.to_owned());
                return Ok(());
            }
            Some(file) => file
                .get(name)
                .cloned()
                .ok_or_else(|| format!("secret `{name}` is not in the secrets file"))?,
            None if allow_env.is_some_and(|allowed| !allowed.iter().any(|a| a == name)) => {
                return Err(format!(
                    "secret `{name}` may not come from the environment: add `{name}` to `allow_env`, or give a secrets file (--secrets, OTAI_SECRETS_FILE)"
                ));
            }
            None => std::env::var(name).map_err(|_| {
                format!("secret `{name}` is missing: set the environment variable {name} or give a secrets file (--secrets, OTAI_SECRETS_FILE)")
            })?,
        };
        self.redactor.hide(&value);
        store.resolved.insert(name.to_owned(), value);
        Ok(())
    }

    /// The value of a secret resolved before (`None` for any other name).
    pub(crate) fn value(&self, name: &str) -> Option<String> {
        let store = self.shared.read().unwrap_or_else(PoisonError::into_inner);
        store.resolved.get(name).cloned()
    }

    /// A copy of `params` with every string's markers replaced by the secrets' values, for
    /// services (whose params are not templates). Problems are (param path, message).
    pub(crate) fn fill(
        &self,
        params: &Value,
        allow_env: Option<&[String]>,
    ) -> (Value, Vec<(String, String)>) {
        let mut filled = params.clone();
        let mut problems = Vec::new();
        let mut stack = vec![(&mut filled, String::new())];
        while let Some((value, path)) = stack.pop() {
            match value {
                Value::String(text) if text.contains("${{") => match self.joined(text, allow_env) {
                    Ok(joined) => *text = joined,
                    Err(message) => problems.push((path, message)),
                },
                Value::Array(items) => stack.extend(
                    items
                        .iter_mut()
                        .enumerate()
                        .map(|(i, v)| (v, format!("{path}[{i}]"))),
                ),
                Value::Object(map) => stack.extend(map.iter_mut().map(|(k, v)| {
                    let path = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    (v, path)
                })),
                _ => {}
            }
        }
        problems.sort();
        (filled, problems)
    }

    /// `text` with its markers replaced by the secrets' values (each value taken as it is).
    fn joined(
        &self,
        text: &str,
        allow_env: Option<&[String]>,
    ) -> std::result::Result<String, String> {
        let mut out = String::with_capacity(text.len());
        for piece in pieces(text)? {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Secret(name) => {
                    self.resolve(name, allow_env)?;
                    out.push_str(&self.value(name).unwrap_or_default());
                }
            }
        }
        Ok(out)
    }

    /// `text` with every secret value handed out so far (and every credential shown with its
    /// name) replaced by `***`: [`Redactor::redact`].
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// [`Secrets::redact`] on every string (and map key) of a value tree.
    pub fn redact_value(&self, value: &mut Value) {
        self.redactor.redact_value(value);
    }

    /// An error with every secret value in its texts replaced by `***`.
    pub fn redact_error(&self, error: Error) -> Error {
        self.redactor.redact_error(error)
    }
}

/// Whether secret `name` is simply not set where it would be read from (a name `allow_env`
/// refuses is not "missing": that is a mistake in the configuration).
fn is_missing(store: &Store, name: &str, allow_env: Option<&[String]>) -> bool {
    match &store.file {
        Some(file) => !file.contains_key(name),
        None if allow_env.is_some_and(|allowed| !allowed.iter().any(|a| a == name)) => false,
        None => std::env::var_os(name).is_none(),
    }
}

/// A warning when a secrets file may be read by group or others.
#[cfg(unix)]
fn loose_permissions(metadata: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!("the secrets file may be read by group or others (mode {mode:o}): `chmod 600` it")
    })
}

#[cfg(not(unix))]
fn loose_permissions(_: &std::fs::Metadata) -> Option<String> {
    None
}

/// Secret values tests hide: a template, quotes, lines, non-ASCII, a raw block.
#[cfg(test)]
pub(crate) const TRICKY: [(&str, &str); 5] = [
    ("TEMPLATE", "{{ 7*6 }}"),
    ("QUOTES", "a\"b'c"),
    ("LINES", "line1\nline2"),
    ("UNICODE", "ümlaut ✓"),
    ("RAW", "{% raw %}"),
];

/// Secrets holding [`TRICKY`], as from a file.
#[cfg(test)]
pub(crate) fn tricky() -> Secrets {
    Secrets::with_file(
        TRICKY
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markers_split_text_and_bad_markers_say_why() {
        assert_eq!(
            pieces("Bearer ${{ secrets.T }}!${{secrets.U}}"),
            Ok(vec![
                Piece::Text("Bearer "),
                Piece::Secret("T"),
                Piece::Text("!"),
                Piece::Secret("U")
            ])
        );
        assert_eq!(pieces("plain"), Ok(vec![Piece::Text("plain")]));
        assert_eq!(
            pieces("${{ env.X }}"),
            Err("`${{ env.X }}`: only `${{ secrets.NAME }}` is supported (NAME: letters, digits, `_`)".to_owned())
        );
        assert!(pieces("${{ secrets.A-B }}").is_err());
        assert!(pieces("${{ secrets.A").is_err());
    }

    #[test]
    fn service_params_get_values_exactly_and_missing_names_are_named() {
        let secrets = tricky();
        let params = json!({
            "a": "${{ secrets.TEMPLATE }}", "b": ["${{ secrets.QUOTES }}"],
            "c": {"d": "x ${{ secrets.LINES }} y ${{ secrets.UNICODE }}${{ secrets.RAW }}"},
            "n": 5, "e": "${{ secrets.NOPE }}"
        });
        let (filled, problems) = secrets.fill(&params, None);
        assert_eq!(
            filled,
            json!({"a": "{{ 7*6 }}", "b": ["a\"b'c"],
                   "c": {"d": "x line1\nline2 y ümlaut ✓{% raw %}"},
                   "n": 5, "e": "${{ secrets.NOPE }}"})
        );
        assert_eq!(
            problems,
            [(
                "e".to_owned(),
                "secret `NOPE` is not in the secrets file".to_owned()
            )]
        );
    }

    #[test]
    fn redaction_hides_every_form_of_every_value_handed_out() -> std::result::Result<(), String> {
        let secrets = tricky();
        assert_eq!(
            secrets.redact("{{ 7*6 }}"),
            "{{ 7*6 }}",
            "not handed out yet"
        );
        for (name, _) in TRICKY {
            secrets.resolve(name, None)?;
        }
        for (_, value) in TRICKY {
            assert_eq!(secrets.redact(&format!("<{value}>")), "<***>");
            assert_eq!(secrets.redact(&format!("{value:?}")), "\"***\"");
            let json = serde_json::to_string(value).map_err(|e| e.to_string())?;
            assert_eq!(secrets.redact(&json), "\"***\"");
        }
        let mut tree = json!({"a": ["x{{ 7*6 }}y", {"ümlaut ✓": "line1\nline2"}], "b": 1});
        secrets.redact_value(&mut tree);
        assert_eq!(tree, json!({"a": ["x***y", {"***": "***"}], "b": 1}));
        let error = secrets.redact_error(Error::Pipeline {
            pipe: "p".into(),
            message: String::new(),
            source: Some(Box::new(Error::config("x", "bad a\"b'c"))),
        });
        assert_eq!(
            otai_core::error::report(&error),
            "pipe `p` failed: config error at x: bad ***"
        );
        let cause: otai_core::error::BoxError = "token ümlaut ✓ refused".into();
        let transport = secrets.redact_error(Error::Transport {
            request: "GET /x?k=ümlaut ✓".into(),
            message: "reset".into(),
            transient: true,
            source: Some(cause),
        });
        assert_eq!(otai_core::error::report(&transport), "GET /x?k=***: reset");
        let remote = secrets.redact_error(Error::Remote {
            request: "POST /t".into(),
            status: Some(400),
            code: Some("line1\nline2".into()),
            message: "bad {{ 7*6 }}".into(),
            retry_after: None,
        });
        assert_eq!(
            remote.to_string(),
            "POST /t: remote error (HTTP 400) ***: bad ***"
        );
        assert!(!format!("{secrets:?}").contains("7*6"));
        Ok(())
    }

    #[test]
    fn longer_secrets_are_redacted_before_their_prefixes() -> std::result::Result<(), String> {
        let secrets = Secrets::with_file(
            [("A", "abc"), ("B", "abcdef")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
        secrets.resolve("A", None)?;
        secrets.resolve("B", None)?;
        assert_eq!(secrets.redact("abcdef abc"), "*** ***");
        Ok(())
    }

    #[test]
    fn the_environment_is_read_only_for_names_allow_env_allows() {
        let secrets = Secrets::from_env();
        // PATH is set wherever tests run.
        assert_eq!(
            secrets.resolve("PATH", Some(&[])),
            Err("secret `PATH` may not come from the environment: add `PATH` to `allow_env`, or give a secrets file (--secrets, OTAI_SECRETS_FILE)".to_owned())
        );
        assert_eq!(secrets.value("PATH"), None);
        assert_eq!(secrets.resolve("PATH", Some(&["PATH".to_owned()])), Ok(()));
        assert!(secrets.value("PATH").is_some());
        assert!(
            secrets
                .resolve("OTAI_TEST_NEVER_SET_42", None)
                .is_err_and(|e| e.starts_with("secret `OTAI_TEST_NEVER_SET_42` is missing"))
        );
        // With a file, the environment is never read.
        assert_eq!(
            tricky().resolve("PATH", None),
            Err("secret `PATH` is not in the secrets file".to_owned())
        );
    }

    #[test]
    fn missing_ok_fills_unset_secrets_with_a_placeholder_but_keeps_allow_env() {
        let secrets = Secrets::from_env().missing_ok();
        assert_eq!(secrets.resolve("OTAI_TEST_NEVER_SET_42", None), Ok(()));
        assert_eq!(
            secrets.value("OTAI_TEST_NEVER_SET_42").as_deref(),
            Some(PLACEHOLDER)
        );
        // A name the configuration does not allow is its mistake, not a missing secret.
        assert!(
            secrets
                .resolve("OTAI_TEST_NEVER_SET_43", Some(&[]))
                .is_err_and(|e| e.contains("may not come from the environment"))
        );
        // A secret that is set is used as it is; one missing from a file is a placeholder.
        let from_file = tricky().missing_ok();
        assert_eq!(from_file.resolve("QUOTES", None), Ok(()));
        assert_ne!(from_file.value("QUOTES").as_deref(), Some(PLACEHOLDER));
        assert_eq!(from_file.resolve("NOT_IN_FILE", None), Ok(()));
        assert_eq!(from_file.value("NOT_IN_FILE").as_deref(), Some(PLACEHOLDER));
    }

    #[test]
    fn secrets_files_keep_values_exactly_and_never_quote_them_in_errors() {
        let text =
            "\u{FEFF}A: \"line1\\nline2\"\nB: 'a\"b''c'\nC: ümlaut ✓\nD: 42\nE: |\n  {{ 7*6 }}\n";
        let secrets = Secrets::from_text(text).map_err(|e| e.1);
        let values: Vec<Option<String>> = ["A", "B", "C", "D", "E"]
            .iter()
            .map(|name| {
                let s = secrets.as_ref().ok()?;
                s.resolve(name, None).ok()?;
                s.value(name)
            })
            .collect();
        assert_eq!(
            values,
            [
                Some("line1\nline2".to_owned()),
                Some("a\"b'c".to_owned()),
                Some("ümlaut ✓".to_owned()),
                Some("42".to_owned()),
                Some("{{ 7*6 }}\n".to_owned()),
            ]
        );
        let cases = [
            (
                "- hunter2\n",
                1,
                "the secrets file must be a map of names to values",
            ),
            (
                "A: ok\nB: [hunter2]\n",
                2,
                "secret `B` must be a text, a number or true/false",
            ),
            (
                "A: &x hunter2\nB: *x\n",
                2,
                "the secrets file is not valid YAML",
            ),
            ("A: \"hunter2\n", 1, "the secrets file is not valid YAML"),
        ];
        for (text, line, message) in cases {
            let err = Secrets::from_text(text).err();
            assert_eq!(err, Some((line, message.to_owned())), "{text}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_others_may_read_are_warned_about() -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("otai-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("secrets.yml");
        std::fs::write(&path, "A: x\n")?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
        let loose = loose_permissions(&std::fs::metadata(&path)?);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        let tight = loose_permissions(&std::fs::metadata(&path)?);
        let loaded = Secrets::from_file(&path).is_ok();
        std::fs::remove_dir_all(&dir)?;
        assert_eq!(
            loose.as_deref(),
            Some("the secrets file may be read by group or others (mode 644): `chmod 600` it")
        );
        assert_eq!(tight, None);
        assert!(loaded);
        Ok(())
    }
}
