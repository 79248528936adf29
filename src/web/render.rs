use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use askama::Template;

pub use crate::domain::china_time;
use crate::error::AppError;

/// Renders a page template into an HTML response.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    Ok(html(page.render()?))
}

/// Renders a page with another status: a form shown again with its errors (400), a refusal (409).
pub fn render_with<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(page.render()?))
}

/// A page already rendered, as a response.
pub fn html(body: impl MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).body(body)
}

/// A file to download, named in Chinese (RFC 6266 `filename*`) with the extension `ext`, and an
/// ASCII fallback for old browsers.
pub fn download(mime: &str, ext: &str, name: &str, bytes: Vec<u8>) -> HttpResponse {
    use actix_web::http::header;
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"export.{ext}\"; filename*=UTF-8''{encoded}.{ext}"),
        ))
        .body(bytes)
}

/// A spreadsheet to download, named in Chinese.
pub fn xlsx_attachment(name: &str, bytes: Vec<u8>) -> HttpResponse {
    download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
        name,
        bytes,
    )
}
