//! The command-line conventions users expect: a closed pipe, colours, completions and the
//! manual page, flags in any place, usage errors, offline validation, switches and schedules.

use std::process::Stdio;

mod support;

use support::{TestResult, otai, otai_env, repo_file, write};

/// A local store seeded with `tickets` tickets in queue `Raw`, and one pipeline.
fn store(dir: &tempfile::TempDir, tickets: usize) -> Result<String, std::io::Error> {
    let seed: String = (0..tickets)
        .map(|i| format!("- {{subject: 'Ticket number {i} with a subject long enough to fill a line', queue: Raw}}\n"))
        .collect();
    write(dir, "seed.yml", &seed)?;
    write(
        dir,
        "otai.yml",
        "services:\n  - id: store\n    use: local\n    params: {path: ':memory:', seed: seed.yml}\npipes:\n  - {id: fetch, use: fetch_tickets, params: {queue: Raw}}\n",
    )
}

#[test]
fn a_reader_that_goes_away_ends_the_command_without_a_panic() -> TestResult {
    let dir = tempfile::tempdir()?;
    // Far more than a pipe holds: the command is still writing when the reader has gone.
    let config = store(&dir, 3000)?;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("otai"))
        .args([
            "tickets", "search", "--all", "--limit", "3000", "-c", &config,
        ])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Close the read end before reading anything, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output()?;
    let stderr = String::from_utf8(out.stderr)?;
    #[cfg(unix)]
    let killed_by_sigpipe = std::os::unix::process::ExitStatusExt::signal(&out.status) == Some(13);
    #[cfg(not(unix))]
    let killed_by_sigpipe = false;
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(141) || killed_by_sigpipe,
        "{:?}: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

#[test]
fn completions_and_the_manual_page_are_printed_for_every_subcommand() -> TestResult {
    let (code, bash, _) = otai(&["completions", "bash"])?;
    assert_eq!(code, 0);
    assert!(
        bash.contains("_otai()") && bash.contains("tickets"),
        "{bash}"
    );
    let (code, zsh, _) = otai(&["completions", "zsh"])?;
    assert_eq!(code, 0);
    assert!(zsh.starts_with("#compdef otai"), "{zsh}");
    let (code, page, _) = otai(&["man"])?;
    assert_eq!(code, 0);
    assert!(page.contains(".TH otai 1"), "{page}");
    for subcommand in ["run", "validate", "render", "tickets", "completions"] {
        assert!(
            page.contains(subcommand),
            "{subcommand} missing from the page"
        );
    }
    let (code, _, err) = otai(&["completions", "tcsh"])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
    Ok(())
}

#[test]
fn every_subcommand_shows_examples_in_its_help() -> TestResult {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["validate", "--help"],
        &["render", "--help"],
        &["tickets", "--help"],
        &["tickets", "get", "--help"],
        &["tickets", "search", "--help"],
        &["tickets", "create", "--help"],
        &["tickets", "update", "--help"],
        &["tickets", "history", "--help"],
        &["tickets", "note", "--help"],
        &["completions", "--help"],
        &["man", "--help"],
    ] {
        let (code, out, _) = otai(args)?;
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Examples:\n  otai "), "{args:?}: {out}");
    }
    Ok(())
}

#[test]
fn config_and_service_flags_are_taken_before_or_after_the_operation() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = store(&dir, 2)?;
    for args in [
        &["tickets", "-c", &config, "-s", "store", "search", "--all"][..],
        &["tickets", "search", "--all", "-c", &config, "-s", "store"],
        &[
            "tickets", "search", "-s", "store", "--all", "--config", &config,
        ],
    ] {
        let (code, out, err) = otai(args)?;
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.ends_with("(2 tickets)\n"), "{args:?}: {out}");
    }
    let (code, _, err) = otai(&["tickets", "search", "--all", "-c", &config, "-s", "nope"])?;
    assert_eq!(
        (code, err.as_str()),
        (2, "error: no service `nope` (known: store)\n")
    );
    Ok(())
}

#[test]
fn kw_mistakes_are_usage_errors_with_exit_code_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = store(&dir, 1)?;
    let (code, _, err) = otai(&["tickets", "search", "-c", &config, "--kw", "queu=Raw"])?;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: invalid input `queu`: unknown key"),
        "{err}"
    );
    let (code, _, err) = otai(&["tickets", "search", "-c", &config, "--kw", "queue"])?;
    assert_eq!(
        (code, err.as_str()),
        (2, "error: --kw `queue`: expected KEY=VALUE\n")
    );
    let (code, _, err) = otai(&[
        "tickets",
        "search",
        "-c",
        &config,
        "--kw",
        "limit=\"ten\"",
        "--all",
    ])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("limit"), "{err}");
    Ok(())
}

#[test]
fn log_colours_follow_the_color_flag() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        "pipes:\n  - {id: say, use: log, params: {message: hello}}\n",
    )?;
    let run = |color: &str| otai(&["run", "--once", "-v", "--color", color, "-c", &config]);
    let (code, _, colored) = run("always")?;
    assert_eq!(code, 0, "{colored}");
    assert!(colored.contains("\u{1b}["), "{colored}");
    let (code, _, plain) = run("never")?;
    assert_eq!(code, 0, "{plain}");
    assert!(!plain.is_empty() && !plain.contains('\u{1b}'), "{plain}");
    // NO_COLOR does not override an explicit `always`; `auto` off a terminal is plain.
    let (_, _, auto) = otai_env(
        &["run", "--once", "-v", "-c", &config],
        &[("NO_COLOR", "1")],
    )?;
    assert!(!auto.contains('\u{1b}'), "{auto}");
    Ok(())
}

#[test]
fn validate_no_secrets_checks_everything_but_the_secrets() -> TestResult {
    let example = repo_file("examples/otobo-triage", "otai.yml");
    let (code, _, err) = otai(&["validate", "-c", &example])?;
    assert_eq!(code, 2, "without the flag an unset secret is an error");
    assert!(err.contains("secret `OTOBO_BASE_URL` is missing"), "{err}");
    let (code, out, err) = otai(&["validate", "--no-secrets", "-c", &example])?;
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.ends_with(": ok\n"), "{out}");

    // Everything else is still checked: a misspelt param, a bad param beside the secret.
    let dir = tempfile::tempdir()?;
    let text = std::fs::read_to_string(&example)?
        .replace("queue: Raw", "queu: Raw")
        .replace(
            "concurrency: 16\n\npipelines",
            "concurrency: 0\n\npipelines",
        );
    let broken = write(&dir, "otai.yml", &text)?;
    let (code, _, err) = otai(&["validate", "--no-secrets", "-c", &broken])?;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pipes.fetch.params.queu: unknown key"),
        "{err}"
    );
    assert!(err.contains("services.otobo.params.concurrency"), "{err}");
    assert!(!err.contains("OTOBO_"), "{err}");
    Ok(())
}

#[test]
fn a_config_without_pipelines_is_a_note_at_validate_and_an_error_at_run() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        "$schema: ./otai.schema.json\nservices:\n  - {id: store, use: local, params: {path: ':memory:'}}\n",
    )?;
    let (code, out, err) = otai(&["validate", "-c", &config])?;
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.starts_with("note: ")
            && out.contains("has no pipelines to run")
            && out.ends_with(": ok\n"),
        "{out}"
    );
    let (code, _, err) = otai(&["run", "--once", "-c", &config])?;
    assert_eq!(code, 2);
    assert!(err.contains("no pipelines to run"), "{err}");
    Ok(())
}

#[test]
fn disabled_pipelines_and_pipes_are_checked_listed_and_not_run() -> TestResult {
    let dir = tempfile::tempdir()?;
    let config = write(
        &dir,
        "otai.yml",
        "services:
  - {id: store, use: local, params: {path: ':memory:'}}
  - {id: spare, use: local, params: {path: ':memory:'}, enabled: false}
pipelines:
  triage:
    trigger: {cron: '0 9 * * mon-fri', tz: Europe/Berlin}
    pipes:
      - {id: say, use: log, params: {message: hello}}
      - {id: create, use: create_ticket, service: store, params: {subject: x, queue: Raw}, enabled: false}
  archive:
    enabled: false
    pipes:
      - {id: old, use: fetch_tickets, service: spare, params: {queue: Old}}
",
    )?;
    let (code, out, err) = otai(&["run", "--once", "-v", "-c", &config])?;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("pipeline triage: succeeded in ")
            && out.contains(": 0 tickets seen, 0 changed, 0 failed"),
        "{out}"
    );
    assert!(!out.contains("archive"), "{out}");
    for disabled in ["service `spare`", "pipeline `archive`", "pipe `create`"] {
        assert!(
            err.contains(&format!("{disabled} is disabled")),
            "{disabled}: {err}"
        );
    }
    // Disabled is still checked: a typo inside it is an error.
    let typo = write(
        &dir,
        "typo.yml",
        "pipes:\n  - {id: say, use: log, params: {message: hi}}\n  - {id: off, use: log, params: {mesage: hi}, enabled: false}\n",
    )?;
    let (code, _, err) = otai(&["validate", "-c", &typo])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pipes.off.params"), "{err}");
    Ok(())
}
