//! Unified criteria as TicketSQL, with every user value quoted so it can never change the query.

use otai_core::{Error, Result, TicketSearchCriteria, UnifiedEntity};

use crate::mapping::Maps;

/// A TicketSQL string literal: `'…'` with `\` and `'` escaped.
pub fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '\'' => quoted.push_str("\\'"),
            '\n' | '\r' => quoted.push(' '),
            other => quoted.push(other),
        }
    }
    quoted.push('\'');
    quoted
}

fn label(entity: &UnifiedEntity) -> Option<&str> {
    entity.name.as_deref().or(entity.id.as_deref())
}

/// The TicketSQL for `criteria` AND the native `query`; `text_contains` is left to the caller
/// unless `fulltext` is on.
pub fn ticket_sql(
    criteria: &TicketSearchCriteria,
    native: Option<&str>,
    maps: &Maps,
    fulltext: bool,
) -> Result<String> {
    let mut clauses: Vec<String> = Vec::new();
    if let Some(query) = native.map(str::trim).filter(|q| !q.is_empty()) {
        clauses.push(format!("({query})"));
    }
    if let Some(queue) = criteria.queue.as_ref() {
        let value = match (&queue.name, &queue.id) {
            (Some(name), _) => maps.queue_to_rt(name).to_owned(),
            (None, Some(id)) => id.clone(),
            (None, None) => String::new(),
        };
        clauses.push(format!("Queue = {}", quote(&value)));
    }
    if let Some(state) = criteria.state.as_ref().and_then(label) {
        clauses.push(format!("Status = {}", quote(maps.state_to_rt(state))));
    }
    if let Some(priority) = criteria.priority.as_ref() {
        clauses.push(format!("Priority = {}", maps.priority_to_rt(priority)?));
    }
    if criteria.ticket_type.is_some() {
        return Err(Error::invalid_input(
            "type",
            "Request Tracker tickets have no type",
        ));
    }
    if let Some(owner) = criteria.owner.as_ref().and_then(label) {
        clauses.push(format!("Owner = {}", quote(owner)));
    }
    if let Some(customer) = criteria.customer.as_ref().and_then(label) {
        let field = if customer.contains('@') {
            "Requestor.EmailAddress"
        } else {
            "Requestor.Name"
        };
        clauses.push(format!("{field} = {}", quote(customer)));
    }
    if let Some(text) = &criteria.subject_contains {
        clauses.push(format!("Subject LIKE {}", quote(text)));
    }
    if let (Some(text), true) = (&criteria.text_contains, fulltext) {
        clauses.push(format!(
            "(Subject LIKE {q} OR Content LIKE {q})",
            q = quote(text)
        ));
    }
    let times = [
        ("Created >=", &criteria.created_after),
        ("Created <", &criteria.created_before),
        ("LastUpdated >=", &criteria.updated_after),
        ("LastUpdated <", &criteria.updated_before),
    ];
    for (op, at) in times {
        if let Some(at) = at {
            clauses.push(format!(
                "{op} {}",
                quote(&at.format("%Y-%m-%d %H:%M:%S").to_string())
            ));
        }
    }
    for (name, value) in &criteria.custom_fields {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        clauses.push(format!(
            "CF.{{{}}} = {}",
            name.replace(['{', '}'], ""),
            quote(&text)
        ));
    }
    Ok(if clauses.is_empty() {
        "id > 0".to_owned()
    } else {
        clauses.join(" AND ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it\'s'");
        assert_eq!(quote(r"a\' OR 1=1 --"), r"'a\\\' OR 1=1 --'");
        assert_eq!(quote("two\nlines"), "'two lines'");
    }

    #[test]
    fn criteria_become_one_and_query() -> Result<()> {
        let maps = Maps::new(&crate::RtMapping {
            priority: [("high".to_owned(), 80)].into(),
            ..Default::default()
        })?;
        let criteria = TicketSearchCriteria::new()
            .queue(UnifiedEntity::by_name("General"))
            .state(UnifiedEntity::by_name("open"))
            .priority(UnifiedEntity::by_name("high"))
            .customer(UnifiedEntity::by_name("alice@example.com"))
            .subject_contains("it's on fire")
            .custom_field("Building", "B2");
        assert_eq!(
            ticket_sql(&criteria, Some("Status != 'rejected'"), &maps, false)?,
            "(Status != 'rejected') AND Queue = 'General' AND Status = 'open' AND Priority = 80 AND \
             Requestor.EmailAddress = 'alice@example.com' AND Subject LIKE 'it\\'s on fire' AND CF.{Building} = 'B2'"
        );
        assert_eq!(
            ticket_sql(&TicketSearchCriteria::new(), None, &maps, false)?,
            "id > 0"
        );
        Ok(())
    }

    #[test]
    fn unknown_priorities_and_types_are_invalid_input() -> Result<()> {
        let maps = Maps::new(&crate::RtMapping::default())?;
        let err = ticket_sql(
            &TicketSearchCriteria::new().priority(UnifiedEntity::by_name("urgent")),
            None,
            &maps,
            false,
        )
        .err();
        assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "priority"));
        let err = ticket_sql(
            &TicketSearchCriteria::new().ticket_type(UnifiedEntity::by_name("x")),
            None,
            &maps,
            false,
        )
        .err();
        assert!(matches!(err, Some(Error::InvalidInput { field, .. }) if field == "type"));
        Ok(())
    }
}
