//! # otai-classify: text classifiers learnt from labelled tickets
//!
//! Features are hashed word uni/bigrams and character 3–5-grams of the normalised text
//! ([`features`]), TF-IDF weighted and L2 normalised; the model is a multinomial logistic
//! regression trained by stochastic gradient descent, its probabilities calibrated by a
//! temperature fitted on held-out examples ([`Model`]). [`Evaluation`] gives accuracy, macro-F1,
//! per-class figures and the confusion matrix. [`LlmClassifier`] asks any OpenAI-compatible
//! chat-completions endpoint instead. A model is saved as a versioned JSON file that
//! later versions read or refuse with a clear message ([`file`](mod@file)).
//!
//! ```
//! use otai_classify::{Example, Model, TrainSettings, TrainingMetadata};
//!
//! let examples = [
//!     Example::new("VPN down", "cannot connect to the VPN", "network"),
//!     Example::new("Drucker defekt", "der Drucker druckt nicht", "hardware"),
//! ];
//! let refs: Vec<&Example> = examples.iter().collect();
//! let model = Model::train(&refs, &TrainSettings::default(), TrainingMetadata::new("queue", "doc"), &mut |_, _| {})?;
//! assert_eq!(model.predict("VPN connection fails", 1)[0].label, "network");
//! # Ok::<(), otai_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer_cache;
pub mod dataset;
pub mod features;
pub mod file;
pub mod llm;
pub mod metrics;
mod model;

pub use answer_cache::CacheSettings;
pub use dataset::{Example, read_jsonl, stratified_split, ticket_text};
pub use features::FeatureSettings;
pub use llm::{LlmAnswer, LlmClassifier, LlmSettings};
pub use metrics::{ClassFigures, Evaluation};
pub use model::{
    Figures, MAX_LABELS, MAX_TABLE_VALUES, Model, Scored, TrainSettings, TrainingMetadata,
};

#[cfg(test)]
mod tests;
