//! The figures of consumption poverty alleviation (消费扶贫): purchases against the plan's 8亿元
//! target and against each reporting union's own plan, by union, city, product county, category,
//! channel and month. Built from aggregate cells; nothing here reads a database.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

use super::spending::Channel;

/// 消费扶贫金额达到8亿元以上 (陕工发〔2020〕1号 二).
pub const PROVINCE_TARGET_FEN: i64 = 800_000_000 * 100;

/// yyyymm of a date: the month cells are keyed by.
pub fn month_of(date: NaiveDate) -> i32 {
    date.year() * 100 + date.month() as i32
}

/// Purchases of one month through one channel, by the unions under one reporting union in one
/// city.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthlyCell {
    pub reporting_union_id: i32,
    pub city_code: String,
    pub month: i32,
    pub channel: String,
    pub amount_fen: i64,
    pub people: i64,
    pub purchases: i64,
}

/// Purchases of one year of one county's products of one category, by the unions under one
/// reporting union. County and category are empty for what is outside the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProductCell {
    pub year: i32,
    pub reporting_union_id: i32,
    pub product_county: String,
    pub category: String,
    pub amount_fen: i64,
    pub quantity: i64,
}

/// One year's purchases of one product.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProductTotal {
    pub year: i32,
    pub product_id: i32,
    pub amount_fen: i64,
    pub quantity: i64,
}

/// Reporting union, city, month, channel.
type MonthlyKey = (i32, String, i32, String);

/// Adds cells with the same key; the result is sorted by key, so two sets of cells compare equal
/// when they add up to the same figures.
pub fn merge_monthly(cells: impl IntoIterator<Item = MonthlyCell>) -> Vec<MonthlyCell> {
    let mut sums: BTreeMap<MonthlyKey, (i64, i64, i64)> = BTreeMap::new();
    for c in cells {
        let e = sums
            .entry((c.reporting_union_id, c.city_code, c.month, c.channel))
            .or_default();
        e.0 += c.amount_fen;
        e.1 += c.people;
        e.2 += c.purchases;
    }
    sums.into_iter()
        .map(
            |((reporting_union_id, city_code, month, channel), (amount_fen, people, purchases))| MonthlyCell {
                reporting_union_id,
                city_code,
                month,
                channel,
                amount_fen,
                people,
                purchases,
            },
        )
        .collect()
}

pub fn merge_products(cells: impl IntoIterator<Item = ProductCell>) -> Vec<ProductCell> {
    let mut sums: BTreeMap<(i32, i32, String, String), (i64, i64)> = BTreeMap::new();
    for c in cells {
        let e = sums
            .entry((c.year, c.reporting_union_id, c.product_county, c.category))
            .or_default();
        e.0 += c.amount_fen;
        e.1 += c.quantity;
    }
    sums.into_iter()
        .filter(|(_, (amount, quantity))| *amount != 0 || *quantity != 0)
        .map(
            |((year, reporting_union_id, product_county, category), (amount_fen, quantity))| ProductCell {
                year,
                reporting_union_id,
                product_county,
                category,
                amount_fen,
                quantity,
            },
        )
        .collect()
}

pub fn merge_product_totals(cells: impl IntoIterator<Item = ProductTotal>) -> Vec<ProductTotal> {
    let mut sums: BTreeMap<(i32, i32), (i64, i64)> = BTreeMap::new();
    for c in cells {
        let e = sums.entry((c.year, c.product_id)).or_default();
        e.0 += c.amount_fen;
        e.1 += c.quantity;
    }
    sums.into_iter()
        .map(|((year, product_id), (amount_fen, quantity))| ProductTotal {
            year,
            product_id,
            amount_fen,
            quantity,
        })
        .collect()
}

/// One year's products of one county bought at least once, and the 带贫人数 behind them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HelpedCell {
    pub year: i32,
    pub county_code: String,
    pub products: i64,
    pub poor_people: i64,
}

pub fn merge_helped(cells: impl IntoIterator<Item = HelpedCell>) -> Vec<HelpedCell> {
    let mut sums: BTreeMap<(i32, String), (i64, i64)> = BTreeMap::new();
    for c in cells {
        let e = sums.entry((c.year, c.county_code)).or_default();
        e.0 += c.products;
        e.1 += c.poor_people;
    }
    sums.into_iter()
        .map(|((year, county_code), (products, poor_people))| HelpedCell {
            year,
            county_code,
            products,
            poor_people,
        })
        .collect()
}

/// The rows of the Guangdong channel form (采购平台): 832, the union mall, counters, and the
/// rest together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChannelRow {
    Platform832,
    UnionMall,
    Counter,
    Other,
}

impl ChannelRow {
    pub const ALL: [ChannelRow; 4] = [Self::Platform832, Self::UnionMall, Self::Counter, Self::Other];

    pub fn of(channel: &str) -> ChannelRow {
        match Channel::parse(channel) {
            Some(Channel::Platform832) => Self::Platform832,
            Some(Channel::UnionMall) => Self::UnionMall,
            Some(Channel::Counter) => Self::Counter,
            _ => Self::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Platform832 => "832 平台",
            Self::UnionMall => "陕西工会扶贫商城",
            Self::Counter => "扶贫专柜",
            Self::Other => "其他（供应商直购等）",
        }
    }
}

/// Actual as a whole percent of planned, rounded half up; `None` without a plan.
pub fn progress_percent(actual_fen: i64, planned_fen: i64) -> Option<i64> {
    (planned_fen > 0).then(|| (actual_fen * 200 + planned_fen) / (planned_fen * 2))
}

/// When the target is reached at the pace so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Reached already, in this month (yyyymm).
    Reached(i32),
    /// To be reached on this date at the pace since the start of the year.
    On(NaiveDate),
    /// Nothing bought yet: no pace to project from.
    NoPace,
}

/// Projects the date the year's running total reaches `target_fen`, at the average daily pace from
/// 1 January to `today` (or to the year's end, for a past year).
pub fn project(monthly_totals: &[(i32, i64)], target_fen: i64, year: i32, today: NaiveDate) -> Projection {
    let mut running = 0;
    for (month, amount) in monthly_totals {
        running += amount;
        if running >= target_fen && target_fen > 0 {
            return Projection::Reached(*month);
        }
    }
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today).min(today);
    let days = (end - start).num_days() + 1;
    if running <= 0 || days <= 0 {
        return Projection::NoPace;
    }
    let left = target_fen - running;
    // Days more at `running / days` a day, rounded up.
    let (numerator, pace) = (i128::from(left) * i128::from(days), i128::from(running));
    let more = (numerator + pace - 1) / pace;
    match i64::try_from(more)
        .ok()
        .and_then(|d| end.checked_add_signed(Duration::days(d)))
    {
        Some(date) => Projection::On(date),
        None => Projection::NoPace,
    }
}

/// The twelve months of a year with each month's amount and the running total.
pub fn running_totals(year: i32, by_month: &BTreeMap<i32, i64>) -> Vec<(i32, i64, i64)> {
    let mut running = 0;
    (1..=12)
        .map(|m| {
            let month = year * 100 + m;
            let amount = by_month.get(&month).copied().unwrap_or(0);
            running += amount;
            (month, amount, running)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_target_is_eight_hundred_million_yuan() {
        assert_eq!(PROVINCE_TARGET_FEN / 100, 800_000_000);
    }

    #[test]
    fn progress_goes_past_a_hundred_percent() {
        assert_eq!(progress_percent(150, 100), Some(150));
        assert_eq!(progress_percent(1, 3), Some(33));
        assert_eq!(progress_percent(5, 0), None);
    }

    #[test]
    fn the_projection_follows_the_pace_since_new_year() {
        // 100 in the 10 days to 10 January: 10 a day, 1,000 is 90 days later.
        let totals = [(202_001, 100)];
        assert_eq!(
            project(&totals, 1_000, 2020, date(2020, 1, 10)),
            Projection::On(date(2020, 4, 9))
        );
        assert_eq!(project(&[], 1_000, 2020, date(2020, 3, 1)), Projection::NoPace);
    }

    #[test]
    fn a_reached_target_names_the_month() {
        let totals = [(202_001, 600), (202_002, 300), (202_003, 200)];
        assert_eq!(
            project(&totals, 1_000, 2020, date(2020, 12, 1)),
            Projection::Reached(202_003)
        );
    }

    #[test]
    fn running_totals_cover_every_month() {
        let by_month = BTreeMap::from([(202_003, 5), (202_011, 7)]);
        let rows = running_totals(2020, &by_month);
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[2], (202_003, 5, 5));
        assert_eq!(rows[11], (202_012, 0, 12));
    }

    #[test]
    fn channels_fold_into_the_guangdong_forms_rows() {
        assert_eq!(ChannelRow::of("platform_832"), ChannelRow::Platform832);
        assert_eq!(ChannelRow::of("seller"), ChannelRow::Other);
        assert_eq!(ChannelRow::of("other"), ChannelRow::Other);
    }

    #[test]
    fn merging_adds_cells_with_the_same_key_and_sorts() {
        let cell = |r, amount| MonthlyCell {
            reporting_union_id: r,
            city_code: "6109".into(),
            month: 202_001,
            channel: "counter".into(),
            amount_fen: amount,
            people: 1,
            purchases: 1,
        };
        let merged = merge_monthly([cell(2, 5), cell(1, 3), cell(2, 7)]);
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[1].amount_fen, merged[1].purchases), (12, 2));
    }
}
