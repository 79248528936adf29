//! Spending under a policy (额度政策): what a union may spend per member, on what, when, and how
//! a plan's cost is checked against what is left. The seeds' policies are real examples: Hubei
//! 500 元/人, Anhui's 300 元/人 vouchers spent by the end of October, Guangdong 600 元/人 on top of
//! the 2,500 yuan festival limit, Pingdingshan 500 元/人 after 2,000 of festival gifts, and
//! Shaanxi's festival gifts whose amount is each union's own annual standard.

use chrono::NaiveDate;

use super::{Fen, PovertyRegionKind};

labelled_names! {
    /// The festivals gifts are bought for.
    Festival {
        SpringFestival => ("spring_festival", "春节"),
        DragonBoat => ("dragon_boat", "端午"),
        MidAutumn => ("mid_autumn", "中秋"),
        NationalDay => ("national_day", "国庆"),
        WomensDay => ("womens_day", "三八"),
        Other => ("other", "其他"),
    }
}

labelled_names! {
    /// Where a purchase is made (the Guangdong report form's rows).
    Channel {
        Platform832 => ("platform_832", "832 平台"),
        UnionMall => ("union_mall", "陕西工会扶贫商城"),
        Counter => ("counter", "扶贫专柜"),
        Seller => ("seller", "供应商直购"),
        Other => ("other", "其他渠道"),
    }
}

labelled_names! {
    /// How members receive it: never as cash.
    GiftForm {
        InKind => ("in_kind", "实物"),
        Voucher => ("voucher", "消费券"),
        Either => ("either", "实物或消费券"),
    }
}

labelled_names! {
    /// A policy in force, or retired (kept for the plans made under it).
    PolicyStatus {
        Active => ("active", "执行中"),
        Retired => ("retired", "已停用"),
    }
}

/// The per-person amount of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// The same for every union.
    Fixed(Fen),
    /// Each union's own annual festival-gift standard (Attachment 1's 年度个人发放节日慰问品标准).
    UnionStandard,
}

/// A spending policy, as the office records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub document_no: String,
    pub cap: Cap,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// On top of the union's annual festival-gift standard (true), or inside it.
    pub on_top_of_festival: bool,
    /// Poverty-region kinds it may buy from; empty: any.
    pub region_kinds: Vec<PovertyRegionKind>,
    /// Only products of this province: not from paired-assistance regions elsewhere.
    pub province_only: bool,
    pub channels: Vec<Channel>,
    pub form: GiftForm,
}

/// Why a product or a date is outside a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("“{policy}”只能购买{allowed}的产品，此产品来自{kind}")]
    RegionKind {
        policy: String,
        allowed: String,
        kind: &'static str,
    },
    #[error("“{policy}”只能购买本省的产品，此产品来自对口协作地区")]
    OtherProvince { policy: String },
    #[error("“{policy}”的使用期限为 {from} 至 {to}，{on} 不在期限内")]
    OutsidePeriod {
        policy: String,
        from: NaiveDate,
        to: NaiveDate,
        on: NaiveDate,
    },
}

impl Policy {
    /// The per-person amount for a union whose own festival standard is `union_standard`.
    pub fn cap_for(&self, union_standard: Option<Fen>) -> Option<Fen> {
        match self.cap {
            Cap::Fixed(fen) => Some(fen),
            Cap::UnionStandard => union_standard,
        }
    }

    /// Whether a product of this poverty-region kind may be bought under the policy.
    pub fn admits(&self, kind: PovertyRegionKind) -> Result<(), ScopeError> {
        // Paired-assistance regions (苏陕协作、援疆) lie outside the province.
        if self.province_only && kind == PovertyRegionKind::PairedRegion {
            return Err(ScopeError::OtherProvince {
                policy: self.name.clone(),
            });
        }
        if !self.region_kinds.is_empty() && !self.region_kinds.contains(&kind) {
            return Err(ScopeError::RegionKind {
                policy: self.name.clone(),
                allowed: self
                    .region_kinds
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join("、"),
                kind: kind.label(),
            });
        }
        Ok(())
    }

    /// Whether the policy may be spent on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> Result<(), ScopeError> {
        if (self.valid_from..=self.valid_to).contains(&day) {
            Ok(())
        } else {
            Err(ScopeError::OutsidePeriod {
                policy: self.name.clone(),
                from: self.valid_from,
                to: self.valid_to,
                on: day,
            })
        }
    }
}

/// One line of a bundle or a plan: a product's unit price and how many each person gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub unit_price: Fen,
    pub quantity_per_person: u32,
}

impl Line {
    pub fn per_person(&self) -> Fen {
        Fen(self.unit_price.0 * i64::from(self.quantity_per_person))
    }
}

/// What a bundle or a plan costs each person.
pub fn per_person_cost(lines: &[Line]) -> Fen {
    Fen(lines.iter().map(|l| l.per_person().0).sum())
}

/// What a union may still spend under one policy: its members × the per-person amount, less what
/// its confirmed plans have committed and what it has bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub members: u32,
    pub cap_per_person: Fen,
    /// Confirmed plans not yet bought.
    pub committed: Fen,
    /// Bought (received orders and recorded purchases).
    pub used: Fen,
}

/// Why a plan cannot be confirmed under its policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverCap {
    #[error(
        "超出额度：每人标准 {cap} 元，已用和已计划每人 {spent} 元，剩余每人 {left} 元；本计划每人 {plan} 元，超出 {over} 元"
    )]
    PerPerson {
        cap: Fen,
        spent: Fen,
        left: Fen,
        plan: Fen,
        over: Fen,
    },
    #[error(
        "超出额度：总额度 {total} 元，已用和已计划 {spent} 元，剩余 {left} 元；本计划合计 {plan} 元，超出 {over} 元"
    )]
    Total {
        total: Fen,
        spent: Fen,
        left: Fen,
        plan: Fen,
        over: Fen,
    },
    #[error("尚未设定本单位的年度个人节日慰问品标准，无法按此政策计算额度")]
    NoStandard,
}

impl Allowance {
    pub fn total(&self) -> Fen {
        Fen(self.cap_per_person.0 * i64::from(self.members))
    }

    pub fn spent(&self) -> Fen {
        Fen(self.committed.0 + self.used.0)
    }

    pub fn left(&self) -> Fen {
        Fen(self.total().0 - self.spent().0)
    }

    /// What each member has had, rounded up to the fen (so the check never lets a fen through).
    pub fn spent_per_person(&self) -> Fen {
        if self.members == 0 {
            return self.spent();
        }
        let members = i64::from(self.members);
        Fen((self.spent().0 + members - 1).div_euclid(members))
    }

    pub fn left_per_person(&self) -> Fen {
        Fen(self.cap_per_person.0 - self.spent_per_person().0)
    }

    /// Whether a plan costing `per_person` for `headcount` people fits what is left.
    pub fn check(&self, per_person: Fen, headcount: u32) -> Result<(), OverCap> {
        let left = self.left_per_person();
        if per_person > left {
            return Err(OverCap::PerPerson {
                cap: self.cap_per_person,
                spent: self.spent_per_person(),
                left: Fen(left.0.max(0)),
                plan: per_person,
                over: Fen(per_person.0 - left.0.max(0)),
            });
        }
        let plan = Fen(per_person.0 * i64::from(headcount));
        if plan > self.left() {
            return Err(OverCap::Total {
                total: self.total(),
                spent: self.spent(),
                left: Fen(self.left().0.max(0)),
                plan,
                over: Fen(plan.0 - self.left().0.max(0)),
            });
        }
        Ok(())
    }
}

/// A product that may stand in for one that left the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub product_id: i32,
    pub county_code: String,
    pub unit_price: Fen,
}

/// Orders substitutes for a product of `county` at `price` (already of the same category and
/// listed): the same county first, then closest in price, then the cheaper.
pub fn rank_substitutes(county: &str, price: Fen, mut candidates: Vec<Candidate>, keep: usize) -> Vec<Candidate> {
    candidates.sort_by_key(|c| {
        (
            c.county_code != county,
            (c.unit_price.0 - price.0).abs(),
            c.unit_price,
            c.product_id,
        )
    });
    candidates.truncate(keep);
    candidates
}

labelled_names! {
    /// A festival bundle (礼包) the office composes: drafted, published, retired.
    BundleStatus {
        Draft => ("draft", "草稿"),
        Published => ("published", "已发布"),
        Retired => ("retired", "已停用"),
    }
}

labelled_names! {
    /// A union's purchase plan (采购计划).
    PlanStatus {
        Draft => ("draft", "草稿"),
        Confirmed => ("confirmed", "已确认"),
        Cancelled => ("cancelled", "已取消"),
    }
}

/// A state change that is not allowed, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransitionError(pub String);

impl BundleStatus {
    pub fn publish(self, lines: usize) -> Result<BundleStatus, TransitionError> {
        match self {
            BundleStatus::Draft if lines == 0 => Err(TransitionError("礼包还没有产品，不能发布。".into())),
            BundleStatus::Draft => Ok(BundleStatus::Published),
            other => Err(TransitionError(format!("礼包{}，不能再发布。", other.label()))),
        }
    }

    pub fn retire(self) -> Result<BundleStatus, TransitionError> {
        match self {
            BundleStatus::Published => Ok(BundleStatus::Retired),
            other => Err(TransitionError(format!(
                "只有已发布的礼包可以停用，此礼包{}。",
                other.label()
            ))),
        }
    }

    /// Lines may change only while drafted: a published bundle is what unions planned from.
    pub fn editable(self) -> bool {
        self == BundleStatus::Draft
    }
}

impl PlanStatus {
    pub fn confirm(self) -> Result<PlanStatus, TransitionError> {
        match self {
            PlanStatus::Draft => Ok(PlanStatus::Confirmed),
            other => Err(TransitionError(format!("计划{}，不能再确认。", other.label()))),
        }
    }

    pub fn cancel(self) -> Result<PlanStatus, TransitionError> {
        match self {
            PlanStatus::Draft | PlanStatus::Confirmed => Ok(PlanStatus::Cancelled),
            PlanStatus::Cancelled => Err(TransitionError("计划已经取消。".into())),
        }
    }

    pub fn editable(self) -> bool {
        self == PlanStatus::Draft
    }

    /// Whether the plan draws on its policy's allowance.
    pub fn commits(self) -> bool {
        self == PlanStatus::Confirmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn anhui() -> Policy {
        Policy {
            name: "安徽抗疫扶贫消费券".into(),
            document_no: "皖工发〔2020〕".into(),
            cap: Cap::Fixed(Fen(30_000)),
            valid_from: day("2020-03-01"),
            valid_to: day("2020-10-31"),
            on_top_of_festival: true,
            region_kinds: vec![PovertyRegionKind::PovertyCounty, PovertyRegionKind::PovertyVillage],
            province_only: true,
            channels: vec![Channel::Platform832],
            form: GiftForm::Voucher,
        }
    }

    #[test]
    fn a_bundle_costs_each_person_the_sum_of_its_lines() {
        let lines = [
            Line {
                unit_price: Fen(6_800),
                quantity_per_person: 2,
            },
            Line {
                unit_price: Fen(12_850),
                quantity_per_person: 1,
            },
        ];
        assert_eq!(per_person_cost(&lines), Fen(26_450));
    }

    #[test]
    fn the_allowance_is_members_times_the_cap() {
        let a = Allowance {
            members: 137,
            cap_per_person: Fen(30_000),
            committed: Fen(0),
            used: Fen(0),
        };
        assert_eq!(a.total(), Fen(4_110_000));
        assert!(a.check(Fen(30_000), 137).is_ok());
        assert!(a.check(Fen(30_001), 1).is_err());
    }

    #[test]
    fn what_was_committed_draws_on_what_is_left_and_the_refusal_gives_the_figures() {
        let a = Allowance {
            members: 137,
            cap_per_person: Fen(30_000),
            committed: Fen(137 * 20_000),
            used: Fen(0),
        };
        assert_eq!(a.left_per_person(), Fen(10_000));
        let refused = a.check(Fen(12_000), 137).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "超出额度：每人标准 300.00 元，已用和已计划每人 200.00 元，剩余每人 100.00 元；本计划每人 120.00 元，超出 20.00 元"
        );
        assert!(a.check(Fen(10_000), 137).is_ok());
    }

    #[test]
    fn a_headcount_above_the_members_cannot_spend_more_than_the_total() {
        let a = Allowance {
            members: 10,
            cap_per_person: Fen(50_000),
            committed: Fen(0),
            used: Fen(0),
        };
        assert!(matches!(a.check(Fen(50_000), 11), Err(OverCap::Total { .. })));
    }

    #[test]
    fn spent_per_person_rounds_up_so_no_fen_slips_through() {
        let a = Allowance {
            members: 3,
            cap_per_person: Fen(100),
            committed: Fen(100),
            used: Fen(0),
        };
        assert_eq!(a.spent_per_person(), Fen(34));
        assert_eq!(a.left_per_person(), Fen(66));
    }

    #[rstest]
    #[case(PovertyRegionKind::PovertyCounty, true)]
    #[case(PovertyRegionKind::PovertyVillage, true)]
    #[case(PovertyRegionKind::DesignatedSite, false)]
    #[case(PovertyRegionKind::PairedRegion, false)]
    fn a_policy_admits_only_its_region_kinds(#[case] kind: PovertyRegionKind, #[case] admitted: bool) {
        assert_eq!(anhui().admits(kind).is_ok(), admitted);
    }

    #[test]
    fn a_province_only_policy_refuses_paired_regions_and_says_why() {
        let mut p = anhui();
        p.region_kinds.clear();
        assert!(p.admits(PovertyRegionKind::DesignatedSite).is_ok());
        let e = p.admits(PovertyRegionKind::PairedRegion).unwrap_err();
        assert!(e.to_string().contains("只能购买本省的产品"));
    }

    #[test]
    fn a_policy_is_spent_within_its_period() {
        assert!(anhui().in_force_on(day("2020-10-31")).is_ok());
        let e = anhui().in_force_on(day("2020-11-01")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "“安徽抗疫扶贫消费券”的使用期限为 2020-03-01 至 2020-10-31，2020-11-01 不在期限内"
        );
    }

    #[test]
    fn shaanxi_festival_gifts_take_each_unions_own_standard() {
        let mut p = anhui();
        p.cap = Cap::UnionStandard;
        assert_eq!(p.cap_for(Some(Fen(50_000))), Some(Fen(50_000)));
        assert_eq!(p.cap_for(None), None);
    }

    #[test]
    fn bundles_publish_once_and_retire_once() {
        assert!(BundleStatus::Draft.publish(0).is_err());
        assert_eq!(BundleStatus::Draft.publish(3), Ok(BundleStatus::Published));
        assert!(BundleStatus::Published.publish(3).is_err());
        assert_eq!(BundleStatus::Published.retire(), Ok(BundleStatus::Retired));
        assert!(BundleStatus::Draft.retire().is_err());
    }

    #[test]
    fn a_plan_is_confirmed_from_draft_and_cancelled_before_it_is_gone() {
        assert_eq!(PlanStatus::Draft.confirm(), Ok(PlanStatus::Confirmed));
        assert!(PlanStatus::Confirmed.confirm().is_err());
        assert_eq!(PlanStatus::Confirmed.cancel(), Ok(PlanStatus::Cancelled));
        assert!(PlanStatus::Cancelled.cancel().is_err());
    }

    #[test]
    fn substitutes_come_from_the_same_county_first_then_closest_in_price() {
        let c = |id, county: &str, yuan: i64| Candidate {
            product_id: id,
            county_code: county.into(),
            unit_price: Fen(yuan * 100),
        };
        let ranked = rank_substitutes(
            "610924",
            Fen(6_800),
            vec![
                c(1, "610100", 68),
                c(2, "610924", 120),
                c(3, "610924", 60),
                c(4, "610100", 70),
            ],
            3,
        );
        let ids: Vec<i32> = ranked.iter().map(|c| c.product_id).collect();
        assert_eq!(ids, vec![3, 2, 1]);
    }

    #[test]
    fn names_read_back_from_stored_text_and_from_labels() {
        for f in Festival::ALL {
            assert_eq!(Festival::parse(f.as_str()), Some(*f));
            assert_eq!(Festival::parse_any(f.label()), Some(*f));
        }
    }
}
