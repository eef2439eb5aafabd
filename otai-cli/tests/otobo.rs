//! The built `otai` binary against the OTOBO fake: one-shot processes share one session through
//! the session cache instead of piling up sessions (the Generic Interface has no logout), and
//! tickets are named by number.

use otai_core::TicketSystemServiceExt;
use otai_otobo_znuny::fake::FakeOtobo;

mod support;

use support::TestResult;

/// Runs `otai args` with `cache_home` as `XDG_CACHE_HOME`; returns (exit code, stdout+stderr).
fn otai(args: &[&str], cache_home: &std::path::Path) -> Result<(i32, String), String> {
    let cache_home = cache_home.to_string_lossy();
    let (code, out, err) = support::command(args, &[("XDG_CACHE_HOME", &cache_home)])
        .and_then(support::run)
        .map_err(|e| e.to_string())?;
    Ok((code, format!("{out}{err}")))
}

/// A config for the fake's first agent, with `extra` params.
fn config(dir: &tempfile::TempDir, url: &str, extra: &str) -> Result<String, std::io::Error> {
    let path = dir.path().join("otai.yml");
    std::fs::write(
        &path,
        format!(
            "services:\n  - id: otobo\n    use: otobo-znuny\n    params: {{base_url: '{url}', username: sdkagent, password: SdkAgent-Test-Pw1{extra}}}\n"
        ),
    )?;
    Ok(path.to_string_lossy().into_owned())
}

/// A ticket on the fake; returns its id.
async fn a_ticket(fake: &FakeOtobo) -> Result<String, Box<dyn std::error::Error>> {
    let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
    let kw = serde_json::json!({"subject": "cron", "body": "b"});
    let created = otobo
        .create_ticket_kw(kw.as_object().cloned().unwrap_or_default())
        .await?;
    created.id.ok_or_else(|| "no id".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_cli_calls_create_at_most_one_session() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let id = a_ticket(&fake).await?;
    let before = fake.session_creates();
    let dir = tempfile::tempdir()?;
    let config = config(&dir, &fake.url(), "")?;
    let cache_home = dir.path().join("cache");
    let runs = tokio::task::spawn_blocking(move || {
        (0..50)
            .map(|_| otai(&["tickets", "-c", &config, "get", &id], &cache_home))
            .collect::<Result<Vec<_>, String>>()
    });
    for (code, text) in runs.await?? {
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("cron"), "{text}");
    }
    assert!(
        fake.session_creates() - before <= 1,
        "{} SessionCreate calls",
        fake.session_creates() - before
    );
    let cached = std::fs::read_dir(dir.path().join("cache").join("otai"))?.count();
    assert_eq!(cached, 1, "one cache file");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn session_cache_false_logs_in_every_time() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let id = a_ticket(&fake).await?;
    let before = fake.session_creates();
    let dir = tempfile::tempdir()?;
    let config = config(&dir, &fake.url(), ", session_cache: false")?;
    let cache_home = dir.path().join("cache");
    let home = cache_home.clone();
    let runs = tokio::task::spawn_blocking(move || {
        (0..3)
            .map(|_| otai(&["tickets", "-c", &config, "get", &id], &home))
            .collect::<Result<Vec<_>, String>>()
    });
    for (code, text) in runs.await?? {
        assert_eq!(code, 0, "{text}");
    }
    assert_eq!(fake.session_creates() - before, 3);
    assert!(!cache_home.exists(), "nothing written");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_are_named_by_number_on_the_command_line() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let id = a_ticket(&fake).await?;
    let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
    let number = otobo
        .get_ticket_by_id(&id)
        .await?
        .and_then(|t| t.number)
        .ok_or("no number")?;
    let dir = tempfile::tempdir()?;
    let config = config(&dir, &fake.url(), ", session_cache: false")?;
    let home = dir.path().join("cache");
    let runs = tokio::task::spawn_blocking(move || {
        let get = otai(
            &[
                "tickets", "-c", &config, "--json", "get", "--number", &number,
            ],
            &home,
        )?;
        let note = otai(
            &[
                "tickets",
                "-c",
                &config,
                "note",
                "--number",
                "987654321",
                "--body",
                "b",
            ],
            &home,
        )?;
        let both = otai(
            &["tickets", "-c", &config, "get", "1", "--number", &number],
            &home,
        )?;
        Ok::<_, String>((get, note, both))
    });
    let (get, note, both) = runs.await??;
    let ticket: serde_json::Value = serde_json::from_str(&get.1)?;
    assert_eq!(
        (get.0, ticket["id"].as_str()),
        (0, Some(id.as_str())),
        "{}",
        get.1
    );
    assert_eq!(
        note,
        (1, "error: ticket number 987654321 not found\n".to_owned())
    );
    assert_eq!(both.0, 2, "{}", both.1);
    assert!(both.1.contains("cannot be used with"), "{}", both.1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn history_is_a_table_or_json() -> TestResult {
    let fake = FakeOtobo::start().await?;
    let id = a_ticket(&fake).await?;
    let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
    let kw = serde_json::json!({"ticket_id": id, "queue": "Misc"});
    otobo
        .update_ticket_kw(kw.as_object().cloned().unwrap_or_default())
        .await?;
    let dir = tempfile::tempdir()?;
    let config = config(&dir, &fake.url(), ", session_cache: false")?;
    let home = dir.path().join("cache");
    let runs = tokio::task::spawn_blocking(move || {
        let table = otai(&["tickets", "-c", &config, "history", &id], &home)?;
        let json = otai(&["tickets", "-c", &config, "--json", "history", &id], &home)?;
        Ok::<_, String>((table, json))
    });
    let (table, json) = runs.await??;
    assert_eq!(table.0, 0, "{}", table.1);
    assert!(table.1.starts_with("TIME"), "{}", table.1);
    assert!(table.1.contains("queue: Raw → Misc"), "{}", table.1);
    let entries: serde_json::Value = serde_json::from_str(&json.1)?;
    let moved = entries
        .as_array()
        .and_then(|e| e.iter().find(|h| h["kind"] == "Move"))
        .ok_or("no Move entry")?;
    assert_eq!(moved["new"], "Misc", "{}", json.1);
    Ok(())
}
