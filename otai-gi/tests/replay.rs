//! The recorded OTOBO 11 REST requests replayed against the provider: the same status, content
//! type and answer structure (keys, list shapes, error codes and messages; IDs, times and
//! scalar types aside, as the spec allows either).

mod support;

use serde_json::{Value, json};
use support::{Served, TestResult, client, webservices};

/// The session id in the recordings.
const RECORDED_SESSION: &str = "4MxP6P8k1UG59OMaF3E6Gj0tDrDopyIX";
/// The ticket id in the recordings.
const RECORDED_TICKET: &str = "71";

/// Every recording, by name.
const FIXTURES: [(&str, &str); 24] = [
    (
        "malformed-json",
        include_str!("fixtures/otobo-11/malformed-json.json"),
    ),
    (
        "session-create-authfail",
        include_str!("fixtures/otobo-11/session-create-authfail.json"),
    ),
    (
        "session-create-missing-password",
        include_str!("fixtures/otobo-11/session-create-missing-password.json"),
    ),
    (
        "session-create-ok",
        include_str!("fixtures/otobo-11/session-create-ok.json"),
    ),
    (
        "ticket-create-invalid-queue",
        include_str!("fixtures/otobo-11/ticket-create-invalid-queue.json"),
    ),
    (
        "ticket-create-missing-title",
        include_str!("fixtures/otobo-11/ticket-create-missing-title.json"),
    ),
    (
        "ticket-create-no-auth",
        include_str!("fixtures/otobo-11/ticket-create-no-auth.json"),
    ),
    (
        "ticket-create-ok",
        include_str!("fixtures/otobo-11/ticket-create-ok.json"),
    ),
    (
        "ticket-get-after-update",
        include_str!("fixtures/otobo-11/ticket-get-after-update.json"),
    ),
    (
        "ticket-get-bad-session",
        include_str!("fixtures/otobo-11/ticket-get-bad-session.json"),
    ),
    (
        "ticket-get-full",
        include_str!("fixtures/otobo-11/ticket-get-full.json"),
    ),
    (
        "ticket-get-list",
        include_str!("fixtures/otobo-11/ticket-get-list.json"),
    ),
    (
        "ticket-get-not-found",
        include_str!("fixtures/otobo-11/ticket-get-not-found.json"),
    ),
    (
        "ticket-get-plain",
        include_str!("fixtures/otobo-11/ticket-get-plain.json"),
    ),
    (
        "ticket-history",
        include_str!("fixtures/otobo-11/ticket-history.json"),
    ),
    (
        "ticket-search-none",
        include_str!("fixtures/otobo-11/ticket-search-none.json"),
    ),
    (
        "ticket-search-queue-state",
        include_str!("fixtures/otobo-11/ticket-search-queue-state.json"),
    ),
    (
        "ticket-search-title",
        include_str!("fixtures/otobo-11/ticket-search-title.json"),
    ),
    (
        "ticket-update-fields",
        include_str!("fixtures/otobo-11/ticket-update-fields.json"),
    ),
    (
        "ticket-update-invalid-state",
        include_str!("fixtures/otobo-11/ticket-update-invalid-state.json"),
    ),
    (
        "ticket-update-not-found",
        include_str!("fixtures/otobo-11/ticket-update-not-found.json"),
    ),
    (
        "ticket-update-note",
        include_str!("fixtures/otobo-11/ticket-update-note.json"),
    ),
    (
        "ticket-update-pending-no-time",
        include_str!("fixtures/otobo-11/ticket-update-pending-no-time.json"),
    ),
    (
        "unknown-route",
        include_str!("fixtures/otobo-11/unknown-route.json"),
    ),
];

/// Recordings whose answer depends on the helpdesk's vocabulary: the local store behind the
/// provider accepts any queue and state name, so these succeed where OTOBO refused.
const VOCABULARY: [&str; 2] = ["ticket-create-invalid-queue", "ticket-update-invalid-state"];

/// Strings and numbers count as the same shape: OTOBO sends IDs as either.
fn scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_))
}

/// Where `ours` differs in structure from `recorded`, each as `path: what`.
fn differences(recorded: &Value, ours: &Value, path: &str, out: &mut Vec<String>) {
    match (recorded, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (a, b) if scalar(a) && scalar(b) => {}
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys() {
                match b.get(key) {
                    Some(value) => differences(&a[key], value, &format!("{path}.{key}"), out),
                    None => out.push(format!("{path}.{key}: missing")),
                }
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{key}: not in the recording"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                differences(x, y, &format!("{path}[0]"), out);
            }
        }
        (a, b) => out.push(format!("{path}: recorded {a}, answered {b}")),
    }
}

/// The recorded request with our session and ticket ids.
fn adapt(request: &Value, session: &str, ticket: &str) -> (String, String, Option<Value>) {
    let method = request["method"].as_str().unwrap_or_default().to_owned();
    let route = request["route"]
        .as_str()
        .unwrap_or_default()
        .replace(RECORDED_SESSION, session)
        .replace(&format!("/{RECORDED_TICKET}?"), &format!("/{ticket}?"))
        .replace(
            &format!("TicketID={RECORDED_TICKET}"),
            &format!("TicketID={ticket}"),
        );
    let route = match route.strip_suffix(&format!("/{RECORDED_TICKET}")) {
        Some(start) => format!("{start}/{ticket}"),
        None => route,
    };
    let body = match &request["body"] {
        Value::Null => None,
        Value::String(raw) => Some(Value::String(raw.clone())),
        Value::Object(map) => {
            let mut map = map.clone();
            if map.contains_key("SessionID") {
                map.insert("SessionID".into(), session.into());
            }
            Some(Value::Object(map))
        }
        other => Some(other.clone()),
    };
    (method, route, body)
}

#[tokio::test]
async fn recorded_requests_get_answers_of_the_recorded_structure() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let base = served.webservice("GenericTicketConnectorREST");
    let client = client()?;
    let session = client
        .post(format!("{base}/Session"))
        .json(&json!({"UserLogin": support::AGENT.0, "Password": support::AGENT.1}))
        .send()
        .await?
        .json::<Value>()
        .await?["SessionID"]
        .as_str()
        .ok_or("no session")?
        .to_owned();
    let created = FIXTURES
        .iter()
        .find(|f| f.0 == "ticket-create-ok")
        .ok_or("no create")?;
    let create: Value = serde_json::from_str(created.1)?;
    let (_, _, body) = adapt(&create["request"], &session, RECORDED_TICKET);
    let answer: Value = client
        .post(format!("{base}/Ticket"))
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let ticket = answer["TicketID"]
        .as_str()
        .ok_or(format!("no ticket: {answer}"))?
        .to_owned();
    let mut problems = Vec::new();
    let mut replayed = 0;
    for (name, text) in FIXTURES {
        if VOCABULARY.contains(&name) {
            continue;
        }
        let fixture: Value = serde_json::from_str(text)?;
        let (method, route, body) = adapt(&fixture["request"], &session, &ticket);
        let mut request = client.request(method.parse()?, format!("{base}{route}"));
        request = match body {
            Some(Value::String(raw)) => {
                request.header("Content-Type", "application/json").body(raw)
            }
            Some(json) => request.json(&json),
            None => request,
        };
        let (status, content_type, text) = support::answer(request.send().await?).await?;
        let recorded = &fixture["response"];
        replayed += 1;
        if Some(u64::from(status)) != recorded["status"].as_u64() {
            problems.push(format!(
                "{name}: status {status}, recorded {}",
                recorded["status"]
            ));
            continue;
        }
        if Some(content_type.as_str()) != recorded["content_type"].as_str() {
            problems.push(format!("{name}: content type {content_type}"));
        }
        match &recorded["body"] {
            Value::String(plain) if *plain != text => {
                problems.push(format!("{name}: answered {text:?}, recorded {plain:?}"));
            }
            Value::String(_) => {}
            body => {
                let ours: Value = serde_json::from_str(&text)?;
                if let Some(error) = body.get("Error") {
                    if ours.get("Error") != Some(error) {
                        problems.push(format!("{name}: answered {ours}, recorded {body}"));
                    }
                    continue;
                }
                let mut found = Vec::new();
                differences(body, &ours, name, &mut found);
                problems.extend(found);
            }
        }
    }
    assert_eq!(replayed, FIXTURES.len() - VOCABULARY.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

#[test]
fn the_structure_comparison_finds_differences() {
    let mut found = Vec::new();
    differences(
        &json!({"Ticket": [{"TicketID": "1", "Title": "x"}], "Extra": 1}),
        &json!({"Ticket": [{"TicketID": 1, "Titel": "x"}]}),
        "t",
        &mut found,
    );
    assert_eq!(
        found,
        [
            "t.Extra: missing",
            "t.Ticket[0].Title: missing",
            "t.Ticket[0].Titel: not in the recording"
        ]
    );
}
