//! The home page: what the catalogue is, who it serves, and what it holds today.

use actix_session::Session;
use actix_web::HttpResponse;
use askama::Template;

use crate::db::products::Product;
use crate::db::suppliers::Supplier;
use crate::db::{self, DbResult};
use crate::domain::{ListingStatus, region};
use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;
use crate::web::nav::Nav;
use crate::web::{State, render};

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    nav: Nav,
    stats: CatalogueStats,
}

struct CatalogueStats {
    listed_products: i64,
    suppliers: i64,
    counties_with_products: i64,
    counties: usize,
    former_poverty_counties: usize,
    delisted_products: i64,
}

pub async fn page(state: State, session: Session) -> Result<HttpResponse, AppError> {
    let pool = state.pool.clone();
    let stats = spawn_blocking_in_span(move || -> DbResult<CatalogueStats> {
        let mut conn = db::connection::get(&pool)?;
        Ok(CatalogueStats {
            listed_products: Product::count_with_status(&mut conn, ListingStatus::Listed)?,
            suppliers: Supplier::count(&mut conn)?,
            counties_with_products: Product::count_counties_listed(&mut conn)?,
            counties: region::counties().len(),
            former_poverty_counties: region::counties().iter().filter(|c| c.former_poverty_county).count(),
            delisted_products: Product::count_with_status(&mut conn, ListingStatus::Delisted)?,
        })
    })
    .await??;
    render(&HomePage {
        nav: Nav::from_session(&session),
        stats,
    })
}
