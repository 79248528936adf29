//! Purchase records (采购记录): received orders and purchases made elsewhere, one table, which
//! the allowance counts as used and the statistics build on.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::bundles::SpendingResult;
use super::events::{Actor, NewEvent};
use super::schema::{purchase_lines, purchases};
use super::{DbConnection, DbResult, now};
use crate::domain::spending::Channel;
use crate::domain::{Action, Fen, Subject};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchases)]
pub struct PurchaseRow {
    pub id: i32,
    pub organisation_id: i32,
    pub policy_id: i32,
    pub order_id: Option<i32>,
    pub purchased_on: NaiveDate,
    pub channel: String,
    pub channel_name: String,
    pub seller_id: Option<i32>,
    pub seller_name: String,
    pub amount_fen: i64,
    pub people: i32,
    pub note: String,
    pub evidence_path: Option<String>,
    pub evidence_kind: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

impl PurchaseRow {
    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Other)
    }

    /// The channel as a person names it: the other channel's own name when it has one.
    pub fn channel_label(&self) -> String {
        match self.channel() {
            Channel::Other if !self.channel_name.is_empty() => format!("其他：{}", self.channel_name),
            c => c.label().to_owned(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchase_lines)]
pub struct PurchaseLineRow {
    pub id: i32,
    pub purchase_id: i32,
    pub product_id: Option<i32>,
    pub name: String,
    pub quantity: i32,
    pub amount_fen: i64,
}

#[derive(Debug, Clone)]
pub struct NewPurchaseLine {
    pub product_id: Option<i32>,
    pub name: String,
    pub quantity: u32,
    pub amount: Fen,
}

#[derive(Debug, Clone)]
pub struct NewPurchase {
    pub organisation_id: i32,
    pub policy_id: i32,
    pub order_id: Option<i32>,
    pub purchased_on: NaiveDate,
    pub channel: Channel,
    pub channel_name: String,
    pub seller_id: Option<i32>,
    pub seller_name: String,
    pub amount: Fen,
    pub people: u32,
    pub note: String,
    /// Stored path and kind ("photo" or "pdf") of the invoice or delivery note.
    pub evidence: Option<(String, String)>,
    pub lines: Vec<NewPurchaseLine>,
}

/// Writes a purchase record with its lines and event; call inside a transaction.
pub fn insert(conn: &mut DbConnection, p: &NewPurchase, actor: &Actor) -> SpendingResult<i32> {
    let id: i32 = diesel::insert_into(purchases::table)
        .values((
            purchases::organisation_id.eq(p.organisation_id),
            purchases::policy_id.eq(p.policy_id),
            purchases::order_id.eq(p.order_id),
            purchases::purchased_on.eq(p.purchased_on),
            purchases::channel.eq(p.channel.as_str()),
            purchases::channel_name.eq(&p.channel_name),
            purchases::seller_id.eq(p.seller_id),
            purchases::seller_name.eq(&p.seller_name),
            purchases::amount_fen.eq(p.amount.0),
            purchases::people.eq(p.people as i32),
            purchases::note.eq(&p.note),
            purchases::evidence_path.eq(p.evidence.as_ref().map(|e| e.0.as_str())),
            purchases::evidence_kind.eq(p.evidence.as_ref().map(|e| e.1.as_str())),
            purchases::created_by.eq(actor.user_id),
            purchases::created_at.eq(now()),
        ))
        .returning(purchases::id)
        .get_result(conn)?;
    for l in &p.lines {
        diesel::insert_into(purchase_lines::table)
            .values((
                purchase_lines::purchase_id.eq(id),
                purchase_lines::product_id.eq(l.product_id),
                purchase_lines::name.eq(&l.name),
                purchase_lines::quantity.eq(l.quantity as i32),
                purchase_lines::amount_fen.eq(l.amount.0),
            ))
            .execute(conn)?;
    }
    super::stats::count_purchase(
        conn,
        &super::stats::CountedPurchase {
            organisation_id: p.organisation_id,
            purchased_on: p.purchased_on,
            channel: p.channel.as_str(),
            amount_fen: p.amount.0,
            people: i64::from(p.people),
            lines: p
                .lines
                .iter()
                .map(|l| (l.product_id, i64::from(l.quantity), l.amount.0))
                .collect(),
        },
    )?;
    let how = match p.order_id {
        Some(order) => format!("订单 {order} 收货，{} 元", p.amount),
        None => format!("{}，{} 元，{} 人", p.channel.label(), p.amount, p.people),
    };
    NewEvent::new(Subject::Purchase, id, Action::Record, actor)
        .because(&how)
        .record(conn)?;
    Ok(id)
}

/// Records a purchase made elsewhere, in one transaction.
pub fn record(conn: &mut DbConnection, p: &NewPurchase, actor: &Actor) -> SpendingResult<i32> {
    super::transaction(conn, |conn| insert(conn, p, actor))
}

/// A purchase record with its lines.
#[derive(Debug, Clone)]
pub struct Purchase {
    pub row: PurchaseRow,
    pub lines: Vec<PurchaseLineRow>,
    pub policy_name: String,
}

/// A union's purchase records, newest first.
pub fn of_union(conn: &mut DbConnection, org_id: i32, limit: i64) -> DbResult<Vec<Purchase>> {
    use super::schema::policies;
    let rows: Vec<(PurchaseRow, String)> = purchases::table
        .inner_join(policies::table)
        .filter(purchases::organisation_id.eq(org_id))
        .order((purchases::purchased_on.desc(), purchases::id.desc()))
        .limit(limit)
        .select((PurchaseRow::as_select(), policies::name))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|(r, _)| r.id).collect();
    let lines: Vec<PurchaseLineRow> = purchase_lines::table
        .filter(purchase_lines::purchase_id.eq_any(&ids))
        .order(purchase_lines::id)
        .select(PurchaseLineRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, policy_name)| Purchase {
            lines: lines.iter().filter(|l| l.purchase_id == row.id).cloned().collect(),
            row,
            policy_name,
        })
        .collect())
}

/// What a union has spent under each of `policy_ids`, in fen, by policy.
pub fn used_by_policy(
    conn: &mut DbConnection,
    org_id: i32,
    policy_ids: &[i32],
) -> DbResult<std::collections::HashMap<i32, i64>> {
    let amounts: Vec<(i32, i64)> = purchases::table
        .filter(purchases::organisation_id.eq(org_id))
        .filter(purchases::policy_id.eq_any(policy_ids))
        .select((purchases::policy_id, purchases::amount_fen))
        .load(conn)?;
    let mut used = std::collections::HashMap::new();
    for (policy, amount) in amounts {
        *used.entry(policy).or_default() += amount;
    }
    Ok(used)
}

/// Whether a stored evidence file is referred to by a purchase record.
pub fn evidence_in_use(conn: &mut DbConnection, path: &str) -> DbResult<bool> {
    let n: i64 = purchases::table
        .filter(purchases::evidence_path.eq(path))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
