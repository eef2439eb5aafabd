//! Loading tickets from a YAML or JSON file.

use std::path::Path;

use otai_core::{Error, Result, UnifiedTicket};
use serde_json::Value;

use crate::LocalStore;
use crate::store::db_error;

impl LocalStore {
    /// Loads the tickets in `path` (YAML, or JSON when the name ends in `.json`): a list of
    /// unified tickets, or a map with a `tickets` list. With `only_if_empty`, nothing is loaded
    /// into a store that already has tickets. Returns how many tickets were loaded.
    ///
    /// All or nothing: a bad entry loads none, and the error names the file and the entry.
    pub fn seed_from_file(&self, path: &Path, only_if_empty: bool) -> Result<usize> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!("cannot read seed file: {e}"),
            )
        })?;
        let tickets = parse_seed(path, &text)?;
        self.run_blocking(|conn| {
            if only_if_empty {
                let count: i64 = conn
                    .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
                    .map_err(db_error("count tickets"))?;
                if count > 0 {
                    return Ok(0);
                }
            }
            let tx = conn.transaction().map_err(db_error("begin seed"))?;
            for ticket in &tickets {
                crate::write::insert_ticket(&tx, ticket)?;
            }
            tx.commit().map_err(db_error("commit seed"))?;
            Ok(tickets.len())
        })
    }
}

/// Parses seed text into tickets; errors name the file and the entry's field path.
fn parse_seed(path: &Path, text: &str) -> Result<Vec<UnifiedTicket>> {
    let file = path.display().to_string();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let value: Value = if is_json {
        serde_json::from_str(text)
            .map_err(|e| Error::config(&file, format!("invalid JSON: {e}")))?
    } else {
        serde_yaml::from_str(text)
            .map_err(|e| Error::config(&file, format!("invalid YAML: {e}")))?
    };
    let (list, prefix) = match value {
        Value::Array(list) => (list, ""),
        Value::Object(mut map) => match map.remove("tickets") {
            Some(Value::Array(list)) if map.is_empty() => (list, "tickets"),
            _ => {
                return Err(Error::config(
                    &file,
                    "expected a list of tickets, or a map with only a `tickets` list",
                ));
            }
        },
        _ => return Err(Error::config(&file, "expected a list of tickets")),
    };
    list.into_iter()
        .enumerate()
        .map(|(index, entry)| {
            serde_path_to_error::deserialize::<_, UnifiedTicket>(entry).map_err(|e| {
                let inner = e.path().to_string();
                let at = if inner == "." {
                    String::new()
                } else {
                    format!(".{inner}")
                };
                Error::config(
                    format!("{file}: {prefix}[{index}]{at}"),
                    e.into_inner().to_string(),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(name: &str, text: &str) -> String {
        parse_seed(Path::new(name), text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn accepts_a_list_or_a_tickets_map() -> Result<()> {
        let list = parse_seed(Path::new("s.yml"), "- subject: a\n- subject: b\n")?;
        let map = parse_seed(
            Path::new("s.json"),
            r#"{"tickets": [{"subject": "a"}, {"subject": "b"}]}"#,
        )?;
        assert_eq!(list, map);
        assert_eq!(list.len(), 2);
        Ok(())
    }

    #[test]
    fn bad_entries_name_file_entry_and_field() {
        assert_eq!(
            error_of("s.yml", "- subject: a\n- created: yesterday\n"),
            "config error at s.yml: [1].created: invalid timestamp `yesterday`: expected RFC 3339 \
             (2025-03-14T09:12:01Z), `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`"
        );
        assert_eq!(
            error_of("s.json", r#"{"tickets": [{"queue": {"idd": 1}}]}"#),
            "config error at s.json: tickets[0].queue: unknown field `idd`, expected `id` or `name`"
        );
    }

    #[test]
    fn wrong_shapes_are_explained() {
        assert_eq!(
            error_of("s.yml", "42\n"),
            "config error at s.yml: expected a list of tickets"
        );
        assert_eq!(
            error_of("s.yml", "tickets: 3\n"),
            "config error at s.yml: expected a list of tickets, or a map with only a `tickets` list"
        );
        assert!(error_of("s.json", "[{").starts_with("config error at s.json: invalid JSON: "));
        assert!(error_of("s.yml", "- [").starts_with("config error at s.yml: invalid YAML: "));
    }
}
