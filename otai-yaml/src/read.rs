//! Reading one YAML document into a JSON value and the lines of its nodes.
//!
//! One pass over the parser's events builds the value and a tree of lines, without recursion.

use std::borrow::Cow;

use saphyr::Scalar;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

use crate::lines::{Lines, NodeId};

/// How deeply lists and maps may nest.
pub const MAX_DEPTH: usize = 64;

/// A read file: its value and the lines of its nodes. The root node is `NodeId::default()`.
#[derive(Debug, Default)]
pub struct Document {
    /// The file's content.
    pub value: Value,
    /// Where each node is.
    pub lines: Lines,
}

/// Why a file could not be read, and at which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for YamlError {}

/// A list or map being read.
struct Open {
    node: NodeId,
    /// Its key in the parent map, when the parent is a map.
    key: Option<String>,
    value: Value,
    /// In a map: the key read, waiting for its value (key, line).
    pending: Option<(String, usize)>,
}

/// Reads one YAML document. An empty file is `null`.
pub fn read(text: &str) -> Result<Document, YamlError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut lines = Lines::default();
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            // The scanner looks ahead through flow brackets (`[[[…`) and stops at its own limit.
            let message = if e.info() == "recursion limit exceeded" {
                too_deep()
            } else {
                e.info().to_owned()
            };
            error(e.marker().line().max(1), message)
        })?;
        let line = span.start.line().max(1);
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(error(line, "a file holds one YAML document: remove `---`"));
                }
            }
            Event::Alias(_) => {
                return Err(error(
                    line,
                    "YAML aliases (`*name`) are not supported here: write the value out",
                ));
            }
            Event::Scalar(text, style, _, tag) => {
                if let Some(open) = stack.last_mut().filter(|o| is_key_next(o)) {
                    open.pending = Some((text.into_owned(), line));
                    continue;
                }
                let value = scalar(text, style, tag.as_ref(), &span)?;
                let (_, key) = start(&mut lines, &mut stack, line)?;
                finish(&mut stack, &mut root, key, value);
            }
            Event::SequenceStart(_, ref tag) | Event::MappingStart(_, ref tag) => {
                check_tag(tag.as_deref(), line)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(error(line, too_deep()));
                }
                let (node, key) = start(&mut lines, &mut stack, line)?;
                let value = match event {
                    Event::SequenceStart(..) => Value::Array(Vec::new()),
                    _ => Value::Object(Map::new()),
                };
                stack.push(Open {
                    node,
                    key,
                    value,
                    pending: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = stack.pop() {
                    finish(&mut stack, &mut root, open.key, open.value);
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(Document {
        value: root.unwrap_or(Value::Null),
        lines,
    })
}

fn too_deep() -> String {
    format!("nested more than {MAX_DEPTH} levels deep")
}

fn error(line: usize, message: impl Into<String>) -> YamlError {
    YamlError {
        line,
        message: message.into(),
    }
}

/// Whether the next scalar of `open` is a map key.
fn is_key_next(open: &Open) -> bool {
    open.value.is_object() && open.pending.is_none()
}

/// Starts a node at `line` under the innermost open list or map: its node and its key there.
fn start(
    lines: &mut Lines,
    stack: &mut [Open],
    line: usize,
) -> Result<(NodeId, Option<String>), YamlError> {
    let Some(parent) = stack.last_mut() else {
        return Ok((lines.push(line), None));
    };
    if parent.value.is_array() {
        let node = lines.push(line);
        lines.link(parent.node, None, node);
        return Ok((node, None));
    }
    let Some((key, key_line)) = parent.pending.take() else {
        return Err(error(
            line,
            "a key must be a plain value, not a list or map",
        ));
    };
    if parent.value.get(&key).is_some() {
        return Err(error(key_line, format!("duplicate key `{key}`")));
    }
    let node = lines.push(key_line);
    lines.link(parent.node, Some(key.clone()), node);
    Ok((node, Some(key)))
}

/// Puts a finished value into its parent (or makes it the root).
fn finish(stack: &mut [Open], root: &mut Option<Value>, key: Option<String>, value: Value) {
    match (stack.last_mut().map(|o| &mut o.value), key) {
        (Some(Value::Array(items)), _) => items.push(value),
        (Some(Value::Object(map)), Some(key)) => {
            map.insert(key, value);
        }
        _ => *root = Some(value),
    }
}

fn check_tag(tag: Option<&Tag>, line: usize) -> Result<(), YamlError> {
    match tag {
        Some(tag) if !tag.is_yaml_core_schema() => Err(error(
            line,
            format!("YAML tags like `{}` are not supported here", shown(tag)),
        )),
        _ => Ok(()),
    }
}

/// A tag as written: `!!int`, `!custom`.
fn shown(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// A scalar as JSON, typed as YAML 1.2's core schema says (quoted scalars are strings).
fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Cow<'_, Tag>>,
    span: &Span,
) -> Result<Value, YamlError> {
    let line = span.start.line().max(1);
    check_tag(tag.map(AsRef::as_ref), line)?;
    if style == ScalarStyle::Plain && tag.is_none() {
        if let Ok(big) = text.parse::<u64>() {
            return Ok(Value::from(big));
        }
    }
    let shown = tag.map(|t| shown(t)).unwrap_or_default();
    Ok(
        match Scalar::parse_from_cow_and_metadata(text, style, tag) {
            Some(Scalar::Null) => Value::Null,
            Some(Scalar::Boolean(b)) => Value::Bool(b),
            Some(Scalar::Integer(i)) => Value::from(i),
            Some(Scalar::FloatingPoint(f)) => {
                Number::from_f64(f.0).map_or(Value::Null, Value::Number)
            }
            Some(Scalar::String(s)) => Value::String(s.into_owned()),
            None => {
                return Err(error(
                    line,
                    format!("the value does not fit its tag `{shown}`"),
                ));
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn value(text: &str) -> Result<Value, YamlError> {
        read(text).map(|d| d.value)
    }

    #[test]
    fn scalars_are_typed_by_the_core_schema() -> Result<(), YamlError> {
        let v = value(
            "a: 1\nb: -2\nc: 1.5\nd: true\ne: ~\nf:\ng: '1'\nh: yes\ni: 0x1F\nj: 18446744073709551615\nk: |\n  two\n  lines\n",
        )?;
        assert_eq!(
            v,
            json!({"a": 1, "b": -2, "c": 1.5, "d": true, "e": null, "f": null, "g": "1",
                   "h": "yes", "i": 31, "j": 18446744073709551615u64, "k": "two\nlines\n"})
        );
        Ok(())
    }

    #[test]
    fn lines_point_at_keys_and_items_in_file_order() -> Result<(), YamlError> {
        let doc = read("top:\n  - id: a\n    params:\n      limit: 5\n  - id: b\n")?;
        let root = NodeId::default();
        let keys: Vec<&str> = doc.lines.entries(root).map(|(k, _)| k).collect();
        assert_eq!(keys, ["top"]);
        let items: Vec<usize> = doc
            .lines
            .items(doc.lines.find(root, "top"))
            .map(|n| doc.lines.line(n))
            .collect();
        assert_eq!(items, [2, 5]);
        assert_eq!(
            doc.lines.line(doc.lines.find(root, "top[0].params.limit")),
            4
        );
        // A path that goes further than the file stops at the deepest node that exists.
        assert_eq!(
            doc.lines.line(doc.lines.find(root, "top[0].params.nope.x")),
            3
        );
        assert_eq!(doc.lines.line(doc.lines.find(root, "top[7]")), 1);
        Ok(())
    }

    #[test]
    fn a_bom_at_the_start_is_accepted() -> Result<(), YamlError> {
        assert_eq!(value("\u{FEFF}a: 1\n")?, json!({"a": 1}));
        Ok(())
    }

    #[test]
    fn aliases_are_refused_at_their_line() {
        let text = "a: &x [1, 2]\nb: *x\n";
        assert_eq!(
            value(text),
            Err(error(
                2,
                "YAML aliases (`*name`) are not supported here: write the value out"
            ))
        );
    }

    #[test]
    fn alias_bombs_are_refused_at_the_first_alias_before_any_copy() {
        // One big list aliased many times, and the nested "billion laughs": the error is at the
        // first alias, so nothing after it was read and nothing was ever copied.
        let list: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
        let mut wide = format!("a: &big [{}]\nb: [", list.join(", "));
        wide.push_str(&vec!["*big"; 2000].join(", "));
        wide.push_str("]\n");
        let mut laughs = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let previous = vec![format!("*l{}", level - 1); 9].join(", ");
            laughs.push_str(&format!("l{level}: &l{level} [{previous}]\n"));
        }
        for bomb in [wide, laughs] {
            assert_eq!(
                value(&bomb).map_err(|e| (e.line, e.message)),
                Err((
                    2,
                    "YAML aliases (`*name`) are not supported here: write the value out".to_owned()
                ))
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        // 100 000 levels would overflow any recursive reader's stack and abort this test.
        let flow = "[".repeat(100_000);
        let err = value(&flow).err().map(|e| (e.line, e.message));
        assert_eq!(err, Some((1, "nested more than 64 levels deep".to_owned())));
        let mut block = String::new();
        for depth in 0..100 {
            block.push_str(&" ".repeat(depth));
            block.push_str("k:\n");
        }
        let err = value(&block).err().map(|e| (e.line, e.message));
        assert_eq!(
            err,
            Some((65, "nested more than 64 levels deep".to_owned()))
        );
        let dashes = format!("{}x\n", "- ".repeat(100_000));
        let err = value(&dashes).err().map(|e| (e.line, e.message));
        assert_eq!(err, Some((1, "nested more than 64 levels deep".to_owned())));
        assert!(value(&format!("{}{}", "[".repeat(64), "]".repeat(64))).is_ok());
    }

    #[test]
    fn structural_problems_are_errors_with_their_line() {
        let cases = [
            ("a: 1\na: 2\n", 2, "duplicate key `a`"),
            (
                "a: 1\n---\nb: 2\n",
                2,
                "a file holds one YAML document: remove `---`",
            ),
            (
                "a: !custom 1\n",
                1,
                "YAML tags like `!custom` are not supported here",
            ),
            ("a: !!int x\n", 1, "the value does not fit its tag `!!int`"),
            (
                "? [1]\n: 2\n",
                1,
                "a key must be a plain value, not a list or map",
            ),
        ];
        for (text, line, message) in cases {
            assert_eq!(value(text), Err(error(line, message)), "{text}");
        }
        let syntax = value("a: [1\nb: 2\n").err();
        assert!(syntax.is_some_and(|e| e.line >= 1 && !e.message.is_empty()));
    }

    #[test]
    fn an_empty_file_is_null() -> Result<(), YamlError> {
        assert_eq!(value("")?, Value::Null);
        assert_eq!(value("# only a comment\n")?, Value::Null);
        Ok(())
    }
}
