//! The catalogue's rules, free of web and database concerns.
//!
//! Every code the system accepts from outside (county, credit code, GTIN, phone, lot, catalogue code)
//! has a type here whose only constructor validates it, so the rest of the program cannot hold an
//! unchecked one.

/// Declares a closed set of names stored as text: `as_str` for writing, `parse` for reading.
macro_rules! stored_names {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// [`stored_names!`] with the label people read: `Variant => ("stored", "标签")`.
macro_rules! labelled_names {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($text:literal, $label:literal)),+ $(,)? }) => {
        stored_names! { $(#[$meta])* $name { $($variant => $text),+ } }

        impl $name {
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// By stored name or by label, as a form or a spreadsheet may give it.
            pub fn parse_any(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::parse(s).or_else(|| Self::ALL.iter().copied().find(|v| v.label() == s))
            }
        }
    };
}

pub mod codes;
pub mod details;
pub mod epcis;
pub mod event;
pub mod listing;
pub mod money;
pub mod nomination;
pub mod open_data;
pub mod organisation;
pub mod product;
pub mod purchasing;
pub mod region;
pub mod report;
pub mod spending;
pub mod stats;
#[cfg(test)]
pub mod strategies;
pub mod time;
pub mod trace;
pub mod versions;

pub use codes::{CatalogueCode, CodeError, CountyCode, CreditCode, Gtin, LotCode, PhoneNumber};
pub use event::{Action, Subject};
pub use listing::{IncidentStatus, ListingStatus};
pub use money::Fen;
pub use organisation::OrgKind;
pub use product::{Category, PovertyRegionKind, Quantity};
pub use time::{china_date, china_time, in_china};
pub use trace::{InspectionResult, TraceStage};
