//! The application's one error type. Its one mapping to HTTP (an HTML page for people, JSON for
//! the API) lives with the web layer, in `web::errors`. Messages are Chinese and say what went
//! wrong.

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// Not signed in: people are sent to sign in, then back to `next`.
    #[error("请先登录")]
    Unauthorized { next: String },
    /// Signed in with a temporary password: nothing but changing it until it is changed.
    #[error("请先修改临时密码")]
    MustChangePassword,
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Forbidden(String),
    /// The record moved on (someone else changed it first) or would clash with another.
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
            WorkflowError::Moved(m) => AppError::Conflict(m),
            WorkflowError::NotFound(m) => AppError::NotFound(m),
            WorkflowError::Details(d @ crate::domain::details::DetailsError::OutOfCatalogue(_)) => {
                AppError::Conflict(d.to_string())
            }
            WorkflowError::Details(d) => AppError::BadRequest(d.to_string()),
            WorkflowError::Db(d) => AppError::Db(d),
        }
    }
}

impl From<crate::db::bundles::SpendingError> for AppError {
    /// Bundle and plan refusals are the user's to read (409 with the reason).
    fn from(e: crate::db::bundles::SpendingError) -> Self {
        use crate::db::bundles::SpendingError;
        match e {
            SpendingError::Refused(m) | SpendingError::Moved(m) => AppError::Conflict(m),
            SpendingError::NotFound(m) => AppError::NotFound(m),
            SpendingError::Db(d) => AppError::Db(d),
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

/// The same errors, answered as JSON: `{"error": {"status": 400, "message": "…"}}`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);
