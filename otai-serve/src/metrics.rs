//! Prometheus metrics in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use otai_state::Status;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Figures {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    created: BTreeMap<String, u64>,
    helpdesk_errors: BTreeMap<(String, &'static str), u64>,
}

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    figures: Mutex<Figures>,
}

impl Metrics {
    fn figures(&self) -> std::sync::MutexGuard<'_, Figures> {
        self.figures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a request answered with `status` after `took`.
    pub fn request(&self, integration: &str, account: &str, status: u16, took: Duration) {
        let mut figures = self.figures();
        *figures
            .requests
            .entry((integration.to_owned(), account.to_owned(), status))
            .or_default() += 1;
        let histogram = figures.latency.entry(integration.to_owned()).or_default();
        let seconds = took.as_secs_f64();
        for (count, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts a created ticket.
    pub fn created(&self, integration: &str) {
        *self
            .figures()
            .created
            .entry(integration.to_owned())
            .or_default() += 1;
    }

    /// Counts a helpdesk failure: `retryable` or `permanent`.
    pub fn helpdesk_error(&self, integration: &str, kind: &'static str) {
        *self
            .figures()
            .helpdesk_errors
            .entry((integration.to_owned(), kind))
            .or_default() += 1;
    }

    /// Everything, in the Prometheus text format, with `staged` (rows by integration and
    /// status, read from the store).
    pub fn render(&self, staged: &[(String, Status, u64)]) -> String {
        let figures = self.figures();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP otai_inbound_requests_total Inbound API requests by integration, account and HTTP status."
        );
        let _ = writeln!(out, "# TYPE otai_inbound_requests_total counter");
        for ((integration, account, status), count) in &figures.requests {
            let _ = writeln!(
                out,
                "otai_inbound_requests_total{{integration=\"{}\",account=\"{}\",status=\"{status}\"}} {count}",
                label(integration),
                label(account)
            );
        }
        let _ = writeln!(
            out,
            "# HELP otai_inbound_request_duration_seconds Time to answer an inbound request."
        );
        let _ = writeln!(
            out,
            "# TYPE otai_inbound_request_duration_seconds histogram"
        );
        for (integration, histogram) in &figures.latency {
            let integration = label(integration);
            for (count, bound) in histogram.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "otai_inbound_request_duration_seconds_bucket{{integration=\"{integration}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "otai_inbound_request_duration_seconds_bucket{{integration=\"{integration}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "otai_inbound_request_duration_seconds_sum{{integration=\"{integration}\"}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "otai_inbound_request_duration_seconds_count{{integration=\"{integration}\"}} {}",
                histogram.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP otai_inbound_tickets_created_total Tickets created through the inbound API."
        );
        let _ = writeln!(out, "# TYPE otai_inbound_tickets_created_total counter");
        for (integration, count) in &figures.created {
            let _ = writeln!(
                out,
                "otai_inbound_tickets_created_total{{integration=\"{}\"}} {count}",
                label(integration)
            );
        }
        let _ = writeln!(
            out,
            "# HELP otai_inbound_helpdesk_errors_total Helpdesk failures while creating tickets."
        );
        let _ = writeln!(out, "# TYPE otai_inbound_helpdesk_errors_total counter");
        for ((integration, kind), count) in &figures.helpdesk_errors {
            let _ = writeln!(
                out,
                "otai_inbound_helpdesk_errors_total{{integration=\"{}\",kind=\"{kind}\"}} {count}",
                label(integration)
            );
        }
        let _ = writeln!(
            out,
            "# HELP otai_inbound_staged_rows Staged requests by integration and status."
        );
        let _ = writeln!(out, "# TYPE otai_inbound_staged_rows gauge");
        for (integration, status, count) in staged {
            let _ = writeln!(
                out,
                "otai_inbound_staged_rows{{integration=\"{}\",status=\"{status}\"}} {count}",
                label(integration)
            );
        }
        out
    }
}

/// A label value, escaped.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
