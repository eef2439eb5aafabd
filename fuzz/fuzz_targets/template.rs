//! Any bytes as a pipe's param template, rendered and run: errors, never panics, never runs away
//! (fuel and output limits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_pipeline::Registry;
use otai_pipeline::{LoadOptions, load_str};
use otai_core::registry::BuildContext;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let template = String::from_utf8_lossy(data);
    // JSON string quoting is valid YAML: the template arrives byte for byte.
    let Ok(quoted) = serde_json::to_string(&template) else {
        return;
    };
    let text = format!(
        "pipes:\n  - id: first\n    use: expression\n    params: {{value: {{a: [1, 2], b: 'x'}}}}\n  - id: t\n    use: expression\n    params: {{value: {quoted}}}\n"
    );
    let mut registry = Registry::new();
    otai_pipes_base::register(&mut registry);
    let Ok(engine) = load_str(
        "fuzz.yml",
        &text,
        &BuildContext::default(),
        &registry,
        &LoadOptions::default(),
    ) else {
        return;
    };
    let context = json!({"ticket": {"id": "1", "subject": "Printer", "tags": ["a", "b"]}, "n": 3});
    let _ = engine.render("t", &context);
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let _ = runtime.block_on(engine.run("default", &context, false));
});
