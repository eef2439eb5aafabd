//! Cross-cutting behaviour, in wrappers around the services the engine hands to pipes: every run
//! wraps each service as `DryRun(Counted(service))` (without `DryRun` when writing for real), so
//! no pipe can forget either.

mod counted;
mod describe;
mod dry_run;

pub use counted::{Counted, RunStats, RunTotals};
pub use dry_run::DryRun;

#[cfg(test)]
mod tests;
