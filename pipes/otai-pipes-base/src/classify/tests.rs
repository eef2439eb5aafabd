//! Rules, their checks and the classification.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::*;

fn rules() -> Vec<Rule> {
    serde_json::from_value(json!([
        {"label": "hardware", "keywords": ["printer", "mouse"], "queue": "Hardware"},
        {"label": "access", "keywords": ["vpn"], "patterns": ["pass(word)?"], "queue": "IT Access"}
    ]))
    .unwrap_or_default()
}

#[test]
fn the_rule_with_most_hits_wins_and_carries_its_extras() -> otai_core::Result<()> {
    let c = RuleClassifier::new(rules(), "other", Map::new())?;
    let out = c.classify("VPN password rejected, and my mouse");
    assert_eq!(out.label, "access");
    assert_eq!(
        out.matched,
        vec!["vpn".to_owned(), "pass(word)?".to_owned()]
    );
    assert_eq!(out.extra.get("queue"), Some(&json!("IT Access")));
    assert!((out.confidence - 0.75).abs() < 1e-9);
    let none = c.classify("coffee");
    assert_eq!((none.label.as_str(), none.confidence), ("other", 0.0));
    Ok(())
}

#[test]
fn bad_rules_name_the_rule() {
    let bad: Vec<Rule> =
        serde_json::from_value(json!([{"label": "x", "patterns": ["("]}])).unwrap_or_default();
    let err = RuleClassifier::new(bad, "other", Map::new())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid input `rules[0].patterns`: invalid regex `(`: unclosed group")
    );
    let empty: Vec<Rule> = serde_json::from_value(json!([{"label": "x"}])).unwrap_or_default();
    let err = RuleClassifier::new(empty, "other", Map::new())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "invalid input `rules[0]`: rule `x` matches nothing: give it `keywords` or `patterns`"
        )
    );
}

fn params(value: Value) -> Result<ClassifyParams, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn rule_tables_are_checked_as_they_are_read() {
    let cases = [
        (
            json!({"rules": [{"label": "x", "patterns": ["a", "("]}]}),
            "invalid regex `(`: unclosed group",
        ),
        (json!({"rules": []}), "no rules: give at least one"),
        (
            json!({"rules": [{"label": " ", "keywords": ["a"]}]}),
            "a rule needs a non-empty `label`",
        ),
        (
            json!({"rules": [{"label": "x", "keywrods": ["a"]}]}),
            "unknown key `keywrods`; did you mean `keywords`? (other keys are extra values returned with the label)",
        ),
        (
            json!({"rules": [{"label": "x", "keywords": ["a"], "confidence": 1}]}),
            "`confidence` is part of the result; name this extra value otherwise",
        ),
        (
            json!({"rules": {"label": "x"}}),
            "invalid type: map, expected a sequence",
        ),
        (
            json!({"rules": [{"label": "x", "keywords": ["a"]}], "default": 5}),
            "invalid type: integer `5`, expected a label, or a map with `label` and extra values",
        ),
        (
            json!({"rules": [{"label": "x", "keywords": ["a"]}], "txt": "a"}),
            "unknown field `txt`, expected one of `text`, `subject`, `body`, `rules`, `model`, `llm`, `api_key`, `also`, `top_k`, `multi_label`, `min_confidence`, `default`",
        ),
    ];
    for (value, expected) in cases {
        let err = params(value.clone()).err().unwrap_or_default();
        assert!(err.starts_with(expected), "{value}: {err}");
    }
}

#[tokio::test]
async fn the_pipe_joins_its_texts_and_falls_back_to_the_default() -> Result<(), String> {
    let p = params(json!({
        "subject": "Printer", "body": "on fire",
        "rules": [{"label": "hardware", "keywords": ["printer", "fire"], "queue": "HW"}],
        "default": {"label": "misc", "queue": "Service Desk"}
    }))?;
    let ctx = PipeContext::new("c", None);
    let out = Classify.run(&ctx, &p).await.map_err(|e| e.to_string())?;
    let out = serde_json::to_value(&out).map_err(|e| e.to_string())?;
    assert_eq!(
        out,
        json!({"label": "hardware", "confidence": 0.75, "matched": ["printer", "fire"], "queue": "HW"})
    );
    let p = params(json!({
        "text": "coffee", "rules": [{"label": "hardware", "keywords": ["printer"]}],
        "default": {"label": "misc", "queue": "Service Desk"}
    }))?;
    let out = Classify.run(&ctx, &p).await.map_err(|e| e.to_string())?;
    let out = serde_json::to_value(&out).map_err(|e| e.to_string())?;
    assert_eq!(
        out,
        json!({"label": "misc", "confidence": 0.0, "matched": [], "queue": "Service Desk"})
    );
    Ok(())
}

/// A small queue model and a priority model, saved in a temporary folder.
struct Models {
    dir: tempfile::TempDir,
}

impl Models {
    fn new() -> Result<Self, String> {
        use otai_classify::{Example, Model, TrainSettings, TrainingMetadata};
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let queue = [
            ("VPN down", "the VPN tunnel drops", "Network", "high"),
            ("WLAN langsam", "kein Netzwerk im Büro", "Network", "low"),
            ("network cable", "no network at my desk", "Network", "low"),
            (
                "Drucker defekt",
                "der Drucker hat Papierstau",
                "Hardware",
                "low",
            ),
            ("printer jam", "the printer is jammed", "Hardware", "high"),
            (
                "monitor black",
                "the monitor stays black",
                "Hardware",
                "low",
            ),
        ];
        for (field, out) in [(2, "queue.model"), (3, "priority.model")] {
            let examples: Vec<Example> = queue
                .iter()
                .map(|t| {
                    let label = if field == 2 { t.2 } else { t.3 };
                    Example::new(t.0, t.1, label)
                })
                .collect();
            let refs: Vec<&Example> = examples.iter().collect();
            let model = Model::train(
                &refs,
                &TrainSettings::default(),
                TrainingMetadata::new("queue", "test"),
                &mut |_, _| {},
            )
            .map_err(|e| e.to_string())?;
            model
                .save(&dir.path().join(out))
                .map_err(|e| e.to_string())?;
        }
        Ok(Self { dir })
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

async fn run(p: &ClassifyParams) -> Result<Value, String> {
    let ctx = PipeContext::new("c", None);
    let out = Classify.run(&ctx, p).await.map_err(|e| e.to_string())?;
    serde_json::to_value(&out).map_err(|e| e.to_string())
}

fn check(p: &ClassifyParams) -> Vec<String> {
    match Classify.check(p, &otai_pipeline::CheckContext::at_run("c", None)) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect(),
    }
}

#[tokio::test]
async fn the_model_backend_gives_label_confidence_alternatives_and_other_models()
-> Result<(), String> {
    let models = Models::new()?;
    let p = params(json!({
        "subject": "VPN", "body": "the VPN tunnel keeps dropping",
        "model": models.path("queue.model"),
        "also": {"priority": models.path("priority.model")},
        "top_k": 2, "multi_label": 0.0
    }))?;
    assert!(check(&p).is_empty(), "{:?}", check(&p));
    let out = run(&p).await?;
    assert_eq!(out["label"], "Network");
    let confidence = out["confidence"].as_f64().unwrap_or(0.0);
    assert!(confidence > 0.5 && confidence <= 1.0, "{out}");
    let alternatives = out["alternatives"].as_array().cloned().unwrap_or_default();
    assert_eq!(alternatives.len(), 2);
    assert_eq!(alternatives[0]["label"], "Network");
    assert_eq!(alternatives[1]["label"], "Hardware");
    assert_eq!(out["labels"], json!(["Network", "Hardware"]));
    assert_eq!(out["priority"]["label"], "high");
    Ok(())
}

#[tokio::test]
async fn below_min_confidence_the_result_is_the_default() -> Result<(), String> {
    let models = Models::new()?;
    let p = params(json!({
        "text": "the VPN tunnel drops",
        "model": models.path("queue.model"),
        "min_confidence": 1.0,
        "default": {"label": "Servicedesk", "queue": "1st level"}
    }))?;
    let out = run(&p).await?;
    assert_eq!(out["label"], "Servicedesk");
    assert_eq!(out["queue"], "1st level");
    assert_eq!(out["predicted"], "Network");
    assert!(out["confidence"].as_f64().unwrap_or(1.0) < 1.0);
    let sure = params(json!({
        "text": "the VPN tunnel drops",
        "model": models.path("queue.model"),
        "min_confidence": 0.0,
        "default": "Servicedesk"
    }))?;
    assert_eq!(run(&sure).await?["label"], "Network");
    // Rules are routed the same way: one keyword is 0.5 sure.
    let rules = params(json!({
        "text": "printer", "rules": [{"label": "hardware", "keywords": ["printer"]}],
        "min_confidence": 0.6, "default": "Servicedesk"
    }))?;
    let out = run(&rules).await?;
    assert_eq!(
        (out["label"].clone(), out["predicted"].clone()),
        (json!("Servicedesk"), json!("hardware"))
    );
    let sure_rules = params(json!({
        "text": "printer", "rules": [{"label": "hardware", "keywords": ["printer"], "queue": "HW"}],
        "min_confidence": 0.5, "default": "Servicedesk"
    }))?;
    assert_eq!(
        run(&sure_rules).await?,
        json!({"label": "hardware", "confidence": 0.5, "matched": ["printer"], "queue": "HW"})
    );
    Ok(())
}

#[test]
fn a_missing_or_damaged_model_file_is_an_error_naming_it() -> Result<(), String> {
    let models = Models::new()?;
    let missing = params(json!({"text": "x", "model": models.path("nope.model")}))
        .err()
        .unwrap_or_default();
    assert!(
        missing.contains("nope.model") && missing.contains("cannot open the model"),
        "{missing}"
    );
    let bad = models.path("bad.model");
    std::fs::write(
        &bad,
        "{\"format\": \"otai-classify-model\", \"format_version\": 9}",
    )
    .map_err(|e| e.to_string())?;
    let err = params(json!({"text": "x", "model": bad}))
        .err()
        .unwrap_or_default();
    assert!(err.contains("newer than this otai reads"), "{err}");
    Ok(())
}

#[test]
fn backends_and_options_are_checked() -> Result<(), String> {
    let models = Models::new()?;
    let neither = params(json!({"text": "x"}))?;
    assert_eq!(
        check(&neither),
        [
            "rules: give a backend: `rules` (keywords and patterns), `model` (a file from `otai train`) or `llm`"
        ]
    );
    let both = params(
        json!({"text": "x", "model": models.path("queue.model"), "rules": [{"label": "a", "keywords": ["a"]}]}),
    )?;
    assert_eq!(
        check(&both),
        ["model: give one backend: `rules`, `model` or `llm`, not several"]
    );
    let options = params(
        json!({"text": "x", "rules": [{"label": "a", "keywords": ["a"]}], "top_k": 0, "min_confidence": 2.0}),
    )?;
    assert_eq!(
        check(&options),
        [
            "top_k: only the `model` backend takes it",
            "top_k: must be from 1 to 50, got 0",
            "min_confidence: must be from 0 to 1, got 2"
        ]
    );
    let clash = params(
        json!({"text": "x", "model": models.path("queue.model"), "also": {"label": models.path("queue.model")}}),
    )?;
    assert_eq!(
        check(&clash),
        ["also.label: is part of the result; name this model otherwise"]
    );
    Ok(())
}

#[tokio::test]
async fn switching_the_backend_to_an_llm_keeps_the_result_shape() -> Result<(), String> {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let reply = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "llama3.1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"label\":\"Network\",\"confidence\":0.4}"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 90, "completion_tokens": 9, "total_tokens": 99}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer k-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .mount(&server)
        .await;
    let p = params(json!({
        "subject": "VPN", "body": "drops",
        "llm": {"base_url": format!("{}/v1", server.uri()), "model": "llama3.1", "labels": ["Network", "Hardware"]},
        "api_key": "k-123",
        "min_confidence": 0.5,
        "default": "Servicedesk"
    }))?;
    assert!(check(&p).is_empty(), "{:?}", check(&p));
    let out = run(&p).await?;
    assert_eq!(out["label"], "Servicedesk");
    assert_eq!(out["predicted"], "Network");
    assert_eq!(
        out["usage"],
        json!({"prompt_tokens": 90, "completion_tokens": 9})
    );
    assert_eq!(out["cached"], false);
    let stray =
        params(json!({"text": "x", "rules": [{"label": "a", "keywords": ["a"]}], "api_key": "k"}))?;
    assert_eq!(check(&stray), ["api_key: only the `llm` backend takes it"]);
    Ok(())
}

#[tokio::test]
async fn llm_calls_tokens_and_latency_are_summed_into_the_run_report() -> Result<(), String> {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let reply = json!({
        "choices": [{"message": {"content": "{\"label\":\"Network\",\"confidence\":0.9}"}}],
        "usage": {"prompt_tokens": 90, "completion_tokens": 9}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(2)
        .mount(&server)
        .await;
    let text = format!(
        "pipelines:
  triage:
    pipes:
      - id: each
        use: foreach
        params:
          items: [VPN drops, VPN drops, printer jams]
        pipes:
          - id: classify
            use: classify
            params:
              text: '{{{{ item }}}}'
              llm: {{base_url: '{}/v1', model: llama3.1, labels: [Network, Hardware]}}
",
        server.uri()
    );
    let report = run_pipeline(&text).await?;
    assert!(report.succeeded, "{report:?}");
    let figure = |name: &str| report.usage.get(name).copied();
    use otai_pipeline::usage::names;
    assert_eq!(figure(names::LLM_CALLS), Some(3));
    assert_eq!(figure(names::LLM_CACHED), Some(1));
    assert_eq!(figure(names::LLM_PROMPT_TOKENS), Some(180));
    assert_eq!(figure(names::LLM_COMPLETION_TOKENS), Some(18));
    assert!(figure(names::LLM_LATENCY_MS).is_some());
    let json = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    assert_eq!(json["usage"]["llm_calls"], 3);
    Ok(())
}

/// Loads `text` (a configuration with pipeline `triage`) and runs it once.
async fn run_pipeline(text: &str) -> Result<otai_pipeline::RunReport, String> {
    let mut registry = otai_pipeline::Registry::new();
    crate::register(&mut registry);
    let engine = otai_pipeline::load_str(
        "otai.yml",
        text,
        &otai_core::registry::BuildContext::default(),
        &registry,
        &otai_pipeline::LoadOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    engine
        .run("triage", &json!({}), false)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn with_a_cache_file_two_loads_of_a_pipeline_ask_the_llm_once() -> Result<(), String> {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let reply = json!({
        "choices": [{"message": {"content": "{\"label\":\"Hardware\",\"confidence\":0.8}"}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 5}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let cache = dir.path().join("state.sqlite");
    let text = format!(
        "pipelines:
  triage:
    pipes:
      - id: classify
        use: classify
        params:
          text: printer jams
          llm:
            base_url: '{}/v1'
            model: llama3.1
            labels: [Network, Hardware]
            cache: {{path: '{}'}}
",
        server.uri(),
        cache.display()
    );
    let first = run_pipeline(&text).await?;
    let second = run_pipeline(&text).await?;
    use otai_pipeline::usage::names;
    for (report, cached) in [(&first, false), (&second, true)] {
        assert!(report.succeeded, "{report:?}");
        let result = report.result("classify").unwrap_or_default();
        assert_eq!(
            (&result["label"], &result["cached"]),
            (&json!("Hardware"), &json!(cached))
        );
        assert_eq!(
            report.usage.get(names::LLM_CACHED),
            Some(&u64::from(cached))
        );
    }
    Ok(())
}

#[test]
fn texts_are_joined_one_per_line_as_given() {
    let (a, empty, b) = (
        Some("a".to_owned()),
        Some(String::new()),
        Some("b".to_owned()),
    );
    assert_eq!(joined([&a, &None, &b]), "a\nb");
    assert_eq!(
        joined([&None, &empty, &b]),
        "\nb",
        "an empty text keeps its line"
    );
    assert_eq!(joined([&None, &None, &None]), "");
}

#[test]
fn a_hit_is_written_out_exactly_as_its_classification() -> Result<(), String> {
    let compiled: Rules = serde_json::from_value(json!([
        {"label": "access", "keywords": ["VPN", "password"], "patterns": ["log ?in"], "queue": "Misc", "priority": "4 high"},
        {"label": "hardware", "keywords": ["mouse"], "queue": "Misc", "team": {"name": "ops", "size": 3}},
    ]))
    .map_err(|e| e.to_string())?;
    let rules = Arc::new(compiled);
    let default = Arc::new(DefaultLabel(Classification {
        label: "other".into(),
        confidence: 0.0,
        matched: Vec::new(),
        extra: Map::from_iter([("queue".to_owned(), json!("Raw"))]),
    }));
    for text in [
        "VPN password rejected, cannot log in, and my mouse",
        "my mouse",
        "coffee",
    ] {
        let classification = rules.classify(text, &default.0);
        let hit = match rules.best(text) {
            Some(best) => HitValue::Rule(Arc::clone(&rules), best),
            None => HitValue::Default(Arc::clone(&default)),
        };
        assert_eq!(hit.to_classification(), classification, "{text}");
        assert_eq!(hit.label(), classification.label, "{text}");
        let value = TemplateValue::from_object(hit);
        assert_eq!(
            serde_json::to_value(&value).ok(),
            serde_json::to_value(&classification).ok(),
            "{text}"
        );
        assert_eq!(
            value.to_string(),
            template_value(&classification).to_string(),
            "{text}: templates see the same value, in the same order"
        );
        for key in ["label", "confidence", "matched", "queue", "team", "nope"] {
            assert_eq!(
                value.get_attr(key).ok(),
                template_value(&classification).get_attr(key).ok(),
                "{text}: {key}"
            );
        }
    }
    Ok(())
}
