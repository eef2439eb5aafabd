//! The result of a conformance run.

use std::fmt;

/// The outcome of one named check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckOutcome {
    /// The check's name, e.g. `find by queue`.
    pub name: String,
    /// `None` when the check passed, else what went wrong.
    pub failure: Option<String>,
}

/// Every check of a conformance run, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConformanceReport {
    /// The checks that ran.
    pub checks: Vec<CheckOutcome>,
}

impl ConformanceReport {
    /// Records one check.
    pub(crate) fn record(&mut self, name: &str, result: Result<(), String>) {
        self.checks.push(CheckOutcome {
            name: name.to_owned(),
            failure: result.err(),
        });
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CheckOutcome> {
        self.checks.iter().filter(|c| c.failure.is_some())
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// Panics with the whole report when any check failed.
    #[allow(clippy::panic)]
    pub fn assert_all_passed(&self) {
        if !self.passed() {
            panic!("conformance kit failed:\n{self}");
        }
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "{} checks, {} passed, {} failed",
            self.checks.len(),
            self.checks.len() - failed,
            failed
        )?;
        for check in &self.checks {
            match &check.failure {
                None => writeln!(f, "  ok    {}", check.name)?,
                Some(why) => writeln!(f, "  FAIL  {}: {why}", check.name)?,
            }
        }
        Ok(())
    }
}
