//! The QR code images of a product and of its batches: `/t/{code}/qr.png|svg` and
//! `/t/{code}/{lot}/qr.png|svg`. The code carries the GS1 Digital Link when the product has a
//! GTIN, else the short link, both on the configured public address.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::db::products::Product;
use crate::db::trace::ProductBatch;
use crate::db::{self, DbResult};
use crate::domain::{CatalogueCode, Gtin, LotCode};
use crate::error::AppError;
use crate::qr;
use crate::telemetry::spawn_blocking_in_span;
use crate::web::State;

#[derive(Clone, Copy)]
enum Format {
    Png,
    Svg,
}

pub async fn product_png(state: State, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    image(state, path.into_inner(), None, Format::Png).await
}

pub async fn product_svg(state: State, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    image(state, path.into_inner(), None, Format::Svg).await
}

pub async fn lot_png(state: State, path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (code, lot) = path.into_inner();
    image(state, code, Some(lot), Format::Png).await
}

pub async fn lot_svg(state: State, path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (code, lot) = path.into_inner();
    image(state, code, Some(lot), Format::Svg).await
}

/// The URL a product's (or a lot's) QR code carries, or `None` when there is no such product or lot.
pub fn code_url(
    conn: &mut db::DbConnection,
    base: &str,
    code: &CatalogueCode,
    lot: Option<&LotCode>,
) -> DbResult<Option<String>> {
    let Some(product) = Product::find_by_catalogue_code(conn, code)? else {
        return Ok(None);
    };
    if let Some(lot) = lot
        && ProductBatch::find_lot(conn, product.id, lot.as_str())?.is_none()
    {
        return Ok(None);
    }
    let gtin = product.gtin.as_deref().and_then(|g| Gtin::parse(g).ok());
    Ok(Some(qr::product_url(base, code, gtin.as_ref(), lot)))
}

async fn image(state: State, code: String, lot: Option<String>, format: Format) -> Result<HttpResponse, AppError> {
    let missing = || AppError::NotFound(format!("目录中没有编码“{code}”的产品或批次。"));
    let catalogue = CatalogueCode::parse(&code).map_err(|_| missing())?;
    let lot = lot.map(|l| LotCode::parse(&l)).transpose().map_err(|_| missing())?;
    let base = state.settings.public_base();
    let url = state
        .db(move |conn| code_url(conn, &base, &catalogue, lot.as_ref()))
        .await?
        .ok_or_else(missing)?;
    let (content_type, body) = match format {
        Format::Png => ("image/png", spawn_blocking_in_span(move || qr::png(&url)).await?),
        Format::Svg => ("image/svg+xml", qr::svg(&url).map(String::into_bytes)),
    };
    let body = body.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // A product's GTIN can be corrected, which changes its code: an hour is short enough.
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body))
}
