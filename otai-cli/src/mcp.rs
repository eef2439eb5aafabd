//! `otai mcp`: the configured services as tools for AI agents (Model Context Protocol), over
//! stdio or streamable HTTP, within the limits of the `mcp:` section.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

use otai_core::TicketSystemService;
use otai_core::registry::unknown_name_message;
use otai_mcp::{McpConfig, McpServer};
use otai_pipeline::Registry;

use crate::args::McpArgs;
use crate::failure::Failure;
use crate::inputs::load;
use crate::output::Output;

pub(crate) async fn mcp(
    args: McpArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let engine = load(&args.config, registry, false, output)?;
    let config = McpConfig::from_sections(engine.sections())?;
    let mut services: BTreeMap<String, Arc<dyn TicketSystemService>> = engine
        .services()
        .into_iter()
        .map(|(id, s)| (id.to_owned(), s))
        .collect();
    if let Some(id) = &args.service {
        let known: Vec<String> = services.keys().cloned().collect();
        let service = services
            .remove(id)
            .ok_or_else(|| Failure::bad_input(unknown_name_message("service", id, known.iter())))?;
        services = BTreeMap::from([(id.clone(), service)]);
    }
    let server = McpServer::new(services, config.clone(), engine.secrets().clone())?;
    match args.listen {
        None => otai_mcp::serve_stdio(server).await?,
        Some(address) => {
            otai_mcp::check_http(&config)?;
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
                Failure::bad_input(format!("--listen {address}: cannot listen: {e}"))
            })?;
            let bound = listener
                .local_addr()
                .map_err(|e| Failure::bad_input(format!("--listen {address}: {e}")))?;
            output.line(&format!(
                "otai mcp: listening on http://{bound}{}",
                otai_mcp::PATH
            ));
            otai_mcp::serve_http(server, &config, listener, async {
                crate::signals::Signals::listen().first().await
            })
            .await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
