//! What a server is doing, for Prometheus: requests and their latency by route and status, the
//! database pool, how far the search index lags the change log, scans not yet written and the
//! caches' sizes. Request figures are counted as requests finish; the rest is read when scraped.

use std::time::Duration;

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

/// Latency buckets in seconds: a scan page answers in well under a millisecond, an export in
/// seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    index_generation: IntGauge,
    index_applied: IntGauge,
    index_lag: IntGauge,
    scans_pending: IntGauge,
    cache_entries: IntGaugeVec,
    cache_bytes: IntGaugeVec,
}

/// What the gauges show, read at scrape time.
pub struct Snapshot {
    pub pool_connections: u32,
    pub pool_idle: u32,
    pub pool_max: u32,
    pub index_generation: u64,
    pub index_applied_change: i32,
    /// The newest change in the log, or `None` if the database could not be read.
    pub latest_change: Option<i32>,
    pub scans_pending: i64,
    /// (cache, entries, bytes); bytes `None` where they are not kept.
    pub caches: Vec<(&'static str, usize, Option<u64>)>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "fupin_http_requests_total",
                "HTTP requests answered, by route pattern, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "fupin_http_request_duration_seconds",
                "Time to answer, by route pattern and method.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "fupin_db_pool_connections",
                "Database pool connections: open, idle and the most allowed.",
            ),
            &["state"],
        )
        .expect("metric");
        let index_generation = IntGauge::new(
            "fupin_search_index_generation",
            "The search index's current generation (moves on every commit).",
        )
        .expect("metric");
        let index_applied = IntGauge::new(
            "fupin_search_applied_change",
            "The last entry of the change log this server's index has applied.",
        )
        .expect("metric");
        let index_lag = IntGauge::new(
            "fupin_search_lag_changes",
            "Entries of the change log not yet applied to this server's index (-1 if the log could not be read).",
        )
        .expect("metric");
        let scans_pending =
            IntGauge::new("fupin_scans_pending", "Scans counted in memory, not yet written.").expect("metric");
        let cache_entries =
            IntGaugeVec::new(Opts::new("fupin_cache_entries", "Entries kept, by cache."), &["cache"]).expect("metric");
        let cache_bytes = IntGaugeVec::new(
            Opts::new("fupin_cache_bytes", "Bytes kept (as the cache weighs them), by cache."),
            &["cache"],
        )
        .expect("metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool.clone()),
            Box::new(index_generation.clone()),
            Box::new(index_applied.clone()),
            Box::new(index_lag.clone()),
            Box::new(scans_pending.clone()),
            Box::new(cache_entries.clone()),
            Box::new(cache_bytes.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Metrics {
            registry,
            requests,
            latency,
            pool,
            index_generation,
            index_applied,
            index_lag,
            scans_pending,
            cache_entries,
            cache_bytes,
        }
    }

    /// Counts one answered request. `route` is the matched pattern (`/products/{code}`), never
    /// the path itself, so that the number of series stays bounded.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(took.as_secs_f64());
    }

    /// The Prometheus text format, with the gauges set from `now`.
    pub fn render(&self, now: &Snapshot) -> String {
        self.pool
            .with_label_values(&["open"])
            .set(i64::from(now.pool_connections));
        self.pool.with_label_values(&["idle"]).set(i64::from(now.pool_idle));
        self.pool.with_label_values(&["max"]).set(i64::from(now.pool_max));
        self.index_generation
            .set(i64::try_from(now.index_generation).unwrap_or(i64::MAX));
        self.index_applied.set(i64::from(now.index_applied_change));
        self.index_lag.set(
            now.latest_change
                .map_or(-1, |latest| i64::from((latest - now.index_applied_change).max(0))),
        );
        self.scans_pending.set(now.scans_pending);
        for (cache, entries, bytes) in &now.caches {
            self.cache_entries
                .with_label_values(&[cache])
                .set(i64::try_from(*entries).unwrap_or(i64::MAX));
            if let Some(bytes) = bytes {
                self.cache_bytes
                    .with_label_values(&[cache])
                    .set(i64::try_from(*bytes).unwrap_or(i64::MAX));
            }
        }
        let mut out = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("the text format encodes");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            pool_connections: 3,
            pool_idle: 2,
            pool_max: 8,
            index_generation: 7,
            index_applied_change: 40,
            latest_change: Some(42),
            scans_pending: 5,
            caches: vec![("scan_pages", 4, None), ("search_responses", 2, Some(2048))],
        }
    }

    #[test]
    fn requests_are_counted_by_route_pattern_and_status() {
        let metrics = Metrics::new();
        metrics.observe("/products/{code}", "GET", 200, Duration::from_millis(3));
        metrics.observe("/products/{code}", "GET", 200, Duration::from_millis(4));
        metrics.observe("/products/{code}", "GET", 404, Duration::from_millis(1));
        let text = metrics.render(&snapshot());
        assert!(
            text.contains(r#"fupin_http_requests_total{method="GET",route="/products/{code}",status="200"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"fupin_http_requests_total{method="GET",route="/products/{code}",status="404"} 1"#));
        assert!(text.contains(r#"fupin_http_request_duration_seconds_count{method="GET",route="/products/{code}"} 3"#));
    }

    #[test]
    fn gauges_show_the_snapshot_and_the_lag_is_what_is_not_applied() {
        let text = Metrics::new().render(&snapshot());
        for line in [
            r#"fupin_db_pool_connections{state="open"} 3"#,
            r#"fupin_db_pool_connections{state="max"} 8"#,
            "fupin_search_lag_changes 2",
            "fupin_search_applied_change 40",
            "fupin_scans_pending 5",
            r#"fupin_cache_entries{cache="scan_pages"} 4"#,
            r#"fupin_cache_bytes{cache="search_responses"} 2048"#,
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        let unreadable = Snapshot {
            latest_change: None,
            ..snapshot()
        };
        assert!(
            Metrics::new()
                .render(&unreadable)
                .contains("fupin_search_lag_changes -1")
        );
    }
}
