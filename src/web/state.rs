//! What every request handler can reach, and the one way handlers run database work.

use std::sync::Arc;

use actix_web::cookie::Key;

use crate::config::Settings;
use crate::db::{self, Backend, DbConnection, DbPool};
use crate::error::AppError;
use crate::indexer::CatalogueIndex;
use crate::telemetry::spawn_blocking_in_span;
use crate::web::scans::{ScanCounter, ScanPages};

pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    pub backend: Backend,
    pub session_key: Key,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`FUPIN_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub search: Arc<CatalogueIndex>,
    /// Search result pages of the current index generation.
    pub result_cache: crate::web::public::search::ResultCache,
    /// Search responses as sent, for repeated requests.
    pub response_cache: crate::web::response_cache::ResponseCache,
    /// Rendered scan pages, dropped on every write.
    pub scan_pages: Arc<ScanPages>,
    /// Scans counted in memory, written to the database every few seconds.
    pub scan_counter: Arc<ScanCounter>,
    /// The files under the assets folder, read at start.
    pub assets: crate::web::assets::Assets,
    /// The home page's consumption figures, recounted at most once a minute.
    pub home_progress: crate::web::public::home::ProgressCache,
    /// Requests and latencies for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Who may read `/metrics` (`FUPIN_METRICS_ALLOW`).
    pub metrics_allow: Vec<ipnet::IpNet>,
}

pub type State = actix_web::web::Data<AppState>;

impl AppState {
    /// Runs `work` with a pooled connection on the blocking pool (diesel is synchronous), inside
    /// the request's span so its logs stay tied to the request.
    pub async fn db<T, E, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Into<AppError> + Send + 'static,
    {
        with_connection(&self.pool, work).await
    }

    /// The client's address: the socket's peer, or behind a trusted proxy the client it names.
    pub fn client_address(&self, req: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
        let forwarded_for = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        crate::auth::throttle::client_address(req.peer_addr().map(|a| a.ip()), forwarded_for, &self.trusted_proxies)
    }

    /// Applies the change log to this server's search index right after a write, so the very
    /// next request sees it. The write has committed either way; if this fails, the background
    /// tailer retries, so it is logged rather than shown.
    pub fn refresh_search(&self, conn: &mut DbConnection) {
        if let Err(e) = self.search.catch_up(conn) {
            tracing::warn!(error = %e, "search index not refreshed after a write");
        }
    }
}

/// [`AppState::db`] for code that holds only the pool.
pub async fn with_connection<T, E, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    let pool = pool.clone();
    spawn_blocking_in_span(move || -> Result<T, AppError> {
        let mut conn = db::connection::get(&pool)?;
        work(&mut conn).map_err(Into::into)
    })
    .await?
}
