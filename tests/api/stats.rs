//! Purchase statistics: what grassroots unions record shows in their reporting union's dashboard
//! and the province's, a county union sees its products' purchases only, the kept aggregates equal
//! a recount, and the charts' bars match their tables.

use diesel::prelude::*;
use fupin_catalog::db::schema::{organisations, policies, products, purchase_lines, purchases, users};
use fupin_catalog::db::stats;
use fupin_catalog::web::stats::wan_yuan;

use crate::helpers::{TestApp, spawn_app};
use crate::purchasing::record_purchase;

const YEAR: &str = "2026";

fn org_of(app: &TestApp, username: &str) -> i32 {
    users::table
        .filter(users::username.eq(username))
        .select(users::organisation_id)
        .first(&mut app.db())
        .unwrap()
}

/// What the unions under a reporting union bought in the year, counted from the records.
fn bought_under(app: &TestApp, reporter: i32) -> i64 {
    let under: Vec<i32> = organisations::table
        .filter(organisations::parent_id.eq(reporter))
        .select(organisations::id)
        .load(&mut app.db())
        .unwrap();
    let (from, to) = year_filter();
    purchases::table
        .filter(purchases::organisation_id.eq_any(under))
        .filter(purchases::purchased_on.between(from, to))
        .select(purchases::amount_fen)
        .load::<i64>(&mut app.db())
        .unwrap()
        .into_iter()
        .sum()
}

fn year_filter() -> (chrono::NaiveDate, chrono::NaiveDate) {
    (
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    )
}

fn bought_in_province(app: &TestApp) -> i64 {
    let (from, to) = year_filter();
    purchases::table
        .filter(purchases::purchased_on.between(from, to))
        .select(purchases::amount_fen)
        .load::<i64>(&mut app.db())
        .unwrap()
        .into_iter()
        .sum()
}

/// What was bought in the year of one county's products, line by line.
fn bought_of_county(app: &TestApp, county: &str) -> i64 {
    let (from, to) = year_filter();
    purchase_lines::table
        .inner_join(purchases::table)
        .inner_join(products::table.on(products::id.nullable().eq(purchase_lines::product_id)))
        .filter(products::county_code.eq(county))
        .filter(purchases::purchased_on.between(from, to))
        .select(purchase_lines::amount_fen)
        .load::<i64>(&mut app.db())
        .unwrap()
        .into_iter()
        .sum()
}

/// The “已完成采购” figure of a dashboard page.
fn actual_on(page: &str) -> String {
    page.split("已完成采购</span><span class=\"stat-value\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the page shows what was bought")
        .to_owned()
}

#[tokio::test]
async fn purchases_show_in_the_reporting_unions_dashboard_and_the_provinces_and_a_county_sees_its_products_only() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let mut conn = app.db();
    assert_eq!(
        stats::stored(&mut conn).unwrap(),
        stats::recount(&mut conn).unwrap(),
        "the demo's purchases are counted"
    );

    // grassroots-01 (under 西安市) buys a listed product and something outside the catalogue.
    let policy: i32 = policies::table
        .filter(policies::name.like("广东%"))
        .select(policies::id)
        .first(&mut conn)
        .unwrap();
    let (code, county): (String, String) = products::table
        .filter(products::listing_status.eq("listed"))
        .select((products::catalogue_code, products::county_code))
        .first(&mut conn)
        .unwrap();
    let other_county = if county == "610981" { "610924" } else { "610981" };
    let county_name = fupin_catalog::domain::region::county(&county).unwrap().name;
    let union = app.signed_in("grassroots-01").await;
    let policy = policy.to_string();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let form = [
        ("purchased_on", "2026-11-20"),
        ("channel", "platform_832"),
        ("policy_id", policy.as_str()),
        ("seller_name", "832 平台示例店"),
        ("people", "300"),
        ("code_0", code.as_str()),
        ("qty_0", "300"),
        ("amount_0", "24000"),
        ("name_1", "目录外的小米"),
        ("qty_1", "100"),
        ("amount_1", "3000"),
    ];
    let recorded = record_purchase(&union, &form, Some(pdf)).await;
    assert_eq!(recorded.status().as_u16(), 303, "{}", recorded.text().await.unwrap());

    // Kept in the same transaction: the aggregates still equal a recount.
    let stored = stats::stored(&mut conn).unwrap();
    assert_eq!(stored, stats::recount(&mut conn).unwrap());
    assert_eq!(stats::rebuild(&mut conn).unwrap(), stored);

    // 西安市's dashboard counts its unions' purchases; the province counts everyone's.
    let xian = org_of(&app, "city-610100");
    let city = app.signed_in("city-610100").await;
    let (status, page) = city.get_text(&format!("/stats?year={YEAR}")).await;
    assert_eq!(status, 200);
    assert_eq!(actual_on(&page), wan_yuan(bought_under(&app, xian)));
    assert!(bought_under(&app, xian) >= 2_700_000, "the new purchase is in it");
    assert!(page.contains("832 平台"));
    let office = app.signed_in("office").await;
    let (_, province) = office.get_text(&format!("/stats?year={YEAR}")).await;
    assert_eq!(actual_on(&province), wan_yuan(bought_in_province(&app)));
    assert!(province.contains("8.00 亿元"), "the target");
    assert!(province.contains("西安市总工会"));

    // 汉中市 does not see 西安市's purchases.
    let hanzhong = org_of(&app, "city-610700");
    let (_, other_city) = app
        .signed_in("city-610700")
        .await
        .get_text(&format!("/stats?year={YEAR}"))
        .await;
    assert_eq!(actual_on(&other_city), wan_yuan(bought_under(&app, hanzhong)));
    assert!(!other_city.contains("西安市总工会"));

    // The product's county sees what was bought of its products, and by whom; another county
    // does not see them.
    let (_, own) = app
        .signed_in(&format!("county-{county}"))
        .await
        .get_text(&format!("/stats?year={YEAR}"))
        .await;
    assert_eq!(actual_on(&own), wan_yuan(bought_of_county(&app, &county)));
    assert!(own.contains("西安市总工会"), "the buyer");
    let (_, other) = app
        .signed_in(&format!("county-{other_county}"))
        .await
        .get_text(&format!("/stats?year={YEAR}"))
        .await;
    assert_eq!(actual_on(&other), wan_yuan(bought_of_county(&app, other_county)));
    assert!(!other.contains(&format!("<td>{county_name}")), "{other}");

    // The exports: the Pingdingshan purchase form line by line, and the Guangdong channel form
    // among the tables behind the charts.
    let form = sheet_rows(
        &city
            .get(&format!("/stats/purchases.xlsx?year={YEAR}"))
            .await
            .bytes()
            .await
            .unwrap(),
        0,
    );
    assert_eq!(
        form[1],
        ["序号", "单位名称", "产品名称", "产品来源", "采购方式", "金额（元）"]
    );
    let ours: Vec<&Vec<String>> = form
        .iter()
        .filter(|r| r.get(2).is_some_and(|p| p == "目录外的小米"))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0][1], "西安示例机床厂工会");
    assert_eq!(
        (ours[0][3].as_str(), ours[0][4].as_str(), ours[0][5].as_str()),
        ("目录外", "832 平台", "3000")
    );
    let tables = sheet_rows(
        &office
            .get(&format!("/stats/tables.xlsx?year={YEAR}"))
            .await
            .bytes()
            .await
            .unwrap(),
        0,
    );
    assert_eq!(tables[1], ["采购平台", "人次（万）", "消费总金额（万元）"]);
    assert_eq!(tables[2][0], "832 平台");

    // The public sees the province's total against the target on the home page.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("全省工会消费扶贫进展"));
    assert!(home.contains(&format!(
        "已完成 <strong>{}</strong> 亿元",
        fupin_catalog::web::stats::yi_yuan(bought_in_province(&app))
    )));

    // Grassroots unions and sellers have no statistics page.
    assert_eq!(union.get("/stats").await.status().as_u16(), 403);
}

/// The bar chart beside the table of cities: one bar per row, each as long as its amount.
#[tokio::test]
async fn the_city_chart_has_a_bar_per_table_row_as_long_as_its_amount() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let office = app.signed_in("office").await;
    let (_, page) = office.get_text(&format!("/stats?year={YEAR}")).await;
    let section = page
        .split("id=\"by-city\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("the city section");
    let svg_start = section.find("<svg").expect("a chart");
    let svg_end = section.find("</svg>").expect("a whole chart") + "</svg>".len();
    let svg = &section[svg_start..svg_end];
    let doc = roxmltree::Document::parse(svg).expect("the chart is well-formed SVG");
    let mut bars: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill").is_some_and(|f| f.eq_ignore_ascii_case("#C8161D")))
        .map(|n| {
            let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
            (num("y"), num("width"))
        })
        .collect();
    bars.sort_by(|a, b| a.0.total_cmp(&b.0));
    let table: Vec<f64> = section
        .split("<td class=\"num\">")
        .skip(1)
        .step_by(2)
        .map(|s| s.split('<').next().unwrap().parse::<f64>().unwrap())
        .collect();
    assert!(!table.is_empty(), "the demo has purchases in several cities");
    assert_eq!(bars.len(), table.len().min(15));
    let scale = bars[0].1 / table[0];
    for ((_, width), amount) in bars.iter().zip(&table) {
        assert!(
            (width - amount * scale).abs() <= 1.5,
            "bar {width} for {amount} at {scale}/万元"
        );
    }
}

/// A sheet's cells as text, row by row.
fn sheet_rows(bytes: &[u8], index: usize) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(index).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}
