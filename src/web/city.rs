//! City unions: their counties' submitted batches, to forward to the office or return.

use actix_web::HttpResponse;
use askama::Template;

use super::nav::Nav;
use super::nominations::BatchSummary;
use super::{State, render};
use crate::auth::CityUnion;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "city/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    city_name: String,
    city_code: String,
    batches: Vec<BatchSummary>,
}

pub async fn dashboard(state: State, city: CityUnion, nav: Nav) -> Result<HttpResponse, AppError> {
    let counties = city.visible_counties();
    let batches = state
        .db(move |conn| BatchSummary::load_for(conn, &counties, false))
        .await?;
    render(&DashboardPage {
        nav,
        city_name: city.city.name.to_owned(),
        city_code: city.city.code.to_owned(),
        batches,
    })
}
