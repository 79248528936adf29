//! Authentication and authorisation: passwords, sessions, CSRF tokens, login throttling, and the
//! signed-in user with the rights that follow from their organisation.

pub mod csrf;
pub mod password;
pub mod session;
pub mod throttle;
pub mod user;

pub use user::{CurrentUser, SessionUser};
