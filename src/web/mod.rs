//! The web layer: one folder per audience, every route listed in [`define`].
//!
//! Who may call a route is in its handler's arguments (the role extractors of `crate::auth`);
//! the CSRF check, the session lookup and the security headers are middleware
//! ([`middleware`]), so no handler can forget them. Database work goes through
//! [`AppState::db`].

pub mod api;
pub mod assets;
pub mod auth;
pub mod bundles;
mod catalogue_query;
pub mod city;
pub mod county;
pub mod errors;
mod forms;
pub mod health;
pub mod media;
pub mod metrics;
pub mod middleware;
pub mod nav;
pub mod nominations;
pub mod office;
pub mod orders;
pub mod public;
pub mod purchases;
mod render;
pub mod reports;
pub mod response_cache;
pub mod scans;
pub mod state;
pub mod stats;
mod substitutes;
pub mod trace;
pub mod union;
pub mod unions;
mod upload;

use actix_web::dev::Handler;
use actix_web::http::header;
use actix_web::web::{self, ServiceConfig};
use actix_web::{FromRequest, HttpResponse, Responder, error, guard};

use crate::error::AppError;

pub use render::{china_time, download, html, render, render_with, xlsx_attachment};
pub use state::{AppState, State};

/// Something routes are declared to: the application, or a list of them (for the route × role
/// table test and the README).
pub trait Routes {
    /// A page or file: answers GET, and HEAD with the same headers.
    fn get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;

    /// A form that changes data.
    fn post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
}

/// Every route of the application, in matching order (the QR image routes before `/t/{code}/{lot}`,
/// which would otherwise claim them).
fn define(r: &mut impl Routes) {
    // Public
    r.get("/", public::home::page)
        .get("/regions", public::regions::page)
        .get("/changes", public::changes::page)
        .get("/notices", public::notices::list)
        .get("/notices/{id}", public::notices::page)
        .get("/changes.atom", public::feeds::atom)
        .get("/changes.json", public::feeds::json_feed)
        .get("/notices.atom", public::feeds::notices_atom)
        .get("/notices.json", public::feeds::notices_json)
        .get("/open-data", public::open_data::page)
        .get("/open-data/{name}", public::open_data::file)
        .get("/search", public::search::page)
        .get("/categories", public::search::categories)
        .get("/products/{code}", public::search::product)
        .get("/bundles", bundles::list)
        .get("/bundles/{id}", bundles::page)
        // The JSON API
        .get("/api/v1/products", api::products)
        .get("/api/v1/products/{code}", api::product)
        .get("/api/v1/suggest", api::suggest)
        .get("/api/v1/changes", api::history::changes)
        .get("/api/v1/catalogue/compare", api::history::compare)
        .get("/api/v1/openapi.json", api::openapi)
        .get("/healthz", health::check)
        .get("/readyz", health::ready)
        .get("/metrics", metrics::page)
        // Traceability: the pages QR codes open, the codes themselves, stored photos and reports.
        .get("/t/{code}/qr.png", public::qr::product_png)
        .get("/t/{code}/qr.svg", public::qr::product_svg)
        .get("/t/{code}/{lot}/qr.png", public::qr::lot_png)
        .get("/t/{code}/{lot}/qr.svg", public::qr::lot_svg)
        .get("/t/{code}/{lot}/epcis.json", public::resolver::epcis_document)
        .get("/t/{code}", public::scan::short)
        .get("/t/{code}/{lot}", public::scan::short_lot)
        .get("/01/{gtin}", public::scan::digital_link)
        .get("/01/{gtin}/10/{lot}", public::scan::digital_link_lot)
        .get("/media/{dir}/{file}", media::file)
        .get("/assets/{path:.*}", assets::serve)
        // Accounts
        .get("/login", auth::login_page)
        .post("/login", auth::login)
        .post("/logout", auth::logout)
        .get("/account/password", auth::password_page)
        .post("/account/password", auth::change_password)
        // County unions
        .get("/county", county::dashboard)
        .post("/county/batches", county::create_batch)
        .get("/county/upload", county::upload_page)
        .post("/county/upload", county::upload)
        .get("/county/template.xlsx", county::template)
        .get("/county/products", trace::county_products)
        // A product's traceability record, kept by the office or the product's county union
        .get("/products/{code}/trace", trace::page)
        .post("/products/{code}/trace/sites", trace::add_site)
        .post("/products/{code}/trace/batches", trace::add_batch)
        .post("/products/{code}/trace/steps", trace::add_step)
        .post("/products/{code}/trace/media", trace::upload_media)
        // Corrections and removals, each with its reason, kept in the history
        .post("/products/{code}/trace/sites/{id}", trace::correct_site)
        .post("/products/{code}/trace/sites/{id}/remove", trace::remove_site)
        .post("/products/{code}/trace/batches/{id}", trace::correct_batch)
        .post("/products/{code}/trace/batches/{id}/remove", trace::remove_batch)
        .post("/products/{code}/trace/steps/{id}", trace::correct_step)
        .post("/products/{code}/trace/steps/{id}/remove", trace::remove_step)
        .post("/products/{code}/trace/media/{id}/remove", trace::remove_media)
        .get("/products/{code}/labels", trace::labels)
        // City unions
        .get("/city", city::dashboard)
        // A nomination batch, seen by the county, its city and the office
        .get("/nominations/{id}", nominations::page)
        .post("/nominations/{id}/rows", nominations::add_row)
        .get("/nominations/{id}/rows/{row}/edit", nominations::edit_row_page)
        .post("/nominations/{id}/rows/{row}/edit", nominations::edit_row)
        .post("/nominations/{id}/rows/{row}/delete", nominations::remove_row)
        .post("/nominations/{id}/submit", nominations::submit)
        .post("/nominations/{id}/forward", nominations::forward)
        .post("/nominations/{id}/return", nominations::return_batch)
        // The command office
        .get("/office", office::dashboard)
        .get("/office/review", office::review::queue_page)
        .post("/office/review", office::review::decide)
        .get("/office/products", office::products::list)
        .get("/office/products/{code}", office::products::page)
        .post("/office/products/{code}/status", office::products::change_status)
        .post("/office/products/{code}/details", office::products::change_details)
        .post("/office/products/{code}/incidents", office::products::open_incident)
        .post("/office/incidents/{id}/settle", office::products::settle_incident)
        .get("/office/export/catalogue.{ext}", office::export::catalogue)
        .get("/office/export/nominations.{ext}", office::export::nominations)
        .get("/office/scans", office::scans::report)
        .get("/office/accounts", office::accounts::list)
        .post("/office/accounts", office::accounts::create)
        .post("/office/accounts/{id}/active", office::accounts::set_active)
        .post("/office/accounts/{id}/reset", office::accounts::reset_password)
        .get("/office/policies", office::policies::list)
        .post("/office/policies", office::policies::create)
        .get("/office/policies/{id}", office::policies::edit_page)
        .post("/office/policies/{id}", office::policies::update)
        .post("/office/policies/{id}/status", office::policies::set_status)
        .get("/office/bundles", office::bundles::list)
        .post("/office/bundles", office::bundles::create)
        .get("/office/bundles/{id}", office::bundles::page)
        .post("/office/bundles/{id}/lines", office::bundles::add_line)
        .post("/office/bundles/{id}/lines/{line}", office::bundles::set_quantity)
        .post("/office/bundles/{id}/lines/{line}/remove", office::bundles::remove_line)
        .post("/office/bundles/{id}/publish", office::bundles::publish)
        .post("/office/bundles/{id}/retire", office::bundles::retire)
        .get("/office/sellers", office::sellers::list)
        .post("/office/sellers", office::sellers::create)
        .post("/office/sellers/{id}/products", office::sellers::link_products)
        .post("/office/products/{code}/recalls", office::recalls::recall)
        .get("/office/notices/{id}/correct", public::notices::correct_page)
        .post("/office/notices/{id}/correct", public::notices::correct)
        .post("/office/notices/{id}/withdraw", public::notices::withdraw)
        .get("/office/recalls", office::recalls::list)
        .get("/office/recalls/{id}.xlsx", office::recalls::recipients_xlsx)
        .get("/office/recalls/{id}", office::recalls::recipients)
        // Grassroots unions: allowances, plans from bundles, purchase lists
        .get("/union", union::dashboard)
        .post("/union/plans", union::create_plan)
        .get("/union/plans/{id}", union::plan_page)
        .post("/union/plans/{id}/lines", union::add_line)
        .post("/union/plans/{id}/lines/{line}", union::set_quantity)
        .post("/union/plans/{id}/lines/{line}/remove", union::remove_line)
        .post("/union/plans/{id}/lines/{line}/substitute", union::substitute)
        .post("/union/plans/{id}/headcount", union::set_headcount)
        .post("/union/plans/{id}/confirm", union::confirm)
        .post("/union/plans/{id}/cancel", union::cancel)
        .get("/union/plans/{id}/purchase-list", union::purchase_list_page)
        .get("/union/plans/{id}/purchase-list.xlsx", union::purchase_list_xlsx)
        // Purchasing: orders placed from plans, shipped with their lots, received; purchase records
        .post("/union/plans/{id}/orders", orders::place)
        .get("/union/orders", orders::union_list)
        .get("/union/orders.xlsx", orders::union_export)
        .post("/union/orders/{id}/receive", orders::receive)
        .post("/union/orders/{id}/cancel", orders::cancel)
        .post("/union/orders/{id}/close", orders::close)
        .get("/union/purchases", purchases::list)
        .post("/union/purchases", purchases::record)
        // An order, seen by the union that placed it, the seller that delivers it and the office
        .get("/orders/{id}", orders::page)
        // Sellers (供应商／销售商)
        .get("/seller", orders::seller_dashboard)
        .get("/seller/orders.xlsx", orders::seller_export)
        .post("/seller/orders/{id}/accept", orders::accept)
        .post("/seller/orders/{id}/decline", orders::decline)
        .post("/seller/orders/{id}/ship", orders::ship)
        .post("/seller/orders/{id}/lots", orders::add_lot)
        // Grassroots unions and their accounts, kept by the office and the reporting unions
        .get("/unions", unions::list)
        .post("/unions", unions::create)
        .post("/unions/upload", unions::upload)
        .get("/unions/template.xlsx", unions::template)
        // The annual report (附件1): reporting unions fill it in or upload it; the office decides
        .get("/reports", reports::mine)
        .get("/reports/template.xlsx", reports::template)
        .post("/reports/{year}/start", reports::start)
        .post("/reports/{year}/save", reports::save)
        .post("/reports/{year}/upload", reports::upload)
        .get("/reports/{id}", reports::page)
        .get("/reports/{id}/attachment1.xlsx", reports::export)
        .post("/reports/{id}/submit", reports::submit)
        .post("/reports/{id}/revise", reports::revise)
        .post("/reports/{id}/accept", reports::accept)
        .post("/reports/{id}/return", reports::send_back)
        .get("/office/reports", reports::office_list)
        .post("/office/reports/{year}/round", reports::set_round)
        .get("/office/reports/{year}/missing.xlsx", reports::missing_export)
        .get("/office/reports/{year}/attachment1.xlsx", reports::province_export)
        // Purchase statistics: the province, a reporting union's unions, a county's products
        .get("/stats", stats::dashboard)
        .get("/stats/tables.xlsx", stats::tables_export)
        .get("/stats/purchases.xlsx", stats::purchase_form_export);
}

struct Register<'a>(&'a mut ServiceConfig);

impl Routes for Register<'_> {
    fn get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let get_or_head = guard::Any(guard::Get()).or(guard::Head());
        self.0.route(path, web::route().guard(get_or_head).to(handler));
        self
    }

    fn post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.0.route(path, web::post().to(handler));
        self
    }
}

/// The routes as (method, path pattern), in matching order.
#[derive(Debug, Default)]
pub struct RouteList(pub Vec<(&'static str, &'static str)>);

impl Routes for RouteList {
    fn get<F, Args>(&mut self, path: &'static str, _: F) -> &mut Self {
        self.0.push(("GET", path));
        self
    }

    fn post<F, Args>(&mut self, path: &'static str, _: F) -> &mut Self {
        self.0.push(("POST", path));
        self
    }
}

/// Every route, as (method, path pattern).
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    let mut list = RouteList::default();
    define(&mut list);
    list.0
}

/// Every route of the application, with the extractor settings they share.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.app_data(form_config())
        .app_data(path_config())
        .app_data(query_config());
    define(&mut Register(cfg));
    // Anything else under the API is answered in JSON.
    cfg.service(web::scope("/api/v1").default_service(web::to(api::not_found)));
    cfg.default_service(web::to(public::not_found));
}

/// Sends the browser on with GET after a form was handled (POST/redirect/GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(middleware::FORM_LIMIT)
        .error_handler(|err, _req| {
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
