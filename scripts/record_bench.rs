//! The public record at scale (issue 15): 100,000 products with a year of changes, 1,000,000
//! product versions (each version is one change: listed, details (price) changed, lot recalled,
//! suspended, reinstated, delisted), each suspension, delisting and recall with its notice.
//! Measures:
//!
//! - the full dump (`fupin open-data`, a child process): wall time and peak RSS, at a tenth of
//!   the products and at all of them, to show the memory is flat in the number of products;
//! - the first run that also writes every day's delta of the year;
//! - one day's delta, in process;
//! - over HTTP: the as-of catalogue's first page, the change and notice feeds, and
//!   `/api/v1/changes?since=` for 1,000 changes.
//!
//! `cargo bench --bench record_bench -- [PRODUCTS=100000] [CHANGES_PER_PRODUCT=10] [RUNS=300]`
//! `BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench record_bench`
//! `BENCH_QUERY_PROFILE=1` also prints the queries of one `changes?since=` page with their times;
//! `BENCH_KEEP_DATABASE=1` leaves the PostgreSQL database in place afterwards.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_catalog::config::Settings;
use fupin_catalog::db::schema::{listing_spans, product_versions, products, suppliers};
use fupin_catalog::db::{self, DbConnection};
use fupin_catalog::demo::{self, spending::SpendingScale};
use fupin_catalog::domain::details::{Details, field_changes};
use fupin_catalog::domain::versions::ChangeKind;
use fupin_catalog::domain::{ListingStatus, china_date};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "bench_support.rs"]
mod support;
use support::{PgBench, arg, machine, report, start_server};

type ProductRow = (i32, String, String, String, String, i64, String, String);

/// The next change of a product whose status is `status`: mostly new prices and
/// specifications; some lot recalls; some suspensions, most of them reinstated; a few delistings.
fn next_change(rng: &mut SmallRng, status: ListingStatus) -> (ChangeKind, &'static str) {
    let roll: f64 = rng.random();
    match status {
        ListingStatus::Listed if roll < 0.80 => (ChangeKind::DetailsChanged, "供应商调整价格"),
        ListingStatus::Listed if roll < 0.92 => (ChangeKind::LotRecalled, "批次抽检不合格，召回该批次"),
        ListingStatus::Listed if roll < 0.98 => (ChangeKind::Suspended, "群众投诉，暂停推荐待查"),
        ListingStatus::Listed => (ChangeKind::Delisted, "抽检不合格，清出目录"),
        ListingStatus::Suspended if roll < 0.85 => (ChangeKind::Reinstated, "核查无问题，恢复推荐"),
        ListingStatus::Suspended => (ChangeKind::Delisted, "核查属实，清出目录"),
        _ => (ChangeKind::DetailsChanged, "供应商调整价格"),
    }
}

/// Writes `per_product` versions for each product over the year before `now`, in one transaction.
fn synthesize(conn: &mut DbConnection, batch: &[ProductRow], per_product: usize, now: NaiveDateTime) {
    let year_ago = now - chrono::Duration::days(365);
    let span = (now - year_ago).num_seconds();
    let mut rows = Vec::with_capacity(2_000);
    db::transaction(conn, |conn| -> db::DbResult<()> {
        for (id, code, name, category, specification, price, county, supplier) in batch {
            let mut rng = SmallRng::seed_from_u64(*id as u64);
            let listed = year_ago + chrono::Duration::seconds(rng.random_range(0..span / 6));
            let mut times: Vec<NaiveDateTime> = (1..per_product)
                .map(|_| listed + chrono::Duration::seconds(rng.random_range(1..(now - listed).num_seconds())))
                .collect();
            times.sort();
            times.insert(0, listed);
            let mut status = ListingStatus::Listed;
            let mut price = *price;
            for (i, from) in times.iter().enumerate() {
                let (kind, reason) = if i == 0 {
                    (ChangeKind::Listed, "审核通过，列入目录")
                } else {
                    next_change(&mut rng, status)
                };
                status = kind.status_after(Some(status));
                // A details change keeps the fields it changed as they were, as the application
                // writes it.
                let mut details_before = None;
                if kind == ChangeKind::DetailsChanged {
                    let before = Details {
                        name: name.clone(),
                        specification: specification.clone(),
                        unit_price_fen: price,
                        trademark: String::new(),
                    };
                    price = (price + rng.random_range(-200..=300)).max(100);
                    let after = Details {
                        unit_price_fen: price,
                        ..before.clone()
                    };
                    details_before = Some(before.stored(&field_changes(&before, &after)));
                }
                let lot = (kind == ChangeKind::LotRecalled)
                    .then(|| format!("L{}-{i:02}", china_date(*from).format("%Y%m%d")));
                rows.push((
                    product_versions::product_id.eq(*id),
                    product_versions::valid_from.eq(*from),
                    product_versions::valid_to.eq(times.get(i + 1).copied()),
                    product_versions::recorded_at.eq(now),
                    product_versions::change_kind.eq(kind.as_str()),
                    product_versions::reason.eq(reason),
                    product_versions::lot_code.eq(lot),
                    product_versions::listing_status.eq(status.as_str()),
                    product_versions::catalogue_code.eq(code.clone()),
                    product_versions::name.eq(name.clone()),
                    product_versions::category.eq(category.clone()),
                    product_versions::specification.eq(specification.clone()),
                    product_versions::unit_price_fen.eq(price),
                    product_versions::county_code.eq(county.clone()),
                    product_versions::supplier_name.eq(supplier.clone()),
                    product_versions::details_before.eq(details_before),
                ));
                if rows.len() == 2_000 {
                    fupin_catalog::batch_insert!(conn, product_versions::table, &rows)?;
                    rows.clear();
                }
            }
        }
        if !rows.is_empty() {
            fupin_catalog::batch_insert!(conn, product_versions::table, &rows)?;
        }
        Ok(())
    })
    .expect("versions written");
}

/// Runs `fupin open-data` as an operator would; returns its wall time and peak RSS (MB).
fn open_data_run(settings: &Settings, rewrite: bool) -> (Duration, f64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fupin"));
    cmd.arg("open-data")
        .arg("--data-dir")
        .arg(&settings.data_dir)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null());
    if rewrite {
        cmd.arg("--rewrite");
    }
    if let Some(url) = &settings.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("fupin starts");
    // The child's own high-water mark, read until it exits. (wait4's ru_maxrss would also count
    // the memory of this process, which the child shared until it called exec.)
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        }) {
            peak_kb = peak_kb.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("fupin is waited for") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    assert!(status.success(), "fupin open-data failed");
    (took, peak_kb as f64 / 1024.0)
}

fn file_size(dir: &Path, name: &str) -> f64 {
    std::fs::metadata(dir.join(name)).map_or(0.0, |m| m.len() as f64 / 1_048_576.0)
}

fn main() -> anyhow::Result<()> {
    let (n_products, per_product, runs) = (arg(1, 100_000), arg(2, 10), arg(3, 300));
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::new("127.0.0.1:0".parse()?, dir.path().to_path_buf());
    settings.assets_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let pg = std::env::var("BENCH_POSTGRES_URL")
        .ok()
        .map(|url| PgBench::create(&url, "fupin_record_bench"));
    if let Some(pg) = &pg {
        settings.database_url = Some(pg.url.clone());
    } else {
        settings.prepare_data_dir()?;
    }
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("{backend} on {}", machine());

    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let started = Instant::now();
    demo::ensure_at_scale(&mut conn, n_products, SpendingScale { unions: 0, plans: 0 }, false)?;
    println!(
        "demo: {n_products} products in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let catalogue: Vec<ProductRow> = products::table
        .inner_join(suppliers::table)
        .order(products::id)
        .select((
            products::id,
            products::catalogue_code,
            products::name,
            products::category,
            products::specification,
            products::unit_price_fen,
            products::county_code,
            suppliers::name,
        ))
        .load(&mut conn)?;
    diesel::delete(listing_spans::table).execute(&mut conn)?;
    diesel::delete(product_versions::table).execute(&mut conn)?;
    let now = db::now();
    let tenth = catalogue.len() / 10;
    let open_data = settings.open_data_dir();

    // A tenth of the products first, then all: the dump's memory should not grow with them.
    let started = Instant::now();
    synthesize(&mut conn, &catalogue[..tenth], per_product, now);
    db::versions::rebuild_listing_spans(&mut conn)?;
    let versions: i64 = product_versions::table.count().get_result(&mut conn)?;
    println!(
        "versions: {versions} for {tenth} products in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let (first, first_rss) = open_data_run(&settings, true);
    let (dump_small, rss_small) = open_data_run(&settings, false);
    println!(
        "{tenth} products: first run (dump and every delta) {:.2} s, peak RSS {first_rss:.0} MB; full dump {:.2} s, peak RSS {rss_small:.0} MB, catalogue.csv {:.1} MB",
        first.as_secs_f64(),
        dump_small.as_secs_f64(),
        file_size(&open_data, "catalogue.csv")
    );
    let started = Instant::now();
    synthesize(&mut conn, &catalogue[tenth..], per_product, now);
    let periods = db::versions::rebuild_listing_spans(&mut conn)?;
    println!("listed periods: {periods}");
    let versions: i64 = product_versions::table.count().get_result(&mut conn)?;
    let products_with_versions: i64 = product_versions::table
        .filter(product_versions::valid_to.is_null())
        .count()
        .get_result(&mut conn)?;
    assert_eq!(products_with_versions as usize, catalogue.len());
    println!(
        "versions: {versions} for {} products in {:.0} s",
        catalogue.len(),
        started.elapsed().as_secs_f64()
    );
    // Each suspension, delisting and recall has its notice, as the application issues them.
    let started = Instant::now();
    let notices = db::notices::backfill(&mut conn)?;
    println!("notices: {notices} in {:.0} s", started.elapsed().as_secs_f64());
    // A database in use has long been vacuumed and analysed; one just bulk-loaded has not, and
    // PostgreSQL's autovacuum would otherwise run through the measurements.
    if let DbConnection::Postgresql(pg) = &mut conn {
        let started = Instant::now();
        diesel::connection::SimpleConnection::batch_execute(pg, "VACUUM ANALYZE")?;
        println!("VACUUM ANALYZE in {:.0} s", started.elapsed().as_secs_f64());
    }
    let (first, first_rss) = open_data_run(&settings, true);
    let manifest = fupin_catalog::open_data::read_manifest(&open_data).expect("an index");
    println!(
        "{} products: first run (dump and {} days of deltas) {:.2} s, peak RSS {first_rss:.0} MB",
        catalogue.len(),
        manifest.deltas().len() / 2,
        first.as_secs_f64()
    );
    let mut dumps = Vec::new();
    let mut peak: f64 = 0.0;
    for _ in 0..5 {
        let (took, rss) = open_data_run(&settings, false);
        dumps.push(took);
        peak = peak.max(rss);
    }
    report("full dump (fupin open-data, complete days kept)", dumps);
    println!(
        "full dump: peak RSS {peak:.0} MB at {} products against {rss_small:.0} MB at {tenth}; catalogue.csv {:.1} MB, catalogue.jsonl.gz {:.1} MB",
        catalogue.len(),
        file_size(&open_data, "catalogue.csv"),
        file_size(&open_data, "catalogue.jsonl.gz")
    );

    // One day's delta, in process, for days across the year.
    let scratch = tempfile::tempdir()?;
    let today = china_date(now);
    let mut deltas = Vec::new();
    let mut delta_rows = Vec::new();
    for back in (1..=360).step_by(12) {
        let day = today - chrono::Duration::days(back);
        let started = Instant::now();
        let files = fupin_catalog::open_data::write_delta(&mut conn, scratch.path(), day, true, "bench")?;
        deltas.push(started.elapsed());
        delta_rows.push(files[0].rows);
    }
    delta_rows.sort_unstable();
    println!(
        "a day's delta: {} to {} products (median {})",
        delta_rows[0],
        delta_rows[delta_rows.len() - 1],
        delta_rows[delta_rows.len() / 2]
    );
    report("a day's delta (CSV and JSON Lines)", deltas);

    let (min_id, max_id): (Option<i32>, Option<i32>) = product_versions::table
        .select((
            diesel::dsl::min(product_versions::id),
            diesel::dsl::max(product_versions::id),
        ))
        .first(&mut conn)?;
    let (min_id, max_id) = (min_id.unwrap_or(0), max_id.unwrap_or(0));
    let counties: Vec<String> = catalogue.iter().map(|p| p.6.clone()).take(200).collect();
    drop(conn);

    let profiling = std::env::var_os("BENCH_QUERY_PROFILE").is_some();
    if profiling {
        support::install_query_profiler();
    }
    let (base, handle) = start_server(settings.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
        let mut rng = SmallRng::seed_from_u64(15);
        let fetch = |path: String| {
            let request = client.get(format!("{base}{path}")).send();
            async move {
                let started = Instant::now();
                let response = request.await.unwrap();
                assert_eq!(response.status(), 200, "{path}");
                let body = response.bytes().await.unwrap();
                (started.elapsed(), body)
            }
        };
        let mut as_of = Vec::new();
        let mut as_of_county = Vec::new();
        for _ in 0..runs {
            let day = today - chrono::Duration::days(rng.random_range(0..365));
            as_of.push(fetch(format!("/api/v1/products?as_of={day}")).await.0);
            let county = &counties[rng.random_range(0..counties.len())];
            as_of_county.push(fetch(format!("/api/v1/products?as_of={day}&county={county}")).await.0);
        }
        report("as-of catalogue, first page (/api/v1/products?as_of=)", as_of);
        report("as-of catalogue of one county, first page", as_of_county);

        for path in [
            "/changes.atom",
            "/changes.json",
            "/notices.atom",
            "/changes.atom?county=610902",
        ] {
            let mut times = Vec::new();
            for _ in 0..runs {
                times.push(fetch(path.to_owned()).await.0);
            }
            report(&format!("feed {path} (100 entries)"), times);
        }

        let mut since = Vec::new();
        for _ in 0..runs {
            let cursor = rng.random_range(min_id..(max_id - 1_000).max(min_id + 1));
            let (took, body) = fetch(format!("/api/v1/changes?since={cursor}&per_page=1000")).await;
            let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(page["items"].as_array().map(Vec::len), Some(1_000));
            since.push(took);
        }
        report("/api/v1/changes?since= (1,000 changes)", since);
        if profiling {
            support::profile_queries(true);
            let cursor = rng.random_range(min_id..(max_id - 1_000).max(min_id + 1));
            let (took, _) = fetch(format!("/api/v1/changes?since={cursor}&per_page=1000")).await;
            support::profile_queries(false);
            println!("  the whole request: {:.2} ms", took.as_secs_f64() * 1e3);
        }
    });
    drop(handle.stop(true));
    Ok(())
}
