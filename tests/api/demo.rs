use diesel::prelude::*;
use fupin_catalog::db::schema::{events, nomination_batches, organisations, products, reports};
use fupin_catalog::demo::{self, DEMO_PASSWORD};
use fupin_catalog::domain::{CreditCode, Gtin, PhoneNumber};

use crate::helpers::test_db;

#[test]
fn demo_data_has_the_plans_scale_and_one_login_per_role() {
    let mut t = test_db();
    let report = demo::ensure(&mut t.conn, demo::PLAN_PRODUCTS, false).unwrap();
    assert!(report.created);
    assert_eq!((report.suppliers, report.products), (575, 1500));
    let roles: Vec<&str> = report.logins.iter().map(|l| l.username.as_str()).collect();
    assert_eq!(
        roles,
        [
            "office",
            "city-610900",
            "county-610924",
            "county-610921",
            "grassroots-01",
            "industry-01",
            "standalone-01",
            "seller-01",
            "seller-02"
        ]
    );

    let kinds: Vec<(String, i64)> = organisations::table
        .group_by(organisations::kind)
        .select((organisations::kind, diesel::dsl::count_star()))
        .order(organisations::kind)
        .load(&mut t.conn)
        .unwrap();
    let count = |k: &str| kinds.iter().find(|(kind, _)| kind == k).map(|(_, n)| *n).unwrap_or(0);
    assert_eq!(
        (count("office"), count("city_union"), count("county_union")),
        (1, 10, 107)
    );
    assert!(count("grassroots_union") >= 3);
    assert_eq!(count("seller"), 2, "a supplier and a distributor sell to the unions");

    // A nomination batch waits at every stage, so each role has one to work on.
    let stages: Vec<String> = nomination_batches::table
        .select(nomination_batches::status)
        .distinct()
        .order(nomination_batches::status)
        .load(&mut t.conn)
        .unwrap();
    assert_eq!(stages, ["draft", "forwarded", "returned", "submitted"]);

    // A year of purchases and reports at every stage, for the statistics.
    let report_stages: Vec<String> = reports::table
        .select(reports::status)
        .distinct()
        .order(reports::status)
        .load(&mut t.conn)
        .unwrap();
    assert_eq!(report_stages, ["accepted", "draft", "returned", "submitted"]);
    let months: Vec<i32> = fupin_catalog::db::schema::purchase_stats_monthly::table
        .select(fupin_catalog::db::schema::purchase_stats_monthly::month)
        .distinct()
        .load(&mut t.conn)
        .unwrap();
    let this_month = chrono::Datelike::month(&fupin_catalog::web::scans::china_today()) as usize;
    assert!(
        months.len() >= this_month.min(6),
        "purchases in most months: {months:?}"
    );
    assert_eq!(
        fupin_catalog::db::stats::stored(&mut t.conn).unwrap(),
        fupin_catalog::db::stats::recount(&mut t.conn).unwrap()
    );

    let user = fupin_catalog::db::users::User::find_by_username(&mut t.conn, "county-610924")
        .unwrap()
        .unwrap();
    assert!(fupin_catalog::auth::password::verify_password(
        DEMO_PASSWORD,
        &user.password_hash
    ));
}

#[test]
fn demo_codes_are_valid_and_every_product_has_its_listing_recorded() {
    let mut t = test_db();
    demo::ensure(&mut t.conn, 400, false).unwrap();
    let rows: Vec<(i32, Option<String>, String)> = products::table
        .select((products::id, products::gtin, products::listing_status))
        .load(&mut t.conn)
        .unwrap();
    assert_eq!(rows.len(), 400);
    for (_, gtin, _) in &rows {
        if let Some(g) = gtin {
            Gtin::parse(g).unwrap();
        }
    }
    let listed_events: i64 = events::table
        .filter(events::action.eq("list"))
        .count()
        .get_result(&mut t.conn)
        .unwrap();
    assert_eq!(listed_events, 400);
    let not_listed = rows.iter().filter(|(_, _, s)| s != "listed").count() as i64;
    let status_events: i64 = events::table
        .filter(events::entity_kind.eq("product"))
        .filter(events::action.ne_all(["list", "edit"]))
        .count()
        .get_result(&mut t.conn)
        .unwrap();
    assert_eq!(status_events, not_listed);
    // Some details were corrected while listed, each with what it changed.
    let corrections: Vec<(Option<String>, Option<String>)> = events::table
        .filter(events::entity_kind.eq("product"))
        .filter(events::action.eq("edit"))
        .select((events::from_state, events::to_state))
        .load(&mut t.conn)
        .unwrap();
    assert!(corrections.len() > 50, "{}", corrections.len());
    for (before, after) in corrections {
        let changed = fupin_catalog::domain::details::stored_changes(&before.unwrap(), &after.unwrap());
        assert!(!changed.is_empty());
    }

    use fupin_catalog::db::schema::suppliers;
    let suppliers: Vec<(String, String, String)> = suppliers::table
        .select((suppliers::credit_code, suppliers::contact_phone, suppliers::name))
        .load(&mut t.conn)
        .unwrap();
    for (code, phone, name) in suppliers {
        CreditCode::parse(&code).unwrap();
        PhoneNumber::parse(&phone).unwrap();
        assert!(name.contains("示例"), "demo supplier {name} must read as fictional");
    }
}

#[test]
fn running_demo_again_reuses_the_data() {
    let mut t = test_db();
    demo::ensure(&mut t.conn, 50, false).unwrap();
    let again = demo::ensure(&mut t.conn, 50, false).unwrap();
    assert!(!again.created);
    assert_eq!(again.products, 50);
}
