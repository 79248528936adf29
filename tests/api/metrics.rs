//! `/metrics` in the Prometheus text format, read with a Prometheus parser: requests by route and
//! status, the pool, the index's lag, pending scans, caches; and refused from an address not
//! allowed, even behind a trusted proxy.

use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue, prometheus::parse_prometheus};

use crate::helpers::{spawn_app, spawn_app_with};

type Scrape = MetricsExposition<PrometheusType, PrometheusValue>;

fn scrape(text: &str) -> Scrape {
    parse_prometheus(text).unwrap_or_else(|e| panic!("not the Prometheus text format ({e:?}):\n{text}"))
}

/// The value of `metric`'s sample with `labels` (a histogram's count), if there is one.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let family = scrape.families.get(metric)?;
    family
        .iter_samples()
        .find(|s| {
            let set = s.get_labelset().expect("labels");
            labels.iter().all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(|s| match &s.value {
            PrometheusValue::Unknown(n) | PrometheusValue::Gauge(n) => n.as_f64(),
            PrometheusValue::Counter(c) => c.value.as_f64(),
            PrometheusValue::Histogram(h) => h.count.unwrap_or(0) as f64,
            PrometheusValue::Summary(_) => f64::NAN,
        })
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool_index_scans_and_caches() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
    }
    assert_eq!(app.get("/products/610000-99999").await.status().as_u16(), 404);
    let body: serde_json::Value = app.get("/api/v1/products?per_page=1").await.json().await.unwrap();
    let code = body["items"][0]["catalogue_code"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/t/{code}")).await.status().as_u16(), 200);

    let response = app.get("/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "the exposition format's content type"
    );
    let text = response.text().await.unwrap();
    let s = scrape(&text);
    let requests = "fupin_http_requests_total";
    assert_eq!(
        value(
            &s,
            requests,
            &[("route", "/healthz"), ("method", "GET"), ("status", "200")]
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(&s, requests, &[("route", "/products/{code}"), ("status", "404")]),
        Some(1.0),
        "by the route's pattern, not the path: {text}"
    );
    assert!(
        !text.contains("610000-99999"),
        "no path in a label: the series stay bounded"
    );
    assert!(value(&s, "fupin_http_request_duration_seconds", &[("route", "/t/{code}")]).unwrap_or(0.0) >= 1.0);
    assert!(value(&s, "fupin_db_pool_connections", &[("state", "max")]).unwrap() >= 1.0);
    assert!(value(&s, "fupin_db_pool_connections", &[("state", "open")]).unwrap() >= 1.0);
    assert_eq!(
        value(&s, "fupin_search_lag_changes", &[]),
        Some(0.0),
        "the index has caught up"
    );
    assert!(value(&s, "fupin_search_applied_change", &[]).unwrap() > 0.0);
    assert!(value(&s, "fupin_search_index_generation", &[]).is_some());
    assert!(
        value(&s, "fupin_scans_pending", &[]).unwrap() >= 0.0,
        "scans counted, perhaps already written"
    );
    assert_eq!(
        value(&s, "fupin_cache_entries", &[("cache", "scan_pages")]),
        Some(1.0),
        "the scan page is kept"
    );
    assert!(value(&s, "fupin_cache_bytes", &[("cache", "search_responses")]).is_some());
}

#[tokio::test]
async fn metrics_are_refused_from_an_address_not_allowed_even_through_a_trusted_proxy() {
    // Only 10.0.0.0/8 may read; the test's loopback may not.
    let app = spawn_app_with(|s| s.metrics_allow = "10.0.0.0/8".to_owned()).await;
    let (status, body) = app.get_text("/metrics").await;
    assert_eq!(status, 403);
    assert!(body.contains("FUPIN_METRICS_ALLOW"), "says why: {body}");

    // Behind a trusted proxy on loopback, the client it names is what counts.
    let app = spawn_app_with(|s| {
        s.metrics_allow = "127.0.0.1, ::1".to_owned();
        s.trusted_proxies = "127.0.0.1".to_owned();
    })
    .await;
    let outside = app
        .client
        .get(format!("{}/metrics", app.address))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status().as_u16(), 403, "a visitor through the proxy is refused");
    assert_eq!(
        app.get("/metrics").await.status().as_u16(),
        200,
        "the machine itself may read"
    );
}
