//! Cross-crate tests of otai, one binary (see the crate docs).

mod bad_configs;
mod conformance;
mod docs;
mod docs_mapping;
mod faults;
mod linear;
mod live_rt;
mod mcp_rt;
mod migrate;
mod pipelines;
mod schema;
mod serve_rt;
mod typed_params;
