//! A ticket's messages: its history, walked page by page, and the text of each message.

use futures::{StreamExt, TryStreamExt};
use otai_core::{Result, UnifiedHistoryEntry, UnifiedNote};

use crate::client::RtClient;
use crate::json::{Id, Obj};
use crate::limits::{MAX_HISTORY_PAGES, MAX_NOTES, PAGE};
use crate::mapping::{history_entry, is_message, note_from_transaction};
use crate::paging::{Pager, Paging};
use crate::wire::{Attachment, Page, Transaction};

/// Ticket `id`'s messages (Create, Comment, Correspond), oldest first: at most [`MAX_NOTES`] from
/// the first [`MAX_HISTORY_PAGES`] pages of history, with a warning when there are more.
pub(crate) async fn messages(
    client: &RtClient,
    id: Id,
    concurrency: usize,
) -> Result<Vec<UnifiedNote>> {
    let mut pager = Pager::new(
        client,
        format!("/ticket/{id}/history"),
        vec![("fields", "Type,Creator,Created".to_owned())],
        "GET /ticket/:id/history",
        "a page of history",
        Paging::new(PAGE, "transaction"),
        MAX_HISTORY_PAGES,
    );
    let mut transactions = Vec::new();
    while let Some(page) = pager.next::<Transaction>().await? {
        transactions.extend(page.into_iter().filter(is_message));
        if transactions.len() > MAX_NOTES {
            break;
        }
    }
    if transactions.len() > MAX_NOTES || !pager.finished() {
        tracing::warn!(
            ticket = id.0,
            max_notes = MAX_NOTES,
            max_transactions = MAX_HISTORY_PAGES * PAGE,
            "ticket history longer than the adapter reads: its notes are the oldest messages only"
        );
        transactions.truncate(MAX_NOTES);
    }
    futures::stream::iter(transactions)
        .map(|transaction| async move {
            let parts = parts(client, transaction.id).await?;
            Ok(note_from_transaction(transaction, parts))
        })
        .buffered(concurrency)
        .try_collect()
        .await
}

/// Ticket `id`'s history, oldest first: every transaction of the first [`MAX_HISTORY_PAGES`]
/// pages, with a warning when there are more.
pub(crate) async fn entries(client: &RtClient, id: Id) -> Result<Vec<UnifiedHistoryEntry>> {
    let mut pager = Pager::new(
        client,
        format!("/ticket/{id}/history"),
        vec![(
            "fields",
            "Type,Field,OldValue,NewValue,Data,Creator,Created".to_owned(),
        )],
        "GET /ticket/:id/history",
        "a page of history",
        Paging::new(PAGE, "transaction"),
        MAX_HISTORY_PAGES,
    );
    let mut entries = Vec::new();
    while let Some(page) = pager.next::<Transaction>().await? {
        entries.extend(page.into_iter().map(history_entry));
    }
    if !pager.finished() {
        tracing::warn!(
            ticket = id.0,
            max_transactions = MAX_HISTORY_PAGES * PAGE,
            "ticket history longer than the adapter reads: only its oldest entries are kept"
        );
    }
    Ok(entries)
}

/// The first page ([`PAGE`] parts) of a message's attachments, checked like any page.
async fn parts(client: &RtClient, transaction: Id) -> Result<Vec<Attachment>> {
    const REQUEST: &str = "GET /transaction/:id/attachments";
    let mut paging = Paging::new(PAGE, "attachment");
    let query = [
        ("fields", "ContentType,Content,Subject".to_owned()),
        ("per_page", paging.per_page().to_string()),
        ("page", paging.page().to_string()),
    ];
    let Obj(page) = client
        .get_json::<Obj<Page<Attachment>>>(
            &format!("/transaction/{transaction}/attachments"),
            &query,
            REQUEST,
            "a page of attachments",
        )
        .await?;
    paging.accept(&page).map_err(|message| {
        crate::client::reply_error(REQUEST, 200, format!("page 1: {message}"))
    })?;
    Ok(page.into_items())
}
