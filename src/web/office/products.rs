//! The catalogue's dynamic management: a product's state, its history, quality incidents.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::Office;
use crate::db::DbConnection;
use crate::db::events;
use crate::db::products::Product;
use crate::db::schema::{products, quality_incidents, suppliers};
use crate::db::workflow::{self, NewIncident};
use crate::domain::details::Details;
use crate::domain::{
    Action, CatalogueCode, Fen, IncidentStatus, ListingStatus, LotCode, PovertyRegionKind, Subject, region,
};
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::nominations::HistoryLine;
use crate::web::{State, render, see_other};

const LIST_LIMIT: i64 = 200;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    county: String,
    q: String,
}

pub struct ProductLine {
    pub code: String,
    pub name: String,
    pub county_name: String,
    pub category: String,
    pub price: String,
    pub status: ListingStatus,
}

#[derive(Template)]
#[template(path = "office/products.html")]
struct ListPage {
    nav: Nav,
    products: Vec<ProductLine>,
    query: ListQuery,
    statuses: Vec<(&'static str, &'static str)>,
    limit: i64,
}

pub async fn list(
    state: State,
    _office: Office,
    nav: Nav,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let status = match query.status.trim() {
        "" => None,
        s => Some(ListingStatus::parse(s).map_err(|e| AppError::BadRequest(e.to_string()))?),
    };
    let (county, q) = (query.county.trim().to_owned(), query.q.trim().to_owned());
    let rows = state
        .db(move |conn| -> Result<Vec<Product>, AppError> {
            let mut sql = products::table
                .select(Product::as_select())
                .order(products::catalogue_code)
                .limit(LIST_LIMIT)
                .into_boxed();
            if let Some(s) = status {
                sql = sql.filter(products::listing_status.eq(s.as_str()));
            }
            if !county.is_empty() {
                sql = sql.filter(products::county_code.eq(county));
            }
            if !q.is_empty() {
                let pattern = format!("%{}%", q.replace(['%', '_'], ""));
                sql = sql.filter(
                    products::name
                        .like(pattern.clone())
                        .or(products::catalogue_code.like(pattern)),
                );
            }
            Ok(sql.load(conn)?)
        })
        .await?;
    let products = rows
        .into_iter()
        .map(|p| ProductLine {
            county_name: region::county(&p.county_code).map(|c| c.name).unwrap_or("").to_owned(),
            status: ListingStatus::parse(&p.listing_status).unwrap_or(ListingStatus::Listed),
            price: Fen(p.unit_price_fen).to_string(),
            code: p.catalogue_code,
            name: p.name,
            category: p.category,
        })
        .collect();
    render(&ListPage {
        nav,
        products,
        query,
        statuses: ListingStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        limit: LIST_LIMIT,
    })
}

pub struct IncidentView {
    pub id: i32,
    pub occurred_on: String,
    pub lot: String,
    pub source: String,
    pub description: String,
    pub status: IncidentStatus,
}

#[derive(Template)]
#[template(path = "office/product.html")]
struct ProductPage {
    nav: Nav,
    product: Product,
    status: ListingStatus,
    supplier_name: String,
    supplier_credit_code: String,
    county_name: String,
    county_note: String,
    poverty_label: String,
    price: String,
    output: String,
    history: Vec<HistoryLine>,
    incidents: Vec<IncidentView>,
    moves: Vec<(&'static str, &'static str)>,
    today: String,
    scans_30d: i64,
    lots: Vec<LotLine>,
    /// The version in force: a details correction is made against it.
    version: i32,
    correctable: bool,
}

/// A lot of the product, for the recall form.
pub struct LotLine {
    pub id: i32,
    pub code: String,
    pub produced_on: String,
    pub result: &'static str,
    /// When it was recalled.
    pub recalled: Option<String>,
}

pub fn find_product(conn: &mut DbConnection, code: &str) -> Result<Product, AppError> {
    let code = CatalogueCode::parse(code).map_err(|_| AppError::NotFound(format!("目录编号“{code}”不存在。")))?;
    Product::find_by_catalogue_code(conn, &code)?.ok_or_else(|| AppError::NotFound(format!("目录编号“{code}”不存在。")))
}

pub async fn page(state: State, _office: Office, nav: Nav, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    let counter = state.scan_counter.clone();
    let (product, supplier, history, incidents, scans_30d, lots, version) = state
        .db(move |conn| -> Result<_, AppError> {
            if let Err(e) = counter.flush_with(conn) {
                tracing::warn!(error = %e, "scan counts not written before reading them");
            }
            let product = find_product(conn, &code)?;
            let since = crate::web::scans::china_today() - chrono::Duration::days(29);
            let scans_30d: i64 = crate::db::trace::scans_of_product(conn, product.id, since)?
                .iter()
                .map(|(_, _, n)| n)
                .sum();
            let supplier: (String, String) = suppliers::table
                .find(product.supplier_id)
                .select((suppliers::name, suppliers::credit_code))
                .first(conn)?;
            let history = events::history(conn, Subject::Product, product.id)?;
            let incidents: Vec<(i32, NaiveDate, Option<String>, String, String, String)> = quality_incidents::table
                .filter(quality_incidents::product_id.eq(product.id))
                .order(quality_incidents::id.desc())
                .select((
                    quality_incidents::id,
                    quality_incidents::occurred_on,
                    quality_incidents::lot_code,
                    quality_incidents::source,
                    quality_incidents::description,
                    quality_incidents::status,
                ))
                .load(conn)?;
            let recalled = crate::db::recalls::of_product(conn, product.id)?;
            let lots: Vec<LotLine> = crate::db::trace::ProductBatch::of_product(conn, product.id)?
                .into_iter()
                .map(|b| LotLine {
                    id: b.id,
                    produced_on: b.produced_on.map(|d| d.to_string()).unwrap_or_default(),
                    result: crate::domain::InspectionResult::parse(&b.inspection_result)
                        .map(|r| r.label())
                        .unwrap_or(""),
                    recalled: recalled
                        .iter()
                        .find(|r| r.batch_id == b.id)
                        .map(|r| crate::web::china_time(r.recalled_at)),
                    code: b.lot_code,
                })
                .collect();
            let version = crate::db::versions::current_id(conn, product.id)?.unwrap_or(0);
            Ok((product, supplier, history, incidents, scans_30d, lots, version))
        })
        .await?;
    let status = ListingStatus::parse(&product.listing_status).unwrap_or(ListingStatus::Listed);
    let county = region::county(&product.county_code);
    let moves = ListingStatus::ALL
        .iter()
        .filter(|to| status.can_move_to(**to))
        .map(|to| (to.as_str(), to.label()))
        .collect();
    render(&ProductPage {
        nav,
        lots,
        status,
        supplier_name: supplier.0,
        supplier_credit_code: supplier.1,
        county_name: county.map(|c| format!("{}{}", c.city_name, c.name)).unwrap_or_default(),
        county_note: county
            .filter(|c| c.former_poverty_county)
            .map(|c| format!("贫困县，{} 年摘帽", c.poverty_exit_year.unwrap_or_default()))
            .unwrap_or_default(),
        poverty_label: PovertyRegionKind::parse(&product.poverty_region_kind)
            .map(|k| k.label())
            .unwrap_or("")
            .to_owned(),
        price: Fen(product.unit_price_fen).to_string(),
        output: crate::domain::Quantity {
            milli: product.annual_output_milli,
            unit: product.annual_output_unit.clone(),
        }
        .to_string(),
        history: history.iter().map(history_line).collect(),
        incidents: incidents
            .into_iter()
            .map(|(id, on, lot, source, description, status)| IncidentView {
                id,
                occurred_on: on.to_string(),
                lot: lot.unwrap_or_default(),
                source,
                description,
                status: IncidentStatus::parse(&status).unwrap_or(IncidentStatus::Open),
            })
            .collect(),
        moves,
        today: chrono::Utc::now().date_naive().to_string(),
        scans_30d,
        version,
        correctable: crate::domain::details::correctable(status).is_ok(),
        product,
    })
}

#[derive(Deserialize)]
pub struct DetailsForm {
    version: i32,
    name: String,
    specification: String,
    price_yuan: String,
    #[serde(default)]
    trademark: String,
    reason: String,
}

/// `POST /office/products/{code}/details`: corrects a listed product's name, specification, price
/// or trademark; the change log, the feeds and the day's open-data delta show what changed.
pub async fn change_details(
    state: State,
    office: Office,
    path: web::Path<String>,
    form: web::Form<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let details = Details::parse(&form.name, &form.specification, &form.price_yuan, &form.trademark)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let code = path.into_inner();
    let back = format!("/office/products/{code}");
    let app = state.clone();
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = find_product(conn, &code)?;
            workflow::change_details(conn, product.id, form.version, &details, &form.reason, &office.actor())?;
            app.refresh_search(conn);
            Ok(())
        })
        .await?;
    Ok(see_other(&back))
}

/// A line of the product's record; a correction says what it changed.
fn history_line(e: &crate::db::events::Event) -> HistoryLine {
    let mut line = HistoryLine::from_event(e, "");
    if let (Some(Action::Edit), Some(before), Some(after)) = (Action::parse(&e.action), &e.from_state, &e.to_state) {
        let changes = crate::domain::details::stored_changes(before, after);
        if !changes.is_empty() {
            line.reason = format!("{}；{}", line.reason, crate::domain::details::describe_all(&changes));
        }
    }
    line
}

#[derive(Deserialize)]
pub struct StatusForm {
    to: String,
    reason: String,
}

pub async fn change_status(
    state: State,
    office: Office,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    let to = ListingStatus::parse(&form.to).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let code = path.into_inner();
    let app = state.clone();
    let back = format!("/office/products/{code}");
    state
        .db(move |conn| -> Result<(), AppError> {
            let product = find_product(conn, &code)?;
            workflow::change_listing(conn, product.id, to, &form.reason, &office.actor())?;
            app.refresh_search(conn);
            Ok(())
        })
        .await?;
    Ok(see_other(&back))
}

#[derive(Deserialize)]
pub struct IncidentForm {
    occurred_on: String,
    #[serde(default)]
    lot: String,
    source: String,
    description: String,
    #[serde(default)]
    suspend: Option<String>,
}

pub async fn open_incident(
    state: State,
    office: Office,
    path: web::Path<String>,
    form: web::Form<IncidentForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let occurred_on = NaiveDate::parse_from_str(form.occurred_on.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::BadRequest(format!(
            "日期“{}”无效，应为 2020-09-01 这样的格式。",
            form.occurred_on.trim()
        ))
    })?;
    let lot = match form.lot.trim() {
        "" => None,
        s => Some(
            LotCode::parse(s)
                .map_err(|e| AppError::BadRequest(e.to_string()))?
                .to_string(),
        ),
    };
    if form.source.trim().is_empty() || form.description.trim().is_empty() {
        return Err(AppError::BadRequest("请填写事件来源和情况说明。".to_owned()));
    }
    let code = path.into_inner();
    let back = format!("/office/products/{code}");
    let app = state.clone();
    state
        .db(move |conn| -> Result<i32, AppError> {
            let product = find_product(conn, &code)?;
            let incident = NewIncident {
                product_id: product.id,
                lot_code: lot,
                occurred_on,
                source: form.source.trim().to_owned(),
                description: form.description.trim().to_owned(),
            };
            let suspend = form.suspend.is_some() && product.listing_status == ListingStatus::Listed.as_str();
            let result = workflow::open_incident(conn, incident, suspend, &office.actor())?;
            app.refresh_search(conn);
            Ok(result)
        })
        .await?;
    Ok(see_other(&back))
}

#[derive(Deserialize)]
pub struct SettleForm {
    to: String,
    reason: String,
}

pub async fn settle_incident(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<SettleForm>,
) -> Result<HttpResponse, AppError> {
    let to =
        IncidentStatus::parse(&form.to).ok_or_else(|| AppError::BadRequest(format!("处理结论“{}”无效", form.to)))?;
    let id = path.into_inner();
    let app = state.clone();
    let code = state
        .db(move |conn| -> Result<String, AppError> {
            workflow::settle_incident(conn, id, to, &form.reason, &office.actor())?;
            app.refresh_search(conn);
            let product_id: i32 = quality_incidents::table
                .find(id)
                .select(quality_incidents::product_id)
                .first(conn)?;
            Ok(products::table
                .find(product_id)
                .select(products::catalogue_code)
                .first(conn)?)
        })
        .await?;
    Ok(see_other(&format!("/office/products/{code}")))
}
