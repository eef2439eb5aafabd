//! The converted configuration as an ordered tree, written as block YAML.

use serde_json::Value;

/// A YAML node whose maps keep the order they were built in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A string, number, boolean or null.
    Scalar(Value),
    /// A map, in order.
    Map(Vec<(String, Node)>),
    /// A list.
    List(Vec<Node>),
}

impl Node {
    /// A string scalar.
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Self::Scalar(Value::String(text.into()))
    }

    /// A map from `(key, node)` pairs.
    pub(crate) fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Self {
        Self::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Whether this is an empty map or list.
    fn is_empty_collection(&self) -> bool {
        matches!(self, Self::Map(m) if m.is_empty())
            || matches!(self, Self::List(l) if l.is_empty())
    }
}

/// `node` as block YAML. Strings that could read as anything else are double-quoted (JSON
/// escapes are valid YAML), so the text reads back as exactly this tree.
pub(crate) fn write(node: &Node) -> String {
    let mut out = String::new();
    match node {
        Node::Map(entries) => map(entries, 0, &mut out),
        Node::List(items) => list(items, 0, &mut out),
        Node::Scalar(value) => {
            out.push_str(&scalar(value));
            out.push('\n');
        }
    }
    out
}

fn map(entries: &[(String, Node)], indent: usize, out: &mut String) {
    for (i, (key, value)) in entries.iter().enumerate() {
        // The first entry of a map inside a list item follows its `- `.
        if i > 0 || out.ends_with('\n') || out.is_empty() {
            push_indent(indent, out);
        }
        out.push_str(&scalar(&Value::String(key.clone())));
        out.push(':');
        value_after_key(value, indent, out);
    }
}

fn value_after_key(value: &Node, indent: usize, out: &mut String) {
    if inline(value, out) {
        return;
    }
    match value {
        Node::Map(entries) => {
            out.push('\n');
            map(entries, indent + 2, out);
        }
        Node::List(items) => {
            out.push('\n');
            list(items, indent + 2, out);
        }
        Node::Scalar(_) => {}
    }
}

/// Writes ` value` and the line end for a scalar or an empty map or list (which stay on the
/// line of their key or dash); whether `value` was one of those.
fn inline(value: &Node, out: &mut String) -> bool {
    match value {
        Node::Scalar(v) => {
            out.push(' ');
            out.push_str(&scalar(v));
            out.push('\n');
        }
        v if v.is_empty_collection() => {
            out.push_str(if matches!(v, Node::Map(_)) {
                " {}\n"
            } else {
                " []\n"
            });
        }
        _ => return false,
    }
    true
}

fn list(items: &[Node], indent: usize, out: &mut String) {
    for item in items {
        push_indent(indent, out);
        out.push('-');
        if inline(item, out) {
            continue;
        }
        match item {
            Node::Map(entries) => {
                out.push(' ');
                map(entries, indent + 2, out);
            }
            Node::List(inner) => {
                out.push('\n');
                list(inner, indent + 2, out);
            }
            Node::Scalar(_) => {}
        }
    }
}

fn push_indent(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Words YAML (1.1 or 1.2) may read as something other than text.
const SPECIAL: [&str; 12] = [
    "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", "nan", "inf",
];

/// A scalar: plain when it can only read as this text, else double-quoted.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) if is_plain(text) => text.clone(),
        // serde_json writes a string as a double-quoted scalar YAML reads the same way.
        other => other.to_string(),
    }
}

fn is_plain(text: &str) -> bool {
    let mut chars = text.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !text.contains(": ")
        && !text.ends_with(':')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' ' | ':'))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_text_reads_back_as_the_same_tree() -> Result<(), String> {
        let node = Node::map([
            ("plain", Node::text("Raw queue")),
            ("url", Node::text("https://h.example/x")),
            ("colon", Node::text("a: b")),
            ("number_like", Node::text("1311")),
            ("word", Node::text("yes")),
            (
                "template",
                Node::text("{{ pipes.x }}: \"quoted\"\nnext line\t#"),
            ),
            ("n", Node::Scalar(json!(5))),
            ("empty", Node::map(Vec::<(String, Node)>::new())),
            (
                "list",
                Node::List(vec![
                    Node::map([("id", Node::text("a")), ("use", Node::text("log"))]),
                    Node::List(vec![Node::text("x")]),
                    Node::List(vec![]),
                ]),
            ),
        ]);
        let text = write(&node);
        let read = otai_yaml::read(&text).map_err(|e| format!("{}: {text}", e.message))?;
        assert_eq!(
            read.value,
            json!({
                "plain": "Raw queue", "url": "https://h.example/x", "colon": "a: b", "number_like": "1311", "word": "yes",
                "template": "{{ pipes.x }}: \"quoted\"\nnext line\t#", "n": 5, "empty": {},
                "list": [{"id": "a", "use": "log"}, ["x"], []],
            }),
            "{text}"
        );
        assert!(
            text.contains("plain: Raw queue\nurl: https://h.example/x\n"),
            "{text}"
        );
        Ok(())
    }
}
