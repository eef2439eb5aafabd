//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// otai runs ticket pipelines against your helpdesk.
#[derive(Debug, Parser)]
#[command(name = "otai", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less log output: errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the pipelines: forever on their triggers, or once each with --once.
    Run(RunArgs),
    /// Check the configuration without contacting any server (--connect also checks each service).
    Validate(ValidateArgs),
    /// Print the params a pipe would receive, rendered (secrets shown as ***).
    Render(RenderArgs),
}

/// Where the configuration and secrets come from.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The configuration file.
    #[arg(short, long, env = "OTAI_CONFIG", default_value = "otai.yml")]
    pub config: PathBuf,
    /// A YAML file of secrets (`NAME: value`); without it, secrets come from the environment.
    #[arg(long, env = "OTAI_SECRETS_FILE")]
    pub secrets: Option<PathBuf>,
}

/// `otai run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Run each pipeline once and exit.
    #[arg(long)]
    pub once: bool,
    /// Run only this pipeline (repeatable).
    #[arg(long = "pipeline")]
    pub pipelines: Vec<String>,
    /// A context value, KEY=VALUE (VALUE is JSON when it parses, else text); repeatable.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Render and log what each write would send, without sending it.
    #[arg(long)]
    pub dry_run: bool,
}

/// `otai validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Also contact each service: authentication and routes.
    #[arg(long)]
    pub connect: bool,
}

/// `otai render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The pipe whose params to render.
    #[arg(long)]
    pub pipe: String,
    /// A context value, KEY=VALUE; repeatable.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
}
