//! The model file: JSON with a `format` name and a `format_version`, the labels, the feature
//! settings, training metadata and figures, and the numbers as base64 little-endian blocks.
//! Only the buckets seen in training are stored. A file is read bounded and checked whole before
//! a model is built from it.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otai_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::features::FeatureSettings;
use crate::model::{Figures, MAX_LABELS, Model, TrainingMetadata};

/// What the `format` field of a model file says.
pub const FORMAT_NAME: &str = "otai-classify-model";
/// The format version this otai writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
/// The largest model file read, in bytes.
pub const MAX_MODEL_BYTES: u64 = 256 << 20;

/// The first thing read: which format and version, whatever else the file holds.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    format_version: Option<u64>,
}

/// Format version 1.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    format: String,
    format_version: u32,
    labels: Vec<String>,
    features: FeatureSettings,
    temperature: f32,
    bias: Vec<f32>,
    /// The IDF of every bucket not listed in `buckets`.
    idf_unseen: f32,
    /// The stored buckets: u32, ascending.
    buckets: String,
    /// Their IDF: f32, one per bucket.
    idf: String,
    /// Their weights: f32, `labels` per bucket.
    weights: String,
    training: TrainingMetadata,
    figures: Option<Figures>,
}

impl Model {
    /// Writes the model to `path` (via a temporary file beside it, so a reader never sees half
    /// a model).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_json()?;
        let at = || path.display().to_string();
        let tmp = path.with_extension("model.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| Error::invalid_input(at(), format!("cannot write the model: {e}")))
    }

    /// The model as the text of a model file.
    pub fn to_json(&self) -> Result<String> {
        let idf_unseen = (((1 + self.metadata.train_examples) as f64).ln() + 1.0) as f32;
        let (mut buckets, mut idf, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..self.features.dimension() {
            let Some((&w, row)) = self.row(i).split_first() else {
                continue;
            };
            if w != idf_unseen || row.iter().any(|&x| x != 0.0) {
                buckets.extend_from_slice(&(i as u32).to_le_bytes());
                idf.extend_from_slice(&w.to_le_bytes());
                for x in row {
                    weights.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        let file = FileV1 {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            labels: self.labels.clone(),
            features: self.features.clone(),
            temperature: self.temperature,
            bias: self.bias.clone(),
            idf_unseen,
            buckets: STANDARD.encode(buckets),
            idf: STANDARD.encode(idf),
            weights: STANDARD.encode(weights),
            training: self.metadata.clone(),
            figures: self.figures.clone(),
        };
        serde_json::to_string(&file).map_err(|e| Error::invalid_input("model", e.to_string()))
    }

    /// Reads a model file; anything that is not a whole, sound model of a known format version
    /// is an error naming the file and what is wrong.
    pub fn load(path: &Path) -> Result<Self> {
        let at = path.display().to_string();
        let file = std::fs::File::open(path)
            .map_err(|e| Error::invalid_input(&at, format!("cannot open the model: {e}")))?;
        let mut bytes = Vec::new();
        file.take(MAX_MODEL_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::invalid_input(&at, format!("cannot read the model: {e}")))?;
        if bytes.len() as u64 > MAX_MODEL_BYTES {
            return Err(Error::invalid_input(
                &at,
                format!(
                    "larger than {} MiB: not a model file",
                    MAX_MODEL_BYTES >> 20
                ),
            ));
        }
        Self::from_json(&bytes).map_err(|m| Error::invalid_input(at, m))
    }

    /// A model from the text of a model file; the error says what is wrong.
    pub fn from_json(bytes: &[u8]) -> std::result::Result<Self, String> {
        let header: Header = serde_json::from_slice(bytes)
            .map_err(|e| format!("not an otai model file (unreadable JSON: {e})"))?;
        if header.format.as_deref() != Some(FORMAT_NAME) {
            return Err(format!(
                "not an otai model file (its `format` is not `{FORMAT_NAME}`)"
            ));
        }
        match header.format_version {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) if v > u64::from(FORMAT_VERSION) => {
                return Err(format!(
                    "model format version {v} is newer than this otai reads ({FORMAT_VERSION}): \
                     upgrade otai, or train the model again with this version"
                ));
            }
            Some(v) => {
                return Err(format!(
                    "model format version {v} is no longer read (this otai reads {FORMAT_VERSION}): \
                     train the model again"
                ));
            }
            None => return Err("the model file has no `format_version`".into()),
        }
        let file: FileV1 =
            serde_json::from_slice(bytes).map_err(|e| format!("damaged model file: {e}"))?;
        build(file)
    }
}

/// Checks every part of a version 1 file and builds the model.
fn build(file: FileV1) -> std::result::Result<Model, String> {
    file.features
        .check()
        .map_err(|m| format!("features: {m}"))?;
    let k = file.labels.len();
    if !(2..=MAX_LABELS).contains(&k) {
        return Err(format!(
            "`labels` must hold 2 to {MAX_LABELS} labels, got {k}"
        ));
    }
    if file.labels.windows(2).any(|w| w[0] >= w[1]) || file.labels.iter().any(String::is_empty) {
        return Err("`labels` must be non-empty, sorted and unique".into());
    }
    if file.bias.len() != k {
        return Err(format!(
            "`bias` has {} values for {k} labels",
            file.bias.len()
        ));
    }
    let finite = |name: &str, xs: &[f32]| {
        if xs.iter().all(|x| x.is_finite()) {
            Ok(())
        } else {
            Err(format!("`{name}` holds a number that is not finite"))
        }
    };
    finite("bias", &file.bias)?;
    finite("idf_unseen", &[file.idf_unseen])?;
    if !(file.temperature.is_finite() && file.temperature > 0.0) {
        return Err("`temperature` must be a positive number".into());
    }
    let buckets = words(&file.buckets, "buckets")?;
    let idf = floats(&file.idf, "idf")?;
    let weights = floats(&file.weights, "weights")?;
    finite("idf", &idf)?;
    finite("weights", &weights)?;
    let dimension = file.features.dimension();
    crate::model::check_table(dimension, k)?;
    if idf.len() != buckets.len() || weights.len() != buckets.len() * k {
        return Err(format!(
            "{} buckets need {} idf values and {} weights, got {} and {}",
            buckets.len(),
            buckets.len(),
            buckets.len() * k,
            idf.len(),
            weights.len()
        ));
    }
    if buckets.windows(2).any(|w| w[0] >= w[1])
        || buckets.last().is_some_and(|&b| b as usize >= dimension)
    {
        return Err(format!("`buckets` must be ascending and below {dimension}"));
    }
    let mut dense_idf = vec![file.idf_unseen; dimension];
    let mut dense_weights = vec![0.0f32; dimension * k];
    for (n, &b) in buckets.iter().enumerate() {
        let b = b as usize;
        dense_idf[b] = idf[n];
        dense_weights[b * k..b * k + k].copy_from_slice(&weights[n * k..n * k + k]);
    }
    Ok(Model {
        labels: file.labels,
        rows: Model::rows_of(&dense_idf, &dense_weights, k),
        bias: file.bias,
        temperature: file.temperature,
        features: file.features,
        metadata: file.training,
        figures: file.figures,
    })
}

fn decode(text: &str, name: &str) -> std::result::Result<Vec<u8>, String> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| format!("`{name}` is not base64: {e}"))?;
    if bytes.len() % 4 != 0 {
        return Err(format!("`{name}` is not a whole number of 4-byte values"));
    }
    Ok(bytes)
}

fn words(text: &str, name: &str) -> std::result::Result<Vec<u32>, String> {
    Ok(decode(text, name)?
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn floats(text: &str, name: &str) -> std::result::Result<Vec<f32>, String> {
    Ok(decode(text, name)?
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}
