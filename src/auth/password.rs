//! Passwords are stored as argon2id PHC strings (algorithm, parameters and salt in one field).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Debug, thiserror::Error)]
#[error("无法处理密码：{0}")]
pub struct PasswordError(String);

pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// False for a wrong password and for a stored hash that cannot be read.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("秦岭-2020").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("秦岭-2020", &hash));
        assert!(!verify_password("秦岭-2021", &hash));
        assert!(!verify_password("秦岭-2020", "not a hash"));
    }

    #[test]
    fn the_same_password_gets_a_different_salt_each_time() {
        assert_ne!(hash_password("x").unwrap(), hash_password("x").unwrap());
    }
}
