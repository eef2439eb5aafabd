//! The commands.

use std::process::ExitCode;

use otai_core::Error;
use otai_pipeline::Registry;
use otai_pipeline::RunReport;

use crate::args::{Command, RenderArgs, RunArgs, ValidateArgs};
use crate::failure::Failure;
use crate::inputs::{load, pairs};
use crate::output::Output;

pub(crate) async fn dispatch(
    command: Command,
    registry: Registry,
    quiet: bool,
    output: &Output,
) -> ExitCode {
    let result = match command {
        Command::Run(args) => run(args, &registry, quiet, output).await,
        Command::Validate(args) => validate(args, &registry, output).await,
        Command::Render(args) => render(args, &registry, output),
        Command::Tickets(args) => crate::tickets::tickets(args, &registry, output).await,
        Command::Serve(args) => crate::serve::serve(args, &registry, output).await,
        Command::Inbound(args) => crate::inbound::inbound(args, &registry, output).await,
    };
    result.unwrap_or_else(|failure| {
        output.error_lines(&failure.lines);
        ExitCode::from(failure.code)
    })
}

fn print_report(report: &RunReport, output: &Output) {
    let status = if report.succeeded {
        "succeeded"
    } else {
        "FAILED"
    };
    output.line(&format!(
        "pipeline {}: {status}: {} seen, {} changed, {} failed in {:.1} ms",
        report.pipeline,
        report.seen,
        report.changed,
        report.failed,
        report.duration.as_secs_f64() * 1000.0
    ));
    for failure in report.failures() {
        output.line(&format!(
            "  {}",
            failure.error.as_deref().unwrap_or("failed")
        ));
    }
}

async fn run(
    args: RunArgs,
    registry: &Registry,
    quiet: bool,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let engine = load(&args.config, registry, false, output)?;
    let context = pairs("--context", &args.context)?;
    let ids: Vec<String> = if args.pipelines.is_empty() {
        engine
            .pipeline_ids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        args.pipelines.clone()
    };
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    if ids.is_empty() {
        return Err(Failure::bad_input(format!(
            "{}: no pipelines to run (add `pipes:` or `pipelines:`)",
            args.config.config.display()
        )));
    }
    if args.once {
        let mut all_ok = true;
        let bar = crate::progress::Bar::new(quiet, output);
        for id in ids {
            let report = engine
                .run_with_progress(
                    id,
                    &context,
                    args.dry_run,
                    Some(&|pipe, done, total| bar.update(pipe, done, total)),
                )
                .await?;
            bar.finish();
            print_report(&report, output);
            all_ok &= report.succeeded;
        }
        return Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let failed = std::sync::atomic::AtomicBool::new(false);
    let on_report = |report: &RunReport| {
        print_report(report, output);
        if !report.succeeded {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    engine
        .run_forever(&ids, &context, args.dry_run, shutdown_signal(), &on_report)
        .await?;
    Ok(if failed.load(std::sync::atomic::Ordering::Relaxed) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

async fn validate(
    args: ValidateArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    if !args.connect {
        let engine = load(&args.config, registry, true, output)?;
        otai_serve::Settings::read(&engine)?;
        output.line(&format!("{}: ok", args.config.config.display()));
        return Ok(ExitCode::SUCCESS);
    }
    let engine = load(&args.config, registry, false, output)?;
    otai_serve::Settings::read(&engine)?;
    let mut ok = true;
    for (id, service) in engine.services() {
        let outcome = match service.healthcheck().await {
            Ok(()) => "ok".to_owned(),
            Err(e) => {
                ok = false;
                otai_core::error::report(&e)
            }
        };
        output.line(&format!("service {id} ({}): {outcome}", service.kind()));
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn render(args: RenderArgs, registry: &Registry, output: &Output) -> Result<ExitCode, Failure> {
    let engine = load(&args.config, registry, true, output)?;
    let context = pairs("--context", &args.context)?;
    let rendered = engine.render(&args.pipe, &context)?;
    output
        .json(rendered)
        .map_err(|e| Error::config("render", e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
