//! Walking RT's paged collections so that no server can keep the walk going: every page must
//! answer the page asked for, hold at most the items asked for, list only ids not seen before and
//! agree with its own `total` and `pages`; a walk stops at its last page or after `max_pages`.

use std::collections::HashSet;

use otai_core::Result;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::client::{RtClient, reply_error};
use crate::json::{Count, Id, Obj};
use crate::wire::{Item, Page};

/// Whether another page follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    /// Ask for the next page.
    More,
    /// This was the last page.
    Last,
}

/// The rules a walk's pages must follow, and what the walk has seen so far.
#[derive(Debug)]
pub(crate) struct Paging {
    per_page: usize,
    page: u64,
    seen: HashSet<Id>,
    /// What the items are, for messages: `ticket`, `transaction`.
    what: &'static str,
}

impl Paging {
    /// A walk of `per_page` items a page (1 to [`crate::limits::PAGE`]) over `what`s.
    pub(crate) fn new(per_page: usize, what: &'static str) -> Self {
        Self {
            per_page: per_page.max(1),
            page: 1,
            seen: HashSet::new(),
            what,
        }
    }

    /// The page to ask for next (from 1).
    pub(crate) fn page(&self) -> u64 {
        self.page
    }

    /// Items asked for per page.
    pub(crate) fn per_page(&self) -> usize {
        self.per_page
    }

    /// Checks `reply`, the answer to [`Paging::page`], and moves on to the next page. An error
    /// says how the reply contradicts the request or itself.
    pub(crate) fn accept<T: Item>(&mut self, reply: &Page<T>) -> Result<After, String> {
        let (asked, per_page) = (self.page, self.per_page as u64);
        let items = &reply.items.0;
        if items.len() > self.per_page {
            return Err(format!(
                "{} items on a page of {per_page} asked for",
                items.len()
            ));
        }
        if let Some(Count(page)) = reply.page.filter(|p| p.0 != asked) {
            return Err(format!(
                "asked for page {asked}, the reply is page {page} (the server ignores `page`?)"
            ));
        }
        if let Some(Count(echo)) = reply.per_page.filter(|p| p.0 != per_page) {
            return Err(format!(
                "asked for {per_page} per page, the reply says {echo}"
            ));
        }
        for Obj(item) in items {
            if !self.seen.insert(item.id()) {
                return Err(format!(
                    "{} {} listed twice (the server repeats pages or items)",
                    self.what,
                    item.id()
                ));
            }
        }
        let seen = self.seen.len() as u64;
        if let Some(Count(total)) = reply.total.filter(|t| seen > t.0) {
            return Err(format!(
                "{seen} {}s listed, more than the total of {total} the reply gives",
                self.what
            ));
        }
        if let (Some(Count(pages)), Some(Count(total))) = (reply.pages, reply.total) {
            if pages != total.div_ceil(per_page) {
                return Err(format!(
                    "{pages} pages for a total of {total} at {per_page} per page"
                ));
            }
        }
        if let Some(Count(pages)) = reply.pages.filter(|p| asked > p.0.max(1)) {
            if !items.is_empty() {
                return Err(format!("page {asked} of {pages} has items"));
            }
        }
        let last = items.len() < self.per_page
            || reply.total.is_some_and(|t| seen >= t.0)
            || reply.pages.is_some_and(|p| asked >= p.0);
        self.page += 1;
        Ok(if last { After::Last } else { After::More })
    }
}

/// A walk through one collection: each call to [`Pager::next`] sends one request, at most
/// `max_pages` in all.
pub(crate) struct Pager<'a> {
    client: &'a RtClient,
    path: String,
    query: Vec<(&'a str, String)>,
    /// `GET /tickets`, for errors.
    request: &'static str,
    /// What a page is, for errors: "a search page".
    expected: &'static str,
    paging: Paging,
    max_pages: usize,
    sent: usize,
    last_seen: bool,
}

impl<'a> Pager<'a> {
    /// A walk over `path` with `query` (the paging parameters are added), for `request` (named in
    /// errors, with `expected` saying what a page is), sending at most `max_pages` requests.
    pub(crate) fn new(
        client: &'a RtClient,
        path: String,
        query: Vec<(&'a str, String)>,
        request: &'static str,
        expected: &'static str,
        paging: Paging,
        max_pages: usize,
    ) -> Self {
        Self {
            client,
            path,
            query,
            request,
            expected,
            paging,
            max_pages,
            sent: 0,
            last_seen: false,
        }
    }

    /// The next page's items, each new to the walk; `None` after the last page or `max_pages`.
    pub(crate) async fn next<T: Item + DeserializeOwned>(&mut self) -> Result<Option<Vec<T>>> {
        if self.last_seen || self.sent >= self.max_pages {
            return Ok(None);
        }
        let mut query = self.query.clone();
        query.push(("per_page", self.paging.per_page().to_string()));
        query.push(("page", self.paging.page().to_string()));
        self.sent += 1;
        let reply = self
            .client
            .send(Method::GET, &self.path, &query, None)
            .await?;
        if reply.status != 200 {
            return Err(self.client.error_for(self.request, &reply));
        }
        let Obj(page) = self
            .client
            .decode::<Obj<Page<T>>>(self.request, self.expected, &reply)?;
        let asked = self.paging.page();
        let after = self.paging.accept(&page).map_err(|message| {
            reply_error(
                self.request,
                reply.status,
                format!("page {asked}: {message}"),
            )
        })?;
        self.last_seen = after == After::Last;
        Ok(Some(
            page.items.0.into_iter().map(|Obj(item)| item).collect(),
        ))
    }

    /// Whether the walk has seen the last page (rather than stopped early).
    pub(crate) fn finished(&self) -> bool {
        self.last_seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Capped;
    use crate::wire::Found;

    fn page(ids: &[u64], meta: [Option<u64>; 4]) -> Page<Found> {
        let [page, pages, per_page, total] = meta.map(|m| m.map(Count));
        Page {
            page,
            pages,
            per_page,
            total,
            items: Capped(ids.iter().map(|&id| Obj(Found { id: Id(id) })).collect()),
        }
    }

    #[test]
    fn an_honest_walk_ends_at_the_short_page_or_the_total() {
        let mut walk = Paging::new(2, "ticket");
        assert_eq!(
            walk.accept(&page(&[1, 2], [Some(1), Some(2), Some(2), Some(3)])),
            Ok(After::More)
        );
        assert_eq!(
            walk.accept(&page(&[3], [Some(2), Some(2), Some(2), Some(3)])),
            Ok(After::Last)
        );
        // A full last page: the total (or `pages`) says so, no empty page is asked for.
        let mut walk = Paging::new(2, "ticket");
        assert_eq!(
            walk.accept(&page(&[1, 2], [Some(1), Some(1), Some(2), Some(2)])),
            Ok(After::Last)
        );
        // Without any header, a short page ends the walk.
        let mut walk = Paging::new(2, "ticket");
        assert_eq!(walk.accept(&page(&[1, 2], [None; 4])), Ok(After::More));
        assert_eq!(walk.accept(&page(&[], [None; 4])), Ok(After::Last));
        // No hits: RT's `"pages": 0.0`.
        let mut walk = Paging::new(100, "ticket");
        assert_eq!(
            walk.accept(&page(&[], [Some(1), Some(0), Some(100), Some(0)])),
            Ok(After::Last)
        );
    }

    #[test]
    fn every_way_a_page_can_lie_is_an_error() {
        let lie = |pages: &[Page<Found>]| {
            let mut walk = Paging::new(2, "ticket");
            pages
                .iter()
                .map(|p| walk.accept(p))
                .find_map(Result::err)
                .unwrap_or_default()
        };
        let full = page(&[1, 2], [None; 4]);
        assert_eq!(
            lie(&[page(&[1, 2, 3], [None; 4])]),
            "3 items on a page of 2 asked for"
        );
        assert_eq!(
            lie(&[full.clone(), page(&[3, 4], [Some(1), None, None, None])]),
            "asked for page 2, the reply is page 1 (the server ignores `page`?)"
        );
        assert_eq!(
            lie(&[full.clone(), full.clone()]),
            "ticket 1 listed twice (the server repeats pages or items)"
        );
        assert_eq!(
            lie(&[page(&[5, 5], [None; 4])]),
            "ticket 5 listed twice (the server repeats pages or items)"
        );
        assert_eq!(
            lie(&[page(&[1, 2], [None, None, Some(20), None])]),
            "asked for 2 per page, the reply says 20"
        );
        assert_eq!(
            lie(&[full.clone(), page(&[3, 4], [None, None, None, Some(3)])]),
            "4 tickets listed, more than the total of 3 the reply gives"
        );
        assert_eq!(
            lie(&[page(&[1, 2], [None, Some(1), None, Some(9)])]),
            "1 pages for a total of 9 at 2 per page"
        );
        assert_eq!(
            lie(&[full, page(&[3, 4], [None, Some(1), None, None])]),
            "page 2 of 1 has items"
        );
    }
}
