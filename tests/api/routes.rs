//! The route × role table: every route the application has, GET and POST, asked by every kind of
//! caller, with the answer each must get. A route added without a line here fails the test.

use std::collections::BTreeMap;

use diesel::prelude::*;
use fupin_catalog::db::schema::{nomination_rows, product_batches, products, quality_incidents, users};

use crate::helpers::{Browser, TestApp, location, spawn_app};

/// The callers, in the order of each table line.
const ROLES: [&str; 10] = [
    "visitor",
    "county",       // county-610924 紫阳县, in 安康市
    "other_county", // county-610981 旬阳市, also in 安康市
    "city",         // city-610900 安康市
    "other_city",   // city-610100 西安市
    "office",
    "grassroots",       // grassroots-01 西安示例机床厂工会
    "other_grassroots", // grassroots-02
    "temp",             // city-610800, still on a temporary password
    "seller",           // seller-01, a supplier's seller account
];

/// Allowed, and not sent here: a form that would change data (its workflow tests send it).
const SKIP: u16 = 0;

#[derive(Clone, Copy, PartialEq)]
enum R {
    County,
    OtherCounty,
    City,
    OtherCity,
    Office,
    Grassroots,
    OtherGrassroots,
    Seller,
}

const ALL_SIGNED_IN: &[R] = &[
    R::County,
    R::OtherCounty,
    R::City,
    R::OtherCity,
    R::Office,
    R::Grassroots,
    R::OtherGrassroots,
    R::Seller,
];

/// Everyone, signed in or not, gets `status`.
fn anyone(status: u16) -> [u16; 10] {
    [status; 10]
}

/// Signed-in pages: a visitor is sent to sign in, a temporary password to change it, those in
/// `allowed` get `ok`, everyone else 403.
fn only(allowed: &[R], ok: u16) -> [u16; 10] {
    let of = |r: R| if allowed.contains(&r) { ok } else { 403 };
    [
        303,
        of(R::County),
        of(R::OtherCounty),
        of(R::City),
        of(R::OtherCity),
        of(R::Office),
        of(R::Grassroots),
        of(R::OtherGrassroots),
        303,
        of(R::Seller),
    ]
}

/// A grassroots union's own record: the union gets `ok`, another grassroots union finds nothing
/// there (404), everyone else is refused.
fn own_plan(ok: u16) -> [u16; 10] {
    let mut e = only(&[R::Grassroots], ok);
    e[7] = 404;
    e
}

struct Fixture {
    own_code: String,
    lot_code: String,
    lot_product: String,
    gtin14: String,
    batch: i32,
    row: i32,
    incident: i32,
    user: i32,
    bundle: i32,
    draft_bundle: i32,
    bundle_line: i32,
    policy: i32,
    plan: i32,
    plan_line: i32,
    /// grassroots-01's order delivered by seller-01.
    order: i32,
    recalled_batch: i32,
    /// A notice (the demo's recall has one).
    notice: i32,
    seller: i32,
    /// city-610900's report (附件1) for this year, a draft.
    report: i32,
    year: i32,
}

async fn arrange(app: &TestApp, county: &Browser, city: &Browser, office: &Browser) -> Fixture {
    // A product of 紫阳县 in the catalogue, through the workflow.
    let listed = crate::nominations::submitted_batch_of(county, "紫阳毛尖").await;
    let forwarded = city.post(&format!("/nominations/{listed}/forward"), &[]).await;
    assert_eq!(forwarded.status().as_u16(), 303);
    let mut conn = app.db();
    let listed_row: i32 = nomination_rows::table
        .filter(nomination_rows::batch_id.eq(listed))
        .select(nomination_rows::id)
        .first(&mut conn)
        .unwrap();
    let approved = office
        .post(
            "/office/review",
            &[("decision", "approve"), ("row_ids", &listed_row.to_string())],
        )
        .await;
    assert_eq!(approved.status().as_u16(), 303);
    // And a batch still with the city, for the routes of a batch.
    let batch = crate::nominations::submitted_batch(county).await;
    let row: i32 = nomination_rows::table
        .filter(nomination_rows::batch_id.eq(batch))
        .select(nomination_rows::id)
        .first(&mut conn)
        .unwrap();
    let own_code: String = products::table
        .filter(products::county_code.eq("610924"))
        .select(products::catalogue_code)
        .first(&mut conn)
        .expect("the demo has products of 紫阳县");
    let (lot_product, lot_code): (String, String) = product_batches::table
        .inner_join(products::table)
        .select((products::catalogue_code, product_batches::lot_code))
        .first(&mut conn)
        .expect("the demo has batches");
    let gtin: String = products::table
        .filter(products::gtin.is_not_null())
        .select(products::gtin.assume_not_null())
        .first(&mut conn)
        .expect("the demo has products with a barcode");
    let gtin14 = fupin_catalog::domain::Gtin::parse(&gtin).unwrap().to_gtin14();
    let incident_form = [
        ("occurred_on", "2026-11-30"),
        ("source", "市场监管抽检"),
        ("description", "路由表测试"),
    ];
    let opened = office
        .post(&format!("/office/products/{own_code}/incidents"), &incident_form)
        .await;
    assert_eq!(opened.status().as_u16(), 303);
    let incident: i32 = quality_incidents::table
        .select(quality_incidents::id)
        .order(quality_incidents::id.desc())
        .first(&mut conn)
        .unwrap();
    let user: i32 = users::table
        .filter(users::username.eq("grassroots-01"))
        .select(users::id)
        .first(&mut conn)
        .unwrap();
    let (bundle, draft_bundle): (i32, i32) = {
        use fupin_catalog::db::schema::bundles;
        let published = bundles::table
            .filter(bundles::status.eq("published"))
            .select(bundles::id)
            .first(&mut conn)
            .expect("the demo has published bundles");
        let draft = bundles::table
            .filter(bundles::status.eq("draft"))
            .select(bundles::id)
            .first(&mut conn)
            .expect("the demo has a draft bundle");
        (published, draft)
    };
    let bundle_line: i32 = {
        use fupin_catalog::db::schema::bundle_lines;
        bundle_lines::table
            .filter(bundle_lines::bundle_id.eq(draft_bundle))
            .select(bundle_lines::id)
            .first(&mut conn)
            .unwrap()
    };
    let policy: i32 = fupin_catalog::db::schema::policies::table
        .select(fupin_catalog::db::schema::policies::id)
        .first(&mut conn)
        .unwrap();
    let (plan, plan_line): (i32, i32) = {
        use fupin_catalog::db::schema::{organisations, plan_lines, plans};
        let org: i32 = users::table
            .filter(users::username.eq("grassroots-01"))
            .select(users::organisation_id)
            .first(&mut conn)
            .unwrap();
        let plan = plans::table
            .filter(plans::organisation_id.eq(org))
            .filter(plans::status.eq("draft"))
            .inner_join(organisations::table)
            .select(plans::id)
            .first(&mut conn)
            .expect("grassroots-01 has a draft plan");
        let line = plan_lines::table
            .filter(plan_lines::plan_id.eq(plan))
            .select(plan_lines::id)
            .first(&mut conn)
            .expect("the draft plan has lines");
        (plan, line)
    };
    let (order, recalled_batch, seller) = {
        use fupin_catalog::db::schema::{lot_recalls, orders};
        let org = |conn: &mut _, username: &str| -> i32 {
            users::table
                .filter(users::username.eq(username))
                .select(users::organisation_id)
                .first(conn)
                .unwrap()
        };
        let (union, seller) = (org(&mut conn, "grassroots-01"), org(&mut conn, "seller-01"));
        let order = orders::table
            .filter(orders::organisation_id.eq(union))
            .filter(orders::seller_id.eq(seller))
            .select(orders::id)
            .first(&mut conn)
            .expect("grassroots-01 has an order from seller-01");
        let recalled = lot_recalls::table
            .select(lot_recalls::batch_id)
            .first(&mut conn)
            .expect("the demo has a recalled lot");
        (order, recalled, seller)
    };
    let notice: i32 = fupin_catalog::db::schema::notices::table
        .select(fupin_catalog::db::schema::notices::id)
        .order(fupin_catalog::db::schema::notices::id)
        .first(&mut conn)
        .expect("the demo's recall and delistings have notices");
    let year = chrono::Datelike::year(&fupin_catalog::web::scans::china_today());
    let started = city
        .post(&format!("/reports/{year}/start"), &[("from", "system")])
        .await;
    assert_eq!(started.status().as_u16(), 303);
    let city_org: i32 = users::table
        .filter(users::username.eq("city-610900"))
        .select(users::organisation_id)
        .first(&mut conn)
        .unwrap();
    let report: i32 = fupin_catalog::db::schema::reports::table
        .filter(fupin_catalog::db::schema::reports::organisation_id.eq(city_org))
        .select(fupin_catalog::db::schema::reports::id)
        .first(&mut conn)
        .expect("the city's report was started");
    Fixture {
        notice,
        report,
        year,
        order,
        recalled_batch,
        seller,
        own_code,
        lot_code,
        lot_product,
        gtin14,
        batch,
        row,
        incident,
        user,
        bundle,
        draft_bundle,
        bundle_line,
        policy,
        plan,
        plan_line,
    }
}

/// A route's line: the path asked, a form for posts, and the answer per role.
type Line = (String, Vec<(&'static str, &'static str)>, [u16; 10]);

/// Each route, as (method, pattern), with its line.
fn table(f: &Fixture) -> BTreeMap<(&'static str, &'static str), Line> {
    use R::*;
    let staff = &[County, OtherCounty, City, OtherCity, Office];
    let own = &f.own_code;
    let (batch, row) = (f.batch, f.row);
    let trace_keepers = &[County, Office];
    let no_form = Vec::new;
    let mut t = BTreeMap::new();
    let mut get = |pattern: &'static str, path: String, expect: [u16; 10]| {
        t.insert(("GET", pattern), (path, Vec::new(), expect));
    };
    // Public
    get("/", "/".into(), anyone(200));
    get("/regions", "/regions".into(), anyone(200));
    get("/changes", "/changes".into(), anyone(200));
    get("/notices", "/notices".into(), anyone(200));
    get("/notices/{id}", format!("/notices/{}", f.notice), anyone(200));
    get("/changes.atom", "/changes.atom".into(), anyone(200));
    get("/changes.json", "/changes.json".into(), anyone(200));
    get("/notices.atom", "/notices.atom".into(), anyone(200));
    get("/notices.json", "/notices.json".into(), anyone(200));
    get("/open-data", "/open-data".into(), anyone(200));
    // Public, and not written in this fixture.
    get(
        "/open-data/{name}",
        "/open-data/delta-2020-01-01.csv".into(),
        anyone(404),
    );
    get("/search", "/search?q=茶".into(), anyone(200));
    get("/categories", "/categories".into(), anyone(200));
    get("/products/{code}", format!("/products/{own}"), anyone(200));
    get("/api/v1/products", "/api/v1/products?q=茶".into(), anyone(200));
    get(
        "/api/v1/products/{code}",
        format!("/api/v1/products/{own}"),
        anyone(200),
    );
    get("/api/v1/suggest", "/api/v1/suggest?q=cha".into(), anyone(200));
    get("/api/v1/changes", "/api/v1/changes".into(), anyone(200));
    get(
        "/api/v1/catalogue/compare",
        "/api/v1/catalogue/compare?from=2025-01-01&to=2026-01-01".into(),
        anyone(200),
    );
    get("/api/v1/openapi.json", "/api/v1/openapi.json".into(), anyone(200));
    get("/healthz", "/healthz".into(), anyone(200));
    get("/readyz", "/readyz".into(), anyone(200));
    // From loopback, as the tests connect; refused from elsewhere (tests/api/metrics.rs).
    get("/metrics", "/metrics".into(), anyone(200));
    get("/t/{code}/qr.png", format!("/t/{own}/qr.png"), anyone(200));
    get("/t/{code}/qr.svg", format!("/t/{own}/qr.svg"), anyone(200));
    let lot = format!("/t/{}/{}", f.lot_product, f.lot_code);
    get("/t/{code}/{lot}/qr.png", format!("{lot}/qr.png"), anyone(200));
    get("/t/{code}/{lot}/qr.svg", format!("{lot}/qr.svg"), anyone(200));
    get("/t/{code}/{lot}/epcis.json", format!("{lot}/epcis.json"), anyone(200));
    get("/t/{code}", format!("/t/{own}"), anyone(200));
    get("/t/{code}/{lot}", lot.clone(), anyone(200));
    get("/01/{gtin}", format!("/01/{}", f.gtin14), anyone(200));
    get(
        "/01/{gtin}/10/{lot}",
        format!("/01/{}/10/NO-SUCH-LOT", f.gtin14),
        anyone(404),
    );
    let hash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    get("/media/{dir}/{file}", format!("/media/ba/{hash}.jpg"), anyone(404));
    get("/assets/{path:.*}", "/assets/css/app.css".into(), anyone(200));
    // Accounts
    get("/login", "/login".into(), anyone(200));
    let mut password_page = only(ALL_SIGNED_IN, 200);
    password_page[8] = 200;
    get("/account/password", "/account/password".into(), password_page);
    // County unions
    get("/county", "/county".into(), only(&[County, OtherCounty], 200));
    get(
        "/county/upload",
        "/county/upload".into(),
        only(&[County, OtherCounty], 200),
    );
    get(
        "/county/template.xlsx",
        "/county/template.xlsx".into(),
        only(staff, 200),
    );
    get(
        "/county/products",
        "/county/products".into(),
        only(&[County, OtherCounty], 200),
    );
    get(
        "/products/{code}/trace",
        format!("/products/{own}/trace"),
        only(trace_keepers, 200),
    );
    get(
        "/products/{code}/labels",
        format!("/products/{own}/labels"),
        only(trace_keepers, 200),
    );
    // City unions
    get("/city", "/city".into(), only(&[City, OtherCity], 200));
    // A batch of 紫阳县, submitted to 安康市
    get(
        "/nominations/{id}",
        format!("/nominations/{batch}"),
        only(&[County, City, Office], 200),
    );
    get(
        "/nominations/{id}/rows/{row}/edit",
        format!("/nominations/{batch}/rows/{row}/edit"),
        only(&[County], 200),
    );
    // The office
    get("/office", "/office".into(), only(&[Office], 200));
    get("/office/review", "/office/review".into(), only(&[Office], 200));
    get("/office/products", "/office/products".into(), only(&[Office], 200));
    get(
        "/office/products/{code}",
        format!("/office/products/{own}"),
        only(&[Office], 200),
    );
    get(
        "/office/export/catalogue.{ext}",
        "/office/export/catalogue.csv".into(),
        only(&[Office], 200),
    );
    get(
        "/office/export/nominations.{ext}",
        "/office/export/nominations.csv?city=610900".into(),
        only(&[City, Office], 200),
    );
    get("/office/scans", "/office/scans".into(), only(&[Office], 200));
    get("/office/accounts", "/office/accounts".into(), only(&[Office], 200));
    get("/office/policies", "/office/policies".into(), only(&[Office], 200));
    get(
        "/office/policies/{id}",
        format!("/office/policies/{}", f.policy),
        only(&[Office], 200),
    );
    get("/office/bundles", "/office/bundles".into(), only(&[Office], 200));
    get(
        "/office/bundles/{id}",
        format!("/office/bundles/{}", f.bundle),
        only(&[Office], 200),
    );
    // Bundles as everyone sees them; a draft is not public.
    get("/bundles", "/bundles".into(), anyone(200));
    get("/bundles/{id}", format!("/bundles/{}", f.bundle), anyone(200));
    // A grassroots union's own pages
    get("/union", "/union".into(), only(&[Grassroots, OtherGrassroots], 200));
    let plan = format!("/union/plans/{}", f.plan);
    get("/union/plans/{id}", plan.clone(), own_plan(200));
    // A draft has no purchase list yet: 409 for its union.
    get(
        "/union/plans/{id}/purchase-list",
        format!("{plan}/purchase-list"),
        own_plan(409),
    );
    get(
        "/union/plans/{id}/purchase-list.xlsx",
        format!("{plan}/purchase-list.xlsx"),
        own_plan(409),
    );
    // Purchasing: an order is seen by its union, its seller and the office.
    let mut order_page = only(&[Grassroots, OtherGrassroots, Office, Seller], 200);
    order_page[7] = 404;
    get("/orders/{id}", format!("/orders/{}", f.order), order_page);
    get("/seller", "/seller".into(), only(&[Seller], 200));
    get(
        "/seller/orders.xlsx",
        "/seller/orders.xlsx".into(),
        only(&[Seller], 200),
    );
    let unions = &[Grassroots, OtherGrassroots];
    get("/union/orders", "/union/orders".into(), only(unions, 200));
    get("/union/orders.xlsx", "/union/orders.xlsx".into(), only(unions, 200));
    get("/union/purchases", "/union/purchases".into(), only(unions, 200));
    get("/office/sellers", "/office/sellers".into(), only(&[Office], 200));
    get("/office/recalls", "/office/recalls".into(), only(&[Office], 200));
    get(
        "/office/recalls/{id}",
        format!("/office/recalls/{}", f.recalled_batch),
        only(&[Office], 200),
    );
    get(
        "/office/recalls/{id}.xlsx",
        format!("/office/recalls/{}.xlsx", f.recalled_batch),
        only(&[Office], 200),
    );
    get(
        "/office/notices/{id}/correct",
        format!("/office/notices/{}/correct", f.notice),
        only(&[Office], 200),
    );
    // Grassroots unions, kept by the office and the reporting unions
    let managers = &[City, OtherCity, Office];
    get("/unions", "/unions".into(), only(managers, 200));
    get(
        "/unions/template.xlsx",
        "/unions/template.xlsx".into(),
        only(managers, 200),
    );
    // The annual report (附件1): its own union and the office see it; another city finds nothing
    let reporters = &[City, OtherCity];
    let (report, year) = (f.report, f.year);
    get("/reports", "/reports".into(), only(reporters, 200));
    get(
        "/reports/template.xlsx",
        "/reports/template.xlsx".into(),
        only(reporters, 200),
    );
    let mut own_report = only(&[City, OtherCity, Office], 200);
    own_report[4] = 404;
    get("/reports/{id}", format!("/reports/{report}"), own_report);
    get(
        "/reports/{id}/attachment1.xlsx",
        format!("/reports/{report}/attachment1.xlsx"),
        own_report,
    );
    get("/office/reports", "/office/reports".into(), only(&[Office], 200));
    // Statistics: each sees its own scope
    get("/stats", "/stats".into(), only(staff, 200));
    get("/stats/tables.xlsx", "/stats/tables.xlsx".into(), only(staff, 200));
    get(
        "/stats/purchases.xlsx",
        "/stats/purchases.xlsx".into(),
        only(staff, 200),
    );
    get(
        "/office/reports/{year}/missing.xlsx",
        format!("/office/reports/{year}/missing.xlsx"),
        only(&[Office], 200),
    );
    get(
        "/office/reports/{year}/attachment1.xlsx",
        format!("/office/reports/{year}/attachment1.xlsx"),
        only(&[Office], 200),
    );

    let mut post = |pattern: &'static str, path: String, form: Vec<(&'static str, &'static str)>, expect: [u16; 10]| {
        t.insert(("POST", pattern), (path, form, expect));
    };
    // Signing in is for everyone; signing out and a new password for whoever is signed in.
    post("/login", "/login".into(), no_form(), anyone(SKIP));
    let mut signed_in_skips = [SKIP; 10];
    signed_in_skips[0] = 303;
    post("/logout", "/logout".into(), no_form(), signed_in_skips);
    post(
        "/account/password",
        "/account/password".into(),
        no_form(),
        signed_in_skips,
    );
    let skip = |allowed: &[R]| {
        let mut e = only(ALL_SIGNED_IN, 403);
        for (i, r) in [
            County,
            OtherCounty,
            City,
            OtherCity,
            Office,
            Grassroots,
            OtherGrassroots,
        ]
        .iter()
        .enumerate()
        {
            e[i + 1] = if allowed.contains(r) { SKIP } else { 403 };
        }
        e[9] = if allowed.contains(&Seller) { SKIP } else { 403 };
        e
    };
    post(
        "/county/batches",
        "/county/batches".into(),
        no_form(),
        skip(&[County, OtherCounty]),
    );
    post(
        "/county/upload",
        "/county/upload".into(),
        no_form(),
        skip(&[County, OtherCounty]),
    );
    let site = vec![("name", "路由表基地"), ("place", "某村")];
    post(
        "/products/{code}/trace/sites",
        format!("/products/{own}/trace/sites"),
        site,
        skip(trace_keepers),
    );
    let lot_form = vec![("lot", "ROUTE-1"), ("inspection_result", "pending")];
    post(
        "/products/{code}/trace/batches",
        format!("/products/{own}/trace/batches"),
        lot_form,
        skip(trace_keepers),
    );
    let step = vec![
        ("occurred_on", "2026-11-01"),
        ("stage", "harvest"),
        ("description", "采收"),
    ];
    post(
        "/products/{code}/trace/steps",
        format!("/products/{own}/trace/steps"),
        step,
        skip(trace_keepers),
    );
    post(
        "/products/{code}/trace/media",
        format!("/products/{own}/trace/media"),
        no_form(),
        skip(trace_keepers),
    );
    // Corrections and removals: the keepers' are sent by the trace tests; the reason makes
    // sure a refusal here is for the caller, not for the form.
    let why = [("reason", "路由表更正"), ("version", "0")];
    for (pattern, path, fields) in [
        (
            "/products/{code}/trace/sites/{id}",
            "sites/1",
            vec![("name", "路由表基地"), ("place", "某村")],
        ),
        (
            "/products/{code}/trace/batches/{id}",
            "batches/1",
            vec![("inspection_result", "passed")],
        ),
        (
            "/products/{code}/trace/steps/{id}",
            "steps/1",
            vec![
                ("occurred_on", "2026-11-01"),
                ("stage", "harvest"),
                ("description", "采收"),
            ],
        ),
    ] {
        post(
            pattern,
            format!("/products/{own}/trace/{path}"),
            fields.into_iter().chain(why).collect(),
            skip(trace_keepers),
        );
    }
    for (pattern, path) in [
        ("/products/{code}/trace/sites/{id}/remove", "sites/1/remove"),
        ("/products/{code}/trace/batches/{id}/remove", "batches/1/remove"),
        ("/products/{code}/trace/steps/{id}/remove", "steps/1/remove"),
        ("/products/{code}/trace/media/{id}/remove", "media/1/remove"),
    ] {
        post(
            pattern,
            format!("/products/{own}/trace/{path}"),
            vec![("reason", "路由表删除")],
            skip(trace_keepers),
        );
    }
    let b = format!("/nominations/{batch}");
    post(
        "/nominations/{id}/rows",
        format!("{b}/rows"),
        no_form(),
        skip(&[County]),
    );
    post(
        "/nominations/{id}/rows/{row}/edit",
        format!("{b}/rows/{row}/edit"),
        no_form(),
        skip(&[County]),
    );
    post(
        "/nominations/{id}/rows/{row}/delete",
        format!("{b}/rows/{row}/delete"),
        no_form(),
        skip(&[County]),
    );
    post(
        "/nominations/{id}/submit",
        format!("{b}/submit"),
        no_form(),
        skip(&[County]),
    );
    post(
        "/nominations/{id}/forward",
        format!("{b}/forward"),
        no_form(),
        skip(&[City]),
    );
    post(
        "/nominations/{id}/return",
        format!("{b}/return"),
        vec![("reason", "x")],
        skip(&[City]),
    );
    let review = vec![("decision", "approve"), ("row_ids", "1")];
    post("/office/review", "/office/review".into(), review, skip(&[Office]));
    let status = vec![("to", "suspended"), ("reason", "x")];
    post(
        "/office/products/{code}/status",
        format!("/office/products/{own}/status"),
        status,
        skip(&[Office]),
    );
    post(
        "/office/products/{code}/details",
        format!("/office/products/{own}/details"),
        vec![
            ("version", "1"),
            ("name", "x"),
            ("specification", "x"),
            ("price_yuan", "1"),
            ("reason", "x"),
        ],
        skip(&[Office]),
    );
    post(
        "/office/products/{code}/incidents",
        format!("/office/products/{own}/incidents"),
        no_form(),
        skip(&[Office]),
    );
    let settle = vec![("to", "dismissed"), ("reason", "x")];
    post(
        "/office/incidents/{id}/settle",
        format!("/office/incidents/{}/settle", f.incident),
        settle,
        skip(&[Office]),
    );
    let account = vec![
        ("organisation_id", "1"),
        ("username", "route-user"),
        ("display_name", "x"),
    ];
    post("/office/accounts", "/office/accounts".into(), account, skip(&[Office]));
    let u = f.user;
    post(
        "/office/accounts/{id}/active",
        format!("/office/accounts/{u}/active"),
        vec![("active", "0")],
        skip(&[Office]),
    );
    post(
        "/office/accounts/{id}/reset",
        format!("/office/accounts/{u}/reset"),
        no_form(),
        skip(&[Office]),
    );
    let policy = format!("/office/policies/{}", f.policy);
    post(
        "/office/policies",
        "/office/policies".into(),
        no_form(),
        skip(&[Office]),
    );
    post("/office/policies/{id}", policy.clone(), no_form(), skip(&[Office]));
    post(
        "/office/notices/{id}/correct",
        format!("/office/notices/{}/correct", f.notice),
        no_form(),
        skip(&[Office]),
    );
    post(
        "/office/notices/{id}/withdraw",
        format!("/office/notices/{}/withdraw", f.notice),
        no_form(),
        skip(&[Office]),
    );
    post(
        "/office/policies/{id}/status",
        format!("{policy}/status"),
        vec![("to", "retired")],
        skip(&[Office]),
    );
    let draft = format!("/office/bundles/{}", f.draft_bundle);
    let line = format!("{draft}/lines/{}", f.bundle_line);
    post("/office/bundles", "/office/bundles".into(), no_form(), skip(&[Office]));
    post(
        "/office/bundles/{id}/lines",
        format!("{draft}/lines"),
        no_form(),
        skip(&[Office]),
    );
    post(
        "/office/bundles/{id}/lines/{line}",
        line.clone(),
        vec![("quantity", "3")],
        skip(&[Office]),
    );
    post(
        "/office/bundles/{id}/lines/{line}/remove",
        format!("{line}/remove"),
        no_form(),
        skip(&[Office]),
    );
    post(
        "/office/bundles/{id}/publish",
        format!("{draft}/publish"),
        no_form(),
        skip(&[Office]),
    );
    post(
        "/office/bundles/{id}/retire",
        format!("/office/bundles/{}/retire", f.bundle),
        no_form(),
        skip(&[Office]),
    );
    // A grassroots union's plan: another union finds nothing there.
    let own = |mut e: [u16; 10]| {
        e[7] = 404;
        e
    };
    let plan = format!("/union/plans/{}", f.plan);
    let plan_line = format!("{plan}/lines/{}", f.plan_line);
    post(
        "/union/plans",
        "/union/plans".into(),
        no_form(),
        skip(&[Grassroots, OtherGrassroots]),
    );
    post(
        "/union/plans/{id}/lines",
        format!("{plan}/lines"),
        vec![("code", "610924-00001")],
        own(skip(&[Grassroots])),
    );
    post(
        "/union/plans/{id}/lines/{line}",
        plan_line.clone(),
        vec![("quantity", "2")],
        own(skip(&[Grassroots])),
    );
    post(
        "/union/plans/{id}/lines/{line}/remove",
        format!("{plan_line}/remove"),
        no_form(),
        own(skip(&[Grassroots])),
    );
    post(
        "/union/plans/{id}/lines/{line}/substitute",
        format!("{plan_line}/substitute"),
        vec![("product_id", "1")],
        own(skip(&[Grassroots])),
    );
    post(
        "/union/plans/{id}/headcount",
        format!("{plan}/headcount"),
        vec![("headcount", "10")],
        own(skip(&[Grassroots])),
    );
    post(
        "/union/plans/{id}/confirm",
        format!("{plan}/confirm"),
        no_form(),
        own(skip(&[Grassroots])),
    );
    post(
        "/union/plans/{id}/cancel",
        format!("{plan}/cancel"),
        no_form(),
        own(skip(&[Grassroots])),
    );
    // Orders: the union's own (another union finds nothing), the seller's, the office's.
    let delivery = vec![
        ("address", "路由表地址"),
        ("contact_name", "路由表"),
        ("contact_phone", "13800001234"),
    ];
    post(
        "/union/plans/{id}/orders",
        format!("{plan}/orders"),
        delivery,
        own(skip(&[Grassroots])),
    );
    let order = format!("/union/orders/{}", f.order);
    post(
        "/union/orders/{id}/receive",
        format!("{order}/receive"),
        no_form(),
        skip(&[Grassroots, OtherGrassroots]),
    );
    post(
        "/union/orders/{id}/cancel",
        format!("{order}/cancel"),
        vec![("reason", "路由表取消")],
        own(skip(&[Grassroots])),
    );
    post(
        "/union/orders/{id}/close",
        format!("{order}/close"),
        no_form(),
        own(skip(&[Grassroots])),
    );
    post(
        "/union/purchases",
        "/union/purchases".into(),
        no_form(),
        skip(&[Grassroots, OtherGrassroots]),
    );
    let seller_order = format!("/seller/orders/{}", f.order);
    for (pattern, action) in [
        ("/seller/orders/{id}/accept", "accept"),
        ("/seller/orders/{id}/decline", "decline"),
        ("/seller/orders/{id}/ship", "ship"),
        ("/seller/orders/{id}/lots", "lots"),
    ] {
        post(pattern, format!("{seller_order}/{action}"), no_form(), skip(&[Seller]));
    }
    post("/office/sellers", "/office/sellers".into(), no_form(), skip(&[Office]));
    post(
        "/office/sellers/{id}/products",
        format!("/office/sellers/{}/products", f.seller),
        no_form(),
        skip(&[Office]),
    );
    post(
        "/office/products/{code}/recalls",
        format!("/office/products/{}/recalls", f.own_code),
        no_form(),
        skip(&[Office]),
    );
    for (pattern, action) in [
        ("/reports/{year}/start", "start"),
        ("/reports/{year}/save", "save"),
        ("/reports/{year}/upload", "upload"),
    ] {
        post(
            pattern,
            format!("/reports/{}/{action}", f.year),
            no_form(),
            skip(&[City, OtherCity]),
        );
    }
    for (pattern, action, who) in [
        ("/reports/{id}/submit", "submit", &[City, OtherCity][..]),
        ("/reports/{id}/revise", "revise", &[City, OtherCity][..]),
        ("/reports/{id}/accept", "accept", &[Office][..]),
        ("/reports/{id}/return", "return", &[Office][..]),
    ] {
        post(pattern, format!("/reports/{}/{action}", f.report), no_form(), skip(who));
    }
    post(
        "/office/reports/{year}/round",
        format!("/office/reports/{}/round", f.year),
        no_form(),
        skip(&[Office]),
    );
    post("/unions", "/unions".into(), no_form(), skip(&[City, OtherCity, Office]));
    post(
        "/unions/upload",
        "/unions/upload".into(),
        no_form(),
        skip(&[City, OtherCity, Office]),
    );
    t
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_it_should() {
    let app = spawn_app().await;
    app.seed_demo(60).await;
    diesel::update(users::table.filter(users::username.eq("city-610800")))
        .set(users::must_change_password.eq(true))
        .execute(&mut app.db())
        .unwrap();
    let browsers = [
        app.browser(),
        app.signed_in("county-610924").await,
        app.signed_in("county-610981").await,
        app.signed_in("city-610900").await,
        app.signed_in("city-610100").await,
        app.signed_in("office").await,
        app.signed_in("grassroots-01").await,
        app.signed_in("grassroots-02").await,
        app.signed_in("city-610800").await,
        app.signed_in("seller-01").await,
    ];
    let fixture = arrange(&app, &browsers[1], &browsers[3], &browsers[5]).await;
    let table = table(&fixture);

    let routes: Vec<_> = fupin_catalog::web::route_list();
    let missing: Vec<_> = routes.iter().filter(|r| !table.contains_key(*r)).collect();
    assert!(missing.is_empty(), "routes with no line in the table: {missing:?}");
    let stale: Vec<_> = table.keys().filter(|k| !routes.contains(k)).collect();
    assert!(stale.is_empty(), "table lines for routes that do not exist: {stale:?}");

    let mut failures = Vec::new();
    for ((method, pattern), (path, form, expected)) in &table {
        for ((role, browser), want) in ROLES.iter().zip(&browsers).zip(expected) {
            if *want == SKIP {
                continue;
            }
            let response = match *method {
                "GET" => browser.get(path).await,
                _ => browser.post(path, form).await,
            };
            let got = response.status().as_u16();
            let to = location(&response);
            let redirect_ok = match (got, *role) {
                (303, "visitor") => *method == "POST" && path.ends_with("/logout") || to.starts_with("/login"),
                (303, "temp") => to == "/account/password",
                _ => true,
            };
            if got != *want || !redirect_ok {
                failures.push(format!(
                    "{method} {path} ({pattern}) as {role}: {got} → {to:?}, expected {want}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} answers differ:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // None of the refused forms changed anything.
    let (_, page) = browsers[3].get_text(&format!("/nominations/{}", fixture.batch)).await;
    assert!(page.contains("已提交市总工会"), "the batch is still with the city");
    let (_, accounts) = browsers[5].get_text("/office/accounts").await;
    assert!(!accounts.contains("route-user"));
}

#[tokio::test]
async fn every_get_route_answers_head_with_no_body() {
    let app = spawn_app().await;
    app.seed_demo(20).await;
    for (path, status) in [
        ("/", 200),
        ("/search?q=茶", 200),
        ("/login", 200),
        ("/county", 303),
        ("/nope", 404),
    ] {
        let response = app.client.head(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "HEAD {path}");
        assert!(response.bytes().await.unwrap().is_empty(), "HEAD {path} has no body");
    }
}
