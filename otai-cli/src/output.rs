//! The one place the command prints: every text passes the one redactor and, when it is meant
//! for a person, the one escaper; JSON is redacted and stays exact JSON.

//!
//! A reader that goes away (`otai tickets search | head -1`) is no error: once stdout is
//! closed, the rest of the output is dropped and the command ends as it would have.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use otai_core::output::Redactor;
use serde_json::Value;

/// Where the command's output goes, through the program's one [`Redactor`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Output {
    redactor: Redactor,
    /// Set once stdout's reader has gone (a broken pipe): nothing more is written there.
    stdout_closed: Arc<AtomicBool>,
}

impl Output {
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

    /// Lines for a person on stderr, each shown on its own.
    pub(crate) fn error_lines(&self, lines: &[String]) {
        let mut err = std::io::stderr().lock();
        for line in lines {
            let _ = writeln!(err, "{}", self.shown(line));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
