//! # otai-cli: the `otai` command, as a library
//!
//! Plugins ship their own binary with the same commands by registering their pipes and services
//! and calling [`run_cli`]:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     let mut registry = otai_cli::default_registry();
//!     // my_plugin::register(&mut registry);
//!     otai_cli::run_cli(registry)
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Everything printed goes through `output`, the one place that redacts and escapes.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
mod attach;
mod commands;
mod debugger;
mod failure;
mod generated;
mod history;
mod inbound;
mod inputs;
mod logging;
mod mcp;
mod migrate;
mod output;
mod progress;
mod schema;
mod serve;
mod signals;
mod tickets;
mod train;
mod webservice;

use std::process::ExitCode;

use clap::Parser;
use otai_pipeline::Registry;

/// The stack of every thread a command runs on. Templates can nest lists about 60 000 deep
/// within their fuel, and minijinja frees such a value recursively: this is enough for that, with
/// room to spare (only the pages used are ever taken).
const STACK_BYTES: usize = 64 << 20;

/// The async runtime for `command`. Servers (`serve`, `mcp`, `run` without `--once`) get a
/// multi-thread runtime, so they answer on every core. A one-shot command runs on the thread
/// that drives it (a current-thread runtime): each request and reply is then handled where it
/// is awaited, with no wake-up of another thread per request, which costs more CPU than the
/// work itself at the request rates of a triage run. `OTAI_WORKER_THREADS=<n>` overrides: `0`
/// forces the current-thread runtime, `n > 0` a multi-thread one with `n` workers.
fn runtime_builder(command: &args::Command) -> tokio::runtime::Builder {
    let forced = std::env::var("OTAI_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    let serving = match command {
        args::Command::Serve(_) | args::Command::Mcp(_) => true,
        args::Command::Run(run) => !run.once,
        _ => false,
    };
    match forced {
        Some(0) => tokio::runtime::Builder::new_current_thread(),
        Some(workers) => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
        None if serving => tokio::runtime::Builder::new_multi_thread(),
        None => tokio::runtime::Builder::new_current_thread(),
    }
}

/// A registry with every adapter and built-in pipe of otai.
pub fn default_registry() -> Registry {
    let mut registry = Registry::new();
    otai_local::register(registry.services_mut());
    otai_otobo_znuny::register(registry.services_mut());
    otai_rt::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    registry
}

/// The JSON Schema of otai.yml read against `registry`, as `otai schema` prints it.
pub fn config_schema(registry: &Registry) -> serde_json::Value {
    otai_pipeline::config_schema(registry, &schema::sections()).to_value()
}

/// Parses the process arguments and runs the command with `registry`.
pub fn run_cli(registry: Registry) -> ExitCode {
    run_cli_from(std::env::args_os(), registry)
}

/// Runs the command given by `args` (the first is the program name) with `registry`.
pub fn run_cli_from<I, T>(args: I, registry: Registry) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    // One redactor for everything this run shows: secrets, services and logs share it.
    let output = output::Output::default();
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            output.parser_message(&e);
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let output = output.with_json(cli.log_format == args::LogFormat::Json);
    logging::init(
        cli.verbose,
        cli.quiet,
        cli.log_format,
        logging::colored(cli.color),
        output.redactor().clone(),
    );
    let runtime = match runtime_builder(&cli.command)
        .enable_all()
        .thread_stack_size(STACK_BYTES)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output.error_lines(&[format!("error: cannot start the async runtime: {e}")]);
            return ExitCode::FAILURE;
        }
    };
    // `block_on` runs the command on the calling thread: give it the same stack as the workers.
    let command = {
        let output = output.clone();
        move || {
            runtime.block_on(commands::dispatch(
                cli.command,
                registry,
                cli.quiet,
                &output,
            ))
        }
    };
    let ran = std::thread::Builder::new()
        .name("otai".into())
        .stack_size(STACK_BYTES)
        .spawn(command)
        .map(std::thread::JoinHandle::join);
    match ran {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => ExitCode::FAILURE,
        Err(e) => {
            output.error_lines(&[format!("error: cannot start the command's thread: {e}")]);
            ExitCode::FAILURE
        }
    }
}
