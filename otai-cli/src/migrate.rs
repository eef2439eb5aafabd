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
const MAX_READ: u64 = (4 << 20) + 1;

/// Converts `args.file`; exit code 1 when something essential could not be converted.
pub(crate) fn migrate(args: &MigrateArgs, output: &Output) -> Result<ExitCode, Failure> {
    let file = args.file.display().to_string();
    let mut text = String::new();
    std::fs::File::open(&args.file)
        .and_then(|f| f.take(MAX_READ).read_to_string(&mut text))
        .map_err(|e| Failure::bad_input(format!("{file}: cannot read the file: {e}")))?;
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
