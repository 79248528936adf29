//! The web layer: one folder per audience, every route listed in [`routes`].

pub mod health;
pub mod public;
mod render;

use std::path::Path;

use actix_files::Files;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::web::{self, ServiceConfig};

use crate::startup::AppState;

pub use render::render;

/// Every route of the application.
pub fn routes(cfg: &mut ServiceConfig, assets_dir: &Path) {
    cfg.route("/", web::get().to(public::home::page))
        .route("/regions", web::get().to(public::regions::page))
        .route("/healthz", web::get().to(health::check))
        .service(
            web::scope("/assets")
                // Asset names do not change between releases often; a day's caching with
                // revalidation (ETag, Last-Modified) keeps phones from refetching on every page.
                .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "public, max-age=86400")))
                .service(Files::new("", assets_dir).use_etag(true).use_last_modified(true)),
        )
        .default_service(web::to(public::not_found));
}

pub type State = web::Data<AppState>;
