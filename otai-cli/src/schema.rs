//! `otai schema [-o FILE]`: the JSON Schema of otai.yml, from the registry the command runs
//! with, for editors to complete and check configuration files.

use std::collections::BTreeMap;
use std::process::ExitCode;

use otai_core::registry::SchemaFn;
use otai_pipeline::Registry;

use crate::args::SchemaArgs;
use crate::failure::Failure;
use crate::output::Output;

/// The schemas of the sections this command reads besides the pipelines: `mcp:`,
/// `webservices:`.
pub(crate) fn sections() -> BTreeMap<&'static str, SchemaFn> {
    let mcp: SchemaFn = |generator| generator.subschema_for::<otai_mcp::McpConfig>();
    let webservices: SchemaFn =
        |generator| generator.subschema_for::<Vec<otai_gi::WebserviceConfig>>();
    BTreeMap::from([("mcp", mcp), ("webservices", webservices)])
}

/// Prints the schema, or writes it to `args.output`.
pub(crate) fn schema(
    args: &SchemaArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let schema = crate::config_schema(registry);
    let mut text = serde_json::to_string_pretty(&schema)
        .map_err(|e| Failure::bad_input(format!("cannot write the schema: {e}")))?;
    text.push('\n');
    match &args.output {
        Some(out) => std::fs::write(out, text).map_err(|e| {
            Failure::bad_input(format!("{}: cannot write the file: {e}", out.display()))
        })?,
        // Printed exactly: it holds no secret, and the redactor would mask the schemas of
        // params named like one (`password`, `token`).
        None => output.generated(text.as_bytes()),
    }
    Ok(ExitCode::SUCCESS)
}
