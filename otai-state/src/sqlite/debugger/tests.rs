use std::time::Duration;

use super::*;
use crate::debugger::MAX_BODY_BYTES;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn communication(webservice: &str, level: DebugLevel) -> Communication {
    Communication {
        webservice: webservice.into(),
        operation: Some("SessionCreate".into()),
        remote_addr: Some("127.0.0.1:5000".into()),
        request: r#"{"UserLogin":"agent1","Password":"hunter2"}"#.into(),
        mapped_request: Some(r#"{"UserLogin":"agent1","Password":"hunter2"}"#.into()),
        response: Some(r#"{"SessionID":"abc123secret"}"#.into()),
        error: None,
        duration: Duration::from_millis(12),
        level,
    }
}

#[test]
fn communications_below_the_threshold_are_not_kept() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let redactor = Redactor::new();
    let info = communication("ws", DebugLevel::Info);
    assert_eq!(store.record(&info, DebugLevel::Notice, &redactor)?, None);
    assert!(store.record(&info, DebugLevel::Info, &redactor)?.is_some());
    assert!(store.record(&info, DebugLevel::Debug, &redactor)?.is_some());
    let mut failed = communication("ws", DebugLevel::Debug);
    failed.error = Some("TicketCreate.MissingParameter".into());
    let id = store.record(&failed, DebugLevel::Error, &redactor)?;
    let shown = store.show(id.ok_or("an error is kept at threshold error")?)?;
    assert_eq!(shown.ok_or("no row")?.summary.level, DebugLevel::Error);
    assert_eq!(store.list(&DebugFilter::default())?.len(), 3);
    Ok(())
}

#[test]
fn credentials_are_redacted_before_they_are_stored() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let redactor = Redactor::new();
    redactor.hide("agent-secret-value");
    let mut c = communication("ws", DebugLevel::Info);
    c.error = Some("login failed for agent-secret-value".into());
    let id = store
        .record(&c, DebugLevel::Debug, &redactor)?
        .ok_or("kept")?;
    let entry = store.show(id)?.ok_or("no row")?;
    let all = serde_json::to_string(&entry)?;
    for secret in ["hunter2", "abc123secret", "agent-secret-value"] {
        assert!(!all.contains(secret), "{secret} stored: {all}");
    }
    assert_eq!(entry.request, r#"{"UserLogin":"agent1","Password":"***"}"#);
    assert_eq!(entry.response.as_deref(), Some(r#"{"SessionID":"***"}"#));
    assert_eq!(entry.summary.error.as_deref(), Some("login failed for ***"));
    assert_eq!(entry.summary.duration_ms, 12);
    Ok(())
}

#[test]
fn bodies_are_capped_with_a_marker() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let mut c = communication("ws", DebugLevel::Info);
    c.request = "é".repeat(MAX_BODY_BYTES);
    let id = store
        .record(&c, DebugLevel::Debug, &Redactor::new())?
        .ok_or("kept")?;
    let entry = store.show(id)?.ok_or("no row")?;
    let marker = format!("\n… [truncated: {} bytes in all]", 2 * MAX_BODY_BYTES);
    assert!(entry.request.ends_with(&marker), "no marker");
    assert_eq!(entry.request.len(), MAX_BODY_BYTES + marker.len());
    Ok(())
}

#[test]
fn list_filters_by_webservice_time_and_limit_newest_first() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let redactor = Redactor::new();
    let mut ids = Vec::new();
    for ws in ["a", "b", "a", "a"] {
        let c = communication(ws, DebugLevel::Info);
        ids.push(
            store
                .record(&c, DebugLevel::Debug, &redactor)?
                .ok_or("kept")?,
        );
    }
    let only_a = store.list(&DebugFilter {
        webservice: Some("a".into()),
        ..DebugFilter::default()
    })?;
    let got: Vec<i64> = only_a.iter().map(|s| s.id).collect();
    assert_eq!(got, [ids[3], ids[2], ids[0]]);
    let two = store.list(&DebugFilter {
        limit: 2,
        ..DebugFilter::default()
    })?;
    assert_eq!(two.len(), 2);
    let future = store.list(&DebugFilter {
        since: Some("2999-01-01T00:00:00Z".into()),
        ..DebugFilter::default()
    })?;
    assert!(future.is_empty());
    assert_eq!(store.show(9999)?, None);
    Ok(())
}

#[test]
fn prune_forgets_old_communications_of_one_webservice_or_all() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let redactor = Redactor::new();
    for ws in ["a", "b"] {
        store.record(
            &communication(ws, DebugLevel::Info),
            DebugLevel::Debug,
            &redactor,
        )?;
    }
    assert_eq!(
        store.prune(Some("a"), "2000-01-01T00:00:00Z")?,
        0,
        "nothing that old"
    );
    assert_eq!(store.prune(Some("a"), "2999-01-01T00:00:00Z")?, 1);
    assert_eq!(store.list(&DebugFilter::default())?.len(), 1);
    assert_eq!(store.prune(None, "2999-01-01T00:00:00Z")?, 1);
    assert!(store.list(&DebugFilter::default())?.is_empty());
    Ok(())
}

#[test]
fn levels_are_ordered_and_named() {
    use DebugLevel::*;
    assert!(Debug < Info && Info < Notice && Notice < Error);
    for level in [Debug, Info, Notice, Error] {
        assert_eq!(DebugLevel::parse(level.as_str()), Some(level));
    }
    assert_eq!(DebugLevel::parse("warning"), None);
}

#[test]
fn a_version_3_store_gains_the_debugger_table() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("state.sqlite");
    drop(SqliteStore::open(&path)?);
    let old = rusqlite::Connection::open(&path)?;
    old.execute_batch("DROP TABLE gi_debug; DROP TABLE gi_webservice_versions")?;
    old.pragma_update(None, "user_version", 3)?;
    drop(old);
    let store = SqliteStore::open(&path)?;
    let c = communication("ws", DebugLevel::Info);
    let id = store.record(&c, DebugLevel::Info, &Redactor::new())?;
    assert!(store.show(id.ok_or("kept")?)?.is_some());
    Ok(())
}
