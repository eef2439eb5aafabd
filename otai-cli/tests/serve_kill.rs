//! `otai serve` killed with SIGKILL under 64 concurrent posters: after a restart every request
//! that was answered 2xx has exactly one ticket, and resending every request with its external
//! id makes no second ticket.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

mod support;

use support::{TestResult, serve};

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
      - { name: poster, token: poster-token }
    external_id: '{{ payload.event_id }}'
    validate:
      event_id: { required: true, type: string }
    ticket:
      subject: 'event {{ payload.event_id }}'
      queue: Raw
"#;

const POSTERS: usize = 64;

async fn post(client: &reqwest::Client, url: &str, event: &str) -> Option<(u16, Value)> {
    let response = client
        .post(format!("{url}/api/v1/inbound/monitoring"))
        .bearer_auth("poster-token")
        .json(&json!({ "event_id": event }))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.json().await.ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_under_load_makes_each_ticket_exactly_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("otai.yml"), CONFIG)?;
    let (mut server, url) = serve(dir.path())?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut posters = Vec::new();
    for poster in 0..POSTERS {
        let (client, url, stop) = (client.clone(), url.clone(), Arc::clone(&stop));
        posters.push(tokio::spawn(async move {
            let mut answers: Vec<(String, Option<(u16, Value)>)> = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let event = format!("p{poster}-{n}");
                let answer = post(&client, &url, &event).await;
                let failed = answer.is_none();
                answers.push((event, answer));
                if failed {
                    break;
                }
                n += 1;
            }
            answers
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill()?; // SIGKILL
    server.wait()?;
    stop.store(true, Ordering::Relaxed);
    let mut answers = Vec::new();
    for poster in posters {
        answers.extend(poster.await?);
    }
    let created: BTreeMap<&str, &Value> = answers
        .iter()
        .filter_map(|(event, answer)| match answer {
            Some((201, body)) => Some((event.as_str(), &body["ticket_id"])),
            _ => None,
        })
        .collect();
    assert!(
        created.len() > 50,
        "too little load: {} created",
        created.len()
    );

    let (mut server, url) = serve(dir.path())?;
    for (event, answer) in &answers {
        let (status, body) = post(&client, &url, event)
            .await
            .ok_or("no answer after restart")?;
        match created.get(event.as_str()) {
            Some(ticket_id) => {
                assert_eq!(status, 200, "{event}: {body}");
                assert_eq!(&&body["ticket_id"], ticket_id, "{event}: {body}");
            }
            None => assert!(
                matches!(status, 200 | 201),
                "{event} (first answer {answer:?}): {status} {body}"
            ),
        }
    }
    server.kill()?;
    server.wait()?;

    let output = Command::new(env!("CARGO_BIN_EXE_otai"))
        .args(["tickets", "-c"])
        .arg(dir.path().join("otai.yml"))
        .args(["--json", "search", "--all", "--limit", "100000"])
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tickets: Vec<Value> = serde_json::from_slice(&output.stdout)?;
    let mut per_event: BTreeMap<String, usize> = BTreeMap::new();
    for ticket in &tickets {
        let subject = ticket["subject"].as_str().unwrap_or_default();
        *per_event
            .entry(subject.trim_start_matches("event ").to_owned())
            .or_default() += 1;
    }
    for (event, count) in &per_event {
        assert_eq!(*count, 1, "{event} has {count} tickets");
    }
    for event in created.keys() {
        assert_eq!(per_event.get(*event), Some(&1), "{event} lost its ticket");
    }
    Ok(())
}
