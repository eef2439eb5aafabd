//! The two forms most params take, filled without the template engine: text with plain paths
//! (`triaged: {{ pipes.classify.label }}`) and a path with a literal fallback
//! (`{{ item.body or '' }}`). Anything else, and any value these forms cannot show exactly as
//! the engine would, goes to the engine.

use minijinja::value::{Value as Jinja, ValueKind};

use super::{lookup, simple_path};

/// A piece of text with plain paths.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slot {
    /// Text as written.
    Text(String),
    /// `{{ path }}`: a plain dotted path.
    Path(String),
}

/// The text `source` as slots, when it is only text and `{{ plain.path }}` tags.
pub(crate) fn slots(source: &str) -> Option<Vec<Slot>> {
    // The engine drops one trailing newline, and `{%`/`{#` open statements and comments.
    if source.ends_with('\n') || source.contains("{%") || source.contains("{#") {
        return None;
    }
    let mut slots = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            slots.push(Slot::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        let path = after[..close].trim();
        // `{{- x -}}` trims whitespace; anything but a plain path is an expression.
        if after.starts_with('-') || after[..close].ends_with('-') {
            return None;
        }
        simple_path(path)?;
        slots.push(Slot::Path(path.to_owned()));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        slots.push(Slot::Text(rest.to_owned()));
    }
    Some(slots)
}

/// The room a filled text starts with for each slot's value, in bytes.
const PATH_ROOM: usize = 24;

/// The text of `slots` against `scope`; `None` (the engine decides) when a path is undefined
/// or its value is not a string.
pub(crate) fn fill(slots: &[Slot], scope: &Jinja) -> Option<String> {
    // One buffer for the usual short values, not one per doubling.
    let room = slots
        .iter()
        .map(|slot| match slot {
            Slot::Text(text) => text.len(),
            Slot::Path(_) => PATH_ROOM,
        })
        .sum();
    let mut out = String::with_capacity(room);
    for slot in slots {
        match slot {
            Slot::Text(text) => out.push_str(text),
            Slot::Path(path) => {
                let value = lookup(scope, path.split('.'))?;
                if value.kind() != ValueKind::String {
                    return None;
                }
                out.push_str(value.as_str()?);
            }
        }
    }
    Some(out)
}

/// `path or 'text'` (or `"text"`): the path's value when it is true, else the text. `None`
/// (the engine decides) for any other expression and when the path is undefined.
pub(crate) fn path_or_text(expr: &str, scope: &Jinja) -> Option<Jinja> {
    let (path, fallback) = expr.split_once(" or ")?;
    let fallback = fallback.trim();
    let quote = fallback
        .chars()
        .next()
        .filter(|q| *q == '\'' || *q == '"')?;
    let text = fallback.strip_prefix(quote)?.strip_suffix(quote)?;
    if text.contains([quote, '\\']) {
        return None;
    }
    let value = lookup(scope, simple_path(path.trim())?)?;
    Some(if value.is_true() {
        value
    } else {
        Jinja::from(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Jinja {
        minijinja::context! {
            item => minijinja::context! { body => "", subject => "Printer", n => 3, none => () },
            pipes => minijinja::context! { classify => minijinja::context! { label => "hardware" } },
        }
    }

    #[test]
    fn text_with_plain_paths_is_filled() {
        let slots = slots("triaged: {{ pipes.classify.label }} / {{item.subject}}!");
        assert_eq!(
            slots.as_deref().and_then(|s| fill(s, &scope())).as_deref(),
            Some("triaged: hardware / Printer!")
        );
    }

    #[test]
    fn other_templates_and_values_go_to_the_engine() {
        for source in [
            "{{ item.subject | upper }}",
            "{% if x %}y{% endif %}",
            "{# c #}x",
            "{{- item.subject }}",
            "{{ item.subject -}}",
            "line\n",
            "{{ item.subject",
            "{{ 'a' }}",
        ] {
            assert_eq!(slots(source), None, "{source}");
        }
        let fills = |source: &str| slots(source).and_then(|s| fill(&s, &scope()));
        assert_eq!(
            fills("n = {{ item.n }}"),
            None,
            "numbers as the engine writes them"
        );
        assert_eq!(fills("{{ item.none }}"), None);
        assert_eq!(
            fills("{{ item.missing }}"),
            None,
            "undefined: the engine's error"
        );
        assert_eq!(fills("plain"), Some("plain".into()));
    }

    #[test]
    fn a_path_or_a_text_takes_the_text_when_the_path_is_false() {
        let eval = |expr: &str| path_or_text(expr, &scope()).map(|v| v.to_string());
        assert_eq!(eval("item.subject or ''"), Some("Printer".into()));
        assert_eq!(eval("item.body or 'none given'"), Some("none given".into()));
        assert_eq!(eval("item.none or \"-\""), Some("-".into()));
        assert_eq!(eval("item.missing or ''"), None);
        assert_eq!(eval("item.body or other"), None);
        assert_eq!(eval("item.body or 'it\\'s'"), None);
        assert_eq!(eval("item.body | trim or ''"), None);
    }
}
