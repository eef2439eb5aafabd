//! TLS against a real handshake on 127.0.0.1: certificates are verified by default, a custom CA
//! file makes a private certificate trusted, and the opt-out is explicit.

use std::path::PathBuf;
use std::sync::Arc;

use otai_core::request::SearchRequest;
use otai_core::{Error, TicketSystemService};
use otai_otobo_znuny::{OtoboConfig, OtoboService};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// An HTTPS server on 127.0.0.1 with the self-signed test certificate; every request gets one
/// JSON reply that serves as both SessionCreate and TicketSearch answer.
async fn https_server() -> Result<String, Box<dyn std::error::Error>> {
    let certs =
        CertificateDer::pem_file_iter(fixture("server.crt"))?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(fixture("server.key"))?;
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
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A failed handshake (the client refused the certificate) just ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    // SessionCreate is the only POST; every other request is a search.
                    let body = if buf.starts_with(b"POST") {
                        r#"{"SessionID":"tls-session"}"#
                    } else {
                        r#"{"TicketID":[]}"#
                    };
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if tls.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

fn config(url: &str) -> OtoboConfig {
    let mut config = OtoboConfig::new(url).agent("agent", "Agent-Pw");
    config.retries = 0;
    config
}

#[tokio::test]
async fn an_unknown_certificate_is_refused_by_default() -> TestResult {
    let url = https_server().await?;
    let otobo = OtoboService::new(&config(&url))?;
    let err = otobo.find_tickets(SearchRequest::all()).await.err();
    let shown = err
        .as_ref()
        .map(|e| otai_core::error::report(e))
        .unwrap_or_default();
    assert!(matches!(err, Some(Error::Transport { .. })), "{err:?}");
    assert!(
        shown.starts_with("POST /Session: cannot connect to 127.0.0.1:")
            && shown.contains("certificate"),
        "{shown}"
    );
    assert!(!shown.contains("Agent-Pw"), "{shown}");
    Ok(())
}

#[tokio::test]
async fn a_ca_file_makes_a_private_certificate_trusted_and_only_that_one() -> TestResult {
    let url = https_server().await?;
    let mut trusted = config(&url);
    trusted.ca_file = Some(fixture("server.crt"));
    let otobo = OtoboService::new(&trusted)?;
    assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());

    let mut other = config(&url);
    other.ca_file = Some(fixture("other-ca.crt"));
    let otobo = OtoboService::new(&other)?;
    let shown = otobo
        .find_tickets(SearchRequest::all())
        .await
        .err()
        .map(|e| otai_core::error::report(&e))
        .unwrap_or_default();
    assert!(shown.contains("certificate"), "{shown}");
    Ok(())
}

#[tokio::test]
async fn verification_is_off_only_when_asked() -> TestResult {
    let url = https_server().await?;
    let mut insecure = config(&url);
    insecure.insecure_skip_verify = true;
    let otobo = OtoboService::new(&insecure)?;
    assert!(otobo.find_tickets(SearchRequest::all()).await?.is_empty());
    Ok(())
}
