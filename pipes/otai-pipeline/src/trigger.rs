//! When a pipeline runs: once, every interval, or on a cron schedule.

use std::str::FromStr;
use std::time::Duration;

use chrono::Utc;
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
    /// Run at each time of the schedule.
    Cron(Box<cron::Schedule>),
}

impl Trigger {
    /// Parses a trigger definition; the error says what is wrong.
    pub fn from_def(def: &TriggerDef) -> Result<Self, String> {
        match (&def.every, &def.cron) {
            (Some(_), Some(_)) => Err("give either `every` or `cron`, not both".into()),
            (Some(every), None) => parse_duration(every).map(Self::Every),
            (None, Some(expr)) => {
                let fields = expr.split_whitespace().count();
                let full = if fields == 5 {
                    format!("0 {expr}")
                } else {
                    expr.clone()
                };
                cron::Schedule::from_str(&full)
                    .map(|s| Self::Cron(Box::new(s)))
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
            Self::Cron(schedule) => {
                let next = schedule.upcoming(Utc).next()?;
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
        }
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
