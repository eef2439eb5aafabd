//! The model: a multinomial logistic regression (softmax) over the features, with a temperature
//! that calibrates its probabilities; and how it is trained.

use otai_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::dataset::Example;
use crate::features::{FeatureSettings, Idf, SparseVector, counts};

/// The most labels a model may have.
pub const MAX_LABELS: usize = 1000;

/// The most numbers a model's table may hold (buckets × (labels + 1)): 256 MiB of memory.
pub const MAX_TABLE_VALUES: usize = 1 << 26;

/// Refuses settings whose table would be larger than [`MAX_TABLE_VALUES`].
pub(crate) fn check_table(dimension: usize, labels: usize) -> std::result::Result<(), String> {
    if dimension.saturating_mul(labels + 1) > MAX_TABLE_VALUES {
        return Err(format!(
            "{labels} labels with {dimension} buckets need more than {MAX_TABLE_VALUES} numbers: \
             use fewer hash_bits or fewer labels"
        ));
    }
    Ok(())
}

/// How a model is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSettings {
    /// How text becomes features.
    pub features: FeatureSettings,
    /// Passes over the training examples.
    pub epochs: u32,
    /// The starting step size of stochastic gradient descent.
    pub learning_rate: f32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// The seed of the shuffles (and of the held-out split), so training is repeatable.
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            features: FeatureSettings::default(),
            epochs: 12,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 42,
        }
    }
}

/// Where a model came from; stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingMetadata {
    /// The field the labels came from, e.g. `queue`.
    pub label_field: String,
    /// Where the examples came from: a file name or a service.
    pub source: String,
    /// Examples trained on.
    pub train_examples: usize,
    /// Examples held out for the figures.
    pub held_out_examples: usize,
    /// The settings used.
    pub settings: TrainSettings,
    /// The otai version that trained it.
    pub otai_version: String,
    /// When, in seconds since 1970 (UTC).
    pub trained_at_unix: u64,
}

/// The held-out figures, stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    /// Accuracy on the held-out examples.
    pub accuracy: f64,
    /// Macro-F1 on the held-out examples.
    pub macro_f1: f64,
}

/// A label and how sure the model is of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// The label.
    pub label: String,
    /// Its calibrated probability, 0.0 to 1.0.
    pub confidence: f64,
}

/// A trained classifier. Read it with [`Model::load`], write it with [`Model::save`].
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub(crate) labels: Vec<String>,
    /// One row per bucket: its IDF, then its weight for each label. Kept together so that a
    /// feature costs one memory fetch when classifying.
    pub(crate) rows: Vec<f32>,
    pub(crate) bias: Vec<f32>,
    pub(crate) temperature: f32,
    pub(crate) features: FeatureSettings,
    pub(crate) metadata: TrainingMetadata,
    pub(crate) figures: Option<Figures>,
}

impl Model {
    /// The labels, sorted.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Where the model came from.
    pub fn metadata(&self) -> &TrainingMetadata {
        &self.metadata
    }

    /// The held-out figures, when recorded.
    pub fn figures(&self) -> Option<&Figures> {
        self.figures.as_ref()
    }

    /// Records the held-out figures, to be saved with the model.
    pub fn set_figures(&mut self, figures: Figures) {
        self.figures = Some(figures);
    }

    /// The calibration temperature (1.0 for none).
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// The row of bucket `i`: its IDF, then a weight per label.
    pub(crate) fn row(&self, i: usize) -> &[f32] {
        let stride = self.labels.len() + 1;
        self.rows
            .get(i * stride..i * stride + stride)
            .unwrap_or_default()
    }

    /// Builds the rows from a dense IDF and dense weights (`labels` per bucket).
    pub(crate) fn rows_of(idf: &[f32], weights: &[f32], k: usize) -> Vec<f32> {
        let mut rows = Vec::with_capacity(idf.len() * (k + 1));
        for (i, &w) in idf.iter().enumerate() {
            rows.push(w);
            rows.extend_from_slice(weights.get(i * k..i * k + k).unwrap_or_default());
        }
        rows
    }

    /// The raw scores of each label for `text`, in one pass over its features: sublinear TF
    /// times IDF, L2 normalised, times the weights.
    fn logits(&self, text: &str) -> Vec<f32> {
        let x = counts(&self.features, text);
        let mut scores = vec![0.0f32; self.labels.len()];
        let mut norm = 0.0f32;
        for (i, count) in x.iter() {
            let row = self.row(i as usize);
            let Some((&idf, weights)) = row.split_first() else {
                continue;
            };
            let v = (1.0 + count.ln()) * idf;
            norm += v * v;
            for (s, w) in scores.iter_mut().zip(weights) {
                *s += w * v;
            }
        }
        let inv = if norm > 0.0 { 1.0 / norm.sqrt() } else { 0.0 };
        for (s, b) in scores.iter_mut().zip(&self.bias) {
            *s = *s * inv + b;
        }
        scores
    }

    /// The calibrated probability of each label, in the order of [`Model::labels`].
    pub fn probabilities(&self, text: &str) -> Vec<f64> {
        softmax(&self.logits(text), self.temperature)
    }

    /// The `top_k` most likely labels (at least one), most likely first.
    pub fn predict(&self, text: &str, top_k: usize) -> Vec<Scored> {
        let probabilities = self.probabilities(text);
        let mut order: Vec<usize> = (0..probabilities.len()).collect();
        order.sort_by(|&a, &b| probabilities[b].total_cmp(&probabilities[a]));
        order
            .into_iter()
            .take(top_k.max(1))
            .map(|i| Scored {
                label: self.labels[i].clone(),
                confidence: probabilities[i],
            })
            .collect()
    }

    /// Trains on `examples`; `on_epoch(done, total)` reports progress.
    pub fn train(
        examples: &[&Example],
        settings: &TrainSettings,
        mut metadata: TrainingMetadata,
        on_epoch: &mut dyn FnMut(u32, u32),
    ) -> Result<Self> {
        settings
            .features
            .check()
            .map_err(|m| Error::invalid_input("features", m))?;
        if !(settings.learning_rate > 0.0 && settings.learning_rate.is_finite()) {
            return Err(Error::invalid_input(
                "learning_rate",
                "must be a positive number",
            ));
        }
        if !(settings.l2 >= 0.0 && settings.l2.is_finite()) {
            return Err(Error::invalid_input("l2", "must be 0 or more"));
        }
        let mut labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
        labels.sort_unstable();
        labels.dedup();
        if labels.len() < 2 {
            return Err(Error::invalid_input(
                "examples",
                format!(
                    "need at least 2 different labels to learn from, got {}",
                    labels.len()
                ),
            ));
        }
        if labels.len() > MAX_LABELS {
            return Err(Error::invalid_input(
                "examples",
                format!("more than {MAX_LABELS} different labels"),
            ));
        }
        check_table(settings.features.dimension(), labels.len())
            .map_err(|m| Error::invalid_input("examples", m))?;
        let targets: Vec<usize> = examples
            .iter()
            .map(|e| labels.binary_search(&e.label).unwrap_or(0))
            .collect();
        let raw: Vec<SparseVector> = examples
            .iter()
            .map(|e| counts(&settings.features, &e.text))
            .collect();
        let dimension = settings.features.dimension();
        let idf = Idf::fit(dimension, &raw);
        let xs: Vec<SparseVector> = raw.into_iter().map(|c| idf.weigh(c)).collect();
        let (weights, bias) = sgd(&xs, &targets, labels.len(), dimension, settings, on_epoch);
        let rows = Self::rows_of(&idf.weights, &weights, labels.len());
        metadata.train_examples = examples.len();
        metadata.settings = settings.clone();
        Ok(Self {
            labels,
            rows,
            bias,
            temperature: 1.0,
            features: settings.features.clone(),
            metadata,
            figures: None,
        })
    }

    /// Fits the temperature that gives the held-out `examples` the highest likelihood, so
    /// `confidence` means what it says. Leaves the predicted labels as they are.
    pub fn calibrate(&mut self, examples: &[&Example]) {
        let known: Vec<(Vec<f32>, usize)> = examples
            .iter()
            .filter_map(|e| {
                let target = self.labels.binary_search(&e.label).ok()?;
                Some((self.logits(&e.text), target))
            })
            .collect();
        if known.is_empty() {
            return;
        }
        let nll = |t: f32| -> f64 {
            known
                .iter()
                .map(|(logits, target)| -softmax(logits, t)[*target].max(1e-12).ln())
                .sum()
        };
        let mut best = (1.0f32, nll(1.0));
        for step in 0..=80 {
            // 0.05 to 20, evenly on a log scale.
            let t = (0.05f32.ln() + (400.0f32.ln()) * step as f32 / 80.0).exp();
            let loss = nll(t);
            if loss < best.1 {
                best = (t, loss);
            }
        }
        self.temperature = best.0;
    }
}

/// Probabilities from scores at temperature `t`.
fn softmax(logits: &[f32], t: f32) -> Vec<f64> {
    let t = f64::from(t);
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits
        .iter()
        .map(|&l| ((f64::from(l) - f64::from(max)) / t).exp())
        .collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// Stochastic gradient descent on the softmax loss with L2 regularisation. The regularisation
/// shrinks every weight each step; it is kept as one scale factor so a step touches only the
/// buckets of its example.
fn sgd(
    xs: &[SparseVector],
    targets: &[usize],
    k: usize,
    dimension: usize,
    settings: &TrainSettings,
    on_epoch: &mut dyn FnMut(u32, u32),
) -> (Vec<f32>, Vec<f32>) {
    let mut weights = vec![0.0f32; dimension * k];
    let mut bias = vec![0.0f32; k];
    let mut scale = 1.0f64;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = fastrand::Rng::with_seed(settings.seed);
    let (lr, l2) = (f64::from(settings.learning_rate), f64::from(settings.l2));
    let mut step = 0u64;
    let mut scores = vec![0.0f64; k];
    for epoch in 0..settings.epochs {
        rng.shuffle(&mut order);
        for &n in &order {
            let x = &xs[n];
            let eta = lr / (1.0 + lr * l2 * step as f64);
            for (s, b) in scores.iter_mut().zip(&bias) {
                *s = f64::from(*b);
            }
            for (i, v) in x.iter() {
                let row = &weights[i as usize * k..i as usize * k + k];
                for (s, w) in scores.iter_mut().zip(row) {
                    *s += scale * f64::from(*w) * f64::from(v);
                }
            }
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for s in &mut scores {
                *s = (*s - max).exp();
                sum += *s;
            }
            for (c, s) in scores.iter_mut().enumerate() {
                *s /= sum;
                if c == targets[n] {
                    *s -= 1.0;
                }
            }
            scale *= 1.0 - eta * l2;
            let factor = eta / scale;
            for (i, v) in x.iter() {
                let row = &mut weights[i as usize * k..i as usize * k + k];
                for (w, g) in row.iter_mut().zip(&scores) {
                    *w -= (factor * g * f64::from(v)) as f32;
                }
            }
            for (b, g) in bias.iter_mut().zip(&scores) {
                *b -= (eta * g) as f32;
            }
            if scale < 1e-6 {
                weights
                    .iter_mut()
                    .for_each(|w| *w = (f64::from(*w) * scale) as f32);
                scale = 1.0;
            }
            step += 1;
        }
        on_epoch(epoch + 1, settings.epochs);
    }
    if scale != 1.0 {
        weights
            .iter_mut()
            .for_each(|w| *w = (f64::from(*w) * scale) as f32);
    }
    (weights, bias)
}

impl TrainingMetadata {
    /// Metadata for a model of `label_field` learnt from `source`, stamped with this version
    /// and the current time; the counts and settings are filled in by training.
    pub fn new(label_field: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            label_field: label_field.into(),
            source: source.into(),
            train_examples: 0,
            held_out_examples: 0,
            settings: TrainSettings::default(),
            otai_version: env!("CARGO_PKG_VERSION").into(),
            trained_at_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}
