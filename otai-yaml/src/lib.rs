//! # otai-yaml: the one YAML reader for every file otai reads
//!
//! Configurations, secrets files and the local store's seed files are hostile input. This crate
//! reads them into [`serde_json::Value`]s together with the line of every node ([`Lines`]), so
//! that errors can name `file:line: path`:
//!
//! - one pass over the parser's events, without recursion, and nesting refused beyond
//!   [`MAX_DEPTH`] levels (flow `[[[…` and block nesting alike);
//! - aliases (`*name`) refused at their line: one anchored list aliased many times would turn a
//!   small file into gigabytes;
//! - a UTF-8 byte order mark accepted; one document per file; only the core schema's tags;
//! - [`read_file`] reads at most a given number of bytes, so a huge file never fills memory.
//!
//! ```
//! use otai_yaml::{NodeId, read};
//!
//! let doc = read("tickets:\n  - subject: Printer on fire\n  - subject: 42\n")?;
//! let second = doc.lines.find(NodeId::default(), "tickets[1].subject");
//! assert_eq!(doc.lines.line(second), 3);
//! assert_eq!(doc.value["tickets"][1]["subject"], 42);
//!
//! let bomb = read("a: &x [1, 2]\nb: [*x, *x]\n").err();
//! assert_eq!(bomb.map(|e| e.line), Some(2));
//! # Ok::<(), otai_yaml::YamlError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod file;
mod lines;
mod read;

pub use file::{FileError, read_file};
pub use lines::{Lines, NodeId};
pub use read::{Document, MAX_DEPTH, YamlError, read};
