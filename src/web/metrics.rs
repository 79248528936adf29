//! `GET /metrics`: the Prometheus text format, for the addresses in `FUPIN_METRICS_ALLOW` only
//! (loopback by default). Behind a trusted proxy the client it names is checked, so the proxy's
//! own address does not open the figures to everyone it serves.

use actix_web::{HttpRequest, HttpResponse};

use super::State;
use crate::db::search_changes;
use crate::error::AppError;
use crate::metrics::Snapshot;

pub async fn page(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let allowed = state
        .client_address(&req)
        .is_some_and(|ip| state.metrics_allow.iter().any(|net| net.contains(&ip)));
    if !allowed {
        return Err(AppError::Forbidden(
            "运行指标只允许从 FUPIN_METRICS_ALLOW 设置的地址访问。".to_owned(),
        ));
    }
    // A database that cannot be read is itself worth seeing: the lag is then shown as -1.
    let latest_change = state.db(search_changes::latest).await.ok();
    let pool = state.pool.state();
    let (responses, response_bytes) = state.response_cache.size();
    let (results, result_bytes) = state.result_cache.size();
    let snapshot = Snapshot {
        pool_connections: pool.connections,
        pool_idle: pool.idle_connections,
        pool_max: state.pool.max_size(),
        index_generation: state.search.index().generation(),
        index_applied_change: state.search.applied_change(),
        latest_change,
        scans_pending: state.scan_counter.pending(),
        caches: vec![
            ("scan_pages", state.scan_pages.len(), None),
            ("search_responses", responses, Some(response_bytes)),
            ("search_results", results, Some(result_bytes)),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(state.metrics.render(&snapshot)))
}
