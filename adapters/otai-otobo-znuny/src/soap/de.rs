//! A `serde` deserializer that reads the element inside `soap:Body` straight from the XML
//! events, with no tree in between: memory is what the target type keeps, and nesting is
//! bounded by the [`scan`](super::scan) that runs first.
//!
//! The mapping is the JSON one: an element with children is a map from child names to values,
//! a name repeated by adjacent siblings is a list (the scan says which), a leaf is its text,
//! `xsi:nil` is null. A name repeated apart is a duplicate key, which typed replies refuse.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::scan::{MAX_DEPTH, Repeats, is_nil, local};

/// A decoding error: what went wrong, without the document.
#[derive(Debug)]
pub(crate) struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// One element whose start tag was read: name, `xsi:nil`, whether it is `<x/>`, its number.
struct Child {
    name: String,
    nil: bool,
    empty: bool,
    number: usize,
}

/// The event stream from the body element on.
pub(crate) struct Stream<'a, 'r> {
    reader: Reader<&'a [u8]>,
    repeats: &'r Repeats,
    next_number: usize,
}

/// What an element holds: text only, or children (the first one already read).
enum Content {
    Text(String),
    Children(Child),
}

impl<'a, 'r> Stream<'a, 'r> {
    /// A stream over `xml`, which starts with the body element's start tag.
    pub(crate) fn new(xml: &'a str, repeats: &'r Repeats) -> Self {
        Self {
            reader: Reader::from_str(xml),
            repeats,
            next_number: 0,
        }
    }

    fn event(&mut self) -> Result<Event<'a>, DeError> {
        self.reader
            .read_event()
            .map_err(|e| DeError(format!("malformed XML: {e}")))
    }

    fn child(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<Child, DeError> {
        let name = std::str::from_utf8(local(start.name().as_ref()))
            .map_err(|_| DeError("an element name is not UTF-8".into()))?
            .to_owned();
        let number = self.next_number;
        self.next_number += 1;
        Ok(Child {
            name,
            nil: is_nil(start).map_err(DeError)?,
            empty,
            number,
        })
    }

    /// The next child element of the open element, or `None` at its end tag (consumed).
    fn next_child(&mut self) -> Result<Option<Child>, DeError> {
        loop {
            match self.event()? {
                Event::Start(e) => return self.child(&e, false).map(Some),
                Event::Empty(e) => return self.child(&e, true).map(Some),
                Event::End(_) => return Ok(None),
                Event::Eof => return Err(DeError("unexpected end of the document".into())),
                _ => {}
            }
        }
    }

    /// The body element (the first event).
    pub(crate) fn body_element(&mut self) -> Result<ElementDe<'_, 'a, 'r>, DeError> {
        let child = self
            .next_child()?
            .ok_or_else(|| DeError("no body element".into()))?;
        Ok(ElementDe {
            stream: self,
            child,
            depth: 0,
            as_map: true,
        })
    }

    /// Reads an open element's text up to its end tag, or up to its first child.
    fn content(&mut self) -> Result<Content, DeError> {
        let mut text = String::new();
        loop {
            match self.event()? {
                Event::Text(t) => text.push_str(
                    &t.xml10_content()
                        .map_err(|e| DeError(format!("bad text: {e}")))?,
                ),
                Event::CData(c) => {
                    text.push_str(&c.decode().map_err(|e| DeError(format!("bad CDATA: {e}")))?)
                }
                Event::GeneralRef(r) => {
                    let resolved = if r.is_char_ref() {
                        r.resolve_char_ref()
                            .map_err(|e| DeError(format!("bad character reference: {e}")))?
                            .map(String::from)
                    } else {
                        let name = r
                            .decode()
                            .map_err(|e| DeError(format!("bad reference: {e}")))?;
                        quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                    };
                    text.push_str(&resolved.ok_or_else(|| DeError("unknown entity".into()))?);
                }
                Event::Start(e) => return self.child(&e, false).map(Content::Children),
                Event::Empty(e) => return self.child(&e, true).map(Content::Children),
                Event::End(_) => return Ok(Content::Text(text)),
                Event::Eof => return Err(DeError("unexpected end of the document".into())),
                _ => {}
            }
        }
    }

    /// Skips the rest of an open element, numbering what it skips. Iterative.
    fn skip_open(&mut self) -> Result<(), DeError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.event()? {
                Event::Start(_) => {
                    self.next_number += 1;
                    depth += 1;
                }
                Event::Empty(_) => self.next_number += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(DeError("unexpected end of the document".into())),
                _ => {}
            }
        }
        Ok(())
    }

    /// Skips `child` (its start tag read) entirely.
    fn skip(&mut self, child: &Child) -> Result<(), DeError> {
        if child.empty {
            Ok(())
        } else {
            self.skip_open()
        }
    }

    /// The sibling after `child` when the scan says it has the same name.
    fn next_in_group(&mut self, child: &Child) -> Result<Option<Child>, DeError> {
        if !self.repeats.get(child.number) {
            return Ok(None);
        }
        match self.next_child()? {
            Some(next) if next.name == child.name => Ok(Some(next)),
            _ => Err(DeError("the document changed between two reads".into())),
        }
    }
}

/// Deserializes one element.
pub(crate) struct ElementDe<'s, 'a, 'r> {
    stream: &'s mut Stream<'a, 'r>,
    child: Child,
    depth: usize,
    /// Always a map (the body element: `{}` when it has no children).
    as_map: bool,
}

impl<'de> Deserializer<'de> for ElementDe<'_, '_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.depth > MAX_DEPTH {
            return Err(DeError(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let content = if self.child.empty {
            Content::Text(String::new())
        } else {
            self.stream.content()?
        };
        match content {
            Content::Children(first) => {
                let mut map = ChildrenMap {
                    stream: self.stream,
                    pending: Some(first),
                    current: None,
                    depth: self.depth + 1,
                    ended: false,
                };
                let value = visitor.visit_map(&mut map)?;
                map.finish()?;
                Ok(value)
            }
            Content::Text(_) if self.as_map => visitor.visit_map(ChildrenMap {
                stream: self.stream,
                pending: None,
                current: None,
                depth: self.depth + 1,
                ended: true,
            }),
            Content::Text(_) if self.child.nil => visitor.visit_unit(),
            Content::Text(text) => visitor.visit_string(text),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.child.nil && !self.as_map {
            self.stream.skip(&self.child)?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.stream.skip(&self.child)?;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
    }
}

/// The children of an element, as map entries.
struct ChildrenMap<'s, 'a, 'r> {
    stream: &'s mut Stream<'a, 'r>,
    pending: Option<Child>,
    current: Option<Child>,
    depth: usize,
    ended: bool,
}

impl ChildrenMap<'_, '_, '_> {
    /// Skips a child whose value was not read, with the rest of its group.
    fn skip_current(&mut self) -> Result<(), DeError> {
        let mut next = self.current.take();
        while let Some(child) = next {
            self.stream.skip(&child)?;
            next = self.stream.next_in_group(&child)?;
        }
        Ok(())
    }

    /// Reads past the children the visitor did not ask for, up to the end tag.
    fn finish(&mut self) -> Result<(), DeError> {
        self.skip_current()?;
        while !self.ended {
            match self.pending.take() {
                Some(child) => self.current = Some(child),
                None => match self.stream.next_child()? {
                    Some(child) => self.current = Some(child),
                    None => self.ended = true,
                },
            }
            self.skip_current()?;
        }
        Ok(())
    }
}

impl<'de> MapAccess<'de> for ChildrenMap<'_, '_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        self.skip_current()?;
        if self.ended {
            return Ok(None);
        }
        let child = match self.pending.take() {
            Some(child) => child,
            None => match self.stream.next_child()? {
                Some(child) => child,
                None => {
                    self.ended = true;
                    return Ok(None);
                }
            },
        };
        let key = seed.deserialize(de::value::StrDeserializer::<DeError>::new(&child.name))?;
        self.current = Some(child);
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let child = self
            .current
            .take()
            .ok_or_else(|| DeError("a value without a key".into()))?;
        if self.stream.repeats.get(child.number) {
            let mut group = GroupSeq {
                stream: self.stream,
                next: Some(child),
                depth: self.depth,
            };
            let value = seed.deserialize(GroupDe { seq: &mut group })?;
            group.drain()?;
            Ok(value)
        } else {
            seed.deserialize(ElementDe {
                stream: self.stream,
                child,
                depth: self.depth,
                as_map: false,
            })
        }
    }
}

/// Adjacent siblings of one name, as a list.
struct GroupSeq<'s, 'a, 'r> {
    stream: &'s mut Stream<'a, 'r>,
    next: Option<Child>,
    depth: usize,
}

impl GroupSeq<'_, '_, '_> {
    /// Skips the members the visitor did not read.
    fn drain(&mut self) -> Result<(), DeError> {
        while let Some(child) = self.next.take() {
            self.stream.skip(&child)?;
            self.next = self.stream.next_in_group(&child)?;
        }
        Ok(())
    }
}

impl<'de> SeqAccess<'de> for GroupSeq<'_, '_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(child) = self.next.take() else {
            return Ok(None);
        };
        let number = child.number;
        let name = child.name.clone();
        let value = seed.deserialize(ElementDe {
            stream: self.stream,
            child,
            depth: self.depth,
            as_map: false,
        })?;
        let marker = Child {
            name,
            nil: false,
            empty: true,
            number,
        };
        self.next = self.stream.next_in_group(&marker)?;
        Ok(Some(value))
    }
}

/// A group as a value: a list.
struct GroupDe<'g, 's, 'a, 'r> {
    seq: &'g mut GroupSeq<'s, 'a, 'r>,
}

impl<'de> Deserializer<'de> for GroupDe<'_, '_, '_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_seq(self.seq)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.seq.drain()?;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
    }
}
