//! Every class of bad input, with the exact message a user sees: configuration, templates,
//! ticket arguments (kwargs) and command-line arguments. Each message names the place and the fix.

use assert_cmd::Command;
use otai_core::TicketSystemServiceExt;
use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, load_str};
use serde_json::{Value, json};

/// What is fed in.
enum Input {
    /// A configuration file's text, loaded (validation only, every problem reported).
    Config(&'static str),
    /// A configuration that loads, run once: the first failure's message.
    Run(&'static str),
    /// Kwargs for a ticket operation on the local store: `get`, `search`, `create`, `update`, `note`.
    Kwargs(&'static str, Value),
    /// Arguments of the `otai` command (in a temporary directory holding `otai.yml` = [`GOOD`]).
    Cli(&'static [&'static str]),
}

/// A valid configuration for the command-line cases.
const GOOD: &str = "services:\n  - id: store\n    use: local\n    params: {path: ':memory:'}\npipes:\n  - id: fetch\n    use: fetch_tickets\n    params: {queue: Raw}\n";

/// The local store and one pipe around `pipes`, for run cases.
macro_rules! with_store {
    ($pipes:expr) => {
        concat!(
            "services:\n  - id: store\n    use: local\n    params: {path: ':memory:'}\npipes:\n",
            $pipes
        )
    };
}

fn cases() -> Vec<(&'static str, Input, &'static str)> {
    use Input::*;
    vec![
        // ---- configuration: YAML and shape
        (
            "not YAML",
            Config("services: [\n"),
            "1 problem in the configuration:\n  - config error at otai.yml:2: invalid YAML: while parsing a node, did not find expected node content\n",
        ),
        (
            "root is a list",
            Config("- a\n- b\n"),
            "1 problem in the configuration:\n  - config error at otai.yml:1: the file must be a map with `services`, `pipes` or `pipelines` at the top\n",
        ),
        (
            "unknown top-level key",
            Config("servics: []\n"),
            "1 problem in the configuration:\n  - config error at otai.yml:1: servics: unknown key `servics`; did you mean `services` or `server`? (known: services, pipes, pipelines, allow_env, $schema, server, inbound, webservices, mcp, state)\n",
        ),
        (
            "service without id",
            Config("services:\n  - use: local\n    params: {path: ':memory:'}\n"),
            "1 problem in the configuration:\n  - config error at otai.yml:2: services[0]: a service needs an `id`\n",
        ),
        (
            "duplicate service ids",
            Config(
                "services:\n  - id: a\n    use: local\n    params: {path: ':memory:'}\n  - id: a\n    use: local\n    params: {path: ':memory:'}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:5: services.a: duplicate service id `a`\n",
        ),
        (
            "misspelt service type",
            Config("services:\n  - id: s\n    use: lokal\n"),
            "1 problem in the configuration:\n  - config error at otai.yml:3: services.s.use: unknown service `lokal`; did you mean `local`? (known: local, otai:LocalTicketSystemService, otai:RTTicketSystemService, otobo-znuny, otobo-znuny:OTOBOZnunyTicketSystemService, rt)\n",
        ),
        (
            "service param of the wrong type",
            Config("services:\n  - id: s\n    use: local\n    params: {path: [1]}\n"),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.s.params.path: invalid type: list, expected path string\n",
        ),
        (
            "OTOBO without base_url",
            Config(
                "services:\n  - id: o\n    use: otobo-znuny\n    params: {username: u, password: pw-literal}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.o.params: missing field `base_url`\n",
        ),
        (
            "OTOBO base_url not a URL",
            Config(
                "services:\n  - id: o\n    use: otobo-znuny\n    params: {base_url: 'helpdesk', username: u, password: pw-literal}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.o.params.base_url: not a URL (relative URL without a base): `helpdesk`\n",
        ),
        (
            "OTOBO without password",
            Config(
                "services:\n  - id: o\n    use: otobo-znuny\n    params: {base_url: 'http://127.0.0.1:9', username: u}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.o.params.password: missing (tip: `password: '${{ secrets.OTOBO_PASSWORD }}'`)\n",
        ),
        (
            "OTOBO timeout not a duration",
            Config(
                "services:\n  - id: o\n    use: otobo-znuny\n    params: {base_url: 'http://127.0.0.1:9', username: u, password: pw-literal, timeout: soon}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.o.params.timeout: invalid type: string \"soon\", expected a number\n",
        ),
        (
            "OTOBO unknown transport",
            Config(
                "services:\n  - id: o\n    use: otobo-znuny\n    params: {base_url: 'http://127.0.0.1:9', username: u, password: pw-literal, transport: pigeon}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.o.params.transport: unknown variant `pigeon`, expected `rest` or `soap`\n",
        ),
        (
            "OTOBO unreadable CA file",
            Config(
                "services:\n  - id: o\n    use: otobo-znuny\n    params: {base_url: 'https://127.0.0.1:9', username: u, password: pw-literal, ca_file: /nonexistent/ca.pem}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.o.params.ca_file: cannot read `/nonexistent/ca.pem`: No such file or directory (os error 2)\n",
        ),
        (
            "RT without token",
            Config(
                "services:\n  - id: r\n    use: rt\n    params: {base_url: 'http://127.0.0.1:9'}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:4: services.r.params.token: missing: give `token` (tip: `token: '${{ secrets.RT_TOKEN }}'`) or `username`/`password`\n",
        ),
        // ---- configuration: pipes and pipelines
        (
            "pipe without id",
            Config(with_store!("  - use: fetch_tickets\n")),
            "1 problem in the configuration:\n  - config error at otai.yml:6: pipes[0]: missing field `id`\n",
        ),
        (
            "duplicate pipe ids",
            Config(with_store!(
                "  - id: a\n    use: log\n    params: {message: x}\n  - id: a\n    use: log\n    params: {message: y}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:9: pipes.a: duplicate pipe id `a`\n",
        ),
        (
            "misspelt pipe",
            Config(with_store!("  - id: f\n    use: fetch_tikets\n")),
            "1 problem in the configuration:\n  - config error at otai.yml:7: pipes.f.use: unknown pipe `fetch_tikets`; did you mean `fetch_tickets`? (known: add_note, classify, create_ticket, expression, fetch_tickets, find_first_ticket, foreach, get_ticket, log, map, update_ticket)\n",
        ),
        (
            "unknown pipe param",
            Config(with_store!(
                "  - id: e\n    use: expression\n    params: {value: 1, valeu: 2}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.e.params.valeu: unknown param; did you mean `value`? (`expression` accepts: value)\n",
        ),
        (
            "missing required param",
            Config(with_store!("  - id: e\n    use: expression\n")),
            "1 problem in the configuration:\n  - config error at otai.yml:6: pipes.e.params.value: missing required param\n",
        ),
        (
            "params not a map",
            Config(with_store!(
                "  - id: e\n    use: expression\n    params: [1]\n"
            )),
            "2 problems in the configuration:\n  - config error at otai.yml:8: pipes.e.params: params must be a map\n  - config error at otai.yml:8: pipes.e.params.value: missing required param\n",
        ),
        (
            "template syntax error",
            Config(with_store!(
                "  - id: l\n    use: log\n    params: {message: '{{ pipes.x. }}'}\n"
            )),
            "2 problems in the configuration:\n  - config error at otai.yml:8: pipes.l.params.message: bad template: syntax error: unexpected end of input, expected identifier or integer\n  - config error at otai.yml:8: pipes.l.params: refers to pipe `x`, which does not exist\n",
        ),
        (
            "unclosed template block",
            Config(with_store!(
                "  - id: l\n    use: log\n    params: {message: '{% if true %}x'}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.l.params.message: bad template: syntax error: unexpected end of input, expected end of block\n",
        ),
        (
            "reference to a pipe that does not exist",
            Config(with_store!(
                "  - id: l\n    use: log\n    params: {message: '{{ pipes.nope.count }}'}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.l.params: refers to pipe `nope`, which does not exist\n",
        ),
        (
            "condition syntax error",
            Config(with_store!(
                "  - id: l\n    use: log\n    if: 'pipes. =='\n    params: {message: x}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.l.if: bad template: syntax error: unexpected `==`, expected identifier or integer\n",
        ),
        (
            "unknown on_error",
            Config(with_store!(
                "  - id: l\n    use: log\n    on_error: maybe\n    params: {message: x}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.l.on_error: unknown variant `maybe`, expected `fail` or `continue`\n",
        ),
        (
            "unknown service of a pipe",
            Config(with_store!(
                "  - id: f\n    use: fetch_tickets\n    service: nowhere\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.f.service: unknown service `nowhere` (known: store)\n",
        ),
        (
            "two services, none named",
            Config(
                "services:\n  - id: a\n    use: local\n    params: {path: ':memory:'}\n  - id: b\n    use: local\n    params: {path: ':memory:'}\npipes:\n  - id: f\n    use: fetch_tickets\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:9: pipes.f.service: name the service to use (`service:`); there are 2\n",
        ),
        (
            "foreach without nested pipes",
            Config(with_store!(
                "  - id: each\n    use: foreach\n    params: {items: []}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:6: pipes.each.pipes: foreach needs nested `pipes:`\n",
        ),
        (
            "foreach without items",
            Config(with_store!(
                "  - id: each\n    use: foreach\n    pipes:\n      - id: l\n        use: log\n        params: {message: x}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:6: pipes.each.params.items: missing: the list to iterate, e.g. `items: '{{ pipes.fetch.tickets }}'`\n",
        ),
        (
            "nested pipes on a plain pipe",
            Config(with_store!(
                "  - id: l\n    use: log\n    params: {message: x}\n    pipes:\n      - id: m\n        use: log\n        params: {message: y}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:9: pipes.l.pipes: only `foreach` takes nested pipes\n",
        ),
        (
            "interval that is not a duration",
            Config(
                "pipelines:\n  p:\n    trigger: {every: 5 parsecs}\n    pipes:\n      - id: l\n        use: log\n        params: {message: x}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:3: pipelines.p.trigger: invalid interval `\"5 parsecs\"`: use e.g. `30s`, `5m`, `1h`, `1d` or a number of seconds\n",
        ),
        (
            "invalid cron expression",
            Config(
                "pipelines:\n  p:\n    trigger: {cron: '61 * * * *'}\n    pipes:\n      - id: l\n        use: log\n        params: {message: x}\n",
            ),
            "1 problem in the configuration:\n  - config error at otai.yml:3: pipelines.p.trigger: invalid cron expression `61 * * * *` (minute hour day month weekday): Minutes must be less than 59. ('61' specified.)\n",
        ),
        (
            "missing secret",
            Config(with_store!(
                "  - id: l\n    use: log\n    params: {message: '${{ secrets.OTAI_TEST_NEVER_SET }}'}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.l.params.message: secret `OTAI_TEST_NEVER_SET` is missing: set the environment variable OTAI_TEST_NEVER_SET or give a secrets file (--secrets, OTAI_SECRETS_FILE)\n",
        ),
        // ---- templates at run time
        (
            "undefined value",
            Run(with_store!(
                "  - id: l\n    use: log\n    params: {message: '{{ context.nope }}'}\n"
            )),
            "template error in l.message: undefined value (in `{{ context.nope }}`)",
        ),
        (
            "attribute of an undefined value",
            Run(with_store!(
                "  - id: l\n    use: log\n    params: {message: 'x {{ context.a.b }}'}\n"
            )),
            "template error in l.message: undefined value: `context.a` is undefined (in `x {{ context.a.b }}`)",
        ),
        (
            "foreach items not a list",
            Run(with_store!(
                "  - id: each\n    use: foreach\n    params: {items: '{{ 5 }}'}\n    pipes:\n      - id: l\n        use: log\n        params: {message: x}\n"
            )),
            "config error at pipelines.default.pipes.each.params.items: expected a list, got number",
        ),
        (
            "runaway loop",
            Run(with_store!(
                "  - id: l\n    use: log\n    params: {message: '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}'}\n"
            )),
            "template error in l.message: the template did too much work (a runaway loop?): a render may take at most 500000 steps (in `{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}`)",
        ),
        (
            "env() not allowed",
            Run(
                "allow_env: [HOME]\npipes:\n  - id: l\n    use: log\n    params: {message: \"{{ env('PATH') }}\"}\n",
            ),
            "template error in l.message: invalid operation: env('PATH') is not allowed: add it to `allow_env` (in `{{ env('PATH') }}`)",
        ),
        (
            "classify with a bad regex",
            Config(with_store!(
                "  - id: c\n    use: classify\n    params: {text: x, rules: [{label: a, patterns: ['(']}]}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.c.params.rules[0].patterns[0]: invalid regex `(`: unclosed group\n",
        ),
        (
            "classify rules not a list",
            Config(with_store!(
                "  - id: c\n    use: classify\n    params: {text: x, rules: {label: a}}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.c.params.rules: invalid type: map, expected a list\n",
        ),
        (
            "ticket pipe params not a map",
            Config(with_store!(
                "  - id: f\n    use: fetch_tickets\n    params: {ticket_search_criteria: 5}\n"
            )),
            "1 problem in the configuration:\n  - config error at otai.yml:8: pipes.f.params.ticket_search_criteria: expected a map, got a number\n",
        ),
        (
            "template including a file",
            Run(with_store!(
                "  - id: l\n    use: log\n    params: {message: \"{% include '/etc/passwd' %}\"}\n"
            )),
            "template error in l.message: template not found: tried to include non-existing template '/etc/passwd' (in `{% include '/etc/passwd' %}`)",
        ),
        // ---- ticket arguments
        (
            "create without subject",
            Kwargs("create", json!({"body": "b"})),
            "invalid input `subject`: a new ticket needs a non-empty subject",
        ),
        (
            "update of the body",
            Kwargs("update", json!({"ticket_id": "1", "body": "b"})),
            "invalid input `body`: the body of an existing ticket cannot be changed; add a note instead",
        ),
        (
            "update without ticket_id",
            Kwargs("update", json!({"queue": "Misc"})),
            "invalid input `ticket_id`: missing: which ticket?",
        ),
        (
            "note that is a number",
            Kwargs("update", json!({"ticket_id": "1", "note": 5})),
            "invalid input `note`: expected a map of note keys or the body text, got a number",
        ),
        (
            "note with an unknown key",
            Kwargs("update", json!({"ticket_id": "1", "note": {"text": "x"}})),
            "invalid input `note.text`: unknown note key; a note takes: subject, body, content_type, internal, attachments",
        ),
        (
            "note with an empty body",
            Kwargs("note", json!({"ticket_id": "1", "body": "  "})),
            "invalid input `body`: a note needs a non-empty body",
        ),
        (
            "queue of the wrong type",
            Kwargs("create", json!({"subject": "s", "queue": [1, 2]})),
            "invalid input `queue`: invalid type: list, expected a name, an ID, or a map with `id` and/or `name`",
        ),
        (
            "negative limit",
            Kwargs("search", json!({"limit": -1})),
            "invalid input `all`: no filter: this search would return every ticket; add a filter, or `all: true` if that is meant; also invalid input `limit`: invalid value: integer `-1`, expected a whole number (0 or more)",
        ),
        (
            "date that is not a date",
            Kwargs("search", json!({"created_after": "yesterday-ish"})),
            "invalid input `created_after`: invalid timestamp `yesterday-ish`: expected RFC 3339 (2025-03-14T09:12:01Z), `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`",
        ),
        (
            "reread not a boolean",
            Kwargs(
                "update",
                json!({"ticket_id": "1", "queue": "Misc", "reread": "no"}),
            ),
            "invalid input `reread`: expected true or false, got a string",
        ),
        (
            "key the local store does not know",
            Kwargs("create", json!({"subject": "s", "Title": "t"})),
            "invalid input `Title`: unknown key for create_ticket; it takes subject, body, queue, priority, state, type, owner, customer, custom_fields; local declares no native keys for it",
        ),
        (
            "ticket that does not exist",
            Kwargs("update", json!({"ticket_id": "987654", "queue": "Misc"})),
            "ticket 987654 not found",
        ),
        // ---- command line
        (
            "unknown subcommand",
            Cli(&["rnu"]),
            "error: unrecognized subcommand 'rnu'\n\nUsage: otai [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.",
        ),
        (
            "config file that does not exist",
            Cli(&["run", "--once", "-c", "nope.yml"]),
            "error: 1 problem in the configuration:\n  - config error at nope.yml: cannot read the config file: No such file or directory (os error 2)",
        ),
        (
            "unknown pipeline",
            Cli(&["run", "--once", "--pipeline", "nope"]),
            "error: config error at --pipeline: unknown pipeline `nope` (known: default)",
        ),
        (
            "context not KEY=VALUE",
            Cli(&["run", "--once", "--context", "{oops"]),
            "error: --context `{oops`: expected KEY=VALUE",
        ),
        (
            "kwargs not KEY=VALUE",
            Cli(&["tickets", "search", "--kw", "queue"]),
            "error: --kw `queue`: expected KEY=VALUE",
        ),
        (
            "render of an unknown pipe",
            Cli(&["render", "--pipe", "nope"]),
            "error: config error at --pipe: no pipe `nope`",
        ),
        (
            "unknown log format",
            Cli(&["run", "--log-format", "xml"]),
            "error: invalid value 'xml' for '--log-format <LOG_FORMAT>'\n  [possible values: text, json]\n\nFor more information, try '--help'.",
        ),
    ]
}

fn registry() -> otai_pipeline::Registry {
    otai_cli::default_registry()
}

fn load(text: &str) -> Result<otai_pipeline::Engine, String> {
    load_str(
        "otai.yml",
        text,
        &BuildContext::default(),
        &registry(),
        &LoadOptions::default(),
    )
    .map_err(|e| e.to_string())
}

async fn outcome(input: &Input, dir: &tempfile::TempDir) -> Result<String, String> {
    match input {
        Input::Config(text) => match load(text) {
            Ok(_) => Err("loaded without error".into()),
            Err(e) => Ok(e),
        },
        Input::Run(text) => {
            let engine = load(text)?;
            let report = engine
                .run("default", &json!({}), false)
                .await
                .map_err(|e| e.to_string())?;
            report
                .failures()
                .find_map(|f| f.error.clone())
                .ok_or_else(|| "ran without failure".into())
        }
        Input::Kwargs(op, kwargs) => {
            let store = otai_local::LocalStore::in_memory().map_err(|e| e.to_string())?;
            let kw = kwargs.as_object().cloned().unwrap_or_default();
            let result = match *op {
                "get" => store.get_ticket_kw(kw).await.map(|_| ()),
                "search" => store.find_tickets_kw(kw).await.map(|_| ()),
                "create" => store.create_ticket_kw(kw).await.map(|_| ()),
                "update" => store.update_ticket_kw(kw).await.map(|_| ()),
                "note" => store.add_note_kw(kw).await.map(|_| ()),
                other => return Err(format!("no operation {other}")),
            };
            match result {
                Ok(()) => Err("succeeded".into()),
                Err(e) => Ok(e.to_string()),
            }
        }
        Input::Cli(args) => {
            let out = Command::cargo_bin("otai")
                .map_err(|e| e.to_string())?
                .args(*args)
                .current_dir(dir.path())
                .env_remove("OTAI_CONFIG")
                .env_remove("RUST_LOG")
                .output()
                .map_err(|e| e.to_string())?;
            if out.status.code() != Some(2) {
                return Err(format!("exit code {:?}, expected 2", out.status.code()));
            }
            Ok(String::from_utf8_lossy(&out.stderr).trim_end().to_owned())
        }
    }
}

#[tokio::test]
async fn every_bad_input_gets_its_exact_message() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("otai.yml"), GOOD)?;
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for (name, input, expected) in &cases {
        let got = outcome(input, &dir).await;
        if got.as_deref() != Ok(*expected) {
            wrong.push(format!(
                "{name}:\n  expected: {expected:?}\n  got:      {got:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    Ok(())
}
