//! Store files otai did not write, or cannot write: refused or opened read-only, never changed.

use std::path::Path;

use otai_core::registry::BuildContext;
use otai_core::{Error, ServiceRegistry, TicketSearchCriteria, TicketSystemService, UnifiedTicket};
use otai_local::{LocalStore, LockMode, OpenOptions};
use rusqlite::Connection;
use serde_json::json;

use crate::TestResult;

/// The error of opening `path` as a store, as printed.
fn open_error(path: &Path) -> String {
    LocalStore::open(path)
        .err()
        .map(|e| otai_core::error::report(&e))
        .unwrap_or_default()
}

/// A SQLite file made by `sql`, as another application would.
fn sqlite_file(path: &Path, sql: &str) -> TestResult {
    Connection::open(path)?.execute_batch(sql)?;
    Ok(())
}

async fn store_with_one_ticket(path: &Path) -> TestResult {
    let store = LocalStore::open(path)?;
    store
        .create_ticket(UnifiedTicket::new().subject("kept").into())
        .await?;
    Ok(())
}

fn all() -> otai_core::request::SearchRequest {
    TicketSearchCriteria::new().into()
}

#[tokio::test]
async fn files_that_are_no_otai_store_are_refused_in_a_few_words_and_left_unchanged() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let at = |name: &str| dir.path().join(name);
    std::fs::write(at("text.sqlite3"), "not a database\n".repeat(300))?;
    sqlite_file(
        &at("app.sqlite3"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);",
    )?;
    sqlite_file(
        &at("other-tickets.sqlite3"),
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT);",
    )?;
    sqlite_file(
        &at("app-id.sqlite3"),
        "PRAGMA application_id = 42; CREATE TABLE t (x);",
    )?;
    store_with_one_ticket(&at("newer.sqlite3")).await?;
    sqlite_file(&at("newer.sqlite3"), "PRAGMA user_version = 4;")?;
    store_with_one_ticket(&at("damaged.sqlite3")).await?;
    sqlite_file(&at("damaged.sqlite3"), "DROP TABLE notes;")?;
    store_with_one_ticket(&at("malformed.sqlite3")).await?;
    let mut bytes = std::fs::read(at("malformed.sqlite3"))?;
    bytes
        .iter_mut()
        .skip(100)
        .take(3000)
        .for_each(|b| *b = 0x5a);
    std::fs::write(at("malformed.sqlite3"), bytes)?;

    let cases = [
        (
            "text.sqlite3",
            "not a SQLite database (a damaged file, or another kind of file)",
        ),
        (
            "app.sqlite3",
            "not an otai store: it holds another application's tables (orders, users)",
        ),
        (
            "other-tickets.sqlite3",
            "not an otai store: it holds another application's tables (tickets)",
        ),
        (
            "app-id.sqlite3",
            "not an otai store: the file belongs to another application (SQLite application id 0x0000002a)",
        ),
        (
            "newer.sqlite3",
            "written by a newer otai (store schema 4; this one knows 3)",
        ),
        (
            "damaged.sqlite3",
            "the otai store is damaged: it has no table `notes`",
        ),
        (
            "malformed.sqlite3",
            "the file is damaged (SQLite: database disk image is malformed)",
        ),
    ];
    for (name, problem) in cases {
        let before = std::fs::read(at(name))?;
        let path = at(name);
        assert_eq!(
            open_error(&path),
            format!("local store {}: {problem}", path.display())
        );
        assert_eq!(std::fs::read(at(name))?, before, "{name} was changed");
        let read_only = LocalStore::open_with(&path, &OpenOptions::new().read_only(true));
        let err = read_only.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.ends_with(problem), "read-only {name}: {err}");
    }
    Ok(())
}

#[tokio::test]
async fn a_bad_store_file_is_a_runtime_error_of_the_first_use_not_a_config_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    sqlite_file(&dir.path().join("app.sqlite3"), "CREATE TABLE users (id);")?;
    let mut registry = ServiceRegistry::new();
    otai_local::register(&mut registry);
    let ctx = BuildContext::new(dir.path());
    let store = registry.build_service("local", &json!({"path": "app.sqlite3"}), &ctx)?;
    let expected = format!(
        "local store {}: not an otai store: it holds another application's tables (users)",
        dir.path().join("app.sqlite3").display()
    );
    let checked = store.healthcheck().await.err();
    assert!(
        matches!(&checked, Some(e @ Error::Transport { transient: false, .. }) if e.to_string() == expected),
        "{checked:?}"
    );
    let used = store.find_tickets(all()).await.err();
    assert!(
        matches!(&used, Some(e @ Error::Transport { transient: false, .. }) if e.to_string() == expected),
        "{used:?}"
    );
    // Checking a store that does not exist yet creates nothing.
    let new = registry.build_service("local", &json!({"path": "new.sqlite3"}), &ctx)?;
    new.healthcheck().await?;
    assert!(!dir.path().join("new.sqlite3").exists());
    Ok(())
}

#[tokio::test]
async fn read_only_stores_read_and_refuse_every_write_naming_the_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("r.sqlite3");
    store_with_one_ticket(&path).await?;
    let mut registry = ServiceRegistry::new();
    otai_local::register(&mut registry);
    let ctx = BuildContext::new(dir.path());
    let by_params = registry.build_service(
        "local",
        &json!({"path": "r.sqlite3", "read_only": true}),
        &ctx,
    )?;
    let by_options = LocalStore::open_with(&path, &OpenOptions::new().read_only(true))?;
    let stores: [&dyn TicketSystemService; 2] = [by_params.as_ref(), &by_options];
    for store in stores {
        assert_eq!(store.find_tickets(all()).await?.len(), 1);
        let err = store
            .create_ticket(UnifiedTicket::new().subject("new").into())
            .await
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err,
            Some(format!(
                "permission denied: local store {} is read-only: it is opened with read_only: true",
                path.display()
            ))
        );
    }
    assert_eq!(LocalStore::open(&path)?.find_tickets(all()).await?.len(), 1);
    let missing = LocalStore::open_with(
        dir.path().join("missing.sqlite3"),
        &OpenOptions::new().read_only(true),
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        missing,
        Some(format!(
            "local store {}: no store file here, and a read-only store cannot create one (it is opened with read_only: true)",
            dir.path().join("missing.sqlite3").display()
        ))
    );
    assert!(!dir.path().join("missing.sqlite3").exists());
    let seeded_read_only = registry
        .validate_service("local", &json!({"read_only": true, "seed": "s.yml"}))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        seeded_read_only.as_deref(),
        Some(
            "config error at params.seed: a read-only store is never seeded: remove `seed` or `read_only: true`"
        )
    );
    Ok(())
}

#[tokio::test]
async fn a_store_whose_lock_file_cannot_be_created_opens_read_only() -> TestResult {
    // As root (CI) permission bits stop nothing, so the lock file is made uncreatable by a
    // directory in its place: the same path as in a read-only directory.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("u.sqlite3");
    store_with_one_ticket(&path).await?;
    let lock = dir.path().join("u.sqlite3.lock");
    std::fs::remove_file(&lock)?;
    std::fs::create_dir(&lock)?;
    let store = LocalStore::open(&path)?;
    assert_eq!(store.find_tickets(all()).await?.len(), 1);
    let err = store
        .create_ticket(UnifiedTicket::new().subject("new").into())
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let expected = format!(
        "permission denied: local store {} is read-only: cannot create its lock file {}: ",
        path.display(),
        lock.display()
    );
    assert!(err.starts_with(&expected), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_second_writer_in_the_same_process_waits_or_fails_and_is_told_to_clone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("l.sqlite3");
    let holder = LocalStore::open(&path)?;
    let pid = std::process::id();
    let fail = OpenOptions::new().lock(LockMode::Fail);
    let wait = OpenOptions::new().lock_timeout(std::time::Duration::from_millis(300));
    for (options, gave_up) in [
        (fail, "gave up at once (lock: fail)"),
        (wait, "gave up after 300ms (lock_timeout)"),
    ] {
        let err = LocalStore::open_with(&path, &options).err();
        let expected = format!(
            "local store {}: this process (pid {pid}) holds it for writing already; {gave_up}; \
             open a store file once per process and clone the store",
            path.display()
        );
        assert!(
            matches!(&err, Some(e @ Error::Transport { transient: true, .. }) if e.to_string() == expected),
            "{err:?}"
        );
    }
    let reader = LocalStore::open_with(&path, &OpenOptions::new().read_only(true))?;
    holder
        .create_ticket(UnifiedTicket::new().subject("seen").into())
        .await?;
    assert_eq!(reader.find_tickets(all()).await?.len(), 1);
    drop(holder);
    LocalStore::open_with(&path, &OpenOptions::new().lock(LockMode::Fail))?;
    Ok(())
}
