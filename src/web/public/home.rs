//! The home page: what the catalogue is, who it serves, and what it holds today.

use actix_web::HttpResponse;
use askama::Template;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Datelike;

use crate::db::products::Product;
use crate::db::stats;
use crate::db::suppliers::Supplier;
use crate::db::{DbConnection, DbResult};
use crate::domain::stats::{PROVINCE_TARGET_FEN, progress_percent};
use crate::domain::{ListingStatus, region};
use crate::error::AppError;
use crate::web::nav::Nav;
use crate::web::scans::china_today;
use crate::web::stats::{wan_yuan, yi_yuan};
use crate::web::{State, render};

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    nav: Nav,
    stats: CatalogueStats,
    progress: Progress,
}

/// This year's consumption poverty alleviation against the plan's target, for everyone to see.
#[derive(Clone)]
pub struct Progress {
    year: i32,
    actual_yi: String,
    target_yi: String,
    percent: i64,
    /// The bar's width: the percent, at most 100.
    width: i64,
    top_counties: Vec<(String, bool, String)>,
}

/// The summary is recounted at most once a minute per process: the page is public and the
/// grouping by county reads every county cell of the year.
const PROGRESS_TTL: Duration = Duration::from_secs(60);

/// The figures last counted, and when.
#[derive(Default)]
pub struct ProgressCache(Mutex<Option<(Instant, Progress)>>);

fn progress(conn: &mut DbConnection, cache: &ProgressCache) -> DbResult<Progress> {
    if let Some((at, p)) = cache.0.lock().ok().and_then(|g| g.clone())
        && at.elapsed() < PROGRESS_TTL
    {
        return Ok(p);
    }
    let year = china_today().year();
    let (total, counties) = stats::province_summary(conn, year, 10)?;
    let percent = progress_percent(total, PROVINCE_TARGET_FEN).unwrap_or(0);
    let p = Progress {
        year,
        actual_yi: yi_yuan(total),
        target_yi: yi_yuan(PROVINCE_TARGET_FEN),
        percent,
        width: percent.clamp(0, 100),
        top_counties: counties
            .into_iter()
            .map(|(code, fen)| {
                let county = region::county(&code);
                (
                    county.map_or(code.clone(), |c| format!("{}{}", c.city_name, c.name)),
                    county.is_some_and(|c| c.former_poverty_county),
                    wan_yuan(fen),
                )
            })
            .collect(),
    };
    if let Ok(mut guard) = cache.0.lock() {
        *guard = Some((Instant::now(), p.clone()));
    }
    Ok(p)
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
    let app = state.clone();
    let (stats, progress) = state
        .db(move |conn| -> DbResult<(CatalogueStats, Progress)> {
            let stats = CatalogueStats {
                listed_products: Product::count_with_status(conn, ListingStatus::Listed)?,
                suppliers: Supplier::count(conn)?,
                counties_with_products: Product::count_counties_listed(conn)?,
                counties: region::counties().len(),
                former_poverty_counties: region::counties().iter().filter(|c| c.former_poverty_county).count(),
                delisted_products: Product::count_with_status(conn, ListingStatus::Delisted)?,
            };
            Ok((stats, progress(conn, &app.home_progress)?))
        })
        .await?;
    render(&HomePage { nav, stats, progress })
}
