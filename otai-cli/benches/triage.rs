//! The reference "triage" workload, measured: `cargo bench -p otai-cli --bench triage`.
//!
//! A fake GenericTicketConnector runs in a child process (this binary with `serve-fake`), so the
//! CPU and memory figures are the client's alone. For each measurement the fake is started fresh
//! with N tickets in `Raw`; the client then finds them, reads them, moves each to a queue and
//! priority picked by keyword rules and adds an internal note, until none is left in `Raw`.
//!
//! Compared side by side: the full YAML pipeline through the built `otai` binary, and a bare
//! reqwest loop making exactly the same HTTP calls with no SDK at all.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Runs of each side per size in the CPU comparison (the median counts).
const REPEATS: usize = 3;
/// Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;
const WS: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST";

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve-fake") {
        let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
        let latency = args.get(3).is_some_and(|a| a == "otobo11");
        return tokio::runtime::Runtime::new()?.block_on(serve_fake(n, latency));
    }
    let quick = std::env::var("OTAI_BENCH_QUICK").is_ok();
    let sizes: &[usize] = if quick { &[200] } else { &[1_000, 10_000] };
    println!(
        "# triage benchmark ({} cores)\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "## client CPU per ticket, zero-latency fake, concurrency 8 (median of {REPEATS} runs each)\n"
    );
    println!("| N | otai pipeline | bare reqwest loop | ratio | otai peak RSS |");
    println!("|---|---|---|---|---|");
    for &n in sizes {
        // CPU times are read at 10 ms resolution and vary with what else runs: each side runs
        // REPEATS times, alternating, and the median counts.
        let (mut otai_cpus, mut bare_cpus, mut rss) = (Vec::new(), Vec::new(), 0);
        for _ in 0..REPEATS {
            let (cpu, peak) = otai_run(n, false, 8)?;
            otai_cpus.push(cpu);
            rss = rss.max(peak);
            bare_cpus.push(bare_run(n, false, 8)?.0);
        }
        let (otai_cpu, bare_cpu) = (median_f64(otai_cpus), median_f64(bare_cpus));
        println!(
            "| {n} | {:.1} µs | {:.1} µs | {:.2}× | {:.1} MB |",
            otai_cpu * 1e6 / n as f64,
            bare_cpu * 1e6 / n as f64,
            otai_cpu / bare_cpu.max(1e-9),
            rss as f64 / 1024.0
        );
    }
    let n = if quick { 40 } else { 200 };
    println!("\n## wall time, fake with OTOBO 11 latencies (get 50 ms, update 110 ms), N = {n}\n");
    println!("| concurrency | otai pipeline | bare reqwest loop | ratio |");
    println!("|---|---|---|---|");
    for concurrency in [1, 8, 32] {
        let otai = otai_wall(n, concurrency)?;
        let bare = bare_run(n, true, concurrency)?.1;
        println!(
            "| {concurrency} | {:.2} s | {:.2} s | {:.2}× |",
            otai.as_secs_f64(),
            bare.as_secs_f64(),
            otai.as_secs_f64() / bare.as_secs_f64()
        );
    }
    println!("\n## start-up\n");
    let fake = Fake::start(0, false)?;
    let config = write_config(&fake.url, 8, 0)?;
    let validate = median(10, || {
        timed(
            Command::new(otai_bin())
                .args(["validate", "-c"])
                .arg(&config),
        )
    })?;
    let empty_run = median(10, || {
        timed(
            Command::new(otai_bin())
                .args(["run", "--once", "-c"])
                .arg(&config),
        )
    })?;
    println!(
        "| `otai validate` | `otai run --once` with no tickets (start to exit, incl. first requests) |"
    );
    println!("|---|---|");
    println!(
        "| {:.1} ms | {:.1} ms |",
        validate.as_secs_f64() * 1e3,
        empty_run.as_secs_f64() * 1e3
    );
    Ok(())
}

/// The fake in this process: N tickets in Raw, then serve until killed.
async fn serve_fake(n: usize, latency: bool) -> BoxResult<()> {
    use otai_core::TicketSystemServiceExt;
    use otai_otobo_znuny::fake::{FakeOptions, FakeOtobo, Latency};
    let options = if latency {
        FakeOptions::default().latency(Latency::otobo_11())
    } else {
        FakeOptions::default()
    };
    let fake = FakeOtobo::start_with(options).await?;
    let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
    let subjects = [
        "Printer on fire",
        "VPN password rejected",
        "Invoice looks wrong",
        "Coffee machine noise",
    ];
    futures::stream::iter(0..n)
        .map(|i| {
            let kw = json!({"subject": format!("{} #{i}", subjects[i % 4]), "body": "Please help.", "queue": "Raw"});
            otobo.create_ticket_kw(kw.as_object().cloned().unwrap_or_default())
        })
        .buffer_unordered(64)
        .try_collect::<Vec<_>>()
        .await?;
    println!("{}", fake.url());
    std::future::pending::<()>().await;
    Ok(())
}

/// A fake in a child process, killed on drop.
struct Fake {
    child: Child,
    url: String,
}

impl Fake {
    fn start(n: usize, latency: bool) -> BoxResult<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "serve-fake",
                &n.to_string(),
                if latency { "otobo11" } else { "none" },
            ])
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        Ok(Self {
            child,
            url: line.trim().to_owned(),
        })
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn otai_bin() -> std::path::PathBuf {
    let mut path = std::env::current_exe().unwrap_or_default();
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("otai")
}

/// The triage pipeline of examples/otobo-triage, pointed at `url`, run once.
/// OTOBO returns at most 500 IDs per search unless asked: the pipeline asks for all `n`.
fn write_config(url: &str, concurrency: usize, n: usize) -> BoxResult<std::path::PathBuf> {
    let template = include_str!("../../examples/otobo-triage/otai.yml");
    let text = template
        .replace("'${{ secrets.OTOBO_BASE_URL }}'", &format!("'{url}'"))
        .replace("'${{ secrets.OTOBO_USERNAME }}'", "sdkagent")
        .replace("'${{ secrets.OTOBO_PASSWORD }}'", "SdkAgent-Test-Pw1")
        .replace("concurrency: 16", &format!("concurrency: {concurrency}"))
        .replacen(
            "          queue: Raw\n",
            &format!("          queue: Raw\n          limit: {}\n", n.max(1)),
            1,
        );
    let path = std::env::temp_dir().join(format!(
        "otai-bench-{}-{concurrency}.yml",
        std::process::id()
    ));
    std::fs::write(&path, text)?;
    Ok(path)
}

/// CPU seconds (user + sys) and, for a child, its state, from /proc/<pid>/stat.
fn proc_stat(pid: &str) -> Option<(f64, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(((utime + stime) / TICKS, state))
}

fn peak_rss_kb(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

/// Runs `otai run --once` on the triage config; returns (its CPU seconds, its peak RSS in kB).
fn otai_run(n: usize, latency: bool, concurrency: usize) -> BoxResult<(f64, u64)> {
    let fake = Fake::start(n, latency)?;
    let config = write_config(&fake.url, concurrency, n)?;
    let child = Command::new(otai_bin())
        .args(["run", "--once", "-q", "-c"])
        .arg(&config)
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id().to_string();
    let mut rss = 0;
    // Poll until the child is a zombie: its CPU times are final then, and it is not yet reaped.
    let cpu = loop {
        if let Some(kb) = peak_rss_kb(&pid) {
            rss = rss.max(kb);
        }
        match proc_stat(&pid) {
            Some((cpu, 'Z')) => break cpu,
            Some(_) => std::thread::sleep(Duration::from_millis(5)),
            None => return Err("the otai process vanished".into()),
        }
    };
    let out = child.wait_with_output()?;
    let summary = String::from_utf8_lossy(&out.stdout);
    let tickets = if n == 1 { "ticket" } else { "tickets" };
    let expected = format!("{n} {tickets} seen, {n} changed, 0 failed");
    if !out.status.success() || !summary.contains(&expected) {
        return Err(format!("otai run failed: {summary}").into());
    }
    Ok((cpu, rss))
}

fn otai_wall(n: usize, concurrency: usize) -> BoxResult<Duration> {
    let fake = Fake::start(n, true)?;
    let config = write_config(&fake.url, concurrency, n)?;
    let started = Instant::now();
    let out = Command::new(otai_bin())
        .args(["run", "--once", "-q", "-c"])
        .arg(&config)
        .output()?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(format!("otai run failed: {}", String::from_utf8_lossy(&out.stdout)).into());
    }
    Ok(elapsed)
}

/// The same HTTP calls with bare reqwest: SessionCreate, TicketSearch, TicketGet for 20 IDs at a
/// time, then per ticket one TicketUpdate with the queue, the priority and the note.
/// Returns (CPU seconds of this process during the loop, wall time).
fn bare_run(n: usize, latency: bool, concurrency: usize) -> BoxResult<(f64, Duration)> {
    let fake = Fake::start(n, latency)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let before = proc_stat("self").map(|s| s.0).unwrap_or_default();
    let started = Instant::now();
    runtime.block_on(bare_loop(&fake.url, concurrency, n))?;
    let wall = started.elapsed();
    let after = proc_stat("self").map(|s| s.0).unwrap_or_default();
    drop(runtime);
    Ok((after - before, wall))
}

async fn bare_loop(url: &str, concurrency: usize, n: usize) -> BoxResult<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = format!("{url}{WS}");
    let session: Value = http
        .post(format!("{base}/Session"))
        .json(&json!({"UserLogin": "sdkagent", "Password": "SdkAgent-Test-Pw1"}))
        .send()
        .await?
        .json()
        .await?;
    let sid = session["SessionID"]
        .as_str()
        .ok_or("no session")?
        .to_owned();
    let found: Value = http
        .get(format!("{base}/Ticket"))
        .query(&[
            ("Queues", "Raw"),
            ("Limit", &n.to_string()),
            ("SessionID", sid.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<String> = found["TicketID"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.len() != n {
        return Err(format!("found {} tickets, expected {n}", ids.len()).into());
    }
    let batches: Vec<Vec<Value>> = futures::stream::iter(ids.chunks(20).map(|c| c.join(",")))
        .map(|joined| {
            let (http, base, sid) = (&http, &base, &sid);
            async move {
                let reply: Value = http
                    .get(format!("{base}/Ticket/{joined}"))
                    .query(&[
                        ("AllArticles", "1"),
                        ("DynamicFields", "1"),
                        ("SessionID", sid.as_str()),
                    ])
                    .send()
                    .await?
                    .json()
                    .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                    reply["Ticket"].as_array().cloned().unwrap_or_default(),
                )
            }
        })
        .buffered(concurrency)
        .try_collect()
        .await?;
    let tickets: Vec<Value> = batches.into_iter().flatten().collect();
    futures::stream::iter(tickets)
        .map(|ticket| {
            let (http, base, sid) = (&http, &base, &sid);
            async move {
                let id = ticket["TicketID"].to_string().trim_matches('"').to_owned();
                let text = format!("{} {}", ticket["Title"], ticket["Article"][0]["Body"]).to_lowercase();
                let (label, queue, priority) = if text.contains("printer") || text.contains("fire") {
                    ("hardware", "Misc", "4 high")
                } else if text.contains("vpn") || text.contains("password") {
                    ("access", "Misc", "4 high")
                } else {
                    ("other", "Misc", "3 normal")
                };
                let update = json!({"SessionID": sid, "Ticket": {"Queue": queue, "Priority": priority},
                    "Article": {"Subject": "triage", "Body": format!("triaged: {label}"),
                    "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Internal", "SenderType": "agent", "IsVisibleForCustomer": 0}});
                let reply: Value = http.patch(format!("{base}/Ticket/{id}")).json(&update).send().await?.json().await?;
                if reply.get("Error").is_some() {
                    return Err(format!("update failed: {reply}").into());
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

fn median_f64(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn timed(command: &mut Command) -> BoxResult<Duration> {
    let started = Instant::now();
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !out.success() {
        return Err("command failed".into());
    }
    Ok(started.elapsed())
}

fn median(runs: usize, mut f: impl FnMut() -> BoxResult<Duration>) -> BoxResult<Duration> {
    let mut times = (0..runs).map(|_| f()).collect::<BoxResult<Vec<_>>>()?;
    times.sort();
    Ok(times[times.len() / 2])
}
