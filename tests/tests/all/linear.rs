//! Errors for large configurations come in linear time and size: a file with four times the
//! problems gets four times the messages, never more, for every kind of problem. Counted, not
//! timed: the number of problems and the bytes of their messages (one that lists every name
//! of the file grows with the square of its size). The time is measured by
//! `cargo bench -p otai-cli --bench scaling`.

use otai_core::registry::BuildContext;
use otai_pipeline::{LoadOptions, load_str};

/// A configuration with `n` problems of one kind, and how many problems it has.
type Generator = fn(usize) -> (String, usize);

const STORE: &str = "services:\n  s:\n    use: local\n    params: {path: ':memory:'}\n";

fn unknown_pipes(n: usize) -> (String, usize) {
    let pipes: String = (0..n)
        .map(|i| format!("  - id: p{i}\n    use: fetch_tikets\n"))
        .collect();
    (format!("{STORE}pipes:\n{pipes}"), n)
}

fn unknown_services(n: usize) -> (String, usize) {
    let services: String = (0..n)
        .map(|i| format!("  s{i}: {{use: local, params: {{path: ':memory:'}}}}\n"))
        .collect();
    let pipes: String = (0..n)
        .map(|i| {
            format!("  - {{id: p{i}, use: fetch_tickets, service: t{i}, params: {{all: true}}}}\n")
        })
        .collect();
    (format!("services:\n{services}pipes:\n{pipes}"), n)
}

fn unknown_params(n: usize) -> (String, usize) {
    let params: String = (0..n).map(|i| format!("      k{i}: 1\n")).collect();
    let pipe = format!("  - id: p\n    use: log\n    params:\n      message: m\n{params}");
    (format!("{STORE}pipes:\n{pipe}"), n)
}

fn broken_templates(n: usize) -> (String, usize) {
    let params: String = (0..n)
        .map(|i| format!("      k{i}: '{{{{ x. }}}}'\n"))
        .collect();
    let pipe = format!("  - id: p\n    use: expression\n    params:\n      value: 1\n{params}");
    (format!("{STORE}pipes:\n{pipe}"), 2 * n)
}

fn duplicate_ids(n: usize) -> (String, usize) {
    let pipes: String = (0..=n)
        .map(|_| "  - {id: p, use: log, params: {message: m}}\n")
        .collect();
    (format!("{STORE}pipes:\n{pipes}"), n)
}

fn unknown_keys_and_missing_pipes(n: usize) -> (String, usize) {
    let pipes: String = (0..n)
        .map(|i| format!("  - {{id: p{i}, use: log, parms: 1}}\n  - {{id: q{i}, use: log, params: {{message: '{{{{ pipes.r{i}.x }}}}'}}}}\n"))
        .collect();
    (format!("{STORE}pipes:\n{pipes}"), 2 * n)
}

/// (problems, bytes of their messages) of the configuration `generate(n)`.
fn measure(generate: Generator, n: usize) -> Result<(usize, usize), String> {
    let (text, expected) = generate(n);
    let registry = otai_cli::default_registry();
    let mut options = LoadOptions::default();
    options.validate_only = true;
    let outcome = load_str(
        "big.yml",
        &text,
        &BuildContext::default(),
        &registry,
        &options,
    );
    let errors = match outcome {
        Err(errors) => errors.0,
        Ok(_) => return Err(format!("{n}: loaded without a problem")),
    };
    let bytes = errors.iter().map(|e| e.to_string().len()).sum();
    if errors.len() != expected {
        let first: Vec<String> = errors.iter().take(3).map(ToString::to_string).collect();
        return Err(format!(
            "{n}: {} problems, expected {expected}: {first:?}",
            errors.len()
        ));
    }
    Ok((errors.len(), bytes))
}

#[test]
fn four_times_the_problems_get_four_times_the_messages() -> Result<(), String> {
    let kinds: [(&str, Generator); 6] = [
        ("unknown pipes", unknown_pipes),
        ("unknown services", unknown_services),
        ("unknown params", unknown_params),
        ("broken templates", broken_templates),
        ("duplicate ids", duplicate_ids),
        (
            "unknown keys, missing pipes",
            unknown_keys_and_missing_pipes,
        ),
    ];
    for (kind, generate) in kinds {
        let (small_problems, small_bytes) = measure(generate, 2_500)?;
        let (large_problems, large_bytes) = measure(generate, 10_000)?;
        assert_eq!(large_problems, 4 * small_problems, "{kind}");
        // Ids grow by a digit; a message listing every name would grow sixteenfold.
        let ratio = large_bytes as f64 / small_bytes as f64;
        assert!((3.9..=4.5).contains(&ratio), "{kind}: ratio {ratio}");
    }
    Ok(())
}

#[test]
fn a_message_about_an_unknown_name_lists_a_few_names_however_many_there_are() {
    let many: Vec<String> = (0..10_000).map(|i| format!("service{i}")).collect();
    let message = otai_core::registry::unknown_name_message("service", "servic", many.iter());
    assert_eq!(
        message,
        "unknown service `servic`; did you mean `service0` or `service1` or `service2`? (known: service0, service1, service2, service3, service4, service5, service6, service7, service8, service9, service10, service11, service12, service13, service14, service15, service16, service17, service18, service19, service20, service21, service22, service23, service24, service25, service26, service27, service28, service29, service30, service31, service32, service33, service34, service35, service36, service37, service38, service39, service40, service41, service42, service43, service44, service45, service46, service47, service48, service49, … (10000 in all))"
    );
}
