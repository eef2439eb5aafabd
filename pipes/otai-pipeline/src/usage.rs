//! [`RunUsage`]: figures pipes add to their run (LLM calls, tokens, latency), summed by name.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// The most distinct names one run keeps; further names are dropped.
pub const MAX_USAGE_NAMES: usize = 64;
/// The longest name kept, in bytes; longer names are dropped.
pub const MAX_USAGE_NAME_BYTES: usize = 64;

/// Names the `classify` pipe's `llm` backend reports (and the CLI summary shows).
pub mod names {
    /// Answers returned (from the model or the cache).
    pub const LLM_CALLS: &str = "llm_calls";
    /// Answers that came from a cache.
    pub const LLM_CACHED: &str = "llm_cached";
    /// Prompt tokens, as the server counted them.
    pub const LLM_PROMPT_TOKENS: &str = "llm_prompt_tokens";
    /// Completion tokens, as the server counted them.
    pub const LLM_COMPLETION_TOKENS: &str = "llm_completion_tokens";
    /// Milliseconds spent waiting for the model, summed over calls.
    pub const LLM_LATENCY_MS: &str = "llm_latency_ms";
}

/// The usage figures of one run, shared by every pipe of it: saturating sums by name.
#[derive(Debug, Default)]
pub struct RunUsage {
    figures: Mutex<BTreeMap<String, u64>>,
}

impl RunUsage {
    /// Adds `amount` to the figure `name` (at most [`MAX_USAGE_NAMES`] names of at most
    /// [`MAX_USAGE_NAME_BYTES`] bytes; others are dropped).
    pub fn add(&self, name: &str, amount: u64) {
        if name.is_empty() || name.len() > MAX_USAGE_NAME_BYTES {
            return;
        }
        let Ok(mut figures) = self.figures.lock() else {
            return;
        };
        if let Some(figure) = figures.get_mut(name) {
            *figure = figure.saturating_add(amount);
        } else if figures.len() < MAX_USAGE_NAMES {
            figures.insert(name.to_owned(), amount);
        }
    }

    /// The figures so far, by name.
    pub fn figures(&self) -> BTreeMap<String, u64> {
        self.figures.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_by_name_and_bounds_names() {
        let usage = RunUsage::default();
        usage.add("llm_calls", 2);
        usage.add("llm_calls", 3);
        usage.add("", 1);
        usage.add(&"x".repeat(MAX_USAGE_NAME_BYTES + 1), 1);
        usage.add("big", u64::MAX);
        usage.add("big", 1);
        for i in 0..MAX_USAGE_NAMES * 2 {
            usage.add(&format!("n{i}"), 1);
        }
        let figures = usage.figures();
        assert_eq!(figures.get("llm_calls"), Some(&5));
        assert_eq!(figures.get("big"), Some(&u64::MAX));
        assert_eq!(figures.len(), MAX_USAGE_NAMES);
    }
}
