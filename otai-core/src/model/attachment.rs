//! A file attached to a note.

use serde::{Deserialize, Serialize};

/// The most bytes of attachment content one note may carry, all attachments together (20 MiB).
///
/// Writes refuse more (the request parser, the CLI before it reads a file); reads fetch the
/// content of no attachment larger than this, and stop fetching contents for a ticket once this
/// much is read, leaving `content` unset for the rest.
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;

/// The most attachments one note may carry when written, and the most an adapter reads back per
/// note (a server's reply with more is cut there, so a hostile list cannot grow without bound).
pub const MAX_ATTACHMENTS: usize = 100;

/// The longest attachment name, in bytes.
pub const MAX_ATTACHMENT_NAME_LEN: usize = 255;

/// The content type of an attachment that does not say.
pub const DEFAULT_ATTACHMENT_TYPE: &str = "application/octet-stream";

/// A file attached to a note: an OTOBO/Znuny article attachment, an RT attachment of a
/// transaction, a row of the local store.
///
/// `content` is read only when asked for (`attachment_content: true` on `get_ticket`); `size`
/// is always there. In JSON the content is base64 (standard alphabet, padded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnifiedAttachment {
    /// File name, without a directory.
    pub name: String,
    /// MIME type, `type/subtype` (parameters such as `; charset=utf-8` allowed).
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// Size in bytes. Written attachments take it from their content.
    #[serde(default)]
    pub size: u64,
    /// The bytes, when read or to be written.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_bytes"
    )]
    pub content: Option<Vec<u8>>,
}

fn default_content_type() -> String {
    DEFAULT_ATTACHMENT_TYPE.to_owned()
}

impl UnifiedAttachment {
    /// An attachment named `name` of type `content_type` holding `content` (its size is the
    /// content's length).
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        content: impl Into<Vec<u8>>,
    ) -> Self {
        let content = content.into();
        Self {
            name: name.into(),
            content_type: content_type.into(),
            size: content.len() as u64,
            content: Some(content),
        }
    }

    /// An attachment known by name, type and size only (its content not read).
    pub fn described(name: impl Into<String>, content_type: impl Into<String>, size: u64) -> Self {
        Self {
            name: name.into(),
            content_type: content_type.into(),
            size,
            content: None,
        }
    }

    /// The same attachment without its content.
    pub fn without_content(mut self) -> Self {
        self.content = None;
        self
    }
}

/// Why `name` cannot name an attachment; `None` when it can.
pub fn attachment_name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("an attachment needs a non-empty name")
    } else if name.len() > MAX_ATTACHMENT_NAME_LEN {
        Some("the name is longer than 255 bytes")
    } else if name.contains(['/', '\\']) {
        Some("the name must be a file name, without `/` or `\\`")
    } else if name == "." || name == ".." {
        Some("the name must be a file name, not `.` or `..`")
    } else if name.chars().any(char::is_control) {
        Some("the name must not hold control characters")
    } else {
        None
    }
}

/// Why `content_type` is not a MIME type `type/subtype` (optionally with `; parameters`);
/// `None` when it is.
pub fn content_type_problem(content_type: &str) -> Option<&'static str> {
    const SHAPE: &str = "expected a MIME type `type/subtype`, e.g. `text/plain`";
    if content_type.len() > 255 || content_type.chars().any(char::is_control) {
        return Some(SHAPE);
    }
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => None,
        _ => Some(SHAPE),
    }
}

/// Checks attachments to be written: each has a sound name, content type and content; at most
/// [`MAX_ATTACHMENTS`] of them, at most [`MAX_ATTACHMENT_BYTES`] together. Sets each `size` from
/// its content. Problems are `(field, message)` with fields such as `attachments[1].name`
/// (after `prefix`).
pub fn check_attachments(
    attachments: &mut [UnifiedAttachment],
    prefix: &str,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if attachments.len() > MAX_ATTACHMENTS {
        problems.push((
            format!("{prefix}attachments"),
            format!(
                "{} attachments; a note takes at most {MAX_ATTACHMENTS}",
                attachments.len()
            ),
        ));
        return problems;
    }
    let mut total: u64 = 0;
    for (index, attachment) in attachments.iter_mut().enumerate() {
        let field = |name: &str| format!("{prefix}attachments[{index}].{name}");
        if let Some(message) = attachment_name_problem(&attachment.name) {
            problems.push((field("name"), message.to_owned()));
        }
        if let Some(message) = content_type_problem(&attachment.content_type) {
            problems.push((field("content_type"), message.to_owned()));
        }
        match &attachment.content {
            None => problems.push((
                field("content"),
                "missing: the attachment's bytes, base64".to_owned(),
            )),
            Some(content) => {
                attachment.size = content.len() as u64;
                total = total.saturating_add(attachment.size);
                if attachment.size > MAX_ATTACHMENT_BYTES {
                    problems.push((
                        field("content"),
                        format!(
                            "{} bytes; an attachment may hold at most {MAX_ATTACHMENT_BYTES} (20 MiB)",
                            attachment.size
                        ),
                    ));
                }
            }
        }
    }
    if total > MAX_ATTACHMENT_BYTES && problems.is_empty() {
        problems.push((
            format!("{prefix}attachments"),
            format!(
                "{total} bytes together; a note's attachments may hold at most {MAX_ATTACHMENT_BYTES} (20 MiB)"
            ),
        ));
    }
    problems
}

/// Serde of optional bytes as base64 text.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        bytes: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => serializer.serialize_str(&STANDARD.encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        // Line breaks, as MIME base64 has them, are allowed.
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD
            .decode(compact.as_bytes())
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("not valid base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_carries_content_as_base64_and_omits_it_when_unread() {
        let a = UnifiedAttachment::new("a.txt", "text/plain", b"hi".to_vec());
        let json = serde_json::to_value(&a).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"name": "a.txt", "content_type": "text/plain", "size": 2, "content": "aGk="})
        );
        let back: UnifiedAttachment = serde_json::from_value(json).unwrap_or_else(|_| a.clone());
        assert_eq!(back, a);
        let bare = serde_json::to_value(a.without_content()).unwrap_or_default();
        assert!(bare.get("content").is_none());
    }

    #[test]
    fn bad_base64_is_refused() {
        let err = serde_json::from_value::<UnifiedAttachment>(
            serde_json::json!({"name": "a", "content": "!!!"}),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("not valid base64"), "{err}");
    }

    #[test]
    fn names_and_types_are_checked() {
        assert!(attachment_name_problem("report.pdf").is_none());
        for bad in [
            "",
            "  ",
            "../x",
            "a/b",
            "a\\b",
            "..",
            "a\u{7}b",
            &"x".repeat(256),
        ] {
            assert!(attachment_name_problem(bad).is_some(), "{bad:?}");
        }
        assert!(content_type_problem("text/plain").is_none());
        assert!(content_type_problem("text/plain; charset=utf-8").is_none());
        assert!(content_type_problem("application/vnd.ms-excel").is_none());
        for bad in ["", "text", "/plain", "text/", "te xt/plain", "text/plain\n"] {
            assert!(content_type_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn limits_name_the_attachment() {
        let mut list = vec![
            UnifiedAttachment::new("a", "text/plain", vec![0; 10]),
            UnifiedAttachment::described("b/c", "nope", 3),
        ];
        let problems = check_attachments(&mut list, "note.");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "note.attachments[1].name",
                "note.attachments[1].content_type",
                "note.attachments[1].content"
            ]
        );
        assert_eq!(list[0].size, 10);

        let half = (MAX_ATTACHMENT_BYTES / 2 + 1) as usize;
        let mut big = vec![
            UnifiedAttachment::new("a", "text/plain", vec![0; half]),
            UnifiedAttachment::new("b", "text/plain", vec![0; half]),
        ];
        let problems = check_attachments(&mut big, "");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "attachments");
        assert!(problems[0].1.contains("20 MiB"));

        let mut one = vec![UnifiedAttachment::new(
            "a",
            "text/plain",
            vec![0; MAX_ATTACHMENT_BYTES as usize + 1],
        )];
        let problems = check_attachments(&mut one, "");
        assert_eq!(problems[0].0, "attachments[0].content");

        let mut many = vec![UnifiedAttachment::new("a", "text/plain", vec![]); MAX_ATTACHMENTS + 1];
        assert_eq!(check_attachments(&mut many, "")[0].0, "attachments");
    }
}
