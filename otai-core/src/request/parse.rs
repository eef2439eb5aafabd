//! Kwargs → typed requests: the one place where keyword arguments are read.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    ATTACHMENT_CONTENT_KEY, CreateRequest, GetRequest, NATIVE_KEY, NOTE_KEYS, NativeKeys,
    NoteRequest, Operation, SearchRequest, TICKET_KEYS, TicketId, UpdateRequest,
};
use crate::kwargs::{Kwargs, TakeFailed, describe, from_value, take_map};
use crate::registry::{closest_names, quote_list};
use crate::{Error, TicketSearchCriteria, UnifiedNote, UnifiedTicket};

/// Every problem found in one call's kwargs, each an [`Error::InvalidInput`] naming its key.
#[derive(Debug)]
pub struct RequestErrors(pub Vec<Error>);

impl From<RequestErrors> for Error {
    /// One error: the only problem, or all of them in one message.
    fn from(errors: RequestErrors) -> Self {
        let mut all = errors.0.into_iter();
        let Some(first) = all.next() else {
            return Error::invalid_input("(arguments)", "invalid arguments");
        };
        let rest: Vec<String> = all.map(|e| e.to_string()).collect();
        if rest.is_empty() {
            return first;
        }
        match first {
            Error::InvalidInput { field, message } => {
                Error::invalid_input(field, format!("{message}; also {}", rest.join("; also ")))
            }
            other => other,
        }
    }
}

/// The key that searches without a filter.
const ALL_KEY: &str = "all";
/// Search keys that are not filters.
const NOT_FILTERS: &[&str] = &["limit", "offset", ALL_KEY];
/// The alias of `ticket_id`.
const ID_KEYS: &[&str] = &["ticket_id", "id"];
/// The key that names a ticket by its number instead of its ID.
pub const NUMBER_KEY: &str = "ticket_number";
/// The problem when a ticket is named both ways.
const ID_OR_NUMBER: &str = "give either `ticket_id` or `ticket_number`, not both";
use super::REREAD_KEY;
/// The note added with an update.
const UPDATE_NOTE_KEY: &str = "note";

/// The unified keys of `operation`: those of its model, and its own.
fn unified_key_lists(operation: Operation) -> [&'static [&'static str]; 2] {
    const GET: &[&str] = &[ID_KEYS[0], ID_KEYS[1], NUMBER_KEY, ATTACHMENT_CONTENT_KEY];
    const UPDATE: &[&str] = &[
        ID_KEYS[0],
        ID_KEYS[1],
        NUMBER_KEY,
        REREAD_KEY,
        UPDATE_NOTE_KEY,
    ];
    const NOTE: &[&str] = &[ID_KEYS[0], ID_KEYS[1], NUMBER_KEY, REREAD_KEY];
    match operation {
        Operation::Search => [TicketSearchCriteria::KEYS, &[ALL_KEY]],
        Operation::Get => [&[], GET],
        Operation::Create => [TICKET_KEYS, &[]],
        Operation::Update => [TICKET_KEYS, UPDATE],
        Operation::Note => [NOTE_KEYS, NOTE],
    }
}

/// Whether `key` is a unified key of `operation`.
fn is_unified(operation: Operation, key: &str) -> bool {
    unified_key_lists(operation)
        .iter()
        .any(|list| list.contains(&key))
}

/// The unified keys of `operation`, in order (for messages).
fn unified_keys(operation: Operation) -> Vec<&'static str> {
    unified_key_lists(operation).concat()
}

/// One call's kwargs, sorted into unified and native, with every problem collected.
struct Reader {
    unified: Kwargs,
    native: Kwargs,
    /// Keys whose values are known only at run time: present, but not checked.
    deferred: BTreeSet<String>,
    problems: Vec<Error>,
}

impl Reader {
    fn new(
        operation: Operation,
        kwargs: Kwargs,
        deferred: BTreeSet<String>,
        adapter: &str,
        declared: &NativeKeys,
    ) -> Self {
        let mut reader = Reader {
            unified: Kwargs::new(),
            native: Kwargs::new(),
            deferred: BTreeSet::new(),
            problems: Vec::new(),
        };
        if deferred.is_empty() && kwargs.keys().all(|k| is_unified(operation, k)) {
            // The usual call: every key unified, and the map kept as it is.
            reader.unified = kwargs;
            return reader;
        }
        let keys = kwargs
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .chain(deferred.into_iter().map(|k| (k, None)));
        for (key, value) in keys {
            if key == NATIVE_KEY {
                match value {
                    None => {
                        reader.deferred.insert(key);
                    }
                    Some(Value::Object(map)) => reader.native.extend(map),
                    Some(Value::Null) => {}
                    Some(other) => reader.problem(
                        NATIVE_KEY,
                        format!(
                            "expected a map of native arguments, got {}",
                            describe(&other)
                        ),
                    ),
                }
            } else if is_unified(operation, &key) {
                match value {
                    Some(value) => {
                        reader.unified.insert(key, value);
                    }
                    None => {
                        reader.deferred.insert(key);
                    }
                }
            } else if let Some(spec) = declared.find(operation, &key) {
                match value {
                    Some(value) => match spec.kind.check(&value) {
                        Ok(()) => {
                            reader.native.insert(key, value);
                        }
                        Err(message) => reader.problem(&key, message),
                    },
                    None => {
                        reader.deferred.insert(key);
                    }
                }
            } else {
                let unified = unified_keys(operation);
                let message = unknown_key(&key, operation, &unified, adapter, declared);
                reader.problem(&key, message);
            }
        }
        reader
    }

    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Error::invalid_input(field, message));
    }

    fn has(&self, key: &str) -> bool {
        self.deferred.contains(key) || self.unified.get(key).is_some_and(|v| !v.is_null())
    }

    /// Removes and reads the ticket ID (`ticket_id` or `id`).
    fn ticket_id(&mut self) -> Option<TicketId> {
        let mut given = ID_KEYS.iter().copied().filter(|k| self.has(k));
        let first = given.next();
        if given.next().is_some() {
            self.problem("ticket_id", "give either `ticket_id` or `id`, not both");
            return None;
        }
        if self.has(NUMBER_KEY) {
            // Load-time checking only: parsing refuses a number first (`refuse_number`).
            if first.is_some() {
                self.problem(NUMBER_KEY, ID_OR_NUMBER);
            } else if let Some(value) = self.unified.remove(NUMBER_KEY) {
                if let Err(message) = ticket_number(&value) {
                    self.problem(NUMBER_KEY, message);
                }
            }
            return None;
        }
        let key = first.unwrap_or(ID_KEYS[0]);
        if self.deferred.contains(key) {
            return None;
        }
        match self.unified.remove(key) {
            None | Some(Value::Null) => {
                self.problem("ticket_id", "missing: which ticket?");
                None
            }
            Some(value) => match TicketId::from_owned_value(value) {
                Ok(id) => Some(id),
                Err(message) => {
                    self.problem("ticket_id", message);
                    None
                }
            },
        }
    }

    /// Removes and reads `reread` (default `true`).
    fn reread(&mut self) -> bool {
        self.flag(REREAD_KEY, true)
    }

    /// Removes and reads the flag `key`.
    fn flag(&mut self, key: &str, default: bool) -> bool {
        match self.unified.remove(key) {
            None | Some(Value::Null) => default,
            Some(Value::Bool(b)) => b,
            Some(other) => {
                self.problem(
                    key,
                    format!("expected true or false, got {}", describe(&other)),
                );
                default
            }
        }
    }

    /// Checks the attachments of a note to be written (and sets their sizes).
    fn attachments(&mut self, note: &mut UnifiedNote, prefix: &str) {
        for (field, message) in crate::model::check_attachments(&mut note.attachments, prefix) {
            self.problem(&field, message);
        }
    }

    /// Reads the remaining unified keys into `T`, reporting every key that does not fit.
    fn typed<T: DeserializeOwned>(&mut self, prefix: &str) -> Option<T> {
        // The values move into `T`; the keys read before a failure were good.
        let TakeFailed { error, rest } = match take_map::<T>(std::mem::take(&mut self.unified)) {
            Ok(value) => return Some(value),
            Err(failed) => failed,
        };
        let mut report = |error: Error| {
            if let Error::InvalidInput { field, message } = error {
                self.problem(&format!("{prefix}{field}"), message);
            }
        };
        report(error);
        // The keys after the failing one, each alone, so every bad key is named.
        for (key, value) in rest {
            let mut one = Kwargs::new();
            one.insert(key, value);
            if let Err(error) = from_value::<T>(Value::Object(one)) {
                report(error);
            }
        }
        None
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, RequestErrors> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(RequestErrors(self.problems)),
        }
    }
}

/// How many native key names an unknown-key message lists before it counts the rest.
const LISTED_NATIVE_KEYS: usize = 20;

/// The message for a key that is neither unified nor declared native. The escape hatch is
/// named only where the adapter has a native API for the operation (it declares keys for it).
fn unknown_key(
    key: &str,
    operation: Operation,
    unified: &[&'static str],
    adapter: &str,
    declared: &NativeKeys,
) -> String {
    let native: Vec<&str> = declared.of(operation).iter().map(|k| k.name).collect();
    let close = closest_names(key, unified.iter().chain(native.iter()).copied());
    let escape = if native.is_empty() {
        ""
    } else {
        "pass anything else verbatim under `native:`"
    };
    if !close.is_empty() {
        let hint = if escape.is_empty() {
            String::new()
        } else {
            format!(" ({escape})")
        };
        return format!(
            "unknown key for {operation}; did you mean {}?{hint}",
            quote_list(&close)
        );
    }
    let natives = if native.is_empty() {
        format!("{adapter} declares no native keys for it")
    } else {
        let listed = native.len().min(LISTED_NATIVE_KEYS);
        let more = match native.len() - listed {
            0 => String::new(),
            rest => format!(" and {rest} more"),
        };
        format!(
            "native keys of {adapter}: {}{more}; {escape}",
            native[..listed].join(", ")
        )
    };
    format!(
        "unknown key for {operation}; it takes {}; {natives}",
        unified.join(", ")
    )
}

/// Parses `find_tickets` kwargs.
pub(crate) fn search(
    kwargs: Kwargs,
    adapter: &str,
    native: &NativeKeys,
) -> Result<SearchRequest, RequestErrors> {
    let reader = Reader::new(Operation::Search, kwargs, BTreeSet::new(), adapter, native);
    read_search(reader)
}

fn read_search(mut r: Reader) -> Result<SearchRequest, RequestErrors> {
    // A misspelt or mistyped key was meant as a filter: no "no filter" error on top of it.
    let key_problems = !r.problems.is_empty();
    let all = match r.unified.remove(ALL_KEY) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(other) => {
            r.problem(
                ALL_KEY,
                format!("expected true or false, got {}", describe(&other)),
            );
            true
        }
    };
    let filtered = TicketSearchCriteria::KEYS
        .iter()
        .any(|k| !NOT_FILTERS.contains(k) && r.has(k))
        || !r.native.is_empty()
        // A templated filter (unified or native) or `native:` map: known only at run time.
        || r.deferred.iter().any(|k| !NOT_FILTERS.contains(&k.as_str()));
    if all && filtered {
        r.problem(
            ALL_KEY,
            "`all: true` means no filter: remove it, or the filters",
        );
    } else if !all && !filtered && !r.deferred.contains(ALL_KEY) && !key_problems {
        r.problem(
            ALL_KEY,
            "no filter: this search would return every ticket; add a filter, or `all: true` if that is meant",
        );
    }
    let criteria = r.typed::<TicketSearchCriteria>("");
    let native = std::mem::take(&mut r.native);
    r.finish(criteria.map(|criteria| SearchRequest {
        criteria,
        all,
        native,
    }))
}

/// Parses `get_ticket` kwargs.
pub(crate) fn get(
    kwargs: Kwargs,
    adapter: &str,
    native: &NativeKeys,
) -> Result<GetRequest, RequestErrors> {
    refuse_number(&kwargs)?;
    read_get(Reader::new(
        Operation::Get,
        kwargs,
        BTreeSet::new(),
        adapter,
        native,
    ))
}

fn read_get(mut r: Reader) -> Result<GetRequest, RequestErrors> {
    let id = r.ticket_id();
    let attachment_content = r.flag(ATTACHMENT_CONTENT_KEY, false);
    let native = std::mem::take(&mut r.native);
    r.finish(id.map(|ticket_id| GetRequest {
        ticket_id,
        attachment_content,
        native,
    }))
}

/// Parses `create_ticket` kwargs.
pub(crate) fn create(
    kwargs: Kwargs,
    adapter: &str,
    native: &NativeKeys,
) -> Result<CreateRequest, RequestErrors> {
    read_create(Reader::new(
        Operation::Create,
        kwargs,
        BTreeSet::new(),
        adapter,
        native,
    ))
}

fn read_create(mut r: Reader) -> Result<CreateRequest, RequestErrors> {
    let subject_given = r.deferred.contains("subject");
    let ticket = r.typed::<UnifiedTicket>("");
    if let Some(ticket) = &ticket {
        if !subject_given
            && ticket
                .subject
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
        {
            r.problem("subject", "a new ticket needs a non-empty subject");
        }
    }
    let native = std::mem::take(&mut r.native);
    r.finish(ticket.map(|ticket| CreateRequest { ticket, native }))
}

/// Parses `update_ticket` kwargs.
pub(crate) fn update(
    kwargs: Kwargs,
    adapter: &str,
    native: &NativeKeys,
) -> Result<UpdateRequest, RequestErrors> {
    refuse_number(&kwargs)?;
    read_update(Reader::new(
        Operation::Update,
        kwargs,
        BTreeSet::new(),
        adapter,
        native,
    ))
}

fn read_update(mut r: Reader) -> Result<UpdateRequest, RequestErrors> {
    // A misspelt or mistyped key was meant as a change: no "nothing to change" on top of it.
    let key_problems = !r.problems.is_empty();
    let id = r.ticket_id();
    let reread = r.reread();
    // A note that is given counts as a change even when it is wrong (that is reported apart).
    let note_given = r.has(UPDATE_NOTE_KEY);
    let note = match r.unified.remove(UPDATE_NOTE_KEY) {
        None | Some(Value::Null) => None,
        Some(value) => update_note(&mut r, value),
    };
    if r.has("body") {
        r.problem(
            "body",
            "the body of an existing ticket cannot be changed; add a note instead",
        );
    }
    let changing = TICKET_KEYS.iter().any(|k| r.has(k))
        || note_given
        || !r.native.is_empty()
        || r.deferred.contains(NATIVE_KEY)
        || r.deferred
            .iter()
            .any(|k| !ID_KEYS.contains(&k.as_str()) && k != REREAD_KEY);
    if !changing && !key_problems {
        r.problem(
            "(arguments)",
            "nothing to change: give fields to set, a `note`, or native keys",
        );
    }
    let changes = r.typed::<UnifiedTicket>("");
    let native = std::mem::take(&mut r.native);
    r.finish(id.zip(changes).map(|(ticket_id, changes)| UpdateRequest {
        ticket_id,
        changes,
        note,
        reread,
        native,
    }))
}

/// The `note` of an update: a map of note keys, or just the body.
fn update_note(r: &mut Reader, value: Value) -> Option<UnifiedNote> {
    let note = match value {
        Value::String(body) => UnifiedNote::new("Note", body),
        Value::Object(map) => {
            let mut inner = Reader {
                unified: Kwargs::new(),
                native: Kwargs::new(),
                deferred: BTreeSet::new(),
                problems: Vec::new(),
            };
            let entries = if map.keys().all(|k| NOTE_KEYS.contains(&k.as_str())) {
                // The usual note: every key known, the map kept as it is.
                inner.unified = map;
                Kwargs::new()
            } else {
                map
            };
            for (key, value) in entries {
                if NOTE_KEYS.contains(&key.as_str()) {
                    inner.unified.insert(key, value);
                } else {
                    let close = closest_names(&key, NOTE_KEYS.iter().copied());
                    let hint = if close.is_empty() {
                        format!("a note takes: {}", NOTE_KEYS.join(", "))
                    } else {
                        format!("did you mean {}?", quote_list(&close))
                    };
                    inner.problem(&format!("note.{key}"), format!("unknown note key; {hint}"));
                }
            }
            let mut note = inner.typed::<UnifiedNote>("note.");
            if let Some(note) = &mut note {
                inner.attachments(note, "note.");
            }
            // A misspelt key is the mistake: the body it probably meant is not missing too.
            let misspelt = !inner.problems.is_empty();
            r.problems.append(&mut inner.problems);
            if misspelt {
                return None;
            }
            note?
        }
        other => {
            r.problem(
                "note",
                format!(
                    "expected a map of note keys or the body text, got {}",
                    describe(&other)
                ),
            );
            return None;
        }
    };
    if note.body.as_deref().is_none_or(|b| b.trim().is_empty()) {
        r.problem("note.body", "a note needs a non-empty body");
        return None;
    }
    Some(note)
}

/// Parses `add_note` kwargs.
pub(crate) fn note(
    kwargs: Kwargs,
    adapter: &str,
    native: &NativeKeys,
) -> Result<NoteRequest, RequestErrors> {
    refuse_number(&kwargs)?;
    read_note(Reader::new(
        Operation::Note,
        kwargs,
        BTreeSet::new(),
        adapter,
        native,
    ))
}

fn read_note(mut r: Reader) -> Result<NoteRequest, RequestErrors> {
    let id = r.ticket_id();
    let reread = r.reread();
    let body_given = r.deferred.contains("body");
    let mut note = r.typed::<UnifiedNote>("");
    if let Some(note) = &mut note {
        if !r.deferred.contains("attachments") {
            r.attachments(note, "");
        }
        if !body_given && note.body.as_deref().is_none_or(|b| b.trim().is_empty()) {
            r.problem("body", "a note needs a non-empty body");
        }
    }
    let native = std::mem::take(&mut r.native);
    r.finish(id.zip(note).map(|(ticket_id, note)| NoteRequest {
        ticket_id,
        note,
        reread,
        native,
    }))
}

/// Reads a `ticket_number` value: text or a whole number, with the characters of a
/// [`TicketId`].
fn ticket_number(value: &Value) -> Result<TicketId, String> {
    TicketId::from_value(value).map_err(|message| message.replace("ticket ID", "ticket number"))
}

/// Takes `ticket_number` out of `kwargs` and lets it stand in for `ticket_id` while the rest is
/// parsed (so every other problem is reported before any lookup); the caller then looks the
/// number up with [`TicketSystemService::ticket_id_by_number`](crate::TicketSystemService::ticket_id_by_number)
/// and puts the ID in the parsed request. `None` when no number is given. Naming the ticket both
/// by ID and by number is an error. The `*_kw` methods of
/// [`TicketSystemServiceExt`](crate::TicketSystemServiceExt) do all of this.
pub fn number_stands_in_for_id(kwargs: &mut Kwargs) -> crate::Result<Option<TicketId>> {
    let number = take_ticket_number(kwargs)?;
    if let Some(number) = &number {
        kwargs.insert(ID_KEYS[0].into(), number.as_str().into());
    }
    Ok(number)
}

/// Removes `ticket_number` from `kwargs` and reads it; `None` when absent or null. Naming the
/// ticket both by ID and by number is an error.
pub(crate) fn take_ticket_number(kwargs: &mut Kwargs) -> crate::Result<Option<TicketId>> {
    let Some(value) = kwargs.remove(NUMBER_KEY).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    if ID_KEYS
        .iter()
        .any(|k| kwargs.get(*k).is_some_and(|v| !v.is_null()))
    {
        return Err(Error::invalid_input(NUMBER_KEY, ID_OR_NUMBER));
    }
    ticket_number(&value)
        .map(Some)
        .map_err(|message| Error::invalid_input(NUMBER_KEY, message))
}

/// A request names its ticket by ID: a `ticket_number` must have been looked up before.
fn refuse_number(kwargs: &Kwargs) -> Result<(), RequestErrors> {
    if kwargs.get(NUMBER_KEY).is_some_and(|v| !v.is_null()) {
        return Err(RequestErrors(vec![Error::invalid_input(
            NUMBER_KEY,
            "a ticket number is looked up by the service first: use the `*_kw` methods or \
             `ticket_id_by_number`",
        )]));
    }
    Ok(())
}

/// Checks kwargs for `operation` without building a request, for load-time validation:
/// `deferred` names keys whose values are templates (known only at run time): they count as
/// given and their values are not checked. Returns every problem.
pub fn check_kwargs(
    operation: Operation,
    kwargs: Kwargs,
    deferred: BTreeSet<String>,
    adapter: &str,
    native: &NativeKeys,
) -> Vec<Error> {
    let reader = Reader::new(operation, kwargs, deferred, adapter, native);
    let result = match operation {
        Operation::Search => read_search(reader).err(),
        Operation::Get => read_get(reader).err(),
        Operation::Create => read_create(reader).err(),
        Operation::Update => read_update(reader).err(),
        Operation::Note => read_note(reader).err(),
    };
    result.map(|e| e.0).unwrap_or_default()
}
