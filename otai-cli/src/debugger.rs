//! `otai debugger`: the Generic Interface debugger's record of provider communications.

use std::process::ExitCode;

use otai_pipeline::Registry;
use otai_serve::Settings;
use otai_state::{DebugEntry, DebugFilter, DebuggerLog, SqliteStore};
use serde_json::json;

use crate::args::{DebuggerArgs, DebuggerOperation};
use crate::failure::Failure;
use crate::inputs::load_checked;
use crate::output::Output;

pub(crate) fn debugger(
    args: DebuggerArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let engine = load_checked(&args.config, registry, true, output)?;
    let settings = Settings::read(&engine)?;
    let Some(path) = settings.state_path(&args.config.config) else {
        return Err(Failure::bad_input(
            "`state.path` is `:memory:`: the debugger's record is gone with the server",
        ));
    };
    let store = SqliteStore::open(&path).map_err(Failure::failed)?;
    match args.operation {
        DebuggerOperation::List {
            webservice,
            since,
            limit,
        } => {
            let since = since.as_deref().map(since_time).transpose()?;
            let filter = DebugFilter {
                webservice,
                since,
                limit,
            };
            let rows = store.list(&filter).map_err(Failure::failed)?;
            if args.json {
                print_json(output, json!(rows))?;
                return Ok(ExitCode::SUCCESS);
            }
            for row in rows {
                output.line(&format!(
                    "{:>8}  {}  {:<6}  {:<24}  {:<18}  {:>6} ms  {}  {}",
                    row.id,
                    row.created_at,
                    row.level.as_str(),
                    row.webservice,
                    row.operation.unwrap_or_else(|| "-".into()),
                    row.duration_ms,
                    row.remote_addr.unwrap_or_else(|| "-".into()),
                    row.error
                        .map(|e| otai_core::error::shorten(&e, 80))
                        .unwrap_or_default()
                ));
            }
        }
        DebuggerOperation::Show { id } => {
            let entry = store
                .show(id)
                .map_err(Failure::failed)?
                .ok_or_else(|| Failure::bad_input(format!("no communication {id}")))?;
            if args.json {
                print_json(output, json!(entry))?;
            } else {
                show(output, &entry);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One communication for a person: its fields, then each body under a heading. Every line
/// passes [`Output::line`], so it is redacted and its control characters escaped.
fn show(output: &Output, entry: &DebugEntry) {
    let s = &entry.summary;
    let none = || "-".to_owned();
    output.line(&format!("id:          {}", s.id));
    output.line(&format!("time:        {}", s.created_at));
    output.line(&format!("level:       {}", s.level.as_str()));
    output.line(&format!("webservice:  {}", s.webservice));
    output.line(&format!(
        "operation:   {}",
        s.operation.clone().unwrap_or_else(none)
    ));
    output.line(&format!(
        "remote:      {}",
        s.remote_addr.clone().unwrap_or_else(none)
    ));
    output.line(&format!("duration:    {} ms", s.duration_ms));
    let bodies = [
        ("error", s.error.as_deref()),
        ("request", Some(entry.request.as_str())),
        ("mapped request", entry.mapped_request.as_deref()),
        ("response", entry.response.as_deref()),
    ];
    for (heading, body) in bodies {
        if let Some(body) = body {
            output.line(&format!("--- {heading}"));
            for line in body.lines() {
                output.line(line);
            }
        }
    }
}

fn print_json(output: &Output, value: serde_json::Value) -> Result<(), Failure> {
    output
        .json(value)
        .map_err(|e| Failure::bad_input(format!("cannot print JSON: {e}")))
}

/// `--since`: an RFC 3339 time, or a while before now (`90s`, `30m`, `2h`, `7d`), as the
/// store writes times (UTC, microseconds).
fn since_time(text: &str) -> Result<String, Failure> {
    let format =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(format(time.to_utc()));
    }
    let bad = || {
        Failure::bad_input(format!(
            "--since `{}`: expected a time (2026-01-01T00:00:00Z) or a while (90s, 30m, 2h, 7d)",
            otai_core::error::shorten(text, 40)
        ))
    };
    let unit_at = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(unit_at);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => Some(number),
        "m" => number.checked_mul(60),
        "h" => number.checked_mul(3600),
        "d" => number.checked_mul(86_400),
        _ => None,
    };
    let while_ = seconds
        .filter(|s| *s >= 0)
        .and_then(chrono::TimeDelta::try_seconds)
        .ok_or_else(bad)?;
    chrono::Utc::now()
        .checked_sub_signed(while_)
        .map(format)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_times_and_whiles() {
        assert_eq!(
            since_time("2026-01-01T01:00:00+01:00").ok().as_deref(),
            Some("2026-01-01T00:00:00.000000Z")
        );
        let two_hours = since_time("2h").ok().unwrap_or_default();
        let expected = chrono::Utc::now() - chrono::TimeDelta::hours(2);
        assert!(two_hours.starts_with(&expected.format("%Y-%m-%dT%H").to_string()));
        for bad in ["", "h", "2w", "-2h", "99999999999999d", "yesterday"] {
            let failure = since_time(bad).err();
            let lines = failure.map(|f| f.lines).unwrap_or_default();
            assert_eq!(lines.len(), 1, "{bad}");
            assert!(lines[0].contains("--since"), "{bad}: {lines:?}");
        }
    }
}
