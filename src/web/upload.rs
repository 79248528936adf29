//! Reading `multipart/form-data` uploads: the form's text fields and one file, refused as soon
//! as the file passes its size limit, so an oversized upload costs little.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header;
use futures_util::StreamExt;

use crate::error::AppError;

/// Room for the form's other fields and the multipart boundaries around the file.
const ENVELOPE_BYTES: usize = 64 * 1024;

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

/// Refuses a body whose declared length is already over the limit, before reading any of it.
pub fn refuse_declared_length(
    req: &HttpRequest,
    max_file_bytes: usize,
    too_large: fn() -> AppError,
) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_file_bytes + ENVELOPE_BYTES) {
        return Err(too_large());
    }
    Ok(())
}

/// Reads every field; a field over `max_file_bytes` ends the upload with `too_large()`.
pub async fn read_upload(
    mut body: Multipart,
    max_file_bytes: usize,
    too_large: fn() -> AppError,
) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("上传的内容不完整：{e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("上传的内容不完整：{e}")))?;
            if data.len() + chunk.len() > max_file_bytes {
                return Err(too_large());
            }
            data.extend_from_slice(&chunk);
        }
        if name == "file" {
            form.filename = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .to_owned();
            form.file = data;
        } else {
            form.fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    Ok(form)
}
