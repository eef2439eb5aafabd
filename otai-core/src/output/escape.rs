//! The one escaper: what a terminal would act on, written out as text.

use std::borrow::Cow;

/// Whether a terminal or a text renderer would act on `c` instead of showing it: control
/// characters (C0 with tab, CR and LF, DEL, C1 with the 8-bit CSI), bidirectional embeddings,
/// overrides, isolates and marks, zero-width characters, the byte order mark, the line and
/// paragraph separators, and the invisible tag characters (text hidden in plain sight).
fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// `text` with every character a terminal would act on written as an escape: `\n`, `\t`, `\r`,
/// `\u{1b}`, `\u{202e}`. Everything else, backslashes and quotes included, stays as it is.
/// Borrowed when there is nothing to escape.
///
/// ```
/// use otai_core::output::escape_controls;
///
/// assert_eq!(escape_controls("\u{1b}]0;owned\u{7}"), "\\u{1b}]0;owned\\u{7}");
/// assert_eq!(escape_controls("a\nb\u{202e}c"), "a\\nb\\u{202e}c");
/// assert_eq!(escape_controls("plain \"text\" ✓"), "plain \"text\" ✓");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !acts_on_terminal(c) {
            out.push(c);
        } else if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.extend(c.escape_unicode());
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_a_terminal_acts_on_is_written_out() {
        let cases = [
            ("\u{1b}[2J", "\\u{1b}[2J"),
            ("\u{1b}]0;title\u{7}", "\\u{1b}]0;title\\u{7}"),
            ("a\rb", "a\\rb"),
            ("tab\there", "tab\\there"),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("\u{7f}", "\\u{7f}"),
            ("\u{0}", "\\u{0}"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("\u{2066}x\u{2069}", "\\u{2066}x\\u{2069}"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("line\u{2028}sep", "line\\u{2028}sep"),
            ("\u{feff}bom", "\\u{feff}bom"),
            ("hidden\u{e0041}\u{e0042}", "hidden\\u{e0041}\\u{e0042}"),
        ];
        for (text, shown) in cases {
            assert_eq!(escape_controls(text), shown, "{text:?}");
        }
    }

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        for text in [
            "",
            "Printer on fire",
            "ümlaut ✓ 日本",
            "back\\slash \"q\" 'q'",
        ] {
            assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
        }
    }
}
