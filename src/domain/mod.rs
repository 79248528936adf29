//! The catalogue's rules, free of web and database concerns.
//!
//! Every code the system accepts from outside (county, credit code, GTIN, phone, lot, catalogue code)
//! has a type here whose only constructor validates it, so the rest of the program cannot hold an
//! unchecked one.

pub mod codes;
pub mod event;
pub mod listing;
pub mod money;
pub mod nomination;
pub mod organisation;
pub mod product;
pub mod region;
#[cfg(test)]
pub mod strategies;
pub mod time;
pub mod trace;

pub use codes::{CatalogueCode, CodeError, CountyCode, CreditCode, Gtin, LotCode, PhoneNumber};
pub use event::{Action, Subject};
pub use listing::{IncidentStatus, ListingStatus};
pub use money::Fen;
pub use organisation::OrgKind;
pub use product::{Category, PovertyRegionKind, Quantity};
pub use time::{china_date, china_time};
pub use trace::{InspectionResult, TraceStage};
