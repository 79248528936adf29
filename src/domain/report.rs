//! The annual report of a reporting union (附件1 全省工会消费扶贫情况统计表): one row per union
//! under it, the checks a report must pass before it is submitted, and the 万 the form shows.
//!
//! Figures are stored as whole yuan and whole people; the form's 万 columns are a way of showing
//! and typing them, exact to four decimals (one yuan, one person).

use std::collections::HashMap;

labelled_names! {
    /// Where a report stands. A submitted report is frozen; a correction is a new version.
    ReportStatus {
        Draft => ("draft", "草稿"),
        Submitted => ("submitted", "已上报"),
        Returned => ("returned", "已退回"),
        Accepted => ("accepted", "已采用"),
    }
}

impl ReportStatus {
    pub fn editable(self) -> bool {
        self == Self::Draft
    }

    /// A new version may be started from a report the office has dealt with.
    pub fn may_be_revised(self) -> bool {
        matches!(self, Self::Returned | Self::Accepted)
    }
}

/// One row of Attachment 1.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportRow {
    /// 工会名称
    pub union_name: String,
    /// 基层工会数量
    pub grassroots_unions: i64,
    /// 职工数 (the form shows 万)
    pub members: i64,
    /// 年度个人发放节日慰问品标准（元）
    pub festival_standard_yuan: i64,
    /// 年度工会发放慰问品总额 (the form shows 万元)
    pub festival_total_yuan: i64,
    /// 计划消费扶贫金额 (the form shows 万元)
    pub planned_poverty_yuan: i64,
    /// 备注
    pub note: String,
}

/// The columns of Attachment 1, in the form's order, with the heading the form prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportColumn {
    RowNo,
    UnionName,
    GrassrootsUnions,
    Members,
    FestivalStandard,
    FestivalTotal,
    PlannedPoverty,
    Note,
}

impl ReportColumn {
    pub const ALL: [ReportColumn; 8] = [
        Self::RowNo,
        Self::UnionName,
        Self::GrassrootsUnions,
        Self::Members,
        Self::FestivalStandard,
        Self::FestivalTotal,
        Self::PlannedPoverty,
        Self::Note,
    ];

    pub fn heading(self) -> &'static str {
        match self {
            Self::RowNo => "序号",
            Self::UnionName => "工会名称",
            Self::GrassrootsUnions => "基层工会数量",
            Self::Members => "职工数（万）",
            Self::FestivalStandard => "年度个人发放节日慰问品标准（元）",
            Self::FestivalTotal => "年度工会发放慰问品总额（万元）",
            Self::PlannedPoverty => "计划消费扶贫金额（万元）",
            Self::Note => "备注",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Self::Warning => "提醒",
            Self::Error => "错误",
        }
    }
}

/// What a check found: on a row (0-based index into the rows) and column, or on the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub row: Option<usize>,
    pub column: Option<ReportColumn>,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    fn on(row: usize, column: ReportColumn, severity: Severity, message: String) -> Self {
        Finding {
            row: Some(row),
            column: Some(column),
            severity,
            message,
        }
    }

    /// Where, as a message names it: 第 3 行 “职工数（万）”.
    pub fn place(&self) -> String {
        match (self.row, self.column) {
            (Some(r), Some(c)) => format!("第 {} 行“{}”", r + 1, c.heading()),
            (Some(r), None) => format!("第 {} 行", r + 1),
            _ => "整张表".to_owned(),
        }
    }
}

/// How far the festival total may stray from standard × members before it is questioned: unions
/// give some members less (joined mid-year) and round the total.
pub const TOTAL_TOLERANCE_PERCENT: i64 = 10;

/// A per-person standard above this is questioned: the usual annual ceiling for festival gifts
/// (粤工总〔2018〕5号 “年度总额一般不超过人均2500元”; Shaanxi's rules are of the same order).
pub const USUAL_STANDARD_CEILING_YUAN: i64 = 2_500;

/// A per-person standard above this is refused as a mistake of unit (typed in 分, or a total).
pub const MAX_STANDARD_YUAN: i64 = 20_000;

/// More members than this in one row is refused: Shaanxi has about 7 million union members.
pub const MAX_MEMBERS: i64 = 10_000_000;

/// The figures a report is checked against: the share of the festival total that the office
/// asks to be spent on poverty-alleviation products this year, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectations {
    pub poverty_share_percent: i64,
}

/// Every finding on a report's rows, errors first within each row. A report with an error cannot
/// be submitted; warnings are shown and may stand, with a note in 备注 saying why.
pub fn check(rows: &[ReportRow], expect: Expectations) -> Vec<Finding> {
    use ReportColumn as C;
    use Severity::{Error, Warning};
    let mut findings = Vec::new();
    if rows.is_empty() {
        findings.push(Finding {
            row: None,
            column: None,
            severity: Error,
            message: "表中没有任何一行，请至少填写一个工会。".to_owned(),
        });
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let mut add = |column, severity, message: String| findings.push(Finding::on(i, column, severity, message));
        let name = row.union_name.trim();
        if name.is_empty() {
            add(C::UnionName, Error, "请填写工会名称。".to_owned());
        } else if let Some(earlier) = seen.insert(name, i) {
            add(
                C::UnionName,
                Error,
                format!("与第 {} 行重复：同一个工会只能填一行。", earlier + 1),
            );
        }
        let negative = [
            (C::GrassrootsUnions, row.grassroots_unions),
            (C::Members, row.members),
            (C::FestivalStandard, row.festival_standard_yuan),
            (C::FestivalTotal, row.festival_total_yuan),
            (C::PlannedPoverty, row.planned_poverty_yuan),
        ];
        for (column, value) in negative {
            if value < 0 {
                add(column, Error, "不能是负数。".to_owned());
            }
        }
        if row.members == 0 {
            add(C::Members, Error, "职工数应大于 0。".to_owned());
        } else if row.members > MAX_MEMBERS {
            add(
                C::Members,
                Error,
                format!("{} 人超过全省职工总数，请检查单位（本列按万人填写）。", row.members),
            );
        }
        if row.grassroots_unions == 0 {
            add(C::GrassrootsUnions, Error, "基层工会数量应至少为 1。".to_owned());
        } else if row.members > 0 && row.grassroots_unions > row.members {
            add(
                C::GrassrootsUnions,
                Error,
                format!(
                    "基层工会 {} 个，多于职工 {} 人，请检查。",
                    row.grassroots_unions, row.members
                ),
            );
        }
        if row.festival_standard_yuan > MAX_STANDARD_YUAN {
            add(
                C::FestivalStandard,
                Error,
                format!(
                    "人均 {} 元不像一年的慰问品标准，请检查单位（本列按元填写）。",
                    row.festival_standard_yuan
                ),
            );
        } else if row.festival_standard_yuan > USUAL_STANDARD_CEILING_YUAN {
            add(
                C::FestivalStandard,
                Warning,
                format!(
                    "人均 {} 元，高于一般不超过人均 {USUAL_STANDARD_CEILING_YUAN} 元的标准，请核实。",
                    row.festival_standard_yuan
                ),
            );
        } else if row.festival_standard_yuan == 0 && row.festival_total_yuan > 0 {
            add(
                C::FestivalStandard,
                Warning,
                "有慰问品总额却没有人均标准，请填写标准。".to_owned(),
            );
        }
        let expected = row.festival_standard_yuan.saturating_mul(row.members);
        if expected > 0 && row.festival_total_yuan >= 0 {
            let total = row.festival_total_yuan;
            if total == 0 || total > expected.saturating_mul(10) || total.saturating_mul(10) < expected {
                add(
                    C::FestivalTotal,
                    Error,
                    format!(
                        "{} 万元与人均标准 × 职工数 = {} 万元相差十倍以上，请检查单位（本列按万元填写）。",
                        wan(total),
                        wan(expected)
                    ),
                );
            } else if (total - expected).abs() * 100 > expected * TOTAL_TOLERANCE_PERCENT {
                add(
                    C::FestivalTotal,
                    Warning,
                    format!(
                        "{} 万元与人均标准 × 职工数 = {} 万元相差 {}%（超过 {TOTAL_TOLERANCE_PERCENT}%），请核实或在备注中说明。",
                        wan(total),
                        wan(expected),
                        percent_of((total - expected).abs(), expected)
                    ),
                );
            }
        }
        let total = row.festival_total_yuan;
        if total > 0 && row.planned_poverty_yuan >= 0 {
            let share = expect.poverty_share_percent;
            if row.planned_poverty_yuan * 100 < total * share {
                add(
                    C::PlannedPoverty,
                    Warning,
                    format!(
                        "计划 {} 万元，占慰问品总额的 {}%，低于要求的 {share}%（应不少于 {} 万元）。",
                        wan(row.planned_poverty_yuan),
                        percent_text(row.planned_poverty_yuan, total),
                        wan(required_poverty_yuan(total, share))
                    ),
                );
            } else if row.planned_poverty_yuan > total {
                add(
                    C::PlannedPoverty,
                    Warning,
                    format!(
                        "计划 {} 万元，超过慰问品总额 {} 万元；如另有经费来源，请在备注中说明。",
                        wan(row.planned_poverty_yuan),
                        wan(total)
                    ),
                );
            }
        }
    }
    findings.sort_by_key(|f| (f.row.map_or(0, |r| r + 1), std::cmp::Reverse(f.severity)));
    findings
}

/// Whether the findings allow submitting.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// The least planned poverty spending that meets the share, rounded up to the yuan.
pub fn required_poverty_yuan(festival_total_yuan: i64, share_percent: i64) -> i64 {
    (festival_total_yuan * share_percent + 99) / 100
}

/// `part` as a whole percent of `whole`, rounded half up; 0 when `whole` is 0.
pub fn percent_of(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 200 + whole) / (whole * 2)
    }
}

/// The totals row (合计).
pub fn totals(rows: &[ReportRow]) -> ReportRow {
    rows.iter().fold(
        ReportRow {
            union_name: "合计".to_owned(),
            ..ReportRow::default()
        },
        |mut sum, r| {
            sum.grassroots_unions += r.grassroots_unions;
            sum.members += r.members;
            sum.festival_total_yuan += r.festival_total_yuan;
            sum.planned_poverty_yuan += r.planned_poverty_yuan;
            sum
        },
    )
}

/// `part` as a percent of `whole` to one decimal, without a trailing “.0” (29.9, 30).
pub fn percent_text(part: i64, whole: i64) -> String {
    if whole == 0 {
        return "0".to_owned();
    }
    let tenths = (i128::from(part) * 2_000 + i128::from(whole)) / (i128::from(whole) * 2);
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    }
}

/// Whole units shown in 万 as the form does: up to four decimals, trailing zeros dropped
/// (123456 → "12.3456", 150000 → "15").
pub fn wan(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let units = units.unsigned_abs();
    let (whole, frac) = (units / 10_000, units % 10_000);
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let digits = format!("{frac:04}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Reads a figure typed in 万 (as the form's columns are) into whole units. Accepts a plain
/// number with up to four decimals, thousands separators and a trailing 万 or 万元.
pub fn parse_wan(input: &str) -> Result<i64, String> {
    let text: String = input
        .trim()
        .trim_end_matches("万元")
        .trim_end_matches('万')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if text.is_empty() {
        return Err("请填写数字（没有就填 0）".to_owned());
    }
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !(frac.is_empty() || digits(frac)) {
        return Err(format!("“{}”不是数字", input.trim()));
    }
    if frac.len() > 4 {
        return Err(format!("“{}”的小数超过 4 位：按万填写时精确到个位即可", input.trim()));
    }
    let whole: i64 = whole
        .parse()
        .ok()
        .filter(|w: &i64| *w <= 100_000_000)
        .ok_or_else(|| format!("“{}”太大了", input.trim()))?;
    let frac: i64 = format!("{frac:0<4}").parse().unwrap_or(0);
    Ok(whole * 10_000 + frac)
}

/// Reads a whole number (people, unions, yuan): thousands separators and a trailing unit allowed.
pub fn parse_whole(input: &str, unit: &str) -> Result<i64, String> {
    let text: String = input
        .trim()
        .trim_end_matches(unit)
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if text.is_empty() {
        return Err("请填写数字（没有就填 0）".to_owned());
    }
    let text = text
        .strip_suffix(".0")
        .or_else(|| text.strip_suffix(".00"))
        .unwrap_or(&text);
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("“{}”应为整数", input.trim()));
    }
    text.parse::<i64>()
        .ok()
        .filter(|n| *n <= 1_000_000_000_000)
        .ok_or_else(|| format!("“{}”太大了", input.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const SHARE: Expectations = Expectations {
        poverty_share_percent: 30,
    };

    fn row(name: &str, unions: i64, members: i64, standard: i64, total: i64, planned: i64) -> ReportRow {
        ReportRow {
            union_name: name.to_owned(),
            grassroots_unions: unions,
            members,
            festival_standard_yuan: standard,
            festival_total_yuan: total,
            planned_poverty_yuan: planned,
            note: String::new(),
        }
    }

    fn on(findings: &[Finding], column: ReportColumn) -> Vec<(Option<usize>, Severity)> {
        findings
            .iter()
            .filter(|f| f.column == Some(column))
            .map(|f| (f.row, f.severity))
            .collect()
    }

    #[test]
    fn a_consistent_row_has_no_findings() {
        let rows = [row("汉滨区总工会", 120, 15_000, 1_200, 18_000_000, 6_000_000)];
        assert_eq!(check(&rows, SHARE), []);
    }

    #[test]
    fn a_total_within_a_tenth_of_standard_times_members_passes_and_beyond_it_warns() {
        let near = [row("甲", 1, 1_000, 1_000, 1_090_000, 400_000)];
        assert_eq!(check(&near, SHARE), []);
        let far = [row("甲", 1, 1_000, 1_000, 1_200_000, 400_000)];
        let findings = check(&far, SHARE);
        assert_eq!(
            on(&findings, ReportColumn::FestivalTotal),
            [(Some(0), Severity::Warning)]
        );
        assert!(findings[0].message.contains("相差 20%"), "{findings:?}");
    }

    #[test]
    fn a_total_typed_in_the_wrong_unit_is_an_error() {
        // 120 万元 typed as 120 yuan.
        let rows = [row("甲", 10, 1_000, 1_200, 120, 50)];
        assert_eq!(
            on(&check(&rows, SHARE), ReportColumn::FestivalTotal),
            [(Some(0), Severity::Error)]
        );
    }

    #[test]
    fn planned_spending_below_the_share_warns_and_names_the_share() {
        let rows = [row("甲", 1, 1_000, 1_000, 1_000_000, 290_000)];
        let findings = check(&rows, SHARE);
        assert_eq!(
            on(&findings, ReportColumn::PlannedPoverty),
            [(Some(0), Severity::Warning)]
        );
        assert!(
            findings[0].message.contains("占慰问品总额的 29%，低于要求的 30%"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[0].message.contains("不少于 30 万元"),
            "{}",
            findings[0].message
        );
        let met = [row("甲", 1, 1_000, 1_000, 1_000_000, 300_000)];
        assert_eq!(check(&met, SHARE), []);
    }

    #[rstest]
    #[case::no_members(row("甲", 1, 0, 1_000, 0, 0), ReportColumn::Members)]
    #[case::no_unions(row("甲", 0, 100, 1_000, 100_000, 30_000), ReportColumn::GrassrootsUnions)]
    #[case::more_unions_than_members(row("甲", 200, 100, 1_000, 100_000, 30_000), ReportColumn::GrassrootsUnions)]
    #[case::standard_in_fen(row("甲", 1, 100, 100_000, 10_000_000, 3_000_000), ReportColumn::FestivalStandard)]
    #[case::no_name(row(" ", 1, 100, 1_000, 100_000, 30_000), ReportColumn::UnionName)]
    #[case::negative(row("甲", 1, 100, 1_000, 100_000, -1), ReportColumn::PlannedPoverty)]
    fn insane_numbers_are_errors_on_their_cell(#[case] bad: ReportRow, #[case] column: ReportColumn) {
        let findings = check(&[bad], SHARE);
        assert!(
            on(&findings, column).contains(&(Some(0), Severity::Error)),
            "{column:?}: {findings:?}"
        );
        assert!(has_errors(&findings));
    }

    #[test]
    fn a_union_named_twice_is_an_error_on_the_second_row() {
        let rows = [
            row("甲", 1, 100, 1_000, 100_000, 30_000),
            row("甲", 1, 100, 1_000, 100_000, 30_000),
        ];
        let findings = check(&rows, SHARE);
        assert_eq!(on(&findings, ReportColumn::UnionName), [(Some(1), Severity::Error)]);
        assert!(findings[0].message.contains("第 1 行"));
    }

    #[test]
    fn an_empty_report_cannot_be_submitted() {
        assert!(has_errors(&check(&[], SHARE)));
    }

    #[test]
    fn a_high_standard_warns_without_refusing() {
        let rows = [row("甲", 1, 100, 3_000, 300_000, 100_000)];
        let findings = check(&rows, SHARE);
        assert_eq!(
            on(&findings, ReportColumn::FestivalStandard),
            [(Some(0), Severity::Warning)]
        );
        assert!(!has_errors(&findings));
    }

    #[rstest]
    #[case(123_456, "12.3456")]
    #[case(150_000, "15")]
    #[case(10_500, "1.05")]
    #[case(7, "0.0007")]
    #[case(0, "0")]
    fn wan_shows_whole_units_to_four_decimals(#[case] units: i64, #[case] shown: &str) {
        assert_eq!(wan(units), shown);
        assert_eq!(parse_wan(shown), Ok(units), "round trip");
    }

    #[rstest]
    #[case("1,234.5", Ok(12_345_000))]
    #[case(" 3.2万元 ", Ok(32_000))]
    #[case("0.00001", Err("小数超过 4 位"))]
    #[case("abc", Err("不是数字"))]
    #[case("", Err("请填写"))]
    #[case("-1", Err("不是数字"))]
    fn parse_wan_reads_what_clerks_type(#[case] input: &str, #[case] expected: Result<i64, &str>) {
        match (parse_wan(input), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(got), Err(want)) => assert!(got.contains(want), "{got}"),
            (got, want) => panic!("{input}: {got:?} vs {want:?}"),
        }
    }

    #[test]
    fn parse_whole_takes_units_and_separators() {
        assert_eq!(parse_whole("1,200元", "元"), Ok(1_200));
        assert_eq!(parse_whole("35.0", "个"), Ok(35));
        assert!(parse_whole("3.5", "个").unwrap_err().contains("整数"));
    }

    #[test]
    fn totals_add_every_column_but_the_standard() {
        let rows = [
            row("甲", 2, 100, 1_000, 100_000, 30_000),
            row("乙", 3, 200, 500, 100_000, 40_000),
        ];
        let sum = totals(&rows);
        assert_eq!(
            (
                sum.grassroots_unions,
                sum.members,
                sum.festival_standard_yuan,
                sum.festival_total_yuan,
                sum.planned_poverty_yuan
            ),
            (5, 300, 0, 200_000, 70_000)
        );
    }

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent_of(1, 8), 13);
        assert_eq!(percent_of(299_999, 1_000_000), 30);
        assert_eq!(percent_of(5, 0), 0);
        assert_eq!(required_poverty_yuan(1_000_001, 30), 300_001);
        assert_eq!(percent_text(299_000, 1_000_000), "29.9");
        assert_eq!(percent_text(300_000, 1_000_000), "30");
    }
}
