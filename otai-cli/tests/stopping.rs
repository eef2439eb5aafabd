//! Stopping `otai run` with signals: drain, a second signal, the grace period, exit codes.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Far longer than any step takes: only guards the tests from hanging.
const PATIENCE: Duration = Duration::from_secs(120);

/// Starts `otai args` with `config` in `dir`, stdout and stderr piped.
fn start(dir: &Path, config: &str, args: &[&str]) -> Result<Child, Box<dyn std::error::Error>> {
    std::fs::write(dir.join("otai.yml"), config)?;
    Ok(Command::new(env!("CARGO_BIN_EXE_otai"))
        .args(args)
        .current_dir(dir)
        .env_remove("OTAI_CONFIG")
        .env_remove("RUST_LOG")
        .env("OTAI_TEST_PASSWORD", "pw")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

fn terminate(child: &Child) -> TestResult {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(status.success(), "kill -TERM");
    Ok(())
}

/// Waits for the child's exit; returns (exit code, stdout, stderr).
fn finish(child: Child) -> Result<(i32, String, String), Box<dyn std::error::Error>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx.recv_timeout(PATIENCE)??;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

/// A server on 127.0.0.1 that accepts connections and never answers; sends on `accepted` at
/// the first connection.
fn silent_server() -> Result<(String, mpsc::Receiver<()>), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
            let _ = tx.send(());
        }
    });
    Ok((url, rx))
}

/// A pipeline that waits on `url` for as long as the test wants.
fn hanging_config(url: &str) -> String {
    format!(
        "services:\n  - id: desk\n    use: otobo-znuny\n    params:\n      base_url: '{url}'\n      username: agent\n      password: '${{{{ secrets.OTAI_TEST_PASSWORD }}}}'\n      timeout: 600\n      retries: 0\npipelines:\n  wait:\n    trigger: {{every: 1h}}\n    pipes:\n      - id: fetch\n        use: fetch_tickets\n        params: {{queue: Raw}}\n"
    )
}

#[test]
fn a_second_signal_stops_at_once_while_a_run_is_in_flight() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (url, accepted) = silent_server()?;
    let child = start(dir.path(), &hanging_config(&url), &["run"])?;
    accepted.recv_timeout(PATIENCE)?;
    terminate(&child)?;
    // The first signal is logged before the second is sent: wait for its line.
    let mut child = child;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let draining = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("stopping:"))
        .ok_or("no stopping line")?;
    assert!(
        draining.contains("WARN")
            && draining.contains("letting 1 run(s) in progress finish (0 item(s) in flight), at most 30s; a second Ctrl-C or SIGTERM stops at once"),
        "{draining}"
    );
    terminate(&child)?;
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let (code, out, _) = finish(child)?;
    assert_eq!(code, 130, "{out}{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.contains("second signal: stopping at once")),
        "{rest:?}"
    );
    Ok(())
}

#[test]
fn runs_still_in_flight_after_the_grace_period_are_cancelled() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (url, accepted) = silent_server()?;
    let child = start(dir.path(), &hanging_config(&url), &["run", "--grace", "1s"])?;
    accepted.recv_timeout(PATIENCE)?;
    terminate(&child)?;
    let (code, _, err) = finish(child)?;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("grace period over: cancelling 1 run(s) in progress"),
        "{err}"
    );
    Ok(())
}

#[test]
fn a_clean_stop_exits_0_even_after_a_failed_run() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = "services:\n  - id: store\n    use: local\n    params: {path: ':memory:'}\npipelines:\n  p:\n    trigger: {every: 1h}\n    pipes:\n      - id: move\n        use: update_ticket\n        params: {ticket_id: 99, queue: Done}\n";
    let mut child = start(dir.path(), config, &["run", "--report", "report.json"])?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let first = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .next()
        .ok_or("no summary")?;
    assert!(first.starts_with("pipeline p: FAILED in "), "{first}");
    assert!(
        first.ends_with(": 0 tickets seen, 0 changed, 0 failed; 1 pipe failed"),
        "{first}"
    );
    terminate(&child)?;
    let (code, _, err) = finish(child)?;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("stopping: letting 0 run(s) in progress finish"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json"))?)?;
    let run = &report["runs"][0];
    assert_eq!(
        (
            run["pipeline"].as_str(),
            run["succeeded"].as_bool(),
            run["failed"].as_u64()
        ),
        (Some("p"), Some(false), Some(1)),
        "the latest run is in the report: {report}"
    );
    assert_eq!(
        run["pipes"][0]["error"].as_str(),
        Some("pipe `move` failed: ticket 99 not found")
    );
    Ok(())
}
