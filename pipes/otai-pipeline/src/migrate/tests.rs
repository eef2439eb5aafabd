//! Tests of the conversion as a whole (the Open Ticket AI examples are in `tests/`).

use super::*;

#[test]
fn a_file_over_the_config_limit_is_refused_before_reading() {
    let text = "a".repeat(MAX_CONFIG_BYTES + 1);
    let e = migrate("big.yml", &text).err().map(|e| e.to_string());
    assert!(
        e.as_deref()
            .is_some_and(|e| e.contains("big.yml:1") && e.contains("larger than")),
        "{e:?}"
    );
}

#[test]
fn a_file_that_is_not_a_map_is_reported_as_not_converted() -> Result<(), String> {
    let m = migrate("old.yml", "- a\n- b\n").map_err(|e| e.to_string())?;
    assert!(!m.is_complete());
    assert_eq!(
        m.report().collect::<Vec<_>>(),
        [
            "old.yml:1: NOT CONVERTED: not an Open Ticket AI configuration: expected a map under `open_ticket_ai:`"
        ]
    );
    Ok(())
}

#[test]
fn otai_sections_are_copied_with_their_templates_rewritten() -> Result<(), String> {
    let text = "open_ticket_ai:\n  pipes:\n    - id: say\n      use: log\n      params: { message: \"{{ get_env('TEAM') }}\" }\n";
    let m = migrate("old.yml", text).map_err(|e| e.to_string())?;
    assert!(m.is_complete());
    assert!(
        m.yaml.ends_with(
            "pipes:\n  - id: say\n    use: log\n    params:\n      message: \"{{ env('TEAM') }}\"\n"
        ),
        "{}",
        m.yaml
    );
    assert_eq!(
        m.report().collect::<Vec<_>>(),
        ["old.yml:5: pipes[0].params.message: converted: `get_env(…)` is `env(…)`"]
    );
    Ok(())
}
