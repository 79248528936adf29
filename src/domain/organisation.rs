//! The kinds of organisation that use the catalogue; a user's rights follow their organisation.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 省总工会脱贫攻坚指挥部办公室
    Office,
    /// 市（区）总工会
    CityUnion,
    /// 县（区）总工会
    CountyUnion,
    /// 基层工会
    GrassrootsUnion,
    /// 省级产业工会: reports like a city union, for the grassroots unions of its industry.
    IndustryUnion,
    /// 单列单位工会: a large employer's union that reports to the province directly.
    StandaloneUnion,
    /// 供应商／销售商: a catalogue supplier, or a distributor the office links to the products it
    /// sells. Sees and delivers the orders for its products.
    Seller,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        Self::Office,
        Self::CityUnion,
        Self::CountyUnion,
        Self::GrassrootsUnion,
        Self::IndustryUnion,
        Self::StandaloneUnion,
        Self::Seller,
    ];

    /// The unions that report to the province (Attachment 1's rows) and have grassroots unions
    /// under them.
    pub const REPORTING: [OrgKind; 3] = [Self::CityUnion, Self::IndustryUnion, Self::StandaloneUnion];

    pub fn is_reporting(self) -> bool {
        Self::REPORTING.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::CityUnion => "city_union",
            Self::CountyUnion => "county_union",
            Self::GrassrootsUnion => "grassroots_union",
            Self::IndustryUnion => "industry_union",
            Self::StandaloneUnion => "standalone_union",
            Self::Seller => "seller",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Office => "省总工会脱贫攻坚指挥部办公室",
            Self::CityUnion => "市总工会",
            Self::CountyUnion => "县区总工会",
            Self::GrassrootsUnion => "基层工会",
            Self::IndustryUnion => "省级产业工会",
            Self::StandaloneUnion => "单列单位工会",
            Self::Seller => "供应商／销售商",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_text() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OrgKind::parse("admin"), None);
    }
}
