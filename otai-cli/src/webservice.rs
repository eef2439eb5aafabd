//! `otai webservice`: Generic Interface web services imported from and exported to the form
//! OTRS / OTOBO / Znuny administrators exchange, listed, and their versions.
//!
//! `import` prints the `webservices:` entry for the file to take up (as `otai migrate` prints a
//! configuration): otai never rewrites otai.yml, whose comments and layout are the user's.
//! Every command that reads the configuration keeps a new version of each web service whose
//! definition changed since the last one kept (`history` lists them).

use std::path::Path;
use std::process::ExitCode;

use otai_gi::WebserviceConfig;
use otai_gi::exchange::{
    ImportOptions, MAX_IMPORT_BYTES, export, import, redact_credentials, to_yaml,
};
use otai_pipeline::{Engine, Registry};
use otai_serve::Settings;
use otai_state::{SqliteStore, WebserviceVersions};
use serde_json::{Value, json};

use crate::args::{WebserviceArgs, WebserviceOperation};
use crate::failure::Failure;
use crate::inputs::load_checked;
use crate::output::Output;

pub(crate) fn webservice(
    args: WebserviceArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    if let WebserviceOperation::Import {
        file,
        name,
        service,
        id,
    } = &args.operation
    {
        return import_file(file, name.as_deref(), service, *id, output);
    }
    let engine = load_checked(&args.config, registry, true, output)?;
    let services: Vec<String> = engine
        .service_ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let webservices =
        otai_gi::config::read(engine.sections(), Some(&services))?.unwrap_or_default();
    let store = open_store(&engine, &args.config.config)?;
    let source = args.config.config.display().to_string();
    let mut versions = Vec::new();
    for (ws, raw) in webservices.iter().zip(raw_entries(&engine)) {
        let version = match &store {
            Some(store) => keep_version(store, &ws.name, raw, &source)?,
            None => None,
        };
        versions.push(version);
    }
    match args.operation {
        WebserviceOperation::Import { .. } => {}
        WebserviceOperation::Export { name } => {
            let ws = find(&webservices, &name)?;
            let exported = export(ws).map_err(Failure::bad_input)?;
            output.error_lines(&warnings(&exported.warnings));
            if args.json {
                print_json(output, exported.value)?;
            } else {
                for line in exported.yaml().lines() {
                    output.line(line);
                }
            }
        }
        WebserviceOperation::List => {
            let rows: Vec<Value> = webservices
                .iter()
                .zip(&versions)
                .map(|(ws, version)| {
                    json!({
                        "name": ws.name,
                        "id": ws.id,
                        "service": ws.service,
                        "transport": ws.transport.kind,
                        "operations": ws.operations.len(),
                        "valid": ws.valid,
                        "version": version,
                    })
                })
                .collect();
            if args.json {
                print_json(output, Value::Array(rows))?;
            } else {
                for row in rows {
                    output.line(&format!(
                        "{:<32}  id {:<4}  {:<4}  {:>3} operations  service {}  {}  version {}",
                        text(&row["name"]),
                        row["id"],
                        text(&row["transport"]),
                        row["operations"],
                        text(&row["service"]),
                        text(&row["valid"]),
                        row["version"]
                            .as_u64()
                            .map_or("-".to_owned(), |v| v.to_string())
                    ));
                }
            }
        }
        WebserviceOperation::History { name } => {
            find(&webservices, &name)?;
            let kept = match &store {
                Some(store) => store.versions(&name).map_err(Failure::failed)?,
                None => Vec::new(),
            };
            if args.json {
                print_json(output, json!(kept))?;
            } else {
                for v in kept {
                    output.line(&format!(
                        "version {:>3}  {}  {}",
                        v.version, v.created_at, v.source
                    ));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import_file(
    file: &Path,
    name: Option<&str>,
    service: &str,
    id: u64,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let shown = file.display().to_string();
    let text = otai_yaml::read_file(file, MAX_IMPORT_BYTES as u64)
        .map_err(|e| Failure::bad_input(format!("{shown}: {e}")))?;
    let name = match name {
        Some(name) => name.to_owned(),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let options = ImportOptions {
        name,
        id,
        service: service.to_owned(),
    };
    let imported = import(&text, &shown, &options).map_err(Failure::bad_input)?;
    let mut lines = warnings(&imported.warnings);
    lines.extend(imported.secrets.iter().map(|s| format!("set secret {s}")));
    output.error_lines(&lines);
    // The entry holds no secret value (passwords become `${{ secrets.… }}` references), and
    // its text is written exactly, as the redactor would take `password: ${{…}}` for one.
    let yaml = to_yaml(&json!({ "webservices": [imported.entry] }));
    output.generated(yaml.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn warnings(warnings: &[String]) -> Vec<String> {
    warnings.iter().map(|w| format!("warning: {w}")).collect()
}

fn find<'a>(
    webservices: &'a [WebserviceConfig],
    name: &str,
) -> Result<&'a WebserviceConfig, Failure> {
    webservices
        .iter()
        .find(|ws| ws.name == name)
        .ok_or_else(|| {
            let known: Vec<String> = webservices.iter().map(|ws| ws.name.clone()).collect();
            Failure::bad_input(otai_core::registry::unknown_name_message(
                "web service",
                name,
                &known,
            ))
        })
}

/// The `webservices:` entries as written, in order.
fn raw_entries(engine: &Engine) -> Vec<Value> {
    engine
        .sections()
        .raw(otai_gi::config::SECTION)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn open_store(engine: &Engine, config: &Path) -> Result<Option<SqliteStore>, Failure> {
    let settings = Settings::read(engine)?;
    match settings.state_path(config) {
        Some(path) => SqliteStore::open(&path).map(Some).map_err(Failure::failed),
        None => Ok(None),
    }
}

/// Keeps `raw` as a new version of `name` when it changed; credential values never stored.
fn keep_version(
    store: &SqliteStore,
    name: &str,
    mut raw: Value,
    source: &str,
) -> Result<Option<u32>, Failure> {
    redact_credentials(&mut raw);
    let config = serde_json::to_string(&raw).unwrap_or_default();
    store
        .record_version(name, &config, source)
        .map_err(Failure::failed)?;
    let newest = store.versions(name).map_err(Failure::failed)?;
    Ok(newest.first().map(|v| v.version))
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn print_json(output: &Output, value: Value) -> Result<(), Failure> {
    output
        .json(value)
        .map_err(|e| Failure::bad_input(format!("cannot print JSON: {e}")))
}
