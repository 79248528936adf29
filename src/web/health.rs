//! `GET /healthz`: is the process up and can it reach its database? `GET /readyz`: should a load
//! balancer send it requests? Not while its search index is being rebuilt, when searches would
//! miss products.

use actix_web::HttpResponse;
use diesel::connection::SimpleConnection;

use super::State;

pub async fn check(state: State) -> HttpResponse {
    let backend = state.backend.name();
    let reachable = state.db(|conn| conn.batch_execute("SELECT 1")).await;
    match reachable {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": backend })),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": backend, "error": e.to_string() }))
        }
    }
}

pub async fn ready(state: State) -> HttpResponse {
    let backend = state.backend.name();
    if state.search.is_rebuilding() {
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "rebuilding", "database": backend, "error": "搜索索引正在重建" }));
    }
    let reachable = state.db(|conn| conn.batch_execute("SELECT 1")).await;
    match reachable {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ready",
            "database": backend,
            "index_applied_change": state.search.applied_change(),
        })),
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": backend, "error": e.to_string() })),
    }
}
