//! Stored photos and documents, served from the media directory under their content hash:
//! `/media/ab/abcd…[-480].jpg`. A name is its content, so it may be cached for ever.

use actix_files::NamedFile;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;
use crate::web::State;

/// Whether `dir/file` names a stored file: two hex digits, then the 64-hex-digit hash beginning
/// with them, an optional `-{width}` thumbnail suffix and a known extension. Nothing else reaches
/// the file system, so `..` and other paths cannot.
pub fn is_stored_name(dir: &str, file: &str) -> bool {
    let Some((stem, extension)) = file.rsplit_once('.') else {
        return false;
    };
    let hash = stem.split_once('-').map(|(h, _)| h).unwrap_or(stem);
    let suffix_ok = stem
        .split_once('-')
        .is_none_or(|(_, w)| !w.is_empty() && w.len() <= 5 && w.bytes().all(|b| b.is_ascii_digit()));
    let lower_hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    dir.len() == 2
        && hash.len() == 64
        && lower_hex(hash)
        && hash.starts_with(dir)
        && suffix_ok
        && matches!(extension, "jpg" | "png" | "pdf")
}

pub async fn file(state: State, req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (dir, name) = path.into_inner();
    let missing = || AppError::NotFound("文件不存在。".to_owned());
    if !is_stored_name(&dir, &name) {
        return Err(missing());
    }
    let full = state.settings.media_dir().join(&dir).join(&name);
    let file = NamedFile::open_async(&full).await.map_err(|_| missing())?;
    let mut response = file.use_etag(true).use_last_modified(true).into_response(&req);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::is_stored_name;

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
