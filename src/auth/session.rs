//! Session cookies: signed and encrypted, HttpOnly, SameSite=Lax, Secure when served over https.
//! The key lives in the database so that every server on one database accepts the same cookies.
//!
//! A cookie alone never signs anyone in. It names an account, the version of the account it was
//! issued for and when; each request checks these against the database (see [`SignedIn::holds`]),
//! so signing out, a password change or reset and disabling the account end every session of the
//! account on every server at once, and a session ends on the server after [`SESSION_HOURS`]
//! whatever the browser keeps.

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Key, SameSite};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::db::schema::app_secrets;
use crate::db::{DbConnection, DbError};

pub const COOKIE_NAME: &str = "fupin_session";
const KEY_NAME: &str = "session_key";
const SIGNED_IN: &str = "signed_in";
/// A working day and a little more; the office signs in each morning.
pub const SESSION_HOURS: i64 = 12;

/// What the session cookie holds about who signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user_id: i32,
    /// The account's `session_version` when the session was issued.
    pub version: i32,
    /// When the session was issued, UTC seconds.
    pub issued_at: i64,
}

impl SignedIn {
    pub fn new(user_id: i32, version: i32, now: NaiveDateTime) -> Self {
        SignedIn {
            user_id,
            version,
            issued_at: now.and_utc().timestamp(),
        }
    }

    pub fn from_session(session: &Session) -> Option<SignedIn> {
        session.get::<SignedIn>(SIGNED_IN).ok().flatten()
    }

    /// Starts a new session for this sign-in: a new cookie, and a new CSRF token with it.
    pub fn start(&self, session: &Session) -> Result<(), actix_session::SessionInsertError> {
        session.clear();
        session.renew();
        session.insert(SIGNED_IN, self)
    }

    /// Whether the session still stands for an account now at `current_version`.
    pub fn holds(&self, current_version: i32, now: NaiveDateTime) -> bool {
        let age = now.and_utc().timestamp() - self.issued_at;
        self.version == current_version && (0..SESSION_HOURS * 3600).contains(&age)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionKeyError {
    #[error("FUPIN_SESSION_KEY 无效：应为 128 位十六进制数字（64 字节），例如用 `openssl rand -hex 64` 生成")]
    Invalid,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The session key: `FUPIN_SESSION_KEY` (128 hex digits) if set, else the one stored in the
/// database, made on first use. A key given but unusable stops the start: silently ignoring it
/// would sign everyone out whenever servers disagree on the key.
pub fn session_key(conn: &mut DbConnection) -> Result<Key, SessionKeyError> {
    if let Some(hex) = std::env::var("FUPIN_SESSION_KEY").ok().filter(|s| !s.trim().is_empty()) {
        return key_from_hex(&hex).ok_or(SessionKeyError::Invalid);
    }
    let stored: Option<String> = app_secrets::table
        .find(KEY_NAME)
        .select(app_secrets::value)
        .first(conn)
        .optional()
        .map_err(DbError::from)?;
    if let Some(key) = stored.as_deref().and_then(key_from_hex) {
        return Ok(key);
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
            .first(conn)
            .map_err(DbError::from)?;
        return key_from_hex(&value).ok_or(SessionKeyError::Invalid);
    }
    Ok(Key::from(&bytes))
}

fn key_from_hex(hex: &str) -> Option<Key> {
    decode_hex(hex).filter(|k| k.len() >= 64).map(|k| Key::from(&k))
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

pub fn encode_hex(bytes: &[u8]) -> String {
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

    #[test]
    fn a_short_or_malformed_key_is_refused() {
        assert!(key_from_hex(&"ab".repeat(64)).is_some());
        assert!(key_from_hex(&"ab".repeat(32)).is_none());
        assert!(key_from_hex(&"zz".repeat(64)).is_none());
    }

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(seconds, 0).unwrap().naive_utc()
    }

    #[test]
    fn a_session_ends_with_a_new_account_version_or_after_its_hours() {
        let issued = SignedIn::new(7, 3, at(1_000_000));
        assert!(issued.holds(3, at(1_000_000)));
        assert!(issued.holds(3, at(1_000_000 + SESSION_HOURS * 3600 - 1)));
        assert!(!issued.holds(3, at(1_000_000 + SESSION_HOURS * 3600)));
        assert!(
            !issued.holds(4, at(1_000_001)),
            "signed out, password changed or account disabled"
        );
        assert!(
            !issued.holds(3, at(999_000)),
            "issued in the future: a clock or a forgery"
        );
    }
}
