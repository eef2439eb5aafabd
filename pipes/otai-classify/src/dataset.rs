//! Labelled examples: read from JSON Lines, bounded, and split for training and evaluation.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use otai_core::{Error, Result};
use serde_json::{Map, Value};

/// The longest line of a JSON Lines file, in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// The most examples one file may hold.
pub const MAX_EXAMPLES: usize = 2_000_000;
/// The longest label, in bytes.
pub const MAX_LABEL_BYTES: usize = 200;

/// A text and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The text (subject and body, one per line).
    pub text: String,
    /// The label.
    pub label: String,
}

impl Example {
    /// An example from a ticket's subject and body.
    pub fn new(subject: &str, body: &str, label: impl Into<String>) -> Self {
        Self {
            text: ticket_text(subject, body),
            label: label.into(),
        }
    }
}

/// The text a classifier reads from a ticket: subject and body, one per line. Training, the
/// `classify` pipe and evaluation all join them here, so they see the same text.
pub fn ticket_text(subject: &str, body: &str) -> String {
    let mut text = String::with_capacity(subject.len() + body.len() + 1);
    text.push_str(subject);
    text.push('\n');
    text.push_str(body);
    text
}

/// Reads `path`: one JSON object per line with `subject`, `body` and the `label_field` (a string
/// or a number). Blank lines are skipped; anything else that is wrong is an error naming
/// `path:line`.
pub fn read_jsonl(path: &Path, label_field: &str) -> Result<Vec<Example>> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::invalid_input(path.display().to_string(), format!("cannot open: {e}"))
    })?;
    read_jsonl_from(
        BufReader::new(file),
        &path.display().to_string(),
        label_field,
    )
}

/// [`read_jsonl`] from any reader; `name` is used in errors.
pub fn read_jsonl_from(
    mut reader: impl BufRead,
    name: &str,
    label_field: &str,
) -> Result<Vec<Example>> {
    let mut examples = Vec::new();
    let mut line = Vec::new();
    for number in 1usize.. {
        line.clear();
        let limit = (MAX_LINE_BYTES + 1) as u64;
        let read = reader
            .by_ref()
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::invalid_input(format!("{name}:{number}"), e.to_string()))?;
        if read == 0 {
            break;
        }
        let at = || format!("{name}:{number}");
        if line.len() > MAX_LINE_BYTES {
            return Err(Error::invalid_input(
                at(),
                format!("line longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if examples.len() >= MAX_EXAMPLES {
            return Err(Error::invalid_input(
                at(),
                format!("more than {MAX_EXAMPLES} examples"),
            ));
        }
        let object: Map<String, Value> = serde_json::from_slice(&line)
            .map_err(|e| Error::invalid_input(at(), format!("not a JSON object: {e}")))?;
        examples.push(example(&object, label_field).map_err(|m| Error::invalid_input(at(), m))?);
    }
    Ok(examples)
}

/// One example from one object.
fn example(object: &Map<String, Value>, label_field: &str) -> std::result::Result<Example, String> {
    let text_of = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(other) => Err(format!("`{key}` must be text, got {}", kind(other))),
    };
    let subject = text_of("subject")?;
    let body = text_of("body")?;
    if subject.is_empty() && body.is_empty() {
        return Err("no `subject` and no `body`: nothing to learn from".into());
    }
    let label = label_of(object, label_field)?;
    Ok(Example::new(subject, body, label))
}

/// The label under `field`: non-empty text or a number.
pub fn label_of(object: &Map<String, Value>, field: &str) -> std::result::Result<String, String> {
    let label = match object.get(field) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => {
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            return Err(format!(
                "no label `{field}` (keys here: {})",
                keys.join(", ")
            ));
        }
        Some(other) => {
            return Err(format!(
                "label `{field}` must be text or a number, got {}",
                kind(other)
            ));
        }
    };
    if label.is_empty() {
        return Err(format!("label `{field}` is empty"));
    }
    if label.len() > MAX_LABEL_BYTES {
        return Err(format!(
            "label `{field}` is longer than {MAX_LABEL_BYTES} bytes"
        ));
    }
    Ok(label)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Splits indices into (train, held out), per label, so each label keeps its share: a label with
/// `n >= 2` examples gives `max(1, round(n * fraction))` of them to the held-out part, never all.
/// The same `seed` gives the same split.
pub fn stratified_split(labels: &[&str], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        by_label.entry(label).or_default().push(i);
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut train, mut held_out) = (Vec::new(), Vec::new());
    for (_, mut indices) in by_label {
        rng.shuffle(&mut indices);
        let n = indices.len();
        let take = if n < 2 || fraction <= 0.0 {
            0
        } else {
            ((n as f64 * fraction).round() as usize).clamp(1, n - 1)
        };
        held_out.extend_from_slice(&indices[..take]);
        train.extend_from_slice(&indices[take..]);
    }
    train.sort_unstable();
    held_out.sort_unstable();
    (train, held_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Example>> {
        read_jsonl_from(text.as_bytes(), "t.jsonl", "queue")
    }

    #[test]
    fn lines_become_examples_with_subject_and_body_joined() -> Result<()> {
        let examples = read(
            "{\"subject\":\"VPN\",\"body\":\"down\",\"queue\":\"Network\"}\n\n{\"body\":\"x\",\"queue\":3}\n",
        )?;
        assert_eq!(examples.len(), 2);
        assert_eq!(examples[0], Example::new("VPN", "down", "Network"));
        assert_eq!(examples[0].text, "VPN\ndown");
        assert_eq!(examples[1].label, "3");
        Ok(())
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_line() {
        let err = read("{\"subject\":\"a\",\"queue\":\"Q\"}\nnot json\n").err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("t.jsonl:2") && text.contains("not a JSON object"),
            "{text}"
        );

        let err = read("{\"subject\":\"a\",\"prio\":\"Q\"}\n").err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("t.jsonl:1") && text.contains("no label `queue`"),
            "{text}"
        );

        let err = read("{\"subject\":[1],\"queue\":\"Q\"}\n").err();
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("`subject` must be text"), "{text}");

        let err = read("{\"queue\":\"Q\"}\n").err();
        assert!(err.is_some_and(|e| e.to_string().contains("nothing to learn")));
    }

    #[test]
    fn an_overlong_line_is_refused_without_reading_on() {
        let long = format!(
            "{{\"subject\":\"{}\",\"queue\":\"Q\"}}\n",
            "a".repeat(MAX_LINE_BYTES)
        );
        let err = read(&long).err();
        assert!(err.is_some_and(|e| e.to_string().contains("longer than")));
    }

    #[test]
    fn the_split_keeps_every_label_on_both_sides_and_is_repeatable() {
        let labels: Vec<&str> = (0..100)
            .map(|i| if i % 4 == 0 { "rare" } else { "common" })
            .collect();
        let (train, held) = stratified_split(&labels, 0.2, 7);
        assert_eq!(train.len() + held.len(), 100);
        let rare_held = held.iter().filter(|&&i| labels[i] == "rare").count();
        assert_eq!(rare_held, 5);
        assert_eq!(held.len(), 20);
        assert_eq!(stratified_split(&labels, 0.2, 7), (train, held));
        let (train, held) = stratified_split(&["only", "a", "a"], 0.5, 1);
        assert_eq!((train.len(), held.len()), (2, 1));
    }
}
