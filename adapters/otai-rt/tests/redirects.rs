//! Redirects through the adapter, on 127.0.0.1: the token never follows a redirect to another
//! origin; a read redirected within the same origin still works.

use otai_core::{Error, TicketSystemService};
use otai_rt::{RtConfig, RtService};
use serde_json::json;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TOKEN: &str = "1-14-redirect-test-token";

fn rt(server: &MockServer) -> Result<RtService, Error> {
    let mut config = RtConfig::with_token(server.uri(), TOKEN);
    config.retries = 0;
    RtService::new(&config)
}

#[tokio::test]
async fn a_read_redirected_to_another_origin_sends_nothing_there() -> TestResult {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/rt"))
        .respond_with(ResponseTemplate::new(308).insert_header(
            "Location",
            format!("{}/REST/2.0/rt?token={TOKEN}", elsewhere.uri()).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = rt(&server)?.healthcheck().await.err();
    let shown = err
        .as_ref()
        .map(|e| otai_core::error::report(e))
        .unwrap_or_default();
    assert!(
        matches!(
            &err,
            Some(Error::Remote {
                status: Some(308),
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        shown,
        format!(
            "GET /rt: remote error (HTTP 308): refused redirect to {}/REST/2.0/rt: another origin (scheme, host or port), which must not see credentials; if the helpdesk moved, change base_url",
            elsewhere.uri()
        )
    );
    assert!(!shown.contains(TOKEN), "{shown}");
    Ok(())
}

#[tokio::test]
async fn a_read_redirected_within_the_origin_is_followed_with_the_token() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/rt"))
        .respond_with(ResponseTemplate::new(301).insert_header("Location", "/REST/2.0/rt/"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/REST/2.0/rt/"))
        .and(header("Authorization", format!("token {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Version": "5.0.7"})))
        .expect(1)
        .mount(&server)
        .await;
    rt(&server)?.healthcheck().await?;
    Ok(())
}
