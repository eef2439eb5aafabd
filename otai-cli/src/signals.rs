//! Stopping `otai run`: the first Ctrl-C or SIGTERM drains, a second stops at once, and runs
//! still in progress after the grace period are cancelled. Servers (`otai serve`, `otai mcp
//! --listen`) use [`server_shutdown`]: the first signal lets requests in flight finish, a
//! second one stops at once.

use std::time::Duration;

use otai_pipeline::Engine;
use tokio::sync::watch;

/// The exit code when a second signal stops the command at once (128 + SIGINT, as shells do).
pub(crate) const STOPPED_AT_ONCE: u8 = 130;

/// How a run loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Every pipeline finished its runs: on its own or drained after a signal.
    Finished,
    /// The grace period ended with runs in progress: their requests were cancelled.
    GraceOver,
    /// A second signal came while draining.
    Again,
}

/// The Ctrl-C and SIGTERM signals received so far.
pub(crate) struct Signals {
    count: watch::Receiver<usize>,
}

impl Signals {
    /// Starts counting Ctrl-C and SIGTERM (from now on they no longer end the process).
    pub(crate) fn listen() -> Self {
        let (tx, count) = watch::channel(0);
        // Registered now, before any run starts, so no signal falls between.
        let mut next = Next::register();
        tokio::spawn(async move {
            loop {
                next.signal().await;
                tx.send_modify(|n| *n += 1);
            }
        });
        Self { count }
    }

    /// Whether a signal came.
    pub(crate) fn received(&self) -> bool {
        *self.count.borrow() > 0
    }

    /// Resolves at the first signal.
    pub(crate) async fn first(&self) {
        let mut count = self.count.clone();
        let _ = count.wait_for(|n| *n >= 1).await;
    }

    /// Resolves at the first signal, having said what is draining: the shutdown to hand the
    /// engine.
    pub(crate) async fn draining(&self, engine: &Engine, grace: Duration) {
        self.first().await;
        let (runs, items) = engine.in_flight();
        tracing::warn!(
            runs_in_progress = runs,
            items_in_flight = items,
            "stopping: letting {runs} run(s) in progress finish ({items} item(s) in flight), at most {}s; a second Ctrl-C or SIGTERM stops at once",
            grace.as_secs()
        );
    }

    /// After the first signal: resolves when a second signal comes or `grace` ends; never
    /// while the runs drain in time (the caller sees them end).
    pub(crate) async fn after_first(&self, engine: &Engine, grace: Duration) -> Stop {
        self.first().await;
        let mut count = self.count.clone();
        tokio::select! {
            _ = count.wait_for(|n| *n >= 2) => {
                tracing::warn!("second signal: stopping at once");
                Stop::Again
            }
            () = tokio::time::sleep(grace) => {
                let (runs, items) = engine.in_flight();
                tracing::warn!(
                    runs_in_progress = runs,
                    items_in_flight = items,
                    "grace period over: cancelling {runs} run(s) in progress ({items} item(s) in flight)"
                );
                Stop::GraceOver
            }
        }
    }
}

/// For a server: resolves at the first Ctrl-C or SIGTERM (listened for from this call on),
/// saying at warn that requests in flight finish; a second signal then ends the process at once
/// with [`STOPPED_AT_ONCE`].
pub(crate) fn server_shutdown(what: &'static str) -> impl Future<Output = ()> + Send + 'static {
    let signals = Signals::listen();
    async move {
        signals.first().await;
        tracing::warn!(
            "stopping {what}: letting the requests in flight finish; a second Ctrl-C or SIGTERM stops at once"
        );
        let mut count = signals.count.clone();
        tokio::spawn(async move {
            if count.wait_for(|n| *n >= 2).await.is_ok() {
                tracing::warn!("second signal: stopping at once");
                std::process::exit(i32::from(STOPPED_AT_ONCE));
            }
        });
    }
}

/// The signals that stop a run, registered.
struct Next {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Next {
    fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves on the next Ctrl-C or SIGTERM.
    async fn signal(&mut self) {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        if signal.recv().await.is_none() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                () = next(&mut self.interrupt) => {}
                () = next(&mut self.terminate) => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
