//! `otai train` and `otai eval`: a text classifier learnt from labelled tickets, and its figures.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use otai_classify::{Evaluation, Example, Figures, Model, TrainSettings, TrainingMetadata};
use otai_core::{Error, Kwargs, TicketSystemServiceExt};
use otai_pipeline::Registry;
use otai_pipes_base::{Classifier, Rule, RuleClassifier};
use serde_json::{Map, Value, json};

use crate::args::{EvalArgs, TrainArgs};
use crate::failure::Failure;
use crate::inputs::{load, service};
use crate::output::Output;

/// Tickets fetched per page when training from a service.
const PAGE: usize = 100;
/// The largest `--where` or rules file, in bytes.
const MAX_SMALL_FILE: u64 = 1 << 20;

/// `otai train`.
pub(crate) async fn train(
    args: TrainArgs,
    registry: &Registry,
    quiet: bool,
    output: &Output,
) -> Result<ExitCode, Failure> {
    if !(0.0..0.9).contains(&args.held_out) {
        return Err(Failure::bad_input(format!(
            "--held-out must be at least 0 and below 0.9, got {}",
            args.held_out
        )));
    }
    // Read before training, so a bad rules file fails at once.
    let rules = args.compare.as_deref().map(read_rules).transpose()?;
    let (examples, source) = match (&args.from, &args.service) {
        (Some(path), None) => (
            otai_classify::read_jsonl(path, &args.label)?,
            path.display().to_string(),
        ),
        (None, Some(id)) => {
            let examples = fetch(&args, id, registry, quiet, output).await?;
            (examples, format!("service {id}"))
        }
        _ => {
            return Err(Failure::bad_input(
                "give either --from FILE.jsonl or --service NAME (with -c and --where)",
            ));
        }
    };
    let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    let (train_idx, held_idx) = otai_classify::stratified_split(&labels, args.held_out, args.seed);
    let train_set: Vec<&Example> = train_idx.iter().map(|&i| &examples[i]).collect();
    let held_set: Vec<&Example> = held_idx.iter().map(|&i| &examples[i]).collect();
    let settings = TrainSettings {
        epochs: args.epochs,
        seed: args.seed,
        features: otai_classify::FeatureSettings {
            hash_bits: args.hash_bits,
            ..otai_classify::FeatureSettings::default()
        },
        ..TrainSettings::default()
    };
    let mut metadata = TrainingMetadata::new(&args.label, &source);
    metadata.held_out_examples = held_set.len();
    let started = Instant::now();
    let mut model = Model::train(&train_set, &settings, metadata, &mut |_, _| {})?;
    model.calibrate(&held_set);
    let seconds = started.elapsed().as_secs_f64();
    let evaluation = evaluate(&model, &held_set);
    let compare = rules.as_ref().map(|r| evaluate_rules(r, &held_set));
    if !held_set.is_empty() {
        model.set_figures(Figures {
            accuracy: evaluation.accuracy,
            macro_f1: evaluation.macro_f1,
        });
    }
    model.save(&args.out)?;
    if args.json {
        let mut value = serde_json::to_value(&evaluation).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("model".into(), json!(args.out.display().to_string()));
            map.insert("train_examples".into(), json!(train_set.len()));
            map.insert("held_out_examples".into(), json!(held_set.len()));
            map.insert("seconds".into(), json!(seconds));
            map.insert("temperature".into(), json!(model.temperature()));
        }
        return print_json(value, compare.as_ref(), output);
    }
    output.line(&format!(
        "read {} examples from {source} (label `{}`, {} labels)",
        examples.len(),
        args.label,
        model.labels().len()
    ));
    output.line(&format!(
        "trained on {}, held out {} ({:.0} %), in {seconds:.2} s",
        train_set.len(),
        held_set.len(),
        args.held_out * 100.0
    ));
    if held_set.is_empty() {
        output.line("no held-out examples: no figures");
    } else {
        output.line("held-out figures:");
        print_evaluation(&evaluation, output);
        if let (Some(rules), Some(path)) = (&compare, &args.compare) {
            print_comparison(&evaluation, rules, path, output);
        }
    }
    output.line(&format!("wrote {}", args.out.display()));
    Ok(ExitCode::SUCCESS)
}

/// Fetches labelled tickets through a configured service, page by page.
async fn fetch(
    args: &TrainArgs,
    id: &str,
    registry: &Registry,
    quiet: bool,
    output: &Output,
) -> Result<Vec<Example>, Failure> {
    let engine = load(&args.config, registry, false, output)?;
    let service = service(&engine, Some(id))?;
    let filter = match &args.where_ {
        Some(text) => yaml_map(text, "--where")?,
        None => {
            return Err(Failure::bad_input(
                "--service needs --where '<search kwargs>' (e.g. '{state: closed}', or '{all: true}')",
            ));
        }
    };
    let bar = crate::progress::Bar::new(quiet, output);
    let mut examples = Vec::new();
    let mut skipped = 0usize;
    let mut offset = 0usize;
    while examples.len() + skipped < args.limit {
        let mut kwargs: Kwargs = filter.clone();
        let page = PAGE.min(args.limit - examples.len() - skipped);
        kwargs.insert("limit".into(), json!(page));
        kwargs.insert("offset".into(), json!(offset));
        let tickets = service.find_tickets_kw(kwargs).await?;
        let got = tickets.len();
        for ticket in tickets {
            let value = serde_json::to_value(&ticket).unwrap_or(Value::Null);
            let label = value.get(&args.label).map(|v| match v {
                Value::Object(entity) => entity.get("name").cloned().unwrap_or(Value::Null),
                other => other.clone(),
            });
            let mut object = Map::new();
            if let Some(label) = label {
                object.insert(args.label.clone(), label);
            }
            match otai_classify::dataset::label_of(&object, &args.label) {
                Ok(label) => examples.push(Example::new(
                    ticket.subject.as_deref().unwrap_or_default(),
                    ticket.body.as_deref().unwrap_or_default(),
                    label,
                )),
                Err(_) => skipped += 1,
            }
        }
        offset += got;
        bar.update("fetch", examples.len() + skipped, args.limit);
        if got < page {
            break;
        }
    }
    bar.finish();
    if skipped > 0 {
        tracing::warn!(skipped, label = %args.label, "tickets without the label were left out");
    }
    Ok(examples)
}

/// A YAML (or JSON) map given on the command line or in a small file.
fn yaml_map(text: &str, name: &str) -> Result<Map<String, Value>, Failure> {
    let document = otai_yaml::read(text)
        .map_err(|e| Failure::bad_input(format!("{name}: line {}: {}", e.line, e.message)))?;
    match document.value {
        Value::Object(map) => Ok(map),
        _ => Err(Failure::bad_input(format!("{name}: expected a map"))),
    }
}

/// The model's top label for each example, against the truth.
fn evaluate(model: &Model, examples: &[&Example]) -> Evaluation {
    let predicted: Vec<String> = examples
        .iter()
        .map(|e| {
            model
                .predict(&e.text, 1)
                .into_iter()
                .next()
                .map(|s| s.label)
                .unwrap_or_default()
        })
        .collect();
    Evaluation::new(
        examples
            .iter()
            .zip(&predicted)
            .map(|(e, p)| (e.label.as_str(), p.as_str())),
    )
}

/// The rules of a `classify` config (`rules:` and an optional `default:`), as the pipe reads them.
fn read_rules(path: &Path) -> Result<RuleClassifier, Failure> {
    let at = path.display().to_string();
    let text = otai_yaml::read_file(path, MAX_SMALL_FILE)
        .map_err(|e| Failure::bad_input(format!("{at}: {e}")))?;
    let mut map = yaml_map(&text, &at)?;
    let rules = map
        .remove("rules")
        .ok_or_else(|| Failure::bad_input(format!("{at}: no `rules:`")))?;
    let default = match map.remove("default") {
        None => "other".to_owned(),
        Some(Value::String(label)) => label,
        Some(_) => {
            return Err(Failure::bad_input(format!(
                "{at}: `default` must be a label"
            )));
        }
    };
    if let Some(key) = map.keys().next() {
        return Err(Failure::bad_input(format!(
            "{at}: unknown key `{key}` (expected `rules` and `default`)"
        )));
    }
    let rules: Vec<Rule> = serde_json::from_value(rules)
        .map_err(|e| Failure::bad_input(format!("{at}: rules: {e}")))?;
    RuleClassifier::new(rules, &default, Map::new())
        .map_err(|e| Failure::bad_input(format!("{at}: {e}")))
}

/// `otai eval`.
pub(crate) fn eval(args: EvalArgs, output: &Output) -> Result<ExitCode, Failure> {
    let model = Model::load(&args.model)?;
    let examples = otai_classify::read_jsonl(&args.from, &args.label)?;
    let refs: Vec<&Example> = examples.iter().collect();
    let evaluation = evaluate(&model, &refs);
    let compare = match &args.compare {
        None => None,
        Some(path) => Some(evaluate_rules(&read_rules(path)?, &refs)),
    };
    if args.json {
        let value = serde_json::to_value(&evaluation).unwrap_or(Value::Null);
        return print_json(value, compare.as_ref(), output);
    }
    output.line(&format!(
        "{} examples from {} (label `{}`)",
        examples.len(),
        args.from.display(),
        args.label
    ));
    output.line(&format!("model {}:", args.model.display()));
    print_evaluation(&evaluation, output);
    if let (Some(rules), Some(path)) = (&compare, &args.compare) {
        print_comparison(&evaluation, rules, path, output);
    }
    Ok(ExitCode::SUCCESS)
}

/// The rules' figures, then both side by side.
/// `--json`: the figures, with the rules' figures under `compare` when there are any.
fn print_json(
    mut value: Value,
    compare: Option<&Evaluation>,
    output: &Output,
) -> Result<ExitCode, Failure> {
    if let (Value::Object(map), Some(rules)) = (&mut value, compare) {
        map.insert(
            "compare".into(),
            serde_json::to_value(rules).unwrap_or(Value::Null),
        );
    }
    output
        .json(value)
        .map_err(|e| Error::invalid_input("--json", e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

fn print_comparison(model: &Evaluation, rules: &Evaluation, path: &Path, output: &Output) {
    output.line(&format!("rules {} on the same examples:", path.display()));
    print_evaluation(rules, output);
    output.line(&format!(
        "side by side: accuracy {:.3} (model) vs {:.3} (rules), macro-F1 {:.3} vs {:.3}",
        model.accuracy, rules.accuracy, model.macro_f1, rules.macro_f1
    ));
}

/// The rules' label for each example, against the truth.
fn evaluate_rules(rules: &RuleClassifier, examples: &[&Example]) -> Evaluation {
    let predicted: Vec<String> = examples
        .iter()
        .map(|e| rules.classify(&e.text).label)
        .collect();
    Evaluation::new(
        examples
            .iter()
            .zip(&predicted)
            .map(|(e, p)| (e.label.as_str(), p.as_str())),
    )
}

/// Accuracy, macro-F1, a line per class and the confusion matrix.
fn print_evaluation(e: &Evaluation, output: &Output) {
    output.line(&format!(
        "  accuracy {:.3}  macro-F1 {:.3}  ({} examples)",
        e.accuracy, e.macro_f1, e.examples
    ));
    let width = e
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    output.line(&format!(
        "  {:width$}  precision  recall     f1  support",
        "label"
    ));
    for (label, f) in &e.per_class {
        output.line(&format!(
            "  {label:width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
            f.precision, f.recall, f.f1, f.support
        ));
    }
    output.line("  confusion (rows: truth, columns: predicted, in label order above)");
    for (label, row) in e.labels.iter().zip(&e.confusion) {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:>4}")).collect();
        output.line(&format!("  {label:width$}  {}", cells.join("")));
    }
}
