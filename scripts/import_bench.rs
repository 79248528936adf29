//! Importing a 10,000-row nomination spreadsheet: parsing and validating every cell, then writing
//! the draft batch in one transaction. Prints the median of several runs and the peak memory.
//!
//!     cargo bench --bench import_bench [-- ROWS RUNS]
//!     DATABASE_URL=postgres://postgres@127.0.0.1:5432/fupin_bench cargo bench --bench import_bench

use std::time::{Duration, Instant};

use fupin_catalog::db::workflow::{self, Actor, BatchSource};
use fupin_catalog::db::{self, DatabaseUrl};
use fupin_catalog::domain::CountyCode;
use fupin_catalog::sheet;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let rows: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    // One county's sheet, as a county union uploads it.
    let county = CountyCode::parse("610924").unwrap();
    let inputs: Vec<_> = sheet::sample::sample_nominations(rows)
        .into_iter()
        .map(|mut r| {
            r.county = Some(county.clone());
            r
        })
        .collect();
    let bytes = sheet::nominations_xlsx("紫阳县贫困县重点扶贫产品供应商推荐名录", &inputs);
    drop(inputs);
    println!("sheet: {rows} rows, {:.0} KiB .xlsx", bytes.len() as f64 / 1024.0);
    if let Ok(path) = std::env::var("IMPORT_BENCH_XLSX") {
        std::fs::write(&path, &bytes).expect("write the sheet");
        println!("written to {path}");
    }

    let dir = tempfile::tempdir().expect("temporary directory");
    let url = match std::env::var("DATABASE_URL") {
        Ok(u) if !u.is_empty() => DatabaseUrl::parse(&u),
        _ => DatabaseUrl::sqlite_file(&dir.path().join("bench.db")),
    };
    let mut conn = url.connect().expect("database");
    db::migrate(&mut conn).expect("migrations");
    fupin_catalog::demo::ensure(&mut conn, 1, false).expect("organisations");
    let org: i32 = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::organisations;
        organisations::table
            .filter(organisations::county_code.eq("610924"))
            .filter(organisations::kind.eq("county_union"))
            .select(organisations::id)
            .first(&mut conn)
            .unwrap()
    };

    let (mut parse_times, mut write_times, mut total_times) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        let parsed = sheet::parse_nomination_sheet(&bytes, "bench.xlsx").expect("the sample sheet is valid");
        let parsed_at = started.elapsed();
        let inputs: Vec<_> = parsed.rows.into_iter().map(|(_, r)| r).collect();
        let source = BatchSource {
            title: "bench".into(),
            source: "cli",
            filename: Some("bench.xlsx".into()),
            recommending_unit: None,
            filled_by: None,
            filled_by_phone: None,
        };
        let actor = Actor {
            user_id: None,
            label: "bench".into(),
        };
        workflow::create_batch(&mut conn, &county, org, source, &inputs, &actor).expect("import");
        let total = started.elapsed();
        parse_times.push(parsed_at);
        write_times.push(total - parsed_at);
        total_times.push(total);
    }
    println!(
        "backend: {}, runs: {runs}\nparse + validate: median {:.0} ms\nwrite batch (one transaction): median {:.0} ms\nwhole import: median {:.0} ms",
        url.backend().name(),
        median(parse_times).as_secs_f64() * 1e3,
        median(write_times).as_secs_f64() * 1e3,
        median(total_times).as_secs_f64() * 1e3,
    );
    println!(
        "peak memory of this process (VmHWM, includes making the sheet): {:.1} MiB",
        peak_rss_mib()
    );
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
}
