//! Redirects and TLS mix-ups through the adapter, on 127.0.0.1: a redirect never carries the
//! login, the session or a change to another origin or from https to http, and an `https://`
//! URL at a plain-HTTP server says so.

use std::path::PathBuf;
use std::sync::Arc;

use otai_core::Error;
use otai_otobo_znuny::{AuthMode, Operation, OtoboClient, OtoboConfig};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WS: &str = "/otobo/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST";
const PASSWORD: &str = "Redirect-Test-Pw1";
const SESSION: &str = "redirect-test-session";

fn client(base_url: &str) -> Result<OtoboClient, Error> {
    let mut config = OtoboConfig::new(base_url).agent("agent", PASSWORD);
    config.retries = 0;
    config.ca_file =
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/server.crt"));
    OtoboClient::new(&config)
}

/// A second origin that must never be contacted: the test fails if anything reaches it.
async fn untouchable() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"SessionID": "stolen"})))
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// The error as shown, checked to name a refused redirect and hold no credentials.
fn refused(err: Option<Error>, status: u16) -> Result<String, String> {
    let shown = err
        .as_ref()
        .map(|e| otai_core::error::report(e))
        .unwrap_or_default();
    let ok = matches!(&err, Some(Error::Remote { status: Some(s), .. }) if *s == status)
        && shown.contains("refused redirect to")
        && !shown.contains(PASSWORD)
        && !shown.contains(SESSION);
    if ok { Ok(shown) } else { Err(shown) }
}

#[tokio::test]
async fn a_login_redirected_elsewhere_sends_nothing_there() -> TestResult {
    let elsewhere = untouchable().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "Location",
            format!("{}{WS}/Session", elsewhere.uri()).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server.uri())?.login().await.err();
    let shown = refused(err, 307)?;
    assert_eq!(
        shown,
        format!(
            "POST /Session: remote error (HTTP 307): refused redirect to {}{WS}/Session: another origin (scheme, host or port), which must not see credentials; if the helpdesk moved, change base_url",
            elsewhere.uri()
        )
    );
    Ok(())
}

#[tokio::test]
async fn a_change_or_a_search_redirected_elsewhere_sends_nothing_there() -> TestResult {
    let elsewhere = untouchable().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/Session")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"SessionID": SESSION})))
        .mount(&server)
        .await;
    for (verb, route, status) in [("PATCH", "/Ticket/1", 308), ("GET", "/Ticket", 302)] {
        Mock::given(method(verb))
            .and(path(format!("{WS}{route}")))
            .respond_with(ResponseTemplate::new(status).insert_header(
                "Location",
                format!("{}{WS}{route}?SessionID={SESSION}", elsewhere.uri()).as_str(),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let otobo = client(&server.uri())?;
    let mut update = Map::new();
    update.insert("TicketID".into(), Value::from("1"));
    update.insert("Ticket".into(), json!({"Title": "moved"}));
    let err = otobo.call(Operation::TicketUpdate, update).await.err();
    let shown = refused(err, 308)?;
    assert!(
        shown.starts_with("PATCH /Ticket/:TicketID: remote error (HTTP 308)"),
        "{shown}"
    );

    let err = otobo.call(Operation::TicketSearch, Map::new()).await.err();
    let shown = refused(err, 302)?;
    assert!(
        shown.starts_with("GET /Ticket: remote error (HTTP 302)"),
        "{shown}"
    );
    Ok(())
}

/// An HTTPS server on 127.0.0.1 (the test certificate) that answers every request with `reply`.
async fn https_server(reply: String) -> Result<String, Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let certs =
        CertificateDer::pem_file_iter(dir.join("server.crt"))?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key"))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("https://127.0.0.1:{}", listener.local_addr()?.port());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, reply) = (acceptor.clone(), reply.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(1..) = tls.read(&mut buf).await {
                    if tls.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

#[tokio::test]
async fn a_redirect_from_https_to_http_sends_nothing_in_clear() -> TestResult {
    let elsewhere = untouchable().await;
    // Same host, plain http: a downgrade, refused even before the origin check.
    let target = format!("{}{WS}/Session", elsewhere.uri());
    let reply = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n"
    );
    let url = https_server(reply).await?;
    let err = client(&url)?.login().await.err();
    let shown = refused(err, 307)?;
    assert!(
        shown.ends_with(&format!(
            "refused redirect to {target}: from https to http, which would send credentials in clear"
        )),
        "{shown}"
    );
    Ok(())
}

#[tokio::test]
async fn https_at_a_plain_http_server_says_the_server_does_not_speak_tls() -> TestResult {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let mut config = OtoboConfig::new(format!("https://127.0.0.1:{port}"))
        .agent("agent", PASSWORD)
        .auth_mode(AuthMode::PerRequest);
    config.retries = 0;
    let err = OtoboClient::new(&config)?.login().await.err();
    let shown = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        shown,
        format!(
            "POST /Session: cannot connect to 127.0.0.1:{port}: TLS handshake failed, the server does not speak TLS (for a plain-HTTP server use http://)"
        )
    );
    assert!(matches!(
        err,
        Some(Error::Transport {
            transient: false,
            ..
        })
    ));
    Ok(())
}
