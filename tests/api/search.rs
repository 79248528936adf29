//! Searching the catalogue over HTTP, and the index kept in step with the database.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use fupin_catalog::db::schema::products;
use rstest::rstest;
use serde_json::Value;

use fupin_catalog::db::DatabaseUrl;

use crate::helpers::{Browser, TestApp, spawn_app, spawn_second_server, test_db};

async fn api(app: &TestApp, query: &str) -> (u16, Value) {
    let response = app.get(&format!("/api/v1/products?{query}")).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn codes(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["catalogue_code"].as_str().unwrap().to_owned())
        .collect()
}

/// Listed products whose name contains every one of `words`, by scanning the database.
fn names_containing(app: &TestApp, words: &[&str]) -> usize {
    let names: Vec<String> = products::table
        .filter(products::listing_status.eq("listed"))
        .select(products::name)
        .load(&mut app.db())
        .unwrap();
    names.iter().filter(|n| words.iter().all(|w| n.contains(w))).count()
}

#[rstest]
#[case::word_inside_a_compound("富硒", &["富硒"])]
#[case::fruit("猕猴桃", &["猕猴桃"])]
#[case::single_character_tea("茶", &["茶"])]
#[case::single_character_date("枣", &["枣"])]
#[case::single_character_honey("蜜", &["蜜"])]
#[case::two_words("洛川 苹果", &["洛川", "苹果"])]
#[tokio::test]
async fn every_product_whose_name_holds_the_words_is_found(#[case] q: &str, #[case] words: &[&str]) {
    let app = spawn_app().await;
    app.seed_demo(1500).await;
    let expected = names_containing(&app, words);
    assert!(expected > 0, "the demo data holds {q}");
    let (status, body) = api(
        &app,
        &serde_urlencoded::to_string([("q", q), ("per_page", "100")]).unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body["total"].as_u64().unwrap() as usize >= expected,
        "{q}: found {} of {expected}",
        body["total"]
    );
}

#[rstest]
#[case::full_pinyin("luochuan pingguo", "洛川")]
#[case::joined_pinyin("luochuanpingguo", "洛川")]
#[case::initials("lcpg", "洛川")]
#[tokio::test]
async fn pinyin_and_initials_find_the_same_products_as_characters(#[case] q: &str, #[case] name_part: &str) {
    let app = spawn_app().await;
    app.seed_demo(1500).await;
    let (_, by_chars) = api(
        &app,
        &serde_urlencoded::to_string([("q", "洛川 苹果"), ("per_page", "100")]).unwrap(),
    )
    .await;
    let (_, by_pinyin) = api(
        &app,
        &serde_urlencoded::to_string([("q", q), ("per_page", "100")]).unwrap(),
    )
    .await;
    let mut a = codes(&by_chars);
    let mut b = codes(&by_pinyin);
    a.sort();
    b.sort();
    assert!(!a.is_empty());
    assert_eq!(a, b, "{q} finds what 洛川 苹果 finds");
    assert!(by_pinyin["items"][0]["name"].as_str().unwrap().contains(name_part));
}

#[tokio::test]
async fn facet_counts_add_up_to_the_total_and_filters_narrow() {
    let app = spawn_app().await;
    app.seed_demo(1500).await;
    let (_, all) = api(&app, "per_page=1").await;
    let total = all["total"].as_u64().unwrap();
    for facet in ["city", "category", "poverty", "status"] {
        let sum: u64 = all["facets"][facet]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["count"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, total, "{facet} counts add up");
    }
    let tea = all["facets"]["category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "茶叶")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    let (_, filtered) = api(
        &app,
        &serde_urlencoded::to_string([("category", "茶叶"), ("per_page", "1")]).unwrap(),
    )
    .await;
    assert_eq!(filtered["total"].as_u64().unwrap(), tea);
    let (_, cheap) = api(&app, "max_price=50&sort=price_desc&per_page=5").await;
    let prices: Vec<i64> = cheap["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit_price_fen"].as_i64().unwrap())
        .collect();
    assert!(prices.iter().all(|p| *p <= 5000));
    assert!(
        prices.windows(2).all(|w| w[0] >= w[1]),
        "sorted by price, highest first"
    );
}

#[rstest]
#[case("county=999999", "county")]
#[case("city=610124", "city")]
#[case("category=%E7%94%B5%E5%99%A8", "category")]
#[case("poverty=rich", "poverty")]
#[case("min_price=abc", "min_price")]
#[case("min_price=100&max_price=50", "max_price")]
#[case("sort=random", "sort")]
#[case("page=0", "page")]
#[case("per_page=1000", "per_page")]
#[case("status=delisted", "status")]
#[case("colour=red", "colour")]
#[case("q=%22%E5%AF%8C%E7%A1%92", "q")]
#[tokio::test]
async fn a_bad_parameter_gets_a_400_naming_it(#[case] query: &str, #[case] param: &str) {
    let app = spawn_app().await;
    let (status, body) = api(&app, query).await;
    assert_eq!(status, 400, "{query}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(param) || (param == "q" && message.contains("引号")),
        "{query}: {message}"
    );
}

#[tokio::test]
async fn the_search_page_works_without_script_and_escapes_what_it_shows() {
    let app = spawn_app().await;
    app.seed_demo(300).await;
    let (status, page) = app.get_text("/search?q=%E8%8C%B6").await;
    assert_eq!(status, 200);
    assert!(page.contains("<mark>"));
    assert!(
        page.contains("<a href=\"/search?q=%E8%8C%B6&amp;category=%E8%8C%B6%E5%8F%B6\">茶叶</a>"),
        "facets are links that keep the search and add the value"
    );
    // What the user typed comes back encoded in every link and escaped in the page.
    let (status, page) = app.get_text("/search?q=%E8%8C%B6+-%3Cb%3E%26x&min_price=1").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/search?q=%E8%8C%B6+-%3Cb%3E%26x&amp;min_price=1&amp;category=%E8%8C%B6%E5%8F%B6\""),
        "{page}"
    );
    assert!(page.contains("value=\"茶 -&#60;b&#62;&#38;x\""), "{page}");
    assert!(!page.contains("<b>"));
    let (status, bad) = app.get_text("/search?county=1").await;
    assert_eq!(status, 400);
    assert!(bad.contains("参数 county"));
    let (status, _) = app.get_text("/products/610924-99999").await;
    assert_eq!(status, 404);
}

async fn first_listed(app: &TestApp) -> String {
    let (_, body) = api(app, "q=%E8%8C%B6&per_page=1").await;
    codes(&body).remove(0)
}

#[tokio::test]
async fn a_delisted_product_vanishes_from_results_at_the_next_request() {
    let app = spawn_app().await;
    app.seed_demo(300).await;
    let code = first_listed(&app).await;
    // Asked before the delisting too, so the answers kept for a repeated request are in play.
    let (_, body) = api(&app, "q=%E8%8C%B6&per_page=100").await;
    assert!(codes(&body).contains(&code));
    let (_, page) = app.get_text("/search?q=%E8%8C%B6&per_page=100").await;
    assert!(page.contains(&format!("/products/{code}")));
    let office = app.signed_in("office").await;
    let response = office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", "delisted"), ("reason", "抽检不合格，查实")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, body) = api(&app, "q=%E8%8C%B6&per_page=100").await;
    assert!(!codes(&body).contains(&code), "gone from the public results");
    let (_, page) = app.get_text("/search?q=%E8%8C%B6&per_page=100").await;
    assert!(
        !page.contains(&format!("/products/{code}")),
        "gone from the search page"
    );
    let (_, office_view) = {
        let r = office.get("/api/v1/products?status=delisted&per_page=100").await;
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert!(codes(&office_view).contains(&code), "the office still finds it");
    let (_, product) = app.get_text(&format!("/products/{code}")).await;
    assert!(product.contains("banner-danger") && product.contains("抽检不合格"));
}

/// Repeated searches are answered from kept responses; what was kept for one audience must never
/// reach another: a visitor's page carries no session, a signed-in user's page shows who it is, and
/// what the office may see stays the office's.
#[tokio::test]
async fn a_kept_response_reaches_only_the_audience_it_was_made_for() {
    let app = spawn_app().await;
    app.seed_demo(300).await;
    let office = app.signed_in("office").await;
    let code = first_listed(&app).await;
    office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", "suspended"), ("reason", "调查中")],
        )
        .await;

    for round in 0..2 {
        let visitor = app.get("/search?q=%E8%8C%B6").await;
        assert_eq!(visitor.status().as_u16(), 200);
        assert!(
            visitor.headers().get("set-cookie").is_none(),
            "round {round}: a visitor's search page sets no cookie"
        );
        let visitor = visitor.text().await.unwrap();
        let (_, signed_in) = office.get_text("/search?q=%E8%8C%B6").await;
        assert!(
            !visitor.contains("退出"),
            "round {round}: no sign-out button for a visitor"
        );
        assert!(
            signed_in.contains("退出"),
            "round {round}: the office's page shows who is in"
        );
    }

    let office_only = "/api/v1/products?status=suspended";
    let seen = office.get(office_only).await.json::<Value>().await.unwrap();
    assert!(codes(&seen).contains(&code), "the office sees what it suspended");
    let (status, refused) = api(&app, "status=suspended").await;
    assert_eq!(status, 400, "the office's answer is not the public's: {refused}");
    let (status, _) = app.get_text("/search?status=suspended").await;
    let (office_status, office_page) = office.get_text("/search?status=suspended").await;
    assert_eq!((office_status, status), (200, 400));
    assert!(office_page.contains(&format!("/products/{code}")));
    let (status, _) = app.get_text("/search?status=suspended").await;
    assert_eq!(status, 400, "not even after the office asked");
}

#[tokio::test]
async fn a_second_server_on_the_same_database_sees_a_change_within_a_second() {
    let app = spawn_app().await;
    app.seed_demo(300).await;
    let second = spawn_second_server(&app).await;
    let code = first_listed(&second).await;
    let office = app.signed_in("office").await;
    office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", "suspended"), ("reason", "调查中")],
        )
        .await;
    let started = Instant::now();
    loop {
        let (_, body) = api(&second, "q=%E8%8C%B6&per_page=100").await;
        if !codes(&body).contains(&code) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the second server did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("second server caught up in {:?}", started.elapsed());
}

#[tokio::test]
async fn the_api_is_described_by_openapi() {
    let app = spawn_app().await;
    let (status, body) = app.get_text("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(
        doc["paths"]["/api/v1/products"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .len()
            >= 11
    );
    let (status, _) = app.get_text("/api/v1/nothing").await;
    assert_eq!(status, 404);
}

/// Servers read the change log as "every change after the last one applied", so a change must not
/// commit before one logged earlier (on PostgreSQL ids are handed out at insert, not at commit);
/// and two changes that touch the same products in opposite order must not deadlock. A logged
/// transaction holds the log from its first statement, so the second waits for the first.
#[test]
fn logged_transactions_commit_in_log_order_without_deadlock() {
    use fupin_catalog::db::search_changes::{self, logged_transaction};
    let mut t = test_db();
    fupin_catalog::demo::ensure(&mut t.conn, 20, false).expect("demo data");
    let ids: Vec<i32> = products::table.select(products::id).limit(2).load(&mut t.conn).unwrap();
    let (a, b) = (ids[0], ids[1]);
    let before = search_changes::latest(&mut t.conn).unwrap();
    let touch = |conn: &mut fupin_catalog::db::DbConnection, id: i32| {
        diesel::update(products::table.find(id))
            .set(products::updated_at.eq(fupin_catalog::db::now()))
            .execute(conn)
            .map(|_| ())
    };
    let (logged, first_has_logged) = std::sync::mpsc::channel();
    let (url_a, url_b) = (t.url.clone(), t.url.clone());
    let first = std::thread::spawn(move || {
        let mut conn = url_a.connect().unwrap();
        logged_transaction::<_, diesel::result::Error>(&mut conn, |c| {
            touch(c, a)?;
            search_changes::record(c, a).unwrap();
            logged.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(400));
            touch(c, b)
        })
        .expect("the first change commits");
        Instant::now()
    });
    first_has_logged.recv().unwrap();
    let second = std::thread::spawn(move || {
        let mut conn = url_b.connect().unwrap();
        logged_transaction::<_, diesel::result::Error>(&mut conn, |c| {
            touch(c, b)?;
            touch(c, a)?;
            search_changes::record(c, b).unwrap();
            Ok(())
        })
        .expect("the second change commits: no deadlock");
        Instant::now()
    });
    let (first_committed, second_committed) = (first.join().unwrap(), second.join().unwrap());
    assert!(
        second_committed >= first_committed,
        "the second change committed {:?} before the first",
        first_committed - second_committed
    );
    let logged = search_changes::since(&mut t.conn, before, 10).unwrap();
    let order: Vec<i32> = logged.iter().map(|(_, product)| *product).collect();
    assert_eq!(order, [a, b]);
}

/// `fupin serve` as a process of its own, killed when dropped.
struct ServeProcess {
    address: String,
    child: std::process::Child,
}

impl ServeProcess {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> ServeProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--workers", "2"])
            .arg("--data-dir")
            .arg(data_dir)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("fupin serve starts");
        let server = ServeProcess {
            address: format!("http://127.0.0.1:{port}"),
            child,
        };
        let browser = Browser::at(&server.address);
        let started = Instant::now();
        while browser
            .client
            .get(format!("{}/healthz", server.address))
            .send()
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "fupin serve did not come up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two `fupin serve` processes on one database (PostgreSQL in the PostgreSQL suite, a shared
/// SQLite file otherwise), each with its own search index: a product the office approves through
/// one is found through the other within a second.
#[tokio::test]
async fn a_product_approved_through_one_serve_process_is_found_through_another_within_a_second() {
    use crate::nominations::{row_ids, submitted_batch_of};
    let mut t = test_db();
    fupin_catalog::demo::ensure(&mut t.conn, 60, false).expect("demo data");
    let database_url = match &t.url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (
        ServeProcess::start(&database_url, dir_a.path()).await,
        ServeProcess::start(&database_url, dir_b.path()).await,
    );
    let (county, city, office) = (
        Browser::signed_in_at(&first.address, "county-610924").await,
        Browser::signed_in_at(&first.address, "city-610900").await,
        Browser::signed_in_at(&first.address, "office").await,
    );
    let batch = submitted_batch_of(&county, "蒿坪镇示例云雾新茶").await;
    assert_eq!(
        city.post(&format!("/nominations/{batch}/forward"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, queue) = office.get_text("/office/review?county=610924").await;
    let ids = row_ids(&queue);
    assert_eq!(ids.len(), 1);

    let search = format!(
        "{}/api/v1/products?q=%22%E8%92%BF%E5%9D%AA%E9%95%87%E7%A4%BA%E4%BE%8B%22",
        second.address
    );
    let total = || async {
        office
            .client
            .get(&search)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["total"]
            .clone()
    };
    assert_eq!(total().await, 0, "not in the catalogue before the approval");
    let approve = [("decision", "approve"), ("row_ids", ids[0].as_str()), ("reason", "")];
    assert_eq!(office.post("/office/review", &approve).await.status().as_u16(), 303);
    let approved = Instant::now();
    while total().await != 1 {
        assert!(
            approved.elapsed() < Duration::from_secs(1),
            "the other process did not find the approved product within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "found through the other process {:?} after the approval",
        approved.elapsed()
    );
}

/// Each suggestion names a listed product that bears it, so choosing one can open that product.
#[tokio::test]
async fn suggestions_name_the_product_each_opens() {
    let app = spawn_app().await;
    app.seed_demo(200).await;
    let body: serde_json::Value = app.get("/api/v1/suggest?q=cha").await.json().await.unwrap();
    let names = body["suggestions"].as_array().unwrap();
    let products = body["products"].as_array().unwrap();
    assert!(!products.is_empty(), "pinyin “cha” suggests teas: {body}");
    assert_eq!(names.len(), products.len());
    for (name, product) in names.iter().zip(products) {
        assert_eq!(name, &product["name"]);
        let code = product["code"].as_str().unwrap();
        let one: serde_json::Value = app.get(&format!("/api/v1/products/{code}")).await.json().await.unwrap();
        assert_eq!(one["name"], product["name"], "{code} bears the suggested name");
        assert_eq!(one["listing_status"], "listed");
        assert!(!product["county"].as_str().unwrap().is_empty());
    }
}
