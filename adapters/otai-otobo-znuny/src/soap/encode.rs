//! Writing JSON values as SOAP elements (requests, and the fake's replies).

use serde_json::Value;

use super::scan::MAX_DEPTH;

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
    write_nested(out, prefix, name, value, 0)
}

fn write_nested(
    out: &mut String,
    prefix: &str,
    name: &str,
    value: &Value,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("`{name}` is nested deeper than {MAX_DEPTH} levels"));
    }
    if !valid_name(name) {
        return Err(format!("`{name}` cannot be an XML element name"));
    }
    let text = match value {
        Value::Null => return Ok(()),
        Value::Array(items) => {
            for item in items {
                write_nested(out, prefix, name, item, depth + 1)?;
            }
            return Ok(());
        }
        Value::Object(map) => {
            out.push_str(&format!("<{prefix}{name}>"));
            for (key, child) in map {
                write_nested(out, prefix, key, child, depth + 1)?;
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
