//! Traceability records: the steps of a growth-process timeline and a batch's inspection result.

/// A step of the growth process, in the order they usually happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceStage {
    Planting,
    Fertilising,
    Harvest,
    Processing,
    Inspection,
    Packing,
    Other,
}

impl TraceStage {
    pub const ALL: [TraceStage; 7] = [
        Self::Planting,
        Self::Fertilising,
        Self::Harvest,
        Self::Processing,
        Self::Inspection,
        Self::Packing,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planting => "planting",
            Self::Fertilising => "fertilising",
            Self::Harvest => "harvest",
            Self::Processing => "processing",
            Self::Inspection => "inspection",
            Self::Packing => "packing",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Planting => "种植",
            Self::Fertilising => "施肥管护",
            Self::Harvest => "采收",
            Self::Processing => "加工",
            Self::Inspection => "检测",
            Self::Packing => "包装",
            Self::Other => "其他",
        }
    }

    /// Reads the stored code or the Chinese label.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label() == s)
    }
}

/// The result of a batch's inspection (检测结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectionResult {
    /// Not inspected yet, or the report is awaited.
    Pending,
    Passed,
    Failed,
}

impl InspectionResult {
    pub const ALL: [InspectionResult; 3] = [Self::Pending, Self::Passed, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Passed => "passed",
            Self::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待检测",
            Self::Passed => "检测合格",
            Self::Failed => "检测不合格",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label() == s)
    }
}

/// Lot codes that would stand where the QR image routes are (`/t/{code}/qr.png`), so a batch can
/// never be named like them.
pub fn lot_code_is_reserved(lot: &str) -> bool {
    matches!(lot.to_ascii_lowercase().as_str(), "qr.png" | "qr.svg" | "labels")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse_from_code_or_label() {
        assert_eq!(TraceStage::parse("harvest"), Some(TraceStage::Harvest));
        assert_eq!(TraceStage::parse(" 包装 "), Some(TraceStage::Packing));
        assert_eq!(TraceStage::parse("收割机"), None);
    }

    #[test]
    fn inspection_results_round_trip() {
        for r in InspectionResult::ALL {
            assert_eq!(InspectionResult::parse(r.as_str()), Some(r));
        }
        assert_eq!(InspectionResult::parse("合格"), None);
    }

    #[test]
    fn qr_image_names_are_not_lot_codes() {
        assert!(lot_code_is_reserved("QR.png"));
        assert!(!lot_code_is_reserved("L20260915-01"));
    }
}
