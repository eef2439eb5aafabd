//! The six ticket pipes: their params are the service method's kwargs (plus Open Ticket AI's
//! wrapper keys), parsed once into the typed request against the service's native keys.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use futures::StreamExt;
use futures::future::BoxFuture;
use otai_core::request::{
    CreateRequest, GetRequest, NUMBER_KEY, NativeKeys, NoteRequest, Operation, REREAD_KEY,
    RequestErrors, SearchRequest, TicketId, UpdateRequest, check_kwargs, number_stands_in_for_id,
};
use otai_core::{Error, Kwargs, Result, TicketSystemService};
use otai_pipeline::{
    CheckContext, ItemStream, ParamError, Pipe, PipeContext, PipeSpec, TemplateValue,
    optional_ticket_value, ticket_value, tickets_value,
};
use serde::Deserialize;
use serde_json::Value;

/// Which service method a ticket pipe calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Fetch,
    FindFirst,
    Get,
    Create,
    Update,
    Note,
}

impl Op {
    /// The operation whose keys the pipe takes.
    fn operation(self) -> Operation {
        match self {
            Op::Fetch | Op::FindFirst => Operation::Search,
            Op::Get => Operation::Get,
            Op::Create => Operation::Create,
            Op::Update => Operation::Update,
            Op::Note => Operation::Note,
        }
    }

    /// Whether `key` is an Open Ticket AI wrapper for this pipe. (`note` only for `add_note`:
    /// in `update_ticket` it is the note added with the change.)
    fn is_wrapper(self, key: &str) -> bool {
        WRAPPERS.contains(&key) && (key != "note" || self == Op::Note)
    }
}

impl Op {
    /// The schema of the pipe's params: the unified keys it takes, described; any other key
    /// is the service's native key, checked against the service when the file is loaded.
    fn params_schema(self) -> otai_core::registry::SchemaFn {
        match self {
            Op::Fetch => |_| kwargs_schema(Op::Fetch),
            Op::FindFirst => |_| kwargs_schema(Op::FindFirst),
            Op::Get => |_| kwargs_schema(Op::Get),
            Op::Create => |_| kwargs_schema(Op::Create),
            Op::Update => |_| kwargs_schema(Op::Update),
            Op::Note => |_| kwargs_schema(Op::Note),
        }
    }
}

/// An open map of the unified keys of `op`'s operation, each with its schema (the same as
/// `otai mcp`'s tools give), as [`Op::params_schema`] says.
fn kwargs_schema(op: Op) -> schemars::Schema {
    use otai_core::TicketSearchCriteria;
    use otai_core::request::schema::{note_key, note_object, search_key, ticket_id, ticket_key};
    use otai_core::request::{ATTACHMENT_CONTENT_KEY, NATIVE_KEY, NOTE_KEYS, TICKET_KEYS};
    use serde_json::json;
    let number = || json!({"type": ["string", "integer"], "description": "The ticket's number."});
    let mut properties = serde_json::Map::new();
    let mut add = |key: &str, schema: serde_json::Value| {
        properties.insert(key.to_owned(), schema);
    };
    if !matches!(op, Op::Fetch | Op::FindFirst | Op::Create) {
        add("ticket_id", ticket_id());
        add("ticket_number", number());
    }
    match op {
        Op::Fetch | Op::FindFirst => {
            for key in TicketSearchCriteria::KEYS {
                add(key, search_key(key));
            }
            add(
                "all",
                json!({"type": "boolean", "description": "Search without any filter."}),
            );
        }
        Op::Get => add(
            ATTACHMENT_CONTENT_KEY,
            json!({"type": "boolean", "description": "Read the attachments' contents too."}),
        ),
        Op::Create | Op::Update => {
            for key in TICKET_KEYS {
                add(key, ticket_key(key));
            }
            if op == Op::Update {
                add("note", note_object());
            }
        }
        Op::Note => {
            for key in NOTE_KEYS {
                add(key, note_key(key));
            }
        }
    }
    add(
        NATIVE_KEY,
        json!({"type": "object", "description": "Native arguments, passed to the service as they are."}),
    );
    for key in WRAPPERS.iter().filter(|key| op.is_wrapper(key)) {
        let text = "Open Ticket AI's wrapper: its keys are merged into the params.";
        let schema = properties.remove(*key).unwrap_or_else(|| json!({}));
        let mut schema = schema.as_object().cloned().unwrap_or_default();
        schema.insert("description".into(), json!(text));
        schema.remove("additionalProperties");
        properties.insert((*key).into(), serde_json::Value::Object(schema));
    }
    schemars::json_schema!({
        "type": "object",
        "description": "The operation's unified keys and the service's native keys.",
        "properties": properties,
    })
}

/// Open Ticket AI wraps the kwargs in one of these keys; their content is merged into the kwargs
/// (keys given outside the wrapper win).
const WRAPPERS: &[&str] = &[
    "ticket_search_criteria",
    "ticket_payload",
    "updated_ticket",
    "note",
    "ticket",
];

/// A request parsed from kwargs, and the ticket number it named its ticket by (looked up at
/// run; until then the number stands in for the ID).
#[derive(Debug, Clone)]
struct Parsed(Request, Option<TicketId>);

/// A typed request.
#[derive(Debug, Clone)]
enum Request {
    Search(SearchRequest),
    Get(GetRequest),
    Create(CreateRequest),
    Update(UpdateRequest),
    Note(NoteRequest),
}

impl Request {
    fn parse(op: Op, mut kwargs: Kwargs, adapter: &str, native: &NativeKeys) -> Result<Parsed> {
        let number = match op {
            Op::Get | Op::Update | Op::Note => number_stands_in_for_id(&mut kwargs)?,
            Op::Fetch | Op::FindFirst | Op::Create => None,
        };
        Ok(Parsed(Self::read(op, kwargs, adapter, native)?, number))
    }

    /// Reads kwargs that name no ticket by its number; every problem an error of its own.
    fn read(
        op: Op,
        kwargs: Kwargs,
        adapter: &str,
        native: &NativeKeys,
    ) -> std::result::Result<Self, RequestErrors> {
        Ok(match op {
            Op::Fetch | Op::FindFirst => {
                Request::Search(SearchRequest::read_kwargs(kwargs, adapter, native)?)
            }
            Op::Get => Request::Get(GetRequest::read_kwargs(kwargs, adapter, native)?),
            Op::Create => Request::Create(CreateRequest::read_kwargs(kwargs, adapter, native)?),
            Op::Update => Request::Update(UpdateRequest::read_kwargs(kwargs, adapter, native)?),
            Op::Note => Request::Note(NoteRequest::read_kwargs(kwargs, adapter, native)?),
        })
    }

    /// Turns off the re-read after a change (other requests have none).
    fn skip_reread(&mut self) {
        match self {
            Request::Update(r) => r.reread = false,
            Request::Note(r) => r.reread = false,
            _ => {}
        }
    }

    /// The request with the ID of the ticket numbered `number` in place of the stand-in;
    /// `None` for a get when no ticket has that number (update and note: not found).
    async fn with_id_of(
        self,
        number: Option<TicketId>,
        service: &dyn TicketSystemService,
    ) -> Result<Option<Self>> {
        let Some(number) = number else {
            return Ok(Some(self));
        };
        let Some(id) = service.ticket_id_by_number(number.as_str()).await? else {
            return match self {
                Request::Get(_) => Ok(None),
                _ => Err(Error::NotFound {
                    what: format!("ticket number {number}"),
                }),
            };
        };
        Ok(Some(match self {
            Request::Get(mut r) => {
                r.ticket_id = id;
                Request::Get(r)
            }
            Request::Update(mut r) => {
                r.ticket_id = id;
                Request::Update(r)
            }
            Request::Note(mut r) => {
                r.ticket_id = id;
                Request::Note(r)
            }
            other => other,
        }))
    }
}

/// A ticket pipe's params: the kwargs as written, and the request once parsed.
#[derive(Debug)]
struct TicketParams {
    kwargs: Kwargs,
    /// Parsed by the check at load when all static: every run uses a copy.
    request: OnceLock<Parsed>,
    /// Parsed by the check after rendering: the one run of these params takes it.
    rendered: Mutex<Option<Parsed>>,
    /// Whether the kwargs give `reread` (kept when the check after rendering took them).
    gives_reread: bool,
}

impl<'de> Deserialize<'de> for TicketParams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Self {
            kwargs: Kwargs::deserialize(d)?,
            request: OnceLock::new(),
            rendered: Mutex::new(None),
            gives_reread: false,
        })
    }
}

/// The kwargs with the wrappers merged in, and for each key that came from a wrapper the param
/// it came from (`ticket_search_criteria.queue`); any other key came from itself.
type Unwrapped = (Kwargs, BTreeMap<String, String>);

/// The param kwarg `key` came from.
fn origin_of<'a>(origin: &'a BTreeMap<String, String>, key: &'a str) -> &'a str {
    origin.get(key).map_or(key, String::as_str)
}

/// Whether `reread` is given, at the top or inside a wrapper (read without copying the kwargs).
fn gives_reread(op: Op, params: &Kwargs) -> bool {
    params.iter().any(|(key, value)| {
        key == REREAD_KEY
            || (op.is_wrapper(key)
                && value
                    .as_object()
                    .is_some_and(|m| m.contains_key(REREAD_KEY)))
    })
}

fn unwrap(op: Op, params: &Kwargs) -> std::result::Result<Unwrapped, Vec<ParamError>> {
    let mut kwargs = Kwargs::new();
    let mut origin = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in params {
        if !op.is_wrapper(key) {
            kwargs.insert(key.clone(), value.clone());
        }
    }
    for (wrapper, value) in params.iter().filter(|(k, _)| op.is_wrapper(k)) {
        match value {
            Value::Object(inner) => {
                for (key, value) in inner {
                    if !kwargs.contains_key(key) {
                        kwargs.insert(key.clone(), value.clone());
                        origin.insert(key.clone(), format!("{wrapper}.{key}"));
                    }
                }
            }
            Value::Null => {}
            other => errors.push(ParamError::new(
                wrapper.clone(),
                format!("expected a map, got {}", otai_core::kwargs::describe(other)),
            )),
        }
    }
    if errors.is_empty() {
        Ok((kwargs, origin))
    } else {
        Err(errors)
    }
}

/// One of the six ticket pipes.
struct TicketPipe(Op);

impl TicketPipe {
    /// The request of a run: the one the check parsed, or parsed now.
    fn parsed(&self, params: &TicketParams, service: &dyn TicketSystemService) -> Result<Parsed> {
        if let Some(parsed) = params.rendered.lock().ok().and_then(|mut r| r.take()) {
            return Ok(parsed);
        }
        if let Some(parsed) = params.request.get() {
            return Ok(parsed.clone());
        }
        let (kwargs, _) = unwrap(self.0, &params.kwargs).map_err(|errors| {
            let first = errors.into_iter().next();
            let (field, message) = first.map(|e| (e.field, e.message)).unwrap_or_default();
            Error::invalid_input(field, message)
        })?;
        Request::parse(self.0, kwargs, service.kind(), service.native_keys())
    }

    /// Checks kwargs whose values are all known, keeping the request for the run.
    fn parse(
        &self,
        params: &TicketParams,
        kwargs: Kwargs,
        ctx: &CheckContext<'_>,
        service: (&str, &NativeKeys),
    ) -> Vec<ParamError> {
        let (adapter, native) = service;
        match Request::parse(self.0, kwargs, adapter, native) {
            Ok(request) if ctx.is_load() => {
                let _ = params.request.set(request);
                Vec::new()
            }
            Ok(request) => {
                if let Ok(mut rendered) = params.rendered.lock() {
                    *rendered = Some(request);
                }
                Vec::new()
            }
            // Only on failure: every problem, one by one, from the kwargs read again.
            Err(_) => match unwrap(self.0, &params.kwargs) {
                Ok((kwargs, _)) => {
                    check_kwargs(self.0.operation(), kwargs, BTreeSet::new(), adapter, native)
                        .into_iter()
                        .map(ParamError::from)
                        .collect()
                }
                Err(errors) => errors,
            },
        }
    }
}

/// An error about a templated key is about the key (unknown, given twice): values of
/// templated keys are not checked at load.
fn about_deferred_key(error: ParamError, deferred: &BTreeSet<String>) -> ParamError {
    let key_end = error.field.find(['.', '[']).unwrap_or(error.field.len());
    if deferred.contains(&error.field[..key_end]) {
        ParamError::key(error.field, error.message)
    } else {
        error
    }
}

/// Points an error about kwarg `queue` at the param it came from (`ticket_payload.queue`).
fn at_origin(mut error: ParamError, origin: &BTreeMap<String, String>) -> ParamError {
    let key_end = error.field.find(['.', '[']).unwrap_or(error.field.len());
    if let Some(from) = origin.get(&error.field[..key_end]) {
        error.field = format!("{from}{}", &error.field[key_end..]);
    }
    error
}

#[async_trait]
impl Pipe for TicketPipe {
    type Params = TicketParams;

    /// At load, the kwargs are checked against the native keys of the service's kind: unknown
    /// keys (with a suggestion), wrong types, a search without a filter. Templated values count
    /// as given. After rendering, the request is parsed (and kept for the run).
    fn check(
        &self,
        params: &TicketParams,
        ctx: &CheckContext<'_>,
    ) -> std::result::Result<(), Vec<ParamError>> {
        let Some(service) = ctx.service else {
            return Ok(());
        };
        let whole_wrapper_templated = params
            .kwargs
            .iter()
            .any(|(k, v)| self.0.is_wrapper(k) && v.is_null() && ctx.is_templated(k));
        let all_templated = params.kwargs.is_empty() && ctx.is_templated("");
        if whole_wrapper_templated || all_templated {
            return Ok(()); // which keys there are is known only at run
        }
        let (kwargs, origin) = unwrap(self.0, &params.kwargs)?;
        let (deferred, known): (Kwargs, Kwargs) = kwargs
            .into_iter()
            .partition(|(k, _)| ctx.is_templated(origin_of(&origin, k)));
        let errors = if deferred.is_empty() {
            self.parse(params, known, ctx, service)
        } else {
            let (adapter, native) = service;
            let deferred: BTreeSet<String> = deferred.into_iter().map(|(k, _)| k).collect();
            check_kwargs(self.0.operation(), known, deferred.clone(), adapter, native)
                .into_iter()
                .map(|e| about_deferred_key(ParamError::from(e), &deferred))
                .collect()
        };
        let errors: Vec<ParamError> = errors.into_iter().map(|e| at_origin(e, &origin)).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// After rendering, kwargs without wrappers or a ticket number (the usual case) are moved
    /// into the request for the run, not copied; the others are checked as at load.
    fn check_rendered(
        &self,
        params: &mut TicketParams,
        ctx: &CheckContext<'_>,
    ) -> std::result::Result<(), Vec<ParamError>> {
        let Some((adapter, native)) = ctx.service else {
            return Ok(());
        };
        let plain = params
            .kwargs
            .keys()
            .all(|k| !self.0.is_wrapper(k) && k != NUMBER_KEY);
        if !plain {
            return self.check(params, ctx);
        }
        params.gives_reread = gives_reread(self.0, &params.kwargs);
        let kwargs = std::mem::take(&mut params.kwargs);
        match Request::read(self.0, kwargs, adapter, native) {
            Ok(request) => {
                if let Ok(rendered) = params.rendered.get_mut() {
                    *rendered = Some(Parsed(request, None));
                }
                Ok(())
            }
            // The same problems the check lists: the same reader, on the same kwargs.
            Err(errors) => Err(errors.0.into_iter().map(ParamError::from).collect()),
        }
    }

    /// `fetch_tickets` hands its tickets to the `foreach` after it as they arrive.
    fn stream(
        &self,
        ctx: &PipeContext,
        params: &TicketParams,
    ) -> Option<BoxFuture<'static, Result<ItemStream>>> {
        if self.0 != Op::Fetch {
            return None;
        }
        let service = Arc::clone(ctx.service.as_ref()?);
        let request = match self.parsed(params, service.as_ref()) {
            Ok(Parsed(Request::Search(request), _)) => request,
            Ok(_) => return None,
            Err(e) => return Some(Box::pin(futures::future::ready(Err(e)))),
        };
        Some(Box::pin(async move {
            let stream = service.stream_tickets(request).await?;
            let items = stream.tickets.map(|ticket| ticket.map(ticket_value));
            Ok(ItemStream::new(stream.total, Box::pin(items)))
        }))
    }

    /// Tickets are handed to later pipes as typed values: a fetched list is never copied.
    async fn run(&self, ctx: &PipeContext, params: &TicketParams) -> Result<TemplateValue> {
        let service = ctx.service()?;
        let Parsed(mut request, number) = self.parsed(params, service.as_ref())?;
        // Nothing reads the ticket a change returns: reading it back would be a request for
        // nobody, unless `reread:` asks for it.
        if !ctx.result_read && !params.gives_reread && !gives_reread(self.0, &params.kwargs) {
            request.skip_reread();
        }
        match request.with_id_of(number, service.as_ref()).await? {
            Some(request) => call(service.as_ref(), self.0, request, ctx.result_read).await,
            None => Ok(TemplateValue::from_pairs(vec![
                ("found", false.into()),
                ("ticket", optional_ticket_value(None)),
            ])),
        }
    }
}

/// Calls the service and shapes the result for templates; a write whose result nobody reads
/// (`read` false) gives none.
async fn call(
    service: &dyn TicketSystemService,
    op: Op,
    request: Request,
    read: bool,
) -> Result<TemplateValue> {
    let result = |pairs: Vec<(&str, TemplateValue)>| TemplateValue::from_pairs(pairs);
    let written = |ticket: otai_core::UnifiedTicket| {
        if read {
            result(vec![("ticket", ticket_value(ticket))])
        } else {
            TemplateValue::from(())
        }
    };
    Ok(match request {
        Request::Search(request) if op == Op::FindFirst => {
            let ticket = service.find_first_ticket(request).await?;
            result(vec![
                ("found", ticket.is_some().into()),
                ("ticket", optional_ticket_value(ticket)),
            ])
        }
        Request::Search(request) => {
            let tickets = service.find_tickets(request).await?;
            result(vec![
                ("count", tickets.len().into()),
                ("tickets", tickets_value(tickets)),
            ])
        }
        Request::Get(request) => {
            let ticket = service.get_ticket(request).await?;
            result(vec![
                ("found", ticket.is_some().into()),
                ("ticket", optional_ticket_value(ticket)),
            ])
        }
        Request::Create(request) => written(service.create_ticket(request).await?),
        Request::Update(request) => written(service.update_ticket(request).await?),
        Request::Note(request) => written(service.add_note(request).await?),
    })
}

/// Registers the ticket pipes under their short, Open Ticket AI and qualified names.
pub(crate) fn register(registry: &mut otai_pipeline::Registry) {
    let pipes: [(&[&str], &'static str, Op); 6] = [
        (
            &[
                "fetch_tickets",
                "base:FetchTicketsPipe",
                "otai_base:pipes.ticket_system_pipes.FetchTicketsPipe",
            ],
            "find tickets (kwargs: search criteria, or `all: true`); result: tickets, count",
            Op::Fetch,
        ),
        (
            &[
                "find_first_ticket",
                "base:FindFirstTicketPipe",
                "otai_base:pipes.ticket_system_pipes.FindFirstTicketPipe",
            ],
            "the first matching ticket; result: ticket, found",
            Op::FindFirst,
        ),
        (
            &[
                "get_ticket",
                "base:GetTicketPipe",
                "otai_base:pipes.ticket_system_pipes.GetTicketPipe",
            ],
            "one ticket by ticket_id or ticket_number; result: ticket, found",
            Op::Get,
        ),
        (
            &[
                "create_ticket",
                "base:CreateTicketPipe",
                "otai_base:pipes.ticket_system_pipes.CreateTicketPipe",
            ],
            "create a ticket (kwargs: ticket fields); result: ticket",
            Op::Create,
        ),
        (
            &[
                "update_ticket",
                "base:UpdateTicketPipe",
                "otai_base:pipes.ticket_system_pipes.UpdateTicketPipe",
            ],
            "change a ticket (ticket_id or ticket_number + fields, note); result: ticket",
            Op::Update,
        ),
        (
            &[
                "add_note",
                "base:AddNotePipe",
                "otai_base:pipes.ticket_system_pipes.AddNotePipe",
            ],
            "add a note (ticket_id or ticket_number, subject, body, internal); result: ticket",
            Op::Note,
        ),
    ];
    for (names, description, op) in pipes {
        registry.register_pipe(
            names,
            PipeSpec::new(description, TicketPipe(op))
                .with_service()
                .with_params_schema(op.params_schema()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kw(value: Value) -> Kwargs {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn open_ticket_ai_wrappers_merge_into_the_kwargs() -> std::result::Result<(), Vec<ParamError>> {
        let (kwargs, origin) = unwrap(
            Op::Fetch,
            &kw(json!({"ticket_search_criteria": {"queue": {"id": "5"}, "limit": 20}, "limit": 5})),
        )?;
        assert_eq!(
            Value::Object(kwargs),
            json!({"queue": {"id": "5"}, "limit": 5})
        );
        assert_eq!(
            origin.get("queue").map(String::as_str),
            Some("ticket_search_criteria.queue")
        );
        assert_eq!(
            origin_of(&origin, "limit"),
            "limit",
            "a key at the top is its own origin"
        );
        assert!(gives_reread(Op::Update, &kw(json!({"reread": false}))));
        assert!(gives_reread(
            Op::Note,
            &kw(json!({"note": {"reread": true}}))
        ));
        assert!(!gives_reread(
            Op::Update,
            &kw(json!({"note": {"reread": true}}))
        ));
        let note = kw(json!({"note": {"subject": "s", "body": "b"}, "ticket_id": 1}));
        assert_eq!(
            Value::Object(unwrap(Op::Note, &note)?.0),
            json!({"subject": "s", "body": "b", "ticket_id": 1}),
            "add_note unwraps `note`"
        );
        assert_eq!(
            Value::Object(unwrap(Op::Update, &note)?.0),
            Value::Object(note.clone()),
            "update_ticket keeps `note` as the note to add"
        );
        let err = unwrap(Op::Create, &kw(json!({"ticket_payload": "x", "ticket": 5}))).err();
        assert_eq!(
            err,
            Some(vec![
                ParamError::new("ticket", "expected a map, got a number"),
                ParamError::new("ticket_payload", "expected a map, got a string"),
            ])
        );
        Ok(())
    }

    #[test]
    fn errors_point_at_the_param_the_key_came_from() {
        let origin: BTreeMap<String, String> =
            [("queu".into(), "ticket_payload.queu".into())].into();
        let moved = at_origin(ParamError::new("queu", "unknown key"), &origin);
        assert_eq!(moved.field, "ticket_payload.queu");
        let nested = at_origin(ParamError::new("note.body", "empty"), &BTreeMap::new());
        assert_eq!(nested.field, "note.body");
    }
}
