//! Purchasing end to end over HTTP: the office opens two sellers (a supplier and a distributor);
//! a union is refused over its allowance, then confirms a plan and places an order with each in
//! one step; one seller accepts and ships, splitting a line over two lots (refused for a lot that
//! does not exist, another product's lot and a recalled lot; of two shipments sent together one
//! lands); the other declines; the union receives the shipped order, which becomes a purchase
//! record; the office recalls one of the two lots; the union's dashboard and that lot's scan page
//! show it at the next request, the other lot's page says it is not affected, and the office's
//! list names the union and the quantity. Another union cannot receive the order; a seller cannot
//! see another's.

use diesel::prelude::*;
use fupin_catalog::db::schema::{
    order_lines, orders, organisations, plans, policies, product_batches, products, purchases, seller_products,
    shipment_lots, suppliers,
};

use crate::helpers::{Browser, TestApp, location, spawn_app};

struct Pick {
    id: i32,
    code: String,
    supplier_id: i32,
}

/// Two listed products of different suppliers, that the Anhui policy admits, that no demo seller
/// sells yet.
fn unsold_products(app: &TestApp) -> (Pick, Pick) {
    let mut conn = app.db();
    let sold_suppliers: Vec<Option<i32>> = organisations::table
        .filter(organisations::kind.eq("seller"))
        .select(organisations::supplier_id)
        .load(&mut conn)
        .unwrap();
    let linked: Vec<i32> = seller_products::table
        .select(seller_products::product_id)
        .load(&mut conn)
        .unwrap();
    let rows: Vec<(i32, String, i32)> = products::table
        .filter(products::listing_status.eq("listed"))
        .filter(products::poverty_region_kind.eq_any(["poverty_county", "poverty_village"]))
        .filter(products::unit_price_fen.between(1_000, 10_000))
        .order(products::id)
        .select((products::id, products::catalogue_code, products::supplier_id))
        .load(&mut conn)
        .unwrap();
    let mut picks = rows
        .into_iter()
        .filter(|(id, _, supplier)| !linked.contains(id) && !sold_suppliers.contains(&Some(*supplier)))
        .map(|(id, code, supplier_id)| Pick { id, code, supplier_id });
    let first = picks.next().expect("an unsold product");
    let second = picks
        .find(|p| p.supplier_id != first.supplier_id)
        .expect("an unsold product of another supplier");
    (first, second)
}

/// Signs in with a temporary password shown once, and sets a new one.
async fn first_sign_in(app: &TestApp, username: &str, temporary: &str) -> Browser {
    let b = app.browser();
    let response = b.login(username, temporary).await;
    assert_eq!(location(&response), "/account/password");
    let new = "seller-new-password-2026";
    let response = b
        .post(
            "/account/password",
            &[("current", temporary), ("new", new), ("repeat", new)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    b
}

fn temporary_password(page: &str) -> String {
    let start = page.find("临时密码：").expect("the page shows the temporary password") + "临时密码：".len();
    page[start..].chars().take_while(|c| *c != '（').collect()
}

async fn open_seller(app: &TestApp, office: &Browser, fields: &[(&str, &str)], username: &str) -> (i32, Browser) {
    let mut form = fields.to_vec();
    form.push(("username", username));
    form.push(("display_name", "测试销售员"));
    form.push(("contact_name", "测试联系人"));
    form.push(("contact_phone", "13800009999"));
    let response = office.post("/office/sellers", &form).await;
    let status = response.status().as_u16();
    let page = response.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    let password = temporary_password(&page);
    let id: i32 = organisations::table
        .filter(organisations::name.eq(fields[0].1))
        .select(organisations::id)
        .first(&mut app.db())
        .unwrap();
    (id, first_sign_in(app, username, &password).await)
}

async fn add_lot(office: &Browser, code: &str, lot: &str) {
    let response = office
        .post(
            &format!("/products/{code}/trace/batches"),
            &[
                ("lot", lot),
                ("produced_on", "2026-10-01"),
                ("inspection_result", "passed"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303, "lot {lot} added");
}

fn batch_id(app: &TestApp, product: i32, lot: &str) -> i32 {
    product_batches::table
        .filter(product_batches::product_id.eq(product))
        .filter(product_batches::lot_code.eq(lot))
        .select(product_batches::id)
        .first(&mut app.db())
        .unwrap()
}

async fn recall(office: &Browser, code: &str, batch: i32) -> reqwest::Response {
    office
        .post(
            &format!("/office/products/{code}/recalls"),
            &[
                ("batch_id", &batch.to_string()),
                ("reason", "抽检不合格"),
                ("notice_no", "陕市监〔2026〕测试 1 号"),
                ("failed_item", "二氧化硫残留量"),
                ("result", "0.32 g/kg"),
                ("limit", "≤0.1 g/kg"),
                ("testing_body", "测试检验院"),
            ],
        )
        .await
}

async fn receive(b: &Browser, order: i32, fields: &[(String, String)]) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", b.csrf().await);
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    b.client
        .post(format!("{}/union/orders/{order}/receive", b.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn order_status(app: &TestApp, order: i32) -> String {
    orders::table
        .find(order)
        .select(orders::status)
        .first(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn an_order_travels_from_a_plan_to_delivered_lots_and_a_recall_reaches_the_union_that_received_them() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let (tea, honey) = unsold_products(&app);
    let office = app.signed_in("office").await;

    // The office opens the first product's supplier as a seller, and a distributor of the second.
    let credit_code: String = suppliers::table
        .find(tea.supplier_id)
        .select(suppliers::credit_code)
        .first(&mut app.db())
        .unwrap();
    let (seller_a, a) = open_seller(
        &app,
        &office,
        &[("name", "测试供应商销售部"), ("credit_code", &credit_code)],
        "test-seller-a",
    )
    .await;
    let (seller_b, b) = open_seller(&app, &office, &[("name", "测试经销公司")], "test-seller-b").await;
    let response = office
        .post(
            &format!("/office/sellers/{seller_b}/products"),
            &[("codes", honey.code.as_str())],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    // An unknown code links nothing and says which.
    let response = office
        .post(
            &format!("/office/sellers/{seller_b}/products"),
            &[("codes", "610924-99999")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(response.text().await.unwrap().contains("610924-99999"));

    // A union plans ten of each for ten people under the Anhui policy.
    let union = app.signed_in("grassroots-01").await;
    let anhui: i32 = policies::table
        .filter(policies::name.like("安徽%"))
        .select(policies::id)
        .first(&mut app.db())
        .unwrap();
    let response = union
        .post(
            "/union/plans",
            &[
                ("policy_id", &anhui.to_string()),
                ("festival", "other"),
                ("year", "2026"),
                ("headcount", "10"),
                ("name", "测试订单计划"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let plan: i32 = plans::table
        .filter(plans::name.eq("测试订单计划"))
        .select(plans::id)
        .first(&mut app.db())
        .unwrap();
    for p in [&tea, &honey] {
        let response = union
            .post(
                &format!("/union/plans/{plan}/lines"),
                &[("code", p.code.as_str()), ("quantity", "1")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 303);
    }
    let delivery = [
        ("address", "西安市测试路 1 号"),
        ("contact_name", "王测试"),
        ("contact_phone", "13800001234"),
    ];

    // For far more people than its allowance covers, nothing is placed and the plan stays a draft.
    let response = union
        .post(&format!("/union/plans/{plan}/headcount"), &[("headcount", "100000")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let response = union.post(&format!("/union/plans/{plan}/orders"), &delivery).await;
    assert_eq!(response.status().as_u16(), 409, "over the allowance");
    assert!(
        response.text().await.unwrap().contains("超出"),
        "the refusal gives the figures"
    );
    let placed: i64 = orders::table
        .filter(orders::plan_id.eq(plan))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(placed, 0);
    union
        .post(&format!("/union/plans/{plan}/headcount"), &[("headcount", "10")])
        .await;

    // A missing address is refused before anything is written.
    let response = union
        .post(&format!("/union/plans/{plan}/orders"), &[("contact_phone", "1")])
        .await;
    assert_eq!(response.status().as_u16(), 400);

    // Confirmed and ordered in one step: one order per seller.
    let response = union.post(&format!("/union/plans/{plan}/orders"), &delivery).await;
    assert_eq!(response.status().as_u16(), 303);
    let status: String = plans::table
        .find(plan)
        .select(plans::status)
        .first(&mut app.db())
        .unwrap();
    assert_eq!(status, "confirmed");
    let placed: Vec<(i32, i32)> = orders::table
        .filter(orders::plan_id.eq(plan))
        .select((orders::id, orders::seller_id))
        .load(&mut app.db())
        .unwrap();
    assert_eq!(placed.len(), 2, "one order per seller");
    let order_a = placed.iter().find(|(_, s)| *s == seller_a).unwrap().0;
    let order_b = placed.iter().find(|(_, s)| *s == seller_b).unwrap().0;
    // Placing twice is refused.
    let response = union.post(&format!("/union/plans/{plan}/orders"), &delivery).await;
    assert_eq!(response.status().as_u16(), 409);

    // Each seller sees only its own order.
    let (status, list) = a.get_text("/seller").await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("#{order_a}")) && !list.contains(&format!("#{order_b}")));
    assert_eq!(a.get(&format!("/orders/{order_b}")).await.status().as_u16(), 404);
    let response = a.post(&format!("/seller/orders/{order_b}/accept"), &[]).await;
    assert_eq!(response.status().as_u16(), 404, "another seller's order");

    // Seller B declines, with its reason.
    let response = b.post(&format!("/seller/orders/{order_b}/decline"), &[]).await;
    assert_eq!(response.status().as_u16(), 400, "a reason is required");
    let response = b
        .post(&format!("/seller/orders/{order_b}/decline"), &[("reason", "库存不足")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(order_status(&app, order_b), "declined");

    // Seller A accepts. The product's lots: two good ones, one already recalled; and a lot of
    // the other product.
    let response = a.post(&format!("/seller/orders/{order_a}/accept"), &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    for lot in ["TEST-A1", "TEST-A3"] {
        add_lot(&office, &tea.code, lot).await;
    }
    add_lot(&office, &honey.code, "TEST-H1").await;
    let a3 = batch_id(&app, tea.id, "TEST-A3");
    assert_eq!(recall(&office, &tea.code, a3).await.status().as_u16(), 303);
    let line: i32 = order_lines::table
        .filter(order_lines::order_id.eq(order_a))
        .select(order_lines::id)
        .first(&mut app.db())
        .unwrap();
    // The seller records the second lot itself, from the order; another seller cannot, and a
    // lot code is never taken twice.
    let new_lot = [
        ("line", line.to_string()),
        ("lot", "TEST-A2".to_owned()),
        ("produced_on", "2026-10-20".to_owned()),
        ("inspection_result", "passed".to_owned()),
    ];
    let new_lot: Vec<(&str, &str)> = new_lot.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = b.post(&format!("/seller/orders/{order_a}/lots"), &new_lot).await;
    assert_eq!(response.status().as_u16(), 404, "not its order");
    let response = a.post(&format!("/seller/orders/{order_a}/lots"), &new_lot).await;
    assert_eq!(response.status().as_u16(), 303);
    let response = a.post(&format!("/seller/orders/{order_a}/lots"), &new_lot).await;
    assert_eq!(response.status().as_u16(), 409, "a lot code is taken once");
    let (lot0, qty0, lot1, qty1) = (
        format!("lot_{line}_0"),
        format!("qty_{line}_0"),
        format!("lot_{line}_1"),
        format!("qty_{line}_1"),
    );
    let ship = |first: &'static str, n: &'static str| {
        let (a, lot0, qty0, lot1, qty1) = (&a, lot0.clone(), qty0.clone(), lot1.clone(), qty1.clone());
        async move {
            a.post(
                &format!("/seller/orders/{order_a}/ship"),
                &[
                    (lot0.as_str(), first),
                    (qty0.as_str(), n),
                    (lot1.as_str(), "TEST-A2"),
                    (qty1.as_str(), "4"),
                ],
            )
            .await
        }
    };
    for (lot, says) in [
        ("NO-SUCH-LOT", "没有批次 NO-SUCH-LOT"),
        ("TEST-H1", "没有批次 TEST-H1"),
        ("TEST-A3", "已被召回"),
    ] {
        let response = ship(lot, "6").await;
        assert_eq!(response.status().as_u16(), 409, "{lot}");
        assert!(response.text().await.unwrap().contains(says), "{lot}");
    }
    let response = ship("TEST-A1", "5").await;
    assert_eq!(response.status().as_u16(), 409, "nine of ten");
    assert!(response.text().await.unwrap().contains("合计 9 件"));
    assert_eq!(order_status(&app, order_a), "accepted", "refusals change nothing");

    // Two shipments sent together: one lands, the other is told it was shipped.
    let (first, second) = tokio::join!(ship("TEST-A1", "6"), ship("TEST-A1", "6"));
    let mut codes = [first.status().as_u16(), second.status().as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [303, 409]);
    let shipped: Vec<(i32, i32)> = shipment_lots::table
        .filter(shipment_lots::order_line_id.eq(line))
        .select((shipment_lots::batch_id, shipment_lots::quantity))
        .load(&mut app.db())
        .unwrap();
    assert_eq!(shipped.len(), 2, "one shipment's lots, not two: {shipped:?}");
    let a1 = batch_id(&app, tea.id, "TEST-A1");
    assert!(shipped.contains(&(a1, 6)));

    // Another union cannot receive it; its own union does, and it becomes a purchase record.
    let other = app.signed_in("grassroots-02").await;
    let response = receive(&other, order_a, &[]).await;
    assert_eq!(response.status().as_u16(), 404);
    let response = receive(
        &union,
        order_a,
        &[
            (format!("received_{line}"), "10".to_owned()),
            ("note".to_owned(), "包装完好".to_owned()),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(order_status(&app, order_a), "received");
    let recorded: Vec<(Option<i32>, i64, String)> = purchases::table
        .filter(purchases::order_id.eq(order_a))
        .select((purchases::order_id, purchases::amount_fen, purchases::channel))
        .load(&mut app.db())
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].2, "seller");
    let (status, page) = union.get_text("/union/purchases").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("订单 #{order_a}")));

    // Before the recall the lot's page is clean.
    let (_, before) = app.get_text(&format!("/t/{}/TEST-A1", tea.code)).await;
    assert!(!before.contains("已被召回"));

    // The office recalls TEST-A1.
    let response = recall(&office, &tea.code, a1).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(location(&response), format!("/office/recalls/{a1}"));
    assert_eq!(recall(&office, &tea.code, a1).await.status().as_u16(), 409, "once");

    // At the next request: the union's dashboard, the lot's page, the other lot's page.
    let (_, dashboard) = union.get_text("/union").await;
    assert!(dashboard.contains("召回通知"), "the union sees the recall");
    assert!(dashboard.contains(&format!("订单 #{order_a}")));
    assert!(
        dashboard.contains("<strong>6</strong> 件"),
        "with the quantity it received"
    );
    let (_, other_dashboard) = other.get_text("/union").await;
    assert!(!other_dashboard.contains("测试检验院") && !other_dashboard.contains(&format!("订单 #{order_a}")));
    let (_, recalled) = app.get_text(&format!("/t/{}/TEST-A1", tea.code)).await;
    assert!(recalled.contains("批次 <span class=\"code\">TEST-A1</span> 已被召回"));
    assert!(recalled.contains("二氧化硫残留量"));
    let (_, unaffected) = app.get_text(&format!("/t/{}/TEST-A2", tea.code)).await;
    assert!(!unaffected.contains("已被召回</strong>"));
    assert!(unaffected.contains("不在召回范围内"));

    // The office's list names the union, the order and the quantity.
    let (status, who) = office.get_text(&format!("/office/recalls/{a1}")).await;
    assert_eq!(status, 200);
    assert!(who.contains("西安示例机床厂工会"));
    assert!(who.contains(&format!("#{order_a}")));
    assert!(
        who.contains("<td class=\"num\">6</td><td class=\"num\">10</td>"),
        "6 of the lot, 10 members"
    );

    // The union's allowance now counts the order as used.
    let (_, plan_page) = union.get_text(&format!("/union/plans/{plan}")).await;
    assert!(plan_page.contains("已购买"), "{}", &plan_page[..200]);
}

#[tokio::test]
async fn a_recall_stops_an_order_on_its_way_and_the_seller_cannot_ship_a_delisted_product() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    // The demo's grassroots-04 has an order shipped from the recalled lot: stopped; it cannot
    // be received, and may be cancelled.
    let mut conn = app.db();
    let stopped: Vec<(i32, i32)> = orders::table
        .filter(orders::status.eq("stopped"))
        .select((orders::id, orders::organisation_id))
        .load(&mut conn)
        .unwrap();
    assert!(!stopped.is_empty(), "the demo has a stopped order");
    let union = app.signed_in("grassroots-04").await;
    let (order, _) = stopped[0];
    let response = receive(&union, order, &[]).await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(response.text().await.unwrap().contains("已叫停"));
    let response = union
        .post(&format!("/union/orders/{order}/cancel"), &[("reason", "批次召回")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(order_status(&app, order), "cancelled");

    // grassroots-05's accepted order: once a product of it is delisted, it cannot ship.
    let accepted: (i32, i32) = orders::table
        .filter(orders::status.eq("accepted"))
        .select((orders::id, orders::seller_id))
        .first(&mut conn)
        .unwrap();
    let product: (i32, String) = order_lines::table
        .inner_join(products::table)
        .filter(order_lines::order_id.eq(accepted.0))
        .select((products::id, products::catalogue_code))
        .first(&mut conn)
        .unwrap();
    let office = app.signed_in("office").await;
    let response = office
        .post(
            &format!("/office/products/{}/status", product.1),
            &[("to", "delisted"), ("reason", "测试清出")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let seller_username: String = fupin_catalog::db::schema::users::table
        .filter(fupin_catalog::db::schema::users::organisation_id.eq(accepted.1))
        .select(fupin_catalog::db::schema::users::username)
        .first(&mut conn)
        .unwrap();
    let seller = app.signed_in(&seller_username).await;
    let line: i32 = order_lines::table
        .filter(order_lines::order_id.eq(accepted.0))
        .filter(order_lines::product_id.eq(product.0))
        .select(order_lines::id)
        .first(&mut conn)
        .unwrap();
    let lot = format!("SX{}-B", product.0);
    let response = seller
        .post(
            &format!("/seller/orders/{}/ship", accepted.0),
            &[
                (format!("lot_{line}_0").as_str(), lot.as_str()),
                (format!("qty_{line}_0").as_str(), "1"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(response.text().await.unwrap().contains("清出目录"));
}

#[tokio::test]
async fn the_demo_has_orders_in_every_state_and_a_recall_that_reached_several_unions() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let mut conn = app.db();
    let states: Vec<String> = orders::table.select(orders::status).distinct().load(&mut conn).unwrap();
    for s in [
        "placed",
        "accepted",
        "declined",
        "shipped",
        "received",
        "closed",
        "cancelled",
        "stopped",
    ] {
        assert!(states.iter().any(|x| x == s), "no {s} order in the demo: {states:?}");
    }
    let seller = app.signed_in("seller-01").await;
    let (status, page) = seller.get_text("/seller").await;
    assert_eq!(status, 200);
    assert!(page.contains("/orders/"), "the seller has orders to work on");
    let response = seller.get("/seller/orders.xlsx").await;
    assert_eq!(response.status().as_u16(), 200);
    let office = app.signed_in("office").await;
    let (status, page) = office.get_text("/office/recalls").await;
    assert_eq!(status, 200);
    let batch = page
        .split("/office/recalls/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a recall in the list")
        .to_owned();
    let (_, who) = office.get_text(&format!("/office/recalls/{batch}")).await;
    let unions = who.matches("示例").count();
    assert!(unions >= 3, "the recalled lot reached several unions");
    let union = app.signed_in("grassroots-01").await;
    let (_, dashboard) = union.get_text("/union").await;
    assert!(dashboard.contains("召回通知"));
}

pub async fn record_purchase(b: &Browser, fields: &[(&str, &str)], file: Option<Vec<u8>>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", b.csrf().await);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(bytes) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("invoice.pdf"));
    }
    b.client
        .post(format!("{}/union/purchases", b.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_purchase_made_elsewhere_is_recorded_with_its_invoice_and_counts_against_the_allowance() {
    let app = spawn_app().await;
    app.seed_demo(120).await;
    let union = app.signed_in("grassroots-06").await;
    let mut conn = app.db();
    let guangdong: i32 = policies::table
        .filter(policies::name.like("广东%"))
        .select(policies::id)
        .first(&mut conn)
        .unwrap();
    let policy = guangdong.to_string();
    let code: String = products::table
        .filter(products::listing_status.eq("listed"))
        .select(products::catalogue_code)
        .first(&mut conn)
        .unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let good = [
        ("purchased_on", "2026-11-20"),
        ("channel", "other"),
        ("channel_name", "单位食堂团购"),
        ("policy_id", policy.as_str()),
        ("seller_name", "某超市"),
        ("people", "640"),
        ("code_0", code.as_str()),
        ("qty_0", "640"),
        ("amount_0", "12800"),
        ("name_1", "不在目录中的月饼"),
        ("qty_1", "640"),
        ("amount_1", "6400.50"),
    ];
    let before: i64 = purchases::table.count().get_result(&mut conn).unwrap();

    // Refusals: no invoice; an unknown channel, a bad amount and a line with neither code nor
    // name, all named at once; a product code the catalogue does not have. Nothing is written.
    let response = record_purchase(&union, &good, None).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("发票"));
    let mut bad = good.to_vec();
    bad[1] = ("channel", "taobao");
    bad[8] = ("amount_0", "十二");
    bad.push(("qty_2", "3"));
    bad.push(("amount_2", "9"));
    let response = record_purchase(&union, &bad, Some(pdf.clone())).await;
    assert_eq!(response.status().as_u16(), 400);
    let text = response.text().await.unwrap();
    for says in ["采购渠道“taobao”无效", "第 1 行金额", "第 3 行"] {
        assert!(text.contains(says), "{says} in {text}");
    }
    let mut unknown = good.to_vec();
    unknown[6] = ("code_0", "610924-99999");
    let response = record_purchase(&union, &unknown, Some(pdf.clone())).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("610924-99999"));
    let mut future = good.to_vec();
    future[0] = ("purchased_on", "2099-01-01");
    assert_eq!(
        record_purchase(&union, &future, Some(pdf.clone()))
            .await
            .status()
            .as_u16(),
        400
    );
    let after: i64 = purchases::table.count().get_result(&mut conn).unwrap();
    assert_eq!(after, before, "nothing half-written");

    // Recorded: the lines, the amount, the invoice served back.
    let response = record_purchase(&union, &good, Some(pdf.clone())).await;
    assert_eq!(response.status().as_u16(), 303);
    let (amount, people, channel, evidence): (i64, i32, String, Option<String>) = purchases::table
        .order(purchases::id.desc())
        .select((
            purchases::amount_fen,
            purchases::people,
            purchases::channel_name,
            purchases::evidence_path,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!((amount, people, channel.as_str()), (1_920_050, 640, "单位食堂团购"));
    let evidence = evidence.expect("the invoice is kept");
    let served = app.get(&format!("/media/{evidence}")).await;
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), pdf);
    let (_, page) = union.get_text("/union/purchases").await;
    assert!(page.contains("其他：单位食堂团购") && page.contains("19200.50"));
    assert!(page.contains("不在目录中的月饼 × 640"));
    // The allowance under that policy now shows it as bought.
    let (_, dashboard) = union.get_text("/union").await;
    assert!(
        dashboard.contains("已购买 19200.50 元"),
        "the allowance counts the purchase"
    );
}
