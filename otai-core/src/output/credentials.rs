//! Credentials by the name they are sent under: redacted wherever a text shows one with its
//! value (`SessionID=…`, `"Password":"…"`, `<SessionID>…</SessionID>`,
//! `Authorization: token …`), even when their values were never handed to the redactor.

use std::borrow::Cow;

use super::HIDDEN;

/// Names credentials travel under, lower case (matched without regard to case, as whole words).
const CREDENTIAL_NAMES: [&str; 12] = [
    "sessionid",
    "session_id",
    "password",
    "passwd",
    "twofactortoken",
    "token",
    "access_token",
    "api_token",
    "api_key",
    "apikey",
    "secret",
    "authorization",
];

/// Quotes around keys and values as texts show them: plain, escaped in JSON, escaped in HTML.
const QUOTES: [&str; 7] = ["\\\"", "\\'", "\"", "'", "&quot;", "&#34;", "&#39;"];

/// Authorization schemes whose next word is the credential.
const SCHEMES: [&str; 4] = ["basic ", "bearer ", "token ", "digest "];

/// Whether a config key names a credential (`password`, `token`, `api_key`, `SessionID`, …),
/// whose value is then hidden wherever it shows.
///
/// ```
/// use otai_core::output::is_credential_key;
///
/// assert!(is_credential_key("password") && is_credential_key("API-Token"));
/// assert!(!is_credential_key("username") && !is_credential_key("base_url"));
/// ```
pub fn is_credential_key(key: &str) -> bool {
    let plain: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    CREDENTIAL_NAMES
        .iter()
        .any(|name| name.replace('_', "") == plain)
}

/// `text` with the value of every credential shown with its name replaced by `***`.
pub(super) fn redact_credentials(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for name in CREDENTIAL_NAMES {
        for (at, _) in lower.match_indices(name) {
            let end = at + name.len();
            let word =
                !lower[..at].ends_with(is_word_byte) && !lower[end..].starts_with(is_word_byte);
            if let Some(span) = word.then(|| value_after(text, &lower, at, end)).flatten() {
                spans.push(span);
            }
        }
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        if start < done {
            continue;
        }
        out.push_str(&text[done..start]);
        out.push_str(HIDDEN);
        done = end;
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

fn is_word_byte(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The byte span of the value shown after the credential name at `name_at..name_end`, when the
/// text shows one: `name=value`, `"name": "value"`, `<name>value<`, `authorization: scheme value`.
fn value_after(text: &str, lower: &str, name_at: usize, name_end: usize) -> Option<(usize, usize)> {
    let rest = &lower[name_end..];
    let quote_after_name = QUOTES.iter().find(|q| rest.starts_with(**q));
    let after_quote = name_end + quote_after_name.map_or(0, |q| q.len());
    let trimmed = lower[after_quote..].trim_start_matches(' ');
    let separator_at = lower.len() - trimmed.len();
    let start =
        if trimmed.starts_with('=') || (quote_after_name.is_some() && trimmed.starts_with(':')) {
            separator_at + 1
        } else if trimmed.starts_with(':') && lower[name_at..].starts_with("authorization") {
            let scheme = lower[separator_at + 1..].trim_start_matches(' ');
            let scheme_len = SCHEMES.iter().find(|s| scheme.starts_with(**s))?.len();
            lower.len() - scheme.len() + scheme_len
        } else if rest.starts_with('>') && lower[..name_at].ends_with(['<', ':']) {
            name_end + 1
        } else if rest.starts_with("&gt;") && lower[..name_at].ends_with("&lt;") {
            name_end + 4
        } else {
            return None;
        };
    let value = &text[start..];
    let skipped = value.len() - value.trim_start_matches(' ').len();
    let start = start + skipped;
    let value = &text[start..];
    let (open, len) = match QUOTES.iter().find(|q| value.starts_with(**q)) {
        Some(quote) => {
            let inner = &value[quote.len()..];
            (
                quote.len(),
                inner.find(*quote).unwrap_or_else(|| bare_len(inner)),
            )
        }
        None => (0, bare_len(value)),
    };
    let (start, end) = (start + open, start + open + len);
    (len > 0 && &text[start..end] != HIDDEN).then_some((start, end))
}

/// The length of a value written without quotes: up to the next space, quote or delimiter.
fn bare_len(value: &str) -> usize {
    value
        .find(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '&' | '"'
                        | '\''
                        | '<'
                        | '>'
                        | ','
                        | ';'
                        | '{'
                        | '}'
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '\\'
                        | '|'
                )
        })
        .unwrap_or(value.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_shown_with_their_names_are_hidden() {
        let cases = [
            (
                "GET /otobo/Ticket?SessionID=s3ss10n&UserLogin=agent",
                "GET /otobo/Ticket?SessionID=***&UserLogin=agent",
            ),
            (
                r#"{"UserLogin":"agent","Password":"hunter 2","Ticket":{}}"#,
                r#"{"UserLogin":"agent","Password":"***","Ticket":{}}"#,
            ),
            (
                r#"body: {\"SessionID\": \"s3ss10n\"}"#,
                r#"body: {\"SessionID\": \"***\"}"#,
            ),
            (
                "<tns:SessionID>s3ss10n</tns:SessionID><SessionID>x</SessionID>",
                "<tns:SessionID>***</tns:SessionID><SessionID>***</SessionID>",
            ),
            (
                "&lt;SessionID&gt;s3ss10n&lt;/SessionID&gt; &quot;password&quot;:&quot;pw&quot;",
                "&lt;SessionID&gt;***&lt;/SessionID&gt; &quot;password&quot;:&quot;***&quot;",
            ),
            (
                "Authorization: token 1-14-abc\nAuthorization: Basic YWdlbnQ6cHc=",
                "Authorization: token ***\nAuthorization: Basic ***",
            ),
            ("?token=abc&access_token=def", "?token=***&access_token=***"),
        ];
        for (text, shown) in cases {
            assert_eq!(redact_credentials(text), shown, "{text}");
        }
    }

    #[test]
    fn prose_and_other_words_are_left_alone() {
        for text in [
            "config error at params.password: missing (tip: `password: '${{ secrets.PW }}'`)",
            "authentication failed: SessionCreate: Authorization failing!",
            "Error deserializing message: unclosed token",
            "passwords=3 tokenize=yes mysecret=x",
            "SessionID=***",
            "a password field",
        ] {
            assert_eq!(redact_credentials(text), text);
        }
    }
}
