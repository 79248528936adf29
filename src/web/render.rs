use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use askama::Template;

use crate::error::AppError;

/// Renders a page template into an HTML response.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(page.render()?))
}
