//! What otai writes about itself: shell completion scripts and the manual page, both made from
//! the same argument definitions the command parses.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::args::Cli;
use crate::failure::Failure;
use crate::output::Output;

/// `otai completions <shell>`: the completion script for `shell` on stdout.
pub(crate) fn completions(shell: clap_complete::Shell, output: &Output) -> ExitCode {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "otai", &mut script);
    output.generated(&script);
    ExitCode::SUCCESS
}

/// `otai man`: the manual page (roff) on stdout, with a section listing the subcommands
/// (`otai <subcommand> --help` tells each in full).
pub(crate) fn man(output: &Output) -> Result<ExitCode, Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure {
            lines: vec![format!("error: cannot write the manual page: {e}")],
            code: 1,
        })?;
    output.generated(&page);
    Ok(ExitCode::SUCCESS)
}
