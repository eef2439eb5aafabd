//! `otai migrate` and `otai check-config` on the built binary, with the Open Ticket AI
//! configurations of `tests/open-ticket-ai/`.

mod support;

use support::{TestResult, otai_env as otai, repo_file};

fn example(name: &str) -> String {
    repo_file("tests/open-ticket-ai", name)
}

#[test]
fn a_converted_file_passes_check_config() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("otai.yml").to_string_lossy().into_owned();
    let (code, stdout, err) = otai(
        &["migrate", &example("fetch-add-note.yml"), "-o", &out],
        &[],
    )?;
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        err.contains("fetch-add-note.yml:2: api_version: left out:"),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(
            "converted; check it with `otai validate -c {out}`\n"
        )),
        "{err}"
    );
    let env = [("OTAI_OTOBO_PASSWORD", "s3cret-pw")];
    let (code, stdout, err) = otai(&["check-config", "-c", &out], &env)?;
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("ok"), "{stdout}");
    Ok(())
}

#[test]
fn what_cannot_be_converted_is_reported_and_exits_1() -> TestResult {
    let (code, stdout, err) = otai(&["migrate", &example("queue-priority.yml")], &[])?;
    assert_eq!(code, 1, "{err}");
    assert!(
        stdout.starts_with("# Converted by `otai migrate`"),
        "{stdout}"
    );
    assert!(stdout.contains("use: classify"), "{stdout}");
    assert_eq!(
        err.matches("NOT CONVERTED: otai runs no Hugging Face model")
            .count(),
        2,
        "{err}"
    );
    assert!(err.contains("NOT everything could be converted"), "{err}");
    Ok(())
}

#[test]
fn a_password_in_the_old_file_is_never_printed() -> TestResult {
    let (code, stdout, err) = otai(&["migrate", &example("numeric-password.yml")], &[])?;
    assert_eq!(code, 0, "{err}");
    assert!(
        !stdout.contains("123456") && !err.contains("123456"),
        "{stdout}{err}"
    );
    assert!(
        stdout.contains("${{ secrets.HELPDESK_PASSWORD }}"),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn bad_input_to_migrate_is_refused_with_exit_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let latin1 = dir.path().join("old.yml");
    std::fs::write(
        &latin1,
        b"open_ticket_ai:\n  services: {}\n  # Gr\xfc\xdfe\n",
    )?;
    let latin1 = latin1.to_string_lossy().into_owned();
    let (code, _, err) = otai(&["migrate", &latin1], &[])?;
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!("error: {latin1}:3: not UTF-8 text (Latin-1?): save the file as UTF-8 first\n")
    );

    let (code, _, err) = otai(
        &[
            "migrate",
            &example("fetch-add-note.yml"),
            "-o",
            &example("fetch-add-note.yml"),
        ],
        &[],
    )?;
    assert_eq!(code, 2);
    assert!(err.contains("would replace the one it comes from"), "{err}");

    let missing = dir.path().join("nope.yml").to_string_lossy().into_owned();
    let (code, _, err) = otai(&["migrate", &missing], &[])?;
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!("error: {missing}: cannot read the file:")),
        "{err}"
    );
    Ok(())
}

#[test]
fn validate_points_an_open_ticket_ai_file_at_migrate() -> TestResult {
    let file = example("fetch-add-note.yml");
    let (code, _, err) = otai(&["check-config", "-c", &file], &[])?;
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{file}:26: orchestrator: an Open Ticket AI 1.5 configuration: convert it with `otai migrate {file} -o otai.yml`")),
        "{err}"
    );
    Ok(())
}
