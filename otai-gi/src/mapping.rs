//! Where an operation's `mapping_inbound` is applied to the request data and its
//! `mapping_outbound` to the answer data (OTOBO's `Mapping::Simple`, from `otai_core::mapping`).

use otai_core::mapping::CompiledMapping;
use serde_json::{Map, Value};

use crate::error::OpError;

/// The request data after `mapping` (as sent without one), and the mapping's notices (keys
/// dropped on a collision). A request the mapping refuses is an `InvalidParameter` error.
pub fn apply_inbound(
    mapping: Option<&CompiledMapping>,
    input: Map<String, Value>,
) -> Result<(Map<String, Value>, Vec<String>), OpError> {
    let Some(mapping) = mapping else {
        return Ok((input, Vec::new()));
    };
    let mapped = mapping
        .apply(Value::Object(input))
        .map_err(|e| OpError::invalid(format!("the request could not be mapped: {e}")))?;
    match mapped.data {
        Value::Object(map) => Ok((map, mapped.notices)),
        _ => Err(OpError::invalid("the request could not be mapped")),
    }
}

/// The answer data after `mapping` (as produced without one); an answer the mapping refuses is
/// sent unmapped, with the reason among the notices.
pub fn apply_outbound(mapping: Option<&CompiledMapping>, output: Value) -> (Value, Vec<String>) {
    let Some(mapping) = mapping else {
        return (output, Vec::new());
    };
    match mapping.apply(output.clone()) {
        Ok(mapped) => (mapped.data, mapped.notices),
        Err(e) => (output, vec![format!("the answer could not be mapped: {e}")]),
    }
}
