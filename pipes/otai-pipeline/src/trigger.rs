//! When a pipeline runs: once, every interval, or on a cron schedule.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::config::TriggerDef;

/// A parsed trigger.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Trigger {
    /// Run once.
    Once,
    /// Run, then wait this long, and again.
    Every(Duration),
    /// Run at each time of the schedule, read in `tz` (`None`: the system time zone).
    Cron {
        /// The schedule.
        schedule: Box<cron::Schedule>,
        /// The time zone its times are in; `None` for the system's.
        tz: Option<Tz>,
    },
}

impl Trigger {
    /// Parses a trigger definition; the error says what is wrong.
    pub fn from_def(def: &TriggerDef) -> Result<Self, String> {
        if def.tz.is_some() && def.cron.is_none() {
            return Err("`tz` applies only to a `cron` schedule".into());
        }
        match (&def.every, &def.cron) {
            (Some(_), Some(_)) => Err("give either `every` or `cron`, not both".into()),
            (Some(every), None) => parse_duration(every).map(Self::Every),
            (None, Some(expr)) => {
                let tz = def.tz.as_deref().map(parse_tz).transpose()?;
                let fields = expr.split_whitespace().count();
                let full = if fields == 5 {
                    format!("0 {expr}")
                } else {
                    expr.clone()
                };
                cron::Schedule::from_str(&full)
                    .map(|s| Self::Cron {
                        schedule: Box::new(s),
                        tz,
                    })
                    .map_err(|e| {
                        // The parser's message repeats the expression over several lines; its
                        // last line says what is wrong.
                        format!(
                            "invalid cron expression `{expr}` (minute hour day month weekday): {}",
                            otai_core::error::last_line(&e.to_string())
                        )
                    })
            }
            (None, None) => Ok(Self::Once),
        }
    }

    /// How long to wait before the next run; `None` when the trigger runs only once.
    pub fn next_delay(&self) -> Option<Duration> {
        match self {
            Self::Once => None,
            Self::Every(d) => Some(*d),
            Self::Cron { schedule, tz } => {
                let next = match tz {
                    Some(tz) => next_time(schedule, *tz),
                    None => next_time(schedule, chrono::Local),
                }?;
                Some((next - Utc::now()).to_std().unwrap_or_default())
            }
        }
    }
}

/// A duration as a trigger's interval is written: `30s`, `5m`, `2h`, `1d`, or a number of
/// seconds; at least one second.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    parse_duration(&Value::String(text.to_owned()))
}

/// The next time of `schedule` read in `zone`, in UTC.
fn next_time<Z: TimeZone>(schedule: &cron::Schedule, zone: Z) -> Option<DateTime<Utc>> {
    schedule
        .upcoming(zone)
        .next()
        .map(|t| t.with_timezone(&Utc))
}

/// An IANA time zone name (`Europe/Berlin`, `UTC`); an unknown one gets close names.
fn parse_tz(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        // The suggester looks at a bounded number of names: ask it chunk by chunk, then once
        // more among the close ones.
        let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        let close: Vec<&str> = names
            .chunks(200)
            .flat_map(|chunk| otai_core::registry::closest_names(name, chunk.iter().copied()))
            .collect();
        let close = otai_core::registry::closest_names(name, close.into_iter());
        let suggestion = if close.is_empty() {
            String::new()
        } else {
            format!(
                "; did you mean {}?",
                otai_core::registry::quote_list(&close)
            )
        };
        format!(
            "unknown time zone `{name}`{suggestion} (an IANA name such as `Europe/Berlin` or `UTC`)"
        )
    })
}

/// `30s`, `5m`, `2h`, `1d`, or a number of seconds.
fn parse_duration(value: &Value) -> Result<Duration, String> {
    let bad = || {
        format!(
            "invalid interval `{value}`: use e.g. `30s`, `5m`, `1h`, `1d` or a number of seconds"
        )
    };
    let seconds = match value {
        Value::Number(n) => n.as_f64().ok_or_else(bad)?,
        Value::String(s) => {
            let s = s.trim();
            let (number, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
            let n: f64 = number.trim().parse().map_err(|_| bad())?;
            n * match unit.trim() {
                "" | "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                "d" => 86400.0,
                _ => return Err(bad()),
            }
        }
        _ => return Err(bad()),
    };
    if seconds.is_finite() && seconds >= 1.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!("invalid interval `{value}`: at least one second"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(every: Option<Value>, cron: Option<&str>) -> TriggerDef {
        TriggerDef {
            every,
            cron: cron.map(str::to_owned),
            tz: None,
        }
    }

    fn in_tz(cron: &str, tz: &str) -> TriggerDef {
        TriggerDef {
            tz: Some(tz.to_owned()),
            ..def(None, Some(cron))
        }
    }

    #[test]
    fn cron_reads_its_times_in_the_named_time_zone() {
        let trigger = Trigger::from_def(&in_tz("0 9 * * *", "Asia/Kolkata"));
        let Ok(Trigger::Cron {
            schedule,
            tz: Some(tz),
        }) = trigger
        else {
            panic!("expected a cron trigger with a time zone, got {trigger:?}");
        };
        let next = next_time(&schedule, tz).map(|t| t.format("%H:%M").to_string());
        // 09:00 in Kolkata (UTC+05:30, no daylight saving) is 03:30 UTC.
        assert_eq!(next.as_deref(), Some("03:30"));
    }

    #[test]
    fn unknown_time_zones_and_tz_without_cron_are_refused() {
        let wrong = Trigger::from_def(&in_tz("0 9 * * *", "Europe/Berlinn")).err();
        assert!(
            wrong
                .as_deref()
                .is_some_and(|e| e.starts_with("unknown time zone `Europe/Berlinn`")
                    && e.contains("`Europe/Berlin`")),
            "{wrong:?}"
        );
        let every = TriggerDef {
            tz: Some("UTC".into()),
            ..def(Some(json!("5m")), None)
        };
        assert_eq!(
            Trigger::from_def(&every).err().as_deref(),
            Some("`tz` applies only to a `cron` schedule")
        );
    }

    #[test]
    fn parses_intervals_and_cron() {
        assert!(matches!(
            Trigger::from_def(&def(None, None)),
            Ok(Trigger::Once)
        ));
        assert!(
            matches!(Trigger::from_def(&def(Some(json!("5m")), None)), Ok(Trigger::Every(d)) if d == Duration::from_secs(300))
        );
        assert!(
            matches!(Trigger::from_def(&def(Some(json!(90)), None)), Ok(Trigger::Every(d)) if d == Duration::from_secs(90))
        );
        let cron = Trigger::from_def(&def(None, Some("*/5 * * * *")));
        assert!(cron.as_ref().is_ok_and(|t| {
            t.next_delay()
                .is_some_and(|d| d <= Duration::from_secs(300))
        }));
    }

    #[test]
    fn rejects_bad_triggers_with_a_reason() {
        assert_eq!(
            Trigger::from_def(&def(Some(json!("5 parsecs")), None))
                .err()
                .as_deref(),
            Some(
                "invalid interval `\"5 parsecs\"`: use e.g. `30s`, `5m`, `1h`, `1d` or a number of seconds"
            )
        );
        assert_eq!(
            Trigger::from_def(&def(Some(json!(0)), None))
                .err()
                .as_deref(),
            Some("invalid interval `0`: at least one second")
        );
        assert!(
            Trigger::from_def(&def(None, Some("every day")))
                .err()
                .is_some_and(|e| e.starts_with("invalid cron expression `every day`"))
        );
        assert_eq!(
            Trigger::from_def(&def(Some(json!("1m")), Some("* * * * *")))
                .err()
                .as_deref(),
            Some("give either `every` or `cron`, not both")
        );
    }
}
