//! Structured logs with tracing. `RUST_LOG` sets the filter; `FUPIN_LOG_FORMAT=json` writes JSON lines.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
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

/// Request spans, one log line per request: at INFO for the pages people work with, at DEBUG for
/// the public reads that come in volume (scan pages, QR images, stored media, assets). Writing a
/// line per scan cost about 40 % of the scan page's throughput (`scripts/bench_scan.sh`); scans
/// are counted in `scan_counts` instead, and errors are logged where they happen.
pub struct RequestSpans;

impl RootSpanBuilder for RequestSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        if is_bulk_read(request.path()) {
            tracing_actix_web::root_span!(level = tracing::Level::DEBUG, request)
        } else {
            tracing_actix_web::root_span!(request)
        }
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

fn is_bulk_read(path: &str) -> bool {
    ["/t/", "/01/", "/media/", "/assets/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}
