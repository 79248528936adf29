//! The office composes festival bundles from listed products, publishes and retires them, and
//! sees the published bundles that hold a product no longer listed.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::auth::Office;
use crate::db::DbConnection;
use crate::db::bundles::{self, BundleDetails, SpendingError};
use crate::db::products::Product;
use crate::domain::CatalogueCode;
use crate::domain::spending::{BundleStatus, Festival};
use crate::error::AppError;
use crate::search::{SearchQuery, Sort};
use crate::web::bundles::{BundleSummary, LineEdit, LineView, SubstituteView, bundle_line};
use crate::web::forms::ReasonForm;
use crate::web::nav::Nav;
use crate::web::public::search::run_search;
use crate::web::{State, render, see_other};

#[derive(Template)]
#[template(path = "office/bundles.html")]
struct ListPage {
    nav: Nav,
    to_fix: Vec<BundleSummary>,
    /// Drafts, published, retired, each with its heading.
    sections: Vec<(&'static str, Vec<BundleSummary>)>,
    festivals: Vec<(&'static str, &'static str)>,
    year: i32,
}

pub fn festivals() -> Vec<(&'static str, &'static str)> {
    Festival::ALL.iter().map(|f| (f.as_str(), f.label())).collect()
}

pub async fn list(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    let (all, to_fix) = state
        .db(|conn| -> Result<_, AppError> { Ok((bundles::list(conn, None)?, bundles::to_fix(conn)?)) })
        .await?;
    let of = |s: BundleStatus| {
        let list = all
            .iter()
            .filter(|b| b.row.status() == s)
            .map(BundleSummary::from)
            .collect();
        (s.label(), list)
    };
    render(&ListPage {
        nav,
        to_fix: to_fix.iter().map(BundleSummary::from).collect(),
        sections: vec![
            of(BundleStatus::Draft),
            of(BundleStatus::Published),
            of(BundleStatus::Retired),
        ],
        festivals: festivals(),
        year: crate::web::scans::china_today().year(),
    })
}

#[derive(Deserialize)]
pub struct NewBundleForm {
    name: String,
    festival: String,
    year: String,
    #[serde(default)]
    description: String,
}

pub async fn create(state: State, office: Office, form: web::Form<NewBundleForm>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(AppError::BadRequest("请填写礼包名称（最多 60 个字）。".to_owned()));
    }
    let festival = Festival::parse(&form.festival)
        .ok_or_else(|| AppError::BadRequest(format!("节日“{}”无效。", form.festival)))?;
    let year: i32 = form
        .year
        .trim()
        .parse()
        .ok()
        .filter(|y| (2015..=2100).contains(y))
        .ok_or_else(|| AppError::BadRequest(format!("年份“{}”无效。", form.year.trim())))?;
    let details = BundleDetails {
        name,
        festival,
        year,
        description: form.description.trim().chars().take(500).collect(),
    };
    let id = state
        .db(move |conn| bundles::create(conn, &details, &office.actor()))
        .await?;
    Ok(see_other(&format!("/office/bundles/{id}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ComposeQuery {
    q: String,
}

#[derive(Template)]
#[template(path = "office/bundle.html")]
struct ComposePage {
    nav: Nav,
    bundle: BundleSummary,
    lines: Vec<LineView>,
    editable: bool,
    edit: Option<LineEdit>,
    q: String,
    found: Vec<SubstituteView>,
    history: Vec<crate::web::nominations::HistoryLine>,
}

pub async fn page(
    state: State,
    _office: Office,
    nav: Nav,
    path: web::Path<i32>,
    query: web::Query<ComposeQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (bundle, history) = state
        .db(move |conn| -> Result<_, AppError> {
            let bundle = bundles::load(conn, id)?.ok_or_else(|| AppError::NotFound(format!("礼包 {id} 不存在。")))?;
            let history = crate::db::events::history(conn, crate::domain::Subject::Bundle, id)?;
            Ok((bundle, history))
        })
        .await?;
    let q = query.q.trim().to_owned();
    let found = if q.is_empty() {
        Vec::new()
    } else {
        let search = SearchQuery {
            text: q.clone(),
            per_page: 10,
            facets: false,
            sort: Sort::Relevance,
            ..SearchQuery::default()
        };
        run_search(&state, &search)?
            .hits
            .iter()
            .map(|h| SubstituteView::from(h.product()))
            .collect()
    };
    render(&ComposePage {
        nav,
        editable: bundle.row.status().editable(),
        edit: bundle.row.status().editable().then(|| LineEdit {
            base: format!("/office/bundles/{}/lines", bundle.row.id),
            substitute: false,
        }),
        lines: bundle.lines.iter().map(|l| bundle_line(&state, &bundle, l)).collect(),
        bundle: BundleSummary::from(&bundle),
        q,
        found,
        history: history
            .iter()
            .map(|e| crate::web::nominations::HistoryLine::from_event(e, ""))
            .collect(),
    })
}

/// A product named by its catalogue code, as typed or from a search result.
pub fn product_id_of(conn: &mut DbConnection, code: &str) -> Result<i32, AppError> {
    let missing = || AppError::BadRequest(format!("目录编号“{}”不存在。", code.trim()));
    let code = CatalogueCode::parse(code.trim()).map_err(|_| missing())?;
    Ok(Product::find_by_catalogue_code(conn, &code)?.ok_or_else(missing)?.id)
}

/// A quantity per person: a whole number from 1 to 99.
pub fn quantity(input: &str) -> Result<u32, AppError> {
    input
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|q| (1..=99).contains(q))
        .ok_or_else(|| AppError::BadRequest(format!("每人数量“{}”无效，应为 1 至 99 的整数。", input.trim())))
}

#[derive(Deserialize)]
pub struct AddLineForm {
    code: String,
    #[serde(default = "one")]
    quantity: String,
}

pub fn one() -> String {
    "1".to_owned()
}

pub async fn add_line(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<AddLineForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let qty = quantity(&form.quantity)?;
    let code = form.code.clone();
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = product_id_of(conn, &code)?;
            Ok(bundles::add_line(conn, id, product, qty, &office.actor())?)
        })
        .await?;
    Ok(see_other(&format!("/office/bundles/{id}#lines")))
}

#[derive(Deserialize)]
pub struct QuantityForm {
    quantity: String,
}

pub async fn set_quantity(
    state: State,
    office: Office,
    path: web::Path<(i32, i32)>,
    form: web::Form<QuantityForm>,
) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    let qty = quantity(&form.quantity)?;
    state
        .db(move |conn| bundles::set_quantity(conn, id, line, qty, &office.actor()))
        .await?;
    Ok(see_other(&format!("/office/bundles/{id}#lines")))
}

pub async fn remove_line(state: State, office: Office, path: web::Path<(i32, i32)>) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    state
        .db(move |conn| bundles::remove_line(conn, id, line, &office.actor()))
        .await?;
    Ok(see_other(&format!("/office/bundles/{id}#lines")))
}

pub async fn publish(state: State, office: Office, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    state
        .db(move |conn| bundles::publish(conn, id, &office.actor()))
        .await?;
    Ok(see_other(&format!("/office/bundles/{id}")))
}

pub async fn retire(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(AppError::BadRequest("请填写停用原因。".to_owned()));
    }
    state
        .db(move |conn| -> Result<(), SpendingError> { bundles::retire(conn, id, &reason, &office.actor()) })
        .await?;
    Ok(see_other(&format!("/office/bundles/{id}")))
}
