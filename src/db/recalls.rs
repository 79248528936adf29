//! Recalls by lot: the office recalls one or more lots of a product, with or without delisting
//! it. Shipped orders holding a recalled lot are stopped; every union that received it sees a
//! notice; the office sees who received it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::bundles::{SpendingError, SpendingResult};
use super::events::{Actor, NewEvent};
use super::schema::{lot_recalls, order_lines, orders, organisations, product_batches, products, shipment_lots};
use super::search_changes::logged_transaction;
use super::{DbConnection, DbResult, now};
use crate::domain::purchasing::OrderStatus;
use crate::domain::{Action, ListingStatus, Subject};

/// What the notice of a recall says: why, its number, and the inspection behind it.
#[derive(Debug, Clone, Default)]
pub struct RecallDetails {
    pub reason: String,
    pub notice_no: String,
    pub failed_item: String,
    pub result: String,
    pub limit: String,
    pub testing_body: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lot_recalls)]
pub struct LotRecall {
    pub id: i32,
    pub batch_id: i32,
    pub product_id: i32,
    pub reason: String,
    pub notice_no: String,
    pub failed_item: String,
    pub result: String,
    pub limit_value: String,
    pub testing_body: String,
    pub recalled_at: NaiveDateTime,
    pub recalled_by: Option<i32>,
}

/// What a recall did.
#[derive(Debug, Clone, Default)]
pub struct RecallOutcome {
    pub lots: Vec<String>,
    pub stopped_orders: Vec<i32>,
    pub unions_reached: usize,
}

/// Recalls the lots `batch_ids` of product `product_id`, and delists the product too when
/// `delist` is set: one transaction. A lot already recalled, or not the product's, is refused.
pub fn recall(
    conn: &mut DbConnection,
    product_id: i32,
    batch_ids: &[i32],
    details: &RecallDetails,
    delist: bool,
    actor: &Actor,
) -> SpendingResult<RecallOutcome> {
    if batch_ids.is_empty() {
        return Err(SpendingError::Refused("请至少选择一个要召回的批次。".to_owned()));
    }
    logged_transaction(conn, |conn| {
        // The scan page shows the recall: the log tells other servers to drop their cached copy.
        super::search_changes::record(conn, product_id)?;
        let mut outcome = RecallOutcome::default();
        let at = now();
        for &batch_id in batch_ids {
            let lot: Option<String> = product_batches::table
                .find(batch_id)
                .filter(product_batches::product_id.eq(product_id))
                .select(product_batches::lot_code)
                .first(conn)
                .optional()?;
            let Some(lot) = lot else {
                return Err(SpendingError::NotFound(format!("该产品没有编号为 {batch_id} 的批次。")));
            };
            let already: Option<NaiveDateTime> = lot_recalls::table
                .filter(lot_recalls::batch_id.eq(batch_id))
                .select(lot_recalls::recalled_at)
                .first(conn)
                .optional()?;
            if let Some(when) = already {
                return Err(SpendingError::Moved(format!(
                    "批次 {lot} 已于 {} 召回。",
                    crate::domain::china_time(when)
                )));
            }
            diesel::insert_into(lot_recalls::table)
                .values((
                    lot_recalls::batch_id.eq(batch_id),
                    lot_recalls::product_id.eq(product_id),
                    lot_recalls::reason.eq(&details.reason),
                    lot_recalls::notice_no.eq(&details.notice_no),
                    lot_recalls::failed_item.eq(&details.failed_item),
                    lot_recalls::result.eq(&details.result),
                    lot_recalls::limit_value.eq(&details.limit),
                    lot_recalls::testing_body.eq(&details.testing_body),
                    lot_recalls::recalled_at.eq(at),
                    lot_recalls::recalled_by.eq(actor.user_id),
                ))
                .execute(conn)?;
            let why = format!("{}（{}）", details.reason, details.notice_no);
            NewEvent::new(Subject::ProductBatch, batch_id, Action::Recall, actor)
                .because(&why)
                .record(conn)?;
            let kind = crate::domain::versions::ChangeKind::LotRecalled;
            let version = super::versions::record(conn, product_id, kind, &why, Some(&lot))?;
            let produced_on: Option<chrono::NaiveDate> = product_batches::table
                .find(batch_id)
                .select(product_batches::produced_on)
                .first(conn)?;
            let findings = super::notices::Findings {
                lot_code: Some(lot.clone()),
                produced_on,
                failed_item: details.failed_item.clone(),
                result: details.result.clone(),
                limit: details.limit.clone(),
                testing_body: details.testing_body.clone(),
                source: "监督抽检".to_owned(),
                source_notice_no: details.notice_no.clone(),
            };
            super::notices::issue(conn, version, product_id, kind, &details.reason, &findings)?;
            // Orders on their way with this lot are stopped; received ones get the notice.
            let holding: Vec<(i32, String)> = shipment_lots::table
                .inner_join(orders::table.on(orders::id.eq(shipment_lots::order_id)))
                .filter(shipment_lots::batch_id.eq(batch_id))
                .filter(orders::status.eq(OrderStatus::Shipped.as_str()))
                .select((orders::id, orders::status))
                .load(conn)?;
            for (order_id, status) in holding {
                let Some(to) = OrderStatus::parse(&status).and_then(OrderStatus::stop) else {
                    continue;
                };
                let moved = diesel::update(orders::table.find(order_id).filter(orders::status.eq(&status)))
                    .set((orders::status.eq(to.as_str()), orders::updated_at.eq(at)))
                    .execute(conn)?;
                if moved == 1 {
                    NewEvent::new(Subject::Order, order_id, Action::Stop, actor)
                        .moved(Some(status.as_str()), Some(to.as_str()))
                        .because(&format!("批次 {lot} 召回：{}", details.reason))
                        .record(conn)?;
                    outcome.stopped_orders.push(order_id);
                }
            }
            outcome.lots.push(lot);
        }
        if delist {
            let status: String = products::table
                .find(product_id)
                .select(products::listing_status)
                .first(conn)?;
            if status != ListingStatus::Delisted.as_str() {
                super::workflow::change_listing(
                    conn,
                    product_id,
                    ListingStatus::Delisted,
                    &format!(
                        "{}（批次 {} 召回，{}）",
                        details.reason,
                        outcome.lots.join("、"),
                        details.notice_no
                    ),
                    actor,
                )
                .map_err(|e| SpendingError::Refused(e.to_string()))?;
            }
        }
        for &batch_id in batch_ids {
            outcome.unions_reached += reach(conn, batch_id)?.unions as usize;
        }
        Ok(outcome)
    })
}

/// A union that received (or has on its way) a lot.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub union_id: i32,
    pub union_name: String,
    pub contact: String,
    pub order_id: i32,
    pub order_status: OrderStatus,
    pub batch_id: i32,
    pub quantity: i32,
    /// The members the order was for.
    pub headcount: i32,
}

/// One shipped lot line, with the order and union it went to.
#[derive(Queryable)]
struct RecipientRow {
    union_id: i32,
    union_name: String,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    order_id: i32,
    order_status: String,
    batch_id: i32,
    quantity: i32,
    headcount: i32,
}

fn recipients_of_batches(conn: &mut DbConnection, batch_ids: &[i32], limit: i64) -> DbResult<Vec<Recipient>> {
    // In the index's order (union, then order), so the first page is read without sorting
    // every shipment of a lot that went far.
    let rows: Vec<RecipientRow> = shipment_lots::table
        .inner_join(orders::table.on(orders::id.eq(shipment_lots::order_id)))
        .inner_join(organisations::table.on(organisations::id.eq(shipment_lots::organisation_id)))
        .filter(shipment_lots::batch_id.eq_any(batch_ids))
        .order((shipment_lots::organisation_id, shipment_lots::order_id))
        .limit(limit)
        .select((
            organisations::id,
            organisations::name,
            organisations::contact_name,
            organisations::contact_phone,
            orders::id,
            orders::status,
            shipment_lots::batch_id,
            shipment_lots::quantity,
            shipment_lots::headcount,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Recipient {
            union_id: r.union_id,
            union_name: r.union_name,
            contact: format!(
                "{} {}",
                r.contact_name.unwrap_or_default(),
                r.contact_phone.unwrap_or_default()
            )
            .trim()
            .to_owned(),
            order_id: r.order_id,
            order_status: OrderStatus::parse(&r.order_status).unwrap_or(OrderStatus::Shipped),
            batch_id: r.batch_id,
            quantity: r.quantity,
            headcount: r.headcount,
        })
        .collect())
}

/// Who received the lot: unions, orders and quantities, by union (in the order they were
/// created) and order, at most `limit`.
pub fn recipients(conn: &mut DbConnection, batch_id: i32, limit: i64) -> DbResult<Vec<Recipient>> {
    recipients_of_batches(conn, &[batch_id], limit)
}

/// How far a lot went, counted in the database: shipments, unions, pieces and the members of
/// the orders that held it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    pub shipments: i64,
    pub unions: i64,
    pub quantity: i64,
    pub members: i64,
}

pub fn reach(conn: &mut DbConnection, batch_id: i32) -> DbResult<Reach> {
    use diesel::dsl::{count, count_star, sum};
    // One shipment per order of a lot (an order has one line per product), so the headcounts
    // of the shipments add up to the members of the orders that held it.
    let (shipments, quantity, unions, members): (i64, Option<i64>, i64, Option<i64>) = shipment_lots::table
        .filter(shipment_lots::batch_id.eq(batch_id))
        .select((
            count_star(),
            sum(shipment_lots::quantity),
            count(shipment_lots::organisation_id).aggregate_distinct(),
            sum(shipment_lots::headcount),
        ))
        .first(conn)?;
    Ok(Reach {
        shipments,
        unions,
        quantity: quantity.unwrap_or(0),
        members: members.unwrap_or(0),
    })
}

/// A recalled lot as the office's list shows it.
#[derive(Debug, Clone)]
pub struct RecalledLot {
    pub recall: LotRecall,
    pub lot_code: String,
    pub product_code: String,
    pub product_name: String,
}

/// Every recall, newest first.
pub fn list(conn: &mut DbConnection, limit: i64) -> DbResult<Vec<RecalledLot>> {
    let rows: Vec<(LotRecall, String, String, String)> = lot_recalls::table
        .inner_join(product_batches::table.inner_join(products::table))
        .order(lot_recalls::id.desc())
        .limit(limit)
        .select((
            LotRecall::as_select(),
            product_batches::lot_code,
            products::catalogue_code,
            products::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(recall, lot_code, product_code, product_name)| RecalledLot {
            recall,
            lot_code,
            product_code,
            product_name,
        })
        .collect())
}

/// One recall by the recalled batch.
pub fn of_batch(conn: &mut DbConnection, batch_id: i32) -> DbResult<Option<RecalledLot>> {
    let row: Option<(LotRecall, String, String, String)> = lot_recalls::table
        .inner_join(product_batches::table.inner_join(products::table))
        .filter(lot_recalls::batch_id.eq(batch_id))
        .select((
            LotRecall::as_select(),
            product_batches::lot_code,
            products::catalogue_code,
            products::name,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(recall, lot_code, product_code, product_name)| RecalledLot {
        recall,
        lot_code,
        product_code,
        product_name,
    }))
}

/// The recalls of a product's lots.
pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<LotRecall>> {
    Ok(lot_recalls::table
        .filter(lot_recalls::product_id.eq(product_id))
        .order(lot_recalls::id)
        .select(LotRecall::as_select())
        .load(conn)?)
}

/// A recall notice on a union's dashboard: a recalled lot it received, in which order, how much.
#[derive(Debug, Clone)]
pub struct UnionNotice {
    pub order_id: i32,
    pub order_status: OrderStatus,
    pub product_code: String,
    pub product_name: String,
    pub lot_code: String,
    pub quantity: i32,
    pub recall: LotRecall,
}

/// The recalled lots a union received or has on its way, newest recall first.
pub fn notices_for_union(conn: &mut DbConnection, org_id: i32) -> DbResult<Vec<UnionNotice>> {
    let rows: Vec<(i32, String, String, String, String, i32, LotRecall)> = orders::table
        .inner_join(order_lines::table.inner_join(shipment_lots::table))
        .inner_join(lot_recalls::table.on(lot_recalls::batch_id.eq(shipment_lots::batch_id)))
        .inner_join(product_batches::table.on(product_batches::id.eq(shipment_lots::batch_id)))
        .inner_join(products::table.on(products::id.eq(order_lines::product_id)))
        .filter(orders::organisation_id.eq(org_id))
        .order((lot_recalls::recalled_at.desc(), orders::id.desc()))
        .select((
            orders::id,
            orders::status,
            products::catalogue_code,
            products::name,
            product_batches::lot_code,
            shipment_lots::quantity,
            LotRecall::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(order_id, status, product_code, product_name, lot_code, quantity, recall)| UnionNotice {
                order_id,
                order_status: OrderStatus::parse(&status).unwrap_or(OrderStatus::Received),
                product_code,
                product_name,
                lot_code,
                quantity,
                recall,
            },
        )
        .collect())
}
