//! Open data: the dumps and deltas `fupin open-data` writes, served at `/open-data`, read back.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::cli::{fupin, run_with_limit};
use crate::helpers::{TestApp, spawn_app};

fn china_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Runs `fupin open-data` on the app's database, as an operator would.
pub(crate) fn run_open_data(app: &TestApp) -> String {
    let mut cmd = fupin();
    cmd.arg("open-data").arg("--data-dir").arg(&app.settings.data_dir);
    if let Some(url) = &app.settings.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let output = run_with_limit(&mut cmd, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A file as served, checked against the size and SHA-256 the index gives for it.
pub(crate) async fn fetch(app: &TestApp, entry: &Value) -> Vec<u8> {
    let name = entry["name"].as_str().unwrap();
    let response = app.get(&format!("/open-data/{name}")).await;
    assert_eq!(response.status().as_u16(), 200, "{name}");
    let bytes = response.bytes().await.unwrap().to_vec();
    assert_eq!(bytes.len() as u64, entry["bytes"].as_u64().unwrap(), "{name}");
    assert_eq!(
        format!("{:x}", Sha256::digest(&bytes)),
        entry["sha256"].as_str().unwrap(),
        "{name}"
    );
    bytes
}

pub(crate) fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a CSV for Excel starts with a BOM");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

fn jsonl_rows(gz: &[u8]) -> Vec<Value> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A JSON value as the CSV writes it.
fn as_csv(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(crate) async fn manifest(app: &TestApp) -> Value {
    let response = app.get("/open-data/index.json").await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

pub(crate) fn entry<'a>(manifest: &'a Value, name: &str) -> &'a Value {
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the index: {manifest}"))
}

/// The fields the API's list and the dump both give.
const COMPARED: [&str; 6] = [
    "name",
    "category",
    "unit_price_yuan",
    "county_code",
    "county_name",
    "supplier_name",
];

#[tokio::test]
async fn the_full_dump_read_back_equals_the_apis_list() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let (status, empty) = app.get_text("/open-data").await;
    assert_eq!(status, 200);
    assert!(empty.contains("fupin open-data"), "{empty}");

    let printed = run_open_data(&app);
    assert!(printed.contains("catalogue.csv"), "{printed}");
    let index = manifest(&app).await;
    let csv = csv_rows(&fetch(&app, entry(&index, "catalogue.csv")).await);
    let jsonl = jsonl_rows(&fetch(&app, entry(&index, "catalogue.jsonl.gz")).await);
    assert_eq!(entry(&index, "catalogue.csv")["rows"], csv.len());

    // The CSV and the JSON Lines say the same, field by field.
    assert_eq!(csv.len(), jsonl.len());
    for (row, json) in csv.iter().zip(&jsonl) {
        for (key, value) in row {
            assert_eq!(&as_csv(&json[key]), value, "{key} of {}", row["catalogue_code"]);
        }
    }

    // The listed rows are the API's list, product for product.
    let mut api = BTreeMap::new();
    for page in 1.. {
        let body: Value = app
            .get(&format!("/api/v1/products?per_page=100&page={page}"))
            .await
            .json()
            .await
            .unwrap();
        let items = body["items"].as_array().unwrap();
        for item in items {
            let fields: Vec<String> = COMPARED.iter().map(|k| as_csv(&item[*k])).collect();
            api.insert(as_csv(&item["catalogue_code"]), fields);
        }
        if items.len() < 100 {
            break;
        }
    }
    let dumped: BTreeMap<String, Vec<String>> = csv
        .iter()
        .filter(|r| r["status"] == "listed")
        .map(|r| {
            let fields = COMPARED.iter().map(|k| r[*k].clone()).collect();
            (r["catalogue_code"].clone(), fields)
        })
        .collect();
    assert!(!api.is_empty());
    assert_eq!(dumped, api);

    // Those no longer listed say when and why they left.
    let gone: Vec<_> = csv.iter().filter(|r| r["status"] != "listed").collect();
    assert!(!gone.is_empty(), "the demo has products out of the catalogue");
    for row in gone {
        assert!(row["left_at"].ends_with("+08:00"), "{row:?}");
        assert!(!row["left_reason"].is_empty(), "{row:?}");
    }

    // The page lists the files with their checksums, the schema and the licence.
    let (status, page) = app.get_text("/open-data").await;
    assert_eq!(status, 200);
    let sha = entry(&index, "catalogue.csv")["sha256"].as_str().unwrap();
    assert!(page.contains(sha) && page.contains("left_reason") && page.contains("CC BY 4.0"));
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/open-data\""));
    for bad in [
        "/open-data/..%2Fsqlite.db",
        "/open-data/catalogue.xlsx",
        "/open-data/delta-2026-02-30.csv",
    ] {
        assert_eq!(app.get(bad).await.status().as_u16(), 404, "{bad}");
    }
}

#[tokio::test]
async fn a_delisting_is_a_tombstone_in_the_days_delta_and_past_days_are_kept() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    run_open_data(&app);
    let first = manifest(&app).await;
    let days: Vec<&Value> = first["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "delta" && f["format"] == "csv")
        .collect();
    assert!(days.len() > 30, "the demo has history: {} days", days.len());
    // A past day is over: its delta is complete, and the first listings are additions.
    let oldest = days
        .iter()
        .min_by_key(|f| f["day"].as_str().unwrap().to_owned())
        .unwrap();
    assert_eq!(oldest["complete"], true);
    let rows = csv_rows(&fetch(&app, oldest).await);
    assert!(!rows.is_empty() && rows.iter().all(|r| r["change"] == "added" && r["tombstone"] == "false"));

    let code: String = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::products;
        products::table
            .filter(products::listing_status.eq("listed"))
            .order(products::id)
            .select(products::catalogue_code)
            .first(&mut app.db())
            .unwrap()
    };
    let office = app.signed_in("office").await;
    office.change_status(&code, "delisted", "抽检不合格，清出目录").await;

    let printed = run_open_data(&app);
    let today = format!("delta-{}.csv", china_today());
    let second = manifest(&app).await;
    let delta = entry(&second, &today);
    assert_eq!(delta["complete"], false, "today is not over");
    let rows = csv_rows(&fetch(&app, delta).await);
    let tombstone = rows
        .iter()
        .find(|r| r["catalogue_code"] == code)
        .unwrap_or_else(|| panic!("{code} is not in today's delta: {rows:?}"));
    assert_eq!(tombstone["change"], "removed");
    assert_eq!(tombstone["tombstone"], "true");
    assert_eq!(tombstone["reason"], "抽检不合格，清出目录");
    assert_eq!(tombstone["status"], "delisted");
    let gz = jsonl_rows(&fetch(&app, entry(&second, &today.replace(".csv", ".jsonl.gz"))).await);
    assert!(
        gz.iter()
            .any(|r| r["catalogue_code"] == code.as_str() && r["tombstone"] == true)
    );

    // The complete days were kept as they were; the full dump has the product as delisted.
    assert!(printed.contains("天沿用"), "{printed}");
    for day in &days {
        if day["complete"] == true {
            assert_eq!(entry(&second, day["name"].as_str().unwrap()), *day);
        }
    }
    let full = csv_rows(&fetch(&app, entry(&second, "catalogue.csv")).await);
    let row = full.iter().find(|r| r["catalogue_code"] == code).unwrap();
    assert_eq!(
        (row["status"].as_str(), row["left_reason"].as_str()),
        ("delisted", "抽检不合格，清出目录")
    );
}
