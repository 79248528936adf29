//! Reading `multipart/form-data` uploads: the form's few text fields and one file, within one
//! budget for the whole request, so an oversized or many-fielded body costs little.
//!
//! By the time a handler reads an upload, the caller's role (its extractor) and the CSRF token
//! (the first field, checked by the middleware) have been checked: nothing of the file is read
//! for a caller who may not send it.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header;
use futures_util::StreamExt;

use crate::error::AppError;

/// Room for the form's text fields and the multipart boundaries around the file.
const ENVELOPE_BYTES: usize = 64 * 1024;
/// Our upload forms have a handful of fields.
const MAX_FIELDS: usize = 12;
/// A text field holds a token, a choice or a caption.
const MAX_TEXT_FIELD_BYTES: usize = 4 * 1024;

/// An upload form as received.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: HashMap<String, String>,
    /// The file's name as the browser gave it ("" when none).
    pub filename: String,
    /// The bytes of the field named `file` (empty when none was chosen).
    pub file: Vec<u8>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(|s| s.trim()).unwrap_or("")
    }
}

/// The limits of one upload request.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    pub max_file_bytes: usize,
    pub too_large: fn() -> AppError,
}

impl UploadLimits {
    /// The most the whole body may hold: the file and its envelope.
    fn total(&self) -> usize {
        self.max_file_bytes + ENVELOPE_BYTES
    }
}

/// Refuses a body whose declared length is already over the budget, before reading any of it.
pub fn refuse_declared_length(req: &HttpRequest, limits: UploadLimits) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.total()) {
        return Err((limits.too_large)());
    }
    Ok(())
}

/// Reads every field within the request's budget: the file up to its limit, everything
/// together up to the file's limit and its envelope, at most a dozen fields, text fields small.
pub async fn read_upload(mut body: Multipart, limits: UploadLimits) -> Result<UploadForm, AppError> {
    let incomplete = |e: actix_multipart::MultipartError| AppError::BadRequest(format!("上传的内容不完整：{e}"));
    let mut form = UploadForm::default();
    let mut total = 0usize;
    let mut fields = 0usize;
    while let Some(field) = body.next().await {
        let mut field = field.map_err(incomplete)?;
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(AppError::BadRequest(format!(
                "上传表单的字段太多（超过 {MAX_FIELDS} 个），请使用页面上的表单提交。"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = name == "file";
        let limit = if is_file {
            limits.max_file_bytes
        } else {
            MAX_TEXT_FIELD_BYTES
        };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(incomplete)?;
            total += chunk.len();
            if total > limits.total() || (is_file && data.len() + chunk.len() > limit) {
                return Err((limits.too_large)());
            }
            if data.len() + chunk.len() > limit {
                return Err(AppError::BadRequest(format!(
                    "表单字段“{name}”太长（超过 {} KB）。",
                    MAX_TEXT_FIELD_BYTES / 1024
                )));
            }
            data.extend_from_slice(&chunk);
        }
        if is_file {
            if !form.file.is_empty() {
                return Err(AppError::BadRequest("一次只能上传一个文件。".to_owned()));
            }
            form.filename = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            form.file = data;
        } else {
            form.fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    Ok(form)
}
