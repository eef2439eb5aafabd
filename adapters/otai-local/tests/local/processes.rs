//! Several processes on one store file: real processes, each this test binary re-run as a
//! worker (`worker` below, chosen by environment variables), bounded in time.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use otai_core::registry::BuildContext;
use otai_core::{ServiceRegistry, TicketSystemService, TicketSystemServiceExt};
use otai_local::LocalStore;
use serde_json::{Value, json};

use crate::{TestResult, kw};

const ROLE: &str = "OTAI_LOCAL_TEST_WORKER";
const DIR: &str = "OTAI_LOCAL_TEST_DIR";
const PARAMS: &str = "OTAI_LOCAL_TEST_PARAMS";
/// How long a worker may take before the test fails.
const WORKER_LIMIT: Duration = Duration::from_secs(60);
/// How many workers race.
const WORKERS: usize = 3;

/// Starts this binary as a worker in `role` on the store in `dir` configured by `params`.
fn start(role: &str, dir: &Path, params: &Value) -> std::io::Result<std::process::Child> {
    Command::new(std::env::current_exe()?)
        .args(["--exact", "processes::worker", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .env(PARAMS, params.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

/// Waits for a worker, killing it past the limit; its `RESULT:` line.
fn finish(mut child: std::process::Child) -> Result<String, Box<dyn std::error::Error>> {
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        if started.elapsed() > WORKER_LIMIT {
            child.kill()?;
            return Err("a worker did not finish in time".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout
        .lines()
        .find_map(|l| l.split_once("RESULT: ").map(|(_, result)| result))
        .map(str::to_owned);
    match (output.status.success(), result) {
        (true, Some(result)) => Ok(result),
        _ => Err(format!(
            "worker failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into()),
    }
}

fn raw_tickets(n: usize) -> String {
    (0..n)
        .map(|i| format!("- subject: ticket {i}\n  queue: Raw\n"))
        .collect()
}

#[tokio::test]
async fn three_concurrent_triage_runs_leave_exactly_one_note_per_ticket() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("seed.yml"), raw_tickets(20))?;
    let params = json!({"path": "s.sqlite3", "seed": "seed.yml", "lock_timeout": 50});
    let workers = (0..WORKERS)
        .map(|_| start("triage", dir.path(), &params))
        .collect::<std::io::Result<Vec<_>>>()?;
    let triaged: usize = workers
        .into_iter()
        .map(|w| Ok(finish(w)?.parse::<usize>()?))
        .sum::<Result<usize, Box<dyn std::error::Error>>>()?;
    assert_eq!(
        triaged, 20,
        "the workers triaged each ticket once between them"
    );
    let store = LocalStore::open(dir.path().join("s.sqlite3"))?;
    let done = store.find_tickets_kw(kw(json!({"queue": "Done"}))).await?;
    assert_eq!(
        done.len(),
        20,
        "the seed was loaded once and every ticket triaged"
    );
    for ticket in &done {
        assert_eq!(ticket.notes.len(), 1, "ticket {:?}", ticket.id);
    }
    Ok(())
}

#[tokio::test]
async fn three_processes_opening_a_new_store_load_the_seed_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("seed.yml"), raw_tickets(4))?;
    let path = dir.path().join("s.sqlite3");
    drop(LocalStore::open(&path)?);
    // Another connection holds the database's write lock while the workers open the store: each
    // finds it empty, and would load the seed once the lock is released, unless counting and
    // loading are one transaction that waits for the lock before counting.
    let blocker = rusqlite::Connection::open(&path)?;
    blocker.execute_batch("BEGIN IMMEDIATE")?;
    let params = json!({"path": "s.sqlite3", "seed": "seed.yml", "lock_timeout": 50});
    let workers = (0..WORKERS)
        .map(|_| start("open", dir.path(), &params))
        .collect::<std::io::Result<Vec<_>>>()?;
    std::fs::write(dir.path().join("go"), "")?;
    std::thread::sleep(Duration::from_secs(2));
    blocker.execute_batch("ROLLBACK")?;
    for worker in workers {
        assert_eq!(finish(worker)?, "4");
    }
    Ok(())
}

#[tokio::test]
async fn another_process_cannot_write_while_one_holds_the_store_but_can_read() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.sqlite3");
    let holder = LocalStore::open(&path)?;
    let fail = start(
        "write",
        dir.path(),
        &json!({"path": "s.sqlite3", "lock": "fail"}),
    )?;
    assert_eq!(
        finish(fail)?,
        format!(
            "local store {}: another otai process (pid {}) holds it for writing; gave up at once \
             (lock: fail); a store opened with read_only: true can read it meanwhile",
            path.display(),
            std::process::id()
        )
    );
    holder
        .create_ticket(
            otai_core::UnifiedTicket::new()
                .subject("by the holder")
                .into(),
        )
        .await?;
    let read = start(
        "open",
        dir.path(),
        &json!({"path": "s.sqlite3", "read_only": true}),
    )?;
    std::fs::write(dir.path().join("go"), "")?;
    assert_eq!(finish(read)?, "1");
    drop(holder);
    let write = start(
        "write",
        dir.path(),
        &json!({"path": "s.sqlite3", "lock": "fail"}),
    )?;
    assert_eq!(finish(write)?, "written");
    Ok(())
}

/// A worker process; `RESULT: <what it did>` is its answer.
///
/// - `triage`: finds the tickets in `Raw` and moves each to `Done` with a note.
/// - `open`: once the file `go` exists, counts the tickets (opening and seeding the store).
/// - `write`: creates a ticket; answers `written` or the error.
#[tokio::test]
#[ignore = "a worker process of the tests in this module, started by them"]
async fn worker() -> TestResult {
    let role = std::env::var(ROLE)?;
    let dir = std::path::PathBuf::from(std::env::var(DIR)?);
    let params: Value = serde_json::from_str(&std::env::var(PARAMS)?)?;
    let mut registry = ServiceRegistry::new();
    otai_local::register(&mut registry);
    let store = registry.build_service("local", &params, &BuildContext::new(&dir))?;
    let result = match role.as_str() {
        "triage" => triage(store.as_ref(), &dir).await?.to_string(),
        "open" => {
            wait_for(&dir.join("go"))?;
            store
                .find_tickets_kw(kw(json!({"all": true})))
                .await?
                .len()
                .to_string()
        }
        "write" => match store
            .create_ticket(otai_core::UnifiedTicket::new().subject("w").into())
            .await
        {
            Ok(_) => "written".to_owned(),
            Err(e) => e.to_string(),
        },
        other => return Err(format!("unknown role {other}").into()),
    };
    println!("RESULT: {result}");
    Ok(())
}

/// The triage pipeline's work: select what still needs it, then move each with its note.
async fn triage(
    store: &dyn TicketSystemService,
    dir: &Path,
) -> Result<usize, Box<dyn std::error::Error>> {
    let raw = store.find_tickets_kw(kw(json!({"queue": "Raw"}))).await?;
    // Make the race certain: without a writer lock every worker would search before any moves a
    // ticket. With it, the holder does not wait for workers that cannot search yet.
    std::fs::write(dir.join(format!("searched-{}", std::process::id())), "")?;
    if !holds_the_lock(&dir.join("s.sqlite3.lock")) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while searched(dir)? < WORKERS && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let pid = std::process::id();
    for ticket in &raw {
        let id = ticket.id.clone().ok_or("a ticket without id")?;
        store
            .update_ticket_kw(kw(json!({
                "ticket_id": id,
                "queue": "Done",
                "note": {"subject": "triage", "body": format!("triaged by {pid}")},
            })))
            .await?;
    }
    Ok(raw.len())
}

/// Whether the writer lock file is locked (by this process: the others wait for it).
fn holds_the_lock(lock: &Path) -> bool {
    std::fs::File::open(lock).is_ok_and(|f| fs4::FileExt::try_lock(&f).is_err())
}

fn searched(dir: &Path) -> std::io::Result<usize> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("searched-"))
        .count())
}

/// Waits until `path` exists (at most the worker limit).
fn wait_for(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    while !path.exists() {
        if started.elapsed() > WORKER_LIMIT {
            return Err(format!("{} never appeared", path.display()).into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}
