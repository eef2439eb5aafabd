//! How a command fails: the lines it prints and its exit code.

use otai_core::Error;
use otai_pipeline::ConfigErrors;

/// Exit code for bad input (config, arguments).
pub(crate) const BAD_INPUT: u8 = 2;

/// A failed command: the lines to print (each shown on its own) and the exit code.
pub(crate) struct Failure {
    /// What to print, one line each.
    pub(crate) lines: Vec<String>,
    /// The exit code.
    pub(crate) code: u8,
}

impl Failure {
    /// Bad input: printed as `error: <message>`, exit code 2.
    pub(crate) fn bad_input(message: impl std::fmt::Display) -> Self {
        Self {
            lines: vec![format!("error: {message}")],
            code: BAD_INPUT,
        }
    }
}

impl Failure {
    /// A failed operation: printed as `error: <message>`, exit code 1.
    pub(crate) fn failed(message: impl std::fmt::Display) -> Self {
        Self {
            lines: vec![format!("error: {message}")],
            code: 1,
        }
    }
}

impl From<ConfigErrors> for Failure {
    fn from(errors: ConfigErrors) -> Self {
        // Each problem on a line of its own, each shown (escaped) on its own.
        let lines = errors
            .lines()
            .enumerate()
            .map(|(i, line)| {
                if i == 0 {
                    format!("error: {line}")
                } else {
                    line
                }
            })
            .collect();
        Self {
            lines,
            code: BAD_INPUT,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = if matches!(error, Error::Config { .. } | Error::Template { .. }) {
            BAD_INPUT
        } else {
            1
        };
        Self {
            lines: vec![format!("error: {}", otai_core::error::report(&error))],
            code,
        }
    }
}
