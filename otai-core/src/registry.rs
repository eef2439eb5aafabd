//! The registry: how a YAML `use:` name becomes a running service.
//!
//! Each adapter crate exports `register(&mut ServiceRegistry)`, which registers its service under
//! one or more names. The pipeline crate keeps pipes in a registry of its own beside this one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::output::Redactor;
use crate::request::NativeKeys;
use crate::{Error, Result, TicketSystemService};

/// What a factory may need besides its params.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BuildContext {
    /// Directory relative paths in params are resolved against (the config file's directory).
    pub base_dir: PathBuf,
    /// The redactor of everything shown: a service [hides](Redactor::hide) what it obtains at
    /// run time (a session ID, a token) so it never shows up in an error or a log.
    pub redactor: Redactor,
}

impl BuildContext {
    /// A context resolving relative paths against `base_dir`, with a redactor of its own.
    pub fn new(base_dir: impl Into<PathBuf>) -> Self {
        Self {
            base_dir: base_dir.into(),
            redactor: Redactor::default(),
        }
    }

    /// This context with `redactor`, shared with the rest of the program.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Resolves `path` against [`Self::base_dir`] unless it is absolute (or `:memory:`).
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() || path.as_os_str() == ":memory:" {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }
}

/// A service's typed configuration: deserialized from the YAML `params`, then built.
pub trait ServiceConfig: DeserializeOwned + Send + Sync + 'static {
    /// The native keys the built service accepts (the same as its
    /// [`TicketSystemService::native_keys`]), so configs are checked without building it.
    const NATIVE_KEYS: &'static NativeKeys = &NativeKeys::NONE;

    /// Checks what serde cannot (combinations, ranges), without side effects: no files written,
    /// no network. Errors name the param.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// Builds the service. Must not contact the helpdesk (that is `healthcheck`'s job).
    fn build(self, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>>;
}

/// Creates services from params; implemented for every [`ServiceConfig`] by the registry.
pub trait ServiceFactory: Send + Sync {
    /// Checks `params` without side effects.
    fn validate(&self, params: &Value) -> Result<()>;
    /// Builds a service from `params`.
    fn build(&self, params: &Value, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>>;
    /// The native keys the built service accepts.
    fn native_keys(&self) -> &'static NativeKeys {
        &NativeKeys::NONE
    }
    /// The JSON Schema of `params` (`otai schema`); default: any map.
    fn params_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        let _ = generator;
        open_map_schema()
    }
}

/// A schema for any map: what params whose type declares no schema accept.
pub fn open_map_schema() -> Schema {
    schemars::json_schema!({"type": "object"})
}

/// Makes the schema of a params type, when it declares one.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The [`ServiceFactory`] of a [`ServiceConfig`] type.
struct ConfigFactory<C> {
    schema: Option<SchemaFn>,
    config: std::marker::PhantomData<fn() -> C>,
}

impl<C: ServiceConfig> ServiceFactory for ConfigFactory<C> {
    fn validate(&self, params: &Value) -> Result<()> {
        parse_params::<C>(params)?.check()
    }

    fn build(&self, params: &Value, ctx: &BuildContext) -> Result<Arc<dyn TicketSystemService>> {
        let config = parse_params::<C>(params)?;
        config.check()?;
        config.build(ctx)
    }

    fn native_keys(&self) -> &'static NativeKeys {
        C::NATIVE_KEYS
    }

    fn params_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        match self.schema {
            Some(schema) => schema(generator),
            None => open_map_schema(),
        }
    }
}

/// Deserializes service params; errors are [`Error::Config`] with the path below `params`.
pub fn parse_params<C: DeserializeOwned>(params: &Value) -> Result<C> {
    let params = if params.is_null() {
        Value::Object(Default::default())
    } else {
        params.clone()
    };
    serde_path_to_error::deserialize(params).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." {
            "params".to_owned()
        } else {
            format!("params.{path}")
        };
        Error::config(
            path,
            crate::error::plain_serde_message(&err.into_inner().to_string()),
        )
    })
}

/// One registered service kind.
#[derive(Clone)]
struct ServiceEntry {
    canonical: String,
    description: String,
    factory: Arc<dyn ServiceFactory>,
}

/// Known services by `use:` name.
#[derive(Clone, Default)]
pub struct ServiceRegistry {
    services: BTreeMap<String, ServiceEntry>,
}

impl std::fmt::Debug for ServiceRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceRegistry")
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ServiceRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the service configured by `C` under `names` (the first is the canonical one).
    /// Its params schema is any map; [`Self::register_service_with_schema`] declares `C`'s.
    pub fn register_service<C: ServiceConfig>(&mut self, names: &[&str], description: &str) {
        let factory = ConfigFactory::<C> {
            schema: None,
            config: std::marker::PhantomData,
        };
        self.register_service_factory(names, description, Arc::new(factory));
    }

    /// Registers the service configured by `C` under `names`, with `C`'s JSON Schema as the
    /// schema of its params (`otai schema`).
    pub fn register_service_with_schema<C: ServiceConfig + JsonSchema>(
        &mut self,
        names: &[&str],
        description: &str,
    ) {
        let factory = ConfigFactory::<C> {
            schema: Some(|generator| generator.subschema_for::<C>()),
            config: std::marker::PhantomData,
        };
        self.register_service_factory(names, description, Arc::new(factory));
    }

    /// Registers a hand-written factory under `names`.
    pub fn register_service_factory(
        &mut self,
        names: &[&str],
        description: &str,
        factory: Arc<dyn ServiceFactory>,
    ) {
        let Some(canonical) = names.first() else {
            return;
        };
        let entry = ServiceEntry {
            canonical: (*canonical).to_owned(),
            description: description.to_owned(),
            factory,
        };
        for name in names {
            self.services.insert((*name).to_owned(), entry.clone());
        }
    }

    /// Whether `name` is a registered service.
    pub fn has_service(&self, name: &str) -> bool {
        self.services.contains_key(name)
    }

    /// Every registered service name with its description, aliases included.
    pub fn service_names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.services
            .iter()
            .map(|(name, e)| (name.as_str(), e.description.as_str()))
    }

    /// The schema of the params of the service registered as `name`.
    pub fn params_schema(&self, name: &str, generator: &mut SchemaGenerator) -> Option<Schema> {
        self.services
            .get(name)
            .map(|e| e.factory.params_schema(generator))
    }

    /// The canonical name of the service registered as `name`.
    pub fn canonical_service(&self, name: &str) -> Option<&str> {
        self.services.get(name).map(|e| e.canonical.as_str())
    }

    /// The canonical name and native keys of the service registered as `name`.
    pub fn native_keys(&self, name: &str) -> Option<(&str, &'static NativeKeys)> {
        self.services
            .get(name)
            .map(|e| (e.canonical.as_str(), e.factory.native_keys()))
    }

    /// Checks `params` for the service `name` without side effects.
    pub fn validate_service(&self, name: &str, params: &Value) -> Result<()> {
        self.service_entry(name)?.factory.validate(params)
    }

    /// Builds the service `name` from `params`.
    pub fn build_service(
        &self,
        name: &str,
        params: &Value,
        ctx: &BuildContext,
    ) -> Result<Arc<dyn TicketSystemService>> {
        self.service_entry(name)?.factory.build(params, ctx)
    }

    fn service_entry(&self, name: &str) -> Result<&ServiceEntry> {
        self.services.get(name).ok_or_else(|| {
            Error::config(
                "use",
                unknown_name_message("service", name, self.services.keys()),
            )
        })
    }
}

/// The most known names a message lists (the rest are counted).
const MAX_LISTED: usize = 50;
/// The most known names an unknown one is compared with for a suggestion, so a message costs
/// the same however many names a configuration defines.
const MAX_COMPARED: usize = 256;
/// The longest name compared by edit distance (longer names are only checked for containment).
const MAX_COMPARED_CHARS: usize = 64;

/// `unknown service `x`; did you mean `y`? (known: a, b, c)`: the message for an unknown name.
/// At most `MAX_LISTED` (50) known names are listed, then how many there are in all.
pub fn unknown_name_message<'a, I>(kind: &str, name: &str, known: I) -> String
where
    I: IntoIterator<Item = &'a String>,
    I::IntoIter: ExactSizeIterator,
{
    let (first, all) = first_known(known);
    let close = closest_names(name, first.iter().map(|s| s.as_str()));
    let suggestion = if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", quote_list(&close))
    };
    format!(
        "unknown {kind} `{name}`{suggestion}{}",
        known_list(kind, &first, all)
    )
}

/// [`unknown_name_message`] without a suggestion: `unknown service `x` (known: a, b, c)`, for
/// the unknown names after the first few of a file, so their messages cost no comparisons.
pub fn unknown_name_list_message<'a, I>(kind: &str, name: &str, known: I) -> String
where
    I: IntoIterator<Item = &'a String>,
    I::IntoIter: ExactSizeIterator,
{
    let (first, all) = first_known(known);
    format!("unknown {kind} `{name}`{}", known_list(kind, &first, all))
}

/// The known names a message may look at (the first [`MAX_COMPARED`]), and how many there are:
/// a message costs the same however many names there are.
fn first_known<'a, I>(known: I) -> (Vec<&'a String>, usize)
where
    I: IntoIterator<Item = &'a String>,
    I::IntoIter: ExactSizeIterator,
{
    let known = known.into_iter();
    let all = known.len();
    (known.take(MAX_COMPARED.max(MAX_LISTED)).collect(), all)
}

/// ` (known: a, b, c)`, at most [`MAX_LISTED`] of the first names, and how many there are in
/// all; or that none is registered.
fn known_list(kind: &str, first: &[&String], all: usize) -> String {
    if all == 0 {
        return format!(" (no {kind} is registered)");
    }
    let listed: Vec<&str> = first.iter().take(MAX_LISTED).map(|s| s.as_str()).collect();
    let more = if all > listed.len() {
        format!(", … ({all} in all)")
    } else {
        String::new()
    };
    format!(" (known: {}{more})", listed.join(", "))
}

/// Names close to `name`: small edit distance, or one contains the other (case-insensitive).
/// Looks at the first `MAX_COMPARED` (256) known names only.
pub fn closest_names<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = name.to_lowercase();
    let wanted_chars = wanted.chars().count();
    let limit = 2 + wanted_chars / 6;
    let mut scored: Vec<(usize, &str)> = known
        .take(MAX_COMPARED)
        .filter_map(|k| {
            let candidate = k.to_lowercase();
            let candidate_chars = candidate.chars().count();
            let comparable = wanted_chars <= MAX_COMPARED_CHARS
                && candidate_chars <= MAX_COMPARED_CHARS
                && wanted_chars.abs_diff(candidate_chars) <= limit;
            // Where one name contains the other, the distance is the difference in length.
            let distance = if comparable {
                edit_distance(&wanted, &candidate)
            } else {
                wanted_chars.abs_diff(candidate_chars)
            };
            let close = (comparable && distance <= limit)
                || (wanted.len() >= 4 && candidate.contains(&wanted))
                || (candidate.len() >= 4 && wanted.contains(&candidate));
            close.then_some((distance, k))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

/// `a` or `b` or `c`: names quoted for a message.
pub fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let known = [
            "local",
            "otobo-znuny",
            "otobo-znuny:OTOBOZnunyTicketSystemService",
            "rt",
        ];
        assert_eq!(
            closest_names("otobo-znny", known.into_iter()),
            vec!["otobo-znuny"]
        );
        assert_eq!(closest_names("lcoal", known.into_iter()), vec!["local"]);
        assert!(closest_names("jira", known.into_iter()).is_empty());
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let known = ["local".to_owned(), "rt".to_owned()];
        assert_eq!(
            unknown_name_message("service", "lokal", known.iter()),
            "unknown service `lokal`; did you mean `local`? (known: local, rt)"
        );
        assert_eq!(
            unknown_name_message("pipe", "x", std::iter::empty()),
            "unknown pipe `x` (no pipe is registered)"
        );
    }

    #[test]
    fn params_errors_name_the_param_path() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct P {
            base_url: String,
        }
        let err = parse_params::<P>(&serde_json::json!({"base_url": 5})).err();
        assert!(
            matches!(&err, Some(Error::Config { path, .. }) if path == "params.base_url"),
            "{err:?}"
        );
        let err = parse_params::<P>(&serde_json::json!({"base": "x"})).err();
        assert!(
            matches!(&err, Some(Error::Config { path, message }) if path == "params.base" && message == "unknown field `base`; did you mean `base_url`? (known: base_url)"),
            "{err:?}"
        );
    }
}
