//! Authentication and authorisation: passwords, sessions, CSRF tokens, login throttling, the
//! signed-in user with the rights that follow from their organisation, and the role extractors
//! every handler uses.

pub mod csrf;
pub mod password;
pub mod roles;
pub mod session;
pub mod throttle;
pub mod user;

pub use roles::{
    CityOrOffice, CityUnion, CountyUnion, Grassroots, Identity, MaybeUser, Office, OrderParty, PasswordChanger,
    Reporter, Seller, Staff, StatsViewer, TraceKeeper, UnionManager,
};
pub use user::CurrentUser;
