//! Purchase orders: placed from a union's confirmed plan, one per seller; accepted or declined by
//! the seller; shipped with the lots of each line named; received by the union, which turns them
//! into purchase records. Every move is a compare-and-set with its event.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::bundles::{SpendingError, SpendingResult, moved_by};
use super::events::{Actor, NewEvent};
use super::lines::{self, LineProduct};
use super::organisations::Organisation;
use super::plans;
use super::purchases::{self, NewPurchase, NewPurchaseLine};
use super::schema::{
    lot_recalls, order_lines, orders, organisations, plans as plan_table, product_batches, products, seller_products,
    shipment_lots,
};
use super::{DbConnection, DbResult, now};
use crate::domain::purchasing::{self, LineToShip, LotPart, LotState, OrderStatus};
use crate::domain::spending::{Channel, PlanStatus};
use crate::domain::{Action, Fen, ListingStatus, OrgKind, Subject};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: i32,
    pub plan_id: i32,
    pub organisation_id: i32,
    pub seller_id: i32,
    pub policy_id: i32,
    pub headcount: i32,
    pub total_fen: i64,
    pub delivery_address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub status: String,
    pub placed_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::Placed)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_lines)]
pub struct OrderLineRow {
    pub id: i32,
    pub order_id: i32,
    pub product_id: i32,
    pub quantity: i32,
    pub unit_price_fen: i64,
    pub received_quantity: Option<i32>,
    pub position: i32,
}

/// A lot shipped in a line.
#[derive(Debug, Clone)]
pub struct ShippedLot {
    pub batch_id: i32,
    pub lot_code: String,
    pub quantity: i32,
    pub recalled: bool,
}

/// A lot of the line's product the seller may name.
#[derive(Debug, Clone)]
pub struct LotChoice {
    pub lot_code: String,
    pub produced_on: Option<NaiveDate>,
    pub recalled: bool,
}

#[derive(Debug, Clone)]
pub struct OrderLine {
    pub line: OrderLineRow,
    pub product: LineProduct,
    pub lots: Vec<ShippedLot>,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub row: OrderRow,
    pub union_name: String,
    pub seller_name: String,
    pub plan_name: String,
    pub lines: Vec<OrderLine>,
}

impl Order {
    pub fn has_recalled_lot(&self) -> bool {
        self.lines.iter().any(|l| l.lots.iter().any(|s| s.recalled))
    }
}

/// Whose order it is, for a read or a move: a union sees its own orders, a seller those it
/// delivers, the office every one.
#[derive(Debug, Clone, Copy)]
pub enum Party {
    Union(i32),
    Seller(i32),
    Office,
}

/// Where a plan's orders go, and how to reach the union.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// The seller of each product: a distributor the office linked to it, else the supplier's own
/// seller account; a product neither has is missing from the map.
pub fn sellers_of(conn: &mut DbConnection, product_ids: &[i32]) -> DbResult<HashMap<i32, i32>> {
    let mut found: HashMap<i32, i32> = HashMap::new();
    let linked: Vec<(i32, i32)> = seller_products::table
        .filter(seller_products::product_id.eq_any(product_ids))
        .order(seller_products::seller_id)
        .select((seller_products::product_id, seller_products::seller_id))
        .load(conn)?;
    for (product, seller) in linked {
        found.entry(product).or_insert(seller);
    }
    let own: Vec<(i32, i32)> = products::table
        .inner_join(organisations::table.on(organisations::supplier_id.eq(products::supplier_id.nullable())))
        .filter(products::id.eq_any(product_ids))
        .filter(organisations::kind.eq(OrgKind::Seller.as_str()))
        .order(organisations::id)
        .select((products::id, organisations::id))
        .load(conn)?;
    for (product, seller) in own {
        found.entry(product).or_insert(seller);
    }
    Ok(found)
}

/// Confirms a draft plan (or takes a confirmed one that has no orders yet) and places its orders,
/// one per seller, all in one transaction: every order or none. Returns the new orders' ids.
pub fn place(
    conn: &mut DbConnection,
    org: &Organisation,
    plan_id: i32,
    delivery: &Delivery,
    today: NaiveDate,
    actor: &Actor,
) -> SpendingResult<Vec<i32>> {
    super::transaction(conn, |conn| {
        let plan = plans::load(conn, org.id, plan_id)?;
        match plan.row.status() {
            PlanStatus::Draft => {
                plans::confirm(conn, org, plan_id, today, actor)?;
            }
            PlanStatus::Confirmed => {}
            PlanStatus::Cancelled => {
                return Err(SpendingError::Refused("计划已取消，不能下单。".to_owned()));
            }
        }
        let existing: i64 = orders::table
            .filter(orders::plan_id.eq(plan_id))
            .count()
            .get_result(conn)?;
        if existing > 0 {
            return Err(SpendingError::Moved(format!(
                "计划已下过单{}，请在订单列表中查看。",
                moved_by(conn, Subject::Plan, plan_id)?
            )));
        }
        // Read again: confirmation fixed the prices and the headcount.
        let plan = plans::load(conn, org.id, plan_id)?;
        if let Some(gone) = plan.flagged().first() {
            return Err(SpendingError::Refused(format!(
                "“{}”目前{}，不能下单：请取消本计划，另建一个替换了该产品的计划。",
                gone.product.name,
                gone.product.status().label()
            )));
        }
        let status = plan.row.status();
        let product_ids: Vec<i32> = plan.lines.iter().map(|l| l.product.id).collect();
        let sellers = sellers_of(conn, &product_ids)?;
        let unsold: Vec<&str> = plan
            .lines
            .iter()
            .filter(|l| !sellers.contains_key(&l.product.id))
            .map(|l| l.product.name.as_str())
            .collect();
        if !unsold.is_empty() {
            return Err(SpendingError::Refused(format!(
                "“{}”还没有在系统中开户的销售商，不能在线下单：请从计划中移除后再下单，或在其他渠道购买后登记采购记录。",
                unsold.join("”“")
            )));
        }
        let mut by_seller: BTreeMap<i32, Vec<&plans::PlanLine>> = BTreeMap::new();
        for l in &plan.lines {
            by_seller.entry(sellers[&l.product.id]).or_default().push(l);
        }
        let headcount = plan.row.headcount;
        let at = now();
        let mut ids = Vec::new();
        for (seller, lines) in by_seller {
            let total: i64 = lines
                .iter()
                .map(|l| l.per_person(status).0 * i64::from(headcount))
                .sum();
            let id: i32 = diesel::insert_into(orders::table)
                .values((
                    orders::plan_id.eq(plan_id),
                    orders::organisation_id.eq(org.id),
                    orders::seller_id.eq(seller),
                    orders::policy_id.eq(plan.row.policy_id),
                    orders::headcount.eq(headcount),
                    orders::total_fen.eq(total),
                    orders::delivery_address.eq(&delivery.address),
                    orders::contact_name.eq(&delivery.contact_name),
                    orders::contact_phone.eq(&delivery.contact_phone),
                    orders::status.eq(OrderStatus::Placed.as_str()),
                    orders::placed_at.eq(at),
                    orders::updated_at.eq(at),
                ))
                .returning(orders::id)
                .get_result(conn)?;
            for (position, l) in lines.iter().enumerate() {
                diesel::insert_into(order_lines::table)
                    .values((
                        order_lines::order_id.eq(id),
                        order_lines::product_id.eq(l.product.id),
                        order_lines::quantity.eq(l.line.quantity_per_person * headcount),
                        order_lines::unit_price_fen.eq(l.unit_price(status).0),
                        order_lines::position.eq(position as i32 + 1),
                    ))
                    .execute(conn)?;
            }
            NewEvent::new(Subject::Order, id, Action::Place, actor)
                .moved(None, Some(OrderStatus::Placed.as_str()))
                .because(&format!("计划“{}”，{} 人，{} 元", plan.row.name, headcount, Fen(total)))
                .record(conn)?;
            ids.push(id);
        }
        NewEvent::new(Subject::Plan, plan_id, Action::Place, actor)
            .because(&format!("下单 {} 个", ids.len()))
            .record(conn)?;
        Ok(ids)
    })
}

fn find_row(conn: &mut DbConnection, party: Party, id: i32) -> SpendingResult<OrderRow> {
    let mut q = orders::table.find(id).select(OrderRow::as_select()).into_boxed();
    q = match party {
        Party::Union(org) => q.filter(orders::organisation_id.eq(org)),
        Party::Seller(org) => q.filter(orders::seller_id.eq(org)),
        Party::Office => q,
    };
    q.first(conn)
        .optional()?
        .ok_or_else(|| SpendingError::NotFound(format!("订单 {id} 不存在。")))
}

fn load_rows(conn: &mut DbConnection, rows: Vec<OrderRow>) -> DbResult<Vec<Order>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let line_rows: Vec<OrderLineRow> = order_lines::table
        .filter(order_lines::order_id.eq_any(&ids))
        .order((order_lines::order_id, order_lines::position))
        .select(OrderLineRow::as_select())
        .load(conn)?;
    let line_ids: Vec<i32> = line_rows.iter().map(|l| l.id).collect();
    let shipped: Vec<(i32, i32, String, i32, Option<i32>)> = shipment_lots::table
        .inner_join(product_batches::table)
        .left_join(lot_recalls::table.on(lot_recalls::batch_id.eq(shipment_lots::batch_id)))
        .filter(shipment_lots::order_line_id.eq_any(&line_ids))
        .order(shipment_lots::id)
        .select((
            shipment_lots::order_line_id,
            shipment_lots::batch_id,
            product_batches::lot_code,
            shipment_lots::quantity,
            lot_recalls::id.nullable(),
        ))
        .load(conn)?;
    let product_ids: Vec<i32> = line_rows.iter().map(|l| l.product_id).collect();
    let products = lines::products_by_id(conn, &product_ids)?;
    let mut org_ids: Vec<i32> = rows.iter().flat_map(|r| [r.organisation_id, r.seller_id]).collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let names: HashMap<i32, String> = organisations::table
        .filter(organisations::id.eq_any(&org_ids))
        .select((organisations::id, organisations::name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    let plan_ids: Vec<i32> = rows.iter().map(|r| r.plan_id).collect();
    let plan_names: HashMap<i32, String> = plan_table::table
        .filter(plan_table::id.eq_any(&plan_ids))
        .select((plan_table::id, plan_table::name))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Order {
            union_name: names.get(&row.organisation_id).cloned().unwrap_or_default(),
            seller_name: names.get(&row.seller_id).cloned().unwrap_or_default(),
            plan_name: plan_names.get(&row.plan_id).cloned().unwrap_or_default(),
            lines: line_rows
                .iter()
                .filter(|l| l.order_id == row.id)
                .filter_map(|l| {
                    Some(OrderLine {
                        product: products.get(&l.product_id)?.clone(),
                        lots: shipped
                            .iter()
                            .filter(|s| s.0 == l.id)
                            .map(|s| ShippedLot {
                                batch_id: s.1,
                                lot_code: s.2.clone(),
                                quantity: s.3,
                                recalled: s.4.is_some(),
                            })
                            .collect(),
                        line: l.clone(),
                    })
                })
                .collect(),
            row,
        })
        .collect())
}

/// One order, if `party` may see it.
pub fn load(conn: &mut DbConnection, party: Party, id: i32) -> SpendingResult<Order> {
    let row = find_row(conn, party, id)?;
    Ok(load_rows(conn, vec![row])?.remove(0))
}

/// The orders `party` may see, newest first, narrowed to one state when given; at most `limit`.
pub fn list(conn: &mut DbConnection, party: Party, status: Option<OrderStatus>, limit: i64) -> DbResult<Vec<Order>> {
    let mut q = orders::table.select(OrderRow::as_select()).into_boxed();
    q = match party {
        Party::Union(org) => q.filter(orders::organisation_id.eq(org)),
        Party::Seller(org) => q.filter(orders::seller_id.eq(org)),
        Party::Office => q,
    };
    if let Some(s) = status {
        q = q.filter(orders::status.eq(s.as_str()));
    }
    let rows = q.order(orders::id.desc()).limit(limit).load(conn)?;
    load_rows(conn, rows)
}

/// The orders of one plan.
pub fn of_plan(conn: &mut DbConnection, org_id: i32, plan_id: i32) -> DbResult<Vec<Order>> {
    let rows = orders::table
        .filter(orders::plan_id.eq(plan_id))
        .filter(orders::organisation_id.eq(org_id))
        .order(orders::id)
        .select(OrderRow::as_select())
        .load(conn)?;
    load_rows(conn, rows)
}

/// Moves an order from the state it is in to the one `step` gives, compare-and-set: of two moves
/// sent together one wins and the other is told who moved it.
fn move_order(
    conn: &mut DbConnection,
    party: Party,
    id: i32,
    step: fn(OrderStatus) -> Result<OrderStatus, crate::domain::spending::TransitionError>,
    action: Action,
    reason: &str,
    actor: &Actor,
) -> SpendingResult<(OrderRow, OrderStatus)> {
    let row = find_row(conn, party, id)?;
    let from = row.status();
    let to = step(from).map_err(|e| SpendingError::Moved(e.0))?;
    let moved = diesel::update(orders::table.find(id).filter(orders::status.eq(from.as_str())))
        .set((orders::status.eq(to.as_str()), orders::updated_at.eq(now())))
        .execute(conn)?;
    if moved == 0 {
        return Err(SpendingError::Moved(format!(
            "订单已被他人处理{}，请刷新后再试。",
            moved_by(conn, Subject::Order, id)?
        )));
    }
    NewEvent::new(Subject::Order, id, action, actor)
        .moved(Some(from.as_str()), Some(to.as_str()))
        .because(reason)
        .record(conn)?;
    Ok((row, to))
}

pub fn accept(conn: &mut DbConnection, seller_id: i32, id: i32, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        move_order(
            conn,
            Party::Seller(seller_id),
            id,
            OrderStatus::accept,
            Action::Accept,
            "",
            actor,
        )
        .map(|_| ())
    })
}

pub fn decline(conn: &mut DbConnection, seller_id: i32, id: i32, reason: &str, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        move_order(
            conn,
            Party::Seller(seller_id),
            id,
            OrderStatus::decline,
            Action::Decline,
            reason,
            actor,
        )
        .map(|_| ())
    })
}

pub fn cancel(conn: &mut DbConnection, org_id: i32, id: i32, reason: &str, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        move_order(
            conn,
            Party::Union(org_id),
            id,
            OrderStatus::cancel,
            Action::Cancel,
            reason,
            actor,
        )
        .map(|_| ())
    })
}

pub fn close(conn: &mut DbConnection, org_id: i32, id: i32, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        move_order(
            conn,
            Party::Union(org_id),
            id,
            OrderStatus::close,
            Action::Close,
            "",
            actor,
        )
        .map(|_| ())
    })
}

/// The lots of each line's product the seller may choose from, newest first.
pub fn lot_choices(conn: &mut DbConnection, order: &Order) -> DbResult<HashMap<i32, Vec<LotChoice>>> {
    let product_ids: Vec<i32> = order.lines.iter().map(|l| l.product.id).collect();
    let rows: Vec<(i32, String, Option<NaiveDate>, Option<i32>)> = product_batches::table
        .left_join(lot_recalls::table.on(lot_recalls::batch_id.eq(product_batches::id)))
        .filter(product_batches::product_id.eq_any(&product_ids))
        .filter(product_batches::removed_at.is_null())
        .order(product_batches::id.desc())
        .select((
            product_batches::product_id,
            product_batches::lot_code,
            product_batches::produced_on,
            lot_recalls::id.nullable(),
        ))
        .load(conn)?;
    let mut by_product: HashMap<i32, Vec<LotChoice>> = HashMap::new();
    for (product, lot_code, produced_on, recall) in rows {
        by_product.entry(product).or_default().push(LotChoice {
            lot_code,
            produced_on,
            recalled: recall.is_some(),
        });
    }
    Ok(by_product)
}

/// Ships an accepted order: the lots of each line, checked against the product's traceability
/// record (existing, not removed, not recalled, the product still listed), then the order moves
/// to shipped. Of two shipments sent together, one lands and the other is refused.
pub fn ship(conn: &mut DbConnection, seller_id: i32, id: i32, parts: &[LotPart], actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        let order = load(conn, Party::Seller(seller_id), id)?;
        order.row.status().ship().map_err(|e| SpendingError::Moved(e.0))?;
        for l in &order.lines {
            let status = l.product.status();
            if status != ListingStatus::Listed {
                return Err(SpendingError::Refused(format!(
                    "“{}”目前{}，不能发货；请与工会联系取消该订单。",
                    l.product.name,
                    status.label()
                )));
            }
        }
        let to_ship: Vec<LineToShip> = order
            .lines
            .iter()
            .map(|l| LineToShip {
                line_id: l.line.id,
                product_name: l.product.name.clone(),
                quantity: l.line.quantity as u32,
            })
            .collect();
        let product_of: HashMap<i32, i32> = order.lines.iter().map(|l| (l.line.id, l.product.id)).collect();
        let mut lookups: Vec<(i32, String, LotState)> = Vec::new();
        for part in parts {
            let Some(&product) = product_of.get(&part.line_id) else {
                continue;
            };
            let found: Option<(i32, Option<NaiveDateTime>, Option<i32>)> = product_batches::table
                .left_join(lot_recalls::table.on(lot_recalls::batch_id.eq(product_batches::id)))
                .filter(product_batches::product_id.eq(product))
                .filter(product_batches::lot_code.eq(&part.lot))
                .select((
                    product_batches::id,
                    product_batches::removed_at,
                    lot_recalls::id.nullable(),
                ))
                .first(conn)
                .optional()?;
            let state = match found {
                None => LotState::Missing,
                Some((_, _, Some(_))) => LotState::Recalled,
                Some((_, Some(_), None)) => LotState::Removed,
                Some((batch_id, None, None)) => LotState::Shippable { batch_id },
            };
            lookups.push((part.line_id, part.lot.clone(), state));
        }
        let allocation = purchasing::allocate(&to_ship, parts, |line, lot| {
            lookups
                .iter()
                .find(|(l, code, _)| *l == line && code == lot)
                .map(|(_, _, s)| s.clone())
                .unwrap_or(LotState::Missing)
        })
        .map_err(|problems| SpendingError::Refused(problems.join(" ")))?;
        let (_, _) = move_order(
            conn,
            Party::Seller(seller_id),
            id,
            OrderStatus::ship,
            Action::Ship,
            &shipment_summary(&order, parts),
            actor,
        )?;
        for (line_id, batch_id, quantity) in allocation {
            diesel::insert_into(shipment_lots::table)
                .values((
                    shipment_lots::order_line_id.eq(line_id),
                    shipment_lots::batch_id.eq(batch_id),
                    shipment_lots::quantity.eq(quantity as i32),
                    shipment_lots::order_id.eq(id),
                    shipment_lots::organisation_id.eq(order.row.organisation_id),
                    shipment_lots::headcount.eq(order.row.headcount),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

fn shipment_summary(order: &Order, parts: &[LotPart]) -> String {
    order
        .lines
        .iter()
        .map(|l| {
            let lots: Vec<String> = parts
                .iter()
                .filter(|p| p.line_id == l.line.id && p.quantity > 0)
                .map(|p| format!("{} × {}", p.lot, p.quantity))
                .collect();
            format!("{}：{}", l.product.name, lots.join("、"))
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// What the union says arrived.
pub struct Receipt {
    /// Quantity received per line id; a line not named arrived in full.
    pub received: HashMap<i32, u32>,
    pub note: String,
    pub evidence: Option<(String, String)>,
    pub on: NaiveDate,
}

/// Confirms receipt of a shipped order: the quantity of each line, a note and optionally the
/// delivery note's photo. The order becomes a purchase record (channel: the seller directly).
/// Returns the purchase record's id.
pub fn receive(conn: &mut DbConnection, org_id: i32, id: i32, receipt: &Receipt, actor: &Actor) -> SpendingResult<i32> {
    super::transaction(conn, |conn| {
        let order = load(conn, Party::Union(org_id), id)?;
        let mut problems = Vec::new();
        for (line_id, qty) in &receipt.received {
            match order.lines.iter().find(|l| l.line.id == *line_id) {
                None => problems.push(format!("订单中没有第 {line_id} 行。")),
                Some(l) if *qty > l.line.quantity as u32 => problems.push(format!(
                    "“{}”实收 {qty} 件，多于发货的 {} 件。",
                    l.product.name, l.line.quantity
                )),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(SpendingError::Refused(problems.join(" ")));
        }
        move_order(
            conn,
            Party::Union(org_id),
            id,
            OrderStatus::receive,
            Action::Receive,
            &receipt.note,
            actor,
        )?;
        let mut lines = Vec::new();
        for l in &order.lines {
            let qty = receipt
                .received
                .get(&l.line.id)
                .copied()
                .unwrap_or(l.line.quantity as u32);
            diesel::update(order_lines::table.find(l.line.id))
                .set(order_lines::received_quantity.eq(Some(qty as i32)))
                .execute(conn)?;
            lines.push(NewPurchaseLine {
                product_id: Some(l.product.id),
                name: l.product.name.clone(),
                quantity: qty,
                amount: Fen(l.line.unit_price_fen * i64::from(qty)),
            });
        }
        let amount = Fen(lines.iter().map(|l| l.amount.0).sum());
        let purchase = NewPurchase {
            organisation_id: org_id,
            policy_id: order.row.policy_id,
            order_id: Some(id),
            purchased_on: receipt.on,
            channel: Channel::Seller,
            channel_name: String::new(),
            seller_id: Some(order.row.seller_id),
            seller_name: order.seller_name.clone(),
            amount,
            people: order.row.headcount as u32,
            note: receipt.note.clone(),
            evidence: receipt.evidence.clone(),
            lines,
        };
        purchases::insert(conn, &purchase, actor)
    })
}
