//! The listing state of a product in the catalogue (动态管理).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// In the catalogue and recommended.
    Listed,
    /// Under investigation: shown with a warning, not recommended.
    Suspended,
    /// Cleared from the catalogue after a verified serious quality or food-safety incident.
    Delisted,
    /// Withdrawn at the supplier's request.
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    #[error("未知的目录状态“{0}”")]
    Unknown(String),
    #[error("不能从“{}”变为“{}”", .from.label(), .to.label())]
    NotAllowed { from: ListingStatus, to: ListingStatus },
    #[error("该质量事件已处理完毕，不能再次处理")]
    IncidentSettled,
}

impl ListingStatus {
    pub const ALL: [ListingStatus; 4] = [Self::Listed, Self::Suspended, Self::Delisted, Self::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listed => "listed",
            Self::Suspended => "suspended",
            Self::Delisted => "delisted",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Listed => "在目录中",
            Self::Suspended => "暂停（调查中）",
            Self::Delisted => "已清出目录",
            Self::Withdrawn => "已撤回",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ListingError> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ListingError::Unknown(s.to_owned()))
    }

    /// Whether the catalogue recommends the product to buyers now.
    pub fn is_recommended(self) -> bool {
        self == Self::Listed
    }

    /// The allowed moves. Returning to `Listed` from anything but a suspension needs a new review,
    /// which creates a new listing rather than moving this one.
    pub fn can_move_to(self, to: ListingStatus) -> bool {
        use ListingStatus::*;
        matches!(
            (self, to),
            (Listed, Suspended)
                | (Listed, Delisted)
                | (Listed, Withdrawn)
                | (Suspended, Listed)
                | (Suspended, Delisted)
                | (Suspended, Withdrawn)
        )
    }

    pub fn move_to(self, to: ListingStatus) -> Result<ListingStatus, ListingError> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(ListingError::NotAllowed { from: self, to })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ListingStatus::*;
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Listed, Suspended)]
    #[case(Listed, Delisted)]
    #[case(Suspended, Delisted)]
    #[case(Suspended, Listed)] // investigation cleared the product
    #[case(Listed, Withdrawn)]
    fn allowed_moves(#[case] from: ListingStatus, #[case] to: ListingStatus) {
        assert_eq!(from.move_to(to), Ok(to));
    }

    #[rstest]
    #[case(Delisted, Listed)] // only a new review can bring a delisted product back
    #[case(Withdrawn, Listed)]
    #[case(Delisted, Suspended)]
    #[case(Listed, Listed)]
    fn refused_moves(#[case] from: ListingStatus, #[case] to: ListingStatus) {
        assert!(from.move_to(to).is_err());
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for st in ListingStatus::ALL {
            assert_eq!(ListingStatus::parse(st.as_str()), Ok(st));
        }
        assert!(ListingStatus::parse("gone").is_err());
    }
}

/// A quality or food-safety incident recorded against a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Recorded, under investigation.
    Open,
    /// Verified as serious: the product is delisted at once (一经查实立即清理出目录).
    VerifiedSerious,
    /// Investigated and found not serious or unfounded.
    Dismissed,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 3] = [Self::Open, Self::VerifiedSerious, Self::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::VerifiedSerious => "verified_serious",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "调查中",
            Self::VerifiedSerious => "查实（严重）",
            Self::Dismissed => "已排除",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// An incident is settled once; what it settled to stays in its history.
    pub fn settle(self, to: IncidentStatus) -> Result<IncidentStatus, ListingError> {
        match (self, to) {
            (Self::Open, Self::VerifiedSerious | Self::Dismissed) => Ok(to),
            _ => Err(ListingError::IncidentSettled),
        }
    }
}

#[cfg(test)]
mod incident_tests {
    use super::IncidentStatus::*;

    #[test]
    fn an_open_incident_is_settled_once() {
        assert_eq!(Open.settle(VerifiedSerious), Ok(VerifiedSerious));
        assert_eq!(Open.settle(Dismissed), Ok(Dismissed));
        assert!(VerifiedSerious.settle(Dismissed).is_err());
        assert!(Dismissed.settle(VerifiedSerious).is_err());
        assert!(Open.settle(Open).is_err());
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::strategies::user_text;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The office's `status` filter is read from the query string.
        #[test]
        fn no_status_text_panics_and_only_the_codes_are_accepted(text in user_text()) {
            match ListingStatus::parse(&text) {
                Ok(status) => prop_assert_eq!(status.as_str(), text.as_str()),
                Err(err) => prop_assert_eq!(err, ListingError::Unknown(text)),
            }
        }

        #[test]
        fn every_status_reads_back_from_its_code(status in prop::sample::select(ListingStatus::ALL.to_vec())) {
            prop_assert_eq!(ListingStatus::parse(status.as_str()), Ok(status));
        }
    }
}
