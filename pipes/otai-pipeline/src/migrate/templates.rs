//! Open Ticket AI's template idioms in otai's words.

/// Open Ticket AI template functions otai has no equivalent of.
const UNSUPPORTED: [&str; 3] = ["has_failed", "at_path", "get_parent_param"];

/// A template rewritten for otai: the new text, what was changed, and the Open Ticket AI
/// functions it calls that otai does not have.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Rewritten {
    /// The template in otai's words.
    pub(crate) text: String,
    /// One line per kind of change made.
    pub(crate) changes: Vec<&'static str>,
    /// Functions without an otai equivalent, by name.
    pub(crate) unsupported: Vec<&'static str>,
}

/// Whether `text` holds template syntax.
pub(crate) fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// Rewrites one string: `get_env(…)` becomes `env(…)`, the `fetched_tickets` key of
/// FetchTicketsPipe's result becomes `tickets`. Text without template syntax is kept as is.
pub(crate) fn rewrite(text: &str) -> Rewritten {
    let mut out = Rewritten {
        text: text.to_owned(),
        ..Rewritten::default()
    };
    if !is_template(text) {
        return out;
    }
    let renamed = rename_call(&out.text, "get_env", "env");
    if renamed != out.text {
        out.text = renamed;
        out.changes.push("`get_env(…)` is `env(…)`");
    }
    let mut tickets = out.text.clone();
    for (old, new) in [
        ("'fetched_tickets'", "'tickets'"),
        ("\"fetched_tickets\"", "\"tickets\""),
        (".fetched_tickets", ".tickets"),
    ] {
        tickets = tickets.replace(old, new);
    }
    if tickets != out.text {
        out.text = tickets;
        out.changes
            .push("FetchTicketsPipe's `fetched_tickets` is fetch_tickets' `tickets`");
    }
    out.unsupported = UNSUPPORTED
        .into_iter()
        .filter(|name| calls(&out.text, name))
        .collect();
    out
}

/// `text` with every call of function `old` (`old(`, not `xold(`) renamed to `new`.
fn rename_call(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_call(rest, old) {
        out.push_str(&rest[..at]);
        out.push_str(new);
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    out
}

/// Whether `text` calls function `name`.
fn calls(text: &str, name: &str) -> bool {
    find_call(text, name).is_some()
}

/// Where the first call of `name` starts: `name` followed by optional spaces and `(`, not
/// preceded by a letter, digit, `_` or `.`.
fn find_call(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(name) {
        let at = from + found;
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        let after = text[at + name.len()..].trim_start();
        if before_ok && after.starts_with('(') {
            return Some(at);
        }
        from = at + name.len();
    }
    None
}

/// The variable name when `text` is exactly `{{ get_env('NAME') }}` (either quotes, any
/// spaces) and NAME can be a secret's name (letters, digits, `_`).
pub(crate) fn only_get_env(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let args = inner
        .strip_prefix("get_env")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .trim();
    let name = args
        .strip_prefix('\'')
        .and_then(|a| a.strip_suffix('\''))
        .or_else(|| args.strip_prefix('"').and_then(|a| a.strip_suffix('"')))?;
    is_secret_name(name).then_some(name)
}

/// Whether `name` can name a secret: letters, digits and `_`, not empty.
pub(crate) fn is_secret_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_env_becomes_env_and_fetched_tickets_becomes_tickets() {
        let r = rewrite(
            "{{ get_env('A') }} {{ get_pipe_result('f', 'fetched_tickets')[0].id }} {{ my_get_env('B') }}",
        );
        assert_eq!(
            r.text,
            "{{ env('A') }} {{ get_pipe_result('f', 'tickets')[0].id }} {{ my_get_env('B') }}"
        );
        assert_eq!(r.changes.len(), 2);
        assert!(r.unsupported.is_empty());
    }

    #[test]
    fn text_without_templates_is_kept_even_when_it_names_a_function() {
        let r = rewrite("call get_env('A') and fetched_tickets");
        assert_eq!(r.text, "call get_env('A') and fetched_tickets");
        assert!(r.changes.is_empty());
    }

    #[test]
    fn functions_otai_lacks_are_named() {
        let r = rewrite("{{ 'x' if has_failed('a') else at_path(t, 'b.c') }}");
        assert_eq!(r.unsupported, ["has_failed", "at_path"]);
    }

    #[test]
    fn only_a_lone_get_env_of_a_plain_name_is_a_secret() {
        assert_eq!(only_get_env("{{ get_env('OTAI_PW') }}"), Some("OTAI_PW"));
        assert_eq!(only_get_env(" {{get_env(\"X_1\")}} "), Some("X_1"));
        assert_eq!(only_get_env("{{ get_env('A-B') }}"), None);
        assert_eq!(only_get_env("pw {{ get_env('A') }}"), None);
        assert_eq!(only_get_env("{{ get_env('A') ~ get_env('B') }}"), None);
    }
}
