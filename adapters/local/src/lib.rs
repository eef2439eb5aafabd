//! Embedded SQLite ticket store for otai: offline pipelines, examples and tests
#![forbid(unsafe_code)]
#![deny(missing_docs)]
