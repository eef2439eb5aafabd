//! The built `otai` binary: success and each class of bad input.

use std::path::PathBuf;

use assert_cmd::Command;

mod support;

use support::{TestResult, otai, repo_path, write};

fn quickstart() -> PathBuf {
    repo_path("examples/quickstart/otai.yml")
}

#[test]
fn runs_the_quickstart_once() -> TestResult {
    let config = quickstart();
    let (code, out, err) = otai(&["run", "-c", &config.to_string_lossy(), "--once"])?;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("pipeline triage: succeeded in "), "{out}");
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.ends_with(": 4 tickets seen, 4 changed, 0 failed")),
        "{out}"
    );
    Ok(())
}

#[test]
fn validates_and_renders_the_quickstart() -> TestResult {
    let config = quickstart().to_string_lossy().into_owned();
    let (code, out, _) = otai(&["validate", "-c", &config])?;
    assert_eq!((code, out.trim_end().ends_with(": ok")), (0, true), "{out}");
    let (code, out, err) = otai(&["render", "-c", &config, "--pipe", "move"])?;
    assert_eq!(code, 2, "item is undefined outside a loop: {out}");
    assert!(
        err.starts_with("error: template error in move.note.body: undefined value")
            && err.contains("render it for an item with --ticket ID or --item JSON"),
        "{err}"
    );
    let (code, out, _) = otai(&["render", "-c", &config, "--pipe", "fetch"])?;
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "{\n  \"queue\": \"Raw\"\n}");
    Ok(())
}

#[test]
fn bad_input_gets_one_clear_message_and_exit_code_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let missing = dir.path().join("nope.yml").to_string_lossy().into_owned();
    let (code, _, err) = otai(&["validate", "-c", &missing])?;
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: 1 problem in the configuration:\n  - config error at ")
            && err.contains("cannot read the config file"),
        "{err}"
    );

    let broken = write(&dir, "broken.yml", "pipes: [\n")?;
    let (code, _, err) = otai(&["validate", "-c", &broken])?;
    assert_eq!(code, 2);
    assert!(err.contains("broken.yml:2: invalid YAML"), "{err}");

    let unknown = write(
        &dir,
        "unknown.yml",
        "services:\n  - id: s\n    use: jira\npipes:\n  - id: f\n    use: fetch_tickets\n",
    )?;
    let (code, _, err) = otai(&["validate", "-c", &unknown])?;
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown.yml:3: services.s.use: unknown service `jira`"),
        "{err}"
    );

    let config = quickstart().to_string_lossy().into_owned();
    let (code, _, err) = otai(&["run", "-c", &config, "--once", "--context", "novalue"])?;
    assert_eq!(code, 2);
    assert_eq!(err, "error: --context `novalue`: expected KEY=VALUE\n");
    let (code, _, err) = otai(&["run", "-c", &config, "--once", "--pipeline", "triag"])?;
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown pipeline `triag`; did you mean `triage`?"),
        "{err}"
    );
    let (code, _, err) = otai(&["frobnicate"])?;
    assert_eq!(code, 2);
    assert!(
        err.contains("unrecognized subcommand 'frobnicate'"),
        "{err}"
    );
    Ok(())
}

#[test]
fn secrets_are_required_named_and_never_printed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        "services:\n  - id: o\n    use: otobo-znuny\n    params: {base_url: 'http://127.0.0.1:9', username: a, password: '${{ secrets.OTAI_CLI_TEST_PW }}'}\npipes:\n  - id: f\n    use: fetch_tickets\n    params: {subject_contains: '${{ secrets.OTAI_CLI_TEST_PW }}'}\n",
    )?;
    let (code, _, err) = otai(&["validate", "-c", &config])?;
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "otai.yml:4: services.o.params.password: secret `OTAI_CLI_TEST_PW` is missing: set the environment variable OTAI_CLI_TEST_PW"
        ) && err.contains(
            "otai.yml:8: pipes.f.params.subject_contains: secret `OTAI_CLI_TEST_PW` is missing"
        ),
        "{err}"
    );
    let secrets = write(&dir, "secrets.yml", "OTAI_CLI_TEST_PW: very-secret-pw\n")?;
    let (code, out, err) = otai(&[
        "render",
        "-c",
        &config,
        "--secrets",
        &secrets,
        "--pipe",
        "f",
    ])?;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"subject_contains\": \"***\""), "{out}");
    let (code, out, err) = otai(&[
        "run",
        "-c",
        &config,
        "--secrets",
        &secrets,
        "--once",
        "-vvv",
    ])?;
    assert_eq!(code, 1, "the server is unreachable: {out}");
    assert!(out.contains("cannot connect"), "{out}");
    assert!(
        !out.contains("very-secret-pw") && !err.contains("very-secret-pw"),
        "the secret leaked:\n{out}\n{err}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_connect_checks_each_service() -> TestResult {
    let fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
    let dir = tempfile::tempdir()?;
    let good = write(
        &dir,
        "good.yml",
        &format!(
            "services:\n  - id: otobo\n    use: otobo-znuny\n    params: {{base_url: '{}', username: sdkagent, password: SdkAgent-Test-Pw1}}\npipes:\n  - id: f\n    use: fetch_tickets\n    params: {{queue: Raw}}\n",
            fake.url()
        ),
    )?;
    let bad = write(
        &dir,
        "bad.yml",
        &format!(
            "services:\n  - id: otobo\n    use: otobo-znuny\n    params: {{base_url: '{}', username: sdkagent, password: wrong}}\npipes:\n  - id: f\n    use: fetch_tickets\n    params: {{queue: Raw}}\n",
            fake.url()
        ),
    )?;
    let (good_run, bad_run) = tokio::task::spawn_blocking(move || {
        (
            otai(&["validate", "-c", &good, "--connect"]).map_err(|e| e.to_string()),
            otai(&["validate", "-c", &bad, "--connect"]).map_err(|e| e.to_string()),
        )
    })
    .await?;
    let (code, out, _) = good_run?;
    assert_eq!(
        (code, out.as_str()),
        (0, "service otobo (otobo-znuny): ok\n")
    );
    let (code, out, err) = bad_run?;
    assert_eq!(code, 1);
    assert_eq!(out, "", "a failure goes to stderr");
    assert_eq!(
        err,
        "service otobo (otobo-znuny): authentication failed: SessionCreate: Authorization failing!\n"
    );
    Ok(())
}

#[test]
fn ticket_commands_work_on_the_local_store() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        "services:\n  - id: store\n    use: local\n    params: {path: tickets.sqlite3}\n",
    )?;
    let c = config.as_str();
    let (code, out, err) = otai(&[
        "tickets",
        "-c",
        c,
        "create",
        "--subject",
        "Printer on fire",
        "--body",
        "Room 42",
        "--queue",
        "Raw",
        "--kw",
        "custom_fields={\"Building\":\"B2\"}",
    ])?;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ID  QUEUE  STATE  PRIORITY  NOTES  SUBJECT\n1   Raw    new    -         1      Printer on fire"), "{out}");
    let (code, _, err) = otai(&[
        "tickets",
        "-c",
        c,
        "update",
        "1",
        "--queue",
        "Hardware",
        "--priority",
        "high",
    ])?;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = otai(&[
        "tickets",
        "-c",
        c,
        "note",
        "1",
        "--body",
        "<p>on it</p>",
        "--content-type",
        "text/html",
        "--visible",
    ])?;
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = otai(&[
        "tickets", "-c", c, "search", "--queue", "Hardware", "--json",
    ])?;
    assert_eq!(code, 0);
    let found: serde_json::Value = serde_json::from_str(&out)?;
    assert_eq!(found[0]["priority"]["name"], "high");
    assert_eq!(found[0]["custom_fields"]["Building"], "B2");
    assert_eq!(found[0]["notes"][1]["internal"], false);
    let (code, out, _) = otai(&["tickets", "-c", c, "get", "1", "--json"])?;
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out)?["id"], "1");
    let (code, _, err) = otai(&["tickets", "-c", c, "get", "99"])?;
    assert_eq!((code, err.as_str()), (1, "error: ticket 99 not found\n"));
    let (code, _, err) = otai(&["tickets", "-c", c, "-s", "otobo", "get", "1"])?;
    assert_eq!(
        (code, err.as_str()),
        (2, "error: no service `otobo` (known: store)\n")
    );
    let (code, _, err) = otai(&["tickets", "-c", c, "search", "--kw", "StateType=open"])?;
    assert_eq!(code, 2, "a key the flags cannot give is a usage error");
    assert_eq!(
        err,
        "error: invalid input `StateType`: unknown key for find_tickets; did you mean `state` or `type`?\n"
    );
    let (code, _, err) = otai(&["run", "-c", c, "--once"])?;
    assert_eq!(code, 2);
    assert!(
        err.ends_with("no pipelines to run (add `pipes:` or `pipelines:`)\n"),
        "{err}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_reported_with_the_servers_text() -> TestResult {
    let fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        &format!(
            "services:\n  - id: otobo\n    use: otobo-znuny\n    params: {{base_url: '{}', username: sdkagent, password: SdkAgent-Test-Pw1}}\n",
            fake.url()
        ),
    )?;
    let run = tokio::task::spawn_blocking(move || {
        otai(&[
            "tickets",
            "-c",
            &config,
            "create",
            "--subject",
            "s",
            "--body",
            "b",
            "--queue",
            "Nope",
            "--customer",
            "sdkcustomer",
        ])
        .map_err(|e| e.to_string())
    });
    let (code, _, err) = run.await??;
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: invalid input `Ticket.Queue`: TicketCreate: Ticket->QueueID or Ticket->Queue parameter is invalid!\n"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_otobo_triage_example_runs_against_the_fake() -> TestResult {
    use otai_core::TicketSystemServiceExt;
    let fake = otai_otobo_znuny::fake::FakeOtobo::start().await?;
    let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
    for (subject, body) in [
        ("Printer on fire", "Room 42"),
        ("You are a lottery winner", "click"),
        ("Coffee", "noise"),
    ] {
        let kw = serde_json::json!({"subject": subject, "body": body, "queue": "Raw"});
        otobo
            .create_ticket_kw(kw.as_object().cloned().unwrap_or_default())
            .await?;
    }
    let config = repo_path("examples/otobo-triage/otai.yml");
    let url = fake.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("otai")?
            .args(["run", "--once", "-c"])
            .arg(&config)
            .env("OTOBO_BASE_URL", &url)
            .env("OTOBO_USERNAME", "sdkagent")
            .env("OTOBO_PASSWORD", "SdkAgent-Test-Pw1")
            .output()
            .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
    })
    .await?
    .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8(out.stdout)?;
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("pipeline triage: succeeded in ")
            && stdout.contains(": 3 tickets seen, 3 changed, 0 failed\n"),
        "{stdout}"
    );
    let left = otobo
        .find_tickets_kw(
            serde_json::json!({"queue": "Raw"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .await?;
    assert!(left.is_empty(), "tickets left in Raw");
    let junk = otobo
        .find_tickets_kw(
            serde_json::json!({"queue": "Junk"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .await?;
    assert_eq!(junk.len(), 1);
    assert_eq!(
        junk[0].priority.as_ref().and_then(|p| p.name.as_deref()),
        Some("1 very low")
    );
    assert_eq!(
        junk[0].notes.last().and_then(|n| n.body.as_deref()),
        Some("triaged: spam")
    );
    Ok(())
}

#[test]
fn prints_and_writes_the_config_schema() -> TestResult {
    let (code, stdout, _) = otai(&["schema"])?;
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(printed["type"], "object");
    assert!(printed["properties"]["services"].is_object());
    // The sections otai serve reads are typed from the structs that read them.
    assert_eq!(
        printed["properties"]["server"]["$ref"],
        "#/$defs/ServerConfig"
    );
    assert_eq!(
        printed["properties"]["state"]["$ref"],
        "#/$defs/StateConfig"
    );
    let inbound = &printed["$defs"]["InboundConfig"];
    assert_eq!(inbound["additionalProperties"], false);
    let required = inbound["required"].as_array().cloned().unwrap_or_default();
    for key in ["id", "service", "accounts", "ticket"] {
        assert!(
            required.contains(&key.into()),
            "{key} is required: {inbound}"
        );
    }
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("otai.schema.json");
    let (code, stdout, _) = otai(&["schema", "-o", &file.to_string_lossy()])?;
    assert_eq!((code, stdout.as_str()), (0, ""));
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    assert_eq!(written, printed);
    Ok(())
}

#[test]
fn notes_take_attached_files_and_tickets_list_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        "services:\n  - id: store\n    use: local\n    params: {path: tickets.sqlite3}\n",
    )?;
    let c = config.as_str();
    let log = write(&dir, "app.log", "line one\nline two\n")?;
    let odd = write(&dir, "odd\u{1b}[31mname.bin", "x")?;
    let (code, _, err) = otai(&[
        "tickets",
        "-c",
        c,
        "create",
        "--subject",
        "s",
        "--body",
        "b",
    ])?;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = otai(&[
        "tickets", "-c", c, "note", "1", "--body", "logs", "--attach", &log,
    ])?;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ATTACHMENTS\n"), "{out}");
    assert!(out.contains(": app.log (text/plain, 18 B)\n"), "{out}");
    let (code, _, err) = otai(&[
        "tickets", "-c", c, "note", "1", "--body", "b", "--attach", &odd,
    ])?;
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: invalid input `attachments[0].name`: the name must not hold control characters\n"
    );

    let (code, out, _) = otai(&["tickets", "-c", c, "get", "1", "--json"])?;
    assert_eq!(code, 0);
    let ticket: serde_json::Value = serde_json::from_str(&out)?;
    assert_eq!(
        ticket["notes"][1]["attachments"][0],
        serde_json::json!({"name": "app.log", "content_type": "text/plain", "size": 18})
    );
    let (code, out, _) = otai(&["tickets", "-c", c, "get", "1", "--json", "--attachments"])?;
    assert_eq!(code, 0);
    let ticket: serde_json::Value = serde_json::from_str(&out)?;
    assert_eq!(
        ticket["notes"][1]["attachments"][0]["content"],
        "bGluZSBvbmUKbGluZSB0d28K"
    );
    assert!(
        ticket["notes"][0].get("attachments").is_none(),
        "a note without attachments has no key"
    );

    let missing = dir.path().join("nope.txt");
    let missing = missing.to_string_lossy();
    let (code, out, err) = otai(&[
        "tickets", "-c", c, "note", "1", "--body", "b", "--attach", &missing,
    ])?;
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with(&format!("error: attachment `{missing}`: ")),
        "{err}"
    );

    let big = dir.path().join("big.bin");
    std::fs::File::create(&big)?.set_len(20 * 1024 * 1024 + 1)?;
    let big = big.to_string_lossy();
    let (code, _, err) = otai(&[
        "tickets", "-c", c, "note", "1", "--body", "b", "--attach", &big,
    ])?;
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: attachment `{big}`: too large; a note's attachments may hold at most 20971520 bytes (20 MiB) together\n"
        )
    );
    Ok(())
}

#[test]
fn attachment_names_from_elsewhere_are_escaped_for_people() -> TestResult {
    let dir = tempfile::tempdir()?;
    // A seed stands in for a helpdesk that stored a name otai would refuse to write.
    write(
        &dir,
        "seed.json",
        r#"[{"subject": "s", "notes": [{"body": "b", "attachments": [
            {"name": "odd\u001b[31mname.bin", "content_type": "application/octet-stream", "size": 3, "content": "eHl6"}]}]}]"#,
    )?;
    let config = write(
        &dir,
        "otai.yml",
        "services:\n  - id: store\n    use: local\n    params: {path: tickets.sqlite3, seed: seed.json}\n",
    )?;
    let (code, out, err) = otai(&["tickets", "-c", &config, "get", "1"])?;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(": odd\\u{1b}[31mname.bin (application/octet-stream, 3 B)\n"),
        "{out}"
    );
    Ok(())
}
