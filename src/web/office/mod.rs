//! The provincial command office: review, the catalogue's dynamic management, accounts.

pub mod accounts;
pub mod export;
pub mod products;
pub mod review;
pub mod scans;

use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;

use super::nav::Nav;
use super::{State, render};
use crate::auth::CurrentUser;
use crate::db::products::Product;
use crate::db::schema::{nomination_rows, quality_incidents};
use crate::db::{self, DbResult};
use crate::domain::nomination::RowStatus;
use crate::domain::{IncidentStatus, ListingStatus, OrgKind};
use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;

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

pub async fn dashboard(state: State, user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    user.require(OrgKind::Office)?;
    let pool = state.pool.clone();
    let page = spawn_blocking_in_span(move || -> DbResult<DashboardPage> {
        use diesel::prelude::*;
        let mut conn = db::connection::get(&pool)?;
        Ok(DashboardPage {
            nav: Nav {
                user: None,
                csrf: String::new(),
            },
            pending_rows: nomination_rows::table
                .filter(nomination_rows::review_status.eq(RowStatus::Pending.as_str()))
                .count()
                .get_result(&mut conn)?,
            open_incidents: quality_incidents::table
                .filter(quality_incidents::status.eq(IncidentStatus::Open.as_str()))
                .count()
                .get_result(&mut conn)?,
            listed: Product::count_with_status(&mut conn, ListingStatus::Listed)?,
            suspended: Product::count_with_status(&mut conn, ListingStatus::Suspended)?,
            delisted: Product::count_with_status(&mut conn, ListingStatus::Delisted)?,
            cities: crate::domain::region::cities()
                .iter()
                .map(|c| (c.code, c.name))
                .collect(),
        })
    })
    .await??;
    render(&DashboardPage {
        nav: Nav::from_session(&session),
        ..page
    })
}
