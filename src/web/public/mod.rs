//! Pages anyone may see: the home page, the regions, and the not-found page.

pub mod as_of;
pub mod changes;
pub mod feeds;
pub mod home;
pub mod notices;
pub mod open_data;
pub mod qr;
pub mod regions;
pub mod resolver;
pub mod scan;
pub mod search;

use actix_web::HttpResponse;

use crate::error::AppError;

/// Answers every path no route claims.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(
        "您要访问的页面不存在。请检查地址是否输入正确，或从首页重新进入。".to_owned(),
    ))
}
