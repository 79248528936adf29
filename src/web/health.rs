//! `GET /healthz`: is the process up and can it reach its database?

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
