//! The quick start as a new user meets it: help, validate, a dry run, a run, the report, the
//! tickets, all on a copy of `examples/quickstart`, with what each prints.

use serde_json::Value;

mod support;

use support::{TestResult, otai_in as otai, repo_path};

/// A copy of the quick start in a directory of its own.
fn quickstart() -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let example = repo_path("examples/quickstart");
    for file in ["otai.yml", "seed.yml"] {
        std::fs::copy(example.join(file), dir.path().join(file))?;
    }
    Ok(dir)
}

const TRIAGED: [&str; 4] = [
    "ticket 1: {} queue=Hardware, priority=high, note=triaged: hardware (printer, fire)",
    "ticket 2: {} queue=IT Access, priority=high, note=triaged: access (vpn, password, log in)",
    "ticket 3: {} queue=Billing, priority=normal, note=triaged: billing (invoice, refund, billed)",
    "ticket 4: {} queue=Service Desk, priority=low, note=triaged: other ()",
];

/// The per-ticket lines of a run, `what` being `updated:` or `would update:`.
fn triaged(what: &str) -> Vec<String> {
    TRIAGED
        .iter()
        .map(|line| format!("  {}", line.replace("{}", what)))
        .collect()
}

#[test]
fn a_new_user_runs_the_quick_start_and_sees_what_it_did_to_each_ticket() -> TestResult {
    let dir = quickstart()?;
    let dir = dir.path();

    let (code, out, _) = otai(dir, &["--help"])?;
    assert_eq!(code, 0);
    for command in ["run", "validate", "render", "tickets"] {
        assert!(out.contains(&format!("\n  {command} ")), "{command}: {out}");
    }

    let (code, out, err) = otai(dir, &["validate"])?;
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "otai.yml: ok\n", "")
    );

    let (code, out, err) = otai(dir, &["run", "--once", "--dry-run"])?;
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "nothing logged at the default level");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("pipeline triage: succeeded in "),
        "{out}"
    );
    assert!(
        lines[0]
            .ends_with(" ms: 4 tickets seen, 4 would change (dry run: nothing written), 0 failed"),
        "{out}"
    );
    assert_eq!(lines[1..], triaged("would update:"), "{out}");

    let (code, out, err) = otai(dir, &["-v", "run", "--once"])?;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].ends_with(" ms: 4 tickets seen, 4 changed, 0 failed"),
        "{out}"
    );
    assert_eq!(lines[1..], triaged("updated:"), "{out}");
    for pipe in [
        "fetch",
        "each[0].classify",
        "each[3].move",
        "each",
        "check",
        "done",
    ] {
        let line = format!("pipe succeeded pipeline=triage pipe={pipe} elapsed=");
        assert_eq!(
            err.matches(&line).count(),
            1,
            "one -v line for {pipe}: {err}"
        );
    }
    assert!(err.contains("0 tickets left in Raw"), "{err}");

    let (code, out, _) = otai(dir, &["render", "--pipe", "move", "--ticket", "2"])?;
    assert_eq!(code, 0, "{out}");
    let rendered: Value = serde_json::from_str(&out)?;
    assert_eq!(rendered["queue"], "IT Access");
    assert_eq!(rendered["ticket_id"], "2");
    assert_eq!(
        rendered["note"]["body"],
        "triaged: access (vpn, password, log in)"
    );

    let item = r#"{"id": "9", "subject": "My mouse is broken"}"#;
    let (code, out, _) = otai(dir, &["render", "--pipe", "move", "--item", item])?;
    assert_eq!(code, 0, "{out}");
    let rendered: Value = serde_json::from_str(&out)?;
    assert_eq!(
        (rendered["ticket_id"].as_str(), rendered["queue"].as_str()),
        (Some("9"), Some("Hardware"))
    );

    // The store is in memory: each command starts from the seed.
    let (code, out, _) = otai(dir, &["tickets", "search", "--queue", "Raw"])?;
    assert_eq!(code, 0);
    assert!(
        out.contains("Printer on fire in room 42") && out.ends_with("(4 tickets)\n"),
        "{out}"
    );
    let (code, out, _) = otai(dir, &["tickets", "get", "1", "--json"])?;
    assert_eq!(code, 0);
    let ticket: Value = serde_json::from_str(&out)?;
    assert_eq!(ticket["queue"]["name"], "Raw");
    Ok(())
}

#[test]
fn the_report_file_and_json_summary_say_per_ticket_what_changed_and_which_rule() -> TestResult {
    let dir = quickstart()?;
    let dir = dir.path();
    let (code, out, err) = otai(
        dir,
        &[
            "--log-format",
            "json",
            "run",
            "--once",
            "--report",
            "report.json",
        ],
    )?;
    assert_eq!((code, err.as_str()), (0, ""));
    let summary: Value = serde_json::from_str(out.trim())?;
    assert_eq!(
        (
            &summary["tickets_seen"],
            &summary["tickets_changed"],
            &summary["tickets_failed"],
            &summary["pipes_failed"]
        ),
        (
            &Value::from(4),
            &Value::from(4),
            &Value::from(0),
            &Value::from(0)
        )
    );
    assert_eq!(
        summary["tickets"][0]["changes"][0],
        "updated: queue=Hardware, priority=high, note=triaged: hardware (printer, fire)"
    );
    let (code, out, _) = otai(dir, &["--log-format", "json", "run", "--once", "--dry-run"])?;
    assert_eq!(code, 0);
    let dry: Value = serde_json::from_str(out.trim())?;
    assert_eq!(
        (
            &dry["dry_run"],
            &dry["tickets_changed"],
            &dry["tickets_would_change"]
        ),
        (&Value::Bool(true), &Value::from(0), &Value::from(4))
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json"))?)?;
    let run = &report["runs"][0];
    assert_eq!(
        (run["pipeline"].as_str(), run["changed"].as_u64()),
        (Some("triage"), Some(4))
    );
    let tickets = run["tickets"].as_array().ok_or("no tickets")?;
    let labels: Vec<&str> = tickets
        .iter()
        .filter_map(|t| t["results"]["classify"]["label"].as_str())
        .collect();
    assert_eq!(labels, ["hardware", "access", "billing", "other"]);
    Ok(())
}

#[test]
fn a_misspelt_ticket_field_fails_naming_the_expression_the_pipe_and_the_ticket() -> TestResult {
    let dir = quickstart()?;
    let config = std::fs::read_to_string(dir.path().join("otai.yml"))?
        .replace("{{ item.subject }}", "{{ item.subjct }}");
    std::fs::write(dir.path().join("otai.yml"), config)?;
    let (code, out, err) = otai(dir.path(), &["run", "--once"])?;
    assert_eq!(code, 1, "a pipe failed: {out}{err}");
    assert!(
        out.contains(": 4 tickets seen, 0 changed, 4 failed; 5 pipes failed\n"),
        "{out}"
    );
    assert!(
        out.contains("  ticket 1: failed: template error in classify.subject: undefined value: tickets have no field `subjct`; did you mean `subject`? (in `{{ item.subjct }}`) (item 0, ticket 1)"),
        "{out}"
    );
    Ok(())
}
