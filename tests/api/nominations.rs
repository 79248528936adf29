//! The nomination workflow over HTTP: county → city → office → catalogue → incident → delisted.

use crate::helpers::{Browser, location, spawn_app};

/// A complete row as the clerk types it (fictional supplier, valid codes).
pub fn complete_row<'a>(row_no: &'a str, product: &'a str, credit_code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("row_no", row_no),
        ("supplier_name", "紫阳县示例富硒茶业专业合作社"),
        ("credit_code", credit_code),
        ("product_name", product),
        ("annual_output", "50吨"),
        ("poor_people_supported", "120"),
        ("contact_name", "王示例"),
        ("contact_phone", "138-0000-0001"),
        ("category", "茶叶"),
        ("specification", "250g/罐"),
        ("unit_price", "168"),
        ("national_catalogue_no", "FP6109242020001"),
        ("poverty_region", "poverty_county"),
    ]
}

pub const CREDIT_A: &str = "93610924MA0000001P";
pub const CREDIT_B: &str = "93610924MA0000002N";

async fn new_batch(county: &Browser) -> i32 {
    let response = county.post("/county/batches", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    location(&response).trim_start_matches("/nominations/").parse().unwrap()
}

/// A batch of one complete row, submitted to the city.
pub async fn submitted_batch(county: &Browser) -> i32 {
    submitted_batch_of(county, "紫阳富硒茶").await
}

/// A batch of one complete row for `product`, submitted to the city.
pub async fn submitted_batch_of(county: &Browser, product: &str) -> i32 {
    let id = new_batch(county).await;
    let r = county
        .post(
            &format!("/nominations/{id}/rows"),
            &complete_row("1", product, valid(CREDIT_A)),
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
    assert_eq!(
        county
            .post(&format!("/nominations/{id}/submit"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    id
}

/// Completes a 17-character body with its check character, so the tests need no hand-made codes.
fn valid(code: &str) -> &'static str {
    let body = &code[..17];
    Box::leak(
        fupin_catalog::domain::CreditCode::with_check_char(body)
            .unwrap()
            .to_string()
            .into_boxed_str(),
    )
}

#[tokio::test]
async fn a_nomination_goes_from_county_to_catalogue_and_a_verified_incident_delists_it() {
    let app = spawn_app().await;
    app.seed_demo(40).await;
    let county = app.signed_in("county-610924").await;
    let city = app.signed_in("city-610900").await;
    let office = app.signed_in("office").await;

    // The county fills in three rows online and submits.
    let id = new_batch(&county).await;
    for (n, product, credit) in [
        ("1", "紫阳富硒茶", CREDIT_A),
        ("2", "紫阳毛尖", CREDIT_A),
        ("3", "紫阳炒青", CREDIT_B),
    ] {
        let r = county
            .post(
                &format!("/nominations/{id}/rows"),
                &complete_row(n, product, valid(credit)),
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
    }
    let batch = format!("/nominations/{id}");
    assert_eq!(
        city.get(&batch).await.status().as_u16(),
        404,
        "a draft stays with the county"
    );
    assert_eq!(
        county.post(&format!("{batch}/submit"), &[]).await.status().as_u16(),
        303
    );

    // The city sees it and forwards it; the county can no longer edit it.
    let (_, city_page) = city.get_text("/city").await;
    assert!(city_page.contains(&batch));
    assert_eq!(city.post(&format!("{batch}/forward"), &[]).await.status().as_u16(), 303);
    let late_edit = county
        .post(
            &format!("{batch}/rows"),
            &complete_row("4", "紫阳晚茶", valid(CREDIT_B)),
        )
        .await;
    assert_eq!(late_edit.status().as_u16(), 409);

    // The office approves two rows at once and rejects the third with a reason.
    let (_, queue) = office.get_text("/office/review?county=610924").await;
    let ids = row_ids(&queue);
    assert_eq!(ids.len(), 3);
    let form = [
        ("decision", "approve"),
        ("row_ids", ids[0].as_str()),
        ("row_ids", ids[1].as_str()),
        ("reason", ""),
    ];
    assert_eq!(office.post("/office/review", &form).await.status().as_u16(), 303);
    let no_reason = office
        .post(
            "/office/review",
            &[("decision", "reject"), ("row_ids", ids[2].as_str())],
        )
        .await;
    assert_eq!(no_reason.status().as_u16(), 409, "rejecting needs a reason");
    let reject = [
        ("decision", "reject"),
        ("row_ids", ids[2].as_str()),
        ("reason", "未纳入全国扶贫产品目录"),
    ];
    assert_eq!(office.post("/office/review", &reject).await.status().as_u16(), 303);

    // Every state and its history is visible to the county and the city.
    for viewer in [&county, &city, &office] {
        let (status, page) = viewer.get_text(&batch).await;
        assert_eq!(status, 200);
        assert_eq!(page.matches("已通过").count(), 2);
        assert!(page.contains("未纳入全国扶贫产品目录"));
        assert!(page.contains("610924-00001") && page.contains("610924-00002"));
        assert!(page.contains("报送省总工会") && page.contains("审核通过，列入目录"));
    }
    // One supplier for the two rows that share a credit code.
    let (_, listed) = office.get_text("/office/products?county=610924&q=紫阳").await;
    assert!(listed.contains("610924-00001"));

    // An incident is recorded (the product is suspended), then verified serious: delisted at once.
    let product = "/office/products/610924-00001";
    let incident = [
        ("occurred_on", "2026-11-20"),
        ("source", "市场监管部门抽检通报"),
        ("description", "农药残留超标"),
        ("suspend", "1"),
    ];
    assert_eq!(
        office
            .post(&format!("{product}/incidents"), &incident)
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, page) = office.get_text(product).await;
    assert!(page.contains("暂停（调查中）"));
    let incident_id = between(&page, "/office/incidents/", "/settle");
    let settle = [("to", "verified_serious"), ("reason", "复检确认超标")];
    assert_eq!(
        office
            .post(&format!("/office/incidents/{incident_id}/settle"), &settle)
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, page) = office.get_text(product).await;
    assert!(page.contains("status-delisted"));
    assert!(page.contains("质量事件") && page.contains("复检确认超标"));
    assert!(page.contains("清出目录"));
    let again = office
        .post(
            &format!("/office/incidents/{incident_id}/settle"),
            &[("to", "dismissed"), ("reason", "x")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);

    // Refused to the others.
    assert_eq!(county.get(product).await.status().as_u16(), 403);
    let other_city = app.signed_in("city-610100").await;
    assert_eq!(other_city.get(&batch).await.status().as_u16(), 403);
}

pub fn row_ids(page: &str) -> Vec<String> {
    page.split("name=\"row_ids\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap() + start.len();
    let to = text[from..].find(end).unwrap() + from;
    &text[from..to]
}

#[tokio::test]
async fn an_incomplete_row_cannot_be_submitted_and_the_page_says_what_is_missing() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let id = new_batch(&county).await;
    let eight_columns = [
        ("supplier_name", "紫阳县示例茶厂"),
        ("product_name", "紫阳绿茶"),
        ("annual_output", "5万斤"),
        ("poor_people_supported", "80"),
        ("contact_name", "李示例"),
        ("contact_phone", "13800000002"),
    ];
    assert_eq!(
        county
            .post(&format!("/nominations/{id}/rows"), &eight_columns)
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, page) = county.get_text(&format!("/nominations/{id}")).await;
    assert!(page.contains("待补：统一社会信用代码"));
    let submit = county.post(&format!("/nominations/{id}/submit"), &[]).await;
    assert_eq!(submit.status().as_u16(), 409);
    assert!(submit.text().await.unwrap().contains("还缺少"));
}

#[tokio::test]
async fn bad_fields_are_named_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let id = new_batch(&county).await;
    let mut row = complete_row("1", "紫阳富硒茶", "91350100M000100Y44");
    row.retain(|(k, _)| !matches!(*k, "poor_people_supported" | "unit_price" | "contact_phone"));
    row.extend([
        ("poor_people_supported", "很多"),
        ("unit_price", "一百"),
        ("contact_phone", "12345"),
    ]);
    let response = county.post(&format!("/nominations/{id}/rows"), &row).await;
    assert_eq!(response.status().as_u16(), 400);
    let body = response.text().await.unwrap();
    for field in ["统一社会信用代码", "带贫人数：", "单价：", "联系方式："] {
        assert!(body.contains(field), "the message names {field}");
    }
    assert!(body.contains("还没有数据行"), "nothing was saved");
}

#[tokio::test]
async fn user_text_is_shown_escaped() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let id = new_batch(&county).await;
    let mut row = complete_row("1", "<script>alert(1)</script>", valid(CREDIT_A));
    row.retain(|(k, _)| *k != "specification");
    row.push(("specification", "\"><img src=x onerror=alert(1)>"));
    assert_eq!(
        county
            .post(&format!("/nominations/{id}/rows"), &row)
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, page) = county.get_text(&format!("/nominations/{id}")).await;
    assert!(!page.contains("<script>alert(1)"));
    assert!(!page.contains("<img src=x"));
    assert!(
        page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
        "the text is shown, escaped"
    );
}

#[tokio::test]
async fn the_city_returns_a_batch_with_a_reason_and_the_county_submits_again() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let city = app.signed_in("city-610900").await;
    let id = submitted_batch(&county).await;
    let batch = format!("/nominations/{id}");
    assert_eq!(
        city.post(&format!("{batch}/return"), &[("reason", "")])
            .await
            .status()
            .as_u16(),
        409
    );
    assert_eq!(
        city.post(&format!("{batch}/return"), &[("reason", "请补充检测报告")])
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, page) = county.get_text(&batch).await;
    assert!(page.contains("市总工会退回修改") && page.contains("请补充检测报告"));
    assert_eq!(
        county.post(&format!("{batch}/submit"), &[]).await.status().as_u16(),
        303
    );
}

/// The story end to end: the clerk uploads the sheet LibreOffice saved, completes the
/// batch online, the city forwards, the office approves two rows and rejects one, and a verified
/// incident delists one product; the history is visible to the county and the city, not others.
#[tokio::test]
async fn an_uploaded_sheet_goes_through_review_into_the_catalogue_and_out_again() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-611026").await; // 柞水县, in 商洛市
    let city = app.signed_in("city-611000").await;
    let office = app.signed_in("office").await;

    let sheet = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/nominations_one_county_libreoffice.xlsx"
    ))
    .unwrap();
    let uploaded = county.upload("/county/upload", "柞水县推荐名录.xlsx", sheet).await;
    assert_eq!(uploaded.status().as_u16(), 303);
    let batch = location(&uploaded);
    let mut third = complete_row("3", "柞水核桃（示例）", valid("93611026MA0000003X"));
    third.retain(|(k, _)| *k != "category");
    third.push(("category", "干果坚果"));
    assert_eq!(
        county.post(&format!("{batch}/rows"), &third).await.status().as_u16(),
        303
    );
    assert_eq!(
        county.post(&format!("{batch}/submit"), &[]).await.status().as_u16(),
        303
    );
    assert_eq!(city.post(&format!("{batch}/forward"), &[]).await.status().as_u16(), 303);

    let (_, queue) = office.get_text("/office/review?county=611026").await;
    let ids = row_ids(&queue);
    assert_eq!(ids.len(), 3, "two uploaded rows and one typed online");
    let approve = [
        ("decision", "approve"),
        ("row_ids", ids[0].as_str()),
        ("row_ids", ids[1].as_str()),
    ];
    assert_eq!(office.post("/office/review", &approve).await.status().as_u16(), 303);
    let reject = [
        ("decision", "reject"),
        ("row_ids", ids[2].as_str()),
        ("reason", "不在全国扶贫产品目录中"),
    ];
    assert_eq!(office.post("/office/review", &reject).await.status().as_u16(), 303);

    // Listed: found by search at once.
    let found: serde_json::Value = app
        .get("/api/v1/products?county=611026&q=%E6%9C%A8%E8%80%B3")
        .await
        .json()
        .await
        .unwrap();
    let code = found["items"][0]["catalogue_code"]
        .as_str()
        .expect("the approved product is searchable")
        .to_owned();
    assert!(code.starts_with("611026-"));

    let incident = [
        ("occurred_on", "2026-11-21"),
        ("source", "职工投诉"),
        ("description", "霉变"),
        ("suspend", "1"),
    ];
    assert_eq!(
        office
            .post(&format!("/office/products/{code}/incidents"), &incident)
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, page) = office.get_text(&format!("/office/products/{code}")).await;
    let incident_id = between(&page, "/office/incidents/", "/settle");
    let settle = [("to", "verified_serious"), ("reason", "经查实")];
    assert_eq!(
        office
            .post(&format!("/office/incidents/{incident_id}/settle"), &settle)
            .await
            .status()
            .as_u16(),
        303
    );

    let (_, scan) = app.get_text(&format!("/t/{code}")).await;
    assert!(
        scan.contains("已被清出目录"),
        "the scan page says so at the next request"
    );
    let found: serde_json::Value = app
        .get("/api/v1/products?county=611026&per_page=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["catalogue_code"] == code.as_str()),
        "gone from search"
    );

    for viewer in [&county, &city] {
        let (status, page) = viewer.get_text(&batch).await;
        assert_eq!(status, 200);
        assert_eq!(page.matches("已通过").count(), 2);
        assert!(page.contains("不在全国扶贫产品目录中") && page.contains("柞水县推荐名录.xlsx"));
    }
    let other_county = app.signed_in("county-610924").await;
    assert_eq!(other_county.get(&batch).await.status().as_u16(), 403);
    assert_eq!(
        app.signed_in("city-610900").await.get(&batch).await.status().as_u16(),
        403
    );
}
