//! What describes a product in the catalogue: its category, its poverty-region link and its output.

use std::fmt;

use serde::Serialize;

/// The catalogue's product categories.
pub const CATEGORIES: [&str; 13] = [
    "水果",
    "干果坚果",
    "茶叶",
    "粮油米面",
    "食用菌",
    "蔬菜",
    "肉禽蛋",
    "蜂产品",
    "中药材",
    "调味品",
    "加工食品",
    "酒水饮品",
    "手工艺品",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Category(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("品类“{0}”不在目录品类中（可选：{list}）", list = CATEGORIES.join("、"))]
pub struct CategoryError(pub String);

impl Category {
    pub fn parse(input: &str) -> Result<Self, CategoryError> {
        let name = input.trim();
        CATEGORIES
            .iter()
            .find(|c| **c == name)
            .map(|c| Self((*c).to_owned()))
            .ok_or_else(|| CategoryError(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a product counts as a poverty-alleviation product (the mission's three kinds, the third split
/// in two because the office reports them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PovertyRegionKind {
    /// From a (former) poverty county.
    PovertyCounty,
    /// From a poverty village in a non-poverty county.
    PovertyVillage,
    /// From a designated assistance site (定点扶贫点).
    DesignatedSite,
    /// From a paired-assistance region (苏陕协作、援疆 …).
    PairedRegion,
}

impl PovertyRegionKind {
    pub const ALL: [PovertyRegionKind; 4] = [
        Self::PovertyCounty,
        Self::PovertyVillage,
        Self::DesignatedSite,
        Self::PairedRegion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PovertyCounty => "poverty_county",
            Self::PovertyVillage => "poverty_village",
            Self::DesignatedSite => "designated_site",
            Self::PairedRegion => "paired_region",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PovertyCounty => "贫困县（已摘帽）",
            Self::PovertyVillage => "非贫困县的贫困村",
            Self::DesignatedSite => "定点扶贫点",
            Self::PairedRegion => "对口协作地区",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s || k.label() == s)
    }
}

/// An amount of produce with its unit, e.g. annual output `50 吨`. Held in thousandths of the unit
/// so that `2.5 吨` is exact without floating point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quantity {
    pub milli: i64,
    pub unit: String,
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.milli / 1000;
        let frac = self.milli % 1000;
        if frac == 0 {
            write!(f, "{whole} {}", self.unit)
        } else {
            let frac = format!("{frac:03}");
            write!(f, "{whole}.{} {}", frac.trim_end_matches('0'), self.unit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_categories_parse_and_unknown_ones_list_the_choices() {
        assert_eq!(Category::parse(" 茶叶 ").unwrap().as_str(), "茶叶");
        let err = Category::parse("电子产品").unwrap_err().to_string();
        assert!(err.contains("电子产品") && err.contains("水果"));
    }

    #[test]
    fn poverty_kinds_parse_from_code_or_label() {
        assert_eq!(
            PovertyRegionKind::parse("poverty_village"),
            Some(PovertyRegionKind::PovertyVillage)
        );
        assert_eq!(
            PovertyRegionKind::parse("定点扶贫点"),
            Some(PovertyRegionKind::DesignatedSite)
        );
        assert_eq!(PovertyRegionKind::parse("其他"), None);
    }

    #[test]
    fn quantities_display_without_trailing_zeros() {
        assert_eq!(
            Quantity {
                milli: 2_500,
                unit: "吨".into()
            }
            .to_string(),
            "2.5 吨"
        );
        assert_eq!(
            Quantity {
                milli: 50_000,
                unit: "斤".into()
            }
            .to_string(),
            "50 斤"
        );
    }
}
