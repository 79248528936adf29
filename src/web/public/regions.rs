//! The regions page: Shaanxi's cities and counties, their poverty-county history and how many
//! products each has in the catalogue.

use std::collections::HashMap;

use actix_web::HttpResponse;
use askama::Template;

use crate::db::{self, DbResult};
use crate::domain::region;
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::{State, render};

#[derive(Template)]
#[template(path = "public/regions.html")]
struct RegionsPage {
    nav: Nav,
    cities: Vec<CityView>,
}

struct CityView {
    code: &'static str,
    name: &'static str,
    counties: Vec<CountyView>,
    listed_products: i64,
    former_poverty_counties: usize,
}

struct CountyView {
    code: &'static str,
    name: &'static str,
    former_poverty_county: bool,
    poverty_exit_year: Option<i32>,
    listed_products: i64,
}

pub async fn page(state: State, nav: Nav) -> Result<HttpResponse, AppError> {
    let counts: HashMap<String, i64> = state
        .db(move |conn| -> DbResult<_> { Ok(db::products::listed_count_by_county(conn)?.into_iter().collect()) })
        .await?;
    let cities = region::cities()
        .iter()
        .map(|city| {
            let counties: Vec<CountyView> = region::counties_of_city(city.code)
                .map(|c| CountyView {
                    code: c.code,
                    name: c.name,
                    former_poverty_county: c.former_poverty_county,
                    poverty_exit_year: c.poverty_exit_year,
                    listed_products: counts.get(c.code).copied().unwrap_or(0),
                })
                .collect();
            CityView {
                code: city.code,
                name: city.name,
                listed_products: counties.iter().map(|c| c.listed_products).sum(),
                former_poverty_counties: counties.iter().filter(|c| c.former_poverty_county).count(),
                counties,
            }
        })
        .collect();
    render(&RegionsPage { nav, cities })
}
