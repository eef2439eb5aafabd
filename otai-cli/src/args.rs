//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// otai runs ticket pipelines against your helpdesk.
#[derive(Debug, Parser)]
#[command(
    name = "otai",
    version,
    about,
    propagate_version = true,
    after_help = "Examples:
  otai validate -c otai.yml
  otai run --once --dry-run
  otai tickets search --queue Raw --limit 5
  otai completions bash > ~/.local/share/bash-completion/completions/otai
  otai man > otai.1"
)]
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
    /// Colour in the logs: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
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

/// When to colour the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the environment variable NO_COLOR is set (and not empty).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the pipelines: forever on their triggers, or once each with --once.
    #[command(after_help = "Examples:
  otai run                          run every pipeline on its trigger until Ctrl-C
  otai run --once --dry-run         each pipeline once; log the writes instead of sending them
  otai run --once --pipeline triage --context queue=Raw")]
    Run(RunArgs),
    /// Check the configuration without contacting any server (--connect also checks each service).
    #[command(alias = "check-config")]
    #[command(after_help = "Examples:
  otai validate -c otai.yml
  otai validate --no-secrets        in CI, where the secrets are not set
  otai validate --connect           also log in to each service")]
    Validate(ValidateArgs),
    /// Print the params a pipe would receive, rendered (secrets shown as ***).
    #[command(after_help = "Examples:
  otai render --pipe classify
  otai render --pipe note --context ticket_id=42")]
    Render(RenderArgs),
    /// One ticket operation through a configured service: get, search, create, update, note.
    Tickets(TicketsArgs),
    /// Print a shell completion script.
    #[command(after_help = "Examples:
  otai completions bash > ~/.local/share/bash-completion/completions/otai
  otai completions zsh > \"${fpath[1]}/_otai\"
  otai completions fish > ~/.config/fish/completions/otai.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    #[command(after_help = "Examples:
  otai man | man -l -
  otai man > /usr/local/share/man/man1/otai.1")]
    Man,
    /// Serve the services to AI agents (Model Context Protocol) over stdio, or HTTP with --listen.
    #[command(after_help = "Examples:
  otai mcp -c otai.yml                       stdio, for a desktop agent
  otai mcp -c otai.yml --listen 127.0.0.1:8788")]
    Mcp(McpArgs),
    /// Learn a text classifier from labelled tickets (a JSON Lines file or a service).
    #[command(after_help = "Examples:
  otai train --from tickets.jsonl --label queue --out models/queue.model
  otai train -c otai.yml --service helpdesk --where '{state: closed}' --label queue --out models/queue.model")]
    Train(TrainArgs),
    /// Figures of a trained model on labelled tickets, optionally beside classify rules.
    #[command(after_help = "Examples:
  otai eval --model models/queue.model --from tickets.jsonl --label queue
  otai eval --model models/queue.model --from tickets.jsonl --label queue --compare rules.yml --json")]
    Eval(EvalArgs),
    /// Serve the inbound ticket API of `server:` and `inbound:` until Ctrl-C or SIGTERM.
    #[command(after_help = "Examples:
  otai serve -c otai.yml
  otai serve -c otai.yml --listen 127.0.0.1:0")]
    Serve(ServeArgs),
    /// Read the inbound API's staged requests and statistics; send one again.
    #[command(after_help = "Examples:
  otai inbound list --status error
  otai inbound show 42 --json
  otai inbound replay 42
  otai inbound stats")]
    Inbound(InboundArgs),
    /// Read the Generic Interface debugger: provider communications kept in the state store.
    #[command(after_help = "Examples:
  otai debugger list --webservice GenericTicketConnectorREST --since 2h
  otai debugger list --since 2026-01-01T00:00:00Z --json
  otai debugger show 42")]
    Debugger(DebuggerArgs),
    /// Import, export and list Generic Interface web services (`webservices:`); see their versions.
    #[command(after_help = "Examples:
  otai webservice import GenericTicketConnectorREST.yml --service helpdesk >> webservices.yml
  otai webservice export GenericTicketConnectorREST > GenericTicketConnectorREST.yml
  otai webservice list
  otai webservice history GenericTicketConnectorREST --json")]
    Webservice(WebserviceArgs),
    /// Convert an Open Ticket AI 1.5 configuration, reporting every change and what could not be
    /// converted.
    #[command(after_help = "Examples:
  otai migrate old-config.yml -o otai.yml
  otai migrate old-config.yml > otai.yml 2> migrate-report.txt")]
    Migrate(MigrateArgs),
    /// Print the JSON Schema of otai.yml, for editors to complete and check the file.
    #[command(after_help = "Examples:
  otai schema -o otai.schema.json   then put `# yaml-language-server: $schema=otai.schema.json`
                                    at the top of otai.yml")]
    Schema(SchemaArgs),
}

/// `otai schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Write the schema to this file (default: print it).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// `otai migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The Open Ticket AI configuration.
    pub file: PathBuf,
    /// Write the otai configuration to this file (default: print it).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
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

/// `otai debugger`.
#[derive(Debug, Args)]
pub struct DebuggerArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub operation: DebuggerOperation,
}

/// What `otai debugger` does.
#[derive(Debug, Subcommand)]
pub enum DebuggerOperation {
    /// Communications, newest first: time, level, web service, operation, duration, error.
    List {
        /// Only this web service's.
        #[arg(long)]
        webservice: Option<String>,
        /// Only those since a time (RFC 3339) or for a while (`90s`, `30m`, `2h`, `7d`).
        #[arg(long, value_name = "DURATION|TIME")]
        since: Option<String>,
        /// At most this many (at most 1000).
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One communication: request, mapped request, response, error.
    Show {
        /// Its id.
        id: i64,
    },
}

/// `otai webservice`.
#[derive(Debug, Args)]
pub struct WebserviceArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub operation: WebserviceOperation,
}

/// What `otai webservice` does.
#[derive(Debug, Subcommand)]
pub enum WebserviceOperation {
    /// Print the `webservices:` entry of a web service exported from OTRS / OTOBO / Znuny;
    /// what was not imported, and the secrets to set, go to stderr.
    Import {
        /// The exported definition (YAML).
        file: PathBuf,
        /// Its name (default: the file's name without `.yml`).
        #[arg(long)]
        name: Option<String>,
        /// The otai service behind it (a key of `services:`).
        #[arg(long, default_value = "helpdesk")]
        service: String,
        /// Its numeric id.
        #[arg(long, default_value_t = 1)]
        id: u64,
    },
    /// Print a configured web service as OTOBO's `Admin::WebService::Add` takes it, every
    /// password and token redacted.
    Export {
        /// The web service's name.
        name: String,
    },
    /// The configured web services, each with its current version.
    List,
    /// The kept versions of a web service's definition, newest first.
    History {
        /// The web service's name.
        name: String,
    },
}

/// Where the configuration and secrets come from.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The configuration file.
    #[arg(
        short,
        long,
        env = "OTAI_CONFIG",
        default_value = "otai.yml",
        global = true
    )]
    pub config: PathBuf,
    /// A YAML file of secrets (`NAME: value`); without it, secrets come from the environment.
    #[arg(long, env = "OTAI_SECRETS_FILE", global = true)]
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
    /// Render and print what each write would send, without sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a JSON run report to FILE: per ticket what changed, the results of its pipes
    /// (which rule matched) and errors; secrets redacted.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// On Ctrl-C/SIGTERM, how long runs in progress may take to finish before their requests
    /// are cancelled (`30s`, `2m`, seconds).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = otai_pipeline::parse_interval)]
    pub grace: std::time::Duration,
}

/// `otai validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Also contact each service: authentication and routes.
    #[arg(long, conflicts_with = "no_secrets")]
    pub connect: bool,
    /// Check everything but the secrets: a secret that is not set is no error (for CI, where
    /// secrets are not at hand).
    #[arg(long)]
    pub no_secrets: bool,
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
    /// For a pipe inside `foreach`: the item, as JSON (a ticket: `{"id":"1","subject":"…"}`).
    /// The pipes before it in the loop run first, in a dry run, so it sees their results.
    #[arg(long, value_name = "JSON", conflicts_with = "ticket")]
    pub item: Option<String>,
    /// For a pipe inside `foreach`: the item is this ticket, read from the pipe's service.
    #[arg(long, value_name = "ID")]
    pub ticket: Option<String>,
}

/// `otai tickets`: one operation through a configured service.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  otai tickets search --queue Raw --limit 10
  otai tickets search --all --json | jq '.[].subject'
  otai tickets get 42 -s otobo
  otai tickets create --queue Raw --subject 'Printer jammed' --body 'Third floor'
  otai tickets update 42 --state closed --kw owner=alice
  otai tickets note 42 --body 'Called the customer' --visible")]
pub struct TicketsArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The service to use (default: the only one).
    #[arg(short, long, global = true)]
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

/// Which ticket an operation is about: its ID, or its number.
#[derive(Debug, Args)]
pub struct WhichTicket {
    /// The ticket id.
    #[arg(required_unless_present = "number")]
    pub id: Option<String>,
    /// The ticket number instead of the id (the number people quote; in RT, the id).
    #[arg(long, conflicts_with = "id")]
    pub number: Option<String>,
}

/// The ticket operations.
#[derive(Debug, Subcommand)]
pub enum TicketOperation {
    /// Show one ticket.
    #[command(after_help = "Examples:
  otai tickets get 42
  otai tickets get 42 --json -s otobo
  otai tickets get 42 --json --attachments")]
    Get {
        /// The ticket.
        #[command(flatten)]
        ticket: WhichTicket,
        /// Read the notes' attachments with their content (base64 in --json output); without
        /// it, only their name, type and size.
        #[arg(long)]
        attachments: bool,
    },
    /// Find tickets.
    #[command(after_help = "Examples:
  otai tickets search --queue Raw --state new --limit 20
  otai tickets search --subject printer --json
  otai tickets search --all --limit 100
  otai tickets search --kw created_after=2026-01-01T00:00:00Z --queue Raw")]
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
    #[command(after_help = "Examples:
  otai tickets create --queue Raw --subject 'Printer jammed' --body 'Third floor'
  otai tickets create --subject 'VPN down' --customer alice@example.com --priority high")]
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
    #[command(after_help = "Examples:
  otai tickets update 42 --state closed
  otai tickets update 42 --queue Hardware --kw owner=alice")]
    Update {
        /// The ticket.
        #[command(flatten)]
        ticket: WhichTicket,
        /// Shared fields.
        #[command(flatten)]
        fields: TicketFields,
        /// New subject.
        #[arg(long)]
        subject: Option<String>,
    },
    /// Add a note (internal unless --visible).
    #[command(after_help = "Examples:
  otai tickets note 42 --body 'Called the customer'
  otai tickets note 42 --body 'Fixed, please confirm' --visible
  otai tickets note 42 --body 'Logs attached' --attach app.log --attach screen.png")]
    Note {
        /// The ticket.
        #[command(flatten)]
        ticket: WhichTicket,
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
        /// Attach this file (repeatable; at most 20 MiB together). Its content type comes from
        /// the extension (application/octet-stream when unknown).
        #[arg(long, value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
    },
    /// Show a ticket's history, oldest first.
    #[command(after_help = "Examples:
  otai tickets history 42
  otai tickets history --number 2026120410000017 --json")]
    History {
        /// The ticket.
        #[command(flatten)]
        ticket: WhichTicket,
    },
}

/// `otai mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Configuration and secrets.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Serve only this service (default: every configured service).
    #[arg(short, long)]
    pub service: Option<String>,
    /// Serve streamable HTTP on this address (e.g. 127.0.0.1:8765) instead of stdio; clients
    /// must send `Authorization: Bearer <mcp.token>`.
    #[arg(long, value_name = "ADDRESS:PORT")]
    pub listen: Option<std::net::SocketAddr>,
}

/// `otai train`: learn a classifier (queue, priority, ...) from labelled tickets.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Configuration and secrets (with --service).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// A JSON Lines file: one object per line with `subject`, `body` and the label field.
    #[arg(long, conflicts_with = "service")]
    pub from: Option<std::path::PathBuf>,
    /// Fetch the examples through this configured service.
    #[arg(short, long)]
    pub service: Option<String>,
    /// With --service: the search kwargs, as YAML or JSON (e.g. '{state: closed}').
    #[arg(long = "where", value_name = "KWARGS")]
    pub where_: Option<String>,
    /// With --service: fetch at most this many tickets.
    #[arg(long, default_value_t = 100_000)]
    pub limit: usize,
    /// The field to learn: `queue`, `priority` or any field of the examples.
    #[arg(long)]
    pub label: String,
    /// Where to write the model.
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// The share of each label held out for the figures (and the calibration).
    #[arg(long, default_value_t = 0.2)]
    pub held_out: f64,
    /// Passes over the training examples.
    #[arg(long, default_value_t = 12)]
    pub epochs: u32,
    /// Features are hashed into 2^hash-bits buckets (10 to 22).
    #[arg(long, default_value_t = 18)]
    pub hash_bits: u8,
    /// Seed of the split and the shuffles: the same seed trains the same model.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also evaluate classify rules (a YAML file with `rules:` and `default:`) on the held-out
    /// examples, side by side.
    #[arg(long, value_name = "RULES.yml")]
    pub compare: Option<std::path::PathBuf>,
    /// Print the held-out figures as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `otai eval`: a model's figures on labelled tickets.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model file (from `otai train`).
    #[arg(long)]
    pub model: std::path::PathBuf,
    /// A JSON Lines file of labelled tickets.
    #[arg(long)]
    pub from: std::path::PathBuf,
    /// The label field of the file.
    #[arg(long)]
    pub label: String,
    /// Also evaluate classify rules (a YAML file with `rules:` and `default:`) on the same file.
    #[arg(long, value_name = "RULES.yml")]
    pub compare: Option<std::path::PathBuf>,
    /// Print accuracy, macro_f1, per_class and the confusion matrix as JSON.
    #[arg(long)]
    pub json: bool,
}
