//! The provincial command office: review, the catalogue's dynamic management, accounts.

pub mod accounts;
pub mod bundles;
pub mod export;
pub mod policies;
pub mod products;
pub mod recalls;
pub mod review;
pub mod scans;
pub mod sellers;

use actix_web::HttpResponse;
use askama::Template;

use super::nav::Nav;
use super::{State, render};
use crate::auth::Office;
use crate::db::DbResult;
use crate::db::products::Product;
use crate::db::schema::{nomination_rows, quality_incidents};
use crate::domain::nomination::RowStatus;
use crate::domain::{IncidentStatus, ListingStatus};
use crate::error::AppError;

#[derive(Template)]
#[template(path = "office/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    pending_rows: i64,
    open_incidents: i64,
    listed: i64,
    suspended: i64,
    delisted: i64,
    cities: Vec<(&'static str, &'static str)>,
}

pub async fn dashboard(state: State, _office: Office, nav: Nav) -> Result<HttpResponse, AppError> {
    let page = state
        .db(move |conn| -> DbResult<DashboardPage> {
            use diesel::prelude::*;
            Ok(DashboardPage {
                nav: Nav::visitor(),
                pending_rows: nomination_rows::table
                    .filter(nomination_rows::review_status.eq(RowStatus::Pending.as_str()))
                    .count()
                    .get_result(conn)?,
                open_incidents: quality_incidents::table
                    .filter(quality_incidents::status.eq(IncidentStatus::Open.as_str()))
                    .count()
                    .get_result(conn)?,
                listed: Product::count_with_status(conn, ListingStatus::Listed)?,
                suspended: Product::count_with_status(conn, ListingStatus::Suspended)?,
                delisted: Product::count_with_status(conn, ListingStatus::Delisted)?,
                cities: crate::domain::region::cities()
                    .iter()
                    .map(|c| (c.code, c.name))
                    .collect(),
            })
        })
        .await?;
    render(&DashboardPage { nav, ..page })
}
