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

use crate::db;
use crate::error::AppError;
use crate::media::{self, DEFAULT_MAX_PDF_BYTES, MediaError, MediaLimits};
use crate::telemetry::spawn_blocking_in_span;
use crate::web::State;

/// Room for the form's text fields and the multipart boundaries around the file.
const ENVELOPE_BYTES: usize = 64 * 1024;
/// Our largest upload form, a purchase record, has about thirty fields (four product lines of
/// four); a receipt has one per order line.
const MAX_FIELDS: usize = 64;
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

/// Photos are refused by `media::process_image` over 15 MB; PDFs may be 20 MB.
const MAX_MEDIA_UPLOAD: usize = DEFAULT_MAX_PDF_BYTES;

/// The limits of a form that carries one spreadsheet.
pub const SHEET_LIMITS: UploadLimits = UploadLimits {
    max_file_bytes: crate::sheet::MAX_UPLOAD_BYTES,
    too_large: || {
        AppError::PayloadTooLarge(format!(
            "文件超过 {} MB，请检查是否选错了文件，或拆分后分批上传。",
            crate::sheet::MAX_UPLOAD_BYTES / 1024 / 1024
        ))
    },
};

/// The limits of a form that carries one photo or PDF.
pub const MEDIA_LIMITS: UploadLimits = UploadLimits {
    max_file_bytes: MAX_MEDIA_UPLOAD,
    too_large: || {
        AppError::PayloadTooLarge(format!(
            "文件过大，最大允许 {} MB（照片 {} MB），请压缩后再上传。",
            MAX_MEDIA_UPLOAD / 1024 / 1024,
            MediaLimits::default().max_bytes / 1024 / 1024
        ))
    },
};

/// A refused file is the user's to fix (4xx with the reason); a failed write is ours.
fn media_error(e: MediaError) -> AppError {
    match e {
        MediaError::TooLarge { .. } => AppError::PayloadTooLarge(e.to_string()),
        MediaError::Encode(_) | MediaError::Io { .. } => AppError::Internal(format!("{e:?}")),
        other => AppError::BadRequest(other.to_string()),
    }
}

/// An uploaded photo or PDF, checked and stored in the media directory under its content hash.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// "photo" or "pdf".
    pub kind: &'static str,
    /// The original (a photo re-encoded, its metadata dropped), relative to the media directory.
    pub path: String,
    /// The smallest thumbnail of a photo, with its size: what phones load.
    pub thumb: Option<(String, u32, u32)>,
    /// Every file written, to remove if the row that was to refer to them is not saved.
    pub written: Vec<String>,
}

/// Checks and stores a photo or a PDF (told apart by its first bytes), off the request thread:
/// in the database, which every server serves it from, and in this server's disk cache.
pub async fn store_file(state: &State, bytes: Vec<u8>) -> Result<StoredFile, AppError> {
    let media_dir = state.settings.media_dir();
    let pool = state.pool.clone();
    spawn_blocking_in_span(move || -> Result<StoredFile, AppError> {
        let save = |files: &[(String, &[u8])]| -> Result<(), AppError> {
            let files: Vec<db::media::MediaFile> = files
                .iter()
                .map(|(name, bytes)| db::media::MediaFile { name, bytes })
                .collect();
            db::media::save_all(&mut *db::connection::get(&pool)?, &files)?;
            Ok(())
        };
        if bytes.starts_with(b"%PDF-") {
            media::check_pdf(&bytes, DEFAULT_MAX_PDF_BYTES).map_err(media_error)?;
            let stored = media::store_pdf(&media_dir, &bytes).map_err(media_error)?;
            let path = media::name_of(&stored.original);
            save(&[(path.clone(), &bytes)])?;
            return Ok(StoredFile {
                kind: "pdf",
                written: vec![path.clone()],
                path,
                thumb: None,
            });
        }
        let image = media::process_image(&bytes, &MediaLimits::default()).map_err(media_error)?;
        let stored = media::store(&media_dir, &image).map_err(media_error)?;
        let files = media::image_files(&stored, &image);
        save(&files)?;
        let thumb = image
            .thumbs
            .last()
            .zip(stored.thumbs.last())
            .map(|(t, path)| (media::name_of(path), t.width, t.height));
        Ok(StoredFile {
            kind: "photo",
            path: media::name_of(&stored.original),
            thumb,
            written: files.into_iter().map(|(name, _)| name).collect(),
        })
    })
    .await?
}

/// Removes stored files no row refers to, after the row that was to refer to them failed. Files
/// are named by content and may be shared with an earlier upload of the same photo or invoice.
/// Other servers may keep a copy in their caches: unreferenced, and right for its name.
pub async fn remove_unused(state: &State, written: Vec<String>) {
    let dir = state.settings.media_dir();
    let _ = state
        .db(move |conn| -> Result<(), AppError> {
            for path in written {
                let in_use = crate::db::trace::media_file_in_use(conn, &path)?
                    || crate::db::purchases::evidence_in_use(conn, &path)?;
                if !in_use {
                    db::media::remove(conn, &path)?;
                    let _ = std::fs::remove_file(dir.join(&path));
                }
            }
            Ok(())
        })
        .await;
}
