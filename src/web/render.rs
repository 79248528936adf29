use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::http::header::ContentType;
use askama::Template;

use crate::error::AppError;

/// Renders a page template into an HTML response.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    Ok(html(page.render()?))
}

/// A page already rendered, as a response.
pub fn html(body: impl MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::html()).body(body)
}

/// A stored UTC time as people in Shaanxi read it (China Standard Time, UTC+8).
pub fn china_time(at: chrono::NaiveDateTime) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.and_utc().with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::china_time;

    #[test]
    fn utc_is_shown_in_china_time() {
        let at = chrono::NaiveDate::from_ymd_opt(2020, 6, 30)
            .unwrap()
            .and_hms_opt(17, 30, 0)
            .unwrap();
        assert_eq!(china_time(at), "2020-07-01 01:30");
    }
}
