//! The web layer: one folder per audience, every route listed in [`routes`].

pub mod api;
pub mod assets;
pub mod auth;
mod catalogue_query;
pub mod city;
pub mod county;
mod forms;
pub mod health;
pub mod media;
pub mod nav;
pub mod nominations;
pub mod office;
pub mod public;
mod render;
pub mod response_cache;
pub mod scans;
pub mod trace;
mod upload;

use actix_web::http::header;
use actix_web::web::{self, ServiceConfig};
use actix_web::{HttpResponse, error};

use crate::error::AppError;
use crate::startup::AppState;

pub use render::{china_time, html, render};

pub type State = web::Data<AppState>;

/// Largest form body (not uploads): a nomination row is a few hundred bytes; a bulk review of
/// hundreds of rows a few kilobytes.
const FORM_LIMIT: usize = 256 * 1024;

/// Every route of the application.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.app_data(form_config())
        .app_data(path_config())
        .app_data(query_config())
        // Public
        .route("/", web::get().to(public::home::page))
        .route("/regions", web::get().to(public::regions::page))
        .route("/search", web::get().to(public::search::page))
        .route("/categories", web::get().to(public::search::categories))
        .route("/products/{code}", web::get().to(public::search::product))
        // The JSON API
        .service(
            web::scope("/api/v1")
                .route("/products", web::get().to(api::products))
                .route("/products/{code}", web::get().to(api::product))
                .route("/suggest", web::get().to(api::suggest))
                .route("/openapi.json", web::get().to(api::openapi))
                .default_service(web::to(api::not_found)),
        )
        .route("/healthz", web::get().to(health::check))
        // Traceability: the pages QR codes open, the codes themselves, stored photos and reports.
        // The QR image routes come before `/t/{code}/{lot}`, which would otherwise claim them.
        .route("/t/{code}/qr.png", web::get().to(public::qr::product_png))
        .route("/t/{code}/qr.svg", web::get().to(public::qr::product_svg))
        .route("/t/{code}/{lot}/qr.png", web::get().to(public::qr::lot_png))
        .route("/t/{code}/{lot}/qr.svg", web::get().to(public::qr::lot_svg))
        .route("/t/{code}", web::get().to(public::scan::short))
        .route("/t/{code}/{lot}", web::get().to(public::scan::short_lot))
        .route("/01/{gtin}", web::get().to(public::scan::digital_link))
        .route("/01/{gtin}/10/{lot}", web::get().to(public::scan::digital_link_lot))
        .route("/media/{dir}/{file}", web::get().to(media::file))
        // Accounts
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/account/password", web::get().to(auth::password_page))
        .route("/account/password", web::post().to(auth::change_password))
        // County unions
        .route("/county", web::get().to(county::dashboard))
        .route("/county/batches", web::post().to(county::create_batch))
        .route("/county/upload", web::get().to(county::upload_page))
        .route("/county/upload", web::post().to(county::upload))
        .route("/county/template.xlsx", web::get().to(county::template))
        .route("/county/products", web::get().to(trace::county_products))
        // A product's traceability record, kept by the office or the product's county union
        .route("/products/{code}/trace", web::get().to(trace::page))
        .route("/products/{code}/trace/sites", web::post().to(trace::add_site))
        .route("/products/{code}/trace/batches", web::post().to(trace::add_batch))
        .route("/products/{code}/trace/steps", web::post().to(trace::add_step))
        .route("/products/{code}/trace/media", web::post().to(trace::upload_media))
        .route("/products/{code}/labels", web::get().to(trace::labels))
        // City unions
        .route("/city", web::get().to(city::dashboard))
        // A nomination batch, seen by the county, its city and the office
        .route("/nominations/{id}", web::get().to(nominations::page))
        .route("/nominations/{id}/rows", web::post().to(nominations::add_row))
        .route(
            "/nominations/{id}/rows/{row}/edit",
            web::get().to(nominations::edit_row_page),
        )
        .route(
            "/nominations/{id}/rows/{row}/edit",
            web::post().to(nominations::edit_row),
        )
        .route(
            "/nominations/{id}/rows/{row}/delete",
            web::post().to(nominations::remove_row),
        )
        .route("/nominations/{id}/submit", web::post().to(nominations::submit))
        .route("/nominations/{id}/forward", web::post().to(nominations::forward))
        .route("/nominations/{id}/return", web::post().to(nominations::return_batch))
        // The command office
        .route("/office", web::get().to(office::dashboard))
        .route("/office/review", web::get().to(office::review::queue_page))
        .route("/office/review", web::post().to(office::review::decide))
        .route("/office/products", web::get().to(office::products::list))
        .route("/office/products/{code}", web::get().to(office::products::page))
        .route(
            "/office/products/{code}/status",
            web::post().to(office::products::change_status),
        )
        .route(
            "/office/products/{code}/incidents",
            web::post().to(office::products::open_incident),
        )
        .route(
            "/office/incidents/{id}/settle",
            web::post().to(office::products::settle_incident),
        )
        .route(
            "/office/export/catalogue.{ext}",
            web::get().to(office::export::catalogue),
        )
        .route(
            "/office/export/nominations.{ext}",
            web::get().to(office::export::nominations),
        )
        .route("/office/scans", web::get().to(office::scans::report))
        .route("/office/accounts", web::get().to(office::accounts::list))
        .route("/office/accounts", web::post().to(office::accounts::create))
        .route(
            "/office/accounts/{id}/active",
            web::post().to(office::accounts::set_active),
        )
        .route(
            "/office/accounts/{id}/reset",
            web::post().to(office::accounts::reset_password),
        )
        .route(
            "/assets/{path:.*}",
            web::route()
                .guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
                .to(assets::serve),
        )
        .default_service(web::to(public::not_found));
}

/// Applies the change log to this server's search index right after a write, so the very next
/// request sees it. The write has committed either way; if this fails, the background tailer
/// retries, so it is logged rather than shown.
pub fn refresh_search(state: &AppState, conn: &mut crate::db::DbConnection) {
    if let Err(e) = state.search.catch_up(conn) {
        tracing::warn!(error = %e, "search index not refreshed after a write");
    }
}

/// Sends the browser on with GET after a form was handled (POST/redirect/GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(FORM_LIMIT).error_handler(|err, _req| {
        let message = match &err {
            error::UrlencodedError::Overflow { .. } => "提交的内容太长。".to_owned(),
            error::UrlencodedError::ContentType => {
                "表单格式不对（应为 application/x-www-form-urlencoded）。".to_owned()
            }
            other => format!("表单内容有误：{other}"),
        };
        AppError::BadRequest(message).into()
    })
}

fn path_config() -> web::PathConfig {
    // A malformed id in a path is a page that does not exist.
    web::PathConfig::default()
        .error_handler(|_err, _req| AppError::NotFound("您要访问的页面不存在。".to_owned()).into())
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| AppError::BadRequest(format!("网址中的查询参数有误：{err}")).into())
}
