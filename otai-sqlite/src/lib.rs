//! SQLite helpers shared by otai's embedded ticket store (`otai-local`) and its state store
//! (`otai-state`): statements run through the connection's statement cache, so each is parsed
//! once per connection, not once per call.

use rusqlite::{Connection, Params, Row};

/// Runs one statement through the connection's statement cache; returns the rows it changed.
pub fn exec(conn: &Connection, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// The one row a cached query gives, read by `row` (`QueryReturnedNoRows` when none).
pub fn query_one<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    row: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    fn table() -> rusqlite::Result<Connection> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")?;
        Ok(conn)
    }

    #[test]
    fn exec_counts_the_rows_it_changed() -> rusqlite::Result<()> {
        let conn = table()?;
        for name in ["a", "b"] {
            assert_eq!(exec(&conn, "INSERT INTO t (name) VALUES (?1)", [name])?, 1);
        }
        assert_eq!(exec(&conn, "UPDATE t SET name = 'c'", [])?, 2);
        assert_eq!(exec(&conn, "DELETE FROM t WHERE id = ?1", params![99])?, 0);
        assert!(exec(&conn, "INSERT INTO t (name) VALUES (NULL)", []).is_err());
        Ok(())
    }

    #[test]
    fn query_one_reads_the_row_or_says_there_is_none() -> rusqlite::Result<()> {
        let conn = table()?;
        exec(&conn, "INSERT INTO t (name) VALUES ('a')", [])?;
        let sql = "SELECT name FROM t WHERE id = ?1";
        let name: String = query_one(&conn, sql, [1], |row| row.get(0))?;
        assert_eq!(name, "a");
        let none = query_one(&conn, sql, [2], |row| row.get::<_, String>(0));
        assert!(
            matches!(none, Err(rusqlite::Error::QueryReturnedNoRows)),
            "{none:?}"
        );
        Ok(())
    }
}
