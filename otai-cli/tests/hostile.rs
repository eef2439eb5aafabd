//! The built `otai` binary against hostile servers and hostile tickets: no secret value, session
//! ID or token reaches stdout or stderr, on any command, at any log level, in either log format,
//! and nothing printed for a person can act on the terminal.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

mod support;

use support::TestResult;

const PASSWORD: &str = "Pw-s3cr3t 4&x";
const USERNAME: &str = "agent-Us3r-hidden";
const SESSION: &str = "SeSsIoN-9f3c2a7d41b8e6";
const TOKEN: &str = "1-99-rt-t0ken-abcdef";
/// What a hostile page puts first: a window title, a screen clear, a bidi override.
const INJECTION: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";

/// Every form in which a secret could leak: as is and as a query or JSON string shows it.
fn leaks(text: &str) -> Vec<&'static str> {
    [
        PASSWORD,
        "Pw-s3cr3t+4%26x",
        "Pw-s3cr3t%204%26x",
        USERNAME,
        SESSION,
        TOKEN,
    ]
    .into_iter()
    .filter(|secret| text.contains(secret))
    .collect()
}

/// Characters a terminal acts on, found raw in `text` (newlines between lines aside).
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// A server on 127.0.0.1 that hands out a session and answers everything else with a proxy's
/// error page echoing the request (its line, body and headers), after a terminal injection.
struct Hostile {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Hostile {
    /// `json`: wrap the page as `{"message": …}` (as RT's errors come).
    fn start(json: bool) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Ok(request) = answer(stream, json) {
                    if let Ok(mut seen) = seen.lock() {
                        seen.push(request);
                    }
                }
            }
        });
        Ok(Self { url, requests })
    }

    fn requests(&self) -> String {
        self.requests
            .lock()
            .map(|r| r.join("\n"))
            .unwrap_or_default()
    }
}

/// Reads one request and answers it; returns the request as text.
fn answer(stream: TcpStream, json: bool) -> std::io::Result<String> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push(line.trim_end().to_owned());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let line = head.first().cloned().unwrap_or_default();
    let (status, content_type, reply) = if line.starts_with("POST ") && line.contains("/Session ") {
        let reply = format!("{{\"SessionID\":\"{SESSION}\"}}");
        ("200 OK", "application/json", reply)
    } else {
        let page = format!(
            "{INJECTION}502 bad gateway: {line} {body} {}",
            head[1..].join(" ")
        );
        if json {
            let reply = serde_json::json!({ "message": page }).to_string();
            ("502 Bad Gateway", "application/json", reply)
        } else {
            ("502 Bad Gateway", "text/html", format!("<pre>{page}</pre>"))
        }
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    )?;
    Ok(format!("{}\n{body}", head.join("\n")))
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    fn both(&self) -> String {
        format!("{}{}", self.out, self.err)
    }
}

fn otai(args: &[&str]) -> Result<Run, Box<dyn std::error::Error>> {
    // A fresh cache each run: every run logs in, and no session lands in the user's cache.
    let cache = tempfile::tempdir()?;
    let cache = cache.path().to_string_lossy();
    let (code, out, err) = support::run(support::command(args, &[("XDG_CACHE_HOME", &cache)])?)?;
    Ok(Run { code, out, err })
}

/// Writes the secrets file and a config `services:` + `rest`; returns (config, secrets) paths.
fn files(
    dir: &tempfile::TempDir,
    service: &str,
    rest: &str,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(
        &secrets,
        format!("OTOBO_PW: '{PASSWORD}'\nOTOBO_USER: {USERNAME}\nRT_TOKEN: {TOKEN}\n"),
    )?;
    let config = dir.path().join("otai.yml");
    std::fs::write(&config, format!("services:\n  - {service}\n{rest}"))?;
    let path = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    Ok((path(config), path(secrets)))
}

fn otobo(url: &str, mode: &str) -> String {
    format!(
        "id: otobo\n    use: otobo-znuny\n    params: {{base_url: '{url}/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST', username: '${{{{ secrets.OTOBO_USER }}}}', password: '${{{{ secrets.OTOBO_PW }}}}', auth_mode: {mode}}}"
    )
}

#[test]
fn echoed_session_ids_and_passwords_never_reach_the_output_of_tickets() -> TestResult {
    for mode in ["session", "per_request"] {
        let server = Hostile::start(false)?;
        let dir = tempfile::tempdir()?;
        let (config, secrets) = files(&dir, &otobo(&server.url, mode), "")?;
        for extra in [&[][..], &["-vvv"], &["-vvv", "--log-format", "json"]] {
            let mut args = vec!["tickets", "-c", &config, "--secrets", &secrets];
            args.extend_from_slice(extra);
            args.extend(["get", "1"]);
            let run = otai(&args)?;
            assert_eq!(run.code, 1, "{mode} {extra:?}: {}", run.both());
            assert_eq!(leaks(&run.both()), Vec::<&str>::new(), "{}", run.both());
            if extra.contains(&"json") {
                // The error is a JSON line like every other.
                let lines = run.err.lines();
                let values: Vec<serde_json::Value> =
                    lines.map(serde_json::from_str).collect::<Result<_, _>>()?;
                let error = values
                    .iter()
                    .find(|v| v["level"] == "ERROR" && v.get("message").is_some())
                    .and_then(|v| v["message"].as_str())
                    .unwrap_or_default();
                assert!(
                    error.starts_with(
                        "GET /Ticket/:TicketID: remote error (HTTP 502): <pre>\u{1b}]0;pwned"
                    ),
                    "{mode}: {error}"
                );
                assert!(error.contains("=***"), "{mode}: {error}");
                continue;
            }
            let error = run.err.lines().find(|l| l.starts_with("error: "));
            let error = error.unwrap_or_default();
            assert!(
                error.starts_with(
                    "error: GET /Ticket/:TicketID: remote error (HTTP 502): <pre>\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{202e}502 bad gateway: GET /otobo/"
                ),
                "{mode}: {error}"
            );
            assert!(error.contains("=***"), "{mode}: {error}");
            if extra.contains(&"json") {
                for line in run.err.lines().filter(|l| !l.starts_with("error: ")) {
                    serde_json::from_str::<serde_json::Value>(line)
                        .map_err(|e| format!("not JSON ({e}): {line}"))?;
                }
            } else {
                assert_eq!(raw_controls(&run.both()), Vec::<char>::new(), "{mode}");
            }
        }
        let seen = server.requests();
        let sent = if mode == "session" {
            SESSION
        } else {
            "Pw-s3cr3t+4%26x"
        };
        assert!(seen.contains(sent), "the server saw the secret: {seen}");
    }
    Ok(())
}

#[test]
fn a_run_at_trace_level_shows_no_secret_in_bodies_errors_logs_or_dry_run_lines() -> TestResult {
    let server = Hostile::start(false)?;
    let dir = tempfile::tempdir()?;
    let pipes = "pipes:\n  - id: say\n    use: log\n    params: {message: 'login ${{ secrets.OTOBO_USER }} pw ${{ secrets.OTOBO_PW }}'}\n  - id: note\n    use: add_note\n    on_error: continue\n    params: {ticket_id: 1, body: 'the password is ${{ secrets.OTOBO_PW }}'}\n  - id: fetch\n    use: fetch_tickets\n    params: {queue: Raw}\n";
    let (config, secrets) = files(&dir, &otobo(&server.url, "session"), pipes)?;
    let report = dir
        .path()
        .join("report.json")
        .to_string_lossy()
        .into_owned();
    let base = [
        "run",
        "-c",
        &config,
        "--secrets",
        &secrets,
        "--once",
        "--report",
        &report,
    ];
    for extra in [
        &["-vvv"][..],
        &["-vvv", "--log-format", "json"],
        &["-v", "--dry-run"],
    ] {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        let run = otai(&args)?;
        assert_eq!(run.code, 1, "{extra:?}: {}", run.both());
        assert_eq!(leaks(&run.both()), Vec::<&str>::new(), "{}", run.both());
        let written = std::fs::read_to_string(&report)?;
        assert!(written.contains("the password is ***"), "{written}");
        assert_eq!(leaks(&written), Vec::<&str>::new(), "{written}");
        if extra.contains(&"json") {
            let summary: serde_json::Value = serde_json::from_str(run.out.trim())?;
            assert_eq!(summary["succeeded"], false, "{}", run.out);
            assert_eq!(summary["pipes_failed"], 2, "{}", run.out);
        } else {
            assert!(
                run.out.starts_with("pipeline default: FAILED in "),
                "{}",
                run.out
            );
        }
        assert!(run.err.contains("login *** pw ***"), "{}", run.err);
        if extra.contains(&"--dry-run") {
            assert!(
                run.err
                    .contains("dry run: would add a note to ticket 1: body=the password is ***"),
                "{}",
                run.err
            );
        } else {
            assert!(
                run.err.contains("generic interface request body"),
                "{}",
                run.err
            );
        }
        if extra.contains(&"json") {
            for line in run.err.lines() {
                serde_json::from_str::<serde_json::Value>(line)
                    .map_err(|e| format!("not JSON ({e}): {line}"))?;
            }
        } else {
            assert_eq!(raw_controls(&run.both()), Vec::<char>::new());
        }
    }
    let seen = server.requests();
    for sent in [SESSION, USERNAME, "the password is Pw-s3cr3t 4&x"] {
        assert!(seen.contains(sent), "the server saw {sent}: {seen}");
    }
    Ok(())
}

#[test]
fn an_echoed_rt_token_never_reaches_the_output() -> TestResult {
    let server = Hostile::start(true)?;
    let dir = tempfile::tempdir()?;
    let rt = format!(
        "id: rt\n    use: rt\n    params: {{base_url: '{}', token: '${{{{ secrets.RT_TOKEN }}}}'}}",
        server.url
    );
    let (config, secrets) = files(&dir, &rt, "")?;
    for extra in [&[][..], &["-vvv"], &["-vvv", "--log-format", "json"]] {
        let mut args = vec!["tickets", "-c", &config, "--secrets", &secrets];
        args.extend_from_slice(extra);
        args.extend(["get", "1"]);
        let run = otai(&args)?;
        assert_eq!(run.code, 1, "{}", run.both());
        assert_eq!(leaks(&run.both()), Vec::<&str>::new(), "{}", run.both());
        assert!(run.err.contains("token ***"), "{}", run.err);
    }
    assert!(server.requests().contains(TOKEN));
    Ok(())
}

#[test]
fn hostile_subjects_are_escaped_in_tables_and_logs_and_exact_in_json() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("otai.yml");
    let subject = "\u{1b}]0;owned\u{7}\u{1b}[2Jhi\rthere\u{202e}txt.exe\u{9b}";
    std::fs::write(
        &config,
        "services:\n  - id: store\n    use: local\n    params: {path: tickets.sqlite3}\npipes:\n  - id: fetch\n    use: fetch_tickets\n    params: {all: true}\n  - id: say\n    use: log\n    params: {message: '{{ pipes.fetch.tickets[0].subject }}'}\n",
    )?;
    let c = config.to_string_lossy().into_owned();
    let shown = "\\u{1b}]0;owned\\u{7}\\u{1b}[2Jhi\\rthere\\u{202e}txt.exe\\u{9b}";
    let run = otai(&[
        "tickets",
        "-c",
        &c,
        "create",
        "--subject",
        subject,
        "--queue",
        "Raw",
    ])?;
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(
        run.out.contains(&format!("0      {shown}\n")),
        "{}",
        run.out
    );
    let run = otai(&["tickets", "-c", &c, "search", "--all"])?;
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(raw_controls(&run.out), Vec::<char>::new(), "{}", run.out);
    assert!(run.out.contains(shown), "{}", run.out);
    let run = otai(&["tickets", "-c", &c, "search", "--all", "--json"])?;
    let found: serde_json::Value = serde_json::from_str(&run.out)?;
    assert_eq!(found[0]["subject"], subject, "JSON output is exact");

    let run = otai(&["run", "-c", &c, "--once", "-v"])?;
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(raw_controls(&run.err), Vec::<char>::new(), "{}", run.err);
    assert!(run.err.contains(shown), "{}", run.err);
    let run = otai(&["run", "-c", &c, "--once", "-v", "--log-format", "json"])?;
    let logged: Vec<serde_json::Value> = run
        .err
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert!(
        logged.iter().any(|l| l["fields"]["message"] == subject),
        "the JSON log holds the subject exactly: {}",
        run.err
    );
    Ok(())
}

#[test]
fn config_errors_and_clap_errors_are_escaped_line_by_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("otai.yml");
    std::fs::write(
        &config,
        "pipes:\n  - id: \"a\\e[2Jb\"\n    use: \"fetch\\u202Etickets\"\n",
    )?;
    let c = config.to_string_lossy().into_owned();
    let run = otai(&["validate", "-c", &c])?;
    assert_eq!(run.code, 2);
    assert_eq!(raw_controls(&run.err), Vec::<char>::new(), "{}", run.err);
    assert!(
        run.err
            .starts_with("error: 1 problem in the configuration:\n  - config error at "),
        "{}",
        run.err
    );
    assert!(
        run.err
            .contains("pipes.a\\u{1b}[2Jb.use: unknown pipe `fetch\\u{202e}tickets`"),
        "{}",
        run.err
    );
    // Clap drops escape sequences itself; CR and bidi overrides are escaped here.
    let run = otai(&["--log-format", "x\ry\u{202e}z", "validate"])?;
    assert_eq!(run.code, 2);
    assert_eq!(raw_controls(&run.err), Vec::<char>::new(), "{}", run.err);
    assert!(
        run.err.starts_with(
            "error: invalid value 'x\\ry\\u{202e}z' for '--log-format <LOG_FORMAT>'\n"
        ),
        "{}",
        run.err
    );
    Ok(())
}
