//! Notices (公告): `/notices`, `/notices/{id}`, and the office's correction of one. A correction
//! is a notice of its own: the corrected one stays, marked, and points to it.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::Office;
use crate::db::DbResult;
use crate::db::notices::{self, Findings, Notice, Withdrawal};
use crate::domain::china_time;
use crate::domain::versions::ChangeKind;
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::{State, render, see_other};

const PER_PAGE: i64 = 50;

/// What the notice says was done, and what whoever holds the product should do.
fn measure_and_advice(kind: ChangeKind, lot: Option<&str>) -> (String, &'static str) {
    match kind {
        ChangeKind::Delisted => (
            "清出全省工会消费扶贫产品推荐目录".to_owned(),
            "请勿再采购；已购入的产品请停止食用和发放，保留包装和购买凭证，向所在单位工会反映。",
        ),
        ChangeKind::LotRecalled => (
            format!("召回批次 {}，在途订单已停止发货", lot.unwrap_or("—")),
            "持有该批次产品的，请立即停止食用和发放，保留包装和购买凭证，向所在单位工会反映，由销售商退换。",
        ),
        _ => (
            "暂停推荐，调查期间暂停采购".to_owned(),
            "调查期间请暂缓采购；核查结果将以公告发布。",
        ),
    }
}

struct NoticeView {
    id: i32,
    number: String,
    issued: String,
    kind_label: &'static str,
    code: String,
    product: String,
    specification: String,
    trademark: String,
    category: String,
    supplier: String,
    address: String,
    lot: String,
    produced_on: String,
    failed_item: String,
    result: String,
    limit: String,
    testing_body: String,
    source: String,
    source_notice_no: String,
    reason: String,
    measure: String,
    advice: &'static str,
    correction_note: String,
    /// When (China time) and why it was withdrawn.
    withdrawn: Option<(String, String)>,
}

fn view(n: Notice) -> NoticeView {
    let kind = ChangeKind::parse(&n.kind).unwrap_or(ChangeKind::Suspended);
    let (measure, advice) = measure_and_advice(kind, n.lot_code.as_deref());
    let or_dash = |s: String| if s.trim().is_empty() { "—".to_owned() } else { s };
    NoticeView {
        id: n.id,
        number: n.number,
        issued: china_time(n.issued_at),
        kind_label: kind.label(),
        code: n.catalogue_code,
        product: n.product_name,
        specification: or_dash(n.specification),
        trademark: or_dash(n.trademark),
        category: n.category,
        supplier: n.supplier_name,
        address: or_dash(n.supplier_address.unwrap_or_default()),
        lot: or_dash(n.lot_code.unwrap_or_default()),
        produced_on: n.produced_on.map_or("—".to_owned(), |d| d.to_string()),
        failed_item: or_dash(n.failed_item),
        result: or_dash(n.result),
        limit: or_dash(n.limit),
        testing_body: or_dash(n.testing_body),
        source: or_dash(n.source),
        source_notice_no: or_dash(n.source_notice_no),
        reason: n.reason,
        measure,
        advice,
        correction_note: n.correction_note,
        withdrawn: n.withdrawn_at.map(|at| (china_time(at), n.withdrawal_reason)),
    }
}

#[derive(Template)]
#[template(path = "public/notices.html")]
struct ListPage {
    nav: Nav,
    total: i64,
    notices: Vec<NoticeView>,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn list(state: State, nav: Nav, query: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    let page = query.page.unwrap_or(1).max(1);
    let (total, rows) = state
        .db(move |conn| notices::list(conn, PER_PAGE, (page - 1) * PER_PAGE))
        .await?;
    render(&ListPage {
        nav,
        total,
        notices: rows.into_iter().map(view).collect(),
        prev: (page > 1).then(|| format!("/notices?page={}", page - 1)),
        next: (page * PER_PAGE < total).then(|| format!("/notices?page={}", page + 1)),
    })
}

#[derive(Template)]
#[template(path = "public/notice.html")]
struct NoticePage {
    nav: Nav,
    notice: NoticeView,
    /// The notice this one corrects: (id, number).
    corrects: Option<(i32, String)>,
    /// The notice that corrects this one.
    corrected_by: Option<(i32, String)>,
    can_correct: bool,
}

type Loaded = (Notice, Option<(i32, String)>, Option<(i32, String)>);

fn load(conn: &mut crate::db::DbConnection, id: i32) -> DbResult<Option<Loaded>> {
    let Some(notice) = notices::find(conn, id)? else {
        return Ok(None);
    };
    let corrects = match notice.corrects_id {
        Some(original) => notices::find(conn, original)?.map(|o| (o.id, o.number)),
        None => None,
    };
    let corrected_by = notices::corrected_by(conn, id)?;
    Ok(Some((notice, corrects, corrected_by)))
}

fn missing() -> AppError {
    AppError::NotFound("没有这份公告。".to_owned())
}

pub async fn page(state: State, nav: Nav, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (notice, corrects, corrected_by) = state.db(move |conn| load(conn, id)).await?.ok_or_else(missing)?;
    let can_correct = nav.user.as_ref().is_some_and(|u| u.is_office());
    render(&NoticePage {
        nav,
        notice: view(notice),
        corrects,
        corrected_by,
        can_correct,
    })
}

#[derive(Template)]
#[template(path = "public/notice_correct.html")]
struct CorrectPage {
    nav: Nav,
    notice: NoticeView,
    form: CorrectForm,
    error: Option<String>,
}

#[derive(Deserialize, Clone, Default)]
pub struct CorrectForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    produced_on: String,
    #[serde(default)]
    failed_item: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    limit: String,
    #[serde(default)]
    testing_body: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    source_notice_no: String,
    #[serde(default)]
    note: String,
}

pub async fn correct_page(
    state: State,
    nav: Nav,
    _office: Office,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let notice = state
        .db(move |conn| notices::find(conn, id))
        .await?
        .ok_or_else(missing)?;
    let form = CorrectForm {
        reason: notice.reason.clone(),
        produced_on: notice.produced_on.map(|d| d.to_string()).unwrap_or_default(),
        failed_item: notice.failed_item.clone(),
        result: notice.result.clone(),
        limit: notice.limit.clone(),
        testing_body: notice.testing_body.clone(),
        source: notice.source.clone(),
        source_notice_no: notice.source_notice_no.clone(),
        note: String::new(),
    };
    render(&CorrectPage {
        nav,
        notice: view(notice),
        form,
        error: None,
    })
}

pub async fn correct(
    state: State,
    nav: Nav,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<CorrectForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let produced_on = match form.produced_on.trim() {
        "" => Ok(None),
        text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("生产日期“{text}”不是日期，应写作 2026-06-30。")),
    };
    let problem = if form.note.trim().is_empty() {
        Some("请写明更正了什么、为什么更正。".to_owned())
    } else if form.reason.trim().is_empty() {
        Some("请填写公告事由。".to_owned())
    } else {
        produced_on.as_ref().err().cloned()
    };
    if let Some(error) = problem {
        let notice = state
            .db(move |conn| notices::find(conn, id))
            .await?
            .ok_or_else(missing)?;
        let mut page = render(&CorrectPage {
            nav,
            notice: view(notice),
            form,
            error: Some(error),
        })?;
        *page.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
        return Ok(page);
    }
    let actor = office.actor();
    let created = state
        .db(move |conn| {
            let original = notices::find(conn, id)?;
            let findings = Findings {
                lot_code: original.and_then(|n| n.lot_code),
                produced_on: produced_on.ok().flatten(),
                failed_item: form.failed_item.trim().to_owned(),
                result: form.result.trim().to_owned(),
                limit: form.limit.trim().to_owned(),
                testing_body: form.testing_body.trim().to_owned(),
                source: form.source.trim().to_owned(),
                source_notice_no: form.source_notice_no.trim().to_owned(),
            };
            notices::correct(conn, id, form.reason.trim(), &findings, form.note.trim(), &actor)
        })
        .await?
        .ok_or_else(missing)?;
    Ok(see_other(&format!("/notices/{created}")))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

/// `POST /office/notices/{id}/withdraw`: a notice issued in error is withdrawn, with the reason.
pub async fn withdraw(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reason = form.into_inner().reason.trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::BadRequest("请写明撤回公告的原因。".to_owned()));
    }
    if reason.chars().count() > 300 {
        return Err(AppError::BadRequest("撤回原因请控制在 300 字以内。".to_owned()));
    }
    let actor = office.actor();
    match state
        .db(move |conn| notices::withdraw(conn, id, &reason, &actor))
        .await?
    {
        Withdrawal::Withdrawn => Ok(see_other(&format!("/notices/{id}"))),
        Withdrawal::NoSuchNotice => Err(missing()),
        Withdrawal::AlreadyWithdrawn => Err(AppError::Conflict("这份公告已经撤回。".to_owned())),
    }
}
