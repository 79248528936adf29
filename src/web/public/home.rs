//! The home page: what the catalogue is, who it serves, and what it holds today.

use actix_web::HttpResponse;
use askama::Template;

use crate::db::DbResult;
use crate::db::products::Product;
use crate::db::suppliers::Supplier;
use crate::domain::{ListingStatus, region};
use crate::error::AppError;
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

pub async fn page(state: State, nav: Nav) -> Result<HttpResponse, AppError> {
    let stats = state
        .db(move |conn| -> DbResult<CatalogueStats> {
            Ok(CatalogueStats {
                listed_products: Product::count_with_status(conn, ListingStatus::Listed)?,
                suppliers: Supplier::count(conn)?,
                counties_with_products: Product::count_counties_listed(conn)?,
                counties: region::counties().len(),
                former_poverty_counties: region::counties().iter().filter(|c| c.former_poverty_county).count(),
                delisted_products: Product::count_with_status(conn, ListingStatus::Delisted)?,
            })
        })
        .await?;
    render(&HomePage { nav, stats })
}
