//! How often the traceability QR codes are scanned: the most scanned products of the last days.

use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;
use chrono::Duration;
use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::db::schema::products;
use crate::db::{self, trace};
use crate::domain::{OrgKind, region};
use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;
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

pub async fn report(state: State, user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    user.require(OrgKind::Office)?;
    let pool = state.pool.clone();
    let counter = state.scan_counter.clone();
    let since = china_today() - Duration::days(DAYS - 1);
    let rows = spawn_blocking_in_span(move || -> Result<Vec<ScannedProduct>, AppError> {
        if let Err(e) = counter.flush(&pool) {
            tracing::warn!(error = %e, "scan counts not written before reading them");
        }
        let mut conn = db::connection::get(&pool)?;
        let top = trace::most_scanned(&mut conn, since, TOP)?;
        let ids: Vec<i32> = top.iter().map(|(id, _)| *id).collect();
        let names: Vec<(i32, String, String, String)> = products::table
            .filter(products::id.eq_any(&ids))
            .select((
                products::id,
                products::catalogue_code,
                products::name,
                products::county_code,
            ))
            .load(&mut conn)?;
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
    .await??;
    render(&ReportPage {
        nav: Nav::from_session(&session),
        days: DAYS,
        since: since.to_string(),
        total: rows.iter().map(|r| r.scans).sum(),
        products: rows,
    })
}
