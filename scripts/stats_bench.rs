//! Statistics benchmark (issue 14): a province-sized demo (100,000 products, 20,000 grassroots
//! unions) under 150 reporting unions, each with an accepted annual report, and 1,000,000
//! purchase records of two lines each on those products over the year. Then:
//! - recounting the aggregates from the records (what `stats::rebuild` does);
//! - the office's dashboard, cold (every figure read and every chart drawn anew each run);
//! - a city union's dashboard;
//! - the province-wide Attachment 1 export: time and peak RSS of the export alone.
//!
//! Run: `cargo bench --bench stats_bench [-- PRODUCTS UNIONS PURCHASES RUNS]` (defaults 100000
//! 20000 1000000 50) on SQLite in a temporary directory; with `BENCH_POSTGRES_URL=postgres://…/postgres`
//! on a fresh PostgreSQL database made (and dropped) on that server.

use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use fupin_catalog::config::Settings;
use fupin_catalog::db::events::Actor;
use fupin_catalog::db::organisations::Organisation;
use fupin_catalog::db::reports::{self, ReportHeader, RowSource};
use fupin_catalog::db::schema::{organisations, policies, products, purchase_lines, purchases};
use fupin_catalog::db::stats::{self, Scope};
use fupin_catalog::db::{self, DbConnection};
use fupin_catalog::demo::{self, spending::SpendingScale};
use fupin_catalog::domain::OrgKind;
use fupin_catalog::sheet::{Attachment1, Attachment1Part, report_xlsx};
use fupin_catalog::web::stats::{build, read_inputs};

#[path = "bench_support.rs"]
mod support;
use support::{PgBench, arg, machine, report};

const REPORTING_UNIONS: usize = 150;
/// Rows per INSERT: within SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK: usize = 2_000;

fn actor() -> Actor {
    Actor {
        user_id: None,
        label: "基准测试".to_owned(),
    }
}

/// Brings the reporting unions to 150 (industry and standalone unions beside the demo's cities)
/// and spreads the grassroots unions over them: a city keeps those in its counties.
fn seed_reporting_unions(conn: &mut DbConnection) -> Vec<i32> {
    let existing = fupin_catalog::db::organisations::reporting_unions(conn).unwrap();
    let at = db::now();
    for i in existing.len()..REPORTING_UNIONS {
        let kind = if i % 2 == 0 {
            OrgKind::IndustryUnion
        } else {
            OrgKind::StandaloneUnion
        };
        diesel::insert_into(organisations::table)
            .values((
                organisations::name.eq(format!("基准测试{}工会 {i}", kind.label())),
                organisations::kind.eq(kind.as_str()),
                organisations::created_at.eq(at),
            ))
            .execute(conn)
            .unwrap();
    }
    let reporters = fupin_catalog::db::organisations::reporting_unions(conn).unwrap();
    let others: Vec<i32> = reporters
        .iter()
        .filter(|o| o.kind() != Some(OrgKind::CityUnion))
        .map(|o| o.id)
        .collect();
    // Every third grassroots union goes to an industry or standalone union.
    let grassroots: Vec<i32> = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .order(organisations::id)
        .select(organisations::id)
        .load(conn)
        .unwrap();
    db::transaction(conn, |conn| -> QueryResult<()> {
        for (n, id) in grassroots.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
            diesel::update(organisations::table.find(id))
                .set(organisations::parent_id.eq(others[n / 3 % others.len()]))
                .execute(conn)?;
        }
        Ok(())
    })
    .unwrap();
    reporters.into_iter().map(|o| o.id).collect()
}

/// Each reporting union's report, prefilled from its unions, submitted and accepted.
fn seed_reports(conn: &mut DbConnection, reporters: &[i32], year: i32) {
    let expect = reports::round(conn, year).unwrap().expectations();
    for id in reporters {
        let org = Organisation::find(conn, *id).unwrap();
        if !reports::versions(conn, org.id, year).unwrap().is_empty() {
            continue;
        }
        let mut rows = reports::prefill_rows(conn, &org, year).unwrap();
        if rows.is_empty() {
            continue;
        }
        for r in &mut rows {
            r.planned_poverty_yuan = r.planned_poverty_yuan.max((r.festival_total_yuan * 35 + 99) / 100);
        }
        let header = ReportHeader {
            filled_unit: org.name.clone(),
            filled_by: "基准".to_owned(),
            contact_phone: "029-88000000".to_owned(),
        };
        let report = reports::save_draft(conn, org.id, year, &header, &rows, &RowSource::Prefill, &actor()).unwrap();
        if reports::submit(conn, report, org.id, expect, &actor()).is_ok() {
            reports::decide(conn, report, None, &actor()).unwrap();
        }
    }
}

/// Purchase records of two catalogue lines each, spread over the unions, products, channels
/// and the year so far; explicit ids so lines can refer to them without reading them back.
fn seed_purchases(conn: &mut DbConnection, count: usize, today: NaiveDate) {
    let unions: Vec<i32> = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .select(organisations::id)
        .load(conn)
        .unwrap();
    let catalogue: Vec<(i32, String, i64)> = products::table
        .filter(products::listing_status.eq("listed"))
        .select((products::id, products::name, products::unit_price_fen))
        .load(conn)
        .unwrap();
    let policy: i32 = policies::table.select(policies::id).first(conn).unwrap();
    let first: i32 = purchases::table
        .select(diesel::dsl::max(purchases::id))
        .first::<Option<i32>>(conn)
        .unwrap()
        .unwrap_or(0)
        + 1;
    let channels = ["platform_832", "union_mall", "counter", "seller", "other"];
    let mut rng = SmallRng::seed_from_u64(14);
    let at = db::now();
    let started = Instant::now();
    let days = today.ordinal0() as u64 + 1;
    for start in (0..count).step_by(CHUNK / 2) {
        let end = (start + CHUNK / 2).min(count);
        let mut records = Vec::new();
        let mut lines = Vec::new();
        for i in start..end {
            let id = first + i as i32;
            let on = NaiveDate::from_yo_opt(today.year(), 1).unwrap() + chrono::Days::new(rng.random_range(0..days));
            let mut amount = 0;
            for _ in 0..2 {
                let (product, name, price) = &catalogue[rng.random_range(0..catalogue.len())];
                let quantity = rng.random_range(10..200);
                let line_amount = price.max(&100) * i64::from(quantity);
                amount += line_amount;
                lines.push((
                    purchase_lines::purchase_id.eq(id),
                    purchase_lines::product_id.eq(Some(*product)),
                    purchase_lines::name.eq(name.clone()),
                    purchase_lines::quantity.eq(quantity),
                    purchase_lines::amount_fen.eq(line_amount),
                ));
            }
            records.push((
                purchases::id.eq(id),
                purchases::organisation_id.eq(unions[rng.random_range(0..unions.len())]),
                purchases::policy_id.eq(policy),
                purchases::purchased_on.eq(on),
                purchases::channel.eq(channels[rng.random_range(0..channels.len())]),
                purchases::channel_name.eq(""),
                purchases::seller_name.eq("基准测试"),
                purchases::amount_fen.eq(amount),
                purchases::people.eq(rng.random_range(20..500)),
                purchases::note.eq(""),
                purchases::created_at.eq(at),
            ));
        }
        db::transaction(conn, |conn| -> QueryResult<()> {
            fupin_catalog::batch_insert!(conn, purchases::table, &records)?;
            fupin_catalog::batch_insert!(conn, purchase_lines::table, &lines)?;
            Ok(())
        })
        .expect("purchases");
        if start % 200_000 == 0 && start > 0 {
            eprintln!("  {start} purchases in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT setval(pg_get_serial_sequence('purchases', 'id'), (SELECT max(id) FROM purchases))")
            .execute(pg)
            .unwrap();
        diesel::sql_query("ANALYZE").execute(pg).unwrap();
    } else {
        diesel::sql_query("ANALYZE").execute(conn).unwrap();
    }
}

/// Peak resident memory since the last reset, in MB (Linux).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts counting the peak anew from the memory in use now.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() -> anyhow::Result<()> {
    let (n_products, n_unions, n_purchases, runs) = (arg(1, 100_000), arg(2, 20_000), arg(3, 1_000_000), arg(4, 50));
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::new("127.0.0.1:0".parse()?, dir.path().to_path_buf());
    settings.assets_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let pg = std::env::var("BENCH_POSTGRES_URL")
        .ok()
        .map(|url| PgBench::create(&url, "fupin_stats_bench"));
    if let Some(pg) = &pg {
        settings.database_url = Some(pg.url.clone());
    }
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("{backend} on {}", machine());
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let today = fupin_catalog::web::scans::china_today();
    let year = today.year();

    let t = Instant::now();
    demo::ensure_at_scale(
        &mut conn,
        n_products,
        SpendingScale {
            unions: n_unions,
            plans: 0,
        },
        false,
    )?;
    println!(
        "demo of {n_products} products and {n_unions} extra grassroots unions in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let reporters = seed_reporting_unions(&mut conn);
    seed_reports(&mut conn, &reporters, year);
    let standing = reports::standing_reports(&mut conn, year)?.len();
    println!(
        "{} reporting unions, {standing} accepted reports in {:.1} s",
        reporters.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    seed_purchases(&mut conn, n_purchases, today);
    let total: i64 = purchases::table.count().get_result(&mut conn)?;
    let lines: i64 = purchase_lines::table.count().get_result(&mut conn)?;
    println!(
        "{total} purchase records, {lines} lines in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The aggregates, recounted from every record (what a rebuild does).
    let t = Instant::now();
    let counted = stats::rebuild(&mut conn)?;
    println!(
        "recounting the aggregates: {:.1} s ({} month cells, {} product-county cells, {} products)",
        t.elapsed().as_secs_f64(),
        counted.monthly.len(),
        counted.products.len(),
        counted.totals.len()
    );

    // The office's dashboard, cold: read every figure, build every table and chart.
    let dashboard = |conn: &mut DbConnection, scope: &Scope| {
        let inputs = read_inputs(conn, scope, year).expect("figures");
        build(scope, String::new(), year, today, &inputs).expect("dashboard")
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(dashboard(&mut conn, &Scope::Province));
        times.push(t.elapsed());
    }
    report("the office's dashboard (every figure and chart), in process", times);

    let city: i32 = organisations::table
        .filter(organisations::kind.eq(OrgKind::CityUnion.as_str()))
        .filter(organisations::name.eq("西安市总工会"))
        .select(organisations::id)
        .first(&mut conn)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(dashboard(&mut conn, &Scope::Reporter(city)));
        times.push(t.elapsed());
    }
    report("a city union's dashboard (西安市), in process", times);

    // The province-wide Attachment 1: every standing report, with subtotals.
    reset_peak_rss();
    let before = peak_rss_mb();
    let t = Instant::now();
    let parts: Vec<Attachment1Part> = reports::standing_reports(&mut conn, year)?
        .into_iter()
        .map(|(union, report)| Attachment1Part {
            reporting_union: union.name,
            rows: reports::rows_of(&mut conn, report.id).unwrap(),
        })
        .collect();
    let rows: usize = parts.iter().map(|p| p.rows.len()).sum();
    let bytes = report_xlsx(&Attachment1 {
        year,
        filled_unit: "省总工会".to_owned(),
        filled_by: String::new(),
        contact_phone: String::new(),
        parts,
    })?;
    println!(
        "the province-wide Attachment 1 ({rows} rows, {} KB): {:.2} s, peak RSS {:.0} MB (from {:.0} MB before)",
        bytes.len() / 1024,
        t.elapsed().as_secs_f64(),
        peak_rss_mb(),
        before
    );
    Ok(())
}
