//! Purchase orders, as each party sees them: the seller accepts, declines and ships naming the
//! lots; the union places them from a plan, cancels before shipping, confirms receipt and closes;
//! the office sees every one. One order page serves all three, with the actions of the caller.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::forms::{ReasonForm, optional_date, required_reason};
use super::nav::Nav;
use super::nominations::HistoryLine;
use super::{State, china_time, render, see_other, upload};
use crate::auth::{CurrentUser, Grassroots, OrderParty, Seller};
use crate::db::orders::{self, Delivery, LotChoice, Order, Party, Receipt};
use crate::db::organisations::Organisation;
use crate::domain::purchasing::{LotPart, OrderStatus};
use crate::domain::{Fen, OrgKind, PhoneNumber, Subject};
use crate::error::AppError;
use crate::web::scans::china_today;

/// An order in a list.
pub struct OrderSummary {
    pub id: i32,
    pub placed: String,
    pub union_name: String,
    pub seller_name: String,
    pub plan_name: String,
    pub status: OrderStatus,
    pub lines: usize,
    pub total: String,
    pub recalled: bool,
}

impl From<&Order> for OrderSummary {
    fn from(o: &Order) -> Self {
        OrderSummary {
            id: o.row.id,
            placed: china_time(o.row.placed_at),
            union_name: o.union_name.clone(),
            seller_name: o.seller_name.clone(),
            plan_name: o.plan_name.clone(),
            status: o.row.status(),
            lines: o.lines.len(),
            total: Fen(o.row.total_fen).to_string(),
            recalled: o.has_recalled_lot(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
}

fn status_filter(q: &ListQuery) -> Result<Option<OrderStatus>, AppError> {
    match q.status.trim() {
        "" => Ok(None),
        s => OrderStatus::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest(format!("订单状态“{s}”无效。"))),
    }
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    nav: Nav,
    title: String,
    base: &'static str,
    export: &'static str,
    is_seller: bool,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    orders: Vec<OrderSummary>,
}

/// How many orders a list shows; the export has them all.
const LIST_LIMIT: i64 = 500;
const EXPORT_LIMIT: i64 = 100_000;

async fn list_page(
    state: &State,
    nav: Nav,
    party: Party,
    title: String,
    query: &ListQuery,
) -> Result<HttpResponse, AppError> {
    let status = status_filter(query)?;
    let list = state
        .db(move |conn| orders::list(conn, party, status, LIST_LIMIT))
        .await?;
    let is_seller = matches!(party, Party::Seller(_));
    render(&ListPage {
        nav,
        title,
        base: if is_seller { "/seller" } else { "/union/orders" },
        export: if is_seller {
            "/seller/orders.xlsx"
        } else {
            "/union/orders.xlsx"
        },
        is_seller,
        status: query.status.trim().to_owned(),
        statuses: OrderStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        orders: list.iter().map(OrderSummary::from).collect(),
    })
}

/// A seller's dashboard: its orders, filterable by state.
pub async fn seller_dashboard(
    state: State,
    seller: Seller,
    nav: Nav,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let title = format!("{} · 订单", seller.org_name);
    list_page(&state, nav, Party::Seller(seller.org_id), title, &query).await
}

/// A union's orders, filterable by state.
pub async fn union_list(
    state: State,
    union: Grassroots,
    nav: Nav,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let title = format!("{} · 订单", union.org_name);
    list_page(&state, nav, Party::Union(union.org_id), title, &query).await
}

async fn export(state: &State, party: Party, who: String, query: &ListQuery) -> Result<HttpResponse, AppError> {
    let status = status_filter(query)?;
    let list = state
        .db(move |conn| orders::list(conn, party, status, EXPORT_LIMIT))
        .await?;
    let rows: Vec<crate::sheet::OrderExportRow> = list
        .iter()
        .flat_map(|o| {
            o.lines.iter().map(move |l| crate::sheet::OrderExportRow {
                order_id: o.row.id,
                placed: china_time(o.row.placed_at),
                status: o.row.status().label().to_owned(),
                union_name: o.union_name.clone(),
                seller_name: o.seller_name.clone(),
                product_code: l.product.catalogue_code.clone(),
                product_name: l.product.name.clone(),
                specification: l.product.specification.clone(),
                unit_price: Fen(l.line.unit_price_fen),
                quantity: i64::from(l.line.quantity),
                received: l.line.received_quantity.map(i64::from),
                lots: l
                    .lots
                    .iter()
                    .map(|s| {
                        format!(
                            "{}×{}{}",
                            s.lot_code,
                            s.quantity,
                            if s.recalled { "（已召回）" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                delivery: format!(
                    "{} {} {}",
                    o.row.delivery_address, o.row.contact_name, o.row.contact_phone
                ),
            })
        })
        .collect();
    let title = format!("{who}订单");
    let bytes = crate::telemetry::spawn_blocking_in_span(move || crate::sheet::orders_xlsx(&title, &rows))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"orders.xlsx\""))
        .body(bytes))
}

pub async fn seller_export(
    state: State,
    seller: Seller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    export(&state, Party::Seller(seller.org_id), seller.org_name.clone(), &query).await
}

pub async fn union_export(
    state: State,
    union: Grassroots,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    export(&state, Party::Union(union.org_id), union.org_name.clone(), &query).await
}

fn party_of(user: &CurrentUser) -> Party {
    match user.kind {
        OrgKind::GrassrootsUnion => Party::Union(user.org_id),
        OrgKind::Seller => Party::Seller(user.org_id),
        _ => Party::Office,
    }
}

/// A line of the order page.
pub struct LineView {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub specification: String,
    pub unit_price: String,
    pub quantity: i32,
    pub received: Option<i32>,
    pub total: String,
    pub lots: Vec<(String, i32, bool, String)>,
    /// The lots the seller may ship from, with the slots of the shipping form.
    pub choices: Vec<LotChoiceView>,
    pub slots: Vec<usize>,
}

pub struct LotChoiceView {
    pub code: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "orders/page.html")]
struct OrderPage {
    nav: Nav,
    id: i32,
    status: OrderStatus,
    union_name: String,
    seller_name: String,
    plan_id: i32,
    plan_name: String,
    placed: String,
    headcount: i32,
    total: String,
    delivery: String,
    contact: String,
    lines: Vec<LineView>,
    is_union: bool,
    is_seller: bool,
    recalled: bool,
    today: String,
    history: Vec<HistoryLine>,
}

/// How many lots a line may be split over in the form.
const LOT_SLOTS: usize = 3;

pub async fn page(state: State, party: OrderParty, nav: Nav, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let who = party_of(&party);
    let (order, choices, history) = state
        .db(move |conn| -> Result<_, AppError> {
            let order = orders::load(conn, who, id)?;
            let choices = if matches!(who, Party::Seller(_)) && order.row.status() == OrderStatus::Accepted {
                orders::lot_choices(conn, &order)?
            } else {
                HashMap::new()
            };
            let history: Vec<HistoryLine> = crate::db::events::history(conn, Subject::Order, id)?
                .iter()
                .map(|e| HistoryLine::from_event(e, ""))
                .collect();
            Ok((order, choices, history))
        })
        .await?;
    let status = order.row.status();
    let lines = order
        .lines
        .iter()
        .map(|l| {
            let product_choices: &[LotChoice] = choices.get(&l.product.id).map(Vec::as_slice).unwrap_or(&[]);
            LineView {
                id: l.line.id,
                code: l.product.catalogue_code.clone(),
                name: l.product.name.clone(),
                specification: l.product.specification.clone(),
                unit_price: Fen(l.line.unit_price_fen).to_string(),
                quantity: l.line.quantity,
                received: l.line.received_quantity,
                total: Fen(l.line.unit_price_fen * i64::from(l.line.quantity)).to_string(),
                lots: l
                    .lots
                    .iter()
                    .map(|s| {
                        let href = format!("/t/{}/{}", l.product.catalogue_code, s.lot_code);
                        (s.lot_code.clone(), s.quantity, s.recalled, href)
                    })
                    .collect(),
                choices: product_choices
                    .iter()
                    .filter(|c| !c.recalled)
                    .map(|c| LotChoiceView {
                        code: c.lot_code.clone(),
                        label: match c.produced_on {
                            Some(d) => format!("{}（{d} 生产）", c.lot_code),
                            None => c.lot_code.clone(),
                        },
                    })
                    .collect(),
                slots: (0..LOT_SLOTS).collect(),
            }
        })
        .collect();
    render(&OrderPage {
        nav,
        id,
        status,
        union_name: order.union_name.clone(),
        seller_name: order.seller_name.clone(),
        plan_id: order.row.plan_id,
        plan_name: order.plan_name.clone(),
        placed: china_time(order.row.placed_at),
        headcount: order.row.headcount,
        total: Fen(order.row.total_fen).to_string(),
        delivery: order.row.delivery_address.clone(),
        contact: format!("{} {}", order.row.contact_name, order.row.contact_phone),
        lines,
        is_union: matches!(who, Party::Union(_)),
        is_seller: matches!(who, Party::Seller(_)),
        recalled: order.has_recalled_lot(),
        today: china_today().to_string(),
        history,
    })
}

fn order_path(id: i32) -> String {
    format!("/orders/{id}")
}

pub async fn accept(state: State, seller: Seller, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (org, actor) = (seller.org_id, seller.actor());
    state.db(move |conn| orders::accept(conn, org, id, &actor)).await?;
    Ok(see_other(&order_path(id)))
}

pub async fn decline(
    state: State,
    seller: Seller,
    path: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reason = required_reason("拒单", &form.reason)?;
    let (org, actor) = (seller.org_id, seller.actor());
    state
        .db(move |conn| orders::decline(conn, org, id, &reason, &actor))
        .await?;
    Ok(see_other(&order_path(id)))
}

/// The shipping form's fields, `lot_{line}_{k}` and `qty_{line}_{k}`, as the parts of the
/// shipment; a slot with no lot and no quantity is left out.
fn shipment_parts(fields: &[(String, String)]) -> Result<Vec<LotPart>, AppError> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for (key, lot) in fields {
        let Some(slot) = key.strip_prefix("lot_") else { continue };
        let Some((line, _k)) = slot.split_once('_') else {
            problems.push(format!("表单字段“{key}”无效。"));
            continue;
        };
        let Ok(line_id) = line.parse::<i32>() else {
            problems.push(format!("表单字段“{key}”无效。"));
            continue;
        };
        let lot = lot.trim();
        let qty_text = value(&format!("qty_{slot}"));
        if lot.is_empty() && qty_text.is_empty() {
            continue;
        }
        if lot.is_empty() {
            problems.push(format!("第 {line_id} 行填了数量 {qty_text}，但没有选择批次。"));
            continue;
        }
        let Some(quantity) = qty_text
            .trim_end_matches('件')
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|q| *q > 0 && *q <= 10_000_000)
        else {
            problems.push(format!("批次 {lot} 的数量“{qty_text}”无效，应为正整数。"));
            continue;
        };
        parts.push(LotPart {
            line_id,
            lot: lot.chars().take(64).collect(),
            quantity,
        });
    }
    if problems.is_empty() {
        Ok(parts)
    } else {
        Err(AppError::BadRequest(problems.join(" ")))
    }
}

pub async fn ship(
    state: State,
    seller: Seller,
    path: web::Path<i32>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let parts = shipment_parts(&form)?;
    if parts.is_empty() {
        return Err(AppError::BadRequest("请为每种产品选择发货批次并填写数量。".to_owned()));
    }
    let (org, actor) = (seller.org_id, seller.actor());
    state
        .db(move |conn| orders::ship(conn, org, id, &parts, &actor))
        .await?;
    Ok(see_other(&order_path(id)))
}

#[derive(Deserialize)]
pub struct LotForm {
    #[serde(default)]
    line: String,
    #[serde(flatten)]
    batch: super::trace::BatchForm,
}

/// A lot the seller records for one of the order's products, so that it can ship it: the
/// traceability record is where lots live, and the seller is who knows them.
pub async fn add_lot(
    state: State,
    seller: Seller,
    path: web::Path<i32>,
    form: web::Form<LotForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let line: i32 = form
        .line
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("请选择为哪种产品登记批次。".to_owned()))?;
    let (lot, fields) = form.batch.new_lot()?;
    let (org, actor) = (seller.org_id, seller.actor());
    state
        .db(move |conn| -> Result<i32, AppError> {
            let order = orders::load(conn, Party::Seller(org), id)?;
            let product = order
                .lines
                .iter()
                .find(|l| l.line.id == line)
                .map(|l| l.product.id)
                .ok_or_else(|| AppError::NotFound("订单中没有这种产品。".to_owned()))?;
            super::trace::record_lot(conn, product, &lot, fields, &actor)
        })
        .await?;
    Ok(see_other(&format!("{}#ship", order_path(id))))
}

pub async fn cancel(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reason = required_reason("取消订单", &form.reason)?;
    let (org, actor) = (union.org_id, union.actor());
    state
        .db(move |conn| orders::cancel(conn, org, id, &reason, &actor))
        .await?;
    Ok(see_other(&order_path(id)))
}

pub async fn close(state: State, union: Grassroots, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (org, actor) = (union.org_id, union.actor());
    state.db(move |conn| orders::close(conn, org, id, &actor)).await?;
    Ok(see_other(&order_path(id)))
}

/// Receipt: a multipart form (a photo of the delivery note may come with it) with `received_{line}`
/// per line, a note and the date received.
pub async fn receive(
    state: State,
    union: Grassroots,
    req: HttpRequest,
    path: web::Path<i32>,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    upload::refuse_declared_length(&req, upload::MEDIA_LIMITS)?;
    let id = path.into_inner();
    let form = upload::read_upload(body, upload::MEDIA_LIMITS).await?;
    let mut received = HashMap::new();
    let mut problems = Vec::new();
    for (key, value) in &form.fields {
        let Some(line) = key.strip_prefix("received_") else {
            continue;
        };
        let Ok(line_id) = line.parse::<i32>() else {
            problems.push(format!("表单字段“{key}”无效。"));
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match value.trim_end_matches('件').trim().parse::<u32>() {
            Ok(n) => {
                received.insert(line_id, n);
            }
            Err(_) => problems.push(format!("实收数量“{value}”无效，应为整数。")),
        }
    }
    let on = parse_date(form.field("received_on"), "收货日期")?;
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems.join(" ")));
    }
    let note: String = form.field("note").chars().take(500).collect();
    let stored = if form.file.is_empty() {
        None
    } else {
        Some(upload::store_file(&state, form.file).await?)
    };
    let receipt = Receipt {
        received,
        note,
        evidence: stored.as_ref().map(|s| (s.path.clone(), s.kind.to_owned())),
        on,
    };
    let (org, actor) = (union.org_id, union.actor());
    let saved = state
        .db(move |conn| orders::receive(conn, org, id, &receipt, &actor))
        .await;
    if let Err(e) = saved {
        if let Some(s) = stored {
            upload::remove_unused(&state, s.written).await;
        }
        return Err(e);
    }
    Ok(see_other(&order_path(id)))
}

/// A date typed into a form (today when left empty), not in the future.
pub fn parse_date(text: &str, what: &str) -> Result<chrono::NaiveDate, AppError> {
    let today = china_today();
    let date = optional_date(what, text)?.unwrap_or(today);
    if date > today {
        return Err(AppError::BadRequest(format!("{what}不能晚于今天（{today}）。")));
    }
    Ok(date)
}

#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
}

/// Confirms the plan if it is a draft and places its orders, one per seller.
pub async fn place(
    state: State,
    union: Grassroots,
    path: web::Path<i32>,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, AppError> {
    let plan_id = path.into_inner();
    let mut problems = Vec::new();
    let address: String = form.address.trim().chars().take(200).collect();
    if address.is_empty() {
        problems.push("请填写收货地址。".to_owned());
    }
    let contact_name: String = form.contact_name.trim().chars().take(40).collect();
    if contact_name.is_empty() {
        problems.push("请填写收货联系人。".to_owned());
    }
    let phone = match PhoneNumber::parse(form.contact_phone.trim()) {
        Ok(p) => p.to_string(),
        Err(e) => {
            problems.push(format!("联系电话：{e}"));
            String::new()
        }
    };
    if !problems.is_empty() {
        return Err(AppError::BadRequest(problems.join(" ")));
    }
    let delivery = Delivery {
        address,
        contact_name,
        contact_phone: phone,
    };
    let (org_id, today, actor) = (union.org_id, china_today(), union.actor());
    state
        .db(move |conn| -> Result<Vec<i32>, AppError> {
            let org = Organisation::find(conn, org_id)?;
            Ok(orders::place(conn, &org, plan_id, &delivery, today, &actor)?)
        })
        .await?;
    Ok(see_other(&format!("/union/plans/{plan_id}#orders")))
}
