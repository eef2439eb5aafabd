//! XML ↔ a small element tree ↔ JSON, with quick-xml doing the parsing and escaping.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};

/// One element: its local name, whether it is `xsi:nil`, its children and its text.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) nil: bool,
    pub(crate) children: Vec<Node>,
    pub(crate) text: String,
}

impl Node {
    /// The first child named `name` (local name).
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The element as JSON: children become an object (repeated names a list), a leaf its text,
    /// a nil leaf `null`, an empty element `""`. Numbers stay strings.
    pub(crate) fn to_json(&self) -> Value {
        if self.children.is_empty() {
            return if self.nil {
                Value::Null
            } else {
                Value::String(self.text.clone())
            };
        }
        Value::Object(self.children_to_map())
    }

    /// The children as a JSON object; a name that repeats becomes a list.
    pub(crate) fn children_to_map(&self) -> Map<String, Value> {
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for child in &self.children {
            *counts.entry(child.name.as_str()).or_default() += 1;
        }
        let mut map = Map::new();
        for child in &self.children {
            let value = child.to_json();
            if counts.get(child.name.as_str()).copied().unwrap_or(0) > 1 {
                if let Value::Array(list) = map
                    .entry(child.name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.push(value);
                }
            } else {
                map.insert(child.name.clone(), value);
            }
        }
        map
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or_default().to_owned()
}

/// Parses a document into its root element. Errors say what and where, never panic.
pub(crate) fn parse(xml: &str) -> Result<Node, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let start = |e: &quick_xml::events::BytesStart<'_>| -> Result<Node, String> {
        let mut node = Node {
            name: local(e.name().as_ref()),
            ..Node::default()
        };
        for attr in e.attributes() {
            let attr = attr.map_err(|err| format!("bad attribute: {err}"))?;
            if local(attr.key.as_ref()) == "nil" {
                let value = attr
                    .unescape_value()
                    .map_err(|err| format!("bad attribute: {err}"))?;
                node.nil = matches!(value.trim(), "true" | "1");
            }
        }
        Ok(node)
    };
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML at byte {position}: {e}"))?;
        match event {
            Event::Start(e) => stack.push(start(&e)?),
            Event::Empty(e) => {
                let node = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unexpected closing tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&t.xml10_content().map_err(|e| format!("bad text: {e}"))?);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&c.decode().map_err(|e| format!("bad CDATA: {e}"))?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| format!("bad character reference: {e}"))?
                        .map(String::from)
                } else {
                    let name = r.decode().map_err(|e| format!("bad reference: {e}"))?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                };
                let text = resolved.ok_or_else(|| format!("unknown entity at byte {position}"))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::Eof => return Err("unexpected end of the document".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// Whether XML 1.0 can carry `c`.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Whether `name` is a plain XML element name.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Writes `value` as element(s) named `prefix` + `name` into `out`: objects nest, lists repeat the
/// element, `null` is left out, booleans are `1`/`0`. Errors name the key.
pub(crate) fn write_value(
    out: &mut String,
    prefix: &str,
    name: &str,
    value: &Value,
) -> Result<(), String> {
    if !valid_name(name) {
        return Err(format!("`{name}` cannot be an XML element name"));
    }
    let text = match value {
        Value::Null => return Ok(()),
        Value::Array(items) => {
            for item in items {
                write_value(out, prefix, name, item)?;
            }
            return Ok(());
        }
        Value::Object(map) => {
            out.push_str(&format!("<{prefix}{name}>"));
            for (key, child) in map {
                write_value(out, prefix, key, child)?;
            }
            out.push_str(&format!("</{prefix}{name}>"));
            return Ok(());
        }
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if let Some(bad) = s.chars().find(|c| !xml_char(*c)) {
                return Err(format!(
                    "`{name}` holds the control character U+{:04X}, which XML 1.0 cannot carry",
                    bad as u32
                ));
            }
            s.clone()
        }
    };
    // XML parsers turn a literal carriage return into a line feed; a character reference survives.
    let escaped = quick_xml::escape::escape(text.as_str()).replace('\r', "&#13;");
    out.push_str(&format!("<{prefix}{name}>{escaped}</{prefix}{name}>"));
    Ok(())
}
