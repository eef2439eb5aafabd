//! One iterative pass over a SOAP document before anything is decoded: it checks that the
//! document is well-formed and at most [`MAX_DEPTH`] elements deep, finds the element inside
//! `soap:Body`, and notes for each element below it whether its next sibling has the same name
//! (a repeated name is a list). Memory: one bit per element, plus [`MAX_DEPTH`] open elements.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The deepest nesting of elements a SOAP document may have (OTOBO's replies need 8).
pub const MAX_DEPTH: usize = 64;

/// The local name of an element or attribute: the part after the namespace prefix.
pub(crate) fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|b| *b == b':').next().unwrap_or(name)
}

/// Whether an element carries `xsi:nil="true"` (or `1`).
pub(crate) fn is_nil(start: &BytesStart<'_>) -> Result<bool, String> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
        if local(attr.key.as_ref()) == b"nil" {
            let value = attr
                .unescape_value()
                .map_err(|e| format!("bad attribute: {e}"))?;
            return Ok(matches!(value.trim(), "true" | "1"));
        }
    }
    Ok(false)
}

/// For each element from the body element on (in document order), whether the element after it
/// among its siblings has the same name.
#[derive(Debug, Default)]
pub(crate) struct Repeats(Vec<u64>);

impl Repeats {
    fn set(&mut self, index: usize) {
        let word = index / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (index % 64);
    }

    /// Whether element `index` is followed by a sibling of the same name.
    pub(crate) fn get(&self, index: usize) -> bool {
        self.0
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }
}

/// What the scan found.
#[derive(Debug)]
pub(crate) struct Scan {
    /// Local name of the root element.
    pub(crate) root: String,
    /// The first element inside `Envelope/Body`: its local name and where its start tag begins.
    pub(crate) body: Option<(String, usize)>,
    /// Sibling repeats below (and of) the body element, numbered from it.
    pub(crate) repeats: Repeats,
}

/// One open element: its name, and its last child so far (number and name).
struct Open {
    name: Vec<u8>,
    last_child: Option<(usize, Vec<u8>)>,
}

/// Scans `xml`. Errors say what and where; nothing recurses.
pub(crate) fn scan(xml: &str) -> Result<Scan, String> {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Open> = Vec::new();
    let mut found = Scan {
        root: String::new(),
        body: None,
        repeats: Repeats::default(),
    };
    // The number of the next element below the body element, while inside it; and the depth
    // (number of open elements) at which the body element sits.
    let mut next_number: Option<usize> = None;
    let mut body_depth = 0;
    loop {
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML at byte {position}: {e}"))?;
        let (start, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                open.pop().ok_or("unexpected closing tag")?;
                if next_number.is_some() && open.len() < body_depth {
                    next_number = None;
                }
                continue;
            }
            Event::Eof if open.is_empty() && !found.root.is_empty() => return Ok(found),
            Event::Eof => return Err("unexpected end of the document".into()),
            _ => continue,
        };
        let name = local(start.name().as_ref()).to_vec();
        if open.is_empty() {
            if !found.root.is_empty() {
                return Err(format!("a second root element at byte {position}"));
            }
            found.root = String::from_utf8_lossy(&name).into_owned();
        }
        let in_body = open.len() == 2
            && open[0].name == b"Envelope"
            && open[1].name == b"Body"
            && found.body.is_none();
        if in_body {
            found.body = Some((String::from_utf8_lossy(&name).into_owned(), position));
            next_number = Some(0);
            body_depth = open.len() + 1;
        }
        if let Some(number) = next_number {
            if let Some(parent) = open.last_mut().filter(|_| !in_body) {
                if let Some((previous, previous_name)) = &parent.last_child {
                    if *previous_name == name {
                        found.repeats.set(*previous);
                    }
                }
                parent.last_child = Some((number, name.clone()));
            }
            next_number = Some(number + 1);
            if empty && in_body {
                next_number = None;
            }
        }
        if !empty {
            if open.len() >= MAX_DEPTH {
                return Err(format!(
                    "elements nested deeper than {MAX_DEPTH} levels at byte {position}"
                ));
            }
            open.push(Open {
                name,
                last_child: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_body_element_and_repeated_names() -> Result<(), String> {
        let xml = "<s:Envelope xmlns:s='x'><s:Header/><s:Body>
  <R><A/><A><B/></A><C/><A/></R></s:Body></s:Envelope>";
        let found = scan(xml)?;
        assert_eq!(found.root, "Envelope");
        let (name, at) = found.body.ok_or("no body")?;
        assert_eq!((name.as_str(), &xml[at..at + 3]), ("R", "<R>"));
        // R=0, A=1, A=2, B=3, C=4, A=5: only the first A is followed by an A.
        let repeated: Vec<usize> = (0..6).filter(|i| found.repeats.get(*i)).collect();
        assert_eq!(repeated, vec![1]);
        Ok(())
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let depth = 20_000;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert_eq!(
            scan(&xml).err().as_deref(),
            Some("elements nested deeper than 64 levels at byte 192")
        );
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(scan(&ok).is_ok());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in ["", "<a>", "<a></b>", "<a/><b/>", "text", "<a></a></a>"] {
            assert!(scan(bad).is_err(), "{bad:?}");
        }
    }
}
