//! `find_tickets`: TicketSQL, the pages of ids, the tickets behind them, and when to stop.
//!
//! A search collects at most `offset + limit` ids (`limit` defaulting to `max_results`), asking
//! for no more per page than it needs, and stops at the first of: enough ids, the last page, or a
//! page that contradicts the request (see [`crate::paging`]). Without `fulltext_index`,
//! `text_contains` reads candidates page by page and stops once enough of them match, or after
//! `max_results` candidates (at least `offset + limit`).

use futures::{StreamExt, TryStreamExt};
use otai_core::request::SearchRequest;
use otai_core::{Error, Result, UnifiedTicket};

use crate::json::Id;
use crate::limits::{MAX_SEARCH_IDS, PAGE};
use crate::paging::{Pager, Paging};
use crate::params::search_params;
use crate::wire::Found;
use crate::{RtService, sql};

/// How many ids a search collects, and what reaching that number means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Ids to collect at most.
    pub(crate) ids: usize,
    /// Ids (or matches) to skip.
    pub(crate) offset: usize,
    /// Tickets to return at most.
    pub(crate) limit: usize,
    /// Whether the caller gave `limit` (reaching it is no reason to warn).
    pub(crate) explicit: bool,
}

impl Budget {
    /// The budget of `request` when the adapter's maximum is `max_results`; `text_filter` when
    /// the adapter filters candidates itself. Over [`MAX_SEARCH_IDS`] is invalid input.
    pub(crate) fn of(
        request: &SearchRequest,
        max_results: usize,
        text_filter: bool,
    ) -> Result<Self> {
        let offset = request.criteria.offset.unwrap_or(0);
        let limit = request.limit_or(max_results);
        let needed = offset.saturating_add(limit);
        if needed > MAX_SEARCH_IDS {
            return Err(Error::invalid_input(
                "limit",
                format!("offset + limit may be at most {MAX_SEARCH_IDS} for Request Tracker"),
            ));
        }
        let ids = if text_filter {
            needed.max(max_results).min(MAX_SEARCH_IDS)
        } else {
            needed
        };
        Ok(Self {
            ids,
            offset,
            limit,
            explicit: request.criteria.limit.is_some(),
        })
    }

    /// Ids asked for per page: no more than needed, at most [`PAGE`].
    pub(crate) fn per_page(&self) -> usize {
        self.ids.clamp(1, PAGE)
    }

    /// Requests the id pages take at most: enough full pages for [`Budget::ids`].
    pub(crate) fn max_pages(&self) -> usize {
        self.ids.div_ceil(self.per_page())
    }
}

impl RtService {
    /// `find_tickets`: see the module documentation.
    pub(crate) async fn search(&self, request: SearchRequest) -> Result<Vec<UnifiedTicket>> {
        let params = search_params(request.native.clone())?;
        let criteria = &request.criteria;
        let sql = sql::ticket_sql(criteria, params.query.as_deref(), &self.maps, self.fulltext)?;
        let filter_text = criteria
            .text_contains
            .as_ref()
            .filter(|_| !self.fulltext)
            .map(|t| t.to_lowercase());
        let budget = Budget::of(&request, self.max_results, filter_text.is_some())?;
        if budget.ids == 0 || budget.limit == 0 {
            return Ok(Vec::new());
        }
        let mut query = vec![("query", sql), ("fields", "id".to_owned())];
        query.extend(params.extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let mut pager = Pager::new(
            &self.client,
            "/tickets".to_owned(),
            query,
            "GET /tickets",
            "a search page",
            Paging::new(budget.per_page(), "ticket"),
            budget.max_pages(),
        );
        let wanted = budget.offset + budget.limit;
        let (mut candidates, mut more) = (0, true);
        let (mut ids_kept, mut matches): (Vec<Id>, Vec<UnifiedTicket>) = (Vec::new(), Vec::new());
        while let Some(page) = pager.next::<Found>().await.map_err(query_error)? {
            let room = budget.ids - candidates;
            more = page.len() > room || !pager.finished();
            let ids: Vec<Id> = page.into_iter().take(room).map(|f| f.id).collect();
            candidates += ids.len();
            match &filter_text {
                None => ids_kept.extend(ids),
                Some(text) => {
                    let tickets = self.read_all(ids).await?;
                    matches.extend(tickets.into_iter().filter(|t| mentions(t, text)));
                    if matches.len() > wanted {
                        matches.truncate(wanted);
                        more = true;
                    }
                }
            }
            let kept = ids_kept.len() + matches.len();
            if kept >= wanted || candidates >= budget.ids || !more {
                break;
            }
        }
        let reached_explicit_limit = budget.explicit && ids_kept.len() + matches.len() >= wanted;
        if more && !reached_explicit_limit {
            tracing::warn!(
                max_results = self.max_results,
                candidates,
                "search stopped at the maximum while RT has more tickets: give a `limit`, \
                 narrow the query or raise `max_results`"
            );
        }
        let (offset, limit) = (budget.offset, budget.limit);
        match filter_text {
            None => {
                self.read_all(ids_kept.into_iter().skip(offset).take(limit).collect())
                    .await
            }
            Some(_) => Ok(matches.into_iter().skip(offset).take(limit).collect()),
        }
    }

    /// Reads tickets `ids`, [`RtService`]'s `concurrency` at a time; tickets gone meanwhile are
    /// left out.
    async fn read_all(&self, ids: Vec<Id>) -> Result<Vec<UnifiedTicket>> {
        let tickets: Vec<Option<UnifiedTicket>> = futures::stream::iter(ids)
            .map(|id| self.read_ticket(id))
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        Ok(tickets.into_iter().flatten().collect())
    }
}

/// RT answers 400 to TicketSQL it cannot parse, with the parser's message.
fn query_error(error: Error) -> Error {
    match error {
        Error::Remote {
            status: Some(400),
            message,
            ..
        } => Error::invalid_input("query", message),
        other => other,
    }
}

/// Whether `text` (lower case) is in the ticket's subject, body or notes.
fn mentions(ticket: &UnifiedTicket, text: &str) -> bool {
    let has = |s: &Option<String>| {
        s.as_deref()
            .is_some_and(|s| s.to_lowercase().contains(text))
    };
    has(&ticket.subject) || has(&ticket.body) || ticket.notes.iter().any(|n| has(&n.body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use otai_core::TicketSearchCriteria;

    fn budget(limit: Option<usize>, offset: usize, text_filter: bool) -> Result<Budget> {
        let mut criteria = TicketSearchCriteria::new().offset(offset);
        criteria.limit = limit;
        Budget::of(&SearchRequest::new(criteria), 10_000, text_filter)
    }

    #[test]
    fn a_search_asks_for_what_it_needs_and_no_more() -> Result<()> {
        let small = budget(Some(3), 0, false)?;
        assert_eq!((small.ids, small.per_page(), small.max_pages()), (3, 3, 1));
        let unlimited = budget(None, 0, false)?;
        assert_eq!(
            (unlimited.ids, unlimited.per_page(), unlimited.max_pages()),
            (10_000, 100, 100)
        );
        assert!(!unlimited.explicit);
        let paged = budget(Some(10), 250, false)?;
        assert_eq!(
            (paged.ids, paged.per_page(), paged.max_pages()),
            (260, 100, 3)
        );
        // Text filtering scans at least max_results candidates.
        let filtered = budget(Some(3), 0, true)?;
        assert_eq!((filtered.ids, filtered.max_pages()), (10_000, 100));
        Ok(())
    }

    #[test]
    fn more_than_the_search_cap_is_refused() {
        let err = budget(Some(MAX_SEARCH_IDS), 1, false).err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("invalid input `limit`: offset + limit may be at most 100000 for Request Tracker")
        );
        assert!(budget(Some(usize::MAX), usize::MAX, false).is_err());
    }
}
