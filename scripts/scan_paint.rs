//! The scan page as an employee's phone sees it (issue 17): 390 px wide, the network throttled to
//! a slow 3G profile through the DevTools protocol, the cache off. Prints, over several loads of
//! a demo product's scan page (with a production-site photo), the median first contentful paint,
//! the bytes transferred before images (the page, its style and script) and the images' bytes.
//!
//! Slow 3G here is WebPageTest's “3G Slow” profile: 400 ms round trip, 400 kbit/s down and up.
//! (Chrome DevTools' own “Slow 3G” preset adds 2 s of latency to every request, so no page can
//! paint within 2 s under it.)
//!
//! Run: `cargo bench --bench scan_paint [-- RUNS]` (default 9). Needs Chromium
//! (`apt-get install chromium fonts-noto-cjk`, or `FUPIN_CHROMIUM=/path`).

use diesel::prelude::*;
use headless_chrome::protocol::cdp::Network;

use fupin_catalog::config::Settings;
use fupin_catalog::db::schema::{products, trace_media};
use fupin_catalog::demo;

#[allow(dead_code)]
#[path = "../tests/browser/chrome.rs"]
mod chrome;
#[path = "bench_support.rs"]
mod support;
use support::arg;

const RTT_MS: f64 = 400.0;
const KBIT_PER_S: f64 = 400.0;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let runs = arg(1, 9);
    // The browser suite's Chromium, started the same way.
    let browser =
        chrome::launch().ok_or_else(|| anyhow::anyhow!("no Chromium: apt-get install chromium fonts-noto-cjk"))?;

    let dir = tempfile::tempdir()?;
    let settings = Settings::new("127.0.0.1:0".parse()?, dir.path().to_path_buf());
    let code: String = {
        let mut conn = settings.database().connect()?;
        fupin_catalog::db::migrate(&mut conn)?;
        demo::ensure(&mut conn, 200, false)?;
        demo::photos::ensure(&mut conn, &settings.media_dir(), 5)?;
        products::table
            .inner_join(trace_media::table.on(trace_media::product_id.eq(products::id)))
            .filter(trace_media::kind.eq("photo"))
            .select(products::catalogue_code)
            .first(&mut conn)?
    };
    let (base, handle) = support::start_server(settings);

    let url = format!("{base}/t/{code}");
    let (mut paints, mut page_bytes, mut image_bytes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let tab = browser.new_tab()?;
        tab.call_method(Network::Enable {
            max_total_buffer_size: None,
            max_resource_buffer_size: None,
            max_post_data_size: None,
            report_direct_socket_traffic: None,
            enable_durable_messages: None,
        })?;
        tab.call_method(Network::SetCacheDisabled { cache_disabled: true })?;
        tab.call_method(Network::EmulateNetworkConditions {
            offline: false,
            latency: RTT_MS,
            download_throughput: KBIT_PER_S * 1000.0 / 8.0,
            upload_throughput: KBIT_PER_S * 1000.0 / 8.0,
            connection_Type: Some(Network::ConnectionType::Cellular3G),
            packet_loss: None,
            packet_queue_length: None,
            packet_reordering: None,
        })?;
        chrome::emulate_phone(&tab, 390, 844)?;
        tab.navigate_to(&url)?.wait_until_navigated()?;
        // Lazy images below the fold load once scrolled to: scroll, then wait for every image.
        tab.evaluate("window.scrollTo(0, document.body.scrollHeight)", false)?;
        let figures = tab
            .evaluate(
                "new Promise(function (done) {
                   function settled() {
                     return Array.from(document.images).every(function (i) { return i.complete; });
                   }
                   (function wait() { settled() ? done() : setTimeout(wait, 50); })();
                 }).then(function () {
                   var paint = performance.getEntriesByName('first-contentful-paint')[0];
                   var nav = performance.getEntriesByType('navigation')[0];
                   var page = nav.transferSize, images = 0;
                   performance.getEntriesByType('resource').forEach(function (r) {
                     if (r.initiatorType === 'img') images += r.transferSize; else page += r.transferSize;
                   });
                   return JSON.stringify([paint ? paint.startTime : -1, page, images]);
                 })",
                true,
            )?
            .value
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| anyhow::anyhow!("no figures from the page"))?;
        let [paint, page, images]: [f64; 3] = serde_json::from_str(&figures)?;
        anyhow::ensure!(paint > 0.0, "no first contentful paint recorded");
        paints.push(paint);
        page_bytes.push(page);
        image_bytes.push(images);
        tab.close(false)?;
    }
    drop(handle.stop(true));

    println!("scan page {url} at 390 × 844, slow 3G ({RTT_MS} ms RTT, {KBIT_PER_S} kbit/s), cache off, {runs} loads:");
    println!(
        "first contentful paint: median {:.0} ms (min {:.0}, max {:.0})",
        median(paints.clone()),
        paints.iter().cloned().fold(f64::MAX, f64::min),
        paints.iter().cloned().fold(0.0, f64::max)
    );
    println!(
        "bytes before images (page, style, script): median {:.1} KB; images: median {:.1} KB",
        median(page_bytes) / 1024.0,
        median(image_bytes) / 1024.0
    );
    println!("machine: {}", support::machine());
    Ok(())
}
