//! The commands.

use std::process::ExitCode;

use otai_core::Error;
use otai_pipeline::Registry;
use otai_pipeline::RunReport;

use crate::args::{Command, RenderArgs, RunArgs, ValidateArgs};
use crate::failure::Failure;
use crate::inputs::{load, load_checked, pairs};
use crate::output::Output;
use crate::signals::Stop;

pub(crate) async fn dispatch(
    command: Command,
    registry: Registry,
    quiet: bool,
    output: &Output,
) -> ExitCode {
    let result = match command {
        Command::Run(args) => run(args, &registry, quiet, output).await,
        Command::Validate(args) => validate(args, &registry, output).await,
        Command::Render(args) => render(args, &registry, output).await,
        Command::Tickets(args) => crate::tickets::tickets(args, &registry, output).await,
        Command::Migrate(args) => crate::migrate::migrate(&args, output),
        Command::Schema(args) => crate::schema::schema(&args, &registry, output),
        Command::Completions { shell } => Ok(crate::generated::completions(shell, output)),
        Command::Man => crate::generated::man(output),
        Command::Mcp(args) => crate::mcp::mcp(args, &registry, output).await,
        Command::Train(args) => crate::train::train(args, &registry, quiet, output).await,
        Command::Eval(args) => crate::train::eval(args, output),
        Command::Serve(args) => crate::serve::serve(args, &registry, output).await,
        Command::Inbound(args) => crate::inbound::inbound(args, &registry, output).await,
        Command::Debugger(args) => crate::debugger::debugger(args, &registry, output),
        Command::Webservice(args) => crate::webservice::webservice(args, &registry, output),
    };
    result.unwrap_or_else(|failure| {
        output.error_lines(&failure.lines);
        ExitCode::from(failure.code)
    })
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
    let report_file = |reports: &[RunReport]| -> Result<(), Failure> {
        match &args.report {
            Some(path) => output.report_file(path, reports).map_err(Failure::failed),
            None => Ok(()),
        }
    };
    // What each write did is shown per ticket, unless `-q` leaves only the figures.
    let shows_changes = !quiet || args.report.is_some() || args.dry_run || output.is_json();
    if args.once {
        let mut all_ok = true;
        let mut reports = Vec::new();
        let bar = crate::progress::Bar::new(quiet, output);
        for id in ids {
            let progress: otai_pipeline::Progress<'_> =
                &|pipe, done, total| bar.update(pipe, done, total);
            // Each item's results are kept only for the report file; nothing here reads the
            // top-level results, so only what the pipeline's own templates read is kept.
            let options = otai_pipeline::RunOptions::default()
                .dry_run(args.dry_run)
                .detail(args.report.is_some())
                .results(false)
                .changes(shows_changes);
            let report = engine
                .run_with(id, &context, options, Some(progress))
                .await?;
            bar.finish();
            output.summary(&report, quiet);
            all_ok &= report.succeeded;
            reports.push(report);
        }
        report_file(&reports)?;
        return Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let failed = std::sync::atomic::AtomicBool::new(false);
    let latest = std::sync::Mutex::new(Vec::<RunReport>::new());
    let on_report = |report: &RunReport| {
        output.summary(report, quiet);
        if !report.succeeded {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if args.report.is_some() {
            if let Ok(mut latest) = latest.lock() {
                latest.retain(|r| r.pipeline != report.pipeline);
                latest.push(report.clone());
                if let Err(e) = report_file(&latest) {
                    output.error_lines(&e.lines);
                }
            }
        }
    };
    let signals = crate::signals::Signals::listen();
    let stopped = tokio::select! {
        ran = engine.run_forever(&ids, &context, args.dry_run, signals.draining(&engine, args.grace), &on_report) => {
            ran?;
            Stop::Finished
        }
        stop = signals.after_first(&engine, args.grace) => stop,
    };
    Ok(match stopped {
        // Stopped as asked, every run drained: earlier failed runs were reported as they ended.
        Stop::Finished if signals.received() => ExitCode::SUCCESS,
        Stop::Finished if failed.load(std::sync::atomic::Ordering::Relaxed) => ExitCode::FAILURE,
        Stop::Finished => ExitCode::SUCCESS,
        Stop::GraceOver => ExitCode::FAILURE,
        Stop::Again => ExitCode::from(crate::signals::STOPPED_AT_ONCE),
    })
}

async fn validate(
    args: ValidateArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    if !args.connect {
        let engine = load_checked(&args.config, registry, args.no_secrets, output)?;
        if engine.pipeline_ids().is_empty() {
            output.line(&format!(
                "note: {} has no pipelines to run (`pipes:` or `pipelines:`)",
                args.config.config.display()
            ));
        }
        otai_mcp::McpConfig::from_sections(engine.sections())?;
        otai_serve::Settings::read(&engine)?;
        otai_gi::load::read(&engine)?;
        output.line(&format!("{}: ok", args.config.config.display()));
        return Ok(ExitCode::SUCCESS);
    }
    let engine = load(&args.config, registry, false, output)?;
    otai_mcp::McpConfig::from_sections(engine.sections())?;
    otai_serve::Settings::read(&engine)?;
    otai_gi::load::read(&engine)?;
    let mut ok = true;
    for (id, service) in engine.services() {
        let kind = service.kind();
        match service.healthcheck().await {
            Ok(()) => output.line(&format!("service {id} ({kind}): ok")),
            Err(e) => {
                ok = false;
                let report = otai_core::error::report(&e);
                output.error_lines(&[format!("service {id} ({kind}): {report}")]);
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn render(
    args: RenderArgs,
    registry: &Registry,
    output: &Output,
) -> Result<ExitCode, Failure> {
    let for_item = args.item.is_some() || args.ticket.is_some();
    let engine = load(&args.config, registry, !for_item, output)?;
    let context = pairs("--context", &args.context)?;
    let item = match (&args.item, &args.ticket) {
        (Some(json), _) => Some(crate::inputs::item(json)?),
        (None, Some(id)) => Some(engine.item_ticket(&args.pipe, id).await?),
        (None, None) => None,
    };
    let rendered = match item {
        Some(item) => engine.render_for_item(&args.pipe, &context, &item).await?,
        None => engine.render(&args.pipe, &context)?,
    };
    output
        .json(rendered)
        .map_err(|e| Error::config("render", e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
