//! Where an operation's `mapping_inbound` is applied to the request data and its
//! `mapping_outbound` to the answer data. Both are the identity until the mapping engine
//! (`otai_core::mapping`) is wired in here.

use serde_json::{Map, Value};

use crate::config::OperationConfig;

/// The request data after `operation.mapping_inbound`.
pub fn apply_inbound(operation: &OperationConfig, input: Map<String, Value>) -> Map<String, Value> {
    let _ = &operation.mapping_inbound;
    input
}

/// The answer data after `operation.mapping_outbound`.
pub fn apply_outbound(operation: &OperationConfig, output: Value) -> Value {
    let _ = &operation.mapping_outbound;
    output
}
