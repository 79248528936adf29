//! A year of purchases and annual reports, so that every table and chart of the statistics has
//! something to show: each grassroots union buys month by month through the five channels, about
//! its planned share of the festival budget; the reporting unions with grassroots unions have
//! reports at every stage, and the others have not reported.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::DemoError;
use crate::db::events::Actor;
use crate::db::organisations::{Organisation, reporting_unions};
use crate::db::purchases::{self, NewPurchase, NewPurchaseLine};
use crate::db::reports::{self, ReportHeader, RowSource};
use crate::db::schema::{organisations, policies, products, reports as report_table, users};
use crate::db::{DbConnection, now, transaction};
use crate::domain::report::ReportRow;
use crate::domain::spending::Channel;
use crate::domain::{Fen, OrgKind};

/// The share of the festival budget the demo unions plan for poverty products, in percent.
const PLANNED_SHARE: i64 = 35;

fn fail(e: impl std::fmt::Display) -> DemoError {
    DemoError::Generate(e.to_string())
}

fn demo_actor() -> Actor {
    Actor {
        user_id: None,
        label: "演示数据".to_owned(),
    }
}

/// Seeds once: when there is no report yet. Returns whether it did.
pub fn ensure(conn: &mut DbConnection) -> Result<bool, DemoError> {
    let existing: i64 = report_table::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(false);
    }
    let today = crate::domain::china_date(now());
    transaction(conn, |conn| -> Result<bool, DemoError> {
        purchases_of_the_year(conn, today)?;
        reports_of_the_year(conn, today.year())?;
        Ok(true)
    })
}

struct Buyer {
    id: i32,
    members: i64,
    standard_yuan: i64,
}

fn purchases_of_the_year(conn: &mut DbConnection, today: NaiveDate) -> Result<(), DemoError> {
    // The union a newcomer signs in as keeps room in its allowance, so that confirming a plan
    // from a bundle, as the login hint suggests, works.
    let keeps_room: Vec<i32> = users::table
        .filter(users::username.eq("grassroots-01"))
        .select(users::organisation_id)
        .load(conn)?;
    let buyers: Vec<Buyer> = organisations::table
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .filter(organisations::id.ne_all(&keeps_room))
        .order(organisations::id)
        .limit(2_000)
        .select((
            organisations::id,
            organisations::members,
            organisations::festival_standard_fen,
        ))
        .load::<(i32, Option<i32>, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, members, standard)| Buyer {
            id,
            members: i64::from(members.unwrap_or(100).max(1)),
            standard_yuan: standard.map_or(500, |f| f / 100).max(100),
        })
        .collect();
    let catalogue: Vec<(i32, String, i64)> = products::table
        .filter(products::listing_status.eq("listed"))
        .order(products::id)
        .limit(400)
        .select((products::id, products::name, products::unit_price_fen))
        .load(conn)?;
    let policies: Vec<(i32, NaiveDate, NaiveDate)> = policies::table
        .filter(policies::status.eq("active"))
        .order(policies::id)
        .select((policies::id, policies::valid_from, policies::valid_to))
        .load(conn)?;
    if catalogue.is_empty() || policies.is_empty() {
        return Ok(());
    }
    let mut rng = SmallRng::seed_from_u64(2020);
    let channels = [
        Channel::Platform832,
        Channel::UnionMall,
        Channel::Counter,
        Channel::Seller,
        Channel::Other,
    ];
    let actor = demo_actor();
    for (n, buyer) in buyers.iter().enumerate() {
        // The year's poverty spending, bought over the months so far; some unions ahead of plan,
        // some behind.
        // yuan × percent × percent / 100 = fen.
        let yearly_fen = buyer.members * buyer.standard_yuan * PLANNED_SHARE * rng.random_range(60..=125) / 100;
        let monthly_fen = yearly_fen / 12;
        for month in 1..=today.month() {
            if rng.random_range(0..10) < 2 {
                continue;
            }
            let day = rng
                .random_range(3..=26)
                .min(if month == today.month() { today.day() } else { 28 });
            let Some(on) = NaiveDate::from_ymd_opt(today.year(), month, day) else {
                continue;
            };
            let Some((policy_id, _, _)) = policies.iter().find(|(_, from, to)| *from <= on && on <= *to) else {
                continue;
            };
            let channel = channels[(n + month as usize) % channels.len()];
            let mut lines = Vec::new();
            let mut left = monthly_fen.max(10_000);
            let count = rng.random_range(1..=3);
            for i in 0..count {
                let (id, name, price) = &catalogue[rng.random_range(0..catalogue.len())];
                let share = if i + 1 == count { left } else { left / 2 };
                let quantity = (share / (*price).max(100)).max(1);
                let amount = quantity * (*price).max(100);
                left -= amount.min(left);
                lines.push(NewPurchaseLine {
                    product_id: Some(*id),
                    name: name.clone(),
                    quantity: quantity as u32,
                    amount: Fen(amount),
                });
            }
            if rng.random_range(0..6) == 0 {
                lines.push(NewPurchaseLine {
                    product_id: None,
                    name: "地方特产（目录外，演示）".to_owned(),
                    quantity: 10,
                    amount: Fen(3_000 * 10),
                });
            }
            let amount: i64 = lines.iter().map(|l| l.amount.0).sum();
            purchases::insert(
                conn,
                &NewPurchase {
                    organisation_id: buyer.id,
                    policy_id: *policy_id,
                    order_id: None,
                    purchased_on: on,
                    channel,
                    channel_name: if channel == Channel::Other {
                        "单位食堂团购（演示）".to_owned()
                    } else {
                        String::new()
                    },
                    seller_id: None,
                    seller_name: format!("{}（演示）", channel.label()),
                    amount: Fen(amount),
                    people: buyer.members as u32,
                    note: format!("{month} 月职工慰问品（演示）"),
                    evidence: None,
                    lines,
                },
                &actor,
            )
            .map_err(fail)?;
        }
    }
    Ok(())
}

/// Reports of the year: the reporting unions with grassroots unions report at every stage, in
/// turn accepted, submitted, returned and still a draft; the rest have not reported.
fn reports_of_the_year(conn: &mut DbConnection, year: i32) -> Result<(), DemoError> {
    let actor = demo_actor();
    let office = Actor {
        user_id: None,
        label: "省总工会指挥部办公室（演示）".to_owned(),
    };
    let with_unions: Vec<Organisation> = reporting_unions(conn)?
        .into_iter()
        .filter(|o| o.kind() != Some(OrgKind::StandaloneUnion))
        .collect();
    let mut stage = 0;
    for union in with_unions {
        let mut rows: Vec<ReportRow> = reports::prefill_rows(conn, &union, year)?;
        if rows.is_empty() {
            continue;
        }
        for row in &mut rows {
            row.planned_poverty_yuan = row
                .planned_poverty_yuan
                .max((row.festival_total_yuan * PLANNED_SHARE + 99) / 100);
        }
        let header = ReportHeader {
            filled_unit: union.name.clone(),
            filled_by: "赵示例".to_owned(),
            contact_phone: "029-8800 0000".to_owned(),
        };
        let id =
            reports::save_draft(conn, union.id, year, &header, &rows, &RowSource::Prefill, &actor).map_err(fail)?;
        let expect = reports::round(conn, year)?.expectations();
        match stage % 4 {
            0 | 1 => {
                reports::submit(conn, id, union.id, expect, &actor).map_err(fail)?;
                if stage % 4 == 0 {
                    reports::decide(conn, id, None, &office).map_err(fail)?;
                }
            }
            2 => {
                reports::submit(conn, id, union.id, expect, &actor).map_err(fail)?;
                reports::decide(conn, id, Some("请核对各县区职工数后重新上报（演示）"), &office).map_err(fail)?;
            }
            _ => {}
        }
        stage += 1;
    }
    Ok(())
}
