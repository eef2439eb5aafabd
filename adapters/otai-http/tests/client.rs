//! The shared client against servers on 127.0.0.1: redirects, TLS against plain HTTP, send
//! errors, the reply limit, retries, and the config macro through the registry's parser.

use std::time::Duration;

use otai_core::Error;
use otai_http::{Failure, HttpClient, HttpParams, HttpReply, Repeatable};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn client(base: &str) -> Result<HttpClient, Error> {
    let mut params = HttpParams::default();
    params.timeout = 5.0;
    params.connect_timeout = 1.0;
    params.retries = 0;
    HttpClient::new(base, &params, 1)
}

async fn send(http: &HttpClient, method: Method, path: &str) -> Result<HttpReply, Failure> {
    let name = format!("{method} {path}");
    let builder = http.request(method, path).body("Password=secret");
    http.send(&name, builder).await
}

/// A server that must never be contacted: every request fails the test when it drops.
async fn untouchable() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    server
}

async fn redirecting(status: u16, to: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).insert_header("Location", to))
        .mount(&server)
        .await;
    server
}

fn refusal(result: Result<HttpReply, Failure>) -> (Option<u16>, String, bool) {
    match result {
        Err(Failure {
            error: error @ Error::Remote { status, .. },
            may_have_reached_server,
            ..
        }) => (status, error.to_string(), may_have_reached_server),
        other => (None, format!("{other:?}"), false),
    }
}

#[tokio::test]
async fn cross_origin_redirects_are_refused_for_writes_and_reads() -> TestResult {
    let elsewhere = untouchable().await;
    for (status, verb) in [
        (307, Method::POST),
        (308, Method::PATCH),
        (308, Method::GET),
        (302, Method::GET),
    ] {
        let target = format!("{}/steal?SessionID=s3cret", elsewhere.uri());
        let server = redirecting(status, &target).await;
        let http = client(&server.uri())?;
        let (got, message, reached) = refusal(send(&http, verb.clone(), "/Session").await);
        assert_eq!(got, Some(status), "{verb}: {message}");
        assert_eq!(
            message,
            format!(
                "{verb} /Session: remote error (HTTP {status}): refused redirect to {}/steal: another origin (scheme, host or port), which must not see credentials; if the helpdesk moved, change base_url",
                elsewhere.uri()
            )
        );
        assert!(reached);
        assert!(!message.contains("s3cret"));
    }
    Ok(())
}

#[tokio::test]
async fn same_origin_redirects_are_followed_for_reads_only() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("Location", "/new"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/new"))
        .respond_with(ResponseTemplate::new(200).set_body_string("moved here"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/new"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let http = client(&server.uri())?;
    let reply = send(&http, Method::GET, "/old")
        .await
        .map_err(|f| f.error)?;
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (200, &b"moved here"[..])
    );
    let (status, message, _) = refusal(send(&http, Method::POST, "/old").await);
    assert_eq!(status, Some(301));
    assert_eq!(
        message,
        format!(
            "POST /old: remote error (HTTP 301): refused redirect to {}/new: a POST is not repeated at another address; only GET and HEAD follow redirects",
            server.uri()
        )
    );
    Ok(())
}

#[tokio::test]
async fn redirect_loops_end_with_an_error() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/again"))
        .expect(otai_http::MAX_REDIRECTS as u64 + 1)
        .mount(&server)
        .await;
    let http = client(&server.uri())?;
    let (status, message, _) = refusal(send(&http, Method::GET, "/start").await);
    assert_eq!(status, Some(302));
    assert!(
        message.ends_with("more than 5 redirects in a row"),
        "{message}"
    );
    Ok(())
}

/// A plain-HTTP server on 127.0.0.1. `at_once`: it answers whatever arrives (like a server that
/// rejects a garbled request line); else it waits for a whole request, which a TLS hello never is.
async fn plain_http(at_once: bool) -> Result<String, std::io::Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    seen.extend_from_slice(&buf[..n]);
                    if at_once || seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        let reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                        let _ = socket.write_all(reply.as_bytes()).await;
                        return;
                    }
                }
            });
        }
    });
    Ok(format!("https://127.0.0.1:{port}"))
}

/// A keep-alive server on 127.0.0.1 that answers every request after `delay` and counts the
/// connections it accepted.
async fn counting_server(
    delay: Duration,
) -> Result<(String, std::sync::Arc<std::sync::atomic::AtomicUsize>), std::io::Error> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        tokio::time::sleep(delay).await;
                        let reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if socket.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    Ok((format!("http://127.0.0.1:{port}"), accepted))
}

#[tokio::test]
async fn a_burst_wider_than_the_concurrency_reuses_its_connections() -> TestResult {
    let (url, accepted) = counting_server(Duration::from_millis(100)).await?;
    let http = client(&url)?;
    let width = 24;
    for burst in 0..2 {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..width {
            let http = http.clone();
            calls.spawn(async move {
                let builder = http.request(Method::GET, "/ping");
                http.send("GET /ping", builder).await.map(|r| r.status)
            });
        }
        while let Some(status) = calls.join_next().await {
            assert_eq!(status?.map_err(|f| f.error)?, 200, "burst {burst}");
        }
    }
    // The first burst opens one connection per call; the second finds them all in the pool.
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        width,
        "a burst of {width} calls on a client of concurrency 1 (pool of {})",
        otai_http::idle_per_host(1)
    );
    Ok(())
}

#[tokio::test]
async fn https_to_a_plain_http_server_says_it_does_not_speak_tls() -> TestResult {
    let url = plain_http(true).await?;
    let http = client(&url)?;
    let failure = send(&http, Method::POST, "/Session")
        .await
        .err()
        .ok_or("no error")?;
    let port = url.rsplit(':').next().unwrap_or_default();
    assert_eq!(
        failure.error.to_string(),
        format!(
            "POST /Session: cannot connect to 127.0.0.1:{port}: TLS handshake failed, the server does not speak TLS (for a plain-HTTP server use http://)"
        )
    );
    assert!(!failure.error.is_transient());
    assert!(!failure.may_have_reached_server);

    // A silent server, and a connect_timeout above the timeout: connecting still gives up first.
    let url = plain_http(false).await?;
    let mut params = HttpParams::default();
    params.timeout = 1.0;
    params.connect_timeout = 10.0;
    let http = HttpClient::new(&url, &params, 1)?;
    let started = std::time::Instant::now();
    let failure = send(&http, Method::GET, "/Ticket")
        .await
        .err()
        .ok_or("no error")?;
    let shown = failure.error.to_string();
    assert!(
        shown.contains("within 900ms") && shown.contains("the server may not speak TLS"),
        "{shown}"
    );
    assert!(!matches!(failure.error, Error::Timeout { .. }), "{shown}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the connect timeout ends it"
    );
    Ok(())
}

#[tokio::test]
async fn refused_connections_are_transient_and_surely_unsent() -> TestResult {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    drop(listener);
    let http = client(&format!("http://127.0.0.1:{port}"))?;
    let failure = send(&http, Method::POST, "/Ticket")
        .await
        .err()
        .ok_or("no error")?;
    let shown = otai_core::error::report(&failure.error);
    assert!(
        shown.starts_with(&format!("POST /Ticket: cannot connect to 127.0.0.1:{port}")),
        "{shown}"
    );
    assert!(failure.error.is_transient());
    assert!(!failure.may_have_reached_server);
    assert!(!shown.contains("secret"), "{shown}");
    Ok(())
}

#[tokio::test]
async fn slow_replies_time_out_and_may_have_arrived() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut params = HttpParams::default();
    params.timeout = 0.5;
    let http = HttpClient::new(&server.uri(), &params, 1)?;
    let failure = send(&http, Method::POST, "/Ticket")
        .await
        .err()
        .ok_or("no error")?;
    assert_eq!(
        failure.error.to_string(),
        "POST /Ticket: timed out after 500ms"
    );
    assert!(failure.may_have_reached_server);
    Ok(())
}

#[tokio::test]
async fn replies_over_the_limit_are_refused() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2048)))
        .mount(&server)
        .await;
    let mut params = HttpParams::default();
    params.max_response_bytes = 1024;
    let http = HttpClient::new(&server.uri(), &params, 1)?;
    let failure = send(&http, Method::GET, "/big")
        .await
        .err()
        .ok_or("no error")?;
    assert_eq!(
        failure.error.to_string(),
        "GET /big: reply larger than the limit of 1024 bytes (max_response_bytes)"
    );
    assert!(!failure.error.is_transient());
    Ok(())
}

#[tokio::test]
async fn busy_reads_are_retried_as_the_server_asks() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&server)
        .await;
    let mut params = HttpParams::default();
    params.retries = 2;
    let http = HttpClient::new(&server.uri(), &params, 1)?;
    let started = std::time::Instant::now();
    let reply = http
        .retries()
        .run_replies("GET /ticket/1", Repeatable::Always, || {
            send(&http, Method::GET, "/ticket/1")
        })
        .await?;
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    Ok(())
}

otai_http::config_with_http_params! {
    /// A config like an adapter's.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[non_exhaustive]
    pub struct DemoConfig {
        /// The server.
        pub base_url: String,
        /// Something of the adapter's own.
        #[serde(default)]
        pub concurrency: usize,
    }
}

fn parse(params: serde_json::Value) -> Result<DemoConfig, String> {
    otai_core::registry::parse_params::<DemoConfig>(&params).map_err(|e| e.to_string())
}

#[test]
fn shared_params_stay_top_level_with_unknown_fields_and_paths_reported() -> TestResult {
    let config = parse(serde_json::json!({
        "base_url": "https://h", "timeout": 5, "connect_timeout": 2.5, "retries": 0,
        "max_response_bytes": 10, "ca_file": "ca.pem", "insecure_skip_verify": true,
        "proxy": "http://proxy:3128", "concurrency": 3
    }))?;
    let mut expected = HttpParams::default();
    expected.timeout = 5.0;
    expected.connect_timeout = 2.5;
    expected.retries = 0;
    expected.max_response_bytes = 10;
    expected.ca_file = Some("ca.pem".into());
    expected.insecure_skip_verify = true;
    expected.proxy = Some("http://proxy:3128".into());
    assert_eq!(config.http_params(), expected);
    assert_eq!(config.concurrency, 3);

    let defaults = parse(serde_json::json!({"base_url": "https://h"}))?;
    assert_eq!(defaults.http_params(), HttpParams::default());
    let built = otai_http::with_default_http_params!(DemoConfig {
        base_url: "https://h".into(),
        concurrency: 0,
    });
    assert_eq!(built.http_params(), HttpParams::default());

    let err = parse(serde_json::json!({"base_url": "https://h", "retry": 1})).err();
    assert_eq!(
        err.as_deref(),
        Some(
            "config error at params.retry: unknown field `retry` (known: base_url, concurrency, timeout, connect_timeout, retries, max_response_bytes, ca_file, insecure_skip_verify, proxy)"
        )
    );
    let err = parse(serde_json::json!({"base_url": "https://h", "timeout": "soon"})).err();
    assert_eq!(
        err.as_deref(),
        Some("config error at params.timeout: invalid type: string \"soon\", expected a number")
    );
    Ok(())
}
