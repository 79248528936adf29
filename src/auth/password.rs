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

/// Hashes a temporary password the system made: 12 random characters (about 67 bits) that no one
/// can guess, so a light argon2id (1 MiB, one pass) protects it as well as the full cost protects a
/// chosen one, and a sheet of two thousand new accounts is hashed in a second or two. The
/// parameters travel in the PHC string, so [`verify_password`] reads either. The first sign-in
/// replaces it with a chosen password at full cost.
pub fn hash_temporary_password(password: &str) -> Result<String, PasswordError> {
    use argon2::{Algorithm, Params, Version};
    let params = Params::new(1024, 1, 1, None).map_err(|e| PasswordError(e.to_string()))?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// A temporary password to hand to a new user: 12 characters without look-alikes.
pub fn temporary_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
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
    fn a_temporary_password_verifies_through_the_same_check() {
        let temporary = temporary_password();
        let hash = hash_temporary_password(&temporary).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(verify_password(&temporary, &hash));
        assert!(!verify_password("guess", &hash));
    }

    #[test]
    fn the_same_password_gets_a_different_salt_each_time() {
        assert_ne!(hash_password("x").unwrap(), hash_password("x").unwrap());
    }
}
