//! Serving: the listener, the background work, graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::gateway::{Gateway, blocking};

/// How often staged requests due again are looked for.
pub const RETRY_INTERVAL: Duration = Duration::from_millis(500);
/// How often finished rows past their retention are swept.
const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Serves `gateway` on `listener` until `shutdown` resolves; requests in flight finish first.
/// Rows a previous process left mid-attempt are marked `interrupted` first (never sent again
/// on their own: their ticket may exist); while serving,
/// requests the helpdesk failed are sent again, and rows older than `retention_days` swept.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    retention_days: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(gateway, listener, None, retention_days, shutdown).await
}

/// Like [`serve`], over HTTPS with `acceptor` (see [`crate::tls_acceptor`]) when given.
pub async fn serve_with(
    gateway: Arc<Gateway>,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    retention_days: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_routes(
        gateway,
        Router::new(),
        listener,
        tls,
        retention_days,
        shutdown,
    )
    .await
}

/// Like [`serve_with`], with `extra` routes beside the API's (the Generic Interface web
/// services of `otai-gi`); handlers see the client address as `ConnectInfo<SocketAddr>`.
pub async fn serve_routes(
    gateway: Arc<Gateway>,
    extra: Router,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    retention_days: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match blocking(gateway.store(), |store| store.interrupted()).await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(
            count,
            "staged requests were interrupted mid-attempt by the previous process: marked \
             `interrupted` (check whether their tickets exist, then `otai inbound replay`)"
        ),
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    }
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let background = {
        let gateway = Arc::clone(&gateway);
        tokio::spawn(async move {
            let mut retry = tokio::time::interval(RETRY_INTERVAL);
            let mut sweep = tokio::time::interval(SWEEP_INTERVAL);
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = retry.tick() => { gateway.retry_due().await; }
                    _ = sweep.tick() => {
                        let before = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
                        let before = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                        match blocking(gateway.store(), move |store| store.sweep(&before)).await {
                            Ok(0) => {}
                            Ok(count) => tracing::info!(count, "staged requests past retention swept"),
                            Err(e) => tracing::error!("state store: {e}"),
                        }
                    }
                }
            }
        })
    };
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving the inbound API");
    }
    let router = crate::http::router(Arc::clone(&gateway))
        .merge(extra)
        .layer(axum::middleware::map_request(crate::tls::peer_address))
        .into_make_service_with_connect_info::<crate::tls::Peer>();
    let served = match tls {
        Some(acceptor) => {
            let listener = crate::tls::TlsListener::new(listener, acceptor)?;
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    let _ = stop.send(true);
    let _ = background.await;
    served
}
