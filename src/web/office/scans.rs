//! How often the traceability QR codes are scanned: the most scanned products of the last days.

use actix_web::HttpResponse;
use askama::Template;
use chrono::Duration;
use diesel::prelude::*;

use crate::auth::Office;
use crate::db::schema::products;
use crate::db::trace;
use crate::domain::region;
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::scans::china_today;
use crate::web::{State, render};

const DAYS: i64 = 30;
const TOP: i64 = 50;

pub struct ScannedProduct {
    pub code: String,
    pub name: String,
    pub county: String,
    pub scans: i64,
}

#[derive(Template)]
#[template(path = "office/scans.html")]
struct ReportPage {
    nav: Nav,
    days: i64,
    since: String,
    products: Vec<ScannedProduct>,
    total: i64,
}

pub async fn report(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    let counter = state.scan_counter.clone();
    let since = china_today() - Duration::days(DAYS - 1);
    let rows = state
        .db(move |conn| -> Result<Vec<ScannedProduct>, AppError> {
            // Counts still in memory are written first, so the report shows every scan so far.
            if let Err(e) = counter.flush_with(conn) {
                tracing::warn!(error = %e, "scan counts not written before reading them");
            }
            let top = trace::most_scanned(conn, since, TOP)?;
            let ids: Vec<i32> = top.iter().map(|(id, _)| *id).collect();
            let names: Vec<(i32, String, String, String)> = products::table
                .filter(products::id.eq_any(&ids))
                .select((
                    products::id,
                    products::catalogue_code,
                    products::name,
                    products::county_code,
                ))
                .load(conn)?;
            Ok(top
                .into_iter()
                .filter_map(|(id, scans)| {
                    let (_, code, name, county) = names.iter().find(|n| n.0 == id)?;
                    Some(ScannedProduct {
                        code: code.clone(),
                        name: name.clone(),
                        county: region::county(county).map(|c| c.name).unwrap_or("").to_owned(),
                        scans,
                    })
                })
                .collect())
        })
        .await?;
    render(&ReportPage {
        nav,
        days: DAYS,
        since: since.to_string(),
        total: rows.iter().map(|r| r.scans).sum(),
        products: rows,
    })
}
