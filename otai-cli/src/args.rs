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
    /// One ticket operation through a configured service: get, search, create, update, note.
    Tickets(TicketsArgs),
    /// Serve the inbound ticket API of `server:` and `inbound:` until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Read the inbound API's staged requests and statistics; send one again.
    Inbound(InboundArgs),
}

/// `otai serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Listen here instead of `server.listen` (port 0 picks a free port).
    #[arg(long, value_name = "ADDRESS:PORT")]
    pub listen: Option<String>,
}

/// `otai inbound`.
#[derive(Debug, Args)]
pub struct InboundArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub operation: InboundOperation,
}

/// What `otai inbound` does.
#[derive(Debug, Subcommand)]
pub enum InboundOperation {
    /// Staged requests, newest first.
    List {
        /// Only this integration.
        #[arg(long)]
        integration: Option<String>,
        /// Only this status: received, processing, inserted, ignored, error, retrying, interrupted.
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One staged request: status, payload as received, ticket, errors, attempts.
    Show {
        /// The staging id.
        staging_id: i64,
    },
    /// Send a staged request in `error`, `retrying` or `interrupted` to the helpdesk again now.
    Replay {
        /// The staging id.
        staging_id: i64,
    },
    /// Per-account statistics: requests, created, rejected, last seen.
    Stats,
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

/// `otai tickets`: one operation through a configured service.
#[derive(Debug, Args)]
pub struct TicketsArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The service to use (default: the only one).
    #[arg(short, long)]
    pub service: Option<String>,
    /// Print the unified model as JSON (an array for search).
    #[arg(long, global = true)]
    pub json: bool,
    /// The operation.
    #[command(subcommand)]
    pub operation: TicketOperation,
}

/// Ticket fields shared by search, create and update.
#[derive(Debug, Default, Args)]
pub struct TicketFields {
    /// Queue (name).
    #[arg(long)]
    pub queue: Option<String>,
    /// State (name).
    #[arg(long)]
    pub state: Option<String>,
    /// Priority (name).
    #[arg(long)]
    pub priority: Option<String>,
    /// Customer (login or address).
    #[arg(long)]
    pub customer: Option<String>,
    /// Any other kwarg, KEY=VALUE (VALUE is JSON when it parses, else text); repeatable.
    #[arg(long = "kw", value_name = "KEY=VALUE")]
    pub kw: Vec<String>,
}

/// The ticket operations.
#[derive(Debug, Subcommand)]
pub enum TicketOperation {
    /// Show one ticket.
    Get {
        /// The ticket id.
        id: String,
    },
    /// Find tickets.
    Search {
        /// Shared fields.
        #[command(flatten)]
        fields: TicketFields,
        /// Subject contains this text.
        #[arg(long)]
        subject: Option<String>,
        /// At most this many tickets.
        #[arg(long)]
        limit: Option<usize>,
        /// Search without any filter (every ticket, within --limit): without a filter, a search
        /// must say so.
        #[arg(long)]
        all: bool,
    },
    /// Create a ticket.
    Create {
        /// Shared fields.
        #[command(flatten)]
        fields: TicketFields,
        /// Subject.
        #[arg(long)]
        subject: String,
        /// Body of the first note.
        #[arg(long)]
        body: Option<String>,
    },
    /// Change a ticket.
    Update {
        /// The ticket id.
        id: String,
        /// Shared fields.
        #[command(flatten)]
        fields: TicketFields,
        /// New subject.
        #[arg(long)]
        subject: Option<String>,
    },
    /// Add a note (internal unless --visible).
    Note {
        /// The ticket id.
        id: String,
        /// The note's text.
        #[arg(long)]
        body: String,
        /// Subject.
        #[arg(long)]
        subject: Option<String>,
        /// Content type, e.g. text/html.
        #[arg(long)]
        content_type: Option<String>,
        /// Visible to the customer.
        #[arg(long)]
        visible: bool,
    },
}
