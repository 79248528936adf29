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

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::strategies::{padding, user_text};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The search filters and the nomination form read these from user text.
        #[test]
        fn no_category_or_poverty_kind_text_panics_and_what_is_accepted_prints_as_itself(text in user_text()) {
            if let Ok(category) = Category::parse(&text) {
                prop_assert!(CATEGORIES.contains(&category.as_str()));
                prop_assert_eq!(Category::parse(&category.to_string()), Ok(category));
            }
            if let Some(kind) = PovertyRegionKind::parse(&text) {
                prop_assert_eq!(PovertyRegionKind::parse(kind.as_str()), Some(kind));
            }
        }

        #[test]
        fn every_category_and_poverty_kind_reads_back(
            name in prop::sample::select(CATEGORIES.to_vec()),
            kind in prop::sample::select(PovertyRegionKind::ALL.to_vec()),
            left in padding(),
            right in padding(),
        ) {
            let parsed = Category::parse(&format!("{left}{name}{right}")).unwrap();
            prop_assert_eq!(parsed.as_str(), name);
            prop_assert_eq!(PovertyRegionKind::parse(kind.as_str()), Some(kind));
            prop_assert_eq!(PovertyRegionKind::parse(kind.label()), Some(kind));
        }

        #[test]
        fn quantities_display_their_amount_exactly(milli in 0i64..=i64::MAX, unit in "[a-z吨斤箱]{1,3}") {
            let printed = Quantity { milli, unit: unit.clone() }.to_string();
            let (amount, printed_unit) = printed.split_once(' ').unwrap();
            prop_assert_eq!(printed_unit, unit.as_str());
            let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
            prop_assert!(frac.len() <= 3 && !frac.ends_with('0'));
            prop_assert_eq!(whole.parse::<i64>().unwrap(), milli / 1000);
            prop_assert_eq!(format!("{frac:0<3}").parse::<i64>().unwrap(), milli % 1000);
        }
    }
}
