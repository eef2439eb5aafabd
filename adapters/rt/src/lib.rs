//! Request Tracker 5 (REST 2) adapter for otai
#![forbid(unsafe_code)]
#![deny(missing_docs)]
