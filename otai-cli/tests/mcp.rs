//! `otai mcp` and the `mcp:` section through the built binary: a stdio session, and each bad
//! input refused before serving.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

mod support;

use support::{TestResult, otai, write};

const STORE: &str = "services:
  - id: store
    use: local
    params: {path: ':memory:'}
";

fn config(dir: &tempfile::TempDir, mcp: &str) -> Result<String, std::io::Error> {
    write(dir, "otai.yml", &format!("{STORE}{mcp}"))
}

#[test]
fn validate_reports_mistakes_in_the_mcp_section_at_their_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = config(&dir, "mcp:\n  writes: [delete_ticket]\n")?;
    let (code, out, err) = otai(&["validate", "-c", &file])?;
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("otai.yml:6: mcp.writes[0]"), "{err}");
    assert!(err.contains("delete_ticket"), "{err}");
    Ok(())
}

#[test]
fn http_without_a_token_and_an_unknown_service_are_refused_before_serving() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = config(&dir, "")?;
    let (code, _, err) = otai(&["mcp", "-c", &file, "--listen", "127.0.0.1:0"])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a bearer token"), "{err}");
    let (code, _, err) = otai(&["mcp", "-c", &file, "-s", "stor"])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean `store`"), "{err}");
    Ok(())
}

#[test]
fn a_stdio_session_answers_initialize_and_lists_the_read_tools() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = config(&dir, "")?;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("otai"))
        .args(["mcp", "-c", &file])
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-06-18","capabilities":{{}},"clientInfo":{{"name":"test","version":"1"}}}}}}"#
    )?;
    stdout.read_line(&mut line)?;
    let reply: serde_json::Value = serde_json::from_str(&line)?;
    assert_eq!(reply["result"]["serverInfo"]["name"], "otai", "{line}");
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )?;
    writeln!(stdin, "this is not JSON")?;
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":2,"method":"tools/list"}}"#)?;
    let mut tools = None;
    for _ in 0..5 {
        line.clear();
        stdout.read_line(&mut line)?;
        let reply: serde_json::Value = serde_json::from_str(&line)?;
        if reply["id"] == 2 {
            tools = Some(reply);
            break;
        }
    }
    let tools = tools.ok_or("no answer to tools/list after a malformed line")?;
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .ok_or("no tools")?
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["list_services", "find_tickets", "get_ticket"]);
    drop(stdin);
    let status = child.wait()?;
    assert!(
        status.success(),
        "closing stdin ends the server cleanly: {status}"
    );
    Ok(())
}
