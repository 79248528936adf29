//! The catalogue as it stood at the end of a past day (China time), for people: `/search?as_of=`
//! lists what was listed then, with the details it had; `/products/{code}?as_of=` shows one
//! product as it stood then. Read from product versions, not from the search index.

use std::collections::HashMap;

use actix_web::HttpResponse;
use askama::Template;
use chrono::NaiveDate;

use crate::db::versions::{self, Narrowing, VersionRow};
use crate::domain::details::FieldChange;
use crate::domain::versions::{ChangeKind, end_of_china_day};
use crate::domain::{Fen, ListingStatus, china_time, region};
use crate::error::AppError;
use crate::web::api::history::{day, narrowing, number, pairs};
use crate::web::nav::Nav;
use crate::web::{State, render};

const PER_PAGE: i64 = 50;
const LIST_PARAMS: [&str; 4] = ["as_of", "county", "category", "page"];

struct Line {
    code: String,
    name: String,
    county: String,
    category: String,
    specification: String,
    trademark: String,
    price: String,
    supplier: String,
}

impl From<VersionRow> for Line {
    fn from(v: VersionRow) -> Line {
        Line {
            price: Fen(v.unit_price_fen).to_string(),
            code: v.catalogue_code,
            name: v.name,
            county: v.county_name,
            category: v.category,
            specification: v.specification,
            trademark: v.trademark,
            supplier: v.supplier_name,
        }
    }
}

#[derive(Template)]
#[template(path = "public/catalogue_as_of.html")]
struct CataloguePage {
    nav: Nav,
    day: String,
    total: i64,
    lines: Vec<Line>,
    county: String,
    county_name: String,
    category: String,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /search?as_of=YYYY-MM-DD[&county=&category=&page=]`
pub async fn catalogue(state: &State, nav: Nav, query: &str) -> Result<HttpResponse, AppError> {
    let params: HashMap<String, String> = pairs(query, &LIST_PARAMS).map_err(|e| match e {
        AppError::BadRequest(m) if m.contains("不认识") => {
            AppError::BadRequest(format!("{m}；按日期查看目录时只能按县区和品类筛选，不能搜索或排序"))
        }
        other => other,
    })?;
    let day = day("as_of", params.get("as_of").map(String::as_str).unwrap_or(""))?;
    let narrowed: Narrowing = narrowing(&params)?;
    let page = number(&params, "page", 1, 10_000)?;
    let at = end_of_china_day(day);
    let filter = narrowed.clone();
    let (total, rows) = state
        .db(move |conn| versions::listed_at(conn, at, &filter, PER_PAGE, (page - 1) * PER_PAGE))
        .await?;
    let county = narrowed.county.clone().unwrap_or_default();
    let category = narrowed.category.clone().unwrap_or_default();
    let link = |page: i64| {
        let mut pairs = vec![("as_of", day.to_string())];
        if !county.is_empty() {
            pairs.push(("county", county.clone()));
        }
        if !category.is_empty() {
            pairs.push(("category", category.clone()));
        }
        pairs.push(("page", page.to_string()));
        format!("/search?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    };
    render(&CataloguePage {
        nav,
        day: day.to_string(),
        total,
        lines: rows.into_iter().map(Line::from).collect(),
        county_name: region::county(&county).map(|c| c.name).unwrap_or_default().to_owned(),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * PER_PAGE < total).then(|| link(page + 1)),
        county,
        category,
    })
}

struct VersionView {
    from: String,
    kind: &'static str,
    status: &'static str,
    reason: String,
    lot: String,
    in_force: bool,
    /// What a details change changed: `单价（元）：38.00 → 42.00`.
    fields: Vec<String>,
}

#[derive(Template)]
#[template(path = "public/product_as_of.html")]
struct ProductPage {
    nav: Nav,
    day: String,
    code: String,
    /// The version in force at the end of the day, if the product was in the catalogue's history.
    then: Option<(Line, &'static str, bool)>,
    history: Vec<VersionView>,
}

/// `GET /products/{code}?as_of=YYYY-MM-DD`
pub async fn product(state: &State, nav: Nav, code: String, query: &str) -> Result<HttpResponse, AppError> {
    let params = pairs(query, &["as_of"])?;
    let day: NaiveDate = day("as_of", params.get("as_of").map(String::as_str).unwrap_or(""))?;
    let at = end_of_china_day(day);
    let wanted = code.clone();
    let history = state
        .db(move |conn| -> Result<Option<Vec<VersionRow>>, AppError> {
            use crate::db::schema::products;
            use diesel::prelude::*;
            let id: Option<i32> = products::table
                .filter(products::catalogue_code.eq(&wanted))
                .select(products::id)
                .first(conn)
                .optional()
                .map_err(crate::db::DbError::from)?;
            let Some(id) = id else { return Ok(None) };
            Ok(Some(versions::of_product(conn, id)?))
        })
        .await?
        .ok_or_else(|| AppError::NotFound("目录中没有这个编号的产品。".to_owned()))?;
    let in_force = history
        .iter()
        .rposition(|v| v.valid_from <= at && v.valid_to.is_none_or(|to| to > at));
    let status_of = |v: &VersionRow| ListingStatus::parse(&v.listing_status).unwrap_or(ListingStatus::Listed);
    let views = history
        .iter()
        .enumerate()
        .map(|(i, v)| VersionView {
            from: china_time(v.valid_from),
            kind: ChangeKind::parse(&v.change_kind).map_or("变更", ChangeKind::label),
            status: status_of(v).label(),
            reason: v.reason.clone(),
            lot: v.lot_code.clone().unwrap_or_default(),
            in_force: Some(i) == in_force,
            fields: v.changed_fields().iter().map(FieldChange::describe).collect(),
        })
        .collect();
    let then = in_force.map(|i| {
        let v = history[i].clone();
        let status = status_of(&v);
        (Line::from(v), status.label(), status == ListingStatus::Listed)
    });
    render(&ProductPage {
        nav,
        day: day.to_string(),
        code,
        then,
        history: views,
    })
}
