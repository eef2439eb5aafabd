//! What the tests of the built `otai` binary share: running it in a clean environment, paths in
//! the repository, writing files. Each test file uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use assert_cmd::Command;

/// What a test returns: any error fails it.
pub(crate) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A finished run of `otai`: exit code (-1 when killed by a signal), stdout, stderr.
pub(crate) type Run = (i32, String, String);

/// The environment variables a run must not inherit from the shell that started the tests.
const INHERITED: [&str; 5] = [
    "OTAI_CONFIG",
    "OTAI_SECRETS_FILE",
    "RUST_LOG",
    "NO_COLOR",
    "MCP_TOKEN",
];

/// `otai` with `args`, none of [`INHERITED`], sessions cached under the build's temporary
/// directory (never the user's cache), and then `env`.
pub(crate) fn command(
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<Command, Box<dyn std::error::Error>> {
    let mut command = Command::cargo_bin("otai")?;
    command.args(args);
    for name in INHERITED {
        command.env_remove(name);
    }
    command
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .envs(env.iter().copied());
    Ok(command)
}

/// Runs `command` to its end.
pub(crate) fn run(mut command: Command) -> Result<Run, Box<dyn std::error::Error>> {
    let out = command.output()?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

/// Runs `otai` with `args` (see [`command`]).
pub(crate) fn otai(args: &[&str]) -> Result<Run, Box<dyn std::error::Error>> {
    run(command(args, &[])?)
}

/// Runs `otai` with `args` and the extra environment `env` (see [`command`]).
pub(crate) fn otai_env(
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<Run, Box<dyn std::error::Error>> {
    run(command(args, env)?)
}

/// Runs `otai` with `args` in the directory `dir` (see [`command`]).
pub(crate) fn otai_in(dir: &Path, args: &[&str]) -> Result<Run, Box<dyn std::error::Error>> {
    let mut command = command(args, &[])?;
    command.current_dir(dir);
    run(command)
}

/// The file `name` in the folder `dir` of the repository, as an argument.
pub(crate) fn repo_file(dir: &str, name: &str) -> String {
    repo_path(dir).join(name).to_string_lossy().into_owned()
}

/// The folder or file `path` of the repository.
pub(crate) fn repo_path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

/// Writes `text` to the file `name` in `dir`; returns its path, as an argument.
pub(crate) fn write(
    dir: impl AsRef<Path>,
    name: &str,
    text: &str,
) -> Result<String, std::io::Error> {
    let path = dir.as_ref().join(name);
    std::fs::write(&path, text)?;
    Ok(path.to_string_lossy().into_owned())
}

/// A config's `services:` with one local store in memory, `helpdesk`.
pub(crate) const LOCAL_SERVICE: &str =
    "services:\n  - id: helpdesk\n    use: local\n    params: {path: ':memory:'}\n";

/// Starts `otai serve -c otai.yml` in `dir` (none of [`INHERITED`]) and returns it with the URL
/// it serves on, read from its first line; a server that does not say so is killed.
pub(crate) fn serve(dir: &Path) -> Result<(Child, String), Box<dyn std::error::Error>> {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_otai"));
    for name in INHERITED {
        command.env_remove(name);
    }
    let mut child = command
        .args(["serve", "-c", "otai.yml"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    let read = match child.stdout.take() {
        Some(stdout) => BufReader::new(stdout).read_line(&mut line).map(drop),
        None => Ok(()),
    };
    match (read, line.trim().strip_prefix("serving on ")) {
        (Ok(()), Some(url)) => Ok((child, url.to_owned())),
        (read, _) => {
            child.kill()?;
            child.wait()?;
            read?;
            Err(format!("unexpected first line: {line}").into())
        }
    }
}
