//! Logging setup: tracing to stderr, human or JSON, level from -v/-q or RUST_LOG.
//!
//! Every event, at every level and in both formats, is written through the program's one
//! [`Redactor`]: the formatted event is held back until it is complete, redacted, then written.
//! In the human format every field is escaped ([`escape_controls`]) when it is formatted, so a
//! ticket subject or a server's text cannot act on the terminal; JSON lines stay exact JSON.

use std::io::Write;

use otai_core::output::{Redactor, escape_controls};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

use crate::args::{ColorChoice, LogFormat};

/// Whether the logs are coloured: `--color`, and for `auto` a terminal on stderr and no
/// `NO_COLOR` (set and not empty, as no-color.org says).
pub(crate) fn colored(choice: ColorChoice) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && std::io::IsTerminal::is_terminal(&std::io::stderr()),
    }
}

/// Installs the global subscriber (once; later calls do nothing), writing through `redactor`;
/// `ansi`: whether the human format is coloured.
pub(crate) fn init(verbose: u8, quiet: bool, format: LogFormat, ansi: bool, redactor: Redactor) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(directives(verbose, quiet)));
    let writer = RedactedStderr {
        redactor,
        json: format == LogFormat::Json,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.fmt_fields(escaped_fields()).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The filter without `RUST_LOG`: otai's own crates at the level -v/-q ask for, every
/// dependency at warn (errors only with -q), so `-vv` shows otai's debug lines, not those of
/// the HTTP stack.
fn directives(verbose: u8, quiet: bool) -> String {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let dependencies = if quiet { "error" } else { "warn" };
    format!("{dependencies},otai={level}")
}

/// The human format's fields: the message as it is, other fields as `name=value`, each with
/// its control characters escaped.
fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static {
    debug_fn(|writer: &mut Writer<'_>, field, value| {
        let text = format!("{value:?}");
        let text = escape_controls(&text);
        match field.name() {
            "message" => write!(writer, "{text}"),
            name => write!(writer, "{name}={text}"),
        }
    })
    .delimited(" ")
}

/// Stderr, written one redacted event at a time.
struct RedactedStderr {
    redactor: Redactor,
    /// Whether events are JSON lines (redacted value by value, so they stay exact JSON).
    json: bool,
}

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = Event<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Event {
            to: self,
            text: Vec::new(),
        }
    }
}

/// One event being formatted: written, redacted, when it is complete (dropped).
struct Event<'a> {
    to: &'a RedactedStderr,
    text: Vec<u8>,
}

impl Write for Event<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Event<'_> {
    fn drop(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.text);
        let shown = redacted_event(&self.to.redactor, &text, self.to.json);
        // Above the progress bar, never on its line.
        crate::progress::suspended(|| {
            let _ = std::io::stderr().lock().write_all(shown.as_bytes());
        });
    }
}

/// A formatted event (one or more lines) with every secret hidden. A JSON line that shows one
/// is redacted value by value and written again, so it stays exact JSON.
fn redacted_event(redactor: &Redactor, text: &str, json: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let redacted = redactor.redact(body);
        let parsed = (json && redacted != body)
            .then(|| serde_json::from_str::<serde_json::Value>(body).ok())
            .flatten();
        match parsed {
            Some(mut value) => {
                redactor.redact_value(&mut value);
                out.push_str(&value.to_string());
            }
            None => out.push_str(&redacted),
        }
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_stay_at_warn_whatever_the_verbosity() {
        assert_eq!(directives(0, false), "warn,otai=warn");
        assert_eq!(directives(1, false), "warn,otai=info");
        assert_eq!(directives(3, false), "warn,otai=trace");
        assert_eq!(directives(2, true), "error,otai=error");
    }

    #[test]
    fn events_are_redacted_line_by_line_and_json_stays_json() {
        let redactor = Redactor::new();
        redactor.hide("pw\"1");
        let text = "TRACE body {\"UserLogin\":\"pw\\\"1\"}\n  at x SessionID=abc\n";
        assert_eq!(
            redacted_event(&redactor, text, false),
            "TRACE body {\"UserLogin\":\"***\"}\n  at x SessionID=***\n"
        );
        let json = r#"{"fields":{"message":"login pw\"1","body":"{\"SessionID\":\"s\"}"}}"#;
        let shown = redacted_event(&redactor, &format!("{json}\n"), true);
        let value: serde_json::Value = serde_json::from_str(&shown).unwrap_or_default();
        assert_eq!(
            value,
            serde_json::json!({"fields": {"message": "login ***", "body": "{\"SessionID\":\"***\"}"}})
        );
    }
}
