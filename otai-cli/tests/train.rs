//! `otai train` and `otai eval` on the example tickets, from a file and from a service.

use serde_json::Value;

mod support;

use support::{TestResult, otai, repo_file};

fn example(name: &str) -> String {
    repo_file("examples/classify", name)
}

#[test]
fn a_model_trained_on_the_example_tickets_beats_the_rules_on_the_held_out_split() -> TestResult {
    let dir = tempfile::tempdir()?;
    let model = dir
        .path()
        .join("queue.model")
        .to_string_lossy()
        .into_owned();
    let tickets = example("tickets.jsonl");
    let rules = example("rules.yml");
    let (code, out, err) = otai(&[
        "train",
        "--from",
        &tickets,
        "--label",
        "queue",
        "--out",
        &model,
        "--compare",
        &rules,
        "--json",
    ])?;
    assert_eq!(code, 0, "{out}{err}");
    let figures: Value = serde_json::from_str(&out)?;
    let accuracy = figures["accuracy"].as_f64().unwrap_or(0.0);
    let rules_accuracy = figures["compare"]["accuracy"].as_f64().unwrap_or(1.0);
    assert!(accuracy > 0.85, "{out}");
    assert!(
        accuracy > rules_accuracy,
        "model {accuracy} vs rules {rules_accuracy}"
    );
    assert!(
        figures["macro_f1"].as_f64().unwrap_or(0.0)
            > figures["compare"]["macro_f1"].as_f64().unwrap_or(1.0)
    );
    assert_eq!(figures["held_out_examples"], 180);
    assert_eq!(figures["per_class"].as_object().map(|m| m.len()), Some(6));

    let (code, out, err) = otai(&[
        "eval", "--model", &model, "--from", &tickets, "--label", "queue", "--json",
    ])?;
    assert_eq!(code, 0, "{out}{err}");
    let eval: Value = serde_json::from_str(&out)?;
    assert_eq!(eval["examples"], 900);
    assert!(
        eval["per_class"]["Network"]["support"].as_u64() > Some(100),
        "{out}"
    );
    assert_eq!(eval["confusion"].as_array().map(Vec::len), Some(6));

    let (code, out, err) = otai(&[
        "eval",
        "--model",
        &model,
        "--from",
        &tickets,
        "--label",
        "queue",
        "--compare",
        &rules,
    ])?;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("side by side: accuracy "), "{out}");
    assert!(out.contains("confusion (rows: truth"), "{out}");
    Ok(())
}

#[test]
fn bad_inputs_are_refused_naming_the_file_and_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("t.jsonl");
    std::fs::write(
        &data,
        "{\"subject\":\"a\",\"queue\":\"A\"}\n{\"subject\":\"b\"\n",
    )?;
    let data = data.to_string_lossy().into_owned();
    let model = dir.path().join("m.model").to_string_lossy().into_owned();
    let (code, _, err) = otai(&[
        "train", "--from", &data, "--label", "queue", "--out", &model,
    ])?;
    assert_eq!(code, 1);
    assert!(
        err.contains("t.jsonl:2") && err.contains("not a JSON object"),
        "{err}"
    );

    let (code, _, err) = otai(&[
        "eval", "--model", &data, "--from", &data, "--label", "queue",
    ])?;
    assert_eq!(code, 1);
    assert!(
        err.contains("t.jsonl") && err.contains("not an otai model file"),
        "{err}"
    );

    let (code, _, err) = otai(&["train", "--label", "queue", "--out", &model])?;
    assert_eq!(code, 2);
    assert!(err.contains("give either --from"), "{err}");

    let tickets = example("tickets.jsonl");
    let rules = dir.path().join("rules.yml");
    for (text, expected) in [
        ("rules:\n  - label: x\n", "rule `x` matches nothing"),
        ("rules: []\ndefualt: y\n", "unknown key `defualt`"),
        ("default: y\n", "no `rules:`"),
    ] {
        std::fs::write(&rules, text)?;
        let rules = rules.to_string_lossy().into_owned();
        let (code, _, err) = otai(&[
            "train",
            "--from",
            &tickets,
            "--label",
            "queue",
            "--out",
            &model,
            "--compare",
            &rules,
        ])?;
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("rules.yml") && err.contains(expected), "{err}");
    }
    Ok(())
}

#[test]
fn a_model_is_trained_from_tickets_fetched_page_by_page_through_a_service() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut seed = String::new();
    // 130 tickets: more than one page of 100.
    for i in 0..130 {
        let (queue, subject) = if i % 2 == 0 {
            ("Hardware", format!("printer {i} jammed, Drucker defekt"))
        } else {
            ("Billing", format!("invoice {i} wrong, Rechnung falsch"))
        };
        seed.push_str(&format!(
            "- subject: {subject}\n  body: please help\n  queue: {queue}\n"
        ));
    }
    std::fs::write(dir.path().join("seed.yml"), seed)?;
    let config = dir.path().join("otai.yml");
    std::fs::write(
        &config,
        "services:\n  - id: store\n    use: local\n    params:\n      path: ':memory:'\n      seed: seed.yml\n",
    )?;
    let config = config.to_string_lossy().into_owned();
    let model = dir.path().join("q.model").to_string_lossy().into_owned();
    let (code, out, err) = otai(&[
        "train",
        "-c",
        &config,
        "--service",
        "store",
        "--where",
        "{all: true}",
        "--label",
        "queue",
        "--out",
        &model,
    ])?;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("read 130 examples from service store (label `queue`, 2 labels)"),
        "{out}"
    );
    assert!(out.contains("accuracy 1.000"), "{out}");

    let (code, _, err) = otai(&[
        "train",
        "-c",
        &config,
        "--service",
        "store",
        "--where",
        "[1, 2]",
        "--label",
        "queue",
        "--out",
        &model,
    ])?;
    assert_eq!(code, 2);
    assert!(err.contains("--where: expected a map"), "{err}");
    Ok(())
}
