//! A union's purchase plans (采购计划): for one festival under one policy, from a published bundle
//! or from empty; confirmed only within what is left of the policy's allowance.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::bundles::{self, SpendingError, SpendingResult, listed_product, moved_by};
use super::events::{Actor, NewEvent};
use super::lines::{self, LineProduct};
use super::organisations::Organisation;
use super::policies::PolicyRow;
use super::schema::{orders, plan_lines, plans};
use super::{DbConnection, DbResult, now};
use crate::domain::purchasing::OrderStatus;
use crate::domain::spending::{
    Allowance, BundleStatus, Festival, Line, OverCap, PlanStatus, PolicyStatus, per_person_cost,
};
use crate::domain::{Action, Fen, Subject};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i32,
    pub organisation_id: i32,
    pub policy_id: i32,
    pub bundle_id: Option<i32>,
    pub name: String,
    pub festival: String,
    pub year: i32,
    pub headcount: i32,
    pub status: String,
    pub per_person_fen: Option<i64>,
    pub total_fen: Option<i64>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PlanRow {
    pub fn status(&self) -> PlanStatus {
        PlanStatus::parse(&self.status).unwrap_or(PlanStatus::Draft)
    }

    pub fn festival(&self) -> Festival {
        Festival::parse(&self.festival).unwrap_or(Festival::Other)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_lines)]
pub struct PlanLineRow {
    pub id: i32,
    pub plan_id: i32,
    pub product_id: i32,
    pub quantity_per_person: i32,
    pub unit_price_fen: i64,
    pub position: i32,
}

#[derive(Debug, Clone)]
pub struct PlanLine {
    pub line: PlanLineRow,
    pub product: LineProduct,
    pub left: Option<(String, NaiveDateTime)>,
}

impl PlanLine {
    /// A draft follows the catalogue's price; a confirmed plan keeps the price it committed.
    pub fn unit_price(&self, status: PlanStatus) -> Fen {
        if status == PlanStatus::Draft {
            Fen(self.product.unit_price_fen)
        } else {
            Fen(self.line.unit_price_fen)
        }
    }

    pub fn per_person(&self, status: PlanStatus) -> Fen {
        Fen(self.unit_price(status).0 * i64::from(self.line.quantity_per_person))
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub row: PlanRow,
    pub lines: Vec<PlanLine>,
}

impl Plan {
    pub fn per_person(&self) -> Fen {
        let status = self.row.status();
        let lines: Vec<Line> = self
            .lines
            .iter()
            .map(|l| Line {
                unit_price: l.unit_price(status),
                quantity_per_person: l.line.quantity_per_person as u32,
            })
            .collect();
        per_person_cost(&lines)
    }

    pub fn total(&self) -> Fen {
        Fen(self.per_person().0 * i64::from(self.row.headcount))
    }

    /// Lines whose product left the catalogue.
    pub fn flagged(&self) -> Vec<&PlanLine> {
        self.lines.iter().filter(|l| !l.product.is_listed()).collect()
    }
}

fn load_rows(conn: &mut DbConnection, rows: Vec<PlanRow>) -> DbResult<Vec<Plan>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let line_rows: Vec<PlanLineRow> = plan_lines::table
        .filter(plan_lines::plan_id.eq_any(&ids))
        .order((plan_lines::plan_id, plan_lines::position, plan_lines::id))
        .select(PlanLineRow::as_select())
        .load(conn)?;
    let product_ids: Vec<i32> = line_rows.iter().map(|l| l.product_id).collect();
    let products = lines::products_by_id(conn, &product_ids)?;
    let gone: Vec<i32> = products.values().filter(|p| !p.is_listed()).map(|p| p.id).collect();
    let reasons = lines::leave_reasons(conn, &gone)?;
    Ok(rows
        .into_iter()
        .map(|row| Plan {
            lines: line_rows
                .iter()
                .filter(|l| l.plan_id == row.id)
                .filter_map(|l| {
                    Some(PlanLine {
                        product: products.get(&l.product_id)?.clone(),
                        left: reasons.get(&l.product_id).cloned(),
                        line: l.clone(),
                    })
                })
                .collect(),
            row,
        })
        .collect())
}

/// The union's plan, or not found: a union sees only its own plans.
pub fn load(conn: &mut DbConnection, org_id: i32, plan_id: i32) -> SpendingResult<Plan> {
    let row = plans::table
        .find(plan_id)
        .filter(plans::organisation_id.eq(org_id))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| SpendingError::NotFound(format!("采购计划 {plan_id} 不存在。")))?;
    Ok(load_rows(conn, vec![row])?.remove(0))
}

/// A union's plans, newest first.
pub fn of_union(conn: &mut DbConnection, org_id: i32) -> DbResult<Vec<Plan>> {
    let rows = plans::table
        .filter(plans::organisation_id.eq(org_id))
        .order(plans::id.desc())
        .select(PlanRow::as_select())
        .load(conn)?;
    load_rows(conn, rows)
}

/// The union's allowance under a policy: members × the per-person amount, less what its confirmed
/// plans commit and what it has bought. `None` when the policy takes the union's own festival
/// standard and it has none.
pub fn allowance(conn: &mut DbConnection, org: &Organisation, policy: &PolicyRow) -> DbResult<Option<Allowance>> {
    Ok(allowances(conn, org, std::slice::from_ref(policy))?.remove(0))
}

/// The union's allowance under each of `policies`, in their order: three queries whatever the
/// number of policies (the dashboard shows them all).
pub fn allowances(
    conn: &mut DbConnection,
    org: &Organisation,
    policies: &[PolicyRow],
) -> DbResult<Vec<Option<Allowance>>> {
    use std::collections::HashMap;
    let ids: Vec<i32> = policies.iter().map(|p| p.id).collect();
    let mut committed: HashMap<i32, i64> = HashMap::new();
    let totals: Vec<(i32, Option<i64>)> = plans::table
        .filter(plans::organisation_id.eq(org.id))
        .filter(plans::policy_id.eq_any(&ids))
        .filter(plans::status.eq(PlanStatus::Confirmed.as_str()))
        .select((plans::policy_id, plans::total_fen))
        .load(conn)?;
    for (policy, total) in totals {
        *committed.entry(policy).or_default() += total.unwrap_or(0);
    }
    let released: Vec<(i32, i64)> = orders::table
        .inner_join(plans::table)
        .filter(orders::organisation_id.eq(org.id))
        .filter(orders::policy_id.eq_any(&ids))
        .filter(plans::status.eq(PlanStatus::Confirmed.as_str()))
        .filter(orders::status.eq_any(released_states()))
        .select((orders::policy_id, orders::total_fen))
        .load(conn)?;
    for (policy, total) in released {
        *committed.entry(policy).or_default() -= total;
    }
    let used = super::purchases::used_by_policy(conn, org.id, &ids)?;
    Ok(policies
        .iter()
        .map(|policy| {
            let cap = policy.policy().cap_for(org.festival_standard_fen.map(Fen))?;
            Some(Allowance {
                members: org.members.unwrap_or(0).max(0) as u32,
                cap_per_person: cap,
                committed: Fen(committed.get(&policy.id).copied().unwrap_or(0).max(0)),
                used: Fen(used.get(&policy.id).copied().unwrap_or(0)),
            })
        })
        .collect())
}

fn released_states() -> Vec<&'static str> {
    OrderStatus::ALL
        .iter()
        .filter(|s| s.releases_commitment())
        .map(|s| s.as_str())
        .collect()
}

pub struct NewPlan {
    pub policy_id: i32,
    pub bundle_id: Option<i32>,
    pub name: String,
    pub festival: Festival,
    pub year: i32,
    pub headcount: u32,
}

/// Starts a draft plan, from a published bundle (its lines copied, the link kept) or from empty.
/// Lines of the bundle that cannot be bought under the policy, or have left the catalogue, are
/// left out; what was left out and why is returned for the union to read.
pub fn create(
    conn: &mut DbConnection,
    org: &Organisation,
    plan: &NewPlan,
    today: NaiveDate,
    actor: &Actor,
) -> SpendingResult<(i32, Vec<String>)> {
    super::transaction(conn, |conn| {
        let policy = usable_policy(conn, plan.policy_id, today)?;
        let bundle = match plan.bundle_id {
            Some(id) => {
                let b = bundles::load(conn, id)?
                    .filter(|b| b.row.status() == BundleStatus::Published)
                    .ok_or_else(|| SpendingError::NotFound("没有这个已发布的礼包。".to_owned()))?;
                Some(b)
            }
            None => None,
        };
        let at = now();
        let id: i32 = diesel::insert_into(plans::table)
            .values((
                plans::organisation_id.eq(org.id),
                plans::policy_id.eq(plan.policy_id),
                plans::bundle_id.eq(plan.bundle_id),
                plans::name.eq(&plan.name),
                plans::festival.eq(plan.festival.as_str()),
                plans::year.eq(plan.year),
                plans::headcount.eq(plan.headcount as i32),
                plans::status.eq(PlanStatus::Draft.as_str()),
                plans::created_by.eq(actor.user_id),
                plans::created_at.eq(at),
                plans::updated_at.eq(at),
            ))
            .returning(plans::id)
            .get_result(conn)?;
        let mut left_out = Vec::new();
        if let Some(bundle) = &bundle {
            let mut position = 0;
            for l in &bundle.lines {
                if !l.product.is_listed() {
                    left_out.push(format!(
                        "“{}”目前{}，未加入。",
                        l.product.name,
                        l.product.status().label()
                    ));
                    continue;
                }
                if let Err(e) = policy.policy().admits(l.product.poverty_kind()) {
                    left_out.push(format!("“{}”未加入：{e}。", l.product.name));
                    continue;
                }
                position += 1;
                insert_line(conn, id, &l.product, l.line.quantity_per_person as u32, position)?;
            }
        }
        let how = match &bundle {
            Some(b) => format!("由礼包“{}”调整", b.row.name),
            None => "新建".to_owned(),
        };
        NewEvent::new(Subject::Plan, id, Action::Create, actor)
            .moved(None, Some(PlanStatus::Draft.as_str()))
            .because(&how)
            .record(conn)?;
        Ok((id, left_out))
    })
}

/// The policy, if it is in force on `today`.
fn usable_policy(conn: &mut DbConnection, policy_id: i32, today: NaiveDate) -> SpendingResult<PolicyRow> {
    let policy =
        PolicyRow::find(conn, policy_id)?.ok_or_else(|| SpendingError::NotFound("没有这个额度政策。".to_owned()))?;
    if policy.status() != PolicyStatus::Active {
        return Err(SpendingError::Refused(format!(
            "“{}”已停用，不能再按它采购。",
            policy.name
        )));
    }
    policy
        .policy()
        .in_force_on(today)
        .map_err(|e| SpendingError::Refused(format!("{e}。")))?;
    Ok(policy)
}

fn insert_line(
    conn: &mut DbConnection,
    plan_id: i32,
    product: &LineProduct,
    quantity: u32,
    position: i32,
) -> DbResult<()> {
    diesel::insert_into(plan_lines::table)
        .values((
            plan_lines::plan_id.eq(plan_id),
            plan_lines::product_id.eq(product.id),
            plan_lines::quantity_per_person.eq(quantity as i32),
            plan_lines::unit_price_fen.eq(product.unit_price_fen),
            plan_lines::position.eq(position),
        ))
        .execute(conn)?;
    Ok(())
}

/// Holds the union's draft plan for a change: touched only while it is the union's and a draft,
/// so a change racing a confirmation lands before it or is refused.
fn hold_draft(conn: &mut DbConnection, org_id: i32, plan_id: i32) -> SpendingResult<PlanRow> {
    let held = diesel::update(
        plans::table
            .find(plan_id)
            .filter(plans::organisation_id.eq(org_id))
            .filter(plans::status.eq(PlanStatus::Draft.as_str())),
    )
    .set(plans::updated_at.eq(now()))
    .execute(conn)?;
    let row = plans::table
        .find(plan_id)
        .filter(plans::organisation_id.eq(org_id))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| SpendingError::NotFound(format!("采购计划 {plan_id} 不存在。")))?;
    if held == 0 {
        return Err(SpendingError::Moved(format!(
            "计划{}{}，不能再修改。",
            row.status().label(),
            moved_by(conn, Subject::Plan, plan_id)?
        )));
    }
    Ok(row)
}

/// A listed product the plan's policy admits, or why not.
fn admitted_product(
    conn: &mut DbConnection,
    plan: &PlanRow,
    product_id: i32,
    today: NaiveDate,
) -> SpendingResult<LineProduct> {
    let product = listed_product(conn, product_id)?;
    let policy = usable_policy(conn, plan.policy_id, today)?;
    policy
        .policy()
        .admits(product.poverty_kind())
        .map_err(|e| SpendingError::Refused(format!("“{}”不能加入：{e}。", product.name)))?;
    Ok(product)
}

pub fn add_line(
    conn: &mut DbConnection,
    org_id: i32,
    plan_id: i32,
    product_id: i32,
    quantity: u32,
    today: NaiveDate,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        let plan = hold_draft(conn, org_id, plan_id)?;
        let product = admitted_product(conn, &plan, product_id, today)?;
        let existing: Option<(i32, i32)> = plan_lines::table
            .filter(plan_lines::plan_id.eq(plan_id))
            .filter(plan_lines::product_id.eq(product_id))
            .select((plan_lines::id, plan_lines::quantity_per_person))
            .first(conn)
            .optional()?;
        if let Some((line_id, had)) = existing {
            // Adding what is already there adds to its quantity, as a basket does.
            diesel::update(plan_lines::table.find(line_id))
                .set(plan_lines::quantity_per_person.eq(had + quantity as i32))
                .execute(conn)?;
        } else {
            let position: Option<i32> = plan_lines::table
                .filter(plan_lines::plan_id.eq(plan_id))
                .select(diesel::dsl::max(plan_lines::position))
                .first(conn)?;
            insert_line(conn, plan_id, &product, quantity, position.unwrap_or(0) + 1)?;
        }
        NewEvent::new(Subject::Plan, plan_id, Action::AddLine, actor)
            .because(&format!("{} × {quantity}", product.name))
            .record(conn)?;
        Ok(())
    })
}

pub fn set_quantity(
    conn: &mut DbConnection,
    org_id: i32,
    plan_id: i32,
    line_id: i32,
    quantity: u32,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        hold_draft(conn, org_id, plan_id)?;
        let changed = diesel::update(plan_lines::table.find(line_id).filter(plan_lines::plan_id.eq(plan_id)))
            .set(plan_lines::quantity_per_person.eq(quantity as i32))
            .execute(conn)?;
        if changed == 0 {
            return Err(SpendingError::NotFound("计划中没有这一行。".to_owned()));
        }
        NewEvent::new(Subject::Plan, plan_id, Action::ChangeLine, actor)
            .because(&format!("第 {line_id} 行改为每人 {quantity}"))
            .record(conn)?;
        Ok(())
    })
}

pub fn remove_line(
    conn: &mut DbConnection,
    org_id: i32,
    plan_id: i32,
    line_id: i32,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        hold_draft(conn, org_id, plan_id)?;
        let removed =
            diesel::delete(plan_lines::table.find(line_id).filter(plan_lines::plan_id.eq(plan_id))).execute(conn)?;
        if removed == 0 {
            return Err(SpendingError::NotFound("计划中没有这一行。".to_owned()));
        }
        NewEvent::new(Subject::Plan, plan_id, Action::RemoveLine, actor)
            .because(&format!("第 {line_id} 行"))
            .record(conn)?;
        Ok(())
    })
}

/// Replaces a line's product by another (a substitute for one that left the catalogue).
pub fn substitute(
    conn: &mut DbConnection,
    org_id: i32,
    plan_id: i32,
    line_id: i32,
    product_id: i32,
    today: NaiveDate,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        let plan = hold_draft(conn, org_id, plan_id)?;
        let product = admitted_product(conn, &plan, product_id, today)?;
        let already: i64 = plan_lines::table
            .filter(plan_lines::plan_id.eq(plan_id))
            .filter(plan_lines::product_id.eq(product_id))
            .count()
            .get_result(conn)?;
        if already > 0 {
            return Err(SpendingError::Refused(format!("“{}”已在计划中。", product.name)));
        }
        let changed = diesel::update(plan_lines::table.find(line_id).filter(plan_lines::plan_id.eq(plan_id)))
            .set((
                plan_lines::product_id.eq(product_id),
                plan_lines::unit_price_fen.eq(product.unit_price_fen),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(SpendingError::NotFound("计划中没有这一行。".to_owned()));
        }
        NewEvent::new(Subject::Plan, plan_id, Action::Substitute, actor)
            .because(&format!("第 {line_id} 行换为 {}", product.name))
            .record(conn)?;
        Ok(())
    })
}

pub fn set_headcount(
    conn: &mut DbConnection,
    org_id: i32,
    plan_id: i32,
    headcount: u32,
    actor: &Actor,
) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        hold_draft(conn, org_id, plan_id)?;
        diesel::update(plans::table.find(plan_id))
            .set(plans::headcount.eq(headcount as i32))
            .execute(conn)?;
        NewEvent::new(Subject::Plan, plan_id, Action::Edit, actor)
            .because(&format!("人数改为 {headcount}"))
            .record(conn)?;
        Ok(())
    })
}

/// Confirms a draft within what is left of the allowance: every product still listed and
/// admitted, the policy in force, today's prices fixed on the lines. Confirmations of one union
/// take turns, so two plans confirmed at once cannot both spend the same allowance.
pub fn confirm(
    conn: &mut DbConnection,
    org: &Organisation,
    plan_id: i32,
    today: NaiveDate,
    actor: &Actor,
) -> SpendingResult<Fen> {
    super::transaction(conn, |conn| {
        lock_union(conn, org.id)?;
        let row = hold_draft(conn, org.id, plan_id)?;
        let plan = load_rows(conn, vec![row])?.remove(0);
        if plan.lines.is_empty() {
            return Err(SpendingError::Refused("计划中还没有产品。".to_owned()));
        }
        if let Some(gone) = plan.flagged().first() {
            return Err(SpendingError::Refused(format!(
                "“{}”目前{}，请先替换或移除再确认。",
                gone.product.name,
                gone.product.status().label()
            )));
        }
        let policy = usable_policy(conn, plan.row.policy_id, today)?;
        for l in &plan.lines {
            policy
                .policy()
                .admits(l.product.poverty_kind())
                .map_err(|e| SpendingError::Refused(format!("“{}”：{e}。", l.product.name)))?;
        }
        let allowance =
            allowance(conn, org, &policy)?.ok_or_else(|| SpendingError::Refused(OverCap::NoStandard.to_string()))?;
        let per_person = plan.per_person();
        let headcount = plan.row.headcount as u32;
        allowance
            .check(per_person, headcount)
            .map_err(|e| SpendingError::Refused(e.to_string()))?;
        for l in &plan.lines {
            diesel::update(plan_lines::table.find(l.line.id))
                .set(plan_lines::unit_price_fen.eq(l.product.unit_price_fen))
                .execute(conn)?;
        }
        let total = Fen(per_person.0 * i64::from(headcount));
        let at = now();
        diesel::update(plans::table.find(plan_id))
            .set((
                plans::status.eq(PlanStatus::Confirmed.as_str()),
                plans::per_person_fen.eq(Some(per_person.0)),
                plans::total_fen.eq(Some(total.0)),
                plans::confirmed_at.eq(Some(at)),
                plans::updated_at.eq(at),
            ))
            .execute(conn)?;
        NewEvent::new(Subject::Plan, plan_id, Action::Confirm, actor)
            .moved(Some(PlanStatus::Draft.as_str()), Some(PlanStatus::Confirmed.as_str()))
            .because(&format!("每人 {per_person} 元 × {headcount} 人 = {total} 元"))
            .record(conn)?;
        Ok(total)
    })
}

/// Cancels a draft or confirmed plan: what it committed goes back to the allowance.
pub fn cancel(conn: &mut DbConnection, org_id: i32, plan_id: i32, reason: &str, actor: &Actor) -> SpendingResult<()> {
    super::transaction(conn, |conn| {
        let row = plans::table
            .find(plan_id)
            .filter(plans::organisation_id.eq(org_id))
            .select(PlanRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| SpendingError::NotFound(format!("采购计划 {plan_id} 不存在。")))?;
        let from = row.status();
        from.cancel().map_err(|e| SpendingError::Moved(e.0))?;
        let open: Vec<&str> = OrderStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        let open_orders: i64 = orders::table
            .filter(orders::plan_id.eq(plan_id))
            .filter(orders::status.eq_any(open))
            .count()
            .get_result(conn)?;
        if open_orders > 0 {
            return Err(SpendingError::Refused(format!(
                "计划还有 {open_orders} 个订单未完结：请先取消订单（已发货的请确认收货），再取消计划。"
            )));
        }
        let moved = diesel::update(plans::table.find(plan_id).filter(plans::status.eq(from.as_str())))
            .set((
                plans::status.eq(PlanStatus::Cancelled.as_str()),
                plans::updated_at.eq(now()),
            ))
            .execute(conn)?;
        if moved == 0 {
            return Err(SpendingError::Moved(format!(
                "计划已被他人变更{}，请刷新后再试。",
                moved_by(conn, Subject::Plan, plan_id)?
            )));
        }
        NewEvent::new(Subject::Plan, plan_id, Action::Cancel, actor)
            .moved(Some(from.as_str()), Some(PlanStatus::Cancelled.as_str()))
            .because(reason)
            .record(conn)?;
        Ok(())
    })
}

/// Takes the union's turn for a change of its allowance. SQLite's immediate transaction already
/// lets one writer in at a time; PostgreSQL takes a transaction-scoped advisory lock per union.
fn lock_union(conn: &mut DbConnection, org_id: i32) -> diesel::QueryResult<()> {
    /// Any constant no other lock uses: "plan" in ASCII.
    const PLAN_LOCKS: i32 = 0x706c_616e;
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<diesel::sql_types::Integer, _>(PLAN_LOCKS)
            .bind::<diesel::sql_types::Integer, _>(org_id)
            .execute(pg)?;
    }
    Ok(())
}
