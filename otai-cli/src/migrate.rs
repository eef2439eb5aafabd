//! `otai migrate FILE [-o OUT]`: an Open Ticket AI 1.5 configuration converted into an otai one.
//! The configuration goes to OUT or stdout, the report to stderr.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use otai_pipeline::migrate::migrate as convert;

use crate::args::MigrateArgs;
use crate::failure::Failure;
use crate::output::Output;

/// The largest file read: one byte over otai's own limit, so the converter refuses it by name.
const MAX_READ: u64 = otai_pipeline::config::MAX_CONFIG_BYTES as u64 + 1;

/// Converts `args.file`; exit code 1 when something essential could not be converted.
pub(crate) fn migrate(args: &MigrateArgs, output: &Output) -> Result<ExitCode, Failure> {
    let file = args.file.display().to_string();
    let mut bytes = Vec::new();
    std::fs::File::open(&args.file)
        .and_then(|f| f.take(MAX_READ).read_to_end(&mut bytes))
        .map_err(|e| Failure::bad_input(format!("{file}: cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
        Failure::bad_input(format!(
            "{file}:{line}: not UTF-8 text (Latin-1?): save the file as UTF-8 first"
        ))
    })?;
    let migration = convert(&file, &text)?;
    match &args.output {
        Some(out) => {
            if same_file(&args.file, out) {
                return Err(Failure::bad_input(format!(
                    "{}: the converted file would replace the one it comes from: choose another -o",
                    out.display()
                )));
            }
            std::fs::write(out, &migration.yaml).map_err(|e| {
                Failure::bad_input(format!("{}: cannot write the file: {e}", out.display()))
            })?;
        }
        None => {
            for line in migration.yaml.lines() {
                output.line(line);
            }
        }
    }
    let mut report: Vec<String> = migration.report().collect();
    let target = args
        .output
        .as_ref()
        .map_or_else(|| "FILE".to_owned(), |o| o.display().to_string());
    let (summary, code) = if migration.is_complete() {
        (
            format!("converted; check it with `otai validate -c {target}`"),
            ExitCode::SUCCESS,
        )
    } else {
        (
            "NOT everything could be converted: see the NOT CONVERTED lines; the file does not do what the old one did until they are dealt with".to_owned(),
            ExitCode::FAILURE,
        )
    };
    report.push(summary);
    output.error_lines(&report);
    Ok(code)
}

/// Whether `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
