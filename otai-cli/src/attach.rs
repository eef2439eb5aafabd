//! `otai tickets note --attach FILE`: files read into a note's `attachments`, and attachments
//! listed for a person.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otai_core::model::{DEFAULT_ATTACHMENT_TYPE, MAX_ATTACHMENT_BYTES};
use otai_core::{UnifiedNote, UnifiedTicket};
use serde_json::{Value, json};

use crate::failure::Failure;
use crate::output::Output;

/// Content types by file extension (lower case): the common ones people attach to tickets.
/// Anything else is `application/octet-stream`; the helpdesk keeps the name, so nothing is lost.
const TYPES: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("xml", "application/xml"),
    ("json", "application/json"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tar", "application/x-tar"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("svg", "image/svg+xml"),
    ("eml", "message/rfc822"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
];

/// The content type of a file named `name`, from its extension.
pub(crate) fn content_type(name: &str) -> &'static str {
    let extension = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    TYPES
        .iter()
        .find(|(ext, _)| *ext == extension)
        .map_or(DEFAULT_ATTACHMENT_TYPE, |(_, t)| t)
}

/// The `attachments` kwarg for `files`: each read whole, at most [`MAX_ATTACHMENT_BYTES`]
/// together (checked from the file sizes before anything is read). A file that cannot be read
/// or is too large is a usage error naming it.
pub(crate) fn read(files: &[std::path::PathBuf]) -> Result<Value, Failure> {
    let mut total: u64 = 0;
    let mut items = Vec::with_capacity(files.len());
    for file in files {
        let shown = file.display();
        let problem = |e: std::io::Error| Failure::bad_input(format!("attachment `{shown}`: {e}"));
        let metadata = std::fs::metadata(file).map_err(problem)?;
        if !metadata.is_file() {
            return Err(Failure::bad_input(format!(
                "attachment `{shown}`: not a file"
            )));
        }
        let too_large = || {
            Failure::bad_input(format!(
                "attachment `{shown}`: too large; a note's attachments may hold at most {MAX_ATTACHMENT_BYTES} bytes (20 MiB) together"
            ))
        };
        if total.saturating_add(metadata.len()) > MAX_ATTACHMENT_BYTES {
            return Err(too_large());
        }
        let bytes = std::fs::read(file).map_err(problem)?;
        // The file may have grown since its size was read.
        total = total.saturating_add(bytes.len() as u64);
        if total > MAX_ATTACHMENT_BYTES {
            return Err(too_large());
        }
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        items.push(json!({
            "name": name,
            "content_type": content_type(&name),
            "content": STANDARD.encode(&bytes),
        }));
    }
    Ok(Value::Array(items))
}

/// A size for a person: bytes, KiB, MiB.
pub(crate) fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / (KIB * KIB))
    }
}

/// Lists the attachments of `ticket`'s notes, one line each (names escaped by `output.line`).
pub(crate) fn print(ticket: &UnifiedTicket, output: &Output) {
    let with: Vec<&UnifiedNote> = ticket
        .notes
        .iter()
        .filter(|n| !n.attachments.is_empty())
        .collect();
    if with.is_empty() {
        return;
    }
    output.line("ATTACHMENTS");
    for note in with {
        let note_id = note.id.as_deref().unwrap_or("-");
        for a in &note.attachments {
            output.line(&format!(
                "  note {note_id}: {} ({}, {})",
                a.name,
                a.content_type,
                human_size(a.size)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_extension() {
        assert_eq!(content_type("report.PDF"), "application/pdf");
        assert_eq!(content_type("notes.txt"), "text/plain");
        assert_eq!(content_type("blob"), "application/octet-stream");
        assert_eq!(content_type("x.unknown"), "application/octet-stream");
    }

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(human_size(17), "17 B");
        assert_eq!(human_size(2048), "2.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
    }
}
