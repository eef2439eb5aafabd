//! The inbound API's throughput and latency against the local store, over real HTTP on
//! 127.0.0.1, at concurrency 1, 8 and 64; and what the gateway adds over calling the adapter.
//!
//! `cargo bench -p otai-serve --bench inbound` (rounds interleaved; medians with their spread).

use std::sync::Arc;
use std::time::{Duration, Instant};

use otai_core::TicketSystemServiceExt;
use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, Registry, Secrets, load_str};
use serde_json::json;

type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const ROUNDS: usize = 5;
const REQUESTS: usize = 2_000;
const DIRECT: usize = 2_000;

const CONFIG: &str = r#"services:
  - id: helpdesk
    use: local
    params: {path: tickets.sqlite}
server:
  listen: 127.0.0.1:0
inbound:
  - id: monitoring
    service: helpdesk
    accounts:
      - { name: bench, token: bench-token }
    external_id: '{{ payload.event_id }}'
    validate:
      event_id: { required: true, type: string, max_length: 64 }
      severity: { required: true, enum: [info, warning, critical] }
      host:     { required: true, type: string, max_length: 255 }
      summary:  { required: true, type: string, min_length: 3, max_length: 200 }
      details:  { type: string }
    ticket:
      subject: '[{{ payload.severity }}] {{ payload.host }}: {{ payload.summary }}'
      body: "{{ payload.details | default('') }}"
      queue: Raw
      priority: "{{ {'info': '2 low', 'warning': '3 normal', 'critical': '5 very high'}[payload.severity] }}"
"#;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One round: `REQUESTS` posts by `concurrency` clients; throughput and latencies.
async fn round(url: &str, concurrency: usize, tag: &str) -> BenchResult<(f64, Vec<Duration>)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (client, url, tag) = (client.clone(), url.to_owned(), tag.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = worker;
            while n < REQUESTS {
                let body = json!({"event_id": format!("{tag}-{n}"), "severity": "critical",
                                  "host": "db1", "summary": "disk full", "details": "at 99%"});
                let sent = Instant::now();
                let response = client
                    .post(format!("{url}/api/v1/inbound/monitoring"))
                    .bearer_auth("bench-token")
                    .json(&body)
                    .send()
                    .await?;
                let status = response.status().as_u16();
                let reply = response.bytes().await?;
                latencies.push(sent.elapsed());
                if status != 201 {
                    let reply = String::from_utf8_lossy(&reply);
                    return Err(format!("status {status}: {reply}").into());
                }
                n += concurrency;
            }
            BenchResult::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let rate = REQUESTS as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    Ok((rate, latencies))
}

fn main() -> BenchResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> BenchResult {
    let dir = tempfile::tempdir()?;
    let mut registry = Registry::new();
    otai_local::register(registry.services_mut());
    let engine = load_str(
        "otai.yml",
        CONFIG,
        &BuildContext::new(dir.path()),
        &registry,
        &LoadOptions::new(Secrets::from_env()),
    )
    .map_err(|e| e.to_string())?;
    let settings = otai_serve::Settings::read(&engine).map_err(|e| e.to_string())?;
    let store = settings.open_store(&dir.path().join("otai.yml"))?;
    let gateway = Arc::new(settings.gateway(&engine, store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(otai_serve::serve(gateway, listener, 30, async {
        let _ = stopped.await;
    }));
    let service = engine
        .services()
        .get("helpdesk")
        .cloned()
        .ok_or("no service")?;

    let levels = [1usize, 8, 64];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); levels.len()];
    let mut p50s: Vec<Vec<f64>> = vec![Vec::new(); levels.len()];
    let mut p99s: Vec<Vec<f64>> = vec![Vec::new(); levels.len()];
    let mut direct_p50 = Vec::new();
    let mut gateway_p50 = Vec::new();
    for r in 0..ROUNDS {
        for (i, &concurrency) in levels.iter().enumerate() {
            let (rate, latencies) =
                round(&url, concurrency, &format!("r{r}c{concurrency}")).await?;
            rates[i].push(rate);
            p50s[i].push(percentile(&latencies, 0.5).as_secs_f64() * 1e3);
            p99s[i].push(percentile(&latencies, 0.99).as_secs_f64() * 1e3);
            if concurrency == 1 {
                gateway_p50.push(percentile(&latencies, 0.5).as_secs_f64() * 1e3);
            }
        }
        let mut direct = Vec::with_capacity(DIRECT);
        for n in 0..DIRECT {
            let mut kwargs = serde_json::Map::new();
            kwargs.insert(
                "subject".into(),
                json!(format!("[critical] db1: disk full {r}-{n}")),
            );
            kwargs.insert("body".into(), json!("at 99%"));
            kwargs.insert("queue".into(), json!("Raw"));
            kwargs.insert("priority".into(), json!("5 very high"));
            let sent = Instant::now();
            service.create_ticket_kw(kwargs).await?;
            direct.push(sent.elapsed());
        }
        direct.sort();
        direct_p50.push(percentile(&direct, 0.5).as_secs_f64() * 1e3);
    }
    println!("inbound API, local store, {ROUNDS} interleaved rounds of {REQUESTS} requests:");
    println!(
        "concurrency  created/s median [min-max]   p50 ms median [min-max]   p99 ms median [min-max]"
    );
    for (i, concurrency) in levels.iter().enumerate() {
        let spread = |v: &[f64]| {
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(0.0, f64::max);
            (min, max)
        };
        let (rmin, rmax) = spread(&rates[i]);
        let (pmin, pmax) = spread(&p50s[i]);
        let (qmin, qmax) = spread(&p99s[i]);
        println!(
            "{concurrency:>11}  {:>8.0} [{rmin:.0}-{rmax:.0}]   {:>7.2} [{pmin:.2}-{pmax:.2}]   {:>7.2} [{qmin:.2}-{qmax:.2}]",
            median(&mut rates[i].clone()),
            median(&mut p50s[i].clone()),
            median(&mut p99s[i].clone())
        );
    }
    let overheads: Vec<f64> = gateway_p50
        .iter()
        .zip(&direct_p50)
        .map(|(gateway, direct)| gateway - direct)
        .collect();
    println!(
        "adapter directly p50 {:.3} ms; through the gateway (HTTP, concurrency 1) p50 {:.3} ms; overhead p50 median {:.3} ms [{:.3}-{:.3}]",
        median(&mut direct_p50.clone()),
        median(&mut gateway_p50.clone()),
        median(&mut overheads.clone()),
        overheads.iter().copied().fold(f64::INFINITY, f64::min),
        overheads.iter().copied().fold(0.0, f64::max),
    );
    let _ = stop.send(());
    served.await??;
    Ok(())
}
