//! Festival bundles and union plans, end to end over HTTP: the office composes and publishes a
//! bundle; a city union imports grassroots unions from a sheet; one of them adapts the bundle for
//! its 137 members under the Anhui policy, is refused over the cap with the figures, confirms
//! within it and downloads the purchase list; the office delists a product of the bundle and the
//! bundle, the plan and the public page are flagged at the next request; another union can neither
//! see nor change the plan.

use calamine::{Data, Reader};
use diesel::prelude::*;
use fupin_catalog::db::schema::{policies, products};
use rust_xlsxwriter::Workbook;

use crate::helpers::{Browser, TestApp, location, spawn_app};

/// A listed product the Anhui policy admits (a former poverty county or village of Shaanxi),
/// cheap enough that two of them fit under 300 yuan a person.
struct Pick {
    code: String,
    name: String,
    price_fen: i64,
    category: String,
}

fn anhui_products(app: &TestApp) -> Vec<Pick> {
    let rows: Vec<(String, String, i64, String)> = products::table
        .filter(products::listing_status.eq("listed"))
        .filter(products::poverty_region_kind.eq_any(["poverty_county", "poverty_village"]))
        .filter(products::unit_price_fen.between(1_000, 10_000))
        .order(products::id)
        .select((
            products::catalogue_code,
            products::name,
            products::unit_price_fen,
            products::category,
        ))
        .load(&mut app.db())
        .unwrap();
    rows.into_iter()
        .map(|(code, name, price_fen, category)| Pick {
            code,
            name,
            price_fen,
            category,
        })
        .collect()
}

fn policy_id(app: &TestApp, name_starts: &str) -> i32 {
    policies::table
        .filter(policies::name.like(format!("{name_starts}%")))
        .select(policies::id)
        .first(&mut app.db())
        .unwrap()
}

fn id_after(location: &str, prefix: &str) -> i32 {
    let rest = location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location} does not start with {prefix}"));
    rest.split(['?', '#', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no id in {location}"))
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The union sheet a city clerk would fill in: two unions in 紫阳县 (Ankang).
fn union_sheet() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        [
            "基层工会名称",
            "所在县区",
            "职工数",
            "联系人",
            "联系电话",
            "年度个人发放节日慰问品标准（元）",
        ],
        ["紫阳测试茶厂工会", "紫阳县", "137", "赵测试", "13800001370", "500"],
        ["紫阳测试中学工会", "610924", "64", "钱测试", "13800000640", "400"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Reads the account table the union page shows once after an import: (union, username, password).
fn created_accounts(html: &str) -> Vec<(String, String, String)> {
    let start = html.find("已创建").expect("the page lists the created accounts");
    let table = &html[start..html[start..].find("</table>").map_or(html.len(), |e| start + e)];
    table
        .split("<tr>")
        .skip(1)
        .filter_map(|row| {
            let cells: Vec<String> = row
                .split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').unwrap() + 1..];
                    c[..c.find("</td>").unwrap()].trim().to_owned()
                })
                .collect();
            (cells.len() == 3).then(|| (cells[0].clone(), cells[1].clone(), cells[2].clone()))
        })
        .collect()
}

/// Signs in with a temporary password and sets a new one, as a new union's clerk does.
async fn first_sign_in(app: &TestApp, username: &str, temporary: &str) -> Browser {
    let b = app.browser();
    let response = b.login(username, temporary).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        location(&response),
        "/account/password",
        "a temporary password must be changed"
    );
    let response = b
        .post(
            "/account/password",
            &[
                ("current", temporary),
                ("new", "zi-yang-tea-2026"),
                ("repeat", "zi-yang-tea-2026"),
            ],
        )
        .await;
    let status = response.status().as_u16();
    let page = response.text().await.unwrap();
    assert_eq!(status, 200);
    assert!(
        page.contains("密码已修改"),
        "{}",
        &page[page.find("<main").unwrap_or(0)..]
    );
    b
}

async fn purchase_list(b: &Browser, plan: i32) -> Vec<Vec<Data>> {
    let response = b.get(&format!("/union/plans/{plan}/purchase-list.xlsx")).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name)
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn a_bundle_travels_from_the_office_to_a_unions_purchase_list_and_a_delisting_flags_it_everywhere() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let picks = anhui_products(&app);
    assert!(picks.len() >= 2, "the demo has products the Anhui policy admits");
    let (a, b) = (&picks[0], &picks[1]);

    // The office composes a bundle of two products, one of each per person, and publishes it.
    let office = app.signed_in("office").await;
    let response = office
        .post(
            "/office/bundles",
            &[
                ("name", "测试中秋礼包"),
                ("festival", "mid_autumn"),
                ("year", "2026"),
                ("description", "两样秦巴山区好物"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303, "bundle created");
    let bundle = id_after(&location(&response), "/office/bundles/");
    for p in [a, b] {
        let response = office
            .post(
                &format!("/office/bundles/{bundle}/lines"),
                &[("code", p.code.as_str()), ("quantity", "1")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 303, "line {} added", p.code);
    }
    let (status, _) = app.get_text(&format!("/bundles/{bundle}")).await;
    assert_eq!(status, 404, "a draft is not public");
    let response = office.post(&format!("/office/bundles/{bundle}/publish"), &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    let per_person = a.price_fen + b.price_fen;
    let (status, public) = app.get_text(&format!("/bundles/{bundle}")).await;
    assert_eq!(status, 200);
    assert!(public.contains("测试中秋礼包") && public.contains(&yuan(per_person)));
    for p in [a, b] {
        assert!(
            public.contains(&format!("/products/{}", p.code)),
            "line links its product"
        );
        assert!(
            public.contains(&format!("/t/{}", p.code)),
            "line links its traceability record"
        );
    }

    // The Ankang city union imports its grassroots unions from a sheet.
    let city = app.signed_in("city-610900").await;
    let response = city.upload("/unions/upload", "基层工会名单.xlsx", union_sheet()).await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap();
    let accounts = created_accounts(&page);
    assert_eq!(accounts.len(), 2, "both unions and accounts created: {accounts:?}");
    let (_, username, temporary) = accounts
        .iter()
        .find(|(name, _, _)| name == "紫阳测试茶厂工会")
        .expect("the tea factory's union")
        .clone();
    let (_, list) = city.get_text("/unions").await;
    assert!(list.contains("紫阳测试茶厂工会") && list.contains("137"));

    // Its clerk adapts the bundle for 137 members under the Anhui voucher policy (300 yuan a person).
    let union = first_sign_in(&app, &username, &temporary).await;
    let anhui = policy_id(&app, "安徽").to_string();
    let response = union
        .post(
            "/union/plans",
            &[
                ("policy_id", anhui.as_str()),
                ("bundle_id", &bundle.to_string()),
                ("festival", "mid_autumn"),
                ("year", "2026"),
                ("headcount", ""),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303, "plan started from the bundle");
    let plan = id_after(&location(&response), "/union/plans/");
    let (status, page) = union.get_text(&format!("/union/plans/{plan}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("测试中秋礼包"), "the plan keeps its bundle");
    assert!(page.contains("137"), "headcount defaults to the members");
    assert!(page.contains(&yuan(per_person * 137)), "total cost shown");

    // More of the first product than the cap allows: refused with cap, used and this plan in yuan.
    let line: i32 = {
        use fupin_catalog::db::schema::plan_lines;
        plan_lines::table
            .filter(plan_lines::plan_id.eq(plan))
            .inner_join(products::table)
            .filter(products::catalogue_code.eq(&a.code))
            .select(plan_lines::id)
            .first(&mut app.db())
            .unwrap()
    };
    let too_many = 30_000 / a.price_fen + 1;
    let response = union
        .post(
            &format!("/union/plans/{plan}/lines/{line}"),
            &[("quantity", &too_many.to_string())],
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        303,
        "a draft may go over; confirming may not"
    );
    let over = a.price_fen * too_many + b.price_fen;
    let response = union.post(&format!("/union/plans/{plan}/confirm"), &[]).await;
    assert_eq!(response.status().as_u16(), 409);
    let message = response.text().await.unwrap();
    for figure in ["300.00", "0.00", &yuan(over), &yuan(over - 30_000)] {
        assert!(message.contains(figure), "the refusal gives {figure}: {message}");
    }

    // Back within the cap, it confirms, and the purchase list reads back with the figures.
    let response = union
        .post(&format!("/union/plans/{plan}/lines/{line}"), &[("quantity", "1")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let response = union.post(&format!("/union/plans/{plan}/confirm"), &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, page) = union.get_text("/union").await;
    assert!(
        page.contains(&yuan(per_person * 137)),
        "the allowance shows the committed amount"
    );
    assert!(
        page.contains(&yuan(30_000 * 137 - per_person * 137)),
        "and what is left"
    );
    let rows = purchase_list(&union, plan).await;
    let text: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(cell_text).collect()).collect();
    for p in [a, b] {
        let row = text
            .iter()
            .find(|r| r.iter().any(|c| c == &p.code))
            .unwrap_or_else(|| panic!("{} on the purchase list: {text:?}", p.code));
        assert!(row.iter().any(|c| c == &p.name));
        assert!(row.iter().any(|c| c == "137"), "quantity × headcount: {row:?}");
        let line_total = (p.price_fen * 137) as f64 / 100.0;
        assert!(
            row.iter().any(|c| c.parse::<f64>().ok() == Some(line_total)),
            "line total {line_total} in {row:?}"
        );
    }
    let overall = (per_person * 137) as f64 / 100.0;
    assert!(
        text.iter()
            .any(|r| r.iter().any(|c| c.contains("合计")) && r.iter().any(|c| c.parse::<f64>().ok() == Some(overall))),
        "overall total {overall}"
    );

    // Another grassroots union can neither see nor change the plan.
    let other = app.signed_in("grassroots-02").await;
    for path in [
        format!("/union/plans/{plan}"),
        format!("/union/plans/{plan}/purchase-list"),
        format!("/union/plans/{plan}/purchase-list.xlsx"),
    ] {
        assert_eq!(other.get(&path).await.status().as_u16(), 404, "{path}");
    }
    let response = other
        .post(&format!("/union/plans/{plan}/cancel"), &[("reason", "不是我的")])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    let (_, page) = union.get_text(&format!("/union/plans/{plan}")).await;
    assert!(!page.contains("不是我的"), "nothing changed");

    // The office delists the first product: everything holding it is flagged at the next request.
    let reason = "抽检不合格：农残超标（测试）";
    let response = office
        .post(
            &format!("/office/products/{}/status", a.code),
            &[("to", "delisted"), ("reason", reason)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let (_, public) = app.get_text(&format!("/bundles/{bundle}")).await;
    assert!(public.contains(reason), "the public page gives the reason");
    let (_, mine) = union.get_text(&format!("/union/plans/{plan}")).await;
    assert!(mine.contains(reason), "the plan is flagged with the reason");
    let (_, office_list) = office.get_text("/office/bundles").await;
    assert!(office_list.contains("需要处理"), "the office is told what to fix");
    assert!(office_list.contains("测试中秋礼包"));
    let (_, office_page) = office.get_text(&format!("/office/bundles/{bundle}")).await;
    assert!(office_page.contains(reason));
    let same_category: i64 = products::table
        .filter(products::listing_status.eq("listed"))
        .filter(products::category.eq(&a.category))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert!(same_category > 0, "the demo has another product of the category");
    for page in [&public, &mine] {
        assert!(page.contains("可替代"), "substitutes offered");
    }
}

#[tokio::test]
async fn a_union_sheet_with_bad_rows_creates_nothing_and_says_where() {
    let app = spawn_app().await;
    app.seed_demo(20).await;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ["基层工会名称", "所在县区", "职工数", "联系人", "联系电话"],
        ["好的工会", "紫阳县", "50", "甲", "13800000001"],
        ["坏的工会", "紫阳县", "很多", "乙", "13800000002"],
        ["别市的工会", "610113", "20", "丙", "13800000003"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    let city = app.signed_in("city-610900").await;
    let response = city
        .upload("/unions/upload", "名单.xlsx", book.save_to_buffer().unwrap())
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("第 3 行") && page.contains("很多"), "{page}");
    assert!(
        page.contains("第 4 行"),
        "a county of another city is refused: {}",
        &page[page.find("<main").unwrap_or(0)..]
    );
    let (_, list) = city.get_text("/unions").await;
    assert!(!list.contains("好的工会"), "nothing half-written");
}
