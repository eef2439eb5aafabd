//! Server text for error messages, with the configured secrets taken out: a proxy page or an RT
//! error may echo the token (or password) it was sent.

/// What replaces a secret.
const MASK: &[u8] = b"***";

/// The first `keep` bytes of `text` (lossy UTF-8), with every occurrence of a non-empty secret
/// replaced by `***`. A secret that starts within `keep` is replaced whole even when it runs past
/// it, so no prefix of a secret survives the cut. Costs `O(keep × total secret length)`.
pub(crate) fn redact(text: &[u8], keep: usize, secrets: &[&[u8]]) -> String {
    let mut out = Vec::with_capacity(keep.min(text.len()));
    let mut at = 0;
    while at < text.len() && at < keep {
        let rest = &text[at..];
        match secrets
            .iter()
            .find(|secret| !secret.is_empty() && rest.starts_with(secret))
        {
            Some(secret) => {
                out.extend_from_slice(MASK);
                at += secret.len();
            }
            None => {
                out.push(text[at]);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &[u8] = b"1-14-0123456789abcdef";

    #[test]
    fn every_occurrence_is_masked() {
        let text = b"<p>bad token 1-14-0123456789abcdef</p>token=1-14-0123456789abcdef&x";
        assert_eq!(
            redact(text, 1_000, &[TOKEN]),
            "<p>bad token ***</p>token=***&x"
        );
    }

    #[test]
    fn a_secret_across_the_cut_is_masked_whole() {
        let text = b"abc 1-14-0123456789abcdef tail";
        assert_eq!(redact(text, 6, &[TOKEN]), "abc ***");
        assert_eq!(redact(text, 3, &[TOKEN]), "abc");
    }

    #[test]
    fn empty_secrets_and_invalid_utf8_are_harmless() {
        assert_eq!(redact(b"a\xffb", 10, &[b"", b"zz"]), "a\u{fffd}b");
        assert_eq!(redact(b"", 10, &[TOKEN]), "");
    }
}
