//! The checks of the conformance kit.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::{ConformanceProfile, ConformanceReport};
use crate::kwargs::Kwargs;
use crate::{
    Error, TicketSystemService, TicketSystemServiceExt, UnifiedEntity, UnifiedNote, UnifiedTicket,
};

pub(super) type Check = Result<(), String>;

/// Runs every check against `service` and reports each one. Never panics; see
/// [`ConformanceReport::assert_all_passed`].
pub async fn run_conformance(
    service: &dyn TicketSystemService,
    profile: &ConformanceProfile,
) -> ConformanceReport {
    let mut report = ConformanceReport::default();
    let kit = Kit { service, profile };

    let alpha = kit.create_alpha().await;
    report.record("create", alpha.as_ref().map(|_| ()).map_err(Clone::clone));
    let beta = kit.create_beta().await;
    report.record(
        "create in another queue",
        beta.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let (Ok(alpha), Ok(beta)) = (alpha, beta) else {
        report.record(
            "remaining checks",
            Err("skipped: creating the test tickets failed".into()),
        );
        return report;
    };
    let (a, b) = (alpha.as_str(), beta.as_str());

    report.record("get", kit.get_alpha(a).await);
    report.record("find by tag", kit.expect_find(json!({}), &[a, b]).await);
    report.record("find by queue", kit.find_by_queue(a, b).await);
    report.record(
        "find by state",
        kit.expect_find(json!({"state": profile.open_state}), &[a, b])
            .await,
    );
    report.record("find by priority", kit.find_by_priority(a, b).await);
    if let Some(customer) = &profile.customer {
        report.record(
            "find by customer",
            kit.expect_find(json!({"customer": customer}), &[a, b])
                .await,
        );
    }
    if let Some(owner) = &profile.owner {
        report.record(
            "find by owner",
            kit.expect_find(json!({"owner": owner}), &[a, b]).await,
        );
    }
    if let Some(ticket_type) = &profile.ticket_type {
        report.record(
            "find by type",
            kit.expect_find(json!({"type": ticket_type}), &[a, b]).await,
        );
    }
    let word = format!("{}zebra", profile.tag);
    report.record(
        "find by text in body",
        kit.expect_find(json!({"text_contains": word}), &[b]).await,
    );
    report.record("find by time", kit.find_by_time(a, b).await);
    report.record("limit and offset", kit.limit_and_offset(a, b).await);
    report.record("find_first", kit.find_first(a, b).await);
    report.record("update each field", kit.update_each_field(a).await);
    report.record(
        "update with reread false",
        kit.update_without_reread(b).await,
    );
    report.record("add notes", kit.add_notes(b).await);
    report.record("update with a note", kit.update_with_note(b).await);
    report.record(
        "note with an attachment",
        kit.attachment_round_trip(b).await,
    );
    report.record("get missing ticket", kit.get_missing().await);
    report.record("update missing ticket", kit.change_missing(false).await);
    report.record("add_note to missing ticket", kit.change_missing(true).await);
    report.record("invalid input", kit.invalid_input(a).await);
    report.record("by ticket number", kit.by_number(b).await);
    report.record("history", kit.history(a).await);
    report
}

/// The service and profile under test, with the helpers the checks share.
pub(super) struct Kit<'a> {
    pub(super) service: &'a dyn TicketSystemService,
    pub(super) profile: &'a ConformanceProfile,
}

impl Kit<'_> {
    async fn create_alpha(&self) -> Result<String, String> {
        let p = self.profile;
        let mut kw = kwargs(json!({
            "subject": format!("{} conformance alpha", p.tag),
            "body": "The printer in room 42 is on fire.",
            "queue": p.queue, "state": p.open_state, "priority": p.priority,
        }))?;
        optional(&mut kw, "customer", &p.customer);
        optional(&mut kw, "owner", &p.owner);
        optional(&mut kw, "type", &p.ticket_type);
        if let Some((name, value)) = &p.custom_field {
            kw.insert("custom_fields".into(), json!({ name: value }));
        }
        let ticket = self
            .service
            .create_ticket_kw(kw)
            .await
            .map_err(|e| e.to_string())?;
        expect_eq(
            "subject",
            ticket.subject.as_deref(),
            Some(&*format!("{} conformance alpha", p.tag)),
        )?;
        expect_entity("queue", &ticket.queue, &p.queue)?;
        ticket
            .id
            .ok_or_else(|| "the created ticket has no id".to_owned())
    }

    async fn create_beta(&self) -> Result<String, String> {
        let p = self.profile;
        let mut kw = kwargs(json!({
            "subject": format!("{} conformance beta", p.tag),
            "body": format!("Mouse broken. Code word {}zebra.", p.tag),
            "queue": p.other_queue, "state": p.open_state, "priority": p.other_priority,
        }))?;
        optional(&mut kw, "customer", &p.customer);
        optional(&mut kw, "owner", &p.owner);
        optional(&mut kw, "type", &p.ticket_type);
        let ticket = self
            .service
            .create_ticket_kw(kw)
            .await
            .map_err(|e| e.to_string())?;
        ticket
            .id
            .ok_or_else(|| "the created ticket has no id".to_owned())
    }

    pub(super) async fn get(&self, id: &str) -> Result<UnifiedTicket, String> {
        self.service
            .get_ticket_kw(kwargs(json!({ "ticket_id": id }))?)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("get_ticket({id}) returned None for an existing ticket"))
    }

    async fn get_alpha(&self, id: &str) -> Check {
        let p = self.profile;
        let t = self.get(id).await?;
        expect_eq("id", t.id.as_deref(), Some(id))?;
        expect_eq(
            "subject",
            t.subject.as_deref(),
            Some(&*format!("{} conformance alpha", p.tag)),
        )?;
        expect_entity("queue", &t.queue, &p.queue)?;
        expect_entity("state", &t.state, &p.open_state)?;
        expect_entity("priority", &t.priority, &p.priority)?;
        if let Some(customer) = &p.customer {
            expect_entity("customer", &t.customer, customer)?;
        }
        if let Some(owner) = &p.owner {
            expect_entity("owner", &t.owner, owner)?;
        }
        if let Some(ticket_type) = &p.ticket_type {
            expect_entity("type", &t.ticket_type, ticket_type)?;
        }
        if let Some((name, value)) = &p.custom_field {
            expect_eq(
                &format!("custom_fields.{name}"),
                t.custom_fields.get(name),
                Some(value),
            )?;
        }
        if t.created.is_none() {
            return Err("`created` is missing".into());
        }
        let has_body = t.body.as_deref().is_some_and(|b| b.contains("on fire"))
            || t.notes
                .iter()
                .any(|n| n.body.as_deref().is_some_and(|b| b.contains("on fire")));
        if !has_body {
            return Err("the body given on create is neither `body` nor a note".into());
        }
        Ok(())
    }

    /// Finds with the run's tag plus `filter`, expecting exactly the tickets `ids` (any order).
    async fn expect_find(&self, filter: Value, ids: &[&str]) -> Check {
        let mut kw = kwargs(filter)?;
        kw.entry("subject_contains")
            .or_insert_with(|| Value::from(self.profile.tag.clone()));
        let found = self
            .service
            .find_tickets_kw(kw.clone())
            .await
            .map_err(|e| e.to_string())?;
        let mut got: Vec<String> = found.iter().filter_map(|t| t.id.clone()).collect();
        let mut want: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        got.sort();
        want.sort();
        if got != want {
            return Err(format!(
                "find_tickets({}) returned {got:?}, expected {want:?}",
                Value::Object(kw)
            ));
        }
        Ok(())
    }

    async fn find_by_queue(&self, a: &str, b: &str) -> Check {
        self.expect_find(json!({"queue": self.profile.queue}), &[a])
            .await?;
        self.expect_find(json!({"queue": self.profile.other_queue}), &[b])
            .await
    }

    async fn find_by_priority(&self, a: &str, b: &str) -> Check {
        self.expect_find(json!({"priority": self.profile.priority}), &[a])
            .await?;
        self.expect_find(json!({"priority": self.profile.other_priority}), &[b])
            .await
    }

    async fn find_by_time(&self, a: &str, b: &str) -> Check {
        let day_ago = (Utc::now() - Duration::days(1)).to_rfc3339();
        let in_a_day = (Utc::now() + Duration::days(1)).to_rfc3339();
        self.expect_find(json!({"created_after": day_ago}), &[a, b])
            .await?;
        self.expect_find(json!({"created_before": day_ago}), &[])
            .await?;
        self.expect_find(json!({"created_before": in_a_day}), &[a, b])
            .await?;
        self.expect_find(json!({"updated_after": day_ago}), &[a, b])
            .await?;
        self.expect_find(json!({"updated_after": in_a_day}), &[])
            .await
    }

    async fn limit_and_offset(&self, a: &str, b: &str) -> Check {
        let page = |offset: usize| {
            kwargs(json!({"subject_contains": self.profile.tag, "limit": 1, "offset": offset}))
        };
        let first = self
            .service
            .find_tickets_kw(page(0)?)
            .await
            .map_err(|e| e.to_string())?;
        let second = self
            .service
            .find_tickets_kw(page(1)?)
            .await
            .map_err(|e| e.to_string())?;
        let third = self
            .service
            .find_tickets_kw(page(2)?)
            .await
            .map_err(|e| e.to_string())?;
        if first.len() != 1 || second.len() != 1 || !third.is_empty() {
            return Err(format!(
                "pages of one returned {}, {} and {} tickets, expected 1, 1 and 0",
                first.len(),
                second.len(),
                third.len()
            ));
        }
        let mut ids = vec![first[0].id.clone(), second[0].id.clone()];
        ids.sort();
        let mut want = vec![Some(a.to_owned()), Some(b.to_owned())];
        want.sort();
        if ids != want {
            return Err(format!("offset pages returned {ids:?}, expected {want:?}"));
        }
        Ok(())
    }

    async fn find_first(&self, a: &str, b: &str) -> Check {
        let tag = &self.profile.tag;
        let hit = self
            .service
            .find_first_ticket_kw(kwargs(json!({"subject_contains": tag}))?)
            .await
            .map_err(|e| e.to_string())?;
        let id = hit
            .and_then(|t| t.id)
            .ok_or("find_first_ticket found nothing")?;
        if id != a && id != b {
            return Err(format!(
                "find_first_ticket returned {id}, not one of the test tickets"
            ));
        }
        let none = self
            .service
            .find_first_ticket_kw(kwargs(
                json!({"subject_contains": format!("{tag}nomatch")}),
            )?)
            .await
            .map_err(|e| e.to_string())?;
        match none {
            None => Ok(()),
            Some(t) => Err(format!(
                "find_first_ticket without matches returned {:?}",
                t.id
            )),
        }
    }

    async fn update_each_field(&self, id: &str) -> Check {
        let p = self.profile;
        let subject = format!("{} conformance alpha renamed", p.tag);
        let mut kw = kwargs(json!({
            "ticket_id": id, "subject": subject, "queue": p.other_queue,
            "state": p.closed_state, "priority": p.other_priority,
        }))?;
        if let Some((name, value)) = &p.custom_field {
            kw.insert("custom_fields".into(), json!({ name: value }));
        }
        let returned = self
            .service
            .update_ticket_kw(kw)
            .await
            .map_err(|e| e.to_string())?;
        for (what, t) in [("returned", returned), ("re-read", self.get(id).await?)] {
            let ctx = |e: String| format!("{what} ticket: {e}");
            expect_eq("subject", t.subject.as_deref(), Some(subject.as_str())).map_err(ctx)?;
            expect_entity("queue", &t.queue, &p.other_queue).map_err(ctx)?;
            expect_entity("state", &t.state, &p.closed_state).map_err(ctx)?;
            expect_entity("priority", &t.priority, &p.other_priority).map_err(ctx)?;
        }
        self.expect_find(
            json!({"queue": p.other_queue, "state": p.closed_state}),
            &[id],
        )
        .await
    }

    async fn update_without_reread(&self, id: &str) -> Check {
        let subject = format!("{} conformance beta renamed", self.profile.tag);
        let kw = kwargs(json!({"ticket_id": id, "subject": subject, "reread": false}))?;
        let t = self
            .service
            .update_ticket_kw(kw)
            .await
            .map_err(|e| e.to_string())?;
        expect_eq("id", t.id.as_deref(), Some(id))?;
        expect_eq("subject", t.subject.as_deref(), Some(subject.as_str()))?;
        let stored = self.get(id).await?;
        expect_eq(
            "stored subject",
            stored.subject.as_deref(),
            Some(subject.as_str()),
        )
    }

    async fn add_notes(&self, id: &str) -> Check {
        let internal =
            kwargs(json!({"ticket_id": id, "subject": "triage", "body": "triaged: hardware"}))?;
        let t = self
            .service
            .add_note_kw(internal)
            .await
            .map_err(|e| e.to_string())?;
        expect_eq("id", t.id.as_deref(), Some(id))?;
        let visible = kwargs(json!({
            "ticket_id": id, "subject": "reply", "body": "<p>We are <b>on it</b>.</p>",
            "content_type": "text/html", "internal": false
        }))?;
        self.service
            .add_note_kw(visible)
            .await
            .map_err(|e| e.to_string())?;
        let t = self.get(id).await?;
        let note = |text: &str| {
            t.notes
                .iter()
                .find(|n| n.body.as_deref().is_some_and(|b| b.contains(text)))
                .ok_or_else(|| format!("no note containing {text:?} in {:?}", t.notes))
        };
        let plain = note("triaged: hardware")?;
        if !plain.internal {
            return Err("a note added without `internal` is visible to the customer".into());
        }
        let html = note("on it")?;
        if html.internal {
            return Err("a note added with `internal: false` is internal".into());
        }
        if !html
            .content_type
            .as_deref()
            .unwrap_or_default()
            .contains("html")
        {
            return Err(format!(
                "html note has content type {:?}",
                html.content_type
            ));
        }
        Ok(())
    }

    async fn update_with_note(&self, id: &str) -> Check {
        let p = self.profile;
        let kw = kwargs(json!({
            "ticket_id": id, "priority": p.other_priority,
            "note": {"subject": "triage", "body": "moved with this note"},
        }))?;
        self.service
            .update_ticket_kw(kw)
            .await
            .map_err(|e| e.to_string())?;
        let t = self.get(id).await?;
        expect_entity("priority", &t.priority, &p.other_priority)?;
        let notes: Vec<&UnifiedNote> = t
            .notes
            .iter()
            .filter(|n| {
                n.body
                    .as_deref()
                    .is_some_and(|b| b.contains("moved with this note"))
            })
            .collect();
        match notes.as_slice() {
            [note] if note.internal => Ok(()),
            [_] => Err("the note added with the update is visible to the customer".into()),
            other => Err(format!(
                "expected one note from the update, found {}",
                other.len()
            )),
        }
    }

    async fn get_missing(&self) -> Check {
        match self
            .service
            .get_ticket_kw(kwargs(json!({"ticket_id": MISSING}))?)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(t)) => Err(format!("returned a ticket ({:?}) for a missing id", t.id)),
            Err(e) => Err(format!("expected Ok(None), got error: {e}")),
        }
    }

    async fn change_missing(&self, note: bool) -> Check {
        let result = if note {
            let kw = kwargs(json!({"ticket_id": MISSING, "body": "hello"}))?;
            self.service.add_note_kw(kw).await
        } else {
            let kw = kwargs(json!({"ticket_id": MISSING, "subject": "x"}))?;
            self.service.update_ticket_kw(kw).await
        };
        match result {
            Err(Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(format!("expected Error::NotFound, got: {e}")),
            Ok(t) => Err(format!(
                "expected Error::NotFound, got a ticket ({:?})",
                t.id
            )),
        }
    }

    async fn invalid_input(&self, id: &str) -> Check {
        let empty_note = self
            .service
            .add_note_kw(kwargs(json!({"ticket_id": id, "body": " "}))?)
            .await;
        expect_invalid(
            "add_note with an empty body",
            empty_note.map(|_| ()),
            "body",
        )?;
        let bad_limit = self
            .service
            .find_tickets_kw(kwargs(
                json!({"subject_contains": self.profile.tag, "limit": "many"}),
            )?)
            .await;
        expect_invalid(
            "find_tickets with limit \"many\"",
            bad_limit.map(|_| ()),
            "limit",
        )?;
        let misspelt = self
            .service
            .find_tickets_kw(kwargs(json!({"queu": self.profile.queue}))?)
            .await;
        expect_invalid("find_tickets with `queu`", misspelt.map(|_| ()), "queu")?;
        let unfiltered = self.service.find_tickets_kw(Kwargs::new()).await;
        expect_invalid(
            "find_tickets without a filter or `all: true`",
            unfiltered.map(|_| ()),
            "all",
        )?;
        let no_id = self.service.get_ticket_kw(Kwargs::new()).await;
        expect_invalid(
            "get_ticket without ticket_id",
            no_id.map(|_| ()),
            "ticket_id",
        )
    }
}

/// An ID no test system has.
pub(super) const MISSING: &str = "987654321";

pub(super) fn kwargs(value: Value) -> Result<Kwargs, String> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!("kwargs must be a map, not {other}")),
    }
}

fn optional(kw: &mut Kwargs, key: &str, entity: &Option<UnifiedEntity>) {
    if let Some(entity) = entity {
        kw.insert(key.into(), json!(entity));
    }
}

pub(super) fn expect_eq<T: PartialEq + std::fmt::Debug + ?Sized>(
    what: &str,
    got: Option<&T>,
    want: Option<&T>,
) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} is {got:?}, expected {want:?}"))
    }
}

/// The entity matches the expected one by name where both have names, else by ID.
fn expect_entity(what: &str, got: &Option<UnifiedEntity>, want: &UnifiedEntity) -> Check {
    let ok = got.as_ref().is_some_and(|g| match (&g.name, &want.name) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => g.id.is_some() && g.id == want.id,
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{what} is {got:?}, expected {want}"))
    }
}

pub(super) fn expect_invalid(what: &str, result: crate::Result<()>, field: &str) -> Check {
    match result {
        Err(Error::InvalidInput { field: f, .. }) if f == field => Ok(()),
        Err(e) => Err(format!(
            "{what}: expected invalid input naming `{field}`, got: {e}"
        )),
        Ok(()) => Err(format!(
            "{what}: expected invalid input naming `{field}`, got success"
        )),
    }
}
