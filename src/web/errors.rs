//! The one mapping from [`AppError`] to HTTP: a page for people, JSON for the API.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::DbError;
use crate::error::{ApiError, AppError};
use crate::web::nav::Nav;

fn title(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound(_) => "找不到页面",
        AppError::BadRequest(_) => "请求有误",
        AppError::Unauthorized { .. } => "需要登录",
        AppError::MustChangePassword => "请先修改密码",
        AppError::TooManyRequests(_) => "请稍后再试",
        AppError::PayloadTooLarge(_) => "文件太大",
        AppError::Forbidden(_) => "无权访问",
        AppError::Conflict(_) => "操作冲突",
        AppError::Db(e) if e.is_unique_violation() => "操作冲突",
        AppError::Db(_) | AppError::Internal(_) => "服务暂时出错",
    }
}

/// What the person is told. Internal details stay in the log.
fn public_message(e: &AppError) -> String {
    match e {
        AppError::Db(e) if e.is_not_found() => "要找的记录不存在。".to_owned(),
        AppError::Db(e) if e.is_unique_violation() => {
            "要保存的内容与已有的记录重复（编号、用户名或批次号已被使用），未保存。".to_owned()
        }
        AppError::Db(DbError::Pool(_)) => "系统繁忙，请稍后再试。".to_owned(),
        AppError::Db(_) | AppError::Internal(_) => {
            "处理请求时出了问题，已记录在日志中。请稍后再试，或联系管理员。".to_owned()
        }
        other => other.to_string(),
    }
}

fn log(e: &AppError) {
    match e {
        AppError::Db(d) if !d.is_not_found() && !d.is_unique_violation() => {
            tracing::error!(error = %d, detail = ?d, "database error")
        }
        AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
        _ => {}
    }
}

fn status(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::Unauthorized { .. } | AppError::MustChangePassword => StatusCode::SEE_OTHER,
        AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Db(e) if e.is_not_found() => StatusCode::NOT_FOUND,
        AppError::Db(e) if e.is_unique_violation() => StatusCode::CONFLICT,
        AppError::Db(DbError::Pool(_)) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        status(self)
    }

    fn error_response(&self) -> HttpResponse {
        log(self);
        // People reach a protected page from a link: send them to sign in, then back.
        match self {
            AppError::Unauthorized { next } => {
                let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/login?{query}")))
                    .finish();
            }
            AppError::MustChangePassword => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/account/password"))
                    .finish();
            }
            _ => {}
        }
        let status = self.status_code();
        // Error pages do not read the session: they show the frame as a visitor sees it.
        let page = ErrorPage {
            nav: Nav::visitor(),
            status: status.as_u16(),
            title: title(self),
            message: public_message(self),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", status.as_u16(), title(self)));
        HttpResponse::build(status).content_type(ContentType::html()).body(body)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    status: u16,
    title: &'static str,
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            // The API has no sign-in page to send anyone to.
            AppError::Unauthorized { .. } | AppError::MustChangePassword => StatusCode::UNAUTHORIZED,
            other => status(other),
        }
    }

    fn error_response(&self) -> HttpResponse {
        log(&self.0);
        HttpResponse::build(self.status_code()).json(serde_json::json!({
            "error": { "status": self.status_code().as_u16(), "message": public_message(&self.0) }
        }))
    }
}
