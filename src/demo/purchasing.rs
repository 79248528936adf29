//! Demo purchasing: two sellers (a supplier with its own account, and a distributor linked to
//! the other products), orders from the named unions' plans in every state, lots for each
//! product, a purchase recorded elsewhere, and one recalled lot that reached a few unions — so
//! that a seller, a union and the office each find something to do.

use diesel::prelude::*;

use super::DemoError;
use crate::db::events::Actor;
use crate::db::orders::{self, Delivery, Party, Receipt};
use crate::db::organisations::Organisation;
use crate::db::plans::{self as plan_db, NewPlan};
use crate::db::purchases::{self, NewPurchase, NewPurchaseLine};
use crate::db::recalls::{self, RecallDetails};
use crate::db::schema::{organisations, plans, product_batches, products, users};
use crate::db::sellers::{self, NewSeller};
use crate::db::trace::{self, NewProductBatch};
use crate::db::{DbConnection, now};
use crate::domain::purchasing::LotPart;
use crate::domain::spending::{Channel, Festival, PlanStatus};
use crate::domain::{Fen, OrgKind};

/// Seeds purchasing once: when no seller exists yet.
pub fn ensure(conn: &mut DbConnection, password_hash: &str) -> Result<bool, DemoError> {
    let sellers: i64 = organisations::table
        .filter(organisations::kind.eq(OrgKind::Seller.as_str()))
        .count()
        .get_result(conn)?;
    if sellers > 0 {
        return Ok(false);
    }
    let unions = named_unions(conn)?;
    if unions.len() < 6 {
        return Ok(false);
    }
    let today = crate::domain::china_date(now());
    let office = actor_of(conn, "office")?;
    // grassroots-01 orders a small plan from the mountain bundle; the others order their
    // confirmed plans.
    let mut plan_of = Vec::new();
    for (i, org) in unions.iter().enumerate() {
        let actor = actor_of(conn, &format!("grassroots-{:02}", i + 1))?;
        let plan = if i == 0 {
            let model: Option<(i32, Option<i32>)> = plans::table
                .filter(plans::organisation_id.eq(org.id))
                .filter(plans::name.eq("春节慰问品（秦岭山珍）"))
                .select((plans::policy_id, plans::bundle_id))
                .first(conn)
                .optional()?;
            let Some((policy_id, bundle_id)) = model else {
                return Ok(false);
            };
            let new = NewPlan {
                policy_id,
                bundle_id,
                name: "元旦慰问品（班组）".to_owned(),
                festival: Festival::Other,
                year: chrono::Datelike::year(&today),
                headcount: 20,
            };
            plan_db::create(conn, org, &new, today, &actor).map_err(fail)?.0
        } else {
            let confirmed: Option<i32> = plans::table
                .filter(plans::organisation_id.eq(org.id))
                .filter(plans::status.eq(PlanStatus::Confirmed.as_str()))
                .order(plans::id)
                .select(plans::id)
                .first(conn)
                .optional()?;
            let Some(id) = confirmed else { return Ok(false) };
            id
        };
        plan_of.push((org.clone(), plan, actor));
    }
    // The sellers of those plans' products.
    let first_plan = plan_db::load(conn, unions[0].id, plan_of[0].1).map_err(fail)?;
    let Some(first) = first_plan.lines.first() else {
        return Ok(false);
    };
    let supplier_code: String = crate::db::schema::suppliers::table
        .find(first.product.supplier_id)
        .select(crate::db::schema::suppliers::credit_code)
        .first(conn)?;
    let seller_one = sellers::create(
        conn,
        &NewSeller {
            name: format!("{}（销售）", first.product.supplier_name),
            supplier_credit_code: Some(supplier_code),
            contact_name: first.product.supplier_contact_name.clone(),
            contact_phone: first.product.supplier_contact_phone.clone(),
            username: "seller-01".to_owned(),
            display_name: "供应商（演示账号）".to_owned(),
            password_hash: password_hash.to_owned(),
        },
        &office,
    )
    .map_err(fail)?;
    let seller_two = sellers::create(
        conn,
        &NewSeller {
            name: "陕西示例农产品供应链有限公司".to_owned(),
            supplier_credit_code: None,
            contact_name: "赵示例".to_owned(),
            contact_phone: "13800002020".to_owned(),
            username: "seller-02".to_owned(),
            display_name: "经销商（演示账号）".to_owned(),
            password_hash: password_hash.to_owned(),
        },
        &office,
    )
    .map_err(fail)?;
    // Demo accounts sign in with the demo password at once.
    diesel::update(users::table.filter(users::username.eq_any(["seller-01", "seller-02"])))
        .set(users::must_change_password.eq(false))
        .execute(conn)?;
    let mut product_ids: Vec<i32> = Vec::new();
    for (org, plan, _) in &plan_of {
        for l in plan_db::load(conn, org.id, *plan).map_err(fail)?.lines {
            if !product_ids.contains(&l.product.id) {
                product_ids.push(l.product.id);
            }
        }
    }
    let others: Vec<crate::domain::CatalogueCode> = products::table
        .filter(products::id.eq_any(&product_ids))
        .filter(products::supplier_id.ne(first.product.supplier_id))
        .select(products::catalogue_code)
        .load::<String>(conn)?
        .iter()
        .filter_map(|c| crate::domain::CatalogueCode::parse(c).ok())
        .collect();
    if !others.is_empty() {
        sellers::link_products(conn, seller_two, &others, &office).map_err(fail)?;
    }
    // Two lots of every product, for the sellers to ship.
    for &product in &product_ids {
        for (suffix, days) in [("A", 40), ("B", 20)] {
            let lot = format!("SX{product}-{suffix}");
            let exists: i64 = product_batches::table
                .filter(product_batches::product_id.eq(product))
                .filter(product_batches::lot_code.eq(&lot))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                trace::add_batch(
                    conn,
                    &NewProductBatch {
                        product_id: product,
                        lot_code: lot,
                        produced_on: Some(today - chrono::Duration::days(days)),
                        packed_on: Some(today - chrono::Duration::days(days - 3)),
                        quantity_milli: Some(2_000_000),
                        quantity_unit: Some("件".to_owned()),
                        origin: String::new(),
                        inspection_result: "passed".to_owned(),
                        inspection_note: "演示：出厂检验合格".to_owned(),
                        created_at: now(),
                    },
                    &office,
                )?;
            }
        }
    }
    let seller_actor = |conn: &mut DbConnection, id: i32| -> Result<Actor, DemoError> {
        let username = if id == seller_one { "seller-01" } else { "seller-02" };
        actor_of(conn, username)
    };
    // Every union's orders, taken as far as its part of the story.
    let mut recalled_product = None;
    for (i, (org, plan, actor)) in plan_of.iter().enumerate() {
        let delivery = Delivery {
            address: format!("{}（演示收货地址）", org.name),
            contact_name: org.contact_name.clone().unwrap_or_else(|| "工会办公室".to_owned()),
            contact_phone: org.contact_phone.clone().unwrap_or_else(|| "13800000000".to_owned()),
        };
        let ids = orders::place(conn, org, *plan, &delivery, today, actor).map_err(fail)?;
        for (k, id) in ids.iter().enumerate() {
            let order = orders::load(conn, Party::Union(org.id), *id).map_err(fail)?;
            let seller = order.row.seller_id;
            let by = seller_actor(conn, seller)?;
            // Lot A of the first line's product is the one recalled below; grassroots-02
            // shipped from lot B only, so its order is not stopped.
            let from_b = i == 1;
            let ship = |conn: &mut DbConnection| -> Result<(), DemoError> {
                let parts: Vec<LotPart> = order
                    .lines
                    .iter()
                    .flat_map(|l| {
                        let lot = |s: &str| format!("SX{}-{s}", l.product.id);
                        let q = l.line.quantity as u32;
                        if from_b {
                            vec![LotPart {
                                line_id: l.line.id,
                                lot: lot("B"),
                                quantity: q,
                            }]
                        } else if q > 1 {
                            vec![
                                LotPart {
                                    line_id: l.line.id,
                                    lot: lot("A"),
                                    quantity: q / 2,
                                },
                                LotPart {
                                    line_id: l.line.id,
                                    lot: lot("B"),
                                    quantity: q - q / 2,
                                },
                            ]
                        } else {
                            vec![LotPart {
                                line_id: l.line.id,
                                lot: lot("A"),
                                quantity: q,
                            }]
                        }
                    })
                    .collect();
                orders::accept(conn, seller, *id, &by).map_err(fail)?;
                orders::ship(conn, seller, *id, &parts, &by).map_err(fail)?;
                Ok(())
            };
            let receipt = Receipt {
                received: Default::default(),
                note: "数量无误（演示）".to_owned(),
                evidence: None,
                on: today,
            };
            match (i, k) {
                // grassroots-01: received, holding the lot recalled below.
                (0, _) => {
                    ship(conn)?;
                    orders::receive(conn, org.id, *id, &receipt, actor).map_err(fail)?;
                    recalled_product.get_or_insert(order.lines[0].product.id);
                }
                // grassroots-02: shipped from the lot that is not recalled.
                (1, _) => ship(conn)?,
                // grassroots-03: received and closed.
                (2, _) => {
                    ship(conn)?;
                    orders::receive(conn, org.id, *id, &receipt, actor).map_err(fail)?;
                    orders::close(conn, org.id, *id, actor).map_err(fail)?;
                }
                // grassroots-04: on its way when the lot is recalled: stopped.
                (3, _) => ship(conn)?,
                // grassroots-05: one accepted, one declined.
                (4, 0) => orders::accept(conn, seller, *id, &by).map_err(fail)?,
                (4, _) => orders::decline(conn, seller, *id, "库存不足，春节前无法备齐（演示）", &by).map_err(fail)?,
                // grassroots-06: one cancelled, one still waiting for the seller.
                (5, 0) if ids.len() > 1 => {
                    orders::cancel(conn, org.id, *id, "改为在 832 平台采购（演示）", actor).map_err(fail)?
                }
                _ => {}
            }
        }
    }
    // A purchase made elsewhere, recorded by grassroots-03.
    let (org, _, actor) = &plan_of[2];
    let policy_id: i32 = plans::table.find(plan_of[2].1).select(plans::policy_id).first(conn)?;
    purchases::record(
        conn,
        &NewPurchase {
            organisation_id: org.id,
            policy_id,
            order_id: None,
            purchased_on: today - chrono::Duration::days(10),
            channel: Channel::Platform832,
            channel_name: String::new(),
            seller_id: None,
            seller_name: "832 平台店铺（演示）".to_owned(),
            amount: Fen(86 * 3_000),
            people: 86,
            note: "职工食堂采购（演示）".to_owned(),
            evidence: None,
            lines: vec![NewPurchaseLine {
                product_id: None,
                name: "安康富硒大米 5kg".to_owned(),
                quantity: 86,
                amount: Fen(86 * 3_000),
            }],
        },
        actor,
    )
    .map_err(fail)?;
    // The recall: lot A of one product fails a market-supervision sampling.
    if let Some(product) = recalled_product {
        let lot: i32 = product_batches::table
            .filter(product_batches::product_id.eq(product))
            .filter(product_batches::lot_code.eq(format!("SX{product}-A")))
            .select(product_batches::id)
            .first(conn)?;
        recalls::recall(
            conn,
            product,
            &[lot],
            &RecallDetails {
                reason: "市场监管部门抽检不合格（演示）".to_owned(),
                notice_no: "陕市监抽检〔2026〕第 18 号（演示）".to_owned(),
                failed_item: "二氧化硫残留量".to_owned(),
                result: "0.32 g/kg".to_owned(),
                limit: "≤0.1 g/kg".to_owned(),
                testing_body: "陕西省产品质量监督检验研究院（演示）".to_owned(),
            },
            false,
            &office,
        )
        .map_err(fail)?;
    }
    Ok(true)
}

fn fail(e: crate::db::bundles::SpendingError) -> DemoError {
    DemoError::Generate(e.to_string())
}

fn actor_of(conn: &mut DbConnection, username: &str) -> Result<Actor, DemoError> {
    let user: (i32, String) = users::table
        .filter(users::username.eq(username))
        .select((users::id, users::display_name))
        .first(conn)
        .optional()?
        .ok_or_else(|| DemoError::Generate(format!("演示数据缺少 {username} 账号")))?;
    Ok(Actor {
        user_id: Some(user.0),
        label: format!("{}（{username}）", user.1),
    })
}

/// The named grassroots unions, grassroots-01 to -06, in order.
fn named_unions(conn: &mut DbConnection) -> Result<Vec<Organisation>, DemoError> {
    let mut unions = Vec::new();
    for i in 1..=6 {
        let org: Option<i32> = users::table
            .filter(users::username.eq(format!("grassroots-{i:02}")))
            .select(users::organisation_id)
            .first(conn)
            .optional()?;
        if let Some(id) = org {
            unions.push(Organisation::find(conn, id)?);
        }
    }
    Ok(unions)
}
