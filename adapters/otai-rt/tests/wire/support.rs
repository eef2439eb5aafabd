//! Helpers for the hostile-server tests: configurable services, generated replies, a warning
//! counter.

use std::cell::Cell;
use std::sync::Once;
use std::time::Duration;

use otai_core::Error;
use otai_rt::{RtConfig, RtService};
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const TOKEN: &str = super::TOKEN;

/// A service for `server` without retries, changed by `f`.
pub(crate) fn rt_with(
    server: &MockServer,
    f: impl FnOnce(&mut RtConfig),
) -> Result<RtService, Error> {
    let mut config = RtConfig::with_token(server.uri(), TOKEN);
    config.retries = 0;
    f(&mut config);
    RtService::new(&config)
}

/// A query parameter of `request` as a number.
pub(crate) fn number(request: &Request, key: &str) -> Option<u64> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// A page of search results: `{"id": "<n>"}` for each of `ids`, with `meta` merged in.
pub(crate) fn search_page(ids: impl IntoIterator<Item = u64>, meta: Value) -> Value {
    let items: Vec<Value> = ids
        .into_iter()
        .map(|id| json!({"type": "ticket", "id": id.to_string(), "_url": "http://elsewhere.invalid/"}))
        .collect();
    let mut page = json!({ "items": items });
    if let (Some(page), Value::Object(meta)) = (page.as_object_mut(), meta) {
        page.extend(meta);
    }
    page
}

/// A search that never ends but follows the rules: every page is full of new ids, numbered as
/// asked, with `page` and `per_page` echoed and no total.
pub(crate) fn endless_search(request: &Request) -> ResponseTemplate {
    let page = number(request, "page").unwrap_or(1);
    let per_page = number(request, "per_page").unwrap_or(20);
    let first = (page - 1) * per_page + 1;
    ResponseTemplate::new(200).set_body_json(search_page(
        first..first + per_page,
        json!({"page": page, "per_page": per_page}),
    ))
}

/// Answers every `GET /ticket/<n>` with ticket n ("Ticket n" in queue 1) and an empty history,
/// and `GET /queue/1`.
pub(crate) async fn mount_any_ticket(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path_regex(r"^/REST/2\.0/ticket/\d+$"))
        .respond_with(|request: &Request| {
            let id = request
                .url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            ResponseTemplate::new(200).set_body_json(json!({
                "id": id.parse::<u64>().unwrap_or_default(), "Subject": format!("Ticket {id}"),
                "Queue": {"type": "queue", "id": "1"}, "Status": "new"
            }))
        })
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/REST/2\.0/ticket/\d+/history$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"count": 0, "page": 1, "pages": 0.0, "per_page": 100, "total": 0, "items": []}),
        ))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/REST/2\.0/queue/1$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "Name": "General"})))
        .mount(server)
        .await;
}

thread_local! {
    /// Warnings of the adapter on this thread (each `#[tokio::test]` runs on a thread of its own).
    static WARNINGS: Cell<usize> = const { Cell::new(0) };
}

/// Counts the adapter's warnings per thread. Installed as the global subscriber: a scoped one
/// would miss events whose callsite another test thread registered first.
struct CountWarnings;

impl tracing::Subscriber for CountWarnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let meta = event.metadata();
        if *meta.level() == tracing::Level::WARN && meta.target().starts_with("otai_rt") {
            WARNINGS.with(|w| w.set(w.get() + 1));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// The adapter's warnings on this thread from now on.
pub(crate) struct Warnings(usize);

impl Warnings {
    /// Starts counting (installing the counter once per test binary).
    pub(crate) fn start() -> Self {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(CountWarnings);
        });
        Self(WARNINGS.with(Cell::get))
    }

    /// Warnings since [`Warnings::start`].
    pub(crate) fn count(&self) -> usize {
        WARNINGS.with(Cell::get) - self.0
    }
}

/// Runs `work`, failing when it has not finished within 60 s: the adapter did not stop a walk a
/// hostile server keeps going (a guard, not a measurement; a correct run takes milliseconds).
pub(crate) async fn bounded<T>(work: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(Duration::from_secs(60), work)
        .await
        .map_err(|_| "the adapter did not stop within 60 s".to_owned())
}

/// The error's text with its causes.
pub(crate) fn shown(err: &Option<Error>) -> String {
    err.as_ref()
        .map(|e| otai_core::error::report(e))
        .unwrap_or_default()
}
