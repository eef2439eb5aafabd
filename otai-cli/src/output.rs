//! The one place the command prints: every text passes the one redactor and, when it is meant
//! for a person, the one escaper; JSON is redacted and stays exact JSON.

//!
//! A reader that goes away (`otai tickets search | head -1`) is no error: once stdout is
//! closed, the rest of the output is dropped and the command ends as it would have.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use otai_core::output::Redactor;
use otai_pipeline::RunReport;
use serde_json::{Value, json};

/// Where the command's output goes, through the program's one [`Redactor`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Output {
    redactor: Redactor,
    /// Whether summaries and errors are JSON lines (`--log-format json`).
    json: bool,
    /// Set once stdout's reader has gone (a broken pipe): nothing more is written there.
    stdout_closed: Arc<AtomicBool>,
}

impl Output {
    /// Summaries and errors as JSON lines when `json`.
    pub(crate) fn with_json(mut self, json: bool) -> Self {
        self.json = json;
        self
    }

    /// The redactor, to share with the secrets and the log writer.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `text` as a person may see it: redacted, control characters escaped.
    pub(crate) fn shown(&self, text: &str) -> String {
        self.redactor.shown(text)
    }

    /// A line for a person on stdout.
    pub(crate) fn line(&self, text: &str) {
        self.stdout(format!("{}\n", self.shown(text)).as_bytes());
    }

    /// Text otai generated itself (a completion script, the manual page), written exactly.
    pub(crate) fn generated(&self, bytes: &[u8]) {
        self.stdout(bytes);
    }

    /// Writes `bytes` to stdout, unless its reader has gone; other write errors are dropped
    /// too (there is nowhere left to report them).
    fn stdout(&self, bytes: &[u8]) {
        if self.stdout_closed.load(Ordering::Relaxed) {
            return;
        }
        let mut out = std::io::stdout().lock();
        let written = out.write_all(bytes).and_then(|()| out.flush());
        if written.is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
            self.stdout_closed.store(true, Ordering::Relaxed);
        }
    }

    /// Lines for a person on stderr, each shown on its own; with `--log-format json`, one JSON
    /// object (`{"level":"ERROR","message":…}`, the lines joined).
    pub(crate) fn error_lines(&self, lines: &[String]) {
        if self.json {
            let message = lines.join("\n");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            let mut value = json!({"level": "ERROR", "message": message});
            self.redactor.redact_value(&mut value);
            let _ = writeln!(std::io::stderr().lock(), "{value}");
            return;
        }
        let mut err = std::io::stderr().lock();
        for line in lines {
            let _ = writeln!(err, "{}", self.shown(line));
        }
    }

    /// Whether summaries are JSON lines (`--log-format json`).
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// A pipeline run's summary on stdout: one line, then (unless `quiet`) a line for each
    /// ticket it changed, would have changed or failed on, and one for each failed pipe. With
    /// `--log-format json`, one JSON object with the same figures.
    pub(crate) fn summary(&self, report: &RunReport, quiet: bool) {
        if self.json {
            let mut value = summary_json(report);
            self.redactor.redact_value(&mut value);
            self.stdout(format!("{value}\n").as_bytes());
            return;
        }
        self.line(&summary_line(report));
        if quiet {
            return;
        }
        for ticket in &report.tickets {
            for change in &ticket.changes {
                self.line(&format!("  ticket {}: {change}", ticket.id));
            }
            for error in &ticket.errors {
                self.line(&format!("  ticket {}: failed: {error}", ticket.id));
            }
        }
        // Pipes outside `foreach` (an item's failures are under its ticket above).
        for failure in report.failures().filter(|f| !f.id.contains('[')) {
            self.line(&format!(
                "  {}",
                failure.error.as_deref().unwrap_or("failed")
            ));
        }
    }

    /// Writes the run reports to `path` as one JSON object (`{"runs": [...]}`), redacted.
    pub(crate) fn report_file(&self, path: &Path, reports: &[RunReport]) -> Result<(), String> {
        let mut value =
            serde_json::to_value(json!({ "runs": reports })).map_err(|e| e.to_string())?;
        self.redactor.redact_value(&mut value);
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write the report {}: {e}", path.display()))
    }

    /// `value` as pretty JSON on stdout: redacted, exact JSON (its encoder escapes control
    /// characters).
    pub(crate) fn json(&self, mut value: Value) -> Result<(), serde_json::Error> {
        self.redactor.redact_value(&mut value);
        let mut text = serde_json::to_string_pretty(&value)?;
        text.push('\n');
        self.stdout(text.as_bytes());
        Ok(())
    }

    /// A message of the argument parser (usage, help), shown as the parser chose: on stderr
    /// for errors, else on stdout.
    pub(crate) fn parser_message(&self, error: &clap::Error) {
        if error.use_stderr() {
            let text = error.render().to_string();
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            self.error_lines(&lines);
        } else {
            // Help and version, coloured as the parser decides; a closed pipe is no error.
            let _ = error.print();
        }
    }
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// A duration for a person: `310 ms` under a second, `25.0 s` under a minute, else `4 min 5 s`.
pub(crate) fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis < 60_000 {
        format!("{}.{} s", millis / 1000, millis % 1000 / 100)
    } else {
        let seconds = duration.as_secs();
        format!("{} min {} s", seconds / 60, seconds % 60)
    }
}

/// `pipeline triage: succeeded in 310 ms: 4 tickets seen, 4 changed, 0 failed`, with the
/// failed pipes apart and, in a dry run, what would have changed.
fn summary_line(report: &RunReport) -> String {
    let status = if report.succeeded {
        "succeeded"
    } else {
        "FAILED"
    };
    let changed = if report.dry_run {
        let would = would_change(report);
        format!("{would} would change (dry run: nothing written)")
    } else {
        format!("{} changed", report.changed)
    };
    let mut line = format!(
        "pipeline {}: {status} in {}: {} seen, {changed}, {} failed",
        report.pipeline,
        human_duration(report.duration),
        count(report.seen, "ticket"),
        report.failed_tickets,
    );
    if report.failed > 0 {
        line.push_str(&format!("; {} failed", count(report.failed, "pipe")));
    }
    if let Some(llm) = llm_usage(&report.usage) {
        line.push_str("; ");
        line.push_str(&llm);
    }
    line
}

/// `LLM: 12 calls (3 cached), 4 812 tokens, 9.8 s` from a run's usage figures; none without
/// LLM calls.
fn llm_usage(usage: &std::collections::BTreeMap<String, u64>) -> Option<String> {
    use otai_pipeline::usage::names;
    let figure = |name: &str| usage.get(name).copied().unwrap_or(0);
    let calls = figure(names::LLM_CALLS);
    if calls == 0 {
        return None;
    }
    let calls_text = if calls == 1 { "call" } else { "calls" };
    let cached = figure(names::LLM_CACHED);
    let cached = if cached > 0 {
        format!(" ({cached} cached)")
    } else {
        String::new()
    };
    let tokens =
        figure(names::LLM_PROMPT_TOKENS).saturating_add(figure(names::LLM_COMPLETION_TOKENS));
    let latency = human_duration(Duration::from_millis(figure(names::LLM_LATENCY_MS)));
    Some(format!(
        "LLM: {calls} {calls_text}{cached}, {} tokens, {latency}",
        grouped(tokens)
    ))
}

/// `4812` as `4 812`: digits in threes, apart.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The tickets a write was held back for (none unless a dry run).
fn would_change(report: &RunReport) -> usize {
    if !report.dry_run {
        return 0;
    }
    report
        .tickets
        .iter()
        .filter(|t| !t.changes.is_empty())
        .count()
}

/// The summary as JSON: the same figures, named.
fn summary_json(report: &RunReport) -> Value {
    json!({
        "summary": "run",
        "pipeline": report.pipeline,
        "succeeded": report.succeeded,
        "dry_run": report.dry_run,
        "tickets_seen": report.seen,
        "tickets_changed": report.changed,
        "tickets_would_change": would_change(report),
        "tickets_failed": report.failed_tickets,
        "pipes_failed": report.failed,
        "writes": report.writes,
        "duration_ms": u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
        "tickets": report.tickets.iter().map(|t| json!({
            "id": t.id,
            "changes": t.changes,
            "errors": t.errors,
        })).collect::<Vec<_>>(),
        "failures": report.failures().collect::<Vec<_>>(),
        "usage": report.usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_counts_read_as_a_person_writes_them() {
        let ms = Duration::from_millis;
        assert_eq!(human_duration(ms(0)), "0 ms");
        assert_eq!(human_duration(ms(310)), "310 ms");
        assert_eq!(human_duration(ms(25_049)), "25.0 s");
        assert_eq!(human_duration(ms(1_999)), "1.9 s");
        assert_eq!(human_duration(ms(245_000)), "4 min 5 s");
        assert_eq!(count(1, "ticket"), "1 ticket");
        assert_eq!(count(0, "ticket"), "0 tickets");
        assert_eq!(count(2, "pipe"), "2 pipes");
    }

    #[test]
    fn llm_usage_reads_as_a_person_writes_it() {
        use otai_pipeline::usage::names;
        let mut usage = std::collections::BTreeMap::new();
        assert_eq!(llm_usage(&usage), None);
        usage.insert(names::LLM_CALLS.to_owned(), 12);
        usage.insert(names::LLM_CACHED.to_owned(), 3);
        usage.insert(names::LLM_PROMPT_TOKENS.to_owned(), 4_000);
        usage.insert(names::LLM_COMPLETION_TOKENS.to_owned(), 812);
        usage.insert(names::LLM_LATENCY_MS.to_owned(), 9_849);
        assert_eq!(
            llm_usage(&usage).as_deref(),
            Some("LLM: 12 calls (3 cached), 4 812 tokens, 9.8 s")
        );
        usage.insert(names::LLM_CALLS.to_owned(), 1);
        usage.insert(names::LLM_CACHED.to_owned(), 0);
        assert_eq!(
            llm_usage(&usage).as_deref(),
            Some("LLM: 1 call, 4 812 tokens, 9.8 s")
        );
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1 000");
        assert_eq!(grouped(1_234_567), "1 234 567");
    }

    #[test]
    fn text_for_a_person_is_redacted_then_escaped() {
        let output = Output::default();
        output.redactor().hide("pw\u{7}");
        assert_eq!(
            output.shown("login pw\u{7} failed \u{1b}]0;owned\u{7}"),
            "login *** failed \\u{1b}]0;owned\\u{7}"
        );
    }
}
