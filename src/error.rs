//! The application's one error type and its one mapping to HTTP: an HTML page for people,
//! JSON (through [`ApiError`]) for the API. Messages are Chinese and say what went wrong.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("请先登录")]
    Unauthorized { next: String },
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("数据库错误")]
    Db(#[from] DbError),
    #[error("服务器内部错误")]
    Internal(String),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Db(DbError::Query(e))
    }
}

impl From<crate::db::workflow::WorkflowError> for AppError {
    /// Workflow refusals are the user's to fix (409 with the reason); database failures are ours.
    fn from(e: crate::db::workflow::WorkflowError) -> Self {
        use crate::db::workflow::WorkflowError;
        match e {
            WorkflowError::Nomination(n) => AppError::Conflict(n.to_string()),
            WorkflowError::Listing(l) => AppError::Conflict(l.to_string()),
            WorkflowError::NotFound(m) => AppError::NotFound(m),
            WorkflowError::Db(d) => AppError::Db(d),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl AppError {
    fn title(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "找不到页面",
            AppError::BadRequest(_) => "请求有误",
            AppError::Unauthorized { .. } => "需要登录",
            AppError::TooManyRequests(_) => "请稍后再试",
            AppError::PayloadTooLarge(_) => "文件太大",
            AppError::Forbidden(_) => "无权访问",
            AppError::Conflict(_) => "操作冲突",
            AppError::Db(_) | AppError::Internal(_) => "服务暂时出错",
        }
    }

    /// What the person is told. Internal details stay in the log.
    fn public_message(&self) -> String {
        match self {
            AppError::Db(e) if e.is_not_found() => "要找的记录不存在。".to_owned(),
            AppError::Db(DbError::Pool(_)) => "系统繁忙，请稍后再试。".to_owned(),
            AppError::Db(_) | AppError::Internal(_) => {
                "处理请求时出了问题，已记录在日志中。请稍后再试，或联系管理员。".to_owned()
            }
            other => other.to_string(),
        }
    }

    fn log(&self) {
        match self {
            AppError::Db(e) if !e.is_not_found() => {
                tracing::error!(error = %e, detail = ?e, "database error")
            }
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => {}
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Db(e) if e.is_not_found() => StatusCode::NOT_FOUND,
            AppError::Db(DbError::Pool(_)) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        if let AppError::Unauthorized { next } = self {
            // People reach a protected page from a link: send them to sign in, then back.
            let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            return HttpResponse::SeeOther()
                .insert_header(("Location", format!("/login?{query}")))
                .finish();
        }
        let status = self.status_code();
        // Error pages do not read the session: they show the frame as a visitor sees it.
        let nav = crate::web::nav::Nav {
            user: None,
            csrf: String::new(),
        };
        let page = ErrorPage {
            nav,
            status: status.as_u16(),
            title: self.title(),
            message: self.public_message(),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("{} {}", status.as_u16(), self.title()));
        HttpResponse::build(status).content_type(ContentType::html()).body(body)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: crate::web::nav::Nav,
    status: u16,
    title: &'static str,
    message: String,
}

/// The same errors, answered as JSON: `{"error": {"status": 400, "message": "…"}}`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.log();
        HttpResponse::build(self.status_code()).json(serde_json::json!({
            "error": { "status": self.status_code().as_u16(), "message": self.0.public_message() }
        }))
    }
}
