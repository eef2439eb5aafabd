//! Accuracy, macro-F1, per-class precision/recall/support and the confusion matrix.

use std::collections::BTreeMap;

use serde::Serialize;

/// The figures of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassFigures {
    /// Of the texts given this label, the share that had it.
    pub precision: f64,
    /// Of the texts that had this label, the share given it.
    pub recall: f64,
    /// The harmonic mean of precision and recall.
    pub f1: f64,
    /// How many texts had this label.
    pub support: usize,
}

/// How well predictions match the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The share of correct predictions.
    pub accuracy: f64,
    /// The mean F1 over the labels that occur in the truth.
    pub macro_f1: f64,
    /// The figures per label (every label of the truth or the predictions).
    pub per_class: BTreeMap<String, ClassFigures>,
    /// The labels, in the order of the confusion matrix's rows and columns.
    pub labels: Vec<String>,
    /// `confusion[truth][predicted]`: how many texts of one label were given another.
    pub confusion: Vec<Vec<usize>>,
    /// How many texts were evaluated.
    pub examples: usize,
}

impl Evaluation {
    /// Compares (truth, predicted) pairs.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone) -> Self {
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (truth, predicted) in pairs.clone() {
            index.insert(truth, 0);
            index.insert(predicted, 0);
        }
        for (i, slot) in index.values_mut().enumerate() {
            *slot = i;
        }
        let n = index.len();
        let mut confusion = vec![vec![0usize; n]; n];
        let mut examples = 0;
        for (truth, predicted) in pairs {
            if let (Some(&t), Some(&p)) = (index.get(truth), index.get(predicted)) {
                confusion[t][p] += 1;
            }
            examples += 1;
        }
        let correct: usize = (0..n).map(|i| confusion[i][i]).sum();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let mut per_class = BTreeMap::new();
        let mut f1_sum = 0.0;
        let mut f1_count = 0usize;
        for (label, &i) in &index {
            let support: usize = confusion[i].iter().sum();
            let given: usize = confusion.iter().map(|row| row[i]).sum();
            let precision = ratio(confusion[i][i], given);
            let recall = ratio(confusion[i][i], support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            if support > 0 {
                f1_sum += f1;
                f1_count += 1;
            }
            per_class.insert(
                (*label).to_owned(),
                ClassFigures {
                    precision,
                    recall,
                    f1,
                    support,
                },
            );
        }
        Self {
            accuracy: ratio(correct, examples),
            macro_f1: if f1_count == 0 {
                0.0
            } else {
                f1_sum / f1_count as f64
            },
            per_class,
            labels: index.keys().map(|l| (*l).to_owned()).collect(),
            confusion,
            examples,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_a_worked_example() {
        // a: 2 right, 1 called b; b: 1 right; c (only predicted): 1 b called c.
        let pairs = [("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", "c")];
        let e = Evaluation::new(pairs.iter().copied());
        assert!((e.accuracy - 0.6).abs() < 1e-12);
        assert_eq!(e.labels, ["a", "b", "c"]);
        assert_eq!(
            e.confusion,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 0]]
        );
        let a = &e.per_class["a"];
        assert_eq!((a.precision, a.support), (1.0, 3));
        assert!((a.recall - 2.0 / 3.0).abs() < 1e-12);
        let b = &e.per_class["b"];
        assert!((b.precision - 0.5).abs() < 1e-12 && (b.recall - 0.5).abs() < 1e-12);
        // c never occurs in the truth, so it does not count towards macro-F1.
        assert!((e.macro_f1 - (0.8 + 0.5) / 2.0).abs() < 1e-12);
        assert_eq!(e.examples, 5);
    }

    #[test]
    fn nothing_to_compare_gives_zeros_not_nan() {
        let e = Evaluation::new(std::iter::empty::<(&str, &str)>());
        assert_eq!((e.accuracy, e.macro_f1, e.examples), (0.0, 0.0, 0));
    }
}
