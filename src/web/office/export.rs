//! Exports: the catalogue, and a county's or city's nominations, as .xlsx in the official layout
//! and as CSV.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::{CityOrOffice, Office};
use crate::db;
use crate::db::nominations::{Batch, Row};
use crate::db::schema::{product_versions, products, suppliers};
use crate::domain::nomination::BatchStatus;
use crate::domain::{Fen, ListingStatus, PovertyRegionKind, region};
use crate::error::AppError;
use crate::sheet::{self, CatalogueLine};
use crate::web::{State, download, xlsx_attachment};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CatalogueExport {
    status: String,
    /// The catalogue as it stood at the end of this day (China time), from product versions.
    as_of: String,
}

type Line = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i32,
    String,
    Option<String>,
    String,
    String,
    chrono::NaiveDateTime,
);

/// The listed products in force at `at`, with the details they had then.
fn lines_at(conn: &mut db::DbConnection, at: chrono::NaiveDateTime) -> db::DbResult<Vec<Line>> {
    Ok(products::table
        .inner_join(suppliers::table)
        .inner_join(product_versions::table.on(product_versions::product_id.eq(products::id)))
        .filter(db::versions::listed_in_force(at))
        .select((
            product_versions::catalogue_code,
            product_versions::name,
            product_versions::supplier_name,
            suppliers::credit_code,
            product_versions::county_code,
            product_versions::category,
            product_versions::specification,
            product_versions::unit_price_fen,
            products::poor_people_supported,
            products::national_catalogue_no,
            products::gtin,
            products::poverty_region_kind,
            product_versions::listing_status,
            products::listed_at,
        ))
        .order(product_versions::catalogue_code)
        .load(conn)?)
}

#[derive(Clone, Copy)]
enum Format {
    Xlsx,
    Csv,
}

fn format_of(ext: &str) -> Result<Format, AppError> {
    match ext {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        other => Err(AppError::NotFound(format!("不支持导出为 .{other}，可选 .xlsx 或 .csv"))),
    }
}

fn attachment(format: Format, name: &str, bytes: Vec<u8>) -> HttpResponse {
    match format {
        Format::Xlsx => xlsx_attachment(name, bytes),
        Format::Csv => download("text/csv; charset=utf-8", "csv", name, bytes),
    }
}

fn catalogue_line(
    (code, name, supplier, credit, county, category, spec, price, people, national, gtin, kind, st, listed): Line,
) -> CatalogueLine {
    let c = region::county(&county);
    CatalogueLine {
        catalogue_code: code,
        name,
        supplier_name: supplier,
        credit_code: credit,
        city: c.map(|c| c.city_name).unwrap_or("").to_owned(),
        county: c.map(|c| c.name).unwrap_or("").to_owned(),
        poverty_county: c
            .filter(|c| c.former_poverty_county)
            .map(|c| format!("是（{} 年摘帽）", c.poverty_exit_year.unwrap_or_default()))
            .unwrap_or_else(|| "否".to_owned()),
        category,
        specification: spec,
        unit_price_yuan: Fen(price).to_string(),
        poor_people_supported: people,
        national_catalogue_no: national,
        gtin: gtin.unwrap_or_default(),
        poverty_region: PovertyRegionKind::parse(&kind)
            .map(|k| k.label())
            .unwrap_or("")
            .to_owned(),
        status: ListingStatus::parse(&st).map(|s| s.label()).unwrap_or("").to_owned(),
        listed_on: crate::web::china_time(listed)[..10].to_owned(),
    }
}

pub async fn catalogue(
    state: State,
    _office: Office,
    path: web::Path<String>,
    query: web::Query<CatalogueExport>,
) -> Result<HttpResponse, AppError> {
    let format = format_of(&path.into_inner())?;
    let status = match query.status.trim() {
        "" | "listed" => Some(ListingStatus::Listed),
        "all" => None,
        other => Some(ListingStatus::parse(other).map_err(|e| AppError::BadRequest(format!("参数 status：{e}")))?),
    };
    let as_of = match query.as_of.trim() {
        "" => None,
        text => {
            if status != Some(ListingStatus::Listed) {
                return Err(AppError::BadRequest(
                    "参数 as_of：按日期导出的是当日在目录中的产品，不能同时指定 status".to_owned(),
                ));
            }
            Some(crate::web::api::history::day("as_of", text)?)
        }
    };
    let at = as_of.map(crate::domain::versions::end_of_china_day);
    let lines = state
        .db(move |conn| -> Result<Vec<CatalogueLine>, AppError> {
            if let Some(at) = at {
                return Ok(lines_at(conn, at)?.into_iter().map(catalogue_line).collect());
            }
            let mut q = products::table
                .inner_join(suppliers::table)
                .select((
                    products::catalogue_code,
                    products::name,
                    suppliers::name,
                    suppliers::credit_code,
                    products::county_code,
                    products::category,
                    products::specification,
                    products::unit_price_fen,
                    products::poor_people_supported,
                    products::national_catalogue_no,
                    products::gtin,
                    products::poverty_region_kind,
                    products::listing_status,
                    products::listed_at,
                ))
                .order(products::catalogue_code)
                .into_boxed();
            if let Some(s) = status {
                q = q.filter(products::listing_status.eq(s.as_str()));
            }
            let rows: Vec<Line> = q.load(conn)?;
            Ok(rows.into_iter().map(catalogue_line).collect())
        })
        .await?;
    let exported = crate::web::china_time(db::now());
    let (subtitle, name) = match as_of {
        Some(day) => (
            format!("{day} 日终在目录中的产品，共 {} 件 · 导出时间 {exported}", lines.len()),
            format!("{}（{day} 日终）", sheet::CATALOGUE_TITLE),
        ),
        None => (
            format!("共 {} 件 · 导出时间 {exported}", lines.len()),
            sheet::CATALOGUE_TITLE.to_owned(),
        ),
    };
    let bytes = match format {
        Format::Xlsx => sheet::catalogue_xlsx(&subtitle, &lines).map_err(|e| AppError::Internal(e.to_string()))?,
        Format::Csv => sheet::catalogue_csv(&lines).into_bytes(),
    };
    Ok(attachment(format, &name, bytes))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NominationsExport {
    county: String,
    city: String,
}

/// Every row of the submitted batches of one county or one city's counties.
pub async fn nominations(
    state: State,
    user: CityOrOffice,
    path: web::Path<String>,
    query: web::Query<NominationsExport>,
) -> Result<HttpResponse, AppError> {
    let format = format_of(&path.into_inner())?;
    let (counties, name): (Vec<String>, String) = match (query.county.trim(), query.city.trim()) {
        (county, "") if !county.is_empty() => {
            let c = region::county(county)
                .ok_or_else(|| AppError::BadRequest(format!("参数 county：“{county}”不是陕西省的县级代码")))?;
            (vec![c.code.to_owned()], format!("{}{}", c.city_name, c.name))
        }
        ("", city) if !city.is_empty() => {
            let name = region::city(city)
                .map(|c| c.name)
                .ok_or_else(|| AppError::BadRequest(format!("参数 city：“{city}”不是陕西省的市级代码")))?;
            (
                region::counties_of_city(city).map(|c| c.code.to_owned()).collect(),
                name.to_owned(),
            )
        }
        _ => return Err(AppError::BadRequest("请给出 county 或 city 其中一个参数".to_owned())),
    };
    for c in &counties {
        user.require_county_access(c)?;
    }
    let rows = state
        .db(move |conn| -> Result<Vec<sheet::NominationInput>, AppError> {
            let mut out = Vec::new();
            for batch in Batch::of_counties(conn, &counties)? {
                if batch.status() == BatchStatus::Draft {
                    continue;
                }
                out.extend(
                    Row::of_batch(conn, batch.id)?
                        .iter()
                        .map(|r| r.to_input(&batch.county_code)),
                );
            }
            Ok(out)
        })
        .await?;
    let title = format!("{name}贫困县重点扶贫产品供应商推荐名录");
    let bytes = match format {
        Format::Xlsx => sheet::nominations_xlsx(&title, &rows),
        Format::Csv => sheet::nominations_csv(&rows).into_bytes(),
    };
    Ok(attachment(format, &title, bytes))
}
