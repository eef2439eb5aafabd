use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn staged(store: &SqliteStore, account: &str) -> Result<i64, StateError> {
    store.stage(&NewStaged {
        integration: "monitoring".into(),
        account: account.into(),
        payload: r#"{"event_id":"e1"}"#.into(),
        received_at: "2026-01-01T00:00:00Z".into(),
    })
}

#[test]
fn a_staged_row_moves_to_inserted_and_is_counted() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let id = staged(&store, "zabbix")?;
    assert!(store.begin_attempt(id, &[Status::Received], "{}")?);
    assert!(
        !store.begin_attempt(id, &[Status::Received], "{}")?,
        "claimed twice"
    );
    store.inserted(id, "7", Some("2026000007"))?;
    let row = store.get(id)?.ok_or("no row")?;
    assert_eq!(row.status, Status::Inserted);
    assert_eq!(row.ticket_number.as_deref(), Some("2026000007"));
    assert_eq!(row.attempts, 1);
    assert_eq!(
        row.request, None,
        "the rendered ticket is dropped once created"
    );
    let stats = store.stats()?;
    assert_eq!(
        (stats[0].requests, stats[0].created, stats[0].rejected),
        (1, 1, 0)
    );
    Ok(())
}

#[test]
fn an_external_id_is_held_by_one_row_unless_that_row_failed() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let first = staged(&store, "zabbix")?;
    assert_eq!(store.claim(first, "e1")?, Claim::Claimed);
    let second = staged(&store, "zabbix")?;
    match store.claim(second, "e1")? {
        Claim::Taken(row) => assert_eq!(row.id, first),
        Claim::Claimed => return Err("a key was claimed twice".into()),
    }
    store.failed(first, "[]")?;
    assert_eq!(store.claim(second, "e1")?, Claim::Claimed);
    assert_eq!(store.get(first)?.ok_or("no row")?.external_id, None);
    Ok(())
}

#[test]
fn the_same_key_in_two_integrations_is_two_keys() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let first = staged(&store, "zabbix")?;
    store.claim(first, "e1")?;
    let other = store.stage(&NewStaged {
        integration: "crm".into(),
        account: "crm".into(),
        payload: "{}".into(),
        received_at: "2026-01-01T00:00:00Z".into(),
    })?;
    assert_eq!(store.claim(other, "e1")?, Claim::Claimed);
    Ok(())
}

#[test]
fn interrupted_attempts_keep_their_key_and_are_never_due() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let id = staged(&store, "zabbix")?;
    store.claim(id, "e1")?;
    store.begin_attempt(id, &[Status::Received], "{}")?;
    assert_eq!(store.interrupted()?, 1);
    let row = store.get(id)?.ok_or("no row")?;
    assert_eq!(row.status, Status::Interrupted);
    let resent = staged(&store, "zabbix")?;
    assert!(
        matches!(store.claim(resent, "e1")?, Claim::Taken(_)),
        "a resend took the key"
    );
    assert!(row.errors.unwrap_or_default().contains("interrupted"));
    assert!(store.due("9999", 10)?.is_empty());
    Ok(())
}

#[test]
fn retrying_rows_are_due_when_their_time_comes() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let id = staged(&store, "zabbix")?;
    store.begin_attempt(id, &[Status::Received], r#"{"subject":"x"}"#)?;
    store.retry_later(id, "[]", "2026-01-01T00:01:00Z")?;
    assert!(store.due("2026-01-01T00:00:59Z", 10)?.is_empty());
    let due = store.due("2026-01-01T00:01:00Z", 10)?;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].request.as_deref(), Some(r#"{"subject":"x"}"#));
    Ok(())
}

#[test]
fn a_sweep_keeps_the_keys_of_created_tickets() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let keyed = staged(&store, "zabbix")?;
    store.claim(keyed, "e1")?;
    store.begin_attempt(keyed, &[Status::Received], "{}")?;
    store.inserted(keyed, "1", None)?;
    let refused = staged(&store, "zabbix")?;
    store.failed(refused, "[]")?;
    let pending = staged(&store, "zabbix")?;
    assert_eq!(store.sweep("2027-01-01T00:00:00Z")?, 2);
    assert_eq!(store.get(refused)?, None);
    assert_eq!(
        store.get(pending)?.ok_or("pending row swept")?.status,
        Status::Received
    );
    let kept = store.get(keyed)?.ok_or("keyed row swept")?;
    assert_eq!(
        (kept.payload.as_str(), kept.ticket_id.as_deref()),
        ("", Some("1"))
    );
    let again = staged(&store, "zabbix")?;
    assert!(matches!(store.claim(again, "e1")?, Claim::Taken(_)));
    Ok(())
}

#[test]
fn a_file_store_is_reopened_at_its_version_and_a_foreign_file_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("state.sqlite");
    let id = staged(&SqliteStore::open(&path)?, "zabbix")?;
    let store = SqliteStore::open(&path)?;
    assert_eq!(store.get(id)?.ok_or("row lost")?.account, "zabbix");
    let foreign = dir.path().join("foreign.sqlite");
    Connection::open(&foreign)?.execute_batch("CREATE TABLE t (x)")?;
    let Err(error) = SqliteStore::open(&foreign) else {
        return Err("a foreign file was opened".into());
    };
    assert!(
        error.to_string().contains("not an otai state store"),
        "{error}"
    );
    let newer = dir.path().join("newer.sqlite");
    SqliteStore::open(&newer)?;
    Connection::open(&newer)?.pragma_update(None, "user_version", 99)?;
    let Err(error) = SqliteStore::open(&newer) else {
        return Err("a newer schema was opened".into());
    };
    assert!(error.to_string().contains("schema version 99"), "{error}");
    Ok(())
}

fn event() -> NewStaged {
    NewStaged {
        integration: "monitoring".into(),
        account: "zabbix".into(),
        payload: r#"{"event_id":"e1"}"#.into(),
        received_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn admission(key: &str, verdict: Verdict) -> Admission {
    Admission {
        external_id: Some(key.into()),
        verdict,
    }
}

#[test]
fn admit_stages_claims_and_begins_in_one_step() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let send = admission("e1", Verdict::Send(r#"{"subject":"x"}"#.into()));
    let Admitted::Sending(first) = store.admit(&event(), &send)? else {
        return Err("not sending".into());
    };
    let row = store.get(first)?.ok_or("no row")?;
    assert_eq!(row.status, Status::Processing);
    assert_eq!(row.external_id.as_deref(), Some("e1"));
    assert_eq!(row.attempts, 1);
    let Admitted::Duplicate { id, first: held } = store.admit(&event(), &send)? else {
        return Err("a resend was not a duplicate".into());
    };
    assert_eq!(held.id, first);
    let row = store.get(id)?.ok_or("no row")?;
    assert_eq!(
        (row.status, row.duplicate_of),
        (Status::Ignored, Some(first))
    );
    assert_eq!(store.stats()?[0].requests, 2);
    Ok(())
}

#[test]
fn a_refused_admission_gives_its_key_up() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let refuse = admission("e1", Verdict::Refuse("[]".into()));
    let Admitted::Refused(id) = store.admit(&event(), &refuse)? else {
        return Err("not refused".into());
    };
    assert_eq!(store.get(id)?.ok_or("no row")?.status, Status::Error);
    let send = admission("e1", Verdict::Send("{}".into()));
    assert!(matches!(
        store.admit(&event(), &send)?,
        Admitted::Sending(_)
    ));
    assert_eq!(store.stats()?[0].rejected, 1);
    Ok(())
}

#[test]
fn the_readers_of_a_file_see_each_commit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("state.sqlite"))?;
    let send = admission("e1", Verdict::Send("{}".into()));
    let Admitted::Sending(id) = store.admit(&event(), &send)? else {
        return Err("not sending".into());
    };
    store.inserted(id, "7", None)?;
    assert_eq!(store.get(id)?.ok_or("no row")?.status, Status::Inserted);
    assert_eq!(store.list(&StagingFilter::default())?.len(), 1);
    Ok(())
}

#[test]
fn the_cache_keeps_bounded_values_until_they_expire() -> TestResult {
    let store = SqliteStore::in_memory()?;
    let epoch = "1970-01-01T00:00:00Z";
    assert_eq!(store.cache_get("k", epoch)?, None);
    store.cache_put("k", "v1")?;
    store.cache_put("k", "v2")?;
    assert_eq!(store.cache_get("k", epoch)?.as_deref(), Some("v2"));
    assert_eq!(
        store.cache_get("k", "9999-01-01T00:00:00Z")?,
        None,
        "expired"
    );
    store.cache_put("big", &"x".repeat(MAX_CACHE_VALUE_BYTES + 1))?;
    assert_eq!(store.cache_get("big", epoch)?, None, "too big to keep");
    assert_eq!(store.cache_sweep("9999-01-01T00:00:00Z")?, 1);
    assert_eq!(store.cache_get("k", epoch)?, None);
    Ok(())
}

#[test]
fn a_version_1_store_gains_the_cache_and_gi_sessions_and_keeps_its_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("state.sqlite");
    let id = staged(&SqliteStore::open(&path)?, "zabbix")?;
    let old = Connection::open(&path)?;
    old.execute_batch(
        "DROP TABLE cache; DROP TABLE gi_sessions; DROP TABLE gi_debug; DROP TABLE gi_webservice_versions",
    )?;
    old.pragma_update(None, "user_version", 1)?;
    drop(old);
    let store = SqliteStore::open(&path)?;
    assert_eq!(store.get(id)?.ok_or("row lost")?.account, "zabbix");
    store.cache_put("k", "v")?;
    assert_eq!(
        store.cache_get("k", "1970-01-01T00:00:00Z")?.as_deref(),
        Some("v")
    );
    assert_eq!(store.gi_session_get("none")?, None);
    Ok(())
}

#[test]
fn a_gi_session_is_stored_touched_swept_and_deleted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("state.sqlite");
    let session = GiSession {
        id_hash: "ab12".into(),
        webservice: "GenericTicketConnectorREST".into(),
        kind: "User".into(),
        login: "agent1".into(),
        remote_addr: Some("127.0.0.1".into()),
        created_at: 100,
        last_used_at: 100,
    };
    {
        let store = SqliteStore::open(&path)?;
        store.gi_session_put(&session)?;
        store.gi_session_touch("ab12", 150)?;
    }
    // Sessions survive a restart.
    let store = SqliteStore::open(&path)?;
    let read = store.gi_session_get("ab12")?.ok_or("no session")?;
    assert_eq!(read.last_used_at, 150);
    assert_eq!(read.login, "agent1");
    assert_eq!(store.gi_session_get("other")?, None);
    assert_eq!(store.gi_session_sweep(100)?, 0, "created at 100 is kept");
    assert_eq!(store.gi_session_sweep(101)?, 1);
    assert_eq!(store.gi_session_get("ab12")?, None);
    store.gi_session_put(&session)?;
    store.gi_session_delete("ab12")?;
    assert_eq!(store.gi_session_get("ab12")?, None);
    Ok(())
}
