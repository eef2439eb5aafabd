//! Built-in pipes of otai: ticket operations, expression, map, classify, foreach, log
#![forbid(unsafe_code)]
#![deny(missing_docs)]
