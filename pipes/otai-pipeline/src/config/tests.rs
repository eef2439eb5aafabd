use super::*;
use serde_json::json;

/// Every error of reading `text` as `otai.yml`, as shown.
fn errors(text: &str) -> Vec<String> {
    read("otai.yml", text)
        .1
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn three_problems_in_different_pipelines_are_all_reported_at_their_lines() {
    let text = "\
services:
  - id: store
    use: local
pipelines:
  a:
    pipes:
      - id: fetch
        use: fetch_tickets
        on_error: maybe
  b:
    trigger: {every: 5m, evry: 1}
    pipes:
      - id: x
        use: log
        params: {message: hi}
        iff: 'true'
";
    assert_eq!(
        errors(text),
        [
            "config error at otai.yml:9: pipelines.a.pipes.fetch.on_error: unknown variant `maybe`, expected `fail` or `continue`",
            "config error at otai.yml:11: pipelines.b.trigger.evry: unknown key `evry`; did you mean `every`? (known: every, cron, tz)",
            "config error at otai.yml:16: pipelines.b.pipes.x.iff: unknown key `iff`; did you mean `if` or `id`? (known: id, use, service, params, if, on_error, enabled, pipes)",
        ]
    );
    // What could be read is still there, to be checked further.
    let (config, _) = read("otai.yml", text);
    let ids: Vec<(&str, usize)> = config
        .pipelines
        .iter()
        .map(|p| (p.id.as_str(), p.pipes.len()))
        .collect();
    // A node with a misspelt key is reported once and not checked further.
    assert_eq!(ids, [("a", 0), ("b", 0)]);
    assert_eq!(config.pipelines[0].unreadable_pipes, ["fetch"]);
    assert_eq!(config.pipelines[1].unreadable_pipes, ["x"]);
    assert_eq!(config.pipelines[1].trigger.every, None);
}

#[test]
fn an_unknown_top_level_key_suggests_the_close_name() {
    assert_eq!(
        errors("pipes: []\npipline: {}\n"),
        [
            "config error at otai.yml:2: pipline: unknown key `pipline`; did you mean `pipelines`? (known: services, pipes, pipelines, allow_env, $schema, server, inbound, webservices, mcp, state)"
        ]
    );
}

#[test]
fn a_service_without_use_is_reported_and_remembered() {
    let text = "otai:\n  services:\n    store:\n      params: {path: x}\n  pipes: []\n";
    assert_eq!(
        errors(text),
        ["config error at otai.yml:3: services.store: missing field `use`"]
    );
    let (config, _) = read("otai.yml", text);
    assert_eq!(config.unreadable_services, ["store"]);
}

#[test]
fn nested_pipes_are_read_one_by_one_with_paths_through_their_parents() {
    let text = "\
pipes:
  - id: each
    use: foreach
    params: {items: []}
    pipes:
      - id: ok
        use: log
      - use: log
      - 5
      - id: deep
        use: foreach
        pipes: {not: a list}
";
    assert_eq!(
        errors(text),
        [
            "config error at otai.yml:8: pipes.each.pipes[1]: missing field `id`",
            "config error at otai.yml:9: pipes.each.pipes[2]: invalid type: integer `5`, expected a pipe: a map with `id`, `use` and `params`",
            "config error at otai.yml:12: pipes.each.pipes.deep.pipes: expected a list of pipes",
        ]
    );
    let (config, _) = read("otai.yml", text);
    let each = &config.pipelines[0].pipes[0];
    assert_eq!(each.origin.path, "pipes.each");
    let nested: Vec<&str> = each.pipes.iter().map(|p| p.origin.path.as_str()).collect();
    assert_eq!(nested, ["pipes.each.pipes.ok", "pipes.each.pipes.deep"]);
    assert_eq!(config.lines.line(each.pipes[1].origin.node), 10);
}

#[test]
fn whole_file_problems_are_single_errors_at_their_line() {
    let alias = "pipes:\n  - &p {id: a, use: log}\n  - *p\n";
    let deep = format!("pipes: {}", "[".repeat(100_000));
    let cases = [
        ("", "config error at otai.yml:1: the file is empty"),
        (
            "- 1\n",
            "config error at otai.yml:1: the file must be a map with `services`, `pipes` or `pipelines` at the top",
        ),
        (
            alias,
            "config error at otai.yml:3: invalid YAML: YAML aliases (`*name`) are not supported here: write the value out",
        ),
        (
            &deep,
            "config error at otai.yml:1: invalid YAML: nested more than 64 levels deep",
        ),
        (
            "pipes: []\npipes: []\n",
            "config error at otai.yml:2: invalid YAML: duplicate key `pipes`",
        ),
        (
            "pipelines: 5\n",
            "config error at otai.yml:1: pipelines: expected a list or a map of pipelines",
        ),
        (
            "pipelines:\n  - trigger: {}\n    pipes: []\n",
            "config error at otai.yml:2: pipelines[0]: a pipeline needs an `id`",
        ),
        (
            "pipelines:\n  x: {trigger: {every: 5m}}\n",
            "config error at otai.yml:2: pipelines.x: missing field `pipes`",
        ),
    ];
    for (text, expected) in cases {
        let started = std::time::Instant::now();
        assert_eq!(errors(text), [expected], "{text:.40}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}

#[test]
fn a_bom_before_the_config_is_accepted() {
    let (config, errors) = read("otai.yml", "\u{FEFF}pipes:\n  - id: a\n    use: log\n");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(config.pipelines.len(), 1);
    assert_eq!(
        config.lines.line(config.pipelines[0].pipes[0].origin.node),
        2
    );
}

#[test]
fn parse_returns_every_error_or_the_config() {
    let bad = parse("c.yml", "pipes: [{id: a}, {use: b}]\n").err();
    assert_eq!(bad.map(|e| e.0.len()), Some(2));
    let good = parse("c.yml", "allow_env: [HOME]\npipes: [{id: a, use: log}]\n");
    assert_eq!(
        good.ok().and_then(|c| c.allow_env),
        Some(vec!["HOME".to_owned()])
    );
}

/// The key lists checked first must be exactly what serde accepts.
#[test]
fn key_lists_match_the_structs() {
    fn expected(keys: &[&str]) -> String {
        let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        match quoted.as_slice() {
            [one] => format!("expected {one}"),
            [a, b] => format!("expected {a} or {b}"),
            all => format!("expected one of {}", all.join(", ")),
        }
    }
    fn unknown<T: DeserializeOwned>() -> String {
        serde_json::from_value::<T>(json!({"zz_unknown": 1}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }
    let cases = [
        (unknown::<ServiceDef>(), expected(&SERVICE_KEYS)),
        (unknown::<PipelineFields>(), expected(&PIPELINE_KEYS)),
        (unknown::<TriggerDef>(), expected(&TRIGGER_KEYS)),
        (unknown::<PipeFields>(), expected(&PIPE_KEYS)),
    ];
    for (message, keys) in cases {
        assert!(message.ends_with(&keys), "{message} vs {keys}");
    }
}

#[test]
fn every_yaml_block_of_the_configuration_reference_reads_without_errors() {
    let doc = include_str!("../../../../docs/configuration.md");
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 5, "found {}", blocks.len());
    for block in blocks {
        let (config, errors) = read("configuration.md", block);
        assert!(errors.is_empty(), "{errors:?} in\n{block}");
        assert!(!config.pipelines.is_empty(), "{block}");
    }
}
