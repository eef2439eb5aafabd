//! # otai-tests
//!
//! Cross-crate tests of otai, in one integration binary (`tests/all/`): the conformance kit over
//! every adapter, pipelines end to end against the local store and the OTOBO fake, the table of
//! bad configurations with their exact errors, and the live Request Tracker tests (`#[ignore]`d;
//! `.ci/run` starts RT and runs them with `--ignored`). The library itself is empty.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
