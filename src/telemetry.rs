//! Structured logs with tracing. `RUST_LOG` sets the filter; `FUPIN_LOG_FORMAT=json` writes JSON lines.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let json = std::env::var("FUPIN_LOG_FORMAT").is_ok_and(|v| v == "json");
    // Closing the request span logs one line per request with its status and latency.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (tests start many apps in one process) is harmless, so its error is ignored.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs blocking work (diesel is synchronous) off the async workers, inside the caller's span so
/// its logs stay tied to the request.
pub async fn spawn_blocking_in_span<F, R>(f: F) -> Result<R, actix_web::error::BlockingError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::web::block(move || span.in_scope(f)).await
}
