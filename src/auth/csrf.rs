//! CSRF protection by synchroniser token: one random token per session, written into every form
//! that changes data and checked on every such request.

use actix_session::Session;
use rand::RngCore;

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";

/// The session's token, made on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(KEY) {
        return t;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let t = super::session::encode_hex(&bytes);
    // A session that cannot be written only means the next form fails the check, clearly.
    let _ = session.insert(KEY, &t);
    t
}

/// Whether `submitted` is the session's token. A session without one (never shown a form, or
/// signed in since) matches nothing.
pub fn verify(session: &Session, submitted: &str) -> bool {
    session
        .get::<String>(KEY)
        .ok()
        .flatten()
        .is_some_and(|expected| constant_time_eq(expected.as_bytes(), submitted.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_compare_by_content() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

/// What the start of a `multipart/form-data` body says about its CSRF token.
#[derive(Debug, PartialEq, Eq)]
pub enum MultipartHead {
    /// Not enough of the body yet to tell.
    Incomplete,
    /// The first field is `csrf_token`, with this value.
    Token(String),
    /// The first field is something else, or the body is not multipart: no token before the file.
    NoToken,
}

/// Reads the token from the first field of a multipart body, so that the token is checked before
/// any file is read. Our forms put the token first; browsers send fields in document order.
pub fn token_from_multipart_head(head: &[u8], boundary: &str) -> MultipartHead {
    let delimiter = format!("--{boundary}");
    let body = head.strip_prefix(b"\r\n").unwrap_or(head);
    if body.len() < delimiter.len() + 2 {
        return if delimiter.as_bytes().starts_with(body) || body.starts_with(delimiter.as_bytes()) {
            MultipartHead::Incomplete
        } else {
            MultipartHead::NoToken
        };
    }
    let Some(rest) = body
        .strip_prefix(delimiter.as_bytes())
        .and_then(|r| r.strip_prefix(b"\r\n"))
    else {
        return MultipartHead::NoToken;
    };
    let Some(headers_end) = find(rest, b"\r\n\r\n") else {
        return MultipartHead::Incomplete;
    };
    let headers = String::from_utf8_lossy(&rest[..headers_end]).to_ascii_lowercase();
    let names_token = headers
        .lines()
        .filter(|l| l.starts_with("content-disposition:"))
        .any(|l| l.contains("name=\"csrf_token\"") && !l.contains("filename"));
    if !names_token {
        return MultipartHead::NoToken;
    }
    let value = &rest[headers_end + 4..];
    let end_marker = format!("\r\n{delimiter}");
    match find(value, end_marker.as_bytes()) {
        Some(end) => match std::str::from_utf8(&value[..end]) {
            Ok(token) => MultipartHead::Token(token.trim().to_owned()),
            Err(_) => MultipartHead::NoToken,
        },
        None => MultipartHead::Incomplete,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod multipart_tests {
    use super::{MultipartHead, token_from_multipart_head};

    const BODY: &str = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK...";

    #[test]
    fn the_token_is_read_from_the_first_field() {
        assert_eq!(
            token_from_multipart_head(BODY.as_bytes(), "XyZ"),
            MultipartHead::Token("abc123".into())
        );
    }

    #[test]
    fn a_partial_head_asks_for_more() {
        for cut in [0, 3, 10, 40, 60, 66] {
            assert_eq!(
                token_from_multipart_head(&BODY.as_bytes()[..cut], "XyZ"),
                MultipartHead::Incomplete,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_file_first_or_a_foreign_body_has_no_token() {
        let file_first = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"csrf_token\"\r\n\r\nPK";
        assert_eq!(
            token_from_multipart_head(file_first.as_bytes(), "XyZ"),
            MultipartHead::NoToken
        );
        assert_eq!(
            token_from_multipart_head(b"GARBAGE GARBAGE", "XyZ"),
            MultipartHead::NoToken
        );
        assert_eq!(
            token_from_multipart_head(BODY.as_bytes(), "Other"),
            MultipartHead::NoToken
        );
    }
}
