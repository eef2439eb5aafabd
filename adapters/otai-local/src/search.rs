//! Translating unified search criteria into SQL.

use otai_core::{Result, TicketSearchCriteria, UnifiedEntity};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};

use crate::error::db_error;
use crate::read::format_time;

/// The IDs of the tickets matching `criteria`, ascending, after offset and limit.
pub(crate) fn find_ids(conn: &Connection, criteria: &TicketSearchCriteria) -> Result<Vec<i64>> {
    let mut query = Query::default();
    let entities = [
        ("queue", &criteria.queue),
        ("state", &criteria.state),
        ("priority", &criteria.priority),
        ("type", &criteria.ticket_type),
        ("owner", &criteria.owner),
        ("customer", &criteria.customer),
    ];
    for (column, filter) in entities {
        if let Some(filter) = filter {
            query.entity(column, filter);
        }
    }
    if let Some(text) = &criteria.subject_contains {
        query.push(
            "instr(otai_lower(t.subject), ?) > 0",
            [text.to_lowercase().into()],
        );
    }
    if let Some(text) = &criteria.text_contains {
        let needle = text.to_lowercase();
        query.push(
            "(instr(otai_lower(t.subject), ?) > 0 OR instr(otai_lower(t.body), ?) > 0 OR EXISTS (
                SELECT 1 FROM notes n WHERE n.ticket_id = t.id AND instr(otai_lower(n.body), ?) > 0))",
            [needle.clone().into(), needle.clone().into(), needle.into()],
        );
    }
    let times = [
        ("t.created >= ?", &criteria.created_after),
        ("t.created < ?", &criteria.created_before),
        ("t.updated >= ?", &criteria.updated_after),
        ("t.updated < ?", &criteria.updated_before),
    ];
    for (clause, time) in times {
        if let Some(time) = time {
            query.push(clause, [format_time(time).into()]);
        }
    }
    for (name, value) in &criteria.custom_fields {
        query.push(
            "EXISTS (SELECT 1 FROM custom_fields c WHERE c.ticket_id = t.id AND c.name = ? AND c.value = ?)",
            [name.clone().into(), value.to_string().into()],
        );
    }

    let mut sql = String::from("SELECT t.id FROM tickets t");
    if !query.clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&query.clauses.join(" AND "));
    }
    sql.push_str(" ORDER BY t.id LIMIT ? OFFSET ?");
    let limit = criteria
        .limit
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let offset = criteria
        .offset
        .map_or(0, |o| i64::try_from(o).unwrap_or(i64::MAX));
    query.params.push(limit.into());
    query.params.push(offset.into());

    let mut stmt = conn.prepare(&sql).map_err(db_error("search"))?;
    stmt.query_map(params_from_iter(query.params), |row| row.get(0))
        .and_then(Iterator::collect)
        .map_err(db_error("search"))
}

/// WHERE clauses with their positional parameters.
#[derive(Default)]
struct Query {
    clauses: Vec<String>,
    params: Vec<SqlValue>,
}

impl Query {
    fn push<const N: usize>(&mut self, clause: &str, params: [SqlValue; N]) {
        self.clauses.push(clause.to_owned());
        self.params.extend(params);
    }

    /// Entities are stored by name, which is also their ID: every part the filter sets must match.
    fn entity(&mut self, column: &str, filter: &UnifiedEntity) {
        let parts: Vec<&String> = filter.id.iter().chain(filter.name.iter()).collect();
        if parts.is_empty() {
            return;
        }
        for part in parts {
            self.push(
                &format!("otai_lower(t.{column}) = ?"),
                [part.to_lowercase().into()],
            );
        }
    }
}
