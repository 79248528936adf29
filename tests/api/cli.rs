//! The `fupin` binary as an operator meets it: bad configuration ends with one clear line.

use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rstest::rstest;

use crate::helpers::{PgTestDb, postgres_server_url};

pub fn fupin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fupin"));
    cmd.env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("FUPIN_ASSETS_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/assets"));
    cmd
}

/// Runs to the end, failing the test if it takes longer than `limit`.
pub fn run_with_limit(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fupin starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("fupin did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

pub fn assert_one_clear_error_line(output: &Output, expected: &[&str]) {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("错误")).collect();
    assert_eq!(error_lines.len(), 1, "want one error line, got:\n{stderr}");
    for word in expected {
        assert!(
            error_lines[0].contains(word),
            "{:?} does not say {word}",
            error_lines[0]
        );
    }
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn port_in_use_is_one_clear_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = tempfile::tempdir().unwrap();
    let output = run_with_limit(
        fupin().args(["serve", "--bind", &addr, "--data-dir"]).arg(data.path()),
        Duration::from_secs(30),
    );
    assert_one_clear_error_line(&output, &["无法监听", &addr, "端口已被占用"]);
}

#[test]
fn unwritable_data_directory_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let output = run_with_limit(
        fupin()
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(file.join("data")),
        Duration::from_secs(30),
    );
    assert_one_clear_error_line(&output, &["数据目录", "无法创建或不可写"]);
}

#[rstest]
#[case::nothing_listens("postgres://postgres@127.0.0.1:1/fupin")]
#[case::no_such_host("postgres://postgres@no-such-host.invalid:5432/fupin")]
fn unreachable_database_is_one_clear_line(#[case] url: &str) {
    let data = tempfile::tempdir().unwrap();
    let output = run_with_limit(
        fupin()
            .env("DATABASE_URL", url)
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data.path()),
        Duration::from_secs(30),
    );
    assert_one_clear_error_line(&output, &["无法连接数据库"]);
}

#[test]
fn a_malformed_bind_address_is_refused_by_name() {
    let output = run_with_limit(fupin().args(["serve", "--bind", "localhost"]), Duration::from_secs(10));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--bind"));
}

/// `fupin migrate` on an empty database, then `fupin demo --bind …` serves the demo data; on
/// PostgreSQL when TEST_DATABASE_URL is set, on a SQLite file otherwise.
#[test]
fn migrate_then_demo_serves_the_demo_data() {
    let data = tempfile::tempdir().unwrap();
    let pg = postgres_server_url().map(|url| PgTestDb::create(&url));
    let with_db = |cmd: &mut Command| {
        if let Some(pg) = &pg {
            cmd.env("DATABASE_URL", &pg.url);
        }
        cmd.arg("--data-dir").arg(data.path());
    };

    let mut migrate = fupin();
    migrate.arg("migrate");
    with_db(&mut migrate);
    let out = run_with_limit(&mut migrate, Duration::from_secs(60));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已迁移"));

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut demo = fupin();
    demo.args(["demo", "--products", "60", "--bind", &format!("127.0.0.1:{port}")]);
    with_db(&mut demo);
    let mut child = demo.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let _guard = KillOnDrop(&mut child);

    let base = format!("http://127.0.0.1:{port}");
    let client = plain_http::Client;
    let started = Instant::now();
    let home = loop {
        if let Ok(body) = client.get(&base) {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "demo server did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        home.contains("<span class=\"stat-value\">23</span><span class=\"stat-label\">供应商"),
        "60 products come with 23 suppliers"
    );
    let health = client.get(&format!("{base}/healthz")).unwrap();
    assert!(health.contains(if pg.is_some() { "postgresql" } else { "sqlite" }));

    // The demo's traceability records come with drawn photos, stored through the media
    // pipeline: the product page shows the thumbnail and the server serves it.
    let (product, thumb): (String, String) = {
        use diesel::prelude::*;
        use fupin_catalog::db::DatabaseUrl;
        use fupin_catalog::db::schema::{products, trace_media};
        let url = match &pg {
            Some(pg) => DatabaseUrl::Postgres(pg.url.clone()),
            None => DatabaseUrl::sqlite_file(&data.path().join("fupin.db")),
        };
        trace_media::table
            .inner_join(products::table)
            .filter(trace_media::kind.eq("photo"))
            .select((products::catalogue_code, trace_media::thumb_path.assume_not_null()))
            .first(&mut url.connect().unwrap())
            .expect("the demo has photos")
    };
    let page = client.get(&format!("{base}/products/{product}")).unwrap();
    assert!(page.contains(&format!("src=\"/media/{thumb}\"")), "{page}");
    assert!(
        data.path().join("media").join(&thumb).is_file(),
        "the thumbnail is stored"
    );
}

struct KillOnDrop<'a>(&'a mut std::process::Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tiny blocking GET over std, so this file needs no async runtime.
mod plain_http {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    pub struct Client;

    impl Client {
        pub fn get(&self, url: &str) -> std::io::Result<String> {
            let rest = url.strip_prefix("http://").expect("http URL");
            let (host, path) = rest
                .split_once('/')
                .map(|(h, p)| (h, format!("/{p}")))
                .unwrap_or((rest, "/".to_owned()));
            let mut stream = TcpStream::connect(host)?;
            write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            )?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            if !response.starts_with("HTTP/1.1 200") {
                return Err(std::io::Error::other(response.lines().next().unwrap_or("").to_owned()));
            }
            Ok(response)
        }
    }
}

fn fixture_path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The batches of the county this test imports for (611026); the demo has batches of others.
fn batches_in(data: &std::path::Path) -> i64 {
    use diesel::prelude::*;
    use fupin_catalog::db::DatabaseUrl;
    use fupin_catalog::db::schema::nomination_batches;
    let mut conn = DatabaseUrl::sqlite_file(&data.join("fupin.db")).connect().unwrap();
    nomination_batches::table
        .filter(nomination_batches::county_code.eq("611026"))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

/// `fupin import nominations`: errors by row and column and a non-zero exit, nothing written;
/// `--check` validates only; a valid sheet becomes a draft batch.
#[test]
fn the_import_command_checks_then_imports_a_countys_sheet() {
    let data = tempfile::tempdir().unwrap();
    let demo = run_with_limit(
        fupin()
            .args(["demo", "--no-serve", "--products", "5", "--data-dir"])
            .arg(data.path()),
        Duration::from_secs(120),
    );
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let import = |file: &str, county: &str, check: bool| {
        let mut cmd = fupin();
        cmd.args(["import", "nominations", "--county", county, "--data-dir"])
            .arg(data.path());
        if check {
            cmd.arg("--check");
        }
        run_with_limit(cmd.arg(fixture_path(file)), Duration::from_secs(60))
    };

    let bad = import("malformed_bad_credit_code.xlsx", "611026", false);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("行") && stderr.contains("统一社会信用代码"), "{stderr}");
    assert_eq!(batches_in(data.path()), 0, "nothing written");

    let other_county = import("nominations_one_county_libreoffice.xlsx", "610924", false);
    assert!(!other_county.status.success());
    assert!(String::from_utf8_lossy(&other_county.stderr).contains("只能推荐本县"));

    let checked = import("nominations_one_county_libreoffice.xlsx", "611026", true);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    assert!(String::from_utf8_lossy(&checked.stdout).contains("检查通过"));
    assert_eq!(batches_in(data.path()), 0, "--check writes nothing");

    let imported = import("nominations_one_county_libreoffice.xlsx", "611026", false);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(String::from_utf8_lossy(&imported.stdout).contains("已导入推荐名录"));
    assert_eq!(batches_in(data.path()), 1);
}

/// `kill -9` in the middle of a large import leaves the database with all of it or none of it:
/// the batch and its rows are one transaction. The import is first timed to its end, then killed
/// at points spread over that time (while parsing, and while writing).
#[test]
fn an_import_killed_midway_leaves_all_of_it_or_none() {
    use diesel::prelude::*;
    use fupin_catalog::db::schema::{nomination_batches, nomination_rows};

    const ROWS: usize = 4_000;
    let (settings, data, _pg) = crate::helpers::test_settings();
    let mut conn = settings.database().connect().unwrap();
    fupin_catalog::db::migrate(&mut conn).unwrap();
    fupin_catalog::demo::ensure(&mut conn, 10, false).unwrap();
    let file = data.path().join("large.xlsx");
    let county = fupin_catalog::domain::CountyCode::parse("610924").unwrap();
    let rows: Vec<_> = fupin_catalog::sheet::sample::sample_nominations(ROWS)
        .into_iter()
        .map(|mut row| {
            row.county = Some(county.clone());
            row
        })
        .collect();
    std::fs::write(&file, fupin_catalog::sheet::nominations_xlsx("紫阳县推荐名录", &rows)).unwrap();
    let import = || {
        let mut cmd = fupin();
        cmd.args(["import", "nominations", "--county", "610924", "--data-dir"])
            .arg(data.path())
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = &settings.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    };
    let counts = |conn: &mut fupin_catalog::db::DbConnection| -> (i64, i64) {
        let batches = nomination_batches::table.count().get_result(conn).unwrap();
        let rows = nomination_rows::table.count().get_result(conn).unwrap();
        (batches, rows)
    };
    let (batches_before, rows_before) = counts(&mut conn);
    let started = Instant::now();
    let output = import().stdout(Stdio::piped()).stderr(Stdio::piped()).output().unwrap();
    assert!(
        output.status.success(),
        "a whole import succeeds: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let whole = started.elapsed();
    let (mut batches, mut rows) = counts(&mut conn);
    assert_eq!((batches, rows), (batches_before + 1, rows_before + ROWS as i64));

    let mut outcomes = Vec::new();
    for share in [0.3, 0.5, 0.7, 0.85, 0.95] {
        let mut child = import().spawn().unwrap();
        std::thread::sleep(whole.mul_f64(share));
        // SIGKILL: no destructor, no rollback by the process itself.
        let _ = child.kill();
        let _ = child.wait();
        let (b, r) = counts(&mut conn);
        match (b - batches, r - rows) {
            (0, 0) => outcomes.push("none"),
            (1, n) if n == ROWS as i64 => outcomes.push("all"),
            other => panic!("killed at {share} of the import: a half-made import {other:?}"),
        }
        (batches, rows) = (b, r);
    }
    eprintln!("kill -9 at 30/50/70/85/95 % of an import: {outcomes:?}");
    // The database is still usable afterwards, and the next import goes through.
    assert!(
        import().status().unwrap().success(),
        "an import after the kills succeeds: {outcomes:?}"
    );
}
