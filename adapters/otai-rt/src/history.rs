//! A ticket's messages: its history, walked page by page, and the text of each message.

use futures::{StreamExt, TryStreamExt};
use otai_core::model::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use otai_core::{Result, UnifiedHistoryEntry, UnifiedNote};

use crate::client::RtClient;
use crate::json::{Id, Obj};
use crate::limits::{MAX_HISTORY_PAGES, MAX_NOTES, PAGE};
use crate::mapping::{history_entry, is_message, note_from_transaction};
use crate::paging::{Pager, Paging};
use crate::wire::{Attachment, AttachmentContent, Page, Transaction};

/// Ticket `id`'s messages (Create, Comment, Correspond), oldest first: at most [`MAX_NOTES`] from
/// the first [`MAX_HISTORY_PAGES`] pages of history, with a warning when there are more.
///
/// With `content`, the bytes of each attachment come too (`GET /attachment/:id`, base64), while
/// the ticket's budget of [`MAX_ATTACHMENT_BYTES`] lasts; larger or later ones come without.
pub(crate) async fn messages(
    client: &RtClient,
    id: Id,
    concurrency: usize,
    content: bool,
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
    let notes: Vec<(UnifiedNote, Vec<Id>)> = futures::stream::iter(transactions)
        .map(|transaction| async move {
            let parts = parts(client, transaction.id).await?;
            let files: Vec<Id> = parts
                .iter()
                .filter(|p| p.filename.as_ref().is_some_and(|f| !f.0.is_empty()))
                .map(|p| p.id)
                .take(MAX_ATTACHMENTS)
                .collect();
            Ok::<_, otai_core::Error>((note_from_transaction(transaction, parts), files))
        })
        .buffered(concurrency)
        .try_collect()
        .await?;
    let mut budget = MAX_ATTACHMENT_BYTES;
    let mut out = Vec::with_capacity(notes.len());
    for (mut note, files) in notes {
        if content {
            for (attachment, file) in note.attachments.iter_mut().zip(files) {
                if attachment.size > budget {
                    continue;
                }
                let bytes = attachment_content(client, file).await?;
                budget = budget.saturating_sub(bytes.len() as u64);
                attachment.content = Some(bytes);
            }
        }
        out.push(note);
    }
    Ok(out)
}

/// The bytes of attachment `id` (`GET /attachment/:id`, whose `Content` is base64).
async fn attachment_content(client: &RtClient, id: Id) -> Result<Vec<u8>> {
    use base64::Engine;
    const REQUEST: &str = "GET /attachment/:id";
    let Obj(part) = client
        .get_json::<Obj<AttachmentContent>>(
            &format!("/attachment/{id}"),
            &[],
            REQUEST,
            "an attachment",
        )
        .await?;
    if part.id != id {
        return Err(crate::client::reply_error(
            REQUEST,
            200,
            format!(
                "asked for attachment {id}, the reply is about attachment {}",
                part.id
            ),
        ));
    }
    let text = part.content.map(|c| c.0).unwrap_or_default();
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| {
            crate::client::reply_error(
                REQUEST,
                200,
                format!("attachment {id}: the content is not valid base64 ({e})"),
            )
        })
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
        (
            "fields",
            "ContentType,Content,Subject,Filename,Headers".to_owned(),
        ),
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
