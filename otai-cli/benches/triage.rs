//! The reference "triage" workload, measured: `cargo bench -p otai-cli --bench triage`.
//!
//! A fake GenericTicketConnector runs in a child process (this binary with `serve-fake`), started
//! fresh with N tickets in `Raw` for every measurement. A client then finds them, reads them
//! (TicketGet, 20 IDs at a time), and per ticket makes one TicketUpdate that moves it to a queue
//! and priority picked by keyword rules and adds an internal note.
//!
//! The clients, run in interleaved rounds (the order rotates each round):
//! - `otai`: the built `otai` binary on `examples/otobo-triage/otai.yml`, as a user runs it
//!   (every setting but the concurrency at its default);
//! - the floor: the leanest bare reqwest client for the same calls, in two shapes, both measured
//!   ("ct": every request driven by one task on a current-thread runtime; "mt": every request
//!   spawned on a multi-thread runtime). The floor of each figure is the better of the two.
//!
//! Every client runs under `measure`, this binary as a one-child wrapper that reads the child's
//! `getrusage(RUSAGE_CHILDREN)` after reaping it: CPU (user + sys, microsecond resolution) and
//! peak RSS of that client alone. After each run the fake reports the calls it answered, by
//! operation; the sides must have made the same calls (checked, and printed), and no ticket may
//! be left in `Raw`.
//!
//! Allocations are counted by running each client once under `valgrind --tool=memcheck` (its
//! "total heap usage" line counts every malloc of the process, Rust's and libc's, on every
//! thread; a counting global allocator would need `unsafe`, which the workspace forbids).
//!
//! Environment: `OTAI_BENCH_N` (sizes, default `5000,50000`), `OTAI_BENCH_C` (concurrencies,
//! default `1,8`), `OTAI_BENCH_ROUNDS` (default 5), `OTAI_BENCH_LATENCY_N` (tickets of the 10 ms
//! latency run, default 1000), `OTAI_BENCH_ALLOC_N` (tickets of the allocation count, default
//! 2000; 0 skips it), `OTAI_BENCH_QUICK=1` (N = 500, 3 rounds, small latency and allocation runs).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
type Calls = BTreeMap<String, usize>;

const WS: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST";

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("serve-fake") => {
            let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
            let latency_ms: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
            return tokio::runtime::Runtime::new()?.block_on(serve_fake(n, latency_ms));
        }
        Some("measure") => return measure_child(&args[2..]),
        Some("bare") => {
            let url = args.get(2).ok_or("bare: no url")?;
            let n: usize = args
                .get(3)
                .and_then(|a| a.parse().ok())
                .ok_or("bare: no n")?;
            let c: usize = args
                .get(4)
                .and_then(|a| a.parse().ok())
                .ok_or("bare: no c")?;
            let spawn = args.get(5).is_some_and(|f| f == "mt");
            let runtime = if spawn {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()?
            } else {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
            };
            let updated = runtime.block_on(bare_loop(url, n, c, spawn))?;
            println!("{updated} tickets updated");
            return Ok(());
        }
        _ => {}
    }
    let result = run_bench();
    let _ = std::fs::remove_dir_all(cache_root());
    result
}

// ---------------------------------------------------------------------------------------------
// The report

/// The clients compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Otai,
    FloorCt,
    FloorMt,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Otai => "otai",
            Side::FloorCt => "floor ct",
            Side::FloorMt => "floor mt",
        }
    }
}

/// One client run, measured.
#[derive(Debug, Clone)]
struct Run {
    cpu: f64,
    wall: f64,
    rss_kb: u64,
    calls: Calls,
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

fn run_bench() -> BoxResult<()> {
    let quick = std::env::var("OTAI_BENCH_QUICK").is_ok();
    let sizes = env_list(
        "OTAI_BENCH_N",
        if quick { &[500] } else { &[5_000, 50_000] },
    );
    let concurrencies = env_list("OTAI_BENCH_C", &[1, 8]);
    let rounds = env_list("OTAI_BENCH_ROUNDS", &[if quick { 3 } else { 5 }])[0].max(1);
    let latency_n = env_list("OTAI_BENCH_LATENCY_N", &[if quick { 200 } else { 1_000 }])[0];
    let alloc_n = env_list("OTAI_BENCH_ALLOC_N", &[if quick { 200 } else { 2_000 }])[0];
    println!(
        "# triage benchmark ({} cores, {rounds} interleaved rounds; median [min–max])\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    println!("## zero-latency fake: client CPU per ticket, tickets/s, peak RSS\n");
    println!("| N | c | client | CPU µs/ticket | tickets/s | peak RSS MB | HTTP calls |");
    println!("|---|---|---|---|---|---|---|");
    let sides = [Side::Otai, Side::FloorCt, Side::FloorMt];
    let mut ratios = Vec::new();
    for &n in &sizes {
        for &c in &concurrencies {
            let runs = interleaved(n, c, 0, rounds, &sides)?;
            for side in sides {
                let r = &runs[&side];
                println!(
                    "| {n} | {c} | {} | {} | {} | {} | {} |",
                    side.name(),
                    spread(r.iter().map(|r| r.cpu * 1e6 / n as f64), 1),
                    spread(r.iter().map(|r| n as f64 / r.wall), 0),
                    spread(r.iter().map(|r| r.rss_kb as f64 / 1024.0), 1),
                    show_calls(&r[0].calls),
                );
            }
            ratios.push((n, c, runs));
        }
    }
    println!(
        "\n## ratios against the floor (per round, each against that round's floor run)\n\n\
         The floor of CPU is the floor shape with the lower median CPU, the floor of tickets/s \
         the one with the higher median tickets/s.\n"
    );
    println!("| N | c | CPU floor | otai CPU ratio | tickets/s floor | otai tickets/s ratio |");
    println!("|---|---|---|---|---|---|");
    for (n, c, runs) in &ratios {
        let cpu_floor = best_floor(runs, |r| -r.cpu);
        let tps_floor = best_floor(runs, |r| 1.0 / r.wall);
        println!(
            "| {n} | {c} | {} | {} | {} | {} |",
            cpu_floor.name(),
            ratio(runs, Side::Otai, cpu_floor, |r| r.cpu),
            tps_floor.name(),
            ratio(runs, Side::Otai, tps_floor, |r| 1.0 / r.wall),
        );
    }

    if latency_n > 0 {
        println!("\n## fake with 10 ms latency per operation, N = {latency_n}, concurrency 8\n");
        let runs = interleaved(latency_n, 8, 10, rounds, &sides)?;
        println!("| client | tickets/s | ratio to the floor (per round) | CPU µs/ticket |");
        println!("|---|---|---|---|");
        let floor = best_floor(&runs, |r| 1.0 / r.wall);
        for side in sides {
            println!(
                "| {} | {} | {} | {} |",
                side.name(),
                spread(runs[&side].iter().map(|r| latency_n as f64 / r.wall), 0),
                ratio(&runs, side, floor, |r| 1.0 / r.wall),
                spread(
                    runs[&side].iter().map(|r| r.cpu * 1e6 / latency_n as f64),
                    1
                ),
            );
        }
        println!("\n(floor: {})", floor.name());
    }

    if alloc_n > 0 {
        println!(
            "\n## allocations (valgrind memcheck, whole process), N = {alloc_n}, concurrency 8\n"
        );
        match allocations(alloc_n, 8, &sides) {
            Ok(rows) => {
                println!("| client | allocations per ticket | bytes allocated per ticket |");
                println!("|---|---|---|");
                for (side, allocs, bytes) in rows {
                    println!(
                        "| {} | {:.1} | {:.0} |",
                        side.name(),
                        allocs as f64 / alloc_n as f64,
                        bytes as f64 / alloc_n as f64
                    );
                }
            }
            Err(e) => println!("not measured: {e}"),
        }
    }

    println!("\n## start-up ({} runs each)\n", rounds.max(10));
    let fake = Fake::start(0, 0)?;
    let config = write_config(&fake.url, 8, 1)?;
    let mut validate = Vec::new();
    let mut empty = Vec::new();
    for _ in 0..rounds.max(10) {
        validate.push(timed(
            Command::new(otai_bin())
                .args(["validate", "-c"])
                .arg(&config),
        )?);
        let mut run = Command::new(otai_bin());
        run.args(["run", "--once", "-q", "-c"]).arg(&config);
        own_session_cache(&mut run)?;
        empty.push(timed(&mut run)?);
    }
    println!(
        "| `otai validate` | `otai run --once`, no tickets: start to exit (SessionCreate and one search included) |"
    );
    println!("|---|---|");
    println!(
        "| {} ms | {} ms |",
        spread(validate.into_iter(), 1),
        spread(empty.into_iter(), 1)
    );
    Ok(())
}

/// `rounds` runs of each side on a fresh fake with `n` tickets, the order rotating each round.
fn interleaved(
    n: usize,
    c: usize,
    latency_ms: u64,
    rounds: usize,
    sides: &[Side],
) -> BoxResult<BTreeMap<Side, Vec<Run>>> {
    let mut runs: BTreeMap<Side, Vec<Run>> = BTreeMap::new();
    for round in 0..rounds {
        let mut order = sides.to_vec();
        order.rotate_left(round % sides.len());
        for side in order {
            let run = run_side(side, n, c, latency_ms)?;
            runs.entry(side).or_default().push(run);
        }
    }
    // The same calls: every floor run and every `otai` run made exactly the same requests.
    let reference = runs[&Side::FloorCt][0].calls.clone();
    for side in [Side::Otai, Side::FloorCt, Side::FloorMt] {
        for run in &runs[&side] {
            if run.calls != reference {
                return Err(format!(
                    "N = {n}, c = {c}: {} made other calls than the floor: {} vs {}",
                    side.name(),
                    show_calls(&run.calls),
                    show_calls(&reference)
                )
                .into());
            }
        }
    }
    Ok(runs)
}

fn run_side(side: Side, n: usize, c: usize, latency_ms: u64) -> BoxResult<Run> {
    let mut fake = Fake::start(n, latency_ms)?;
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("measure");
    let _config = side_command(&mut command, side, &fake.url, n, c)?;
    let out = command.stderr(Stdio::inherit()).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let usage = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RUSAGE "))
        .ok_or_else(|| format!("{}: no usage in {stdout}", side.name()))?;
    let fields: Vec<f64> = usage
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [user, sys, rss_kb, wall, status] = fields[..] else {
        return Err(format!("bad usage line {usage}").into());
    };
    let expected = match side {
        Side::Otai => {
            let tickets = if n == 1 { "ticket" } else { "tickets" };
            format!("{n} {tickets} seen, {n} changed, 0 failed")
        }
        _ => format!("{n} tickets updated"),
    };
    if status != 0.0 || !stdout.contains(&expected) {
        return Err(format!("{} failed: {stdout}", side.name()).into());
    }
    let calls = fake.calls()?;
    let left = fake.left_in_raw()?;
    if left != 0 || calls.get("TicketUpdate") != Some(&n) {
        return Err(format!(
            "{}: {left} tickets left in Raw; calls {}",
            side.name(),
            show_calls(&calls)
        )
        .into());
    }
    Ok(Run {
        cpu: user + sys,
        wall,
        rss_kb: rss_kb as u64,
        calls,
    })
}

/// The side whose median of `score` is highest (among the two floor shapes).
fn best_floor(runs: &BTreeMap<Side, Vec<Run>>, score: impl Fn(&Run) -> f64) -> Side {
    let median_of = |side: Side| median(runs[&side].iter().map(&score).collect());
    if median_of(Side::FloorCt) >= median_of(Side::FloorMt) {
        Side::FloorCt
    } else {
        Side::FloorMt
    }
}

/// Per round: `side`'s figure over the floor's in the same round; median [min–max].
fn ratio(
    runs: &BTreeMap<Side, Vec<Run>>,
    side: Side,
    floor: Side,
    figure: impl Fn(&Run) -> f64,
) -> String {
    let per_round = runs[&side]
        .iter()
        .zip(&runs[&floor])
        .map(|(a, b)| figure(a) / figure(b).max(1e-12));
    format!("{}×", spread(per_round, 2))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let len = values.len();
    match len {
        0 => 0.0,
        _ if len % 2 == 1 => values[len / 2],
        _ => (values[len / 2 - 1] + values[len / 2]) / 2.0,
    }
}

/// `median [min–max]` with `digits` decimals.
fn spread(values: impl Iterator<Item = f64>, digits: usize) -> String {
    let values: Vec<f64> = values.collect();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(
        "{:.digits$} [{:.digits$}–{:.digits$}]",
        median(values),
        min,
        max
    )
}

fn show_calls(calls: &Calls) -> String {
    calls
        .iter()
        .map(|(op, count)| format!("{op} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `args` as the only child of this process and prints, after its output,
/// `RUSAGE <user s> <sys s> <peak RSS kB> <wall s> <exit status>`.
fn measure_child(args: &[String]) -> BoxResult<()> {
    use nix::sys::resource::{UsageWho, getrusage};
    let (program, rest) = args.split_first().ok_or("measure: no command")?;
    let started = Instant::now();
    let status = Command::new(program).args(rest).status()?;
    let wall = started.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    println!(
        "RUSAGE {} {} {} {wall} {}",
        seconds(usage.user_time()),
        seconds(usage.system_time()),
        usage.max_rss(),
        status.code().unwrap_or(-1)
    );
    Ok(())
}

/// Allocations and bytes allocated of one run of each side, from valgrind's heap summary.
fn allocations(n: usize, c: usize, sides: &[Side]) -> BoxResult<Vec<(Side, u64, u64)>> {
    let mut rows = Vec::new();
    for &side in sides {
        let mut fake = Fake::start(n, 0)?;
        let mut command = Command::new("valgrind");
        command.args(["--tool=memcheck", "--leak-check=no", "--error-limit=no"]);
        let _config = side_command(&mut command, side, &fake.url, n, c)?;
        let out = command.output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .find(|l| l.contains("total heap usage:"))
            .ok_or("no valgrind heap summary (is valgrind installed?)")?;
        // "==1== total heap usage: 1,234 allocs, 1,230 frees, 56,789 bytes allocated"
        let numbers: Vec<u64> = line
            .split_once("usage:")
            .map(|(_, rest)| rest)
            .unwrap_or_default()
            .split(|ch: char| !ch.is_ascii_digit() && ch != ',')
            .filter_map(|w| w.replace(',', "").parse().ok())
            .collect();
        let (allocs, bytes) = (numbers[0], numbers[numbers.len() - 1]);
        if fake.left_in_raw()? != 0 {
            return Err(format!("{} under valgrind left tickets in Raw", side.name()).into());
        }
        rows.push((side, allocs, bytes));
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// The fake

/// The fake in this process: N tickets in Raw, then, line by line on stdin: `calls` prints the
/// calls answered so far as JSON, `raw` how many tickets are in Raw (not counted as calls).
async fn serve_fake(n: usize, latency_ms: u64) -> BoxResult<()> {
    use otai_core::TicketSystemServiceExt;
    use otai_otobo_znuny::fake::{FakeOptions, FakeOtobo, Latency};
    use tokio::io::AsyncBufReadExt;
    let options =
        FakeOptions::default().latency(Latency::uniform(Duration::from_millis(latency_ms)));
    let fake = FakeOtobo::start_with(options).await?;
    let otobo = otai_otobo_znuny::OtoboService::new(&fake.config())?;
    let subjects = [
        "Printer on fire",
        "VPN password rejected",
        "Invoice looks wrong",
        "Coffee machine noise",
    ];
    let created: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let kw = serde_json::json!({"subject": format!("{} #{i}", subjects[i % 4]), "body": "Please help.", "queue": "Raw"});
            otobo.create_ticket_kw(kw.as_object().cloned().unwrap_or_default())
        })
        .buffer_unordered(64)
        .collect()
        .await;
    if let Some(Err(e)) = created.into_iter().find(Result::is_err) {
        return Err(e.into());
    }
    drop(otobo);
    fake.reset_calls();
    println!("{}", fake.url());
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        match line.trim() {
            "calls" => println!("{}", serde_json::to_string(&fake.calls())?),
            "raw" => println!("{}", fake.tickets_in_queue("Raw")),
            _ => println!(),
        }
    }
    Ok(())
}

/// A fake in a child process, killed on drop.
struct Fake {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl Fake {
    fn start(n: usize, latency_ms: u64) -> BoxResult<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve-fake", &n.to_string(), &latency_ms.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        Ok(Self {
            child,
            stdin,
            stdout,
            url: line.trim().to_owned(),
        })
    }

    fn ask(&mut self, question: &str) -> BoxResult<String> {
        writeln!(self.stdin, "{question}")?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Ok(line)
    }

    fn calls(&mut self) -> BoxResult<Calls> {
        Ok(serde_json::from_str(&self.ask("calls")?)?)
    }

    fn left_in_raw(&mut self) -> BoxResult<usize> {
        Ok(self.ask("raw")?.trim().parse()?)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `otai` binary beside this bench, or `OTAI_BENCH_OTAI` (to compare another build).
fn otai_bin() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("OTAI_BENCH_OTAI") {
        return path.into();
    }
    let mut path = std::env::current_exe().unwrap_or_default();
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("otai")
}

/// Adds to `command` the program and arguments of `side` against the fake at `url`; the
/// configuration file it writes for `otai` (kept until the run is over).
fn side_command(
    command: &mut Command,
    side: Side,
    url: &str,
    n: usize,
    c: usize,
) -> BoxResult<Option<std::path::PathBuf>> {
    Ok(match side {
        Side::Otai => {
            let config = write_config(url, c, n)?;
            command
                .arg(otai_bin())
                .args(["run", "--once", "-q", "-c"])
                .arg(&config);
            own_session_cache(command)?;
            Some(config)
        }
        Side::FloorCt | Side::FloorMt => {
            command.arg(std::env::current_exe()?).args([
                "bare",
                url,
                &n.to_string(),
                &c.to_string(),
                if side == Side::FloorMt { "mt" } else { "ct" },
            ]);
            None
        }
    })
}

/// Gives the `otai` run of `command` a session cache of its own (`XDG_CACHE_HOME`), as the
/// example ships (the cache on): a session an earlier run left, for an earlier fake on the same
/// port, must not change the calls measured (it is rejected, and the search made again).
fn own_session_cache(command: &mut Command) -> BoxResult<()> {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = cache_root().join(run.to_string());
    std::fs::create_dir_all(&dir)?;
    command.env("XDG_CACHE_HOME", dir);
    Ok(())
}

/// Where this bench's runs keep their session caches (removed when the bench ends).
fn cache_root() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("otai-bench-cache-{}", std::process::id()))
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

fn timed(command: &mut Command) -> BoxResult<f64> {
    let started = Instant::now();
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !out.success() {
        return Err("command failed".into());
    }
    Ok(started.elapsed().as_secs_f64() * 1e3)
}

// ---------------------------------------------------------------------------------------------
// The floor: the leanest bare reqwest client for the same calls

#[derive(Deserialize)]
struct SessionReply {
    #[serde(rename = "SessionID")]
    session_id: String,
}

#[derive(Deserialize)]
struct SearchReply {
    #[serde(rename = "TicketID", default)]
    ids: Vec<String>,
}

#[derive(Deserialize)]
struct GetReply {
    #[serde(rename = "Ticket", default)]
    tickets: Vec<WireTicket>,
}

#[derive(Deserialize)]
struct WireTicket {
    #[serde(rename = "TicketID")]
    id: Id,
    #[serde(rename = "Title")]
    title: String,
    #[serde(rename = "Article", default)]
    articles: Vec<WireArticle>,
}

#[derive(Deserialize)]
struct WireArticle {
    #[serde(rename = "Body", default)]
    body: String,
}

/// A ticket ID as OTOBO sends it: a string, or a number from some versions.
struct Id(String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Id;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a ticket ID")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
struct UpdateReply {
    #[serde(rename = "Error", default)]
    error: Option<serde::de::IgnoredAny>,
}

#[derive(Serialize)]
struct Update<'a> {
    #[serde(rename = "SessionID")]
    session_id: &'a str,
    #[serde(rename = "Ticket")]
    ticket: TicketChange<'a>,
    #[serde(rename = "Article")]
    article: Note<'a>,
}

#[derive(Serialize)]
struct TicketChange<'a> {
    #[serde(rename = "Queue")]
    queue: &'a str,
    #[serde(rename = "Priority")]
    priority: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Note<'a> {
    subject: &'a str,
    body: String,
    content_type: &'a str,
    communication_channel: &'a str,
    sender_type: &'a str,
    is_visible_for_customer: u8,
}

/// The example's keyword rules: (label, queue, priority).
fn classify(title: &str, body: &str) -> (&'static str, &'static str, &'static str) {
    let text = format!("{title}\n{body}").to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["printer", "mouse", "monitor", "fire"]) {
        ("hardware", "Misc", "4 high")
    } else if has(&["vpn", "password", "log in", "login"]) {
        ("access", "Misc", "4 high")
    } else if has(&["lottery", "winner", "crypto"]) {
        ("spam", "Junk", "1 very low")
    } else {
        ("other", "Misc", "3 normal")
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> BoxResult<T> {
    let bytes = request.send().await?.error_for_status()?.bytes().await?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// SessionCreate, one TicketSearch, TicketGet for 20 IDs at a time (`c` at once), and per
/// ticket, as the tickets arrive, one TicketUpdate with queue, priority and note (`c` at once).
/// With `spawn`, every request is a task of its own. Returns the tickets updated.
async fn bare_loop(url: &str, n: usize, c: usize, spawn: bool) -> BoxResult<usize> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = format!("{url}{WS}");
    let session: SessionReply = get_json(
        http.post(format!("{base}/Session"))
            .json(&serde_json::json!({"UserLogin": "sdkagent", "Password": "SdkAgent-Test-Pw1"})),
    )
    .await?;
    let sid: std::sync::Arc<str> = session.session_id.into();
    let found: SearchReply = get_json(http.get(format!("{base}/Ticket")).query(&[
        ("Queues", "Raw"),
        ("Limit", &n.to_string()),
        ("SessionID", &sid),
    ]))
    .await?;
    let batches: Vec<String> = found.ids.chunks(20).map(|c| c.join(",")).collect();
    let get = {
        let (http, base, sid) = (http.clone(), base.clone(), sid.clone());
        move |ids: String| {
            let request = http.get(format!("{base}/Ticket/{ids}")).query(&[
                // What otai asks for too: the same request, so the same reply to decode.
                ("AllArticles", "1"),
                ("DynamicFields", "1"),
                ("Attachments", "1"),
                ("GetAttachmentContents", "0"),
                ("SessionID", &sid),
            ]);
            async move {
                let reply: GetReply = get_json(request).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(reply.tickets)
            }
        }
    };
    let update = move |ticket: WireTicket| {
        let body = ticket.articles.first().map_or("", |a| a.body.as_str());
        let (label, queue, priority) = classify(&ticket.title, body);
        let payload = Update {
            session_id: &sid,
            ticket: TicketChange { queue, priority },
            article: Note {
                subject: "triage",
                body: format!("triaged: {label}"),
                content_type: "text/plain; charset=utf-8",
                communication_channel: "Internal",
                sender_type: "agent",
                is_visible_for_customer: 0,
            },
        };
        let request = http
            .patch(format!("{base}/Ticket/{}", ticket.id.0))
            .json(&payload);
        async move {
            let reply: UpdateReply = get_json(request).await?;
            if reply.error.is_some() {
                return Err("TicketUpdate failed".into());
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        }
    };
    let tickets = futures::stream::iter(batches).map(|ids| {
        let fut = get(ids);
        async move {
            if spawn {
                tokio::spawn(fut).await?
            } else {
                fut.await
            }
        }
    });
    let mut done = tickets
        .buffered(c)
        .flat_map(|batch| match batch {
            Ok(tickets) => futures::stream::iter(tickets.into_iter().map(Ok).collect::<Vec<_>>()),
            Err(e) => futures::stream::iter(vec![Err(e)]),
        })
        .map(|ticket| {
            let fut = ticket.map(&update);
            async move {
                match fut {
                    Ok(fut) if spawn => tokio::spawn(fut).await?,
                    Ok(fut) => fut.await,
                    Err(e) => Err(e),
                }
            }
        })
        .buffer_unordered(c);
    let mut updated = 0;
    while let Some(result) = done.next().await {
        result?;
        updated += 1;
    }
    Ok(updated)
}
