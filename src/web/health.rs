//! `GET /healthz`: is the process up and can it reach its database?

use actix_web::HttpResponse;
use diesel::connection::SimpleConnection;

use super::State;
use crate::db;
use crate::telemetry::spawn_blocking_in_span;

pub async fn check(state: State) -> HttpResponse {
    let backend = state.backend.name();
    let pool = state.pool.clone();
    let reachable = spawn_blocking_in_span(move || -> Result<(), db::DbError> {
        let mut conn = db::connection::get(&pool)?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    })
    .await;
    match reachable {
        Ok(Ok(())) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": backend })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": backend, "error": e.to_string() }))
        }
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": backend, "error": e.to_string() })),
    }
}
