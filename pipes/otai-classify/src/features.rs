//! Features of a text: hashed word and character n-grams of the normalised text, TF-IDF
//! weighted and L2 normalised. No vocabulary and no language rules, so German, English and mixed
//! tickets are treated alike.

use serde::{Deserialize, Serialize};

/// Only this many characters of a text are read, so a huge ticket costs bounded time.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The smallest and largest accepted `hash_bits`.
pub const HASH_BITS_RANGE: std::ops::RangeInclusive<u8> = 10..=22;

/// How text becomes features; stored in the model file, so a model reads text as it was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSettings {
    /// The features are hashed into `2^hash_bits` buckets.
    pub hash_bits: u8,
    /// Word n-grams: unigrams, and bigrams when this is 2.
    pub max_word_ngram: u8,
    /// Character n-grams within words (padded with a space on each side), from this length...
    pub min_char_ngram: u8,
    /// ...to this length (0 for none).
    pub max_char_ngram: u8,
}

impl Default for FeatureSettings {
    fn default() -> Self {
        Self {
            hash_bits: 18,
            max_word_ngram: 2,
            min_char_ngram: 3,
            max_char_ngram: 5,
        }
    }
}

impl FeatureSettings {
    /// Checks the ranges; the message names the setting.
    pub fn check(&self) -> Result<(), String> {
        if !HASH_BITS_RANGE.contains(&self.hash_bits) {
            return Err(format!(
                "hash_bits must be from {} to {}, got {}",
                HASH_BITS_RANGE.start(),
                HASH_BITS_RANGE.end(),
                self.hash_bits
            ));
        }
        if !(1..=2).contains(&self.max_word_ngram) {
            return Err(format!(
                "max_word_ngram must be 1 or 2, got {}",
                self.max_word_ngram
            ));
        }
        let chars_ok = self.max_char_ngram == 0
            || ((2..=6).contains(&self.min_char_ngram)
                && self.min_char_ngram <= self.max_char_ngram
                && self.max_char_ngram <= 6);
        if !chars_ok {
            return Err(format!(
                "character n-grams must lie within 2..=6 with min <= max, got {}..={}",
                self.min_char_ngram, self.max_char_ngram
            ));
        }
        Ok(())
    }

    /// The number of buckets.
    pub fn dimension(&self) -> usize {
        1usize << self.hash_bits
    }
}

/// A sparse vector: bucket indices, ascending and unique, with their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    /// Bucket indices, ascending, unique.
    pub indices: Vec<u32>,
    /// The value of each index.
    pub values: Vec<f32>,
}

impl SparseVector {
    /// Pairs of (index, value).
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.indices
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }
}

/// Lower case, letters and digits kept (any script), everything else one space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_CHARS * 4));
    let mut space = true;
    for c in text.chars().take(MAX_TEXT_CHARS) {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// FNV-1a, 64 bits, over a kind byte and the gram, so a word and a character gram with the same
/// letters land in different buckets.
fn hash(kind: u8, parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET ^ u64::from(kind);
    h = h.wrapping_mul(PRIME);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= u64::from(b' ');
            h = h.wrapping_mul(PRIME);
        }
        for &b in part.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    h
}

/// The counts of each bucket in `text`, before weighting: (index, count), ascending, unique.
pub fn counts(settings: &FeatureSettings, text: &str) -> SparseVector {
    let mask = (settings.dimension() - 1) as u64;
    let bucket = |h: u64| (h & mask) as u32;
    let text = normalise(text);
    let mut raw: Vec<u32> = Vec::with_capacity(text.len() * 4);
    let mut previous: Option<&str> = None;
    let mut padded = String::new();
    let mut starts: Vec<usize> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        raw.push(bucket(hash(b'w', &[word])));
        if settings.max_word_ngram >= 2 {
            if let Some(prev) = previous {
                raw.push(bucket(hash(b'b', &[prev, word])));
            }
        }
        previous = Some(word);
        if settings.max_char_ngram == 0 {
            continue;
        }
        padded.clear();
        padded.push(' ');
        padded.push_str(word);
        padded.push(' ');
        starts.clear();
        starts.extend(padded.char_indices().map(|(i, _)| i));
        starts.push(padded.len());
        let chars = starts.len() - 1;
        for n in usize::from(settings.min_char_ngram)..=usize::from(settings.max_char_ngram) {
            if n > chars {
                break;
            }
            for i in 0..=chars - n {
                let gram = &padded[starts[i]..starts[i + n]];
                raw.push(bucket(hash(b'0' + n as u8, &[gram])));
            }
        }
    }
    raw.sort_unstable();
    let mut out = SparseVector::default();
    for index in raw {
        if out.indices.last() == Some(&index) {
            if let Some(v) = out.values.last_mut() {
                *v += 1.0;
            }
        } else {
            out.indices.push(index);
            out.values.push(1.0);
        }
    }
    out
}

/// Inverse document frequencies: a weight per bucket seen in training, one for every other.
#[derive(Debug, Clone, PartialEq)]
pub struct Idf {
    /// The weight of every bucket (dense).
    pub weights: Vec<f32>,
}

impl Idf {
    /// Smoothed IDF, `ln((1 + n) / (1 + df)) + 1`, from the counts of `n` documents.
    pub fn fit(dimension: usize, documents: &[SparseVector]) -> Self {
        let mut df = vec![0u32; dimension];
        for doc in documents {
            for &i in &doc.indices {
                if let Some(d) = df.get_mut(i as usize) {
                    *d += 1;
                }
            }
        }
        let n = documents.len() as f64;
        let weights = df
            .into_iter()
            .map(|d| (((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0) as f32)
            .collect();
        Self { weights }
    }

    /// Sublinear TF (`1 + ln count`) times IDF, then L2 normalised.
    pub fn weigh(&self, mut counts: SparseVector) -> SparseVector {
        let mut norm = 0.0f32;
        for (i, v) in counts.indices.iter().zip(counts.values.iter_mut()) {
            let idf = self.weights.get(*i as usize).copied().unwrap_or(0.0);
            *v = (1.0 + v.ln()) * idf;
            norm += *v * *v;
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            for v in &mut counts.values {
                *v *= inv;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_keeps_letters_of_any_script_and_folds_the_rest() {
        assert_eq!(
            normalise("  Drucker <b>DEFEKT</b>!! Grüße, Jörg\n> VPN"),
            "drucker b defekt b grüße jörg vpn"
        );
        assert_eq!(normalise("\u{1b}[0m"), "0m");
    }

    #[test]
    fn the_same_text_gives_the_same_buckets_and_case_does_not_matter() {
        let s = FeatureSettings::default();
        let a = counts(&s, "Printer jam on floor 3");
        let b = counts(&s, "PRINTER  jam, on floor 3");
        assert_eq!(a, b);
        assert!(a.indices.windows(2).all(|w| w[0] < w[1]));
        // 5 words, 4 bigrams and the character grams of each padded word.
        let total: f32 = a.values.iter().sum();
        assert!(total > 9.0 + 20.0, "total {total}");
    }

    #[test]
    fn weighted_vectors_have_unit_length() {
        let s = FeatureSettings::default();
        let docs = vec![counts(&s, "vpn broken"), counts(&s, "printer broken")];
        let idf = Idf::fit(s.dimension(), &docs);
        let v = idf.weigh(counts(&s, "vpn vpn broken"));
        let norm: f32 = v.values.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        assert!(idf.weigh(SparseVector::default()).indices.is_empty());
    }

    #[test]
    fn settings_out_of_range_are_refused_by_name() {
        let bad = FeatureSettings {
            hash_bits: 40,
            ..FeatureSettings::default()
        };
        assert!(bad.check().is_err_and(|m| m.contains("hash_bits")));
        let bad = FeatureSettings {
            min_char_ngram: 5,
            max_char_ngram: 3,
            ..FeatureSettings::default()
        };
        assert!(bad.check().is_err_and(|m| m.contains("character n-grams")));
        assert!(FeatureSettings::default().check().is_ok());
    }

    #[test]
    fn only_the_first_characters_of_a_huge_text_are_read() {
        let huge = "a ".repeat(MAX_TEXT_CHARS);
        assert!(normalise(&huge).len() <= MAX_TEXT_CHARS);
    }
}
