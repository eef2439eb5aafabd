//! `otai tickets history`: a ticket's history as a table (TIME, BY, WHAT) or JSON.

use otai_core::UnifiedHistoryEntry;

use crate::failure::Failure;
use crate::output::Output;

/// Prints `history` as exact JSON (redacted) or as a table whose cells are shown to a person
/// (redacted, control characters escaped).
pub(crate) fn print(
    history: &[UnifiedHistoryEntry],
    json: bool,
    output: &Output,
) -> Result<(), Failure> {
    if json {
        return serde_json::to_value(history)
            .and_then(|v| output.json(v))
            .map_err(|e| Failure::from(otai_core::Error::invalid_input("output", e.to_string())));
    }
    let rows: Vec<[String; 3]> = history
        .iter()
        .map(|entry| {
            [
                entry
                    .time
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".to_owned()),
                entry.by.clone().unwrap_or_else(|| "-".to_owned()),
                entry.summary().replace(['\n', '\r'], " "),
            ]
            .map(|cell| output.shown(&cell))
        })
        .collect();
    let header = ["TIME", "BY", "WHAT"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (time, by) = (width(0), width(1));
    let line = |cells: [&str; 3]| format!("{:<time$}  {:<by$}  {}", cells[0], cells[1], cells[2]);
    output.line(&line(header));
    for row in &rows {
        output.line(&line([&row[0], &row[1], &row[2]]));
    }
    output.line(&format!("({} entries)", rows.len()));
    Ok(())
}
