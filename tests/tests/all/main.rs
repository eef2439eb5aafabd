//! Cross-crate tests of otai, one binary (see the crate docs).

mod bad_configs;
mod conformance;
mod docs;
mod docs_gi_migration;
mod docs_mapping;
mod faults;
mod gi_rt;
mod linear;
mod live_rt;
mod mcp_rt;
mod migrate;
mod pipelines;
mod reads;
mod schema;
mod serve_rt;
mod typed_params;
