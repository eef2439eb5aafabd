//! The LLM classifier against wiremock, with the reply shapes of OpenAI's and Ollama's
//! OpenAI-compatible chat-completions APIs.

use std::time::Duration;

use otai_classify::{LlmClassifier, LlmSettings};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const KEY: &str = "sk-test-5ecret-key";

fn settings(server: &MockServer) -> Result<LlmSettings, serde_json::Error> {
    serde_json::from_value(json!({
        "base_url": format!("{}/v1", server.uri()),
        "model": "gpt-4o-mini",
        "labels": ["Network", "Hardware", "Billing"],
        "timeout": 2,
        "retries": 1
    }))
}

/// A chat completion as OpenAI returns it, with `content` as the structured answer.
fn openai(content: &str) -> Value {
    json!({
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 112, "completion_tokens": 12, "total_tokens": 124,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306"
    })
}

/// A chat completion as Ollama's OpenAI-compatible endpoint returns it.
fn ollama(content: &str) -> Value {
    json!({
        "id": "chatcmpl-455",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "llama3.1",
        "system_fingerprint": "fp_ollama",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 98, "completion_tokens": 15, "total_tokens": 113}
    })
}

async fn mock(server: &MockServer, reply: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(reply)
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_openai_answer_is_read_with_its_usage_and_then_served_from_the_cache() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({
            "model": "gpt-4o-mini",
            "response_format": {"type": "json_schema", "json_schema": {"strict": true, "schema": {
                "properties": {"label": {"enum": ["Network", "Hardware", "Billing"]}}
            }}}
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai(r#"{"label":"Network","confidence":0.92}"#)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let llm = LlmClassifier::new(settings(&server)?)?;
    let key = SecretString::from(KEY);
    let answer = llm
        .classify("VPN drops every few minutes", Some(&key))
        .await?;
    assert_eq!(
        (answer.label.as_str(), answer.confidence),
        ("Network", 0.92)
    );
    assert_eq!(
        (
            answer.prompt_tokens,
            answer.completion_tokens,
            answer.cached
        ),
        (112, 12, false)
    );
    let again = llm
        .classify("VPN drops every few minutes", Some(&key))
        .await?;
    assert_eq!((again.label.as_str(), again.cached), ("Network", true));
    Ok(())
}

#[tokio::test]
async fn an_ollama_answer_is_read_without_a_key() -> TestResult {
    let server = MockServer::start().await;
    mock(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(ollama("{\"label\": \"Billing\", \"confidence\": 1.7}\n")),
    )
    .await;
    let llm = LlmClassifier::new(settings(&server)?)?;
    let answer = llm.classify("Rechnung doppelt", None).await?;
    assert_eq!((answer.label.as_str(), answer.confidence), ("Billing", 1.0));
    assert_eq!(answer.prompt_tokens, 98);
    Ok(())
}

async fn error_of(reply: ResponseTemplate) -> Result<String, Box<dyn std::error::Error>> {
    let server = MockServer::start().await;
    mock(&server, reply).await;
    let llm = LlmClassifier::new(settings(&server)?)?;
    let key = SecretString::from(KEY);
    let err = llm
        .classify("text", Some(&key))
        .await
        .err()
        .ok_or("no error")?;
    let text = format!("{} {:?}", otai_core::error::report(&err), err);
    assert!(!text.contains(KEY), "the key leaked: {text}");
    Ok(text)
}

#[tokio::test]
async fn a_label_outside_the_allowed_set_is_refused() -> TestResult {
    let err = error_of(
        ResponseTemplate::new(200).set_body_json(openai(r#"{"label":"Coffee","confidence":0.9}"#)),
    )
    .await?;
    assert!(
        err.contains("the answer `Coffee` is not one of the allowed labels"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn malformed_answers_are_refused_saying_what_came() -> TestResult {
    let err =
        error_of(ResponseTemplate::new(200).set_body_json(ollama("Network, I think"))).await?;
    assert!(
        err.contains("the answer is not the requested JSON") && err.contains("Network, I think"),
        "{err}"
    );
    let err =
        error_of(ResponseTemplate::new(200).set_body_string("<html>bad gateway</html>")).await?;
    assert!(err.contains("not a chat completion"), "{err}");
    let refusal = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}]});
    let err = error_of(ResponseTemplate::new(200).set_body_json(refusal)).await?;
    assert!(
        err.contains("the model refused: I can't help with that."),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_and_then_reported() -> TestResult {
    let server = MockServer::start().await;
    let limited = json!({"error": {"message": "Rate limit reached for gpt-4o-mini", "type": "requests", "code": "rate_limit_exceeded"}});
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(limited),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mock(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(openai(r#"{"label":"Hardware","confidence":0.8}"#)),
    )
    .await;
    let llm = LlmClassifier::new(settings(&server)?)?;
    let started = std::time::Instant::now();
    let answer = llm.classify("printer", None).await?;
    assert_eq!(answer.label, "Hardware");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was not honoured"
    );

    let always = json!({"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}});
    let err = error_of(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "0")
            .set_body_json(always),
    )
    .await?;
    assert!(
        err.contains("HTTP 429") && err.contains("Rate limit reached"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn a_wrong_key_is_an_authentication_error_without_the_key() -> TestResult {
    let reply = json!({"error": {"message": "Incorrect API key provided: sk-test-***-key.", "type": "invalid_request_error", "code": "invalid_api_key"}});
    let err = error_of(ResponseTemplate::new(401).set_body_json(reply)).await?;
    assert!(
        err.contains("authentication failed: Incorrect API key provided"),
        "{err}"
    );
    Ok(())
}

#[tokio::test]
async fn a_slow_server_times_out() -> TestResult {
    let server = MockServer::start().await;
    mock(
        &server,
        ResponseTemplate::new(200)
            .set_delay(Duration::from_secs(5))
            .set_body_json(openai("{}")),
    )
    .await;
    let mut s = settings(&server)?;
    s.timeout = 0.3;
    s.retries = 0;
    let llm = LlmClassifier::new(s)?;
    let err = llm.classify("x", None).await.err().ok_or("no error")?;
    assert!(err.is_transient(), "{err}");
    assert!(
        otai_core::error::report(&err).contains("timed out"),
        "{}",
        otai_core::error::report(&err)
    );
    Ok(())
}

#[test]
fn bad_settings_are_refused_by_name() -> TestResult {
    let base = json!({"base_url": "http://127.0.0.1:9/v1", "model": "m", "labels": ["a", "b"]});
    let with = |key: &str, value: Value| -> Result<String, Box<dyn std::error::Error>> {
        let mut v = base.clone();
        v[key] = value;
        let s: LlmSettings = serde_json::from_value(v)?;
        Ok(LlmClassifier::new(s)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default())
    };
    assert!(with("labels", json!(["a", "a"]))?.contains("llm.labels"));
    assert!(with("concurrency", json!(0))?.contains("llm.concurrency"));
    assert!(with("model", json!(" "))?.contains("llm.model"));
    assert!(!with("base_url", json!("ftp://x"))?.is_empty());
    let unknown = serde_json::from_value::<LlmSettings>(
        json!({"base_url": "http://h", "model": "m", "labels": [], "modle": 1}),
    );
    assert!(
        unknown
            .err()
            .is_some_and(|e| e.to_string().contains("unknown field `modle`"))
    );
    Ok(())
}
