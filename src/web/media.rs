//! Stored photos and documents, served from the media directory under their content hash:
//! `/media/ab/abcd…[-480].jpg`. A name is its content, so it may be cached for ever.

use actix_files::NamedFile;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;
use crate::telemetry::spawn_blocking_in_span;
use crate::web::State;
use crate::{db, media};

pub async fn file(state: State, req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (dir, name) = path.into_inner();
    let missing = || AppError::NotFound("文件不存在。".to_owned());
    if !media::is_stored_name(&dir, &name) {
        return Err(missing());
    }
    let media_dir = state.settings.media_dir();
    let full = media_dir.join(&dir).join(&name);
    let file = match NamedFile::open_async(&full).await {
        Ok(file) => file,
        // Not in this server's cache yet: uploaded through another server, or the cache was
        // cleared. The database has it.
        Err(_) => {
            let stored = format!("{dir}/{name}");
            let key = stored.clone();
            let Some(bytes) = state.db(move |conn| db::media::load(conn, &key)).await? else {
                return Err(missing());
            };
            let cached =
                spawn_blocking_in_span(move || media::cache(&media_dir, &stored, &bytes).map_err(|e| (e, bytes)))
                    .await?;
            match cached {
                Ok(path) => NamedFile::open_async(&path).await.map_err(|_| missing())?,
                Err((e, bytes)) => {
                    // A full or read-only disk costs this server its cache, not the file.
                    tracing::warn!(error = %e, "a stored file could not be cached on disk");
                    return Ok(immutable(HttpResponse::Ok())
                        .content_type(db::media::content_type(&name))
                        .body(bytes));
                }
            }
        }
    };
    let mut response = file.use_etag(true).use_last_modified(true).into_response(&req);
    response.headers_mut().insert(header::CACHE_CONTROL, IMMUTABLE);
    Ok(response)
}

/// A name is its content: whatever was served under it stays right for ever.
const IMMUTABLE: header::HeaderValue = header::HeaderValue::from_static("public, max-age=31536000, immutable");

fn immutable(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, IMMUTABLE));
    builder
}

#[cfg(test)]
mod tests {
    use crate::media::is_stored_name;

    const HASH: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn stored_names_are_accepted() {
        assert!(is_stored_name("ba", &format!("{HASH}.jpg")));
        assert!(is_stored_name("ba", &format!("{HASH}-480.jpg")));
        assert!(is_stored_name("ba", &format!("{HASH}.pdf")));
    }

    #[test]
    fn anything_else_is_refused() {
        assert!(!is_stored_name("..", &format!("{HASH}.jpg")));
        assert!(!is_stored_name("ab", &format!("{HASH}.jpg")));
        assert!(!is_stored_name("ba", &format!("{HASH}.exe")));
        assert!(!is_stored_name("ba", "..%2F..%2Fetc%2Fpasswd"));
        assert!(!is_stored_name("ba", &format!("{HASH}-../x.jpg")));
        assert!(!is_stored_name("ba", &format!("{}.jpg", HASH.to_uppercase())));
    }
}
