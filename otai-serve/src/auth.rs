//! Who is calling: bearer tokens and Basic credentials, compared in constant time.

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// An account's credential.
#[derive(Clone)]
pub(crate) enum Credential {
    /// `Authorization: Bearer <token>`.
    Token(SecretString),
    /// `Authorization: Basic base64(user:password)`.
    Basic(String, SecretString),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Token(***)"),
            Credential::Basic(user, _) => write!(f, "Basic({user}, ***)"),
        }
    }
}

/// What a request presented.
pub(crate) enum Presented {
    /// A bearer token.
    Token(String),
    /// A Basic user and password.
    Basic(String, String),
}

/// The credentials in an `Authorization` header value, if it holds any otai understands.
pub(crate) fn presented(header: &str) -> Option<Presented> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Presented::Token(rest.to_owned()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, password) = decoded.split_once(':')?;
        return Some(Presented::Basic(user.to_owned(), password.to_owned()));
    }
    None
}

impl Credential {
    /// Whether `presented` is this credential. The time taken depends only on this
    /// credential's length, never on where the presented one differs.
    pub(crate) fn accepts(&self, presented: &Presented) -> bool {
        match (self, presented) {
            (Credential::Token(token), Presented::Token(given)) => {
                same(given.as_bytes(), token.expose_secret().as_bytes())
            }
            (Credential::Basic(user, password), Presented::Basic(given_user, given_password)) => {
                // Both compared, always: `&` does not short-circuit.
                same(given_user.as_bytes(), user.as_bytes())
                    & same(
                        given_password.as_bytes(),
                        password.expose_secret().as_bytes(),
                    )
            }
            _ => false,
        }
    }
}

/// Constant-time equality, in time proportional to `expected`'s length.
fn same(given: &[u8], expected: &[u8]) -> bool {
    let given_len = given.len() as u64;
    let expected_len = expected.len() as u64;
    let mut equal = given_len.ct_eq(&expected_len);
    for (i, byte) in expected.iter().enumerate() {
        // Past the end of `given` a zero is compared: the lengths differ, so `equal` is false.
        equal &= given.get(i).copied().unwrap_or(0).ct_eq(byte);
    }
    equal.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str) -> Credential {
        Credential::Token(SecretString::from(text.to_owned()))
    }

    #[test]
    fn tokens_match_only_exactly() {
        let credential = token("s3cret");
        for (given, expected) in [
            ("s3cret", true),
            ("s3cre", false),
            ("s3cret!", false),
            ("S3cret", false),
            ("", false),
        ] {
            assert_eq!(
                credential.accepts(&Presented::Token(given.to_owned())),
                expected,
                "{given}"
            );
        }
    }

    #[test]
    fn basic_needs_both_user_and_password() -> Result<(), Box<dyn std::error::Error>> {
        let credential = Credential::Basic("nagios".into(), SecretString::from("pw".to_owned()));
        let header = |user_password: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(user_password)
            )
        };
        let accepts = |text: &str| presented(text).is_some_and(|p| credential.accepts(&p));
        assert!(accepts(&header("nagios:pw")));
        assert!(!accepts(&header("nagios:px")));
        assert!(!accepts(&header("other:pw")));
        assert!(!accepts(&header("nagios")));
        assert!(!accepts("Basic not-base64!"));
        assert!(!accepts("Bearer pw"));
        assert!(format!("{credential:?}").contains("***"));
        assert!(!format!("{credential:?}").contains("pw"));
        Ok(())
    }
}
