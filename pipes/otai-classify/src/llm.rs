//! The LLM classifier: any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM,
//! llama.cpp server, LM Studio). The allowed labels go out as a JSON-schema structured output and
//! are checked again on return; requests are bounded in time, retried on 429/5xx (honouring
//! `Retry-After`), limited in concurrency, and answers are cached by model and prompt.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use otai_core::{Error, Result};

use crate::answer_cache::{AnswerCache, CacheSettings};
use otai_http::{HttpClient, HttpParams, Repeatable};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// The request's name in errors and logs.
const REQUEST: &str = "POST /chat/completions";
/// The largest reply read, in bytes.
const MAX_REPLY_BYTES: usize = 1 << 20;
/// The most labels an LLM is offered.
const MAX_LLM_LABELS: usize = 200;

/// How to reach the model and what it may answer; read from the `llm:` param of `classify`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    /// The API's base URL, up to the version (`http://127.0.0.1:11434/v1`,
    /// `https://api.openai.com/v1`); `/chat/completions` is added.
    pub base_url: String,
    /// The model name (`gpt-4o-mini`, `llama3.1`).
    pub model: String,
    /// The labels the model may answer; anything else is refused.
    pub labels: Vec<String>,
    /// The instructions (system message); the allowed labels are appended.
    #[serde(default = "default_instructions")]
    pub instructions: String,
    /// Seconds a request may take (default 30).
    #[serde(default = "default_timeout")]
    pub timeout: f64,
    /// Retries on 429, 502, 503, 504 and transport failures (default 2).
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Requests in flight at once (default 4).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Answers kept in memory, by model and prompt (default 10 000; 0 for none).
    #[serde(default = "default_cache_size")]
    pub cache_size: usize,
    /// Answers kept between runs in an otai state store file (`{path, max_age_days}`); without
    /// it only the in-memory cache is used.
    #[serde(default)]
    pub cache: Option<CacheSettings>,
}

fn default_instructions() -> String {
    "You route helpdesk tickets. Read the ticket and answer with the one label that fits best \
     and how sure you are, from 0 to 1."
        .into()
}
fn default_timeout() -> f64 {
    30.0
}
fn default_retries() -> u32 {
    2
}
fn default_concurrency() -> usize {
    4
}
fn default_cache_size() -> usize {
    10_000
}

/// An answer of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmAnswer {
    /// One of the allowed labels.
    pub label: String,
    /// How sure the model says it is, 0.0 to 1.0.
    pub confidence: f64,
    /// Tokens of the prompt, as the server counted them (0 when it did not say).
    pub prompt_tokens: u64,
    /// Tokens of the answer.
    pub completion_tokens: u64,
    /// How long the request took, retries included, in milliseconds (0 when cached).
    pub latency_ms: u64,
    /// Whether the answer came from the cache.
    pub cached: bool,
}

/// A client for one model: built once, shared by every ticket.
pub struct LlmClassifier {
    settings: LlmSettings,
    client: HttpClient,
    system: String,
    schema: Value,
    permits: Semaphore,
    cache: Mutex<HashMap<u128, LlmAnswer>>,
    store: Option<AnswerCache>,
}

impl std::fmt::Debug for LlmClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClassifier")
            .field("server", &self.client.server())
            .field("model", &self.settings.model)
            .finish_non_exhaustive()
    }
}

impl LlmClassifier {
    /// Checks the settings and builds the client; contacts nobody.
    pub fn new(settings: LlmSettings) -> Result<Self> {
        let base = otai_http::check_base_url(&settings.base_url)?;
        if settings.model.trim().is_empty() {
            return Err(Error::invalid_input("llm.model", "must not be empty"));
        }
        let mut labels = settings.labels.clone();
        labels.sort();
        labels.dedup();
        if labels.len() != settings.labels.len()
            || labels.len() < 2
            || labels.len() > MAX_LLM_LABELS
        {
            return Err(Error::invalid_input(
                "llm.labels",
                format!("give 2 to {MAX_LLM_LABELS} different labels"),
            ));
        }
        if labels.iter().any(|l| l.trim().is_empty()) {
            return Err(Error::invalid_input("llm.labels", "a label is empty"));
        }
        if !(1..=64).contains(&settings.concurrency) {
            return Err(Error::invalid_input(
                "llm.concurrency",
                "must be from 1 to 64",
            ));
        }
        if settings.retries > 10 {
            return Err(Error::invalid_input("llm.retries", "must be from 0 to 10"));
        }
        let mut params = HttpParams::default();
        params.timeout = settings.timeout;
        params.connect_timeout = settings.timeout.min(HttpParams::DEFAULT_CONNECT_TIMEOUT);
        params.retries = settings.retries;
        params.max_response_bytes = MAX_REPLY_BYTES;
        let client = HttpClient::new(&base, &params, settings.concurrency)
            .map_err(|e| Error::invalid_input("llm", otai_core::error::report(&e)))?;
        let system = format!(
            "{}\nAllowed labels: {}.\nAnswer as JSON: {{\"label\": <one allowed label>, \"confidence\": <0 to 1>}}.",
            settings.instructions,
            settings.labels.join(", ")
        );
        let schema = json!({
            "type": "json_schema",
            "json_schema": {
                "name": "classification",
                "strict": true,
                "schema": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string", "enum": settings.labels},
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1}
                    },
                    "required": ["label", "confidence"],
                    "additionalProperties": false
                }
            }
        });
        let store = settings.cache.as_ref().map(AnswerCache::open).transpose()?;
        Ok(Self {
            permits: Semaphore::new(settings.concurrency),
            cache: Mutex::new(HashMap::new()),
            store,
            settings,
            client,
            system,
            schema,
        })
    }

    /// The allowed labels.
    pub fn labels(&self) -> &[String] {
        &self.settings.labels
    }

    /// Asks the model for the label of `text`; `api_key` is sent as a bearer token.
    pub async fn classify(&self, text: &str, api_key: Option<&SecretString>) -> Result<LlmAnswer> {
        let key = cache_key(&self.settings.model, &self.system, text);
        let stored = self.stored_key(key);
        let mut hit = self.cached(key);
        if let (None, Some(store)) = (&hit, &self.store) {
            hit = store.get(&stored).await;
            if let Some(found) = &hit {
                self.remember(key, found);
            }
        }
        if let Some(mut hit) = hit {
            hit.cached = true;
            hit.latency_ms = 0;
            return Ok(hit);
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::invalid_input("llm", "the client is shut down"))?;
        let body = json!({
            "model": self.settings.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": self.system},
                {"role": "user", "content": text}
            ],
            "response_format": self.schema,
        });
        let started = Instant::now();
        let reply = self
            .client
            .retries()
            .run_replies(REQUEST, Repeatable::Always, || {
                let mut builder = self
                    .client
                    .request(reqwest::Method::POST, "/chat/completions")
                    .json(&body);
                if let Some(key) = api_key {
                    builder = builder.bearer_auth(key.expose_secret());
                }
                self.client.send(REQUEST, builder)
            })
            .await?;
        let latency = started.elapsed();
        let mut answer = self.read(reply.status, &reply.body, reply.retry_after)?;
        answer.latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(
            model = %self.settings.model,
            label = %answer.label,
            prompt_tokens = answer.prompt_tokens,
            completion_tokens = answer.completion_tokens,
            latency_ms = answer.latency_ms,
            "llm answered"
        );
        self.remember(key, &answer);
        if let Some(store) = &self.store {
            store.put(&stored, &answer).await;
        }
        Ok(answer)
    }

    /// The key in the persistent cache: the model and the prompt hash.
    fn stored_key(&self, key: u128) -> String {
        format!(
            "llm:{}:{key:032x}",
            otai_core::error::shorten(&self.settings.model, 200)
        )
    }

    fn cached(&self, key: u128) -> Option<LlmAnswer> {
        self.cache.lock().ok()?.get(&key).cloned()
    }

    fn remember(&self, key: u128, answer: &LlmAnswer) {
        if self.settings.cache_size == 0 {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= self.settings.cache_size {
                cache.clear();
            }
            cache.insert(key, answer.clone());
        }
    }

    /// Reads a reply: an error status as an error, else the answer, checked.
    fn read(&self, status: u16, body: &[u8], retry_after: Option<Duration>) -> Result<LlmAnswer> {
        let remote = |message: String| Error::Remote {
            request: REQUEST.into(),
            status: Some(status),
            code: None,
            message,
            retry_after,
        };
        if !(200..300).contains(&status) {
            let message = serde_json::from_slice::<ErrorReply>(body)
                .ok()
                .and_then(|e| e.error.message)
                .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
            let message = otai_core::error::shorten(&message, 200);
            return Err(if status == 401 || status == 403 {
                Error::Authentication { message }
            } else {
                remote(message)
            });
        }
        let reply: Completion = serde_json::from_slice(body)
            .map_err(|e| remote(format!("not a chat completion: {e}")))?;
        let message = reply
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| remote("no choices in the reply".into()))?
            .message;
        if let Some(refusal) = message.refusal {
            return Err(remote(format!(
                "the model refused: {}",
                otai_core::error::shorten(&refusal, 200)
            )));
        }
        let content = message
            .content
            .ok_or_else(|| remote("the reply has no content".into()))?;
        let answer: Answer = serde_json::from_str(content.trim()).map_err(|e| {
            remote(format!(
                "the answer is not the requested JSON ({e}): {}",
                otai_core::error::shorten(&content, 120)
            ))
        })?;
        if !self.settings.labels.contains(&answer.label) {
            return Err(remote(format!(
                "the answer `{}` is not one of the allowed labels",
                otai_core::error::shorten(&answer.label, 60)
            )));
        }
        let usage = reply.usage.unwrap_or_default();
        Ok(LlmAnswer {
            label: answer.label,
            confidence: if answer.confidence.is_finite() {
                answer.confidence.clamp(0.0, 1.0)
            } else {
                0.0
            },
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            latency_ms: 0,
            cached: false,
        })
    }
}

/// FNV-1a (128 bits) over the model, the instructions and the text.
fn cache_key(model: &str, system: &str, text: &str) -> u128 {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for part in [model, "\u{0}", system, "\u{0}", text] {
        for &b in part.as_bytes() {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        }
    }
    h
}

/// A chat completion, as far as it is read.
#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Deserialize, Default)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// The structured answer.
#[derive(Deserialize)]
struct Answer {
    label: String,
    confidence: f64,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
}
