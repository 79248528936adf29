//! Traceability: the QR codes, the scan page they open, scan counts, the records behind them and
//! the uploads that fill them.

use diesel::prelude::*;
use fupin_catalog::db::schema::{product_batches, products, trace_steps};

use crate::helpers::{Browser, TestApp, location, spawn_app};

const GTIN13: &str = "6901234567892";
const GTIN14: &str = "06901234567892";

/// A demo catalogue and the code of a listed product that has trace records.
pub(crate) async fn app_with_records() -> (TestApp, String) {
    let app = spawn_app().await;
    app.seed_demo(30).await;
    let code = products::table
        .inner_join(product_batches::table)
        .filter(products::listing_status.eq("listed"))
        .select(products::catalogue_code)
        .first::<String>(&mut app.db())
        .expect("the demo gives some listed products trace records");
    (app, code)
}

fn set_gtin(app: &TestApp, code: &str, gtin: Option<&str>) {
    diesel::update(products::table.filter(products::catalogue_code.eq(code)))
        .set(products::gtin.eq(gtin))
        .execute(&mut app.db())
        .unwrap();
}

fn set_county(app: &TestApp, code: &str, county: &str) {
    diesel::update(products::table.filter(products::catalogue_code.eq(code)))
        .set(products::county_code.eq(county))
        .execute(&mut app.db())
        .unwrap();
}

pub(crate) fn first_lot(app: &TestApp, code: &str) -> String {
    product_batches::table
        .inner_join(products::table)
        .filter(products::catalogue_code.eq(code))
        .order(product_batches::id)
        .select(product_batches::lot_code)
        .first(&mut app.db())
        .unwrap()
}

/// Decodes a PNG with rqrr, a decoder independent of the `qrcode` crate that drew it.
fn decode_qr(png: &[u8]) -> String {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    grids[0].decode().expect("the QR code decodes").1
}

async fn bytes(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_qr_code_of_a_product_without_gtin_carries_its_short_link() {
    let (app, code) = app_with_records().await;
    set_gtin(&app, &code, None);
    let lot = first_lot(&app, &code);

    let (status, kind, png) = bytes(&app, &format!("/t/{code}/qr.png")).await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert_eq!(decode_qr(&png), format!("{}/t/{code}", app.address));

    let (_, _, png) = bytes(&app, &format!("/t/{code}/{lot}/qr.png")).await;
    assert_eq!(decode_qr(&png), format!("{}/t/{code}/{lot}", app.address));

    let (status, kind, svg) = bytes(&app, &format!("/t/{code}/{lot}/qr.svg")).await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    let svg = String::from_utf8(svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

#[tokio::test]
async fn the_qr_code_of_a_product_with_gtin_carries_a_gs1_digital_link() {
    let (app, code) = app_with_records().await;
    set_gtin(&app, &code, Some(GTIN13));
    let lot = first_lot(&app, &code);

    let (_, _, png) = bytes(&app, &format!("/t/{code}/qr.png")).await;
    assert_eq!(decode_qr(&png), format!("{}/01/{GTIN14}", app.address));
    let (_, _, png) = bytes(&app, &format!("/t/{code}/{lot}/qr.png")).await;
    let url = decode_qr(&png);
    assert_eq!(url, format!("{}/01/{GTIN14}/10/{lot}", app.address));

    let (_, _, svg) = bytes(&app, &format!("/t/{code}/qr.svg")).await;
    roxmltree::Document::parse(std::str::from_utf8(&svg).unwrap()).expect("the SVG is well-formed XML");

    // The decoded address opens the batch's page.
    let (status, page) = app.get_text(url.trim_start_matches(&app.address)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&lot) && page.contains("本批次"), "{page}");
    let (status, page) = app.get_text(&format!("/01/{GTIN14}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&code));
}

#[tokio::test]
async fn the_scan_page_shows_where_the_product_comes_from() {
    let (app, code) = app_with_records().await;
    let lot = first_lot(&app, &code);
    let (status, page) = app.get_text(&format!("/t/{code}")).await;
    assert_eq!(status, 200);
    for expected in [
        "供应商",
        "贫困县状态",
        "带贫人数",
        "生产环境",
        "生长过程",
        "生产批次",
        "在目录中",
        lot.as_str(),
    ] {
        assert!(page.contains(expected), "the scan page shows {expected}");
    }
    assert!(!page.contains("<script"), "the scan page needs no script");
    assert!(page.len() < 20_000, "the scan page stays small: {} bytes", page.len());

    let (status, page) = app.get_text(&format!("/t/{code}/{lot}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("检测结果") && page.contains("本批次"));
    let steps: i64 = trace_steps::table
        .inner_join(products::table)
        .filter(products::catalogue_code.eq(&code))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert!(steps >= 4, "the demo gives a timeline of several steps");
}

#[tokio::test]
async fn an_unknown_or_malformed_code_may_be_counterfeit() {
    let (app, code) = app_with_records().await;
    for path in [
        "/t/610924-99999".to_owned(),
        "/t/not-a-code".to_owned(),
        format!("/t/{code}/NOSUCHLOT"),
        "/01/06901234567893".to_owned(), // wrong check digit
        "/01/99999999999994".to_owned(),
    ] {
        let (status, page) = app.get_text(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("不在《全省工会消费扶贫产品推荐目录》中"), "{path}");
        assert!(page.contains("可能是假冒") && page.contains("12315"), "{path}");
    }
    assert_eq!(app.get("/t/610924-99999/qr.png").await.status().as_u16(), 404);
}

/// Where the red banner starts and where the product's name starts.
fn banner_and_title(page: &str) -> (usize, usize) {
    (
        page.find("class=\"banner\"").expect("a banner"),
        page.find("<h1>").expect("a title"),
    )
}

#[tokio::test]
async fn a_delisting_shows_at_the_next_scan_in_red_before_anything_else() {
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    // Scanned once, so the page is in the cache.
    let (_, before) = app.get_text(&format!("/t/{code}")).await;
    assert!(!before.contains("class=\"banner\""));

    let reason = "经查实存在严重食品安全问题（测试）";
    let r = office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", "delisted"), ("reason", reason)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    let (status, page) = app.get_text(&format!("/t/{code}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("该产品已被清出目录") && page.contains(reason), "{page}");
    let (banner, title) = banner_and_title(&page);
    assert!(banner < title, "the banner comes before the product");
    assert!(page.find("<header>").unwrap() > banner, "before the page header too");
}

#[tokio::test]
async fn a_suspended_product_says_so_with_the_date_and_reason() {
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    let r = office
        .post(
            &format!("/office/products/{code}/status"),
            &[("to", "suspended"), ("reason", "抽检通报待核实（测试）")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let lot = first_lot(&app, &code);
    let (_, page) = app.get_text(&format!("/t/{code}/{lot}")).await;
    assert!(page.contains("该产品已暂停推荐") && page.contains("抽检通报待核实（测试）"));
    let today = chrono::Utc::now().format("%Y-%m").to_string();
    assert!(page.contains(&today), "the banner carries the date");
    let (banner, title) = banner_and_title(&page);
    assert!(banner < title);
}

#[tokio::test]
async fn scans_are_counted_and_the_office_sees_them() {
    let (app, code) = app_with_records().await;
    let lot = first_lot(&app, &code);
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/t/{code}")).await.status().as_u16(), 200);
    }
    for _ in 0..2 {
        assert_eq!(app.get(&format!("/t/{code}/{lot}")).await.status().as_u16(), 200);
    }
    app.get("/t/610924-99999").await; // not counted: not a product

    let office = app.signed_in("office").await;
    let (status, page) = office.get_text(&format!("/products/{code}/trace")).await;
    assert_eq!(status, 200);
    assert!(page.contains("近 30 天共 5 次"), "{page}");
    let (_, page) = office.get_text(&format!("/office/products/{code}")).await;
    assert!(page.contains("近 30 天扫码 5 次"));
    let (_, report) = office.get_text("/office/scans").await;
    assert!(report.contains(&code) && report.contains("共 5 次"), "{report}");
}

#[tokio::test]
async fn scans_counted_just_before_the_server_stops_are_written() {
    let (mut app, code) = app_with_records().await;
    for _ in 0..2 {
        assert_eq!(app.get(&format!("/t/{code}")).await.status().as_u16(), 200);
    }
    // Stopped at once, well within the flush interval: only the final flush can write them.
    app.stop_server();
    let written: Vec<i64> = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::{products, scan_counts};
        scan_counts::table
            .inner_join(products::table)
            .filter(products::catalogue_code.eq(&code))
            .select(scan_counts::scans)
            .load(&mut app.db())
            .unwrap()
    };
    assert_eq!(written.iter().sum::<i64>(), 2);
}

#[tokio::test]
async fn a_county_union_keeps_the_records_of_its_own_county_only() {
    let (app, code) = app_with_records().await;
    set_county(&app, &code, "610924"); // 紫阳县
    let own = app.signed_in("county-610924").await;
    let other = app.signed_in("county-610981").await;
    let path = format!("/products/{code}/trace");
    let batch = [
        ("lot", "ZY-2026-01"),
        ("inspection_result", "passed"),
        ("produced_on", "2026-09-01"),
    ];

    assert_eq!(own.get(&path).await.status().as_u16(), 200);
    assert!(own.get_text("/county/products").await.1.contains(&code));
    let r = own.post(&format!("{path}/batches"), &batch).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), path);
    let (_, page) = app.get_text(&format!("/t/{code}/ZY-2026-01")).await;
    assert!(page.contains("检测合格"));

    for (who, browser) in [
        ("other county", other),
        ("city", app.signed_in("city-610900").await),
        ("grassroots", app.signed_in("grassroots-01").await),
    ] {
        assert_eq!(browser.get(&path).await.status().as_u16(), 403, "{who}");
        let r = browser
            .post(
                &format!("{path}/batches"),
                &[("lot", "X1"), ("inspection_result", "passed")],
            )
            .await;
        assert_eq!(r.status().as_u16(), 403, "{who}");
        assert_eq!(
            browser.get(&format!("/products/{code}/labels")).await.status().as_u16(),
            403,
            "{who}"
        );
    }
    assert_eq!(
        app.get(&path).await.status().as_u16(),
        303,
        "visitors are sent to sign in"
    );
}

#[tokio::test]
async fn the_office_records_a_timeline_and_a_site() {
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    let lot = first_lot(&app, &code);
    let path = format!("/products/{code}/trace");
    let r = office
        .post(
            &format!("{path}/sites"),
            &[("name", "测试高山茶园"), ("place", "紫阳县示例镇"), ("altitude", "860")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = office
        .post(
            &format!("{path}/steps"),
            &[
                ("occurred_on", "2026-09-20"),
                ("stage", "packing"),
                ("lot", &lot),
                ("description", "测试包装记录"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("/t/{code}/{lot}")).await;
    assert!(page.contains("测试高山茶园") && page.contains("海拔 860 米"));
    assert!(page.contains("测试包装记录"));

    // Refused: a lot that is there already, a bad date, a name the QR routes use.
    let again = office
        .post(
            &format!("{path}/batches"),
            &[("lot", &lot), ("inspection_result", "passed")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    assert!(again.text().await.unwrap().contains("已经登记过了"));
    let bad = office
        .post(
            &format!("{path}/steps"),
            &[
                ("occurred_on", "2026-13-01"),
                ("stage", "harvest"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let reserved = office
        .post(
            &format!("{path}/batches"),
            &[("lot", "qr.png"), ("inspection_result", "passed")],
        )
        .await;
    assert_eq!(reserved.status().as_u16(), 400);
}

#[tokio::test]
async fn the_label_sheet_prints_on_a4() {
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    let lot = first_lot(&app, &code);
    let (status, sheet) = office.get_text(&format!("/products/{code}/labels?lot={lot}")).await;
    assert_eq!(status, 200);
    assert!(sheet.contains("/assets/css/labels.css"));
    let (_, css) = office.get_text("/assets/css/labels.css").await;
    assert!(css.contains("@page") && css.contains("size: A4") && css.contains("70mm"));
    assert_eq!(sheet.matches(&format!("/t/{code}/{lot}/qr.svg")).count(), 24);
    assert!(sheet.contains(&code) && sheet.contains(&lot));
}

/// Uploads a file to a product's record, attached to `attach_to` (e.g. `batch-3`).
pub(crate) async fn upload(
    browser: &Browser,
    code: &str,
    attach_to: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let token = browser.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("attach_to", attach_to.to_owned())
        .text("caption", "测试")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
        );
    let response = browser
        .client
        .post(format!("{}/products/{code}/trace/media", browser.address))
        .multipart(form)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

pub(crate) fn batch_owner(app: &TestApp, code: &str) -> String {
    let id: i32 = product_batches::table
        .inner_join(products::table)
        .filter(products::catalogue_code.eq(code))
        .select(product_batches::id)
        .first(&mut app.db())
        .unwrap();
    format!("batch-{id}")
}

pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .unwrap();
    bytes
}

/// A valid all-white PNG of any size, written row by row: 20000 × 20000 is well under a megabyte.
fn huge_png(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0xFF; width.div_ceil(8) as usize];
    for _ in 0..height {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    bytes
}

#[tokio::test]
async fn uploads_that_are_not_clean_photos_are_refused_in_chinese() {
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    let owner = batch_owner(&app, &code);
    let photo = jpeg(64, 48);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("report.txt", "这不是图片".as_bytes().to_vec(), 400, "不是图片文件"),
        (
            "cut.jpg",
            photo[..photo.len() / 2].to_vec(),
            400,
            "图片文件已损坏或不完整",
        ),
        ("huge.png", huge_png(20_000, 20_000), 400, "图片尺寸过大"),
        ("big.jpg", vec![0xFF; 30 * 1024 * 1024], 413, "文件过大"),
    ];
    for (name, bytes, status, message) in cases {
        let (got, page) = upload(&office, &code, &owner, name, bytes).await;
        assert_eq!(got, status, "{name}: {page}");
        assert!(page.contains(message), "{name} is refused with “{message}”: {page}");
    }
    let stored: i64 = fupin_catalog::db::schema::trace_media::table
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(stored, 0, "nothing refused was stored");
}

#[tokio::test]
async fn a_photo_and_a_pdf_report_are_stored_and_served_for_ever() {
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    let owner = batch_owner(&app, &code);
    let lot = first_lot(&app, &code);

    let (status, page) = upload(&office, &code, &owner, "photo.jpg", jpeg(800, 600)).await;
    assert_eq!(status, 303, "{page}");
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let (status, page) = upload(&office, &code, &owner, "report.pdf", pdf.clone()).await;
    assert_eq!(status, 303, "{page}");

    let (_, page) = app.get_text(&format!("/t/{code}/{lot}")).await;
    assert!(page.contains("loading=\"lazy\""), "thumbnails load lazily");
    let thumb = page
        .split('"')
        .find(|s| s.starts_with("/media/") && s.ends_with("-480.jpg"))
        .expect("the page shows the photo's thumbnail")
        .to_owned();
    let response = app.get(&thumb).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"),
        "content-addressed files are cached for ever"
    );
    let report = page
        .split('"')
        .find(|s| s.starts_with("/media/") && s.ends_with(".pdf"))
        .expect("the page links the report")
        .to_owned();
    assert_eq!(app.get(&report).await.bytes().await.unwrap().to_vec(), pdf);

    for bad in ["/media/../fupin.db", "/media/..%2F/fupin.db", "/media/ab/cd.jpg"] {
        assert_eq!(app.get(bad).await.status().as_u16(), 404, "{bad}");
    }
}

#[tokio::test]
async fn demo_products_come_with_batches_sites_and_timelines() {
    let app = spawn_app().await;
    app.seed_demo(100).await;
    let mut conn = app.db();
    let with_batches: i64 = product_batches::table
        .select(diesel::dsl::count(product_batches::product_id).aggregate_distinct())
        .get_result(&mut conn)
        .unwrap();
    assert!(with_batches >= 10, "every tenth product at least: {with_batches}");
    let lot_steps: i64 = trace_steps::table
        .filter(trace_steps::batch_id.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(lot_steps >= 2 * with_batches);
}

/// The id and version of a product's batch with this lot code.
fn batch_of(app: &TestApp, code: &str, lot: &str) -> (i32, i32) {
    product_batches::table
        .inner_join(products::table)
        .filter(products::catalogue_code.eq(code))
        .filter(product_batches::lot_code.eq(lot))
        .select((product_batches::id, product_batches::version))
        .first(&mut app.db())
        .unwrap()
}

/// The events of one record with one action: (from, to, reason, who).
fn events_of(
    app: &TestApp,
    kind: &str,
    id: i32,
    action: &str,
) -> Vec<(Option<String>, Option<String>, String, String)> {
    use fupin_catalog::db::schema::events;
    events::table
        .filter(events::entity_kind.eq(kind))
        .filter(events::entity_id.eq(id))
        .filter(events::action.eq(action))
        .order(events::id)
        .select((
            events::from_state,
            events::to_state,
            events::reason,
            events::actor_label,
        ))
        .load(&mut app.db())
        .unwrap()
}

fn china_today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string()
}

/// A product of 紫阳县 with a batch `FIX-1` recorded as failed by the county union, which is
/// signed in.
async fn county_with_failed_batch() -> (TestApp, String, Browser, i32) {
    let (app, code) = app_with_records().await;
    set_county(&app, &code, "610924");
    let county = app.signed_in("county-610924").await;
    let r = county
        .post(
            &format!("/products/{code}/trace/batches"),
            &[
                ("lot", "FIX-1"),
                ("produced_on", "2026-09-01"),
                ("inspection_result", "failed"),
                ("inspection_note", "农残超标"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (id, _) = batch_of(&app, &code, "FIX-1");
    (app, code, county, id)
}

fn correction<'a>(result: &'a str, reason: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("produced_on", "2026-09-01"),
        ("inspection_result", result),
        ("inspection_note", "复检合格，报告编号 FJ-2026-118"),
        ("reason", reason),
        ("version", version),
    ]
}

#[tokio::test]
async fn the_county_corrects_a_failed_inspection_and_the_scan_page_shows_it_corrected() {
    let (app, code, county, id) = county_with_failed_batch().await;
    set_gtin(&app, &code, Some(GTIN13));
    let (_, before) = app.get_text(&format!("/t/{code}/FIX-1")).await;
    assert!(before.contains("检测不合格") && !before.contains("更正"), "{before}");

    let reason = "送检样品登记错误，复检合格";
    let path = format!("/products/{code}/trace/batches/{id}");
    let r = county.post(&path, &correction("passed", reason, "0")).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("/products/{code}/trace"));

    // Shown at the next scan, by both forms of the code, corrected with the date.
    let marked = format!("{} 更正，原为“检测不合格”", china_today());
    for scanned in [format!("/t/{code}/FIX-1"), format!("/01/{GTIN14}/10/FIX-1")] {
        let (status, page) = app.get_text(&scanned).await;
        assert_eq!(status, 200, "{scanned}");
        assert!(page.contains("检测合格") && page.contains(&marked), "{scanned}: {page}");
        assert!(page.contains("FJ-2026-118"));
    }
    let (_, product_page) = app.get_text(&format!("/t/{code}")).await;
    assert!(product_page.contains(&marked), "the list of lots marks it too");
    let (_, trace_page) = county.get_text(&format!("/products/{code}/trace")).await;
    assert!(trace_page.contains(&marked));

    // The history says who, when, why, and the result it moved from and to.
    let corrected = events_of(&app, "product_batch", id, "correct");
    assert_eq!(corrected.len(), 1);
    let (from, to, why, who) = &corrected[0];
    assert!(from.as_deref().unwrap().contains("检测结果：检测不合格"), "{from:?}");
    assert!(to.as_deref().unwrap().contains("检测结果：检测合格"), "{to:?}");
    assert_eq!(why, reason);
    assert!(!who.is_empty());

    // A form shown before the correction is refused rather than undo it.
    let stale = county.post(&path, &correction("failed", "旧表单", "0")).await;
    assert_eq!(stale.status().as_u16(), 409);
    assert!(stale.text().await.unwrap().contains("已被他人更正"));
    let result: String = product_batches::table
        .find(id)
        .select(product_batches::inspection_result)
        .first(&mut app.db())
        .unwrap();
    assert_eq!(result, "passed");
}

#[tokio::test]
async fn a_correction_or_removal_without_a_reason_is_refused_and_changes_nothing() {
    let (app, code, county, id) = county_with_failed_batch().await;
    let path = format!("/products/{code}/trace/batches/{id}");
    for reason in ["", "   "] {
        let r = county.post(&path, &correction("passed", reason, "0")).await;
        assert_eq!(r.status().as_u16(), 400);
        assert!(r.text().await.unwrap().contains("请填写更正原因"));
        let r = county.post(&format!("{path}/remove"), &[("reason", reason)]).await;
        assert_eq!(r.status().as_u16(), 400);
        assert!(r.text().await.unwrap().contains("请填写删除原因"));
    }
    let (result, version, removed): (String, i32, Option<chrono::NaiveDateTime>) = product_batches::table
        .find(id)
        .select((
            product_batches::inspection_result,
            product_batches::version,
            product_batches::removed_at,
        ))
        .first(&mut app.db())
        .unwrap();
    assert_eq!((result.as_str(), version, removed), ("failed", 0, None));
    assert!(events_of(&app, "product_batch", id, "correct").is_empty());
    assert!(events_of(&app, "product_batch", id, "remove").is_empty());
}

#[tokio::test]
async fn a_removed_batch_is_withdrawn_on_its_scan_page_and_cannot_be_removed_twice() {
    let (app, code, county, id) = county_with_failed_batch().await;
    let remove = format!("/products/{code}/trace/batches/{id}/remove");
    let reason = "批次号登记错误，重新登记";
    let r = county.post(&remove, &[("reason", reason)]).await;
    assert_eq!(r.status().as_u16(), 303);

    // The lot's code is printed already: its page says the record was withdrawn, when and why.
    let (status, page) = app.get_text(&format!("/t/{code}/FIX-1")).await;
    assert_eq!(status, 200);
    assert!(page.contains("追溯记录已撤销") && page.contains(reason), "{page}");
    assert!(page.contains(&china_today()));
    assert!(!page.contains("本批次") && !page.contains("检测不合格"), "{page}");
    let (_, product_page) = app.get_text(&format!("/t/{code}")).await;
    assert!(!product_page.contains("FIX-1"), "no longer listed as a lot");
    let (_, trace_page) = county.get_text(&format!("/products/{code}/trace")).await;
    let removed_list = trace_page.split("已删除的记录").nth(1).expect("a list of removals");
    assert!(removed_list.contains("FIX-1") && removed_list.contains(reason));

    let again = county.post(&remove, &[("reason", "再删一次")]).await;
    assert_eq!(again.status().as_u16(), 409);
    let message = again.text().await.unwrap();
    assert!(
        message.contains("已被删除") && message.contains(&china_today()),
        "{message}"
    );
    let corrected = county
        .post(
            &format!("/products/{code}/trace/batches/{id}"),
            &correction("passed", "删除后更正", "0"),
        )
        .await;
    assert_eq!(corrected.status().as_u16(), 409);

    // Kept in the database, with one removal in the history.
    let (removed_at, why): (Option<chrono::NaiveDateTime>, Option<String>) = product_batches::table
        .find(id)
        .select((product_batches::removed_at, product_batches::removed_reason))
        .first(&mut app.db())
        .unwrap();
    assert!(removed_at.is_some());
    assert_eq!(why.as_deref(), Some(reason));
    assert_eq!(events_of(&app, "product_batch", id, "remove").len(), 1);
}

#[tokio::test]
async fn only_the_keeper_corrects_and_only_records_of_that_product() {
    let (app, code, _county, id) = county_with_failed_batch().await;
    let other = app.signed_in("county-610981").await;
    let path = format!("/products/{code}/trace/batches/{id}");
    let r = other.post(&path, &correction("passed", "不是我县的产品", "0")).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = other
        .post(&format!("{path}/remove"), &[("reason", "不是我县的产品")])
        .await;
    assert_eq!(r.status().as_u16(), 403);

    // A batch of another product, named under this one, is not found.
    let (other_code, other_batch): (String, i32) = product_batches::table
        .inner_join(products::table)
        .filter(products::catalogue_code.ne(&code))
        .select((products::catalogue_code, product_batches::id))
        .first(&mut app.db())
        .unwrap();
    let office = app.signed_in("office").await;
    let wrong = format!("/products/{code}/trace/batches/{other_batch}");
    let r = office.post(&wrong, &correction("passed", "张冠李戴", "0")).await;
    assert_eq!(r.status().as_u16(), 404);
    let r = office.post(&format!("{wrong}/remove"), &[("reason", "张冠李戴")]).await;
    assert_eq!(r.status().as_u16(), 404);
    let (_, page) = app.get_text(&format!("/t/{other_code}")).await;
    assert!(!page.contains("追溯记录已撤销"));
    assert!(events_of(&app, "product_batch", other_batch, "remove").is_empty());
    assert!(events_of(&app, "product_batch", id, "correct").is_empty());
}

#[tokio::test]
async fn the_office_corrects_a_site_and_removes_a_step_and_a_photo() {
    use fupin_catalog::db::schema::{production_sites, trace_media};
    let (app, code) = app_with_records().await;
    let office = app.signed_in("office").await;
    let lot = first_lot(&app, &code);
    let path = format!("/products/{code}/trace");
    let r = office
        .post(
            &format!("{path}/sites"),
            &[("name", "错名茶园"), ("place", "紫阳县示例镇"), ("altitude", "860")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let site: i32 = production_sites::table
        .filter(production_sites::name.eq("错名茶园"))
        .select(production_sites::id)
        .first(&mut app.db())
        .unwrap();
    let r = office
        .post(
            &format!("{path}/sites/{site}"),
            &[
                ("name", "高山有机茶园"),
                ("place", "紫阳县示例镇"),
                ("altitude", "910"),
                ("reason", "基地名称和海拔以测绘为准"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("/t/{code}/{lot}")).await;
    assert!(page.contains("高山有机茶园") && page.contains("海拔 910 米") && !page.contains("错名茶园"));
    let (from, to, _, _) = events_of(&app, "production_site", site, "correct").remove(0);
    assert!(from.unwrap().contains("名称：错名茶园") && to.unwrap().contains("海拔：910"));

    let step: i32 = trace_steps::table
        .inner_join(products::table)
        .filter(products::catalogue_code.eq(&code))
        .filter(trace_steps::batch_id.is_null())
        .select(trace_steps::id)
        .first(&mut app.db())
        .unwrap();
    let description: String = trace_steps::table
        .find(step)
        .select(trace_steps::description)
        .first(&mut app.db())
        .unwrap();
    let r = office
        .post(&format!("{path}/steps/{step}/remove"), &[("reason", "重复记录")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("/t/{code}")).await;
    assert!(!page.contains(&description), "the removed step is not shown");

    let owner = batch_owner(&app, &code);
    let (status, _) = upload(&office, &code, &owner, "photo.jpg", jpeg(320, 240)).await;
    assert_eq!(status, 303);
    let photo: i32 = trace_media::table
        .select(trace_media::id)
        .order(trace_media::id.desc())
        .first(&mut app.db())
        .unwrap();
    let r = office
        .post(&format!("{path}/media/{photo}/remove"), &[("reason", "拍错了产品")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let batch_lot: String = product_batches::table
        .find(owner.trim_start_matches("batch-").parse::<i32>().unwrap())
        .select(product_batches::lot_code)
        .first(&mut app.db())
        .unwrap();
    let (_, page) = app.get_text(&format!("/t/{code}/{batch_lot}")).await;
    assert!(!page.contains("-480.jpg"), "the removed photo is not shown");
    assert_eq!(events_of(&app, "trace_media", photo, "remove").len(), 1);
}

#[tokio::test]
async fn two_removals_of_one_batch_at_once_remove_it_once() {
    let (app, code, county, id) = county_with_failed_batch().await;
    let office = app.signed_in("office").await;
    let remove = format!("/products/{code}/trace/batches/{id}/remove");
    let (a, b) = tokio::join!(
        county.post(&remove, &[("reason", "县区删除")]),
        office.post(&remove, &[("reason", "办公室删除")]),
    );
    let mut answers = [a.status().as_u16(), b.status().as_u16()];
    answers.sort();
    assert_eq!(answers, [303, 409]);
    assert_eq!(events_of(&app, "product_batch", id, "remove").len(), 1);
}
