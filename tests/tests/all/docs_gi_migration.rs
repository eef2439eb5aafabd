//! docs/gi-migration.md is true: the OTRS export it shows imports to exactly its web service
//! entry, with the command line it gives; its otai.yml loads; the calls it shows get the answers
//! it describes (served in process with the local store in RT's place, the `Prio` mapping
//! applied); every `otai` command it shows parses; the guide and the README link to it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use otai_cli::args::{Cli, Command, WebserviceOperation};
use otai_core::TicketSystemService;
use otai_core::registry::BuildContext;
use otai_gi::exchange::{ImportOptions, import};
use otai_gi::{NoHook, Provider, Sessions};
use otai_pipeline::{Engine, LoadOptions, Secrets, load_str};
use otai_state::StateStore;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const DOC: &str = include_str!("../../../docs/gi-migration.md");
/// The host the page's calls go to.
const HOST: &str = "https://otai.example.com";
/// The password in the page's calls: the test's secret, so the page's call logs in.
const PASSWORD: &str = "the-password";

/// The page's fenced blocks of `language`.
fn blocks(language: &str) -> Vec<&'static str> {
    DOC.split(&format!("```{language}\n"))
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect()
}

/// The one `yaml` block holding `marker`.
fn yaml_block(marker: &str) -> Result<&'static str, String> {
    let found: Vec<&str> = blocks("yaml")
        .into_iter()
        .filter(|b| b.contains(marker))
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        other => Err(format!("{} yaml blocks hold {marker:?}", other.len())),
    }
}

/// The lines of the `sh` blocks that start with `program`.
fn commands(program: &str) -> Vec<&'static str> {
    blocks("sh")
        .into_iter()
        .flat_map(str::lines)
        .filter(|l| l.starts_with(&format!("{program} ")))
        .collect()
}

/// A shell line's words: spaces split, single quotes group (the page uses nothing else).
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            '"' | '\\' | '$' | '`' if !quoted => {
                return Err(format!("unquoted {c} in {line}"));
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if quoted {
        return Err(format!("unclosed quote in {line}"));
    }
    if started {
        out.push(word);
    }
    Ok(out)
}

/// The `otai` command of `line`, parsed as the binary parses it (a `> file` redirect left out).
fn parse(line: &str) -> Result<Cli, String> {
    let command = line.split(" > ").next().unwrap_or_default();
    Cli::try_parse_from(words(command)?).map_err(|e| format!("`{line}`: {e}"))
}

#[test]
fn every_otai_command_of_the_page_parses() -> TestResult {
    let lines = commands("otai");
    assert!(lines.len() >= 6, "found {} otai commands", lines.len());
    for line in lines {
        parse(line)?;
    }
    assert!(
        parse("otai webservice import X.yml --servce rt").is_err(),
        "a misspelt flag parses"
    );
    Ok(())
}

#[test]
fn the_export_imports_to_the_pages_web_service_entry() -> TestResult {
    let line = commands("otai")
        .into_iter()
        .find(|l| l.starts_with("otai webservice import"))
        .ok_or("no import command")?;
    let Command::Webservice(args) = parse(line)?.command else {
        return Err("not a webservice command".into());
    };
    let WebserviceOperation::Import {
        file,
        name,
        service,
        id,
    } = args.operation
    else {
        return Err("not an import".into());
    };
    // As the command names it: the file's name without `.yml` when no --name is given.
    let name = name.unwrap_or(
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let export = yaml_block("FrameworkVersion")?;
    let imported = import(
        export,
        &file.display().to_string(),
        &ImportOptions { name, id, service },
    )?;
    assert!(
        imported.warnings.is_empty() && imported.secrets.is_empty(),
        "the page says nothing is left out: {:?} {:?}",
        imported.warnings,
        imported.secrets
    );
    let config = otai_yaml::read(yaml_block("webservices:")?)?.value;
    let mut entry = config["webservices"][0].clone();
    let added = entry.as_object_mut().ok_or("no web service entry")?;
    // What the page says to add to the imported entry.
    for key in ["prefix", "users"] {
        assert!(added.remove(key).is_some(), "the page's entry has no {key}");
    }
    assert_eq!(entry, imported.entry, "the page's entry is not the import");
    Ok(())
}

/// The page's otai.yml, loaded with its secrets.
fn engine() -> Result<Engine, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let secrets = dir.path().join("secrets.yml");
    std::fs::write(
        &secrets,
        format!("RT_TOKEN: 1-14-rt-token\nMONITORING_PASSWORD: {PASSWORD}\n"),
    )?;
    let mut registry = otai_pipeline::Registry::new();
    otai_rt::register(registry.services_mut());
    Ok(load_str(
        "otai.yml",
        yaml_block("webservices:")?,
        &BuildContext::new(dir.path()),
        &registry,
        &LoadOptions::new(Secrets::from_file(&secrets)?),
    )?)
}

/// A `curl` line of the page: method, path after the host, body.
fn request(line: &str) -> Result<(String, String, Option<String>), String> {
    let words = words(line)?;
    let mut method = "GET".to_owned();
    let mut url = None;
    let mut body = None;
    let mut args = words.iter().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-s" => {}
            "-X" => method = args.next().ok_or("-X without a method")?.clone(),
            "-H" => {
                let header = args.next().ok_or("-H without a header")?;
                if header != "Content-Type: application/json" {
                    return Err(format!("unexpected header {header}"));
                }
            }
            "-d" => body = Some(args.next().ok_or("-d without data")?.clone()),
            other => url = Some(other.to_owned()),
        }
    }
    let url = url.ok_or("no URL")?;
    let path = url
        .strip_prefix(HOST)
        .ok_or(format!("{url} is not on {HOST}"))?;
    Ok((method, path.to_owned(), body))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_calls_get_the_answers_it_describes() -> TestResult {
    let engine = engine()?;
    let webservices = otai_gi::load::read(&engine)?.ok_or("no webservices:")?;
    assert_eq!(webservices[0].prefix.as_str(), "otrs");
    // The local store stands in for RT: the web service is the page's, mapping included.
    let local: Arc<dyn TicketSystemService> = Arc::new(otai_local::LocalStore::in_memory()?);
    let services = BTreeMap::from([("rt".to_owned(), local)]);
    let state: Arc<dyn StateStore> = Arc::new(otai_state::SqliteStore::in_memory()?);
    let provider = Provider::new(
        webservices,
        &services,
        Sessions::new(Arc::clone(&state)),
        Arc::new(NoHook),
    )?;
    let gateway = Arc::new(otai_serve::Settings::read(&engine)?.gateway(&engine, state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(otai_serve::serve_routes(
        gateway,
        otai_gi::router(Arc::new(provider)),
        listener,
        None,
        30,
        async {
            let _ = stopped.await;
        },
    ));

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let calls = commands("curl");
    assert_eq!(calls.len(), 3, "session, create, search");
    let mut session = String::new();
    let mut answers = Vec::new();
    for line in &calls {
        let (method, path, body) = request(line)?;
        let path = path.replace("the-session", &session);
        let mut call = client.request(method.parse()?, format!("{base}{path}"));
        if let Some(body) = body {
            let body = body.replace("the-session", &session);
            call = call.header("Content-Type", "application/json").body(body);
        }
        let answer: Value = call.send().await?.json().await?;
        if let Some(id) = answer["SessionID"].as_str() {
            session = id.to_owned();
        }
        answers.push(answer);
    }
    assert!(!session.is_empty(), "no session: {:?}", answers[0]);
    let created = &answers[1];
    for key in ["TicketID", "TicketNumber", "ArticleID"] {
        assert!(created[key].is_string(), "{key} missing in {created}");
    }
    assert_eq!(
        answers[2],
        json!({"TicketID": [created["TicketID"].clone()]}),
        "Prio=critical finds the ticket of priority `5 very high`"
    );
    let (_, search, _) = request(calls[2])?;
    let warning: Value = client
        .get(format!(
            "{base}{}",
            search
                .replace("the-session", &session)
                .replace("critical", "warning")
        ))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(warning, json!({}), "no ticket of priority `3 normal`");

    let _ = stop.send(());
    served.await??;
    Ok(())
}

#[test]
fn the_guide_and_the_readme_link_to_the_page() {
    for (name, text) in [
        (
            "docs/generic-interface.md",
            include_str!("../../../docs/generic-interface.md"),
        ),
        ("README.md", include_str!("../../../README.md")),
    ] {
        assert!(text.contains("gi-migration.md"), "{name} has no link");
    }
}

#[test]
fn the_shell_word_splitter_refuses_what_it_cannot_read() {
    assert_eq!(
        words("a 'b c' d").ok(),
        Some(vec!["a".to_owned(), "b c".to_owned(), "d".to_owned()])
    );
    assert!(words("a 'b").is_err());
    assert!(words("a \"b\"").is_err());
}
