//! The recorded OTOBO 11 SOAP requests replayed against the provider's SOAP transport: the same
//! status and content type, and an answer of the same structure (element names, their order,
//! nesting, attributes, single or repeated elements, fault or not, error codes and messages;
//! IDs, times and other text aside).

mod support;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use support::{Served, TestResult, client, webservices};

/// The session id in the recordings.
const RECORDED_SESSION: &str = "Z9EyimRoRZG2H10hMItL7FJwrMz4glwS";
/// The ticket id in the recordings.
const RECORDED_TICKET: &str = "72";

/// One recording: its name, request, answer and `.meta` (status and content type).
struct Recording {
    name: &'static str,
    request: &'static str,
    response: &'static str,
    meta: &'static str,
}

macro_rules! recording {
    ($name:literal) => {
        Recording {
            name: $name,
            request: include_str!(concat!("fixtures/otobo-11-soap/", $name, ".request.xml")),
            response: include_str!(concat!("fixtures/otobo-11-soap/", $name, ".response.xml")),
            meta: include_str!(concat!("fixtures/otobo-11-soap/", $name, ".meta")),
        }
    };
}

/// Every recording.
const RECORDINGS: [Recording; 13] = [
    recording!("malformed"),
    recording!("session-create-authfail"),
    recording!("session-create-ok"),
    recording!("ticket-create-missing-title"),
    recording!("ticket-create-ok"),
    recording!("ticket-get-full"),
    recording!("ticket-get-not-found"),
    recording!("ticket-history"),
    recording!("ticket-search-many"),
    recording!("ticket-search-none"),
    recording!("ticket-search-one"),
    recording!("ticket-update-note"),
    recording!("unknown-operation"),
];

/// Elements whose text is compared: error codes and messages, fault codes and strings.
const TEXT_COMPARED: [&str; 4] = ["ErrorCode", "ErrorMessage", "faultcode", "faultstring"];

/// Elements whose count depends on the helpdesk's set-up, not on the answer's shape: OTOBO
/// lists every dynamic field it has (here four), otai those the ticket has.
const COUNT_FREE: [&str; 1] = ["DynamicField"];

/// An XML element: its qualified name, attributes (name=value, sorted), children and text.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<String>,
    children: Vec<Node>,
    text: String,
}

fn node(start: &BytesStart<'_>) -> Result<Node, Box<dyn std::error::Error>> {
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute?;
        let value = attribute.unescape_value()?;
        attributes.push(format!(
            "{}={value}",
            String::from_utf8_lossy(attribute.key.as_ref())
        ));
    }
    attributes.sort();
    Ok(Node {
        name: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
        attributes,
        ..Node::default()
    })
}

/// The document's root element, read without recursion.
fn parse(xml: &str) -> Result<Node, Box<dyn std::error::Error>> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader.read_event()? {
            Event::Start(start) => stack.push(node(&start)?),
            Event::Empty(start) => {
                let empty = node(&start)?;
                stack.last_mut().ok_or("unbalanced")?.children.push(empty);
            }
            Event::End(_) => {
                let done = stack.pop().ok_or("unbalanced")?;
                stack.last_mut().ok_or("unbalanced")?.children.push(done);
            }
            Event::Text(text) => {
                let text = text.decode()?;
                stack.last_mut().ok_or("unbalanced")?.text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                let name = reference.decode()?;
                let reference = format!("&{name};");
                let text = quick_xml::escape::unescape(&reference)?;
                stack.last_mut().ok_or("unbalanced")?.text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().ok_or("unbalanced")?;
    if !stack.is_empty() || document.children.len() != 1 {
        return Err("not one root element".into());
    }
    document.children.pop().ok_or_else(|| "no root".into())
}

/// The children of `node` grouped by name, in the order of their first appearance.
fn groups(node: &Node) -> Vec<(&str, Vec<&Node>)> {
    let mut out: Vec<(&str, Vec<&Node>)> = Vec::new();
    for child in &node.children {
        match out.iter_mut().find(|(name, _)| *name == child.name) {
            Some((_, list)) => list.push(child),
            None => out.push((&child.name, vec![child])),
        }
    }
    out
}

/// Where `ours` differs in structure from `recorded` (same name), each as `path: what`. An
/// explicit stack: nothing recurses.
fn differences(recorded: &Node, ours: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![(recorded, ours, recorded.name.clone())];
    while let Some((a, b, path)) = pending.pop() {
        if a.attributes != b.attributes {
            out.push(format!(
                "{path}: attributes {:?}, recorded {:?}",
                b.attributes, a.attributes
            ));
        }
        if TEXT_COMPARED.contains(&a.name.as_str()) && a.text.trim() != b.text.trim() {
            out.push(format!(
                "{path}: answered {:?}, recorded {:?}",
                b.text, a.text
            ));
        }
        if a.children.is_empty() != b.children.is_empty() {
            out.push(format!(
                "{path}: {} children, recorded {}",
                b.children.len(),
                a.children.len()
            ));
            continue;
        }
        let theirs = groups(a);
        let mine = groups(b);
        for (name, list) in &theirs {
            let at = format!("{path}/{name}");
            match mine.iter().find(|(n, _)| n == name) {
                None => out.push(format!("{at}: missing")),
                Some((_, found)) => {
                    if (list.len() > 1) != (found.len() > 1) && !COUNT_FREE.contains(name) {
                        out.push(format!(
                            "{at}: {} elements, recorded {}",
                            found.len(),
                            list.len()
                        ));
                    }
                    if let (Some(x), Some(y)) = (list.first(), found.first()) {
                        pending.push((x, y, at));
                    }
                }
            }
        }
        for (name, _) in mine
            .iter()
            .filter(|(n, _)| !theirs.iter().any(|t| t.0 == *n))
        {
            out.push(format!("{path}/{name}: not in the recording"));
        }
        // OTOBO writes elements in key order; the ones both have come in the same order.
        let common = |of: &[(&str, Vec<&Node>)], other: &[(&str, Vec<&Node>)]| -> Vec<String> {
            of.iter()
                .filter(|(n, _)| other.iter().any(|o| o.0 == *n))
                .map(|(n, _)| (*n).to_owned())
                .collect()
        };
        let (recorded_order, our_order) = (common(&theirs, &mine), common(&mine, &theirs));
        if recorded_order != our_order {
            out.push(format!(
                "{path}: children in the order {our_order:?}, recorded {recorded_order:?}"
            ));
        }
    }
    out
}

/// The `key=value` of a `.meta` file.
fn meta<'m>(text: &'m str, key: &str) -> &'m str {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_default()
}

/// The text of the first element named `name` (any prefix) in `xml`.
fn element_text(xml: &str, name: &str) -> Option<String> {
    let root = parse(xml).ok()?;
    let mut pending = vec![&root];
    while let Some(node) = pending.pop() {
        if node.name.rsplit(':').next() == Some(name) {
            return Some(node.text.clone());
        }
        pending.extend(node.children.iter());
    }
    None
}

/// The recorded request with our session and ticket ids.
fn adapt(request: &str, session: &str, ticket: &str) -> String {
    request.replace(RECORDED_SESSION, session).replace(
        &format!("<tns:TicketID>{RECORDED_TICKET}</tns:TicketID>"),
        &format!("<tns:TicketID>{ticket}</tns:TicketID>"),
    )
}

fn recording(name: &str) -> Result<&'static Recording, String> {
    RECORDINGS
        .iter()
        .find(|r| r.name == name)
        .ok_or(format!("no recording {name}"))
}

/// Posts `body` to `url` as a SOAP client does: status, content type, text.
async fn post(
    client: &reqwest::Client,
    url: &str,
    body: String,
) -> Result<(u16, String, String), Box<dyn std::error::Error>> {
    let response = client
        .post(url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await?;
    Ok(support::answer(response).await?)
}

#[tokio::test]
async fn recorded_soap_requests_get_answers_of_the_recorded_structure() -> TestResult {
    let served = Served::start(&webservices("")).await?;
    let url = served.webservice("GenericTicketConnectorSOAP");
    let client = client()?;
    let (_, _, answer) = post(
        &client,
        &url,
        recording("session-create-ok")?.request.to_owned(),
    )
    .await?;
    let session = element_text(&answer, "SessionID").ok_or(format!("no session: {answer}"))?;
    // The ticket the recordings read, and two more for the search of three.
    let create = adapt(recording("ticket-create-ok")?.request, &session, "");
    let (_, _, answer) = post(&client, &url, create.clone()).await?;
    let ticket = element_text(&answer, "TicketID").ok_or(format!("no ticket: {answer}"))?;
    for _ in 0..2 {
        post(&client, &url, create.clone()).await?;
    }

    let mut problems = Vec::new();
    let mut compared = 0;
    for recorded in &RECORDINGS {
        let name = recorded.name;
        let request = adapt(recorded.request, &session, &ticket);
        let (status, content_type, text) = post(&client, &url, request).await?;
        let want_status = meta(recorded.meta, "status");
        if status.to_string() != want_status {
            problems.push(format!("{name}: status {status}, recorded {want_status}"));
            continue;
        }
        let want_type = meta(recorded.meta, "content_type");
        if content_type != want_type {
            problems.push(format!(
                "{name}: content type {content_type}, recorded {want_type}"
            ));
        }
        let Ok(expected) = parse(recorded.response) else {
            // A plain-text answer: the first line is otai's; what follows is the parser's.
            let first = |t: &str| t.lines().next().unwrap_or_default().to_owned();
            if first(&text) != first(recorded.response) {
                problems.push(format!(
                    "{name}: answered {text:?}, recorded {:?}",
                    recorded.response
                ));
            }
            continue;
        };
        match parse(&text) {
            Ok(ours) if ours.name == expected.name => {
                compared += 1;
                problems.extend(
                    differences(&expected, &ours)
                        .into_iter()
                        .map(|d| format!("{name}: {d}")),
                );
            }
            Ok(ours) => problems.push(format!("{name}: root <{}>", ours.name)),
            Err(e) => problems.push(format!("{name}: not XML ({e}): {text}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(compared, RECORDINGS.len() - 1, "all but the plain-text one");
    Ok(())
}

#[test]
fn the_structure_comparison_finds_differences() -> TestResult {
    let recorded = parse(
        "<R a=\"1\"><T><ID>1</ID><ID>2</ID><Title>x</Title></T><Extra/><ErrorCode>A</ErrorCode></R>",
    )?;
    let ours = parse(
        "<R a=\"2\"><T><ID>1</ID><Titel>x</Titel></T><ErrorCode>B</ErrorCode><New>1</New></R>",
    )?;
    let mut found = differences(&recorded, &ours);
    found.sort();
    assert_eq!(
        found,
        [
            "R/ErrorCode: answered \"B\", recorded \"A\"",
            "R/Extra: missing",
            "R/New: not in the recording",
            "R/T/ID: 1 elements, recorded 2",
            "R/T/Titel: not in the recording",
            "R/T/Title: missing",
            "R: attributes [\"a=2\"], recorded [\"a=1\"]",
        ]
    );
    let swapped = differences(&parse("<R><A/><B/></R>")?, &parse("<R><B/><A/></R>")?);
    assert_eq!(
        swapped,
        ["R: children in the order [\"B\", \"A\"], recorded [\"A\", \"B\"]"]
    );
    let leaf = parse("<R><T>text</T></R>")?;
    let nested = parse("<R><T><X/></T></R>")?;
    assert_eq!(differences(&nested, &leaf), ["R/T: 0 children, recorded 1"]);
    assert!(differences(&leaf, &parse("<R><T>other text</T></R>")?).is_empty());
    Ok(())
}

#[test]
fn every_recording_is_replayed() -> TestResult {
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/otobo-11-soap"
    ))?
    .filter_map(Result::ok)
    .filter(|e| e.file_name().to_string_lossy().ends_with(".meta"))
    .count();
    assert_eq!(files, RECORDINGS.len());
    Ok(())
}
