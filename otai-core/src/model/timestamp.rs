//! Lenient timestamp parsing for values people type into YAML and helpdesks put on the wire.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::Timestamp;

/// The servers' own form (OTOBO, Znuny and RT send it), read as UTC.
const SERVER_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// Parses RFC 3339 (`2025-03-14T09:12:01Z`), `YYYY-MM-DD HH:MM:SS` (taken as UTC) or a bare date
/// `YYYY-MM-DD` (midnight UTC).
///
/// ```
/// use otai_core::model::parse_timestamp;
/// let a = parse_timestamp("2025-03-14 09:12:01").unwrap();
/// let b = parse_timestamp("2025-03-14T09:12:01Z").unwrap();
/// assert_eq!(a, b);
/// assert!(parse_timestamp("14.03.2025").is_none());
/// ```
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    // The servers' form digit by digit; its other spellings (fewer digits, a leap second) by
    // chrono.
    if let Some(t) = server_time(text) {
        return Some(t);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, SERVER_TIME) {
        return Some(t.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Exactly `YYYY-MM-DD HH:MM:SS`, digit by digit: the form servers send on every ticket.
/// `None` for anything else (the general parser then decides) and for impossible dates.
fn server_time(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if b.len() != 19 || separators.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let number = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?;
    let time = date.and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
    Some(time.and_utc())
}

/// Serde helper: an optional timestamp in any form [`parse_timestamp`] accepts; `""` is absent.
pub(crate) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse_timestamp(t).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid timestamp `{t}`: expected RFC 3339 (2025-03-14T09:12:01Z), \
                 `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`"
            ))
        }),
    }
}

/// Serde helper for times a server sends: a string in any form [`parse_timestamp`] accepts,
/// read where it lies (no copy). A time that does not parse, `""`, a number or null is
/// absent, as a helpdesk's odd value must not fail the whole reply; a list or a map is an
/// error.
///
/// Use with `#[serde(default, deserialize_with = "otai_core::model::lenient_timestamp")]`.
pub fn lenient_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    d.deserialize_any(ServerTime)
}

/// Reads [`lenient_timestamp`].
struct ServerTime;

impl<'de> serde::de::Visitor<'de> for ServerTime {
    type Value = Option<Timestamp>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a time (`YYYY-MM-DD HH:MM:SS`)")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(parse_timestamp(v))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_times_are_read_leniently_and_shapes_refused() {
        let read = |json: &str| {
            let mut de = serde_json::Deserializer::from_str(json);
            lenient_timestamp(&mut de).map(|t| t.map(|t| t.to_rfc3339()))
        };
        let expected = Some("2025-03-14T09:12:01+00:00".to_owned());
        assert_eq!(
            read(r#""2025-03-14 09:12:01""#).ok(),
            Some(expected.clone())
        );
        assert_eq!(read(r#""2025-03-14 09:12:\u00301""#).ok(), Some(expected));
        for absent in [r#""""#, r#""14.03.2025""#, "null", "0", "-1", "1.5"] {
            assert_eq!(read(absent).ok(), Some(None), "{absent}");
        }
        for refused in ["[]", r#"{"a": 1}"#, "true"] {
            assert!(read(refused).is_err(), "{refused}");
        }
    }

    fn at(text: &str) -> Option<String> {
        parse_timestamp(text).map(|t| t.to_rfc3339())
    }

    #[test]
    fn every_accepted_form_reads_the_same_instant() {
        let expected = Some("2025-03-14T09:12:01+00:00".to_owned());
        for text in [
            "2025-03-14 09:12:01",
            " 2025-03-14 09:12:01 ",
            "2025-03-14T09:12:01",
            "2025-03-14T09:12:01Z",
            "2025-03-14T10:12:01+01:00",
        ] {
            assert_eq!(at(text), expected, "{text}");
        }
        assert_eq!(
            at("2025-03-14 09:12"),
            Some("2025-03-14T09:12:00+00:00".into())
        );
        assert_eq!(at("2025-03-14"), Some("2025-03-14T00:00:00+00:00".into()));
    }

    #[test]
    fn the_server_form_reads_as_the_general_parser_reads_it() {
        for text in [
            "2025-03-14 09:12:01",
            "1999-12-31 23:59:59",
            "2024-02-29 00:00:00",
            "2025-02-29 00:00:00",
            "2025-03-14 24:00:00",
            "2025-03-14 09:60:00",
            "2025-13-01 00:00:00",
            "2025-03-14 09:12:0x",
            "2025-03-14T09:12:01",
            "+025-03-14 09:12:01",
        ] {
            let general = NaiveDateTime::parse_from_str(text, SERVER_TIME)
                .ok()
                .map(|t| t.and_utc());
            let fast = server_time(text);
            // Where the fast path answers, it answers as the general parser; else that decides.
            assert!(fast.is_none() || fast == general, "{text}");
            assert_eq!(
                parse_timestamp(text).is_some(),
                general.is_some() || text.contains('T')
            );
        }
        for read in [
            "2025-03-14 09:12:01",
            "1999-12-31 23:59:59",
            "2024-02-29 00:00:00",
        ] {
            assert!(server_time(read).is_some(), "{read}");
        }
    }

    #[test]
    fn impossible_or_other_forms_are_refused() {
        for text in [
            "2025-02-30 09:12:01",
            "2025-03-14 25:12:01",
            "2025-03-14 09:12:01 trailing",
            "14.03.2025",
            "",
        ] {
            assert_eq!(at(text), None, "{text}");
        }
    }
}
