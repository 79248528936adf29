//! The office corrects a listed product's details (信息变更): the catalogue shows the new details
//! at once, and the change log, the feeds, the open-data delta and the catalogue on a past day say
//! what changed and what it was before; notices keep the product as it was when they were issued.

use diesel::prelude::*;
use fupin_catalog::db::schema::products;
use serde_json::Value;

use crate::helpers::{Browser, TestApp, spawn_app};
use crate::open_data::{csv_rows, entry, fetch, manifest, run_open_data};
use crate::public_record::{china_today, listed_since_before, notice_link};

/// The version the office product page's correction form is made against.
async fn seen_version(office: &Browser, code: &str) -> String {
    let (status, page) = office.get_text(&format!("/office/products/{code}")).await;
    assert_eq!(status, 200);
    let start = page
        .find(r#"name="version" value=""#)
        .expect("a listed product has the correction form")
        + r#"name="version" value=""#.len();
    page[start..].chars().take_while(char::is_ascii_digit).collect()
}

/// The correction form's fields.
fn details<'a>(
    name: &'a str,
    spec: &'a str,
    price: &'a str,
    trademark: &'a str,
    reason: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("name", name),
        ("specification", spec),
        ("price_yuan", price),
        ("trademark", trademark),
        ("reason", reason),
    ]
}

async fn correct(office: &Browser, code: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let version = seen_version(office, code).await;
    let mut form = vec![("version", version.as_str())];
    form.extend_from_slice(fields);
    let response = office.post(&format!("/office/products/{code}/details"), &form).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

fn price_of(app: &TestApp, code: &str) -> i64 {
    products::table
        .filter(products::catalogue_code.eq(code))
        .select(products::unit_price_fen)
        .first(&mut app.db())
        .unwrap()
}

fn price_on(body: &Value, code: &str) -> Option<i64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["catalogue_code"] == code)
        .map(|i| i["unit_price_fen"].as_i64().unwrap())
}

#[tokio::test]
async fn a_correction_is_a_change_that_says_what_it_changed_everywhere_the_record_is_read() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let yesterday = china_today() - chrono::Duration::days(1);
    let code = listed_since_before(&app, yesterday);
    let county = &code[..6];
    let old_price = price_of(&app, &code);
    let new_price = old_price + 1_000;
    let new_yuan = format!("{}.{:02}", new_price / 100, new_price % 100);
    let office = app.signed_in("office").await;
    let name: String = products::table
        .filter(products::catalogue_code.eq(&code))
        .select(products::name)
        .first(&mut app.db())
        .unwrap();
    let spec: String = products::table
        .filter(products::catalogue_code.eq(&code))
        .select(products::specification)
        .first(&mut app.db())
        .unwrap();
    // Refusals first: nothing is written by any of them.
    let county_user = app.signed_in("county-610924").await;
    let refused = county_user
        .post(
            &format!("/office/products/{code}/details"),
            &[
                ("version", "1"),
                ("name", "x"),
                ("specification", "x"),
                ("price_yuan", "1"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    let (status, body) = correct(&office, &code, &details(&name, &spec, "三十八", "", "调价")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("单价（元）"), "{body}");
    let (status, body) = correct(
        &office,
        &code,
        &details(&name, &spec, &format!("{:.2}", old_price as f64 / 100.0), "", "无改动"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("没有改动"), "{body}");
    let (status, body) = correct(&office, &code, &details(&name, &spec, &new_yuan, "", " ")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("变更原因"), "{body}");
    // A form made before another change came in is refused, not applied over it.
    let stale = seen_version(&office, &code).await;
    office.change_status(&code, "suspended", "群众投诉，暂停推荐待查").await;
    let response = office
        .post(
            &format!("/office/products/{code}/details"),
            &[
                ("version", stale.as_str()),
                ("name", &name),
                ("specification", &spec),
                ("price_yuan", &new_yuan),
                ("reason", "调价"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(price_of(&app, &code), old_price, "nothing half-written");
    office.change_status(&code, "listed", "核查无问题，恢复推荐").await;

    // The correction.
    let (status, body) = correct(
        &office,
        &code,
        &details(&name, &spec, &new_yuan, "汉水韵", "供应商调整价格，补登商标"),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(price_of(&app, &code), new_price);
    let old_yuan = format!("{}.{:02}", old_price / 100, old_price % 100);
    let price_line = format!("单价（元）：{old_yuan} → {new_yuan}");

    // The change log, API and page, says which fields changed, from → to.
    let log: Value = app
        .get("/api/v1/changes?kind=details_changed")
        .await
        .json()
        .await
        .unwrap();
    let newest = &log["items"][0];
    assert_eq!(newest["catalogue_code"], code.as_str(), "{log}");
    assert_eq!(newest["tombstone"], false);
    let changed: Vec<(String, String, String)> = newest["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["from"].as_str().unwrap().to_owned(),
                f["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            ("unit_price_yuan".to_owned(), old_yuan.clone(), new_yuan.clone()),
            ("trademark".to_owned(), String::new(), "汉水韵".to_owned()),
        ]
    );
    let (_, page) = app.get_text("/changes?kind=details_changed").await;
    assert!(
        page.contains(&price_line) && page.contains("商标：（空） → 汉水韵"),
        "{page}"
    );
    // So does the product's history on its page as of today.
    let (_, history) = app.get_text(&format!("/products/{code}?as_of={}", china_today())).await;
    assert!(history.contains(&price_line), "{history}");

    // The feeds carry it: the Atom entry's summary, the JSON item's fields.
    let (_, atom) = app.get_text(&format!("/changes.atom?county={county}")).await;
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let summary = &feed.entries[0].summary.as_ref().unwrap().content;
    assert!(summary.contains(&price_line), "{summary}");
    let json: Value = app
        .get("/changes.json?kind=details_changed")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["items"][0]["_fupin"]["fields"][0]["to"], new_yuan.as_str());

    // The catalogue at the end of yesterday had the old price; today's has the new one.
    let on = |day: chrono::NaiveDate| format!("/api/v1/products?as_of={day}&county={county}&per_page=100");
    let then: Value = app.get(&on(yesterday)).await.json().await.unwrap();
    let now: Value = app.get(&on(china_today())).await.json().await.unwrap();
    assert_eq!(price_on(&then, &code), Some(old_price), "{then}");
    assert_eq!(price_on(&now, &code), Some(new_price), "{now}");

    // Versions rebuilt from the events alone give the same history.
    fupin_catalog::db::versions::rebuild(&mut app.db()).unwrap();
    let then: Value = app.get(&on(yesterday)).await.json().await.unwrap();
    let now: Value = app.get(&on(china_today())).await.json().await.unwrap();
    assert_eq!(price_on(&then, &code), Some(old_price), "rebuilt: {then}");
    assert_eq!(price_on(&now, &code), Some(new_price), "rebuilt: {now}");
    let rebuilt: Value = app
        .get("/api/v1/changes?kind=details_changed")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rebuilt["items"][0]["fields"], newest["fields"],
        "the rebuilt change says what it changed: {rebuilt}"
    );

    // Today's delta names the fields; the dump has the trademark.
    run_open_data(&app);
    let index = manifest(&app).await;
    let delta = csv_rows(&fetch(&app, entry(&index, &format!("delta-{}.csv", china_today()))).await);
    let row = delta
        .iter()
        .find(|r| r["catalogue_code"] == code)
        .unwrap_or_else(|| panic!("{code} is not in today's delta"));
    assert_eq!(row["change"], "changed");
    assert!(row["changed_fields"].contains(&price_line), "{row:?}");
    assert_eq!(row["trademark"], "汉水韵");
    let dump = csv_rows(&fetch(&app, entry(&index, "catalogue.csv")).await);
    let line = dump.iter().find(|r| r["catalogue_code"] == code).unwrap();
    assert_eq!(
        (line["unit_price_yuan"].as_str(), line["trademark"].as_str()),
        (new_yuan.as_str(), "汉水韵")
    );
}

#[tokio::test]
async fn a_notice_keeps_the_product_as_it_was_when_issued_and_a_product_out_of_the_catalogue_is_not_corrected() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    let code = listed_since_before(&app, china_today());
    let office = app.signed_in("office").await;
    let (name, spec): (String, String) = products::table
        .filter(products::catalogue_code.eq(&code))
        .select((products::name, products::specification))
        .first(&mut app.db())
        .unwrap();
    let price = format!("{:.2}", price_of(&app, &code) as f64 / 100.0);
    let (status, _) = correct(&office, &code, &details(&name, &spec, &price, "秦岭源", "补登商标")).await;
    assert_eq!(status, 303);
    office.change_status(&code, "suspended", "群众投诉，暂停推荐待查").await;
    let (_, scan) = app.get_text(&format!("/t/{code}")).await;
    let (notice, _) = notice_link(&scan).expect("the suspension has a notice");

    // Corrected while suspended: the notice still names the product as it was.
    let renamed = format!("{name}（新包装）");
    let (status, body) = correct(&office, &code, &details(&renamed, &spec, &price, "秦岭源", "更换包装")).await;
    assert_eq!(status, 303, "{body}");
    let (_, page) = app.get_text(&notice).await;
    assert!(
        page.contains("<td>秦岭源</td>"),
        "the notice shows the trademark: {page}"
    );
    assert!(!page.contains(&renamed), "the notice keeps the name it was issued with");
    let (_, product_page) = app.get_text(&format!("/products/{code}")).await;
    assert!(product_page.contains(&renamed));

    // Once out of the catalogue, a product keeps the details it left with.
    office.change_status(&code, "delisted", "核查属实，清出目录").await;
    let (status, page) = office.get_text(&format!("/office/products/{code}")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains(r#"name="version""#),
        "no correction form for a delisted product"
    );
    let response = office
        .post(
            &format!("/office/products/{code}/details"),
            &[
                ("version", "0"),
                ("name", "改名"),
                ("specification", &spec),
                ("price_yuan", &price),
                ("reason", "更正"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(response.text().await.unwrap().contains("已清出目录"));
}
