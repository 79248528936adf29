//! Session cookies: signed and encrypted, HttpOnly, SameSite=Lax, Secure when served over https.
//! The key lives in the database so that every server on one database accepts the same cookies.

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Key, SameSite};
use diesel::prelude::*;
use rand::RngCore;

use crate::db::schema::app_secrets;
use crate::db::{DbConnection, DbResult};

pub const COOKIE_NAME: &str = "fupin_session";
const KEY_NAME: &str = "session_key";
/// A working day and a little more; the office signs in each morning.
const SESSION_HOURS: i64 = 12;

/// The session key: `FUPIN_SESSION_KEY` (128 hex digits) if set, else the one stored in the
/// database, made on first use.
pub fn session_key(conn: &mut DbConnection) -> DbResult<Key> {
    if let Some(key) = std::env::var("FUPIN_SESSION_KEY")
        .ok()
        .and_then(|hex| decode_hex(&hex))
        .filter(|k| k.len() >= 64)
    {
        return Ok(Key::from(&key));
    }
    let stored: Option<String> = app_secrets::table
        .find(KEY_NAME)
        .select(app_secrets::value)
        .first(conn)
        .optional()?;
    if let Some(bytes) = stored.as_deref().and_then(decode_hex) {
        return Ok(Key::from(&bytes));
    }
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let inserted = diesel::insert_into(app_secrets::table)
        .values((
            app_secrets::name.eq(KEY_NAME),
            app_secrets::value.eq(encode_hex(&bytes)),
        ))
        .execute(conn);
    if inserted.is_err() {
        // Another server made the key at the same moment: use theirs.
        let value: String = app_secrets::table
            .find(KEY_NAME)
            .select(app_secrets::value)
            .first(conn)?;
        return Ok(Key::from(&decode_hex(&value).unwrap_or(bytes.to_vec())));
    }
    Ok(Key::from(&bytes))
}

pub fn middleware(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(PersistentSession::default().session_ttl(Duration::hours(SESSION_HOURS)))
        .build()
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 127, 128, 255];
        assert_eq!(decode_hex(&encode_hex(&bytes)).unwrap(), bytes);
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
