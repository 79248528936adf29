//! The annual report (附件1 全省工会消费扶贫情况统计表): a city union uploads the sheet it keeps,
//! fixes what the checks question, submits; the office accepts or returns it; a correction is a
//! new version and the old one stays.

use chrono::Datelike;
use diesel::prelude::*;
use fupin_catalog::db::schema::reports;
use fupin_catalog::domain::report::ReportRow;
use rust_xlsxwriter::Workbook;

use crate::helpers::{Browser, location, spawn_app};

fn this_year() -> i32 {
    fupin_catalog::web::scans::china_today().year()
}

/// The sheet as a city union keeps it: the seed's own headings, line breaks and all, the unit
/// above, the totals row and the signatures below. 紫阳县's total is a third above its standard
/// × members, which the checks question.
fn city_sheet() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "附件1").unwrap();
    sheet
        .write_string(1, 0, format!("{} 年度全省工会消费扶贫情况统计表", this_year()))
        .unwrap();
    sheet.write_string(2, 0, "填报单位（盖章）：安康市总工会").unwrap();
    let headings = [
        "序号",
        "工会名称",
        "基层工会\n数量",
        "职工数\n（万）",
        "年度个人发放\n节日慰问品标\n准（元）",
        "年度工会发放\n慰问品总额\n（万元）",
        "计划消费扶贫\n金额（万元）",
        "备注",
    ];
    for (col, h) in headings.iter().enumerate() {
        sheet.write_string(3, col as u16, *h).unwrap();
    }
    let rows: [(&str, f64, f64, f64, f64, f64); 2] = [
        ("汉滨区总工会", 120.0, 1.5, 1200.0, 1800.0, 600.0),
        ("紫阳县总工会", 40.0, 0.3, 1000.0, 400.0, 130.0),
    ];
    for (i, (name, unions, members, standard, total, planned)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        for (col, v) in [(2, unions), (3, members), (4, standard), (5, total), (6, planned)] {
            sheet.write_number(r, col, *v).unwrap();
        }
    }
    sheet.write_string(6, 0, "合计").unwrap();
    sheet.write_number(6, 2, 160.0).unwrap();
    sheet.write_string(8, 0, "填报人：周示例").unwrap();
    sheet.write_string(8, 4, "联系电话：0915-3210000").unwrap();
    book.save_to_buffer().unwrap()
}

/// The draft's table as the page's form sends it.
fn table_form(rows: &[[&'static str; 7]]) -> Vec<(&'static str, &'static str)> {
    let mut form = vec![
        ("filled_unit", "安康市总工会"),
        ("filled_by", "周示例"),
        ("contact_phone", "0915-3210000"),
    ];
    for r in rows {
        for (name, value) in ["name", "unions", "members", "standard", "total", "planned", "note"]
            .into_iter()
            .zip(r)
        {
            form.push((name, *value));
        }
    }
    form
}

fn org_of(app: &crate::helpers::TestApp, username: &str) -> i32 {
    use fupin_catalog::db::schema::users;
    users::table
        .filter(users::username.eq(username))
        .select(users::organisation_id)
        .first(&mut app.db())
        .unwrap()
}

fn latest_report(app: &crate::helpers::TestApp) -> (i32, i32, String) {
    reports::table
        .order(reports::id.desc())
        .select((reports::id, reports::version, reports::status))
        .first(&mut app.db())
        .unwrap()
}

async fn upload_city_sheet(city: &Browser) {
    let year = this_year();
    let response = city
        .upload(&format!("/reports/{year}/upload"), "附件1 统计表.xlsx", city_sheet())
        .await;
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn a_city_uploads_its_sheet_fixes_a_warned_row_submits_and_the_office_accepts() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let year = this_year();
    let city = app.signed_in("city-610900").await;
    upload_city_sheet(&city).await;

    // Read with the units of its headings; the questionable row is marked, with the figures.
    let (_, page) = city.get_text("/reports").await;
    assert!(page.contains("汉滨区总工会") && page.contains("紫阳县总工会"), "{page}");
    assert!(
        page.contains("周示例") && page.contains("0915-3210000"),
        "signatures read"
    );
    assert!(page.contains("finding-warning"), "the 紫阳 row is questioned");
    assert!(
        page.contains("400 万元与人均标准 × 职工数 = 300 万元相差 33%"),
        "{page}"
    );
    let (id, version, status) = latest_report(&app);
    assert_eq!((version, status.as_str()), (1, "draft"));

    // An unreadable cell refuses the whole form, naming its row and column; nothing changes.
    let bad = city
        .post(
            &format!("/reports/{year}/save"),
            &table_form(&[
                ["汉滨区总工会", "120", "1.5", "1200", "1800", "600", ""],
                ["紫阳县总工会", "四十", "0.3", "1000", "300", "130", ""],
            ]),
        )
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let body = bad.text().await.unwrap();
    assert!(body.contains("第 2 行“基层工会数量”"), "{body}");
    assert!(body.contains("value=\"四十\""), "the form comes back as typed");
    assert!(city.get_text("/reports").await.1.contains("相差 33%"), "nothing saved");

    // Fixed: 紫阳's total is its standard × members.
    let fixed = table_form(&[
        ["汉滨区总工会", "120", "1.5", "1200", "1800", "600", ""],
        ["紫阳县总工会", "40", "0.3", "1000", "300", "130", "含新入会职工"],
    ]);
    let saved = city.post(&format!("/reports/{year}/save"), &fixed).await;
    assert_eq!(saved.status().as_u16(), 303);
    let (_, page) = city.get_text("/reports").await;
    assert!(page.contains("检查通过"), "{page}");

    // Submitted, it is frozen.
    assert_eq!(
        city.post(&format!("/reports/{id}/submit"), &[]).await.status().as_u16(),
        303
    );
    assert_eq!(latest_report(&app).2, "submitted");
    let late = city.post(&format!("/reports/{year}/save"), &fixed).await;
    assert_eq!(late.status().as_u16(), 409);

    // The office sees it waiting, and accepts it.
    let office = app.signed_in("office").await;
    let (_, list) = office.get_text(&format!("/office/reports?year={year}")).await;
    assert!(
        list.contains("安康市总工会") && list.contains("第 1 版已上报"),
        "{list}"
    );
    let accepted = office.post(&format!("/reports/{id}/accept"), &[]).await;
    assert_eq!(location(&accepted), format!("/reports/{id}"));
    assert_eq!(latest_report(&app).2, "accepted");
    let (_, report_page) = office.get_text(&format!("/reports/{id}")).await;
    assert!(
        report_page.contains("已采用") && report_page.contains("上报省总工会"),
        "history"
    );

    // The exported Attachment 1 reads back as what was entered.
    let response = city.get(&format!("/reports/{id}/attachment1.xlsx")).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    let parsed = fupin_catalog::sheet::parse_report_sheet(&bytes, "附件1.xlsx").unwrap();
    let rows: Vec<ReportRow> = parsed.rows.into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        rows,
        vec![
            ReportRow {
                union_name: "汉滨区总工会".into(),
                grassroots_unions: 120,
                members: 15_000,
                festival_standard_yuan: 1_200,
                festival_total_yuan: 18_000_000,
                planned_poverty_yuan: 6_000_000,
                note: String::new(),
            },
            ReportRow {
                union_name: "紫阳县总工会".into(),
                grassroots_unions: 40,
                members: 3_000,
                festival_standard_yuan: 1_000,
                festival_total_yuan: 3_000_000,
                planned_poverty_yuan: 1_300_000,
                note: "含新入会职工".into(),
            },
        ]
    );
    assert_eq!(parsed.filled_unit.as_deref(), Some("安康市总工会"));
    assert_eq!(parsed.filled_by.as_deref(), Some("周示例"));
    assert_eq!(parsed.contact_phone.as_deref(), Some("0915-3210000"));

    // The province's sheet has its rows, among the demo's reports, in the same order.
    let province = office.get(&format!("/office/reports/{year}/attachment1.xlsx")).await;
    let parsed = fupin_catalog::sheet::parse_report_sheet(&province.bytes().await.unwrap(), "全省.xlsx").unwrap();
    let province_rows: Vec<ReportRow> = parsed.rows.into_iter().map(|(_, r)| r).collect();
    assert!(
        province_rows.windows(2).any(|w| w == rows.as_slice()),
        "安康市's rows are in the province's sheet"
    );
}

#[tokio::test]
async fn a_returned_report_is_corrected_in_a_new_version_and_the_old_one_stays() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let year = this_year();
    let city = app.signed_in("city-610900").await;
    upload_city_sheet(&city).await;
    let (v1, _, _) = latest_report(&app);

    // An error (a total ten times off) blocks submission, with a message.
    let wrong_unit = table_form(&[["汉滨区总工会", "120", "1.5", "1200", "18000000", "600", ""]]);
    assert_eq!(
        city.post(&format!("/reports/{year}/save"), &wrong_unit)
            .await
            .status()
            .as_u16(),
        303
    );
    let refused = city.post(&format!("/reports/{v1}/submit"), &[]).await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(refused.text().await.unwrap().contains("错误"));
    assert_eq!(latest_report(&app).2, "draft");

    let right = table_form(&[["汉滨区总工会", "120", "1.5", "1200", "1800", "600", ""]]);
    assert_eq!(
        city.post(&format!("/reports/{year}/save"), &right)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        city.post(&format!("/reports/{v1}/submit"), &[]).await.status().as_u16(),
        303
    );

    // Returned without a reason: refused. With one: returned, and the city sees why.
    let office = app.signed_in("office").await;
    let no_reason = office.post(&format!("/reports/{v1}/return"), &[("reason", " ")]).await;
    assert_eq!(no_reason.status().as_u16(), 400);
    let reason = "请补报紫阳县总工会的数据";
    assert_eq!(
        office
            .post(&format!("/reports/{v1}/return"), &[("reason", reason)])
            .await
            .status()
            .as_u16(),
        303
    );
    assert!(city.get_text("/reports").await.1.contains(reason));
    // A second decision on the same version finds it already decided.
    assert_eq!(
        office
            .post(&format!("/reports/{v1}/accept"), &[])
            .await
            .status()
            .as_u16(),
        409
    );

    // The correction is version 2, started from version 1's rows; version 1 stays as it was.
    assert_eq!(
        city.post(&format!("/reports/{v1}/revise"), &[]).await.status().as_u16(),
        303
    );
    let (v2, version, status) = latest_report(&app);
    assert_eq!((version, status.as_str()), (2, "draft"));
    let (_, page) = city.get_text("/reports").await;
    assert!(page.contains("value=\"汉滨区总工会\""), "the rows carried over");
    let (_, old) = city.get_text(&format!("/reports/{v1}")).await;
    assert!(old.contains("已退回") && old.contains(reason));
    assert_eq!(
        city.post(&format!("/reports/{v1}/revise"), &[]).await.status().as_u16(),
        409
    );

    // Another city cannot see or touch it.
    let other = app.signed_in("city-610100").await;
    assert_eq!(other.get(&format!("/reports/{v2}")).await.status().as_u16(), 404);
    assert_eq!(
        other
            .post(&format!("/reports/{v2}/submit"), &[])
            .await
            .status()
            .as_u16(),
        404
    );
    // A county union is no reporting union.
    let county = app.signed_in("county-610924").await;
    assert_eq!(county.get("/reports").await.status().as_u16(), 403);
}

#[tokio::test]
async fn a_malformed_sheet_is_refused_by_row_and_column_and_nothing_is_written() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let year = this_year();
    let city = app.signed_in("city-610900").await;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in [
        "工会名称",
        "基层工会数量",
        "职工数（万）",
        "年度个人发放节日慰问品标准（元）",
        "年度工会发放慰问品总额（万元）",
        "计划消费扶贫金额（万元）",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "汉滨区总工会").unwrap();
    sheet.write_string(1, 1, "一百二十").unwrap();
    for col in 2..6 {
        sheet.write_number(1, col, 1.0).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let response = city
        .upload(&format!("/reports/{year}/upload"), "附件1.xlsx", bytes)
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("第 2 行") && body.contains("基层工会数量"), "{body}");
    let count: i64 = reports::table
        .filter(reports::organisation_id.eq(org_of(&app, "city-610900")))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(count, 0, "nothing written");

    let empty = city
        .upload(&format!("/reports/{year}/upload"), "附件1.xlsx", Vec::new())
        .await;
    assert_eq!(empty.status().as_u16(), 400);
}

#[tokio::test]
async fn the_office_sets_the_deadline_and_exports_who_has_not_reported() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let year = this_year();
    let office = app.signed_in("office").await;
    let bad = office
        .post(
            &format!("/office/reports/{year}/round"),
            &[("deadline", "2020-02-30"), ("share", "30")],
        )
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let too_much = office
        .post(
            &format!("/office/reports/{year}/round"),
            &[("deadline", &format!("{year}-06-30")), ("share", "130")],
        )
        .await;
    assert_eq!(too_much.status().as_u16(), 400);
    let set = office
        .post(
            &format!("/office/reports/{year}/round"),
            &[("deadline", &format!("{year}-01-01")), ("share", "40")],
        )
        .await;
    assert_eq!(set.status().as_u16(), 303);
    let (_, page) = office.get_text(&format!("/office/reports?year={year}")).await;
    assert!(page.contains(&format!("{year}-01-01")) && page.contains("value=\"40\""));

    // 安康市 has reported; the 单列 union has a draft only; 铜川市 has nothing.
    let city = app.signed_in("city-610900").await;
    upload_city_sheet(&city).await;
    let fixed = table_form(&[["汉滨区总工会", "120", "1.5", "1200", "1800", "720", ""]]);
    assert_eq!(
        city.post(&format!("/reports/{year}/save"), &fixed)
            .await
            .status()
            .as_u16(),
        303
    );
    let (id, _, _) = latest_report(&app);
    assert_eq!(
        city.post(&format!("/reports/{id}/submit"), &[]).await.status().as_u16(),
        303
    );
    let standalone = app.signed_in("standalone-01").await;
    assert_eq!(
        standalone
            .post(&format!("/reports/{year}/start"), &[("from", "system")])
            .await
            .status()
            .as_u16(),
        303
    );

    let response = office.get(&format!("/office/reports/{year}/missing.xlsx")).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap();
    let names = sheet_text(&bytes);
    assert!(!names.contains("安康市总工会"), "the city has reported");
    assert!(names.contains("铜川市总工会"), "a city that has not");
    assert!(names.contains("草稿"), "the 单列 union's draft is not a report");
}

fn sheet_text(bytes: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|")
}
