//! The built `otai` binary bounds the memory a template can make: each template below asks for
//! gigabytes (a 25-byte one for 3.2 GB), and `otai render` and `otai run` refuse it with a
//! template error while the process may use at most 1 GiB of address space (binary, threads
//! and stacks included). Without the bounds they abort for want of memory.

#![cfg(unix)]

use std::path::Path;

use assert_cmd::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The address space the binary may use, in KiB (`ulimit -v`).
const ADDRESS_SPACE_KIB: u64 = 1 << 20;

/// Runs `otai args` with at most [`ADDRESS_SPACE_KIB`] of address space: (code, stdout+stderr).
fn limited(args: &[&str]) -> Result<(i32, String), Box<dyn std::error::Error>> {
    let otai = Command::cargo_bin("otai")?;
    let program = otai.get_program().to_string_lossy().into_owned();
    let script = format!("ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\"");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(program)
        .args(args)
        .env_remove("RUST_LOG")
        .output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.code().unwrap_or(-1), text))
}

fn config(dir: &Path, template: &str) -> Result<String, Box<dyn std::error::Error>> {
    let path = dir.join("otai.yml");
    let value = serde_json::to_string(template)?;
    std::fs::write(
        &path,
        format!("pipes:\n  - id: x\n    use: expression\n    params:\n      value: {value}\n"),
    )?;
    Ok(path.to_string_lossy().into_owned())
}

#[test]
fn templates_asking_for_gigabytes_get_a_template_error_within_1_gib() -> TestResult {
    let too_large = "the value is too large: a template may make at most 64 MiB";
    let cases = [
        ("{{ [0] * 100000000 }}", too_large),
        ("{{ [[0] * 10000] * 10000 }}", too_large),
        ("{{ {'a': [0] * 100000000} }}", too_large),
        ("{{ 'x' * 10**9 }}", "the template did too much work"),
        ("{{ range(10**9)|list }}", "range has too many elements"),
        ("{{ ([0] * 100000000)|tojson|length }}", too_large),
        ("{{ ([0] * 100000000)|string|length }}", too_large),
        // Nested about 50 000 deep, then freed recursively by minijinja: needs the big stacks.
        (
            "{% set ns = namespace(x=0) %}{% for i in range(60000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|length }}",
            "the template did too much work",
        ),
    ];
    let dir = tempfile::tempdir()?;
    for (template, error) in cases {
        let config = config(dir.path(), template)?;
        let (code, out) = limited(&["render", "-c", &config, "--pipe", "x"])?;
        assert_eq!(code, 2, "render {template}: {out}");
        assert!(out.contains(error), "render {template}: {out}");
        let (code, out) = limited(&["run", "-c", &config, "--once"])?;
        assert_eq!(code, 1, "run {template}: {out}");
        assert!(
            out.starts_with("pipeline default: FAILED") && out.contains(error),
            "run {template}: {out}"
        );
    }
    let config = config(dir.path(), "{{ [0] * 1000 }}")?;
    let (code, out) = limited(&["render", "-c", &config, "--pipe", "x"])?;
    assert_eq!(
        code, 0,
        "an ordinary template renders within the limit: {out}"
    );
    Ok(())
}
