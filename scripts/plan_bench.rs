//! Plan-page benchmark (issue 12): a province-sized demo (100,000 products, 20,000 grassroots
//! unions, 100,000 plans), then one union's plan of 40 lines under a policy it has already used
//! 30 times, rendered in process and fetched over HTTP (p50, p99); then a product held by 5,000
//! plans is delisted, and the next request for one of them is checked to show it flagged.
//!
//! Run: `cargo bench --bench plan_bench [-- PRODUCTS UNIONS PLANS RUNS]`
//! (defaults 100000 20000 100000 2000; SQLite in a temporary directory).

use std::time::Instant;

use diesel::prelude::*;

use fupin_catalog::config::Settings;
use fupin_catalog::db::events::Actor;
use fupin_catalog::db::organisations::Organisation;
use fupin_catalog::db::plans::{self, NewPlan};
use fupin_catalog::db::policies::PolicyRow;
use fupin_catalog::db::schema::{plan_lines, plans as plan_table, policies, products};
use fupin_catalog::db::{self, DbConnection};
use fupin_catalog::demo::{self, spending::SpendingScale};
use fupin_catalog::domain::spending::Festival;
use fupin_catalog::domain::{ListingStatus, PovertyRegionKind, china_date};
use fupin_catalog::startup;
use fupin_catalog::web::nav::Nav;
use fupin_catalog::web::union::{PlanQuery, plan_html};

#[path = "bench_support.rs"]
mod support;
use support::{arg, csrf, report, signed_in};

const UNION: &str = "西安示例机床厂工会";
const DELIST_REASON: &str = "抽检不合格（基准测试）";

/// The products the Hubei-style policy admits (this province's former poverty counties and
/// villages), cheapest first.
fn admitted(conn: &mut DbConnection, limit: i64) -> Vec<(i32, i64)> {
    products::table
        .filter(products::listing_status.eq(ListingStatus::Listed.as_str()))
        .filter(products::poverty_region_kind.eq_any([
            PovertyRegionKind::PovertyCounty.as_str(),
            PovertyRegionKind::PovertyVillage.as_str(),
        ]))
        .filter(products::unit_price_fen.ge(100))
        .order((products::unit_price_fen, products::id))
        .select((products::id, products::unit_price_fen))
        .limit(limit)
        .load(conn)
        .expect("products")
}

/// 30 confirmed plans under the policy, then a draft of 40 lines: the plan the page shows.
fn measured_plan(conn: &mut DbConnection, org: &Organisation, policy_id: i32) -> i32 {
    let actor = Actor {
        user_id: None,
        label: "基准测试".to_owned(),
    };
    let today = china_date(db::now());
    let cheap = admitted(conn, 40);
    assert!(cheap.len() >= 40, "the demo has 40 products the policy admits");
    let new_plan = |name: String, headcount: u32| NewPlan {
        policy_id,
        bundle_id: None,
        name,
        festival: Festival::Other,
        year: 2027,
        headcount,
    };
    for i in 0..30 {
        // Small purchases (one product for ten people each), so thirty fit under the cap.
        let plan = new_plan(format!("已确认计划 {i}"), 10);
        let (id, _) = plans::create(conn, org, &plan, today, &actor).expect("plan");
        plans::add_line(conn, org.id, id, cheap[0].0, 1, today, &actor).expect("line");
        plans::confirm(conn, org, id, today, &actor).expect("confirmed within the cap");
    }
    let members = org.members.unwrap_or(1).max(1) as u32;
    let (id, _) = plans::create(
        conn,
        org,
        &new_plan("四十种产品的计划".to_owned(), members),
        today,
        &actor,
    )
    .expect("plan");
    for (product, _) in &cheap {
        plans::add_line(conn, org.id, id, *product, 1, today, &actor).expect("line");
    }
    id
}

/// Adds `product` to `count` existing plans of other unions (as if they had all picked it).
fn spread(conn: &mut DbConnection, product: i32, price: i64, count: i64) -> usize {
    let holders: Vec<i32> = plan_table::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            plan_lines::table
                .filter(plan_lines::plan_id.eq(plan_table::id))
                .filter(plan_lines::product_id.eq(product)),
        )))
        .select(plan_table::id)
        .order(plan_table::id)
        .limit(count)
        .load(conn)
        .expect("plans");
    for chunk in holders.chunks(2_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|plan| {
                (
                    plan_lines::plan_id.eq(*plan),
                    plan_lines::product_id.eq(product),
                    plan_lines::quantity_per_person.eq(1),
                    plan_lines::unit_price_fen.eq(price),
                    plan_lines::position.eq(99),
                )
            })
            .collect();
        fupin_catalog::batch_insert!(conn, plan_lines::table, &rows).expect("lines");
    }
    holders.len()
}

fn main() -> anyhow::Result<()> {
    let (n_products, n_unions, n_plans, runs) = (arg(1, 100_000), arg(2, 20_000), arg(3, 100_000), arg(4, 2_000));
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::new("127.0.0.1:0".parse()?, dir.path().to_path_buf());
    settings.assets_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let started = Instant::now();
    let scale = SpendingScale {
        unions: n_unions,
        plans: n_plans,
    };
    demo::ensure_at_scale(&mut conn, n_products, scale, false)?;
    let plan_count: i64 = plan_table::table.count().get_result(&mut conn)?;
    println!(
        "demo: {n_products} products, {n_unions} extra grassroots unions, {plan_count} plans in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let org = Organisation::find_by_name(&mut conn, UNION)?.expect("the demo's first grassroots union");
    let policy_id: i32 = policies::table
        .filter(policies::name.like("湖北%"))
        .select(policies::id)
        .first(&mut conn)?;
    let policy = PolicyRow::find(&mut conn, policy_id)?.expect("policy");
    let plan = measured_plan(&mut conn, &org, policy.id);
    let used_before: i64 = plan_table::table
        .filter(plan_table::organisation_id.eq(org.id))
        .filter(plan_table::policy_id.eq(policy.id))
        .count()
        .get_result(&mut conn)?;
    println!(
        "measured plan {plan}: 40 lines; the union has {used_before} plans under “{}”",
        policy.name
    );
    // The first line's product is the one delisted later; 5,000 plans hold it.
    let (victim, victim_price) = admitted(&mut conn, 1)[0];
    let code: String = products::table
        .find(victim)
        .select(products::catalogue_code)
        .first(&mut conn)?;
    let holders = spread(&mut conn, victim, victim_price, 5_000);
    drop(conn);

    // In process: the page's whole work (load, allowance, substitutes from the index, render).
    let state = actix_web::web::Data::new(startup::prepare(settings.clone())?);
    actix_web::rt::System::new().block_on(async {
        let query = PlanQuery::default();
        for _ in 0..50 {
            plan_html(&state, Nav::visitor(), org.id, plan, &query)
                .await
                .expect("page");
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let page = plan_html(&state, Nav::visitor(), org.id, plan, &query)
                .await
                .expect("page");
            times.push(t.elapsed());
            std::hint::black_box(page);
        }
        report("plan page in process", times);
    });
    drop(state);

    // Over HTTP: the real server on loopback, signed in as the union.
    let (base, handle) = support::start_server(settings.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let union = signed_in(&base, "grassroots-01").await;
        let path = format!("{base}/union/plans/{plan}");
        for _ in 0..50 {
            assert_eq!(union.get(&path).send().await.unwrap().status(), 200);
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let body = union.get(&path).send().await.unwrap().bytes().await.unwrap();
            times.push(t.elapsed());
            std::hint::black_box(body);
        }
        report("plan page over HTTP", times);

        let office = signed_in(&base, "office").await;
        let token = csrf(&office, &format!("{base}/office/products/{code}")).await;
        let t = Instant::now();
        let response = office
            .post(format!("{base}/office/products/{code}/status"))
            .form(&[("to", "delisted"), ("reason", DELIST_REASON), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        let delist = t.elapsed();
        assert_eq!(response.status(), 303, "delisted");
        let t = Instant::now();
        let page = union.get(&path).send().await.unwrap().text().await.unwrap();
        let next = t.elapsed();
        let flagged = page.contains(DELIST_REASON);
        println!(
            "delisting {code} (held by {holders} other plans and the measured one): request {:.1} ms; \
             the next plan-page request {:.1} ms shows it flagged: {flagged}",
            delist.as_secs_f64() * 1e3,
            next.as_secs_f64() * 1e3
        );
        assert!(flagged, "the plan is flagged at the next request");
    });
    drop(handle.stop(true));
    println!("machine: {}", support::machine());
    Ok(())
}
