//! City unions: their counties' submitted batches, to forward to the office or return.

use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;

use super::nav::Nav;
use super::nominations::BatchSummary;
use super::{State, render};
use crate::auth::CurrentUser;
use crate::db::{self, DbResult};
use crate::domain::{OrgKind, region};
use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;

#[derive(Template)]
#[template(path = "city/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    city_name: String,
    city_code: String,
    batches: Vec<BatchSummary>,
}

pub async fn dashboard(state: State, user: CurrentUser, session: Session) -> Result<HttpResponse, AppError> {
    user.require(OrgKind::CityUnion)?;
    let counties = user.visible_counties();
    let city_name = counties
        .first()
        .and_then(|c| region::county(c))
        .map(|c| c.city_name)
        .unwrap_or("")
        .to_owned();
    let pool = state.pool.clone();
    let batches = spawn_blocking_in_span(move || -> DbResult<_> {
        let mut conn = db::connection::get(&pool)?;
        BatchSummary::load_for(&mut conn, &counties, false)
    })
    .await??;
    render(&DashboardPage {
        nav: Nav::from_session(&session),
        city_name,
        city_code: user.city_code.clone().unwrap_or_default(),
        batches,
    })
}
