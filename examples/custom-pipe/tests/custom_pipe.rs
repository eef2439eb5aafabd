//! The plugin binary runs the Open Ticket AI file against the OTOBO fake.

use assert_cmd::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test(flavor = "multi_thread")]
async fn runs_the_open_ticket_ai_file_with_the_plugin_pipe() -> TestResult {
    let mut options = otai_otobo_znuny::fake::FakeOptions::default();
    options.agents = vec![("agent".into(), "plugin-secret-pw".into())];
    let fake = otai_otobo_znuny::fake::FakeOtobo::start_with(options).await?;
    let dir = tempfile::tempdir()?;
    let original = include_str!("../otai.yml");
    let config = dir.path().join("otai.yml");
    std::fs::write(
        &config,
        original.replace("https://helpdesk.example.com", &fake.url()),
    )?;
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(&secrets, "OTOBO_PASSWORD: plugin-secret-pw\n")?;

    let run = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("custom-pipe")?
            .args(["run", "-c"])
            .arg(&config)
            .arg("--secrets")
            .arg(&secrets)
            .args([
                "--once",
                "--context",
                "subject=Printer on fire",
                "--context",
                "body=Room 42",
                "-vvv",
            ])
            .output()
            .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
    })
    .await?
    .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8(run.stdout)?;
    let stderr = String::from_utf8(run.stderr)?;
    assert!(run.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("pipeline default: succeeded in ")
            && stdout.contains(": 0 tickets seen, 1 changed, 0 failed\n"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("plugin-secret-pw") && !stdout.contains("plugin-secret-pw"),
        "the password leaked"
    );
    Ok(())
}

#[test]
fn has_the_same_commands_as_otai() -> TestResult {
    let help = Command::cargo_bin("custom-pipe")?.arg("--help").output()?;
    let text = String::from_utf8(help.stdout)?;
    for command in ["run", "validate", "render"] {
        assert!(text.contains(command), "{command} missing from\n{text}");
    }
    Ok(())
}
