//! Any bytes as a configuration file: loading reports errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otai_pipeline::Registry;
use otai_pipeline::{LoadOptions, load_str};
use otai_core::registry::BuildContext;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut registry = Registry::new();
    otai_otobo_znuny::register(registry.services_mut());
    otai_rt::register(registry.services_mut());
    otai_pipes_base::register(&mut registry);
    let mut options = LoadOptions::default();
    options.validate_only = true;
    if let Err(e) = load_str(
        "fuzz.yml",
        &text,
        &BuildContext::default(),
        &registry,
        &options,
    ) {
        let _ = e.to_string();
    }
});
