//! `otai schema`: the schema accepts every example configuration, rejects misspelt keys and
//! params, and names every registered pipe and adapter.

use std::path::Path;

use otai_pipeline::{PipeSpec, Registry};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The CLI's registry plus the plugin pipe of examples/custom-pipe.
fn registry() -> Registry {
    let mut registry = otai_cli::default_registry();
    registry.register_pipe(
        &["my_plugin:CreateTicketPipe"],
        PipeSpec::new("a plugin pipe", plugin::Plugin),
    );
    registry
}

/// A pipe without a params schema, as a plugin registers it.
mod plugin {
    use otai_pipeline::{Pipe, PipeContext, TemplateValue};

    /// Does nothing.
    pub(super) struct Plugin;

    #[async_trait::async_trait]
    impl Pipe for Plugin {
        type Params = serde_json::Value;

        async fn run(&self, _: &PipeContext, _: &Self::Params) -> otai_core::Result<TemplateValue> {
            Ok(TemplateValue::UNDEFINED)
        }
    }
}

/// The compiled schema.
struct Checker {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Checker {
    fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let schema = otai_cli::config_schema(&registry());
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("https://otai.invalid/otai.schema.json", schema)?;
        let index = compiler.compile("https://otai.invalid/otai.schema.json", &mut schemas)?;
        Ok(Self { schemas, index })
    }

    /// `Err` with the schema's message when `yaml` does not validate.
    fn check(&self, yaml: &str) -> Result<(), String> {
        let value = otai_yaml::read(yaml).map_err(|e| e.message)?.value;
        self.schemas
            .validate(&value, self.index)
            .map_err(|e| format!("{e:#}"))
    }
}

#[test]
fn the_example_configurations_validate_against_the_schema() -> TestResult {
    let checker = Checker::new()?;
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for example in ["quickstart", "otobo-triage", "custom-pipe"] {
        let text = std::fs::read_to_string(examples.join(example).join("otai.yml"))?;
        checker
            .check(&text)
            .map_err(|e| format!("examples/{example}/otai.yml:\n{e}"))?;
    }
    Ok(())
}

#[test]
fn the_configuration_guide_examples_validate_against_the_schema() -> TestResult {
    let checker = Checker::new()?;
    let doc = include_str!("../../../docs/configuration.md");
    let blocks = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next());
    for (i, block) in blocks.enumerate() {
        checker
            .check(block)
            .map_err(|e| format!("example {} of docs/configuration.md:\n{e}\n{block}", i + 1))?;
    }
    Ok(())
}

#[test]
fn the_generic_interface_guide_example_validates_against_the_schema() -> TestResult {
    let checker = Checker::new()?;
    let doc = include_str!("../../../docs/generic-interface.md");
    let block = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .ok_or("no example in docs/generic-interface.md")?;
    checker.check(block)?;
    let typo = block.replace("    customer_users:", "    customer_user:");
    assert!(
        checker.check(&typo).is_err(),
        "a misspelt key passed the schema"
    );
    Ok(())
}

/// A small valid configuration with `extra` spliced into the `log` pipe's params.
fn config(root_key: &str, service_param: &str, log_param: &str) -> String {
    format!(
        "{root_key}:\n  - id: store\n    use: local\n    params: {{ {service_param}: ':memory:' }}\npipes:\n  - id: say\n    use: log\n    params: {{ {log_param}: hello, level: info }}\n"
    )
}

#[test]
fn the_schema_rejects_misspelt_keys_and_params() -> TestResult {
    let checker = Checker::new()?;
    checker.check(&config("services", "path", "message"))?;
    assert!(
        checker
            .check(&config("servces", "path", "message"))
            .is_err()
    );
    assert!(
        checker
            .check(&config("services", "paht", "message"))
            .is_err()
    );
    assert!(
        checker
            .check(&config("services", "path", "mesage"))
            .is_err()
    );
    Ok(())
}

#[test]
fn templates_stand_for_any_type_in_params() -> TestResult {
    let checker = Checker::new()?;
    let yaml = "pipes:\n  - id: each\n    use: foreach\n    params: { items: '{{ [1, 2] }}', concurrency: '{{ 2 }}' }\n    pipes:\n      - id: say\n        use: log\n        params: { message: '{{ item }}', level: '{{ \"warn\" }}' }\n";
    checker.check(yaml)?;
    let untemplated = yaml.replace("'{{ 2 }}'", "two");
    assert!(checker.check(&untemplated).is_err());
    Ok(())
}

#[test]
fn the_ticket_pipes_params_are_typed() -> TestResult {
    let checker = Checker::new()?;
    let yaml = "services:\n  - id: desk\n    use: local\n    params: { path: ':memory:' }\npipes:\n  - id: fetch\n    use: fetch_tickets\n    params: { queue: { name: Raw }, limit: 20, created_after: '2026-01-01T00:00:00Z' }\n  - id: note\n    use: add_note\n    params: { ticket_id: 7, body: hi, internal: true, attachments: [ { name: a.txt, content: aGk= } ] }\n";
    checker.check(yaml)?;
    for (good, bad) in [
        ("limit: 20", "limit: twenty"),
        ("internal: true", "internal: [yes]"),
        ("{ name: a.txt, content: aGk= }", "{ name: a.txt }"),
        ("queue: { name: Raw }", "queue: { nme: Raw }"),
    ] {
        let wrong = yaml.replace(good, bad);
        assert!(checker.check(&wrong).is_err(), "{bad} is refused");
    }
    Ok(())
}

#[test]
fn classify_backends_are_typed() -> TestResult {
    let checker = Checker::new()?;
    let yaml = "pipes:\n  - id: sort\n    use: classify\n    params: { text: hi, rules: [ { label: spam, keywords: [win], queue: Junk } ], default: { label: other } }\n  - id: ask\n    use: classify\n    params: { text: hi, llm: { base_url: 'http://127.0.0.1:1/v1', model: m, labels: [a, b] } }\n";
    checker.check(yaml)?;
    for (good, bad) in [
        ("{ label: spam,", "{ labl: spam,"),
        ("labels: [a, b]", "lables: [a, b]"),
        ("default: { label: other }", "default: { lbl: other }"),
    ] {
        assert!(
            checker.check(&yaml.replace(good, bad)).is_err(),
            "{bad} is refused"
        );
    }
    Ok(())
}

#[test]
fn every_registered_pipe_and_adapter_is_in_the_schema() -> TestResult {
    let registry = registry();
    let schema = otai_cli::config_schema(&registry);
    let names = |pointer: &str| -> Vec<String> {
        schema
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let pipes = names("/$defs/pipes/items/properties/use/enum");
    for (name, _) in registry.pipe_names() {
        assert!(
            pipes.iter().any(|p| p == name),
            "pipe {name} is not in the schema"
        );
    }
    assert!(pipes.iter().any(|p| p == "foreach"));
    let services = names("/properties/services/anyOf/0/items/properties/use/enum");
    for (name, _) in registry.services().service_names() {
        assert!(
            services.iter().any(|s| s == name),
            "service {name} is not in the schema"
        );
    }
    Ok(())
}
