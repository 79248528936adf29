//! A grassroots union (基层工会): its allowance under each policy, the published bundles, and its
//! purchase plans — started from a bundle or from empty, adapted for its headcount, confirmed
//! within the cap, exported as the purchase list.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::bundles::{BundleSummary, LineEdit, LineView};
use super::forms::ReasonForm;
use super::nav::Nav;
use super::office::bundles::{festivals, one, product_id_of, quantity};
use super::{State, china_time, render, see_other};
use crate::auth::Grassroots;
use crate::db::bundles::{self, Bundle};
use crate::db::organisations::Organisation;
use crate::db::plans::{self, NewPlan, Plan};
use crate::db::policies::PolicyRow;
use crate::domain::spending::{Allowance, BundleStatus, Festival, PlanStatus};
use crate::domain::{Fen, Subject, region};
use crate::error::AppError;
use crate::search::SearchQuery;
use crate::web::bundles::SubstituteView;
use crate::web::nominations::HistoryLine;
use crate::web::office::policies::{cap_label, scope_label};
use crate::web::public::search::run_search;
use crate::web::scans::china_today;

/// What is left under one policy, as the union always sees it.
pub struct AllowanceView {
    pub policy_id: i32,
    pub policy: String,
    pub cap: String,
    pub scope: String,
    pub period: String,
    pub members: u32,
    pub per_person_cap: String,
    pub total: String,
    pub committed: String,
    pub used: String,
    /// Committed and used together.
    pub spent: String,
    pub left: String,
    pub left_per_person: String,
    pub spent_per_person: String,
    /// Share of the allowance spent or committed, 0–100, for the bar.
    pub percent: i64,
    pub problem: Option<String>,
}

impl AllowanceView {
    fn new(policy: &PolicyRow, allowance: Option<Allowance>) -> Self {
        let p = policy.policy();
        let mut view = AllowanceView {
            policy_id: policy.id,
            policy: policy.name.clone(),
            cap: cap_label(p.cap),
            scope: scope_label(&p),
            period: format!("{} 至 {}", p.valid_from, p.valid_to),
            members: 0,
            per_person_cap: String::new(),
            total: String::new(),
            committed: String::new(),
            used: String::new(),
            spent: String::new(),
            left: String::new(),
            left_per_person: String::new(),
            spent_per_person: String::new(),
            percent: 0,
            problem: None,
        };
        match allowance {
            Some(a) => {
                view.members = a.members;
                view.per_person_cap = a.cap_per_person.to_string();
                view.total = a.total().to_string();
                view.committed = a.committed.to_string();
                view.used = a.used.to_string();
                view.spent = a.spent().to_string();
                view.left = a.left().to_string();
                view.left_per_person = a.left_per_person().to_string();
                view.spent_per_person = a.spent_per_person().to_string();
                view.percent = if a.total().0 > 0 {
                    (a.spent().0 * 100 / a.total().0).clamp(0, 100)
                } else {
                    0
                };
            }
            None => view.problem = Some("本单位尚未登记年度个人节日慰问品标准，请联系上级工会。".to_owned()),
        }
        view
    }
}

/// A plan in the union's list.
pub struct PlanSummary {
    pub id: i32,
    pub name: String,
    pub festival: &'static str,
    pub year: i32,
    pub status: PlanStatus,
    pub headcount: i32,
    pub per_person: String,
    pub total: String,
    pub flagged: usize,
}

impl From<&Plan> for PlanSummary {
    fn from(p: &Plan) -> Self {
        PlanSummary {
            id: p.row.id,
            name: p.row.name.clone(),
            festival: p.row.festival().label(),
            year: p.row.year,
            status: p.row.status(),
            headcount: p.row.headcount,
            per_person: p.per_person().to_string(),
            total: p.total().to_string(),
            flagged: if p.row.status() == PlanStatus::Cancelled {
                0
            } else {
                p.flagged().len()
            },
        }
    }
}

#[derive(Template)]
#[template(path = "union/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    union_name: String,
    place: String,
    members: i32,
    allowances: Vec<AllowanceView>,
    plans: Vec<PlanSummary>,
    bundles: Vec<BundleSummary>,
    chosen_bundle: Option<i32>,
    /// The policy the new-plan form starts on: the one with the most room left.
    roomiest_policy: Option<i32>,
    festivals: Vec<(&'static str, &'static str)>,
    year: i32,
    notices: Vec<NoticeView>,
    orders: Vec<super::orders::OrderSummary>,
}

/// A recall notice on the union's dashboard.
pub struct NoticeView {
    pub order_id: i32,
    pub order_status: crate::domain::purchasing::OrderStatus,
    pub product_name: String,
    pub product_code: String,
    pub lot: String,
    pub quantity: i32,
    pub at: String,
    pub reason: String,
    pub notice_no: String,
    pub failed_item: String,
}

impl From<&crate::db::recalls::UnionNotice> for NoticeView {
    fn from(n: &crate::db::recalls::UnionNotice) -> Self {
        NoticeView {
            order_id: n.order_id,
            order_status: n.order_status,
            product_name: n.product_name.clone(),
            product_code: n.product_code.clone(),
            lot: n.lot_code.clone(),
            quantity: n.quantity,
            at: china_time(n.recall.recalled_at),
            reason: n.recall.reason.clone(),
            notice_no: n.recall.notice_no.clone(),
            failed_item: n.recall.failed_item.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    bundle: Option<i32>,
}

struct UnionData {
    org: Organisation,
    allowances: Vec<AllowanceView>,
    plans: Vec<Plan>,
    bundles: Vec<Bundle>,
    notices: Vec<crate::db::recalls::UnionNotice>,
    orders: Vec<crate::db::orders::Order>,
}

/// How many of its latest orders the dashboard shows.
const DASHBOARD_ORDERS: i64 = 10;

pub async fn dashboard(
    state: State,
    union: Grassroots,
    nav: Nav,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    let page = dashboard_html(&state, nav, union.org_id, query.bundle).await?;
    Ok(super::render::html(page))
}

/// The dashboard of union `org_id`, rendered (public for the purchasing benchmark, which times it
/// in process).
pub async fn dashboard_html(state: &State, nav: Nav, org_id: i32, bundle: Option<i32>) -> Result<String, AppError> {
    let data = state
        .db(move |conn| -> Result<UnionData, AppError> {
            let org = Organisation::find(conn, org_id)?;
            let policies = PolicyRow::active(conn)?;
            let allowances = plans::allowances(conn, &org, &policies)?
                .into_iter()
                .zip(&policies)
                .map(|(a, policy)| AllowanceView::new(policy, a))
                .collect();
            Ok(UnionData {
                notices: crate::db::recalls::notices_for_union(conn, org_id)?,
                orders: crate::db::orders::list(conn, crate::db::orders::Party::Union(org_id), None, DASHBOARD_ORDERS)?,
                plans: plans::of_union(conn, org_id)?,
                bundles: bundles::list(conn, Some(BundleStatus::Published))?,
                allowances,
                org,
            })
        })
        .await?;
    let place = data
        .org
        .county_code
        .as_deref()
        .and_then(region::county)
        .map(|c| format!("{}{}", c.city_name, c.name))
        .unwrap_or_default();
    let roomiest_policy = data
        .allowances
        .iter()
        .filter(|a| a.problem.is_none())
        .min_by_key(|a| a.percent)
        .map(|a| a.policy_id);
    Ok(DashboardPage {
        nav,
        roomiest_policy,
        union_name: data.org.name.clone(),
        place,
        members: data.org.members.unwrap_or(0),
        allowances: data.allowances,
        plans: data.plans.iter().map(PlanSummary::from).collect(),
        bundles: data.bundles.iter().map(BundleSummary::from).collect(),
        chosen_bundle: bundle,
        festivals: festivals(),
        year: china_today().year(),
        notices: data.notices.iter().map(NoticeView::from).collect(),
        orders: data.orders.iter().map(super::orders::OrderSummary::from).collect(),
    }
    .render()?)
}

#[derive(Deserialize)]
pub struct NewPlanForm {
    policy_id: i32,
    #[serde(default)]
    bundle_id: String,
    #[serde(default)]
    name: String,
    festival: String,
    year: String,
    #[serde(default)]
    headcount: String,
}

fn headcount(input: &str, default: i32) -> Result<u32, AppError> {
    match input.trim() {
        "" if default > 0 => Ok(default as u32),
        s => s
            .trim_end_matches('人')
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| AppError::BadRequest(format!("人数“{s}”无效，应为正整数。"))),
    }
}

pub async fn create_plan(
    state: State,
    union: Grassroots,
    form: web::Form<NewPlanForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let festival = Festival::parse(&form.festival)
        .ok_or_else(|| AppError::BadRequest(format!("节日“{}”无效。", form.festival)))?;
    let year: i32 = form
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2015..=2100).contains(y))
        .ok_or_else(|| AppError::BadRequest(format!("年份“{}”无效。", form.year.trim())))?;
    let bundle_id = match form.bundle_id.trim() {
        "" => None,
        s => Some(
            s.parse::<i32>()
                .map_err(|_| AppError::BadRequest("所选礼包无效。".to_owned()))?,
        ),
    };
    let org_id = union.org_id;
    let today = china_today();
    let (id, left_out) = state
        .db(move |conn| -> Result<_, AppError> {
            let org = Organisation::find(conn, org_id)?;
            let headcount = headcount(&form.headcount, org.members.unwrap_or(0))?;
            let name = match form.name.trim() {
                "" => format!("{year} 年{}采购计划", festival.label()),
                s => s.chars().take(60).collect(),
            };
            let plan = NewPlan {
                policy_id: form.policy_id,
                bundle_id,
                name,
                festival,
                year,
                headcount,
            };
            Ok(plans::create(conn, &org, &plan, today, &union.actor())?)
        })
        .await?;
    let note = if left_out.is_empty() {
        String::new()
    } else {
        format!("?left_out={}", left_out.len())
    };
    Ok(see_other(&format!("/union/plans/{id}{note}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanQuery {
    pub q: String,
    pub left_out: usize,
}

#[derive(Template)]
#[template(path = "union/plan.html")]
struct PlanPage {
    nav: Nav,
    plan: PlanSummary,
    policy: String,
    bundle: Option<(i32, String)>,
    lines: Vec<LineView>,
    allowance: AllowanceView,
    /// The plan against what is left: per person and in total.
    fits: bool,
    over_message: String,
    editable: bool,
    edit: Option<LineEdit>,
    q: String,
    found: Vec<SubstituteView>,
    left_out: usize,
    history: Vec<HistoryLine>,
    orders: Vec<super::orders::OrderSummary>,
    can_order: bool,
    contact_name: String,
    contact_phone: String,
}

struct PlanData {
    plan: Plan,
    policy: PolicyRow,
    bundle_name: Option<String>,
    allowance: Option<Allowance>,
    history: Vec<HistoryLine>,
    orders: Vec<crate::db::orders::Order>,
    org: Organisation,
}

async fn load_plan(state: &State, org_id: i32, plan_id: i32) -> Result<PlanData, AppError> {
    state
        .db(move |conn| -> Result<PlanData, AppError> {
            let plan = plans::load(conn, org_id, plan_id)?;
            let org = Organisation::find(conn, org_id)?;
            let policy = PolicyRow::find(conn, plan.row.policy_id)?
                .ok_or_else(|| AppError::Internal(format!("plan {plan_id} has no policy")))?;
            let bundle_name = match plan.row.bundle_id {
                Some(b) => bundles::load(conn, b)?.map(|b| b.row.name),
                None => None,
            };
            let allowance = plans::allowance(conn, &org, &policy)?;
            let history = crate::db::events::history(conn, Subject::Plan, plan_id)?
                .iter()
                .map(|e| HistoryLine::from_event(e, ""))
                .collect();
            Ok(PlanData {
                orders: crate::db::orders::of_plan(conn, org_id, plan_id)?,
                plan,
                policy,
                bundle_name,
                allowance,
                history,
                org,
            })
        })
        .await
}

pub async fn plan_page(
    state: State,
    union: Grassroots,
    nav: Nav,
    path: web::Path<i32>,
    query: web::Query<PlanQuery>,
) -> Result<HttpResponse, AppError> {
    let page = plan_html(&state, nav, union.org_id, path.into_inner(), &query).await?;
    Ok(super::render::html(page))
}

/// The plan page of union `org_id`'s plan, rendered (public for the plan-page benchmark, which
/// times it in process).
pub async fn plan_html(state: &State, nav: Nav, org_id: i32, id: i32, query: &PlanQuery) -> Result<String, AppError> {
    let data = load_plan(state, org_id, id).await?;
    let plan = &data.plan;
    let status = plan.row.status();
    let exclude: Vec<i32> = plan.lines.iter().map(|l| l.product.id).collect();
    let lines: Vec<LineView> = plan
        .lines
        .iter()
        .map(|l| {
            LineView::new(
                l.line.id,
                &l.product,
                l.left.as_ref(),
                l.line.quantity_per_person,
                l.unit_price(status),
            )
            .with_substitutes(state, &l.product, &exclude)
        })
        .collect();
    let (fits, over_message) = match (&data.allowance, status) {
        (Some(a), PlanStatus::Draft) => match a.check(plan.per_person(), plan.row.headcount as u32) {
            Ok(()) => (true, String::new()),
            Err(e) => (false, e.to_string()),
        },
        (None, PlanStatus::Draft) => (false, crate::domain::spending::OverCap::NoStandard.to_string()),
        _ => (true, String::new()),
    };
    let q = query.q.trim().to_owned();
    let found = if q.is_empty() || status != PlanStatus::Draft {
        Vec::new()
    } else {
        let search = SearchQuery {
            text: q.clone(),
            per_page: 10,
            facets: false,
            ..SearchQuery::default()
        };
        run_search(state, &search)?
            .hits
            .iter()
            .map(|h| SubstituteView::from(h.product()))
            .collect()
    };
    Ok(PlanPage {
        nav,
        plan: PlanSummary::from(plan),
        policy: data.policy.name.clone(),
        bundle: plan.row.bundle_id.zip(data.bundle_name.clone()),
        allowance: AllowanceView::new(&data.policy, data.allowance),
        fits,
        over_message,
        editable: status.editable(),
        edit: status.editable().then(|| LineEdit {
            base: format!("/union/plans/{id}/lines"),
            substitute: true,
        }),
        lines,
        q,
        found,
        left_out: query.left_out,
        can_order: data.orders.is_empty()
            && match status {
                PlanStatus::Draft => fits && plan.flagged().is_empty() && !plan.lines.is_empty(),
                PlanStatus::Confirmed => true,
                PlanStatus::Cancelled => false,
            },
        orders: data.orders.iter().map(super::orders::OrderSummary::from).collect(),
        contact_name: data.org.contact_name.clone().unwrap_or_default(),
        contact_phone: data.org.contact_phone.clone().unwrap_or_default(),
        history: data.history,
    }
    .render()?)
}

#[derive(Deserialize)]
pub struct AddLineForm {
    code: String,
    #[serde(default = "one")]
    quantity: String,
    /// Where to go back to: the product page the button was on, or the plan.
    #[serde(default)]
    back: String,
}

pub async fn add_line(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
    form: web::Form<AddLineForm>,
) -> Result<HttpResponse, AppError> {
    let plan_id = path.into_inner();
    let qty = quantity(&form.quantity)?;
    let code = form.code.clone();
    let org_id = union.org_id;
    let today = china_today();
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = product_id_of(conn, &code)?;
            Ok(plans::add_line(
                conn,
                org_id,
                plan_id,
                product,
                qty,
                today,
                &union.actor(),
            )?)
        })
        .await?;
    let back = if form.back.starts_with("/products/") && !form.back.contains("//") {
        format!("{}?added={plan_id}", form.back)
    } else {
        format!("/union/plans/{plan_id}#lines")
    };
    Ok(see_other(&back))
}

#[derive(Deserialize)]
pub struct QuantityForm {
    quantity: String,
}

pub async fn set_quantity(
    state: State,
    union: Grassroots,
    path: web::Path<(i32, i32)>,
    form: web::Form<QuantityForm>,
) -> Result<HttpResponse, AppError> {
    let (plan_id, line) = path.into_inner();
    let qty = quantity(&form.quantity)?;
    let org_id = union.org_id;
    state
        .db(move |conn| plans::set_quantity(conn, org_id, plan_id, line, qty, &union.actor()))
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}#lines")))
}

pub async fn remove_line(
    state: State,
    union: Grassroots,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (plan_id, line) = path.into_inner();
    let org_id = union.org_id;
    state
        .db(move |conn| plans::remove_line(conn, org_id, plan_id, line, &union.actor()))
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}#lines")))
}

#[derive(Deserialize)]
pub struct SubstituteForm {
    product_id: i32,
}

pub async fn substitute(
    state: State,
    union: Grassroots,
    path: web::Path<(i32, i32)>,
    form: web::Form<SubstituteForm>,
) -> Result<HttpResponse, AppError> {
    let (plan_id, line) = path.into_inner();
    let (org_id, product, today) = (union.org_id, form.product_id, china_today());
    state
        .db(move |conn| plans::substitute(conn, org_id, plan_id, line, product, today, &union.actor()))
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}#lines")))
}

#[derive(Deserialize)]
pub struct HeadcountForm {
    headcount: String,
}

pub async fn set_headcount(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
    form: web::Form<HeadcountForm>,
) -> Result<HttpResponse, AppError> {
    let plan_id = path.into_inner();
    let n = headcount(&form.headcount, 0)?;
    let org_id = union.org_id;
    state
        .db(move |conn| plans::set_headcount(conn, org_id, plan_id, n, &union.actor()))
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}")))
}

pub async fn confirm(state: State, union: Grassroots, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let plan_id = path.into_inner();
    let (org_id, today) = (union.org_id, china_today());
    state
        .db(move |conn| -> Result<Fen, AppError> {
            let org = Organisation::find(conn, org_id)?;
            Ok(plans::confirm(conn, &org, plan_id, today, &union.actor())?)
        })
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}")))
}

pub async fn cancel(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let plan_id = path.into_inner();
    let reason = form.reason.trim().to_owned();
    let org_id = union.org_id;
    state
        .db(move |conn| plans::cancel(conn, org_id, plan_id, &reason, &union.actor()))
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}")))
}

/// One supplier's part of the purchase list, with whom to contact.
pub struct SupplierGroup {
    pub name: String,
    pub contact: String,
    pub lines: Vec<PurchaseLine>,
    pub total: String,
}

pub struct PurchaseLine {
    pub code: String,
    pub name: String,
    pub specification: String,
    pub unit_price: String,
    pub per_person: i32,
    pub quantity: i64,
    pub total: String,
}

/// The purchase list (采购清单) of a confirmed plan, grouped by supplier.
pub fn purchase_list(plan: &Plan) -> (Vec<SupplierGroup>, Fen) {
    let status = plan.row.status();
    let headcount = i64::from(plan.row.headcount);
    let mut groups: Vec<(i32, SupplierGroup, i64)> = Vec::new();
    for l in &plan.lines {
        let p = &l.product;
        let quantity = i64::from(l.line.quantity_per_person) * headcount;
        let total = l.unit_price(status).0 * quantity;
        let line = PurchaseLine {
            code: p.catalogue_code.clone(),
            name: p.name.clone(),
            specification: p.specification.clone(),
            unit_price: l.unit_price(status).to_string(),
            per_person: l.line.quantity_per_person,
            quantity,
            total: Fen(total).to_string(),
        };
        match groups.iter_mut().find(|(id, _, _)| *id == p.supplier_id) {
            Some((_, g, sum)) => {
                g.lines.push(line);
                *sum += total;
            }
            None => groups.push((
                p.supplier_id,
                SupplierGroup {
                    name: p.supplier_name.clone(),
                    contact: format!("{} {}", p.supplier_contact_name, p.supplier_contact_phone),
                    lines: vec![line],
                    total: String::new(),
                },
                total,
            )),
        }
    }
    let overall = groups.iter().map(|(_, _, s)| s).sum();
    let groups = groups
        .into_iter()
        .map(|(_, mut g, sum)| {
            g.total = Fen(sum).to_string();
            g
        })
        .collect();
    (groups, Fen(overall))
}

#[derive(Template)]
#[template(path = "union/purchase_list.html")]
struct PurchaseListPage {
    union_name: String,
    plan: PlanSummary,
    policy: String,
    confirmed_on: String,
    groups: Vec<SupplierGroup>,
    total: String,
}

async fn confirmed_plan(state: &State, union: &Grassroots, plan_id: i32) -> Result<(PlanData, String), AppError> {
    let data = load_plan(state, union.org_id, plan_id).await?;
    if data.plan.row.status() != PlanStatus::Confirmed {
        return Err(AppError::Conflict("计划确认后才能导出采购清单。".to_owned()));
    }
    Ok((data, union.org_name.clone()))
}

pub async fn purchase_list_page(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (data, union_name) = confirmed_plan(&state, &union, path.into_inner()).await?;
    let (groups, total) = purchase_list(&data.plan);
    render(&PurchaseListPage {
        union_name,
        confirmed_on: data.plan.row.confirmed_at.map(china_time).unwrap_or_default(),
        plan: PlanSummary::from(&data.plan),
        policy: data.policy.name.clone(),
        groups,
        total: total.to_string(),
    })
}

pub async fn purchase_list_xlsx(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (data, union_name) = confirmed_plan(&state, &union, path.into_inner()).await?;
    let (groups, total) = purchase_list(&data.plan);
    let title = format!("{union_name}{}采购清单", data.plan.row.name);
    let sheet = crate::sheet::PurchaseList {
        title: title.clone(),
        subtitle: format!(
            "额度政策：{} · 人数 {} · 每人 {} 元 · 确认于 {}",
            data.policy.name,
            data.plan.row.headcount,
            data.plan.per_person(),
            data.plan.row.confirmed_at.map(china_time).unwrap_or_default()
        ),
        groups: groups
            .iter()
            .map(|g| crate::sheet::PurchaseGroup {
                supplier: g.name.clone(),
                contact: g.contact.clone(),
                lines: g
                    .lines
                    .iter()
                    .map(|l| crate::sheet::PurchaseRow {
                        code: l.code.clone(),
                        name: l.name.clone(),
                        specification: l.specification.clone(),
                        unit_price: l.unit_price.clone(),
                        per_person: l.per_person,
                        quantity: l.quantity,
                        total: l.total.clone(),
                    })
                    .collect(),
                total: g.total.clone(),
            })
            .collect(),
        total: total.to_string(),
    };
    let bytes = sheet.to_xlsx().map_err(|e| AppError::Internal(e.to_string()))?;
    let encoded = percent_encoding::utf8_percent_encode(&title, percent_encoding::NON_ALPHANUMERIC);
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"purchase-list.xlsx\"; filename*=UTF-8''{encoded}.xlsx"),
        ))
        .body(bytes))
}

/// The union's draft plans, for the "add to plan" buttons on product pages.
pub fn draft_plans(conn: &mut crate::db::DbConnection, org_id: i32) -> crate::db::DbResult<Vec<(i32, String)>> {
    use crate::db::schema::plans;
    use diesel::prelude::*;
    Ok(plans::table
        .filter(plans::organisation_id.eq(org_id))
        .filter(plans::status.eq(PlanStatus::Draft.as_str()))
        .order(plans::id.desc())
        .select((plans::id, plans::name))
        .load(conn)?)
}
