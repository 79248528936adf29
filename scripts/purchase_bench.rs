//! Purchasing benchmark (issue 13): a province-sized demo (100,000 products, 20,000 grassroots
//! unions) with 500,000 orders from 50 sellers and 2,000,000 shipped lot lines, one lot shipped in
//! 5,000 of them. Then:
//! - the office's "who received this lot" for that lot (in process, and the page over HTTP);
//! - the lot is recalled, and a union that received it opens its dashboard with the notice
//!   (in process);
//! - a union places a plan's orders with 5 sellers (confirmation and 5 orders, one transaction).
//!
//! Run: `cargo bench --bench purchase_bench [-- PRODUCTS UNIONS ORDERS RUNS]` (defaults 100000
//! 20000 500000 1000) on SQLite in a temporary directory; with `BENCH_POSTGRES_URL=postgres://…/postgres`
//! on a fresh PostgreSQL database made (and dropped) on that server.

use std::collections::HashMap;
use std::time::Instant;

use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use fupin_catalog::config::Settings;
use fupin_catalog::db::events::Actor;
use fupin_catalog::db::orders::{self, Delivery};
use fupin_catalog::db::organisations::Organisation;
use fupin_catalog::db::plans::{self, NewPlan};
use fupin_catalog::db::recalls::{self, RecallDetails};
use fupin_catalog::db::schema::{
    order_lines, orders as order_table, organisations, plans as plan_table, policies, product_batches, products,
    shipment_lots,
};
use fupin_catalog::db::sellers::{self, NewSeller};
use fupin_catalog::db::{self, DbConnection};
use fupin_catalog::demo::{self, spending::SpendingScale};
use fupin_catalog::domain::spending::Festival;
use fupin_catalog::domain::{OrgKind, PovertyRegionKind, china_date};
use fupin_catalog::startup;
use fupin_catalog::web::nav::Nav;
use fupin_catalog::web::union::dashboard_html;

#[path = "bench_support.rs"]
mod support;
use support::{PgBench, arg, report, signed_in};

const SELLERS: usize = 50;
/// Orders whose first line ships from the hot lot.
const HOT_ORDERS: usize = 5_000;
/// Rows per INSERT: within SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK: usize = 2_000;

fn actor() -> Actor {
    Actor {
        user_id: None,
        label: "基准测试".to_owned(),
    }
}

/// Up to fifty sellers, each a supplier of the catalogue with two products or more; their
/// products by seller.
fn seed_sellers(conn: &mut DbConnection) -> Vec<(i32, Vec<i32>)> {
    let suppliers: Vec<(i32, String)> = products::table
        .inner_join(fupin_catalog::db::schema::suppliers::table)
        .filter(products::listing_status.eq("listed"))
        .filter(products::poverty_region_kind.eq_any([
            PovertyRegionKind::PovertyCounty.as_str(),
            PovertyRegionKind::PovertyVillage.as_str(),
        ]))
        .select((
            fupin_catalog::db::schema::suppliers::id,
            fupin_catalog::db::schema::suppliers::credit_code,
        ))
        .distinct()
        .order(fupin_catalog::db::schema::suppliers::id)
        .limit(SELLERS as i64 * 4)
        .load(conn)
        .expect("suppliers");
    let mut sellers = Vec::new();
    for (i, (supplier, code)) in suppliers.iter().enumerate() {
        if sellers.len() == SELLERS {
            break;
        }
        // A supplier already selling (the demo's own) keeps its account.
        let existing: i64 = organisations::table
            .filter(organisations::supplier_id.eq(supplier))
            .count()
            .get_result(conn)
            .unwrap();
        if existing > 0 {
            continue;
        }
        let id = sellers::create(
            conn,
            &NewSeller {
                name: format!("基准测试销售商 {i}"),
                supplier_credit_code: Some(code.clone()),
                contact_name: "基准".to_owned(),
                contact_phone: "13800000000".to_owned(),
                username: format!("bench-seller-{i}"),
                display_name: "基准".to_owned(),
                password_hash: "unusable".to_owned(),
            },
            &actor(),
        )
        .expect("seller");
        let own: Vec<i32> = products::table
            .filter(products::supplier_id.eq(supplier))
            .filter(products::listing_status.eq("listed"))
            .order(products::unit_price_fen)
            .select(products::id)
            .load(conn)
            .unwrap();
        if own.len() >= 2 {
            sellers.push((id, own));
        }
    }
    sellers
}

/// Two lots (A, B) of every product the sellers sell: batch ids by (product, 0 or 1).
fn seed_lots(conn: &mut DbConnection, products: &[i32]) -> HashMap<(i32, usize), i32> {
    let at = db::now();
    let rows: Vec<_> = products
        .iter()
        .flat_map(|p| {
            ["A", "B"].into_iter().map(move |s| {
                (
                    product_batches::product_id.eq(*p),
                    product_batches::lot_code.eq(format!("BENCH{p}-{s}")),
                    product_batches::inspection_result.eq("passed"),
                    product_batches::inspection_note.eq(""),
                    product_batches::origin.eq(""),
                    product_batches::created_at.eq(at),
                )
            })
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        fupin_catalog::batch_insert!(conn, product_batches::table, chunk).expect("lots");
    }
    let ids: Vec<(i32, i32, String)> = product_batches::table
        .filter(product_batches::product_id.eq_any(products))
        .filter(product_batches::lot_code.like("BENCH%"))
        .select((
            product_batches::id,
            product_batches::product_id,
            product_batches::lot_code,
        ))
        .load(conn)
        .unwrap();
    ids.into_iter()
        .map(|(id, product, lot)| ((product, usize::from(lot.ends_with('B'))), id))
        .collect()
}

/// Orders of two lines, each line shipped from both lots of its product; the first
/// [`HOT_ORDERS`] orders' first line from the hot lot (lot A of product `hot`). Explicit ids, so
/// lines and lots can refer to them without reading them back.
fn seed_orders(
    conn: &mut DbConnection,
    count: usize,
    unions: &[i32],
    sellers: &[(i32, Vec<i32>)],
    lots: &HashMap<(i32, usize), i32>,
    plan: (i32, i32),
    hot: i32,
) -> (usize, usize) {
    let mut rng = SmallRng::seed_from_u64(13);
    let first_order: i32 = order_table::table
        .select(diesel::dsl::max(order_table::id))
        .first::<Option<i32>>(conn)
        .unwrap()
        .unwrap_or(0)
        + 1;
    let first_line: i32 = order_lines::table
        .select(diesel::dsl::max(order_lines::id))
        .first::<Option<i32>>(conn)
        .unwrap()
        .unwrap_or(0)
        + 1;
    let at = db::now();
    let (mut lines_written, mut lots_written) = (0, 0);
    let started = Instant::now();
    for start in (0..count).step_by(CHUNK / 2) {
        let end = (start + CHUNK / 2).min(count);
        let mut orders = Vec::new();
        let mut lines = Vec::new();
        let mut shipped = Vec::new();
        for i in start..end {
            let id = first_order + i as i32;
            // The hot lot's orders come from its seller.
            let (seller, products) = if i < HOT_ORDERS {
                &sellers[0]
            } else {
                &sellers[rng.random_range(0..sellers.len())]
            };
            let union = unions[rng.random_range(0..unions.len())];
            let status = match rng.random_range(0..10) {
                0 => "shipped",
                1 => "closed",
                _ => "received",
            };
            orders.push((
                order_table::id.eq(id),
                order_table::plan_id.eq(plan.0),
                order_table::organisation_id.eq(union),
                order_table::seller_id.eq(*seller),
                order_table::policy_id.eq(plan.1),
                order_table::headcount.eq(50),
                order_table::total_fen.eq(100_000i64),
                order_table::delivery_address.eq("基准测试地址"),
                order_table::contact_name.eq("基准"),
                order_table::contact_phone.eq("13800000000"),
                order_table::status.eq(status),
                order_table::placed_at.eq(at),
                order_table::updated_at.eq(at),
            ));
            let first = if i < HOT_ORDERS {
                hot
            } else {
                products[rng.random_range(0..products.len())]
            };
            let second = loop {
                let p = products[rng.random_range(0..products.len())];
                if p != first {
                    break p;
                }
            };
            for (k, product) in [first, second].into_iter().enumerate() {
                let line_id = first_line + (i * 2 + k) as i32;
                lines.push((line_id, product));
                for lot in 0..2 {
                    shipped.push((
                        shipment_lots::order_line_id.eq(line_id),
                        shipment_lots::batch_id.eq(lots[&(product, lot)]),
                        shipment_lots::quantity.eq(25),
                        shipment_lots::order_id.eq(id),
                        shipment_lots::organisation_id.eq(union),
                        shipment_lots::headcount.eq(50),
                    ));
                }
            }
        }
        let line_rows: Vec<_> = lines
            .iter()
            .enumerate()
            .map(|(n, (id, product))| {
                (
                    order_lines::id.eq(*id),
                    order_lines::order_id.eq(first_order + (start + n / 2) as i32),
                    order_lines::product_id.eq(*product),
                    order_lines::quantity.eq(50),
                    order_lines::unit_price_fen.eq(1_000i64),
                    order_lines::received_quantity.eq(Some(50)),
                    order_lines::position.eq((n % 2) as i32 + 1),
                )
            })
            .collect();
        db::transaction(conn, |conn| -> QueryResult<()> {
            fupin_catalog::batch_insert!(conn, order_table::table, &orders)?;
            fupin_catalog::batch_insert!(conn, order_lines::table, &line_rows)?;
            for chunk in shipped.chunks(CHUNK) {
                fupin_catalog::batch_insert!(conn, shipment_lots::table, chunk)?;
            }
            Ok(())
        })
        .expect("orders");
        lines_written += line_rows.len();
        lots_written += shipped.len();
        if start % 100_000 == 0 && start > 0 {
            eprintln!("  {start} orders in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    if let DbConnection::Postgresql(pg) = conn {
        // Explicit ids leave the identity sequences behind.
        for table in ["orders", "order_lines"] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            ))
            .execute(pg)
            .unwrap();
        }
        diesel::sql_query("ANALYZE").execute(pg).unwrap();
    } else {
        diesel::sql_query("ANALYZE").execute(conn).unwrap();
    }
    (lines_written, lots_written)
}

fn main() -> anyhow::Result<()> {
    support::install_query_profiler();
    let (n_products, n_unions, n_orders, runs) = (arg(1, 100_000), arg(2, 20_000), arg(3, 500_000), arg(4, 1_000));
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::new("127.0.0.1:0".parse()?, dir.path().to_path_buf());
    settings.assets_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let pg = std::env::var("BENCH_POSTGRES_URL")
        .ok()
        .map(|url| PgBench::create(&url, "fupin_purchase_bench"));
    if let Some(pg) = &pg {
        settings.database_url = Some(pg.url.clone());
    }
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut conn = settings.database().connect()?;
    db::migrate(&mut conn)?;
    let started = Instant::now();
    let scale = SpendingScale {
        unions: n_unions,
        plans: 0,
    };
    demo::ensure_at_scale(&mut conn, n_products, scale, false)?;
    println!(
        "{backend}: demo of {n_products} products and {n_unions} extra grassroots unions in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let sellers = seed_sellers(&mut conn);
    let sold: Vec<i32> = sellers.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    let lots = seed_lots(&mut conn, &sold);
    let unions: Vec<i32> = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .select(organisations::id)
        .load(&mut conn)?;
    let plan: (i32, i32) = plan_table::table
        .filter(plan_table::status.eq("confirmed"))
        .select((plan_table::id, plan_table::policy_id))
        .first(&mut conn)?;
    let hot_product = sellers[0].1[0];
    let hot = (hot_product, lots[&(hot_product, 0)]);
    let (lines, lot_lines) = seed_orders(&mut conn, n_orders, &unions, &sellers, &lots, plan, hot_product);
    let total_lot_lines: i64 = shipment_lots::table.count().get_result(&mut conn)?;
    println!(
        "{} sellers, {} lots, {n_orders} orders, {lines} order lines, {lot_lines} lot lines ({total_lot_lines} in all) in {:.1} s",
        sellers.len(),
        lots.len(),
        t.elapsed().as_secs_f64()
    );

    // Who received the hot lot, in process: what the office's page reads (how far it went, and
    // the first page of recipients by union name).
    let mut times = Vec::with_capacity(runs);
    let mut reach = recalls::Reach::default();
    for _ in 0..runs {
        let t = Instant::now();
        reach = recalls::reach(&mut conn, hot.1)?;
        let listed = recalls::recipients(&mut conn, hot.1, 500)?;
        times.push(t.elapsed());
        std::hint::black_box(listed);
    }
    report(
        &format!(
            "who received the lot ({} shipments to {} unions, {} members) in process",
            reach.shipments, reach.unions, reach.members
        ),
        times,
    );
    let t = Instant::now();
    let everyone = recalls::recipients(&mut conn, hot.1, i64::MAX)?;
    println!(
        "every recipient of the lot (the export's rows): {} in {:.1} ms",
        everyone.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // The recall itself.
    let t = Instant::now();
    let outcome = recalls::recall(
        &mut conn,
        hot.0,
        &[hot.1],
        &RecallDetails {
            reason: "基准测试召回".to_owned(),
            notice_no: "基准 1 号".to_owned(),
            failed_item: "—".to_owned(),
            result: "—".to_owned(),
            limit: "—".to_owned(),
            testing_body: "—".to_owned(),
        },
        false,
        &actor(),
    )?;
    println!(
        "recalling the lot: {:.1} ms, {} orders on their way stopped, {} unions reached",
        t.elapsed().as_secs_f64() * 1e3,
        outcome.stopped_orders.len(),
        outcome.unions_reached
    );

    // Placing a plan's orders with 5 sellers: a named union of 1,250 members, one product of each
    // of five sellers, for one person; a fresh draft each run (not timed).
    let org = Organisation::find_by_name(&mut conn, "榆林示例煤化工公司工会")?.expect("the demo's fifth union");
    let hubei: i32 = policies::table
        .filter(policies::name.like("湖北%"))
        .select(policies::id)
        .first(&mut conn)?;
    let today = china_date(db::now());
    let picks: Vec<String> = sellers
        .iter()
        .skip(1)
        .filter_map(|(_, products)| products.first())
        .take(5)
        .map(|p| {
            products::table
                .find(p)
                .select(products::catalogue_code)
                .first(&mut conn)
                .unwrap()
        })
        .collect();
    let place_runs = runs.min(200);
    let delivery = Delivery {
        address: "基准测试地址".to_owned(),
        contact_name: "基准".to_owned(),
        contact_phone: "13800000000".to_owned(),
    };
    let mut times = Vec::with_capacity(place_runs);
    for i in 0..place_runs {
        let (plan, _) = plans::create(
            &mut conn,
            &org,
            &NewPlan {
                policy_id: hubei,
                bundle_id: None,
                name: format!("基准下单 {i}"),
                festival: Festival::Other,
                year: 2027,
                headcount: 1,
            },
            today,
            &actor(),
        )?;
        for code in &picks {
            let product: i32 = products::table
                .filter(products::catalogue_code.eq(code))
                .select(products::id)
                .first(&mut conn)?;
            plans::add_line(&mut conn, org.id, plan, product, 1, today, &actor())?;
        }
        let t = Instant::now();
        let placed = orders::place(&mut conn, &org, plan, &delivery, today, &actor())?;
        times.push(t.elapsed());
        assert_eq!(placed.len(), 5, "five sellers, five orders");
    }
    report("placing a plan's orders with 5 sellers", times);

    // A union that received the hot lot: its dashboard with the notice, in process.
    let holder: i32 = order_table::table
        .inner_join(order_lines::table.inner_join(shipment_lots::table))
        .filter(shipment_lots::batch_id.eq(hot.1))
        .select(order_table::organisation_id)
        .first(&mut conn)?;
    let their_orders: i64 = order_table::table
        .filter(order_table::organisation_id.eq(holder))
        .count()
        .get_result(&mut conn)?;
    drop(conn);
    let state = actix_web::web::Data::new(startup::prepare(settings.clone())?);
    actix_web::rt::System::new().block_on(async {
        for _ in 0..50 {
            dashboard_html(&state, Nav::visitor(), holder, None)
                .await
                .expect("page");
        }
        let mut times = Vec::with_capacity(runs);
        let mut shows = false;
        for _ in 0..runs {
            let t = Instant::now();
            let page = dashboard_html(&state, Nav::visitor(), holder, None)
                .await
                .expect("page");
            times.push(t.elapsed());
            shows = page.contains("召回通知");
        }
        assert!(shows, "the dashboard shows the recall");
        report(
            &format!("union dashboard with its recall notice ({their_orders} orders) in process"),
            times,
        );
        if std::env::var_os("BENCH_QUERY_PROFILE").is_some() {
            support::profile_queries(true);
            dashboard_html(&state, Nav::visitor(), holder, None)
                .await
                .expect("page");
            support::profile_queries(false);
        }
    });
    drop(state);

    // The office's page over HTTP.
    let (base, handle) = support::start_server(settings.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let office = signed_in(&base, "office").await;
        let path = format!("{base}/office/recalls/{}", hot.1);
        for _ in 0..20 {
            assert_eq!(office.get(&path).send().await.unwrap().status(), 200);
        }
        let mut times = Vec::with_capacity(runs.min(300));
        for _ in 0..runs.min(300) {
            let t = Instant::now();
            let body = office.get(&path).send().await.unwrap().bytes().await.unwrap();
            times.push(t.elapsed());
            std::hint::black_box(body);
        }
        report("who received the lot, the office's page over HTTP", times);
    });
    drop(handle.stop(true));
    println!("machine: {}", support::machine());
    Ok(())
}
