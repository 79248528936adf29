//! The life of a nomination: a county union's batch (the 推荐名录) and the review of each row.
//!
//! Batch: draft → submitted (county) → forwarded (city) ; the city may return it to the county
//! (returned), which edits and submits again. Rows: draft while the batch is with the county or
//! the city; pending once forwarded; then approved, returned for changes or rejected by the
//! office, one row at a time. A returned row goes back to draft when its batch is submitted again;
//! approved and rejected rows are final.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Draft,
    Submitted,
    Forwarded,
    Returned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    Draft,
    Pending,
    Approved,
    Returned,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NominationError {
    #[error("推荐名录当前为“{}”，不能{action}", .status.label())]
    BatchNotAllowed { status: BatchStatus, action: &'static str },
    #[error("该行当前为“{}”，不能{action}", .status.label())]
    RowNotAllowed { status: RowStatus, action: &'static str },
    #[error("推荐名录中没有可提交的行")]
    NothingToSubmit,
    #[error("第 {row_no} 行还缺少：{}，请补全后再提交", .missing.join("、"))]
    Incomplete { row_no: i32, missing: Vec<&'static str> },
    #[error("请填写原因")]
    ReasonRequired,
}

impl BatchStatus {
    pub const ALL: [BatchStatus; 4] = [Self::Draft, Self::Submitted, Self::Forwarded, Self::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Forwarded => "forwarded",
            Self::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "已提交市总工会",
            Self::Forwarded => "已报送省总工会",
            Self::Returned => "市总工会退回修改",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The county union may add, change and remove rows.
    pub fn county_can_edit(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    /// The county submits to its city union. A forwarded batch may be submitted again when the
    /// office returned some of its rows.
    pub fn submit(self, has_returned_rows: bool) -> Result<BatchStatus, NominationError> {
        match self {
            Self::Draft | Self::Returned => Ok(Self::Submitted),
            Self::Forwarded if has_returned_rows => Ok(Self::Submitted),
            _ => Err(NominationError::BatchNotAllowed {
                status: self,
                action: "提交",
            }),
        }
    }

    pub fn forward(self) -> Result<BatchStatus, NominationError> {
        match self {
            Self::Submitted => Ok(Self::Forwarded),
            _ => Err(NominationError::BatchNotAllowed {
                status: self,
                action: "报送",
            }),
        }
    }

    pub fn return_to_county(self, reason: &str) -> Result<BatchStatus, NominationError> {
        if reason.trim().is_empty() {
            return Err(NominationError::ReasonRequired);
        }
        match self {
            Self::Submitted => Ok(Self::Returned),
            _ => Err(NominationError::BatchNotAllowed {
                status: self,
                action: "退回",
            }),
        }
    }
}

/// What the office decides on a pending row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Return,
    Reject,
}

impl ReviewDecision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Self::Approve),
            "return" => Some(Self::Return),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Return => "return",
            Self::Reject => "reject",
        }
    }

    /// The event recorded for the decision.
    pub fn action(self) -> crate::domain::Action {
        use crate::domain::Action;
        match self {
            Self::Approve => Action::Approve,
            Self::Return => Action::Return,
            Self::Reject => Action::Reject,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "通过",
            Self::Return => "退回修改",
            Self::Reject => "不予通过",
        }
    }
}

impl RowStatus {
    pub const ALL: [RowStatus; 5] = [
        Self::Draft,
        Self::Pending,
        Self::Approved,
        Self::Returned,
        Self::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "待报送",
            Self::Pending => "待审核",
            Self::Approved => "已通过",
            Self::Returned => "退回修改",
            Self::Rejected => "不予通过",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The county may change a row only before review or after the office returned it.
    pub fn county_can_edit(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }

    /// Approve, return or reject a pending row; returning and rejecting need a reason.
    pub fn decide(self, decision: ReviewDecision, reason: &str) -> Result<RowStatus, NominationError> {
        if self != Self::Pending {
            return Err(NominationError::RowNotAllowed {
                status: self,
                action: decision.label(),
            });
        }
        if decision != ReviewDecision::Approve && reason.trim().is_empty() {
            return Err(NominationError::ReasonRequired);
        }
        Ok(match decision {
            ReviewDecision::Approve => Self::Approved,
            ReviewDecision::Return => Self::Returned,
            ReviewDecision::Reject => Self::Rejected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn a_batch_goes_from_county_to_city_to_office() {
        let submitted = BatchStatus::Draft.submit(false).unwrap();
        assert_eq!(submitted, BatchStatus::Submitted);
        assert_eq!(submitted.forward().unwrap(), BatchStatus::Forwarded);
    }

    #[test]
    fn the_city_returns_with_a_reason_and_the_county_submits_again() {
        assert_eq!(
            BatchStatus::Submitted.return_to_county("  "),
            Err(NominationError::ReasonRequired)
        );
        let returned = BatchStatus::Submitted.return_to_county("联系方式不全").unwrap();
        assert!(returned.county_can_edit());
        assert_eq!(returned.submit(false).unwrap(), BatchStatus::Submitted);
    }

    #[rstest]
    #[case(BatchStatus::Submitted)]
    #[case(BatchStatus::Forwarded)]
    fn a_batch_with_the_city_or_office_cannot_be_edited(#[case] status: BatchStatus) {
        assert!(!status.county_can_edit());
    }

    #[test]
    fn a_forwarded_batch_is_submitted_again_only_for_returned_rows() {
        assert!(BatchStatus::Forwarded.submit(false).is_err());
        assert_eq!(BatchStatus::Forwarded.submit(true).unwrap(), BatchStatus::Submitted);
    }

    #[rstest]
    #[case(BatchStatus::Draft)]
    #[case(BatchStatus::Forwarded)]
    #[case(BatchStatus::Returned)]
    fn only_a_submitted_batch_can_be_forwarded(#[case] status: BatchStatus) {
        assert!(status.forward().is_err());
    }

    #[rstest]
    #[case(ReviewDecision::Approve, "", RowStatus::Approved)]
    #[case(ReviewDecision::Return, "请补充检测报告", RowStatus::Returned)]
    #[case(ReviewDecision::Reject, "未纳入全国扶贫产品目录", RowStatus::Rejected)]
    fn the_office_decides_pending_rows(#[case] d: ReviewDecision, #[case] reason: &str, #[case] to: RowStatus) {
        assert_eq!(RowStatus::Pending.decide(d, reason).unwrap(), to);
    }

    #[rstest]
    #[case(ReviewDecision::Return)]
    #[case(ReviewDecision::Reject)]
    fn returning_or_rejecting_needs_a_reason(#[case] d: ReviewDecision) {
        assert_eq!(RowStatus::Pending.decide(d, " "), Err(NominationError::ReasonRequired));
    }

    #[rstest]
    #[case(RowStatus::Draft)]
    #[case(RowStatus::Approved)]
    #[case(RowStatus::Rejected)]
    #[case(RowStatus::Returned)]
    fn only_pending_rows_are_decided(#[case] status: RowStatus) {
        assert!(status.decide(ReviewDecision::Approve, "").is_err());
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in BatchStatus::ALL {
            assert_eq!(BatchStatus::parse(s.as_str()), Some(s));
        }
        for s in RowStatus::ALL {
            assert_eq!(RowStatus::parse(s.as_str()), Some(s));
        }
    }
}
