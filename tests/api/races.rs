//! Two people acting on the same record at the same moment: every transition is a compare-and-set
//! on the record's current state, so exactly one of two concurrent requests wins, the other gets a
//! 409 saying who moved it, and the record ends in one consistent state. Run on both databases
//! (`.ci/run` runs this file against PostgreSQL too).

use crate::helpers::{Browser, TestApp, spawn_app};
use crate::nominations::{row_ids, submitted_batch};

/// Sends two posts together and returns their statuses and bodies, in order.
async fn together(
    first: (&Browser, &str, &[(&str, &str)]),
    second: (&Browser, &str, &[(&str, &str)]),
) -> [(u16, String); 2] {
    // Tokens first, so the two requests leave as close together as possible.
    let (t1, t2) = tokio::join!(first.0.csrf(), second.0.csrf());
    let with = |form: &[(&str, &str)], token: &str| -> Vec<(String, String)> {
        form.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("csrf_token".to_owned(), token.to_owned())])
            .collect()
    };
    let (f1, f2) = (with(first.2, &t1), with(second.2, &t2));
    let send = |b: &Browser, path: &str, form: &Vec<(String, String)>| {
        let body = serde_urlencoded::to_string(form).unwrap();
        b.client
            .post(format!("{}{path}", b.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let (r1, r2) = tokio::join!(send(first.0, first.1, &f1), send(second.0, second.1, &f2));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    let (s1, s2) = (r1.status().as_u16(), r2.status().as_u16());
    let (b1, b2) = tokio::join!(r1.text(), r2.text());
    [(s1, b1.unwrap()), (s2, b2.unwrap())]
}

fn one_wins(results: &[(u16, String); 2]) -> usize {
    one_wins_with(results, 303)
}

/// Exactly one of the two got `ok`, the other a 409 that says the record moved; the winner's index.
fn one_wins_with(results: &[(u16, String); 2], ok: u16) -> usize {
    let statuses = [results[0].0, results[1].0];
    let mut sorted = statuses;
    sorted.sort();
    let mut want = [ok, 409];
    want.sort();
    assert_eq!(sorted, want, "exactly one of two concurrent changes wins: {statuses:?}");
    let loser = &results[statuses.iter().position(|s| *s == 409).unwrap()].1;
    assert!(
        ["刚刚已被他人处理", "不能", "当前为", "已经是"]
            .iter()
            .any(|m| loser.contains(m)),
        "the loser is told the record moved: {loser}"
    );
    statuses.iter().position(|s| *s == ok).unwrap()
}

async fn batch_status(app: &TestApp, id: i32) -> String {
    use diesel::prelude::*;
    use fupin_catalog::db::schema::nomination_batches;
    nomination_batches::table
        .find(id)
        .select(nomination_batches::status)
        .first(&mut app.db())
        .unwrap()
}

async fn row_statuses(app: &TestApp, batch: i32) -> Vec<String> {
    use diesel::prelude::*;
    use fupin_catalog::db::schema::nomination_rows;
    nomination_rows::table
        .filter(nomination_rows::batch_id.eq(batch))
        .select(nomination_rows::review_status)
        .load(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn a_forward_and_a_return_sent_together_leave_the_batch_in_one_consistent_state() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    // Two sessions of the same city union, as two clerks at two desks.
    // (Signed in one after the other: the throttle holds back parallel sign-ins of one account.)
    let (clerk_a, clerk_b) = (app.signed_in("city-610900").await, app.signed_in("city-610900").await);
    for round in 0..5 {
        let batch = submitted_batch(&county).await;
        let forward = format!("/nominations/{batch}/forward");
        let back = format!("/nominations/{batch}/return");
        let results = together(
            (&clerk_a, &forward, &[]),
            (&clerk_b, &back, &[("reason", "材料不全，请补充")]),
        )
        .await;
        let winner = one_wins(&results);
        let status = batch_status(&app, batch).await;
        let rows = row_statuses(&app, batch).await;
        if winner == 0 {
            assert_eq!(status, "forwarded", "round {round}");
            assert!(
                rows.iter().all(|r| r == "pending"),
                "forwarded rows await the office: {rows:?}"
            );
        } else {
            assert_eq!(status, "returned", "round {round}");
            assert!(
                rows.iter().all(|r| r == "draft"),
                "a returned batch's rows stay with the county: {rows:?}"
            );
        }
    }
}

#[tokio::test]
async fn two_offices_deciding_one_row_together_make_one_decision() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let city = app.signed_in("city-610900").await;
    let (a, b) = (app.signed_in("office").await, app.signed_in("office").await);
    let batch = submitted_batch(&county).await;
    assert_eq!(
        city.post(&format!("/nominations/{batch}/forward"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, queue) = a.get_text("/office/review?county=610924").await;
    let id = row_ids(&queue).remove(0);
    let results = together(
        (
            &a,
            "/office/review",
            &[("decision", "approve"), ("row_ids", &id), ("reason", "")],
        ),
        (
            &b,
            "/office/review",
            &[("decision", "reject"), ("row_ids", &id), ("reason", "未纳入全国目录")],
        ),
    )
    .await;
    let winner = one_wins(&results);
    let rows = row_statuses(&app, batch).await;
    assert_eq!(rows, [if winner == 0 { "approved" } else { "rejected" }]);
    let products: i64 = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::products;
        products::table
            .filter(products::name.eq("紫阳富硒茶"))
            .count()
            .get_result(&mut app.db())
            .unwrap()
    };
    assert_eq!(products, if winner == 0 { 1 } else { 0 }, "one product at most");
}

#[tokio::test]
async fn rows_of_a_batch_the_city_returned_cannot_be_decided() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let county = app.signed_in("county-610924").await;
    let city = app.signed_in("city-610900").await;
    let office = app.signed_in("office").await;
    let batch = submitted_batch(&county).await;
    let response = city
        .post(&format!("/nominations/{batch}/return"), &[("reason", "材料不全")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let row: i32 = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::nomination_rows;
        nomination_rows::table
            .filter(nomination_rows::batch_id.eq(batch))
            .select(nomination_rows::id)
            .first(&mut app.db())
            .unwrap()
    };
    let response = office
        .post(
            "/office/review",
            &[("decision", "approve"), ("row_ids", &row.to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(row_statuses(&app, batch).await, ["draft"], "nothing changed");
}

#[tokio::test]
async fn two_listing_changes_of_one_product_sent_together_make_one_change() {
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let (a, b) = (app.signed_in("office").await, app.signed_in("office").await);
    let code: String = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::products;
        products::table
            .filter(products::listing_status.eq("listed"))
            .select(products::catalogue_code)
            .first(&mut app.db())
            .unwrap()
    };
    let path = format!("/office/products/{code}/status");
    let results = together(
        (&a, &path, &[("to", "delisted"), ("reason", "抽检不合格")]),
        (&b, &path, &[("to", "delisted"), ("reason", "企业申请退出")]),
    )
    .await;
    one_wins(&results);
    let (status, events): (String, i64) = {
        use diesel::prelude::*;
        use fupin_catalog::db::schema::{events, products};
        let mut conn = app.db();
        let (id, status): (i32, String) = products::table
            .filter(products::catalogue_code.eq(&code))
            .select((products::id, products::listing_status))
            .first(&mut conn)
            .unwrap();
        let n = events::table
            .filter(events::entity_kind.eq("product"))
            .filter(events::entity_id.eq(id))
            .filter(events::action.eq_any(["delist", "suspend"]))
            .count()
            .get_result(&mut conn)
            .unwrap();
        (status, n)
    };
    assert_eq!(status, "delisted");
    assert_eq!(events, 1, "one change, one event");
}

#[tokio::test]
async fn two_settlements_of_one_incident_sent_together_make_one() {
    use diesel::prelude::*;
    use fupin_catalog::db::schema::{events, products, quality_incidents};
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let (a, b) = (app.signed_in("office").await, app.signed_in("office").await);
    let code: String = products::table
        .filter(products::listing_status.eq("listed"))
        .select(products::catalogue_code)
        .first(&mut app.db())
        .unwrap();
    let opened = a
        .post(
            &format!("/office/products/{code}/incidents"),
            &[
                ("occurred_on", "2026-11-30"),
                ("source", "市场监管抽检"),
                ("description", "并发测试"),
            ],
        )
        .await;
    assert_eq!(opened.status().as_u16(), 303);
    let incident: i32 = quality_incidents::table
        .select(quality_incidents::id)
        .order(quality_incidents::id.desc())
        .first(&mut app.db())
        .unwrap();
    let path = format!("/office/incidents/{incident}/settle");
    let results = together(
        (&a, &path, &[("to", "verified_serious"), ("reason", "查实：农残超标")]),
        (&b, &path, &[("to", "dismissed"), ("reason", "复检合格")]),
    )
    .await;
    let winner = one_wins(&results);
    let (status, listing): (String, String) = quality_incidents::table
        .find(incident)
        .inner_join(products::table)
        .select((quality_incidents::status, products::listing_status))
        .first(&mut app.db())
        .unwrap();
    if winner == 0 {
        assert_eq!((status.as_str(), listing.as_str()), ("verified_serious", "delisted"));
    } else {
        assert_eq!((status.as_str(), listing.as_str()), ("dismissed", "listed"));
    }
    let settled: i64 = events::table
        .filter(events::entity_kind.eq("incident"))
        .filter(events::entity_id.eq(incident))
        .filter(events::action.eq("settle"))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(settled, 1, "one settlement, one event");
}

#[tokio::test]
async fn two_disablings_of_one_account_sent_together_make_one() {
    use diesel::prelude::*;
    use fupin_catalog::db::schema::{events, users};
    let app = spawn_app().await;
    app.seed_demo(10).await;
    let (a, b) = (app.signed_in("office").await, app.signed_in("office").await);
    let id: i32 = users::table
        .filter(users::username.eq("county-610924"))
        .select(users::id)
        .first(&mut app.db())
        .unwrap();
    let path = format!("/office/accounts/{id}/active");
    let results = together((&a, &path, &[("active", "0")]), (&b, &path, &[("active", "0")])).await;
    one_wins_with(&results, 200);
    let disabled: i64 = events::table
        .filter(events::entity_kind.eq("user"))
        .filter(events::entity_id.eq(id))
        .filter(events::action.eq("disable"))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(disabled, 1, "one change, one event");
}
