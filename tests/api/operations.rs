//! Many servers on one database: media served by every server, the change log pruned and the
//! scan-page caches dropped through it, readiness, backup and restore under load.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use fupin_catalog::db::inventory;
use fupin_catalog::db::schema::{products, search_changes, search_log_pruned, search_log_servers};

use crate::helpers::{PgTestDb, TestApp, postgres_server_url, spawn_app, spawn_app_with, spawn_second_server};
use crate::trace::{app_with_records, batch_owner, first_lot, jpeg, upload};

/// Polls `check` every 50 ms until it holds; returns how long it took, or fails after `limit`.
async fn within<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_photo_and_a_delisting_through_one_server_show_on_the_other() {
    let (app, code) = app_with_records().await;
    let second = spawn_second_server(&app).await;
    let lot = first_lot(&app, &code);
    let scan = format!("/t/{code}/{lot}");
    // The second server has the page cached before anything changes.
    let (status, before) = second.get_text(&scan).await;
    assert_eq!(status, 200);
    assert!(!before.contains("该产品已被清出目录"));

    let office = app.signed_in("office").await;
    let photo = jpeg(640, 480);
    let (status, page) = upload(&office, &code, &batch_owner(&app, &code), "photo.jpg", photo).await;
    assert_eq!(status, 303, "{page}");
    let (_, page) = app.get_text(&scan).await;
    let thumb = page
        .split('"')
        .find(|s| s.starts_with("/media/") && s.ends_with("-480.jpg"))
        .expect("the first server's scan page shows the photo")
        .to_owned();
    let original = thumb.replace("-480.jpg", ".jpg");

    let cached = second.settings.media_dir().join(original.trim_start_matches("/media/"));
    assert!(!cached.exists(), "the second server has never seen the photo");
    for path in [&thumb, &original] {
        let from_first = app.get(path).await.bytes().await.unwrap();
        let response = second.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path} through the second server");
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert_eq!(response.bytes().await.unwrap(), from_first, "{path}: the same bytes");
    }
    assert!(cached.exists(), "the second server keeps it in its disk cache");
    // Served again from the cache, with the same answer.
    assert_eq!(second.get(&original).await.status().as_u16(), 200);
    assert_eq!(
        second.get("/media/ab/".to_owned().as_str()).await.status().as_u16(),
        404
    );
    let unknown = format!("/media/ab/ab{}.jpg", "0".repeat(62));
    assert_eq!(
        second.get(&unknown).await.status().as_u16(),
        404,
        "a name nobody stored"
    );

    let response = office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", "delisted"), ("reason", "抽检不合格")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let took = within(
        Duration::from_secs(1),
        "the second server's scan page shows the delisting",
        || async { second.get_text(&scan).await.1.contains("该产品已被清出目录") },
    )
    .await;
    eprintln!("the second server's scan page changed {took:?} after the delisting");
}

fn pruned_through(app: &TestApp) -> i32 {
    search_log_pruned::table
        .select(search_log_pruned::through_change)
        .first(&mut app.db())
        .optional()
        .unwrap()
        .unwrap_or(0)
}

fn latest_change(app: &TestApp) -> i32 {
    search_changes::table
        .select(diesel::dsl::max(search_changes::id))
        .first::<Option<i32>>(&mut app.db())
        .unwrap()
        .unwrap_or(0)
}

async fn listed_total(app: &TestApp) -> i64 {
    let body: serde_json::Value = app.get("/api/v1/products?per_page=1").await.json().await.unwrap();
    body["total"].as_i64().unwrap()
}

async fn set_status(app: &TestApp, code: &str, to: &str) {
    let office = app.signed_in("office").await;
    let response = office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", to), ("reason", "测试")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
}

fn listed_codes(app: &TestApp, n: i64) -> Vec<String> {
    products::table
        .filter(products::listing_status.eq("listed"))
        .order(products::id)
        .limit(n)
        .select(products::catalogue_code)
        .load(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn the_log_is_pruned_once_every_server_has_applied_it_and_a_server_away_longer_rebuilds() {
    let app = spawn_app_with(|s| s.change_log_retention = "1s".to_owned()).await;
    app.seed_demo(60).await;
    let mut second = spawn_second_server(&app).await;
    let codes = listed_codes(&app, 2);

    set_status(&app, &codes[0], "suspended").await;
    let change = latest_change(&app);
    within(
        Duration::from_secs(10),
        "the log is pruned through the suspension",
        || async { pruned_through(&app) >= change },
    )
    .await;
    let left: i64 = search_changes::table
        .filter(search_changes::id.le(change))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(left, 0, "what every server applied is gone");
    let positions: Vec<i32> = search_log_servers::table
        .select(search_log_servers::applied_change)
        .load(&mut app.db())
        .unwrap();
    assert_eq!(positions.len(), 2, "both servers report where they are");
    assert!(positions.iter().all(|p| *p >= change), "{positions:?}");
    let total = listed_total(&app).await;
    assert_eq!(listed_total(&second).await, total);

    // The second server is away for longer than the window, and changes it never saw are pruned.
    second.stop_server();
    set_status(&app, &codes[0], "listed").await;
    set_status(&app, &codes[1], "suspended").await;
    let change = latest_change(&app);
    within(
        Duration::from_secs(10),
        "the log is pruned without the absent server",
        || async { pruned_through(&app) >= change },
    )
    .await;

    second.start_server();
    let total = listed_total(&app).await;
    within(
        Duration::from_secs(5),
        "the returning server rebuilds and agrees",
        || async { listed_total(&second).await == total },
    )
    .await;
    let body: serde_json::Value = second
        .get(&format!("/api/v1/products?q={}&per_page=100", codes[1]))
        .await
        .json()
        .await
        .unwrap();
    let found: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["catalogue_code"].as_str())
        .collect();
    assert!(
        !found.contains(&codes[1].as_str()),
        "the suspension it missed is applied"
    );
    let (status, ready) = second.get_text("/readyz").await;
    assert_eq!(status, 200, "{ready}");
}

#[tokio::test]
async fn a_bad_retention_setting_stops_the_start_with_its_reason() {
    let (mut settings, _data_dir, _pg) = crate::helpers::test_settings();
    settings.change_log_retention = "一天".to_owned();
    let err = fupin_catalog::startup::Application::build(settings)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("FUPIN_CHANGE_LOG_RETENTION"), "{err}");
}

#[tokio::test]
async fn readiness_answers_once_the_index_is_up() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

/// Office staff create bundles (writes that leave the catalogue alone) until told to stop.
fn write_load(app: &TestApp, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> tokio::task::JoinHandle<usize> {
    let address = app.address.clone();
    tokio::spawn(async move {
        let office = crate::helpers::Browser::signed_in_at(&address, "office").await;
        let mut written = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let name = format!("备份期间的礼包 {written}");
            let response = office
                .post(
                    "/office/bundles",
                    &[
                        ("name", name.as_str()),
                        ("festival", "mid_autumn"),
                        ("year", "2026"),
                        ("description", "负载"),
                    ],
                )
                .await;
            assert_eq!(response.status().as_u16(), 303);
            written += 1;
        }
        written
    })
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_elsewhere_with_every_row() {
    let app = spawn_app().await;
    app.seed_demo(200).await;
    let before = inventory::take(&mut app.db()).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = write_load(&app, stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("fupin.backup");
    let url = app.settings.database();
    let backed_up = tokio::task::spawn_blocking(move || fupin_catalog::backup::backup(&url, &file).map(|i| (i, file)))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = load.await.unwrap();
    let (backed_up, file) = backed_up.expect("backup written while the server writes");
    let after = inventory::take(&mut app.db()).unwrap();
    assert!(written > 2, "the load wrote during the backup: {written}");

    // Elsewhere: a new data directory, and on PostgreSQL a new database.
    let target_dir = tempfile::tempdir().unwrap();
    let target_pg = postgres_server_url().map(|url| PgTestDb::create(&url));
    let mut settings = app.settings.clone();
    settings.data_dir = target_dir.path().join("data");
    settings.database_url = target_pg.as_ref().map(|pg| pg.url.clone());
    let restore_settings = settings.clone();
    let restored = tokio::task::spawn_blocking(move || fupin_catalog::backup::restore(&restore_settings, &file))
        .await
        .unwrap()
        .expect("the backup restores");

    assert_eq!(
        restored, backed_up,
        "the restored copy holds what the backup said it did"
    );
    assert_eq!(
        restored.catalogue_sha256, before.catalogue_sha256,
        "the catalogue, exactly"
    );
    assert_eq!(after.catalogue_sha256, before.catalogue_sha256);
    assert_eq!(
        restored.tables.iter().map(|(t, _)| t).collect::<Vec<_>>(),
        before.tables.iter().map(|(t, _)| t).collect::<Vec<_>>()
    );
    for (table, rows) in &restored.tables {
        let (low, high) = (before.rows(table).unwrap(), after.rows(table).unwrap());
        assert!(
            (low..=high).contains(rows),
            "{table}: {rows} rows restored, {low} before the backup and {high} after"
        );
    }
    let bundles = restored.rows("bundles").unwrap();
    assert!(
        bundles > before.rows("bundles").unwrap(),
        "writes made during the load before the copy are in it"
    );

    // A server on the restored copy rebuilds its index and serves the same catalogue.
    let restored_app = TestApp::start(settings, target_dir, target_pg);
    assert_eq!(listed_total(&restored_app).await, listed_total(&app).await);
    let (status, _) = restored_app.get_text("/readyz").await;
    assert_eq!(status, 200);
}
