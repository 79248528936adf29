//! CSRF protection by synchroniser token: one random token per session, written into every form
//! that changes data and checked on every such request.

use actix_session::Session;
use rand::RngCore;

use crate::error::AppError;

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";

/// The session's token, made on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(KEY) {
        return t;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let t: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // A session that cannot be written only means the next form fails the check, clearly.
    let _ = session.insert(KEY, &t);
    t
}

pub fn verify(session: &Session, submitted: &str) -> Result<(), AppError> {
    let expected = session.get::<String>(KEY).ok().flatten();
    match expected {
        Some(e) if constant_time_eq(e.as_bytes(), submitted.as_bytes()) => Ok(()),
        _ => Err(AppError::Forbidden(
            "表单已过期或来源不明（CSRF 校验失败）。请刷新页面后重新提交。".to_owned(),
        )),
    }
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
