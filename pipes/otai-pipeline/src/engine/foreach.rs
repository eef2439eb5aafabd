//! `foreach`: a built-in pipe with typed params, run by the engine (it runs nested pipes).

use futures::StreamExt;
use minijinja::Value as Jinja;
use minijinja::value::ValueKind;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};

use super::{CompiledPipe, Engine, Results, RunState, params_error};
use crate::pipe::{ItemStream, ParamError};
use crate::report::{PipeReport, PipeStatus};
use crate::template::Param;
use otai_core::{Error, Result};

/// One foreach item's outcome: index, whether it succeeded, its own results (`None` when not
/// run after a `fail_fast` stop; `Some(None)` when results are not collected), its reports.
type ItemOutcome = (usize, bool, Option<Option<Jinja>>, Vec<PipeReport>);

/// The name `foreach` is used by.
pub(crate) const NAME: &str = "foreach";

/// The most items run at once.
pub(crate) const MAX_CONCURRENCY: usize = 1024;

/// The params of `foreach`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ForeachParams {
    /// The list to iterate, usually a template such as `{{ pipes.fetch.tickets }}`. Read by the
    /// engine as a template value (never copied); here only its type is checked.
    #[serde(default)]
    pub(crate) items: Option<ItemList>,
    /// How many items run at once: 1 to 1024 (default 1).
    #[serde(default = "one")]
    pub(crate) concurrency: usize,
    /// Whether to start no new item after the first failure (default false).
    #[serde(default)]
    pub(crate) fail_fast: bool,
    /// Whether to keep every item's results as `items`; false keeps only `count`. Default:
    /// when something reads them (a later template, or the caller of the run).
    #[serde(default)]
    pub(crate) collect: Option<bool>,
}

fn one() -> usize {
    1
}

impl ForeachParams {
    /// What serde cannot check: `items` given, `concurrency` in range.
    pub(crate) fn check(&self) -> Result<(), Vec<ParamError>> {
        let mut errors = Vec::new();
        if self.items.is_none() {
            errors.push(ParamError::new(
                "items",
                "missing: the list to iterate, e.g. `items: '{{ pipes.fetch.tickets }}'`",
            ));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            errors.push(ParamError::new(
                "concurrency",
                format!(
                    "must be from 1 to {MAX_CONCURRENCY}, got {}",
                    self.concurrency
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// `items` as the params check sees it: a list (of anything).
#[derive(Debug)]
pub(crate) struct ItemList;

impl schemars::JsonSchema for ItemList {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ItemList".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "array", "description": "The list to iterate."})
    }
}

impl<'de> Deserialize<'de> for ItemList {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;

        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ItemList;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of items")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ItemList, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ItemList)
            }
        }

        deserializer.deserialize_seq(ListVisitor)
    }
}

impl Engine {
    /// Notes what an item's pipes did to its ticket: failed (any pipe failed) with the errors
    /// and, when the run keeps details, their results, secrets redacted.
    fn note_item(
        &self,
        state: &RunState<'_>,
        item: &Jinja,
        children: &[CompiledPipe],
        results: &Results,
        reports: &[PipeReport],
    ) {
        let failed = reports.iter().any(|r| r.error.is_some());
        if !failed && !state.detail {
            return; // nothing to note: spare reading the ticket id
        }
        let Some(ticket) = super::item_ticket(item) else {
            return;
        };
        let errors: Vec<String> = reports.iter().filter_map(|r| r.error.clone()).collect();
        if !errors.is_empty() {
            if let Ok(mut failed) = state.failed_tickets.lock() {
                failed.insert(ticket.to_string());
            }
        }
        if !state.detail {
            if !errors.is_empty() {
                if let Ok(mut details) = state.details.lock() {
                    details
                        .entry(ticket.to_string())
                        .or_default()
                        .errors
                        .extend(errors);
                }
            }
            return;
        }
        let results = children
            .iter()
            .filter_map(|c| {
                let mut value = serde_json::to_value(results.get(&c.id)?).ok()?;
                self.secrets.redact_value(&mut value);
                Some((c.id.to_string(), value))
            })
            .collect();
        if let Ok(mut details) = state.details.lock() {
            let detail = details.entry(ticket.to_string()).or_default();
            detail.results = results;
            detail.errors.extend(errors);
        }
    }

    /// Runs a `foreach`: its params parsed and checked like any pipe's, then its items (from
    /// `feed` when the pipe before it streams them).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn run_foreach(
        &self,
        pipe: &CompiledPipe,
        children: &[CompiledPipe],
        state: &RunState<'_>,
        results: &Results,
        item: Option<(&Jinja, usize)>,
        name: &str,
        reports: &mut Vec<PipeReport>,
        jinja: &Jinja,
        feed: Option<ItemStream>,
    ) -> Result<Jinja> {
        let filled = pipe.plan.fill(&self.templates, jinja, &["items"])?;
        let params = crate::params::parse::<ForeachParams>(&filled, NAME)
            .and_then(|mut p| {
                // `items` is read below, as template values.
                p.items = Some(ItemList);
                p.check().map(|()| p)
            })
            .map_err(|errors| params_error(state.pipeline, &pipe.id, item, errors))?;
        let items = match feed {
            Some(feed) => feed,
            None => {
                let items = self.foreach_items(pipe, jinja, state.pipeline, item)?;
                ItemStream::new(
                    Some(items.len()),
                    Box::pin(futures::stream::iter(items.into_iter().map(Ok))),
                )
            }
        };
        let collect = params.collect.unwrap_or_else(|| state.reads(pipe.readers));
        self.foreach(
            children, &params, collect, items, state, results, name, reports,
        )
        .await
    }

    /// The items of a `foreach`, as template values (a list of tickets stays shared).
    fn foreach_items(
        &self,
        pipe: &CompiledPipe,
        scope: &Jinja,
        pipeline: &str,
        item: Option<(&Jinja, usize)>,
    ) -> Result<Vec<Jinja>> {
        let items = match &pipe.params {
            Param::Map(entries) => match entries.iter().find(|(k, _)| k == "items") {
                Some((_, param)) => self.templates.eval(param, scope)?,
                None => Jinja::UNDEFINED,
            },
            whole => self
                .templates
                .eval(whole, scope)?
                .get_attr("items")
                .unwrap_or_default(),
        };
        match items.kind() {
            ValueKind::Seq => Ok(items.try_iter().map(Iterator::collect).unwrap_or_default()),
            ValueKind::Undefined | ValueKind::None => Ok(Vec::new()),
            other => Err(params_error(
                pipeline,
                &pipe.id,
                item,
                vec![ParamError::new(
                    "items",
                    format!("expected a list, got {other}"),
                )],
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn foreach(
        &self,
        children: &[CompiledPipe],
        params: &ForeachParams,
        collect: bool,
        items: ItemStream,
        state: &RunState<'_>,
        results: &Results,
        name: &str,
        reports: &mut Vec<PipeReport>,
    ) -> Result<Jinja> {
        let (concurrency, fail_fast) = (params.concurrency, params.fail_fast);
        let stop = std::sync::atomic::AtomicBool::new(false);
        // The error that ended the stream of items, if one did.
        let broken: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
        let total = items.total;
        // Items start lazily, `concurrency` at a time, as they arrive; each clones the (cheap,
        // shared) results when it starts and hands back only its own pipes' results. Outcomes
        // are folded in as they finish, in any order (a slow item holds up no other), and put
        // back in item order at the end; nothing per item outlives it but what is kept.
        let (stop, broken_ref) = (&stop, &broken);
        let arrived = items.items.scan((), move |(), next| {
            let next = match next {
                Ok(value) => Some(value),
                Err(e) => {
                    if let Ok(mut broken) = broken_ref.lock() {
                        *broken = Some(e);
                    }
                    None
                }
            };
            futures::future::ready(next)
        });
        let starts = arrived.enumerate().map(|(index, item)| {
            let run: futures::future::BoxFuture<'_, ItemOutcome> = Box::pin(async move {
                let mut item_reports = Vec::new();
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return (index, false, None, item_reports);
                }
                let _working = super::Working::start(&self.busy.items);
                let mut item_results = results.clone();
                let prefix = ItemPrefix { name, index };
                let ok = self
                    .run_pipes(
                        children,
                        state,
                        &mut item_results,
                        Some((&item, index)),
                        &prefix,
                        &mut item_reports,
                    )
                    .await;
                if !ok && fail_fast {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                self.note_item(state, &item, children, &item_results, &item_reports);
                let own = collect.then(|| {
                    Jinja::from_pairs(
                        children
                            .iter()
                            .filter_map(|c| item_results.get(&c.id).map(|v| (&*c.id, v.clone()))),
                    )
                });
                (index, ok, Some(own), item_reports)
            });
            run
        });
        let mut runs = starts.buffer_unordered(concurrency);
        let (mut outputs, mut kept_reports) = (Vec::new(), Vec::new());
        let (mut failed, mut skipped, mut finished) = (Vec::new(), 0, 0);
        while let Some((index, ok, own, item_reports)) = runs.next().await {
            finished += 1;
            if let Some(progress) = state.progress {
                progress(name, finished, total.unwrap_or(finished).max(finished));
            }
            // An item's pipes that succeeded are counted in the figures; only what went
            // otherwise is kept, so a long loop's report does not grow with its items.
            kept_reports.extend(
                item_reports
                    .into_iter()
                    .filter(|r| r.status != PipeStatus::Succeeded)
                    .map(|r| (index, r)),
            );
            let Some(own) = own else {
                skipped += 1;
                continue;
            };
            if !ok {
                failed.push(index);
            }
            outputs.extend(own.map(|own| (index, own)));
        }
        drop(runs);
        // Item order, as the items came (each item's own reports keep their order).
        kept_reports.sort_by_key(|(index, _)| *index);
        reports.extend(kept_reports.into_iter().map(|(_, report)| report));
        outputs.sort_unstable_by_key(|(index, _)| *index);
        failed.sort_unstable();
        if let Some(error) = broken.into_inner().ok().flatten() {
            return Err(Error::Pipeline {
                pipe: name.to_owned(),
                message: format!("reading its items stopped after {finished}"),
                source: Some(Box::new(error)),
            });
        }
        if !failed.is_empty() || skipped > 0 {
            let shown: Vec<String> = failed.iter().take(10).map(|i| i.to_string()).collect();
            return Err(Error::Pipeline {
                pipe: name.to_owned(),
                message: format!(
                    "{} of {} items failed (items {}{}){}",
                    failed.len(),
                    finished,
                    shown.join(", "),
                    if failed.len() > 10 { ", …" } else { "" },
                    if skipped > 0 {
                        format!("; {skipped} not run after the first failure (fail_fast)")
                    } else {
                        String::new()
                    }
                ),
                source: None,
            });
        }
        let mut output = vec![("count", Jinja::from(finished))];
        if collect {
            output.push(("items", outputs.into_iter().map(|(_, own)| own).collect()));
        }
        Ok(Jinja::from_pairs(output))
    }
}

/// The prefix of the names of an item's pipes: `each[3].`.
struct ItemPrefix<'a> {
    name: &'a str,
    index: usize,
}

impl std::fmt::Display for ItemPrefix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}].", self.name, self.index)
    }
}
