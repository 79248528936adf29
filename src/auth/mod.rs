//! Authentication: password hashing now; sessions, CSRF and role guards build on it.

pub mod password;
