//! The `otai` command.

fn main() -> std::process::ExitCode {
    otai_cli::run_cli(otai_cli::default_registry())
}
