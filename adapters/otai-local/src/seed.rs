//! Loading tickets from a YAML or JSON file.

use std::path::Path;

use otai_core::{Error, Result, UnifiedTicket};
use otai_yaml::{FileError, NodeId};
use rusqlite::Connection;
use serde_json::Value;

use crate::LocalStore;
use crate::error::db_error;
use crate::store::Access;

/// The largest seed file read, in bytes.
const MAX_SEED_BYTES: u64 = 16 << 20;

/// Tickets read from a seed file, ready to load.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    file: String,
    tickets: Vec<UnifiedTicket>,
    only_if_empty: bool,
}

impl Seed {
    /// Reads and checks the seed file at `path`; errors are config errors naming the file, the
    /// line and the entry's field.
    pub(crate) fn read(path: &Path, only_if_empty: bool) -> Result<Self> {
        let file = path.display().to_string();
        let text = otai_yaml::read_file(path, MAX_SEED_BYTES).map_err(|e| match e {
            FileError::TooLarge { max_bytes } => Error::config(
                &file,
                format!("the seed file is larger than {max_bytes} bytes"),
            ),
            e => Error::config(&file, format!("cannot read seed file: {e}")),
        })?;
        let tickets = parse_seed(path, &text)?;
        Ok(Self {
            file,
            tickets,
            only_if_empty,
        })
    }

    /// The seed file, as given.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// Loads the tickets, all or none; with `only_if_empty`, only into a store without tickets.
    /// Counting and loading are one transaction that holds the database's write lock from the
    /// start, so two processes never both find the store empty. Returns how many were loaded.
    pub(crate) fn load(&self, conn: &mut Connection) -> Result<usize> {
        let tx = crate::write::begin(conn, "begin seed")?;
        if self.only_if_empty {
            let count: i64 = tx
                .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
                .map_err(db_error("count tickets"))?;
            if count > 0 {
                return Ok(0);
            }
        }
        for ticket in &self.tickets {
            crate::write::insert_ticket(&tx, ticket)?;
        }
        tx.commit().map_err(db_error("commit seed"))?;
        Ok(self.tickets.len())
    }
}

impl LocalStore {
    /// Loads the tickets in `path` (YAML, or JSON, which is YAML too): a list of unified
    /// tickets, or a map with a `tickets` list. With `only_if_empty`, nothing is loaded into a
    /// store that already has tickets. Returns how many tickets were loaded.
    ///
    /// All or nothing: a bad entry loads none, and the error names the file, the line and the
    /// entry. The file is read like a configuration: at most 16 MiB, no aliases, nesting
    /// bounded.
    pub fn seed_from_file(&self, path: &Path, only_if_empty: bool) -> Result<usize> {
        let seed = Seed::read(path, only_if_empty)?;
        self.run_blocking(Access::Write, |conn| seed.load(conn))
    }
}

/// Parses seed text into tickets; errors name the file, the line and the entry's field path.
fn parse_seed(path: &Path, text: &str) -> Result<Vec<UnifiedTicket>> {
    let file = path.display().to_string();
    let at = |line: usize| format!("{file}:{line}");
    let format = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        "JSON"
    } else {
        "YAML"
    };
    let document = otai_yaml::read(text)
        .map_err(|e| Error::config(at(e.line), format!("invalid {format}: {}", e.message)))?;
    let lines = &document.lines;
    let root = NodeId::default();
    let (list, list_node, prefix) = match document.value {
        Value::Array(list) => (list, root, ""),
        Value::Object(mut map) => match map.remove("tickets") {
            Some(Value::Array(list)) if map.is_empty() => (
                list,
                lines.child(root, "tickets").unwrap_or(root),
                "tickets",
            ),
            _ => {
                return Err(Error::config(
                    at(lines.line(root)),
                    "expected a list of tickets, or a map with only a `tickets` list",
                ));
            }
        },
        _ => {
            return Err(Error::config(
                at(lines.line(root)),
                "expected a list of tickets",
            ));
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(index, entry)| {
            serde_path_to_error::deserialize::<_, UnifiedTicket>(entry).map_err(|e| {
                let entry_node = lines.item(list_node, index).unwrap_or(list_node);
                let line = lines.line(lines.follow(entry_node, e.path()));
                let inner = e.path().to_string();
                let field = if inner == "." {
                    String::new()
                } else {
                    format!(".{inner}")
                };
                Error::config(
                    format!("{}: {prefix}[{index}]{field}", at(line)),
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
    fn bad_entries_name_file_line_entry_and_field() {
        assert_eq!(
            error_of(
                "s.yml",
                "- subject: a\n- queue: Raw\n  created: yesterday\n"
            ),
            "config error at s.yml:3: [1].created: invalid timestamp `yesterday`: expected RFC 3339 \
             (2025-03-14T09:12:01Z), `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`"
        );
        assert_eq!(
            error_of(
                "s.json",
                "{\"tickets\": [\n  {\"subject\": \"a\"},\n  {\"queue\": {\"idd\": 1}}\n]}"
            ),
            "config error at s.json:3: tickets[1].queue: unknown field `idd`, expected `id` or `name`"
        );
    }

    #[test]
    fn wrong_shapes_are_explained() {
        assert_eq!(
            error_of("s.yml", "42\n"),
            "config error at s.yml:1: expected a list of tickets"
        );
        assert_eq!(
            error_of("s.yml", "tickets: 3\n"),
            "config error at s.yml:1: expected a list of tickets, or a map with only a `tickets` list"
        );
        assert_eq!(
            error_of("s.json", "[{\"a\": 1}\n{"),
            "config error at s.json:2: invalid JSON: while parsing a flow sequence, expected ',' or ']'"
        );
        assert_eq!(
            error_of("s.yml", "- subject: a\n- subject: b\n  - c\n"),
            "config error at s.yml:3: invalid YAML: while parsing a block mapping, did not find expected key"
        );
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused_at_their_line() {
        let mut bomb = String::from("- subject: &s [a, a, a, a, a, a, a, a, a, a]\n");
        for _ in 0..10_000 {
            bomb.push_str("- subject: [*s, *s, *s, *s, *s, *s, *s, *s, *s, *s]\n");
        }
        assert_eq!(
            error_of("s.yml", &bomb),
            "config error at s.yml:2: invalid YAML: YAML aliases (`*name`) are not supported \
             here: write the value out"
        );
        let deep = format!("- subject: {}\n", "[".repeat(1_000_000));
        assert_eq!(
            error_of("s.yml", &deep),
            "config error at s.yml:1: invalid YAML: nested more than 64 levels deep"
        );
        let block: String = (0..100)
            .map(|depth| format!("{}- notes:\n", "  ".repeat(depth)))
            .collect();
        assert!(
            error_of("s.yml", &block).ends_with(": invalid YAML: nested more than 64 levels deep"),
            "{}",
            error_of("s.yml", &block)
        );
    }
}
