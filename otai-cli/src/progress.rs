//! A progress bar for long `foreach` runs, shown only on a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::output::Output;

/// Loops shorter than this show no bar.
const MIN_ITEMS: usize = 20;

/// The bar on screen, if any: log lines are written above it ([`suspended`]).
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `write` (which writes to stderr) with the bar on screen, if any, hidden for it, so a
/// log line never lands on the bar's line.
pub(crate) fn suspended(write: impl FnOnce()) {
    let bar = SHOWN.lock().ok().and_then(|shown| shown.clone());
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// A lazily created progress bar on stderr; does nothing when stderr is not a terminal.
pub(crate) struct Bar<'a> {
    enabled: bool,
    bar: Mutex<Option<ProgressBar>>,
    /// Shows the pipe's id (which comes from the config file).
    output: &'a Output,
}

impl<'a> Bar<'a> {
    pub(crate) fn new(quiet: bool, output: &'a Output) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
            output,
        }
    }

    /// `done` of `total` items of `pipe` finished.
    pub(crate) fn update(&self, pipe: &str, done: usize, total: usize) {
        if !self.enabled || total < MIN_ITEMS {
            return;
        }
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(self.output.shown(pipe));
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = Some(bar.clone());
            }
            bar
        });
        bar.set_position(done as u64);
    }

    /// Clears the bar, if one was shown.
    pub(crate) fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                if let Ok(mut shown) = SHOWN.lock() {
                    *shown = None;
                }
                bar.finish_and_clear();
            }
        }
    }
}
