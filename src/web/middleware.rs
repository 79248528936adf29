//! What every request goes through, so that no handler has to remember it: who is signed in,
//! the CSRF check of every form that changes data, and the security headers of every response.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage};
use futures_util::StreamExt;

use super::State;
use super::state::with_connection;
use crate::auth::csrf::{self, MultipartHead};
use crate::auth::session::SignedIn;
use crate::auth::{CurrentUser, Identity};
use crate::error::AppError;

/// Largest urlencoded form body: a nomination row is a few hundred bytes; a bulk review of
/// hundreds of rows a few kilobytes.
pub const FORM_LIMIT: usize = 256 * 1024;
/// How much of a multipart body is read to find the token in its first field.
const MULTIPART_HEAD_LIMIT: usize = 16 * 1024;

/// Paths that never depend on who asks: stored files, assets, QR codes and the scan pages every
/// employee sees alike. They skip the session lookup and keep their own caching headers.
fn is_same_for_everyone(path: &str) -> bool {
    ["/assets/", "/media/", "/t/", "/01/", "/healthz", "/readyz", "/metrics"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// Resolves the session cookie into the signed-in user, checked against the database, once per
/// request; handlers read it through the role extractors. A session that no longer holds
/// (signed out elsewhere, password changed or reset, account disabled, expired) is ended here.
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let mut identity = Identity(None);
    if !is_same_for_everyone(req.path()) {
        let session = req.get_session();
        if let Some(signed_in) = SignedIn::from_session(&session) {
            let Some(state) = req.app_data::<State>().cloned() else {
                return Ok(req.error_response(AppError::Internal("application state missing".into())));
            };
            let loaded = with_connection(&state.pool, move |conn| CurrentUser::load(conn, signed_in.user_id)).await;
            match loaded {
                Ok(Some(user)) if signed_in.holds(user.session_version, crate::db::now()) => {
                    identity = Identity(Some(user));
                }
                Ok(_) => session.purge(),
                Err(e) => return Ok(req.error_response(e)),
            }
        }
    }
    req.extensions_mut().insert(identity);
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Every request that may change data carries the session's CSRF token: as the `csrf_token`
/// field of an urlencoded form, or as the first field of a multipart form (checked before the
/// file is read). A cross-site `Origin` or `Sec-Fetch-Site` is refused too.
pub async fn verify_csrf(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if let Err(e) = check_same_site(&req) {
        return Ok(req.error_response(e));
    }
    let submitted = match submitted_token(&mut req).await {
        Ok(token) => token,
        Err(e) => return Ok(req.error_response(e)),
    };
    let session = req.get_session();
    if !submitted.is_some_and(|token| csrf::verify(&session, &token)) {
        return Ok(req.error_response(AppError::Forbidden(
            "表单已过期或来源不明（CSRF 校验失败）。请刷新页面后重新提交。".to_owned(),
        )));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn check_same_site(req: &ServiceRequest) -> Result<(), AppError> {
    let cross_site = || AppError::Forbidden("拒绝来自其他网站的表单提交。".to_owned());
    let header = |name| req.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if header("sec-fetch-site") == Some("cross-site") {
        return Err(cross_site());
    }
    if let Some(origin) = header("origin") {
        let origin_host = origin.split_once("://").map(|(_, host)| host).unwrap_or("");
        let host = req.connection_info().host().to_owned();
        let public_host = req
            .app_data::<State>()
            .map(|s| s.settings.public_base())
            .and_then(|base| base.split_once("://").map(|(_, h)| h.to_owned()));
        if origin_host != host && Some(origin_host) != public_host.as_deref() {
            return Err(cross_site());
        }
    }
    Ok(())
}

/// The token the request carries, leaving the body in place for the handler.
async fn submitted_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let body = read_form_body(req).await?;
            let token = form_urlencoded::parse(&body)
                .find(|(k, _)| k == csrf::FIELD)
                .map(|(_, v)| v.into_owned());
            req.set_payload(Payload::from(body));
            Ok(token)
        }
        "multipart/form-data" => {
            let Some(boundary) = boundary_of(&content_type) else {
                return Ok(None);
            };
            peek_multipart_token(req, &boundary).await
        }
        _ => Ok(None),
    }
}

async fn read_form_body(req: &mut ServiceRequest) -> Result<Bytes, AppError> {
    let too_long = || AppError::PayloadTooLarge("提交的内容太长。".to_owned());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > FORM_LIMIT) {
        return Err(too_long());
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("提交的内容不完整：{e}")))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').map(str::trim).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Reads just enough of a multipart body to see its first field, then puts what it read back in
/// front of the rest, so the handler reads the body whole.
async fn peek_multipart_token(req: &mut ServiceRequest, boundary: &str) -> Result<Option<String>, AppError> {
    let mut payload = req.take_payload();
    let mut head = BytesMut::new();
    let token = loop {
        match csrf::token_from_multipart_head(&head, boundary) {
            MultipartHead::Token(t) => break Some(t),
            MultipartHead::NoToken => break None,
            MultipartHead::Incomplete if head.len() > MULTIPART_HEAD_LIMIT => break None,
            MultipartHead::Incomplete => {}
        }
        match payload.next().await {
            Some(chunk) => {
                head.extend_from_slice(&chunk.map_err(|e| AppError::BadRequest(format!("上传的内容不完整：{e}")))?)
            }
            None => break None,
        }
    };
    let head = head.freeze();
    let rest: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>>>> =
        Box::pin(futures_util::stream::once(async move { Ok(head) }).chain(payload));
    req.set_payload(Payload::from(rest));
    Ok(token)
}

/// Headers every response carries. Pages load nothing from elsewhere and run no inline script,
/// cannot be framed, and whatever is shown to a signed-in user is never stored by a browser or
/// a proxy (the back button after signing out shows nothing).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let https = req.app_data::<State>().is_some_and(|s| s.settings.is_https());
    let had_session = req.cookie(crate::auth::session::COOKIE_NAME).is_some();
    let same_for_everyone = is_same_for_everyone(req.path());
    let mut res = next.call(req).await?;
    let signed_in = res
        .request()
        .extensions()
        .get::<Identity>()
        .is_some_and(|i| i.0.is_some());
    let headers = res.headers_mut();
    let set = |headers: &mut actix_web::http::header::HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(header::HeaderName::from_static(name), HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    if https {
        set(headers, "strict-transport-security", "max-age=31536000");
    }
    let personal = signed_in || headers.contains_key(header::SET_COOKIE) || (had_session && !same_for_everyone);
    if personal && !same_for_everyone {
        set(headers, "cache-control", "no-store");
    }
    Ok(res)
}

/// Scripts, styles, images and fonts from this site only; no inline script; forms post here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::boundary_of;

    #[test]
    fn the_boundary_is_read_quoted_or_not() {
        assert_eq!(
            boundary_of("multipart/form-data; boundary=----abc").as_deref(),
            Some("----abc")
        );
        assert_eq!(
            boundary_of("multipart/form-data; charset=utf-8; Boundary=\"x y\"").as_deref(),
            Some("x y")
        );
        assert_eq!(boundary_of("multipart/form-data"), None);
    }
}
