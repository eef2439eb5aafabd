//! `otai serve`: the inbound ticket API and the Generic Interface web services.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use otai_pipeline::Registry;
use otai_serve::Settings;

use crate::args::ServeArgs;
use crate::failure::Failure;
use crate::inputs::load;
use crate::output::Output;

pub(crate) async fn serve(
    args: ServeArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let engine = load(&args.config, registry, false, output)?;
    let settings = Settings::read(&engine)?;
    let webservices = otai_gi::load::read(&engine)?.unwrap_or_default();
    let file = args.config.config.display().to_string();
    let Some(server) = &settings.server else {
        return Err(Failure::bad_input(format!(
            "{file}: no `server:` section: nothing to serve"
        )));
    };
    let listen = args.listen.clone().unwrap_or_else(|| server.listen.clone());
    let address: SocketAddr = listen.parse().map_err(|_| {
        Failure::bad_input(format!("listen address `{listen}`: expected ADDRESS:PORT"))
    })?;
    let store = settings
        .open_store(&args.config.config)
        .map_err(Failure::bad_input)?;
    let tls = settings
        .tls(&args.config.config)
        .map_err(Failure::bad_input)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let retention = settings.state.retention_days;
    let debugger = Arc::new(otai_gi::StateDebugger::new(
        Arc::clone(&store),
        &webservices,
        output.redactor().clone(),
    ));
    debugger.prune();
    let hook = Arc::new(debugger);
    let webservices = otai_gi::load::routes(&engine, webservices, Arc::clone(&store), hook)
        .map_err(Failure::bad_input)?;
    let gateway = Arc::new(settings.gateway(&engine, store));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Failure::bad_input(format!("cannot listen on {address}: {e}")))?;
    let bound = listener.local_addr().unwrap_or(address);
    output.line(&format!("serving on {scheme}://{bound}"));
    let shutdown = crate::signals::server_shutdown("otai serve");
    otai_serve::serve_routes(gateway, webservices, listener, tls, retention, shutdown)
        .await
        .map_err(|e| Failure {
            lines: vec![format!("error: serving on {bound}: {e}")],
            code: 1,
        })?;
    Ok(ExitCode::SUCCESS)
}
