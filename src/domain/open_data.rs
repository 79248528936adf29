//! Open data: the rows of the public catalogue's full dump and of its daily deltas, built from a
//! product's versions. One list of columns names them for the CSV header, the JSON keys and the
//! schema the `/open-data` page documents.

use chrono::{NaiveDate, NaiveDateTime, SecondsFormat};
use serde::Serialize;

use super::details::{Details, FieldChange, describe_all, field_changes};
use super::versions::{ChangeKind, end_of_china_day, start_of_china_day};
use super::{Fen, ListingStatus, in_china, region};

/// The licence the files are published under.
pub const LICENCE_NAME: &str = "知识共享 署名 4.0 国际许可协议（CC BY 4.0）";
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/deed.zh-hans";
pub const ATTRIBUTION: &str = "陕西省总工会消费扶贫工作指挥部办公室《全省工会消费扶贫产品推荐目录》";

/// A column of the files: its name (CSV header and JSON key), its type and what it holds.
pub struct Column {
    pub name: &'static str,
    pub kind: &'static str,
    pub description: &'static str,
}

const fn column(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column {
        name,
        kind,
        description,
    }
}

/// The columns of the full dump, in order.
pub const COLUMNS: [Column; 18] = [
    column(
        "catalogue_code",
        "文本",
        "目录编号（县区代码-序号），产品在目录中的唯一编号",
    ),
    column("name", "文本", "产品名称"),
    column("category", "文本", "产品类别"),
    column("specification", "文本", "规格"),
    column("trademark", "文本或空", "商标（目录中登记了的）"),
    column("unit_price_yuan", "小数（元）", "单价，元，两位小数"),
    column("unit_price_fen", "整数（分）", "单价，分"),
    column("city_code", "文本", "所在市（区）行政区划代码"),
    column("city_name", "文本", "所在市（区）"),
    column("county_code", "文本", "所在县（区）行政区划代码（GB/T 2260）"),
    column("county_name", "文本", "所在县（区）"),
    column("supplier_name", "文本", "供应商名称"),
    column(
        "status",
        "listed / suspended / delisted / withdrawn",
        "目录状态：在目录 / 暂停推荐 / 清出目录 / 撤出目录",
    ),
    column("listed_at", "时间（北京时间，RFC 3339）", "列入目录的时间"),
    column("changed_at", "时间（北京时间，RFC 3339）", "最近一次变更的时间"),
    column(
        "last_change",
        "变更类型",
        "最近一次变更：listed, details_changed, suspended, reinstated, delisted, withdrawn, lot_recalled",
    ),
    column(
        "left_at",
        "时间（北京时间，RFC 3339）或空",
        "不在目录中的产品：离开目录（暂停、清出或撤出）的时间",
    ),
    column("left_reason", "文本或空", "不在目录中的产品：离开目录的原因"),
];

/// The columns a delta adds before the dump's.
pub const DELTA_COLUMNS: [Column; 5] = [
    column("day", "日期", "变更所在的日期（北京时间）"),
    column(
        "change",
        "added / changed / removed",
        "当日的变化：列入（或恢复）/ 信息或批次变更 / 离开目录",
    ),
    column(
        "tombstone",
        "true / false",
        "离开目录的记录为 true（墓碑记录），镜像应据此删除或标记该产品",
    ),
    column("reason", "文本", "当日最后一次变更的原因"),
    column(
        "changed_fields",
        "文本（JSON 中为列表）",
        "当日信息变更改了哪些项，由什么改为什么，如“单价（元）：38.00 → 42.00”；CSV 中以“；”分隔，JSON 中每项为 {field, label, from, to}",
    ),
];

/// What a version says of the product, as the catalogue showed it then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// UTC.
    pub from: NaiveDateTime,
    pub kind: ChangeKind,
    pub status: ListingStatus,
    pub reason: String,
    pub catalogue_code: String,
    pub name: String,
    pub category: String,
    pub specification: String,
    pub unit_price_fen: i64,
    pub county_code: String,
    pub supplier_name: String,
    pub trademark: String,
}

impl Version {
    fn details(&self) -> Details {
        Details {
            name: self.name.clone(),
            specification: self.specification.clone(),
            unit_price_fen: self.unit_price_fen,
            trademark: self.trademark.clone(),
        }
    }
}

/// One product in the full dump: how it stands after the versions given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub catalogue_code: String,
    pub name: String,
    pub category: String,
    pub specification: String,
    pub trademark: String,
    pub unit_price_yuan: String,
    pub unit_price_fen: i64,
    pub city_code: String,
    pub city_name: String,
    pub county_code: String,
    pub county_name: String,
    pub supplier_name: String,
    pub status: &'static str,
    pub listed_at: Option<String>,
    pub changed_at: String,
    pub last_change: &'static str,
    pub left_at: Option<String>,
    pub left_reason: Option<String>,
}

/// What a day did to a product in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayChange {
    /// Listed by the end of the day and not at its start: new, or reinstated.
    Added,
    /// Still listed, or still out, with something changed (a lot recalled, suspended → delisted).
    Changed,
    /// Listed at the day's start, or listed during it, and out at its end: a tombstone.
    Removed,
}

/// One product in a day's delta: its change, and the row as it stood at the end of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeltaRow {
    pub day: NaiveDate,
    pub change: DayChange,
    pub tombstone: bool,
    pub reason: String,
    /// What the day's details changes changed, start of day → end of day.
    pub changed_fields: Vec<FieldChange>,
    #[serde(flatten)]
    pub row: Row,
}

fn timestamp(at: NaiveDateTime) -> String {
    in_china(at).to_rfc3339_opts(SecondsFormat::Secs, false)
}

const fn leaves(kind: ChangeKind) -> bool {
    matches!(
        kind,
        ChangeKind::Suspended | ChangeKind::Delisted | ChangeKind::Withdrawn
    )
}

/// The product after `history` (its versions, oldest first); `None` for no versions.
pub fn row(history: &[Version]) -> Option<Row> {
    let last = history.last()?;
    let listed_at = history
        .iter()
        .find(|v| v.kind == ChangeKind::Listed)
        .map(|v| timestamp(v.from));
    let left = (last.status != ListingStatus::Listed)
        .then(|| history.iter().rev().find(|v| leaves(v.kind)))
        .flatten();
    let county = region::county(&last.county_code);
    Some(Row {
        catalogue_code: last.catalogue_code.clone(),
        name: last.name.clone(),
        category: last.category.clone(),
        specification: last.specification.clone(),
        trademark: last.trademark.clone(),
        unit_price_yuan: Fen(last.unit_price_fen).to_string(),
        unit_price_fen: last.unit_price_fen,
        city_code: county.map(|c| c.city_code).unwrap_or_default().to_owned(),
        city_name: county.map(|c| c.city_name).unwrap_or_default().to_owned(),
        county_code: last.county_code.clone(),
        county_name: county.map(|c| c.name).unwrap_or_default().to_owned(),
        supplier_name: last.supplier_name.clone(),
        status: last.status.as_str(),
        listed_at,
        changed_at: timestamp(last.from),
        last_change: last.kind.as_str(),
        left_at: left.map(|v| timestamp(v.from)),
        left_reason: left.map(|v| v.reason.clone()),
    })
}

/// What `day` (China time) did to the product, or `None` if it did not change that day.
pub fn delta(history: &[Version], day: NaiveDate) -> Option<DeltaRow> {
    let (start, end) = (start_of_china_day(day), end_of_china_day(day));
    let before = history.iter().take_while(|v| v.from < start).count();
    let through = history.iter().take_while(|v| v.from < end).count();
    if through == before {
        return None;
    }
    let was_listed = before > 0 && history[before - 1].status == ListingStatus::Listed;
    let day_versions = &history[before..through];
    let listed_during = day_versions.iter().any(|v| v.status == ListingStatus::Listed);
    let at_end = &history[through - 1];
    let is_listed = at_end.status == ListingStatus::Listed;
    let change = match (was_listed, is_listed) {
        (false, true) => DayChange::Added,
        (true, false) => DayChange::Removed,
        (false, false) if listed_during => DayChange::Removed,
        _ => DayChange::Changed,
    };
    let row = row(&history[..through])?;
    let reason = match change {
        DayChange::Removed => row.left_reason.clone().unwrap_or_else(|| at_end.reason.clone()),
        _ => at_end.reason.clone(),
    };
    // Against the details at the day's start, or, for a product new that day, as it was listed.
    let start_details = history[before.saturating_sub(1)].details();
    let changed_fields = field_changes(&start_details, &at_end.details());
    Some(DeltaRow {
        day,
        change,
        tombstone: change == DayChange::Removed,
        reason,
        changed_fields,
        row,
    })
}

fn optional(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

impl Row {
    /// The row's fields in the order of [`COLUMNS`].
    pub fn csv_fields(&self) -> Vec<String> {
        vec![
            self.catalogue_code.clone(),
            self.name.clone(),
            self.category.clone(),
            self.specification.clone(),
            self.trademark.clone(),
            self.unit_price_yuan.clone(),
            self.unit_price_fen.to_string(),
            self.city_code.clone(),
            self.city_name.clone(),
            self.county_code.clone(),
            self.county_name.clone(),
            self.supplier_name.clone(),
            self.status.to_owned(),
            optional(&self.listed_at),
            self.changed_at.clone(),
            self.last_change.to_owned(),
            optional(&self.left_at),
            optional(&self.left_reason),
        ]
    }
}

impl DayChange {
    pub fn as_str(self) -> &'static str {
        match self {
            DayChange::Added => "added",
            DayChange::Changed => "changed",
            DayChange::Removed => "removed",
        }
    }
}

impl DeltaRow {
    /// The row's fields in the order of [`DELTA_COLUMNS`] then [`COLUMNS`].
    pub fn csv_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.day.to_string(),
            self.change.as_str().to_owned(),
            self.tombstone.to_string(),
            self.reason.clone(),
            describe_all(&self.changed_fields),
        ];
        fields.extend(self.row.csv_fields());
        fields
    }
}

/// The CSV header of the full dump.
pub fn header() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.name).collect()
}

/// The CSV header of a delta.
pub fn delta_header() -> Vec<&'static str> {
    DELTA_COLUMNS.iter().chain(COLUMNS.iter()).map(|c| c.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    fn version(day: u32, hour: u32, kind: ChangeKind, status: ListingStatus) -> Version {
        Version {
            from: at(day, hour),
            kind,
            status,
            reason: format!("{}原因", kind.label()),
            catalogue_code: "610902-00001".into(),
            name: "紫阳富硒茶".into(),
            category: "茶叶".into(),
            specification: "250g/盒".into(),
            unit_price_fen: 12_850,
            county_code: "610902".into(),
            supplier_name: "汉滨茶业".into(),
            trademark: String::new(),
        }
    }

    fn history() -> Vec<Version> {
        vec![
            version(1, 2, ChangeKind::Listed, ListingStatus::Listed),
            version(5, 3, ChangeKind::LotRecalled, ListingStatus::Listed),
            version(9, 1, ChangeKind::Suspended, ListingStatus::Suspended),
            version(9, 6, ChangeKind::Delisted, ListingStatus::Delisted),
            version(12, 4, ChangeKind::LotRecalled, ListingStatus::Delisted),
        ]
    }

    #[test]
    fn a_row_says_when_the_product_was_listed_and_when_and_why_it_left() {
        let h = history();
        let listed = row(&h[..2]).unwrap();
        assert_eq!(listed.status, "listed");
        assert_eq!(listed.listed_at.as_deref(), Some("2026-03-01T10:00:00+08:00"));
        assert_eq!(listed.changed_at, "2026-03-05T11:00:00+08:00");
        assert_eq!(listed.last_change, "lot_recalled");
        assert_eq!((listed.left_at, listed.left_reason), (None, None));
        assert_eq!(listed.unit_price_yuan, "128.50");
        assert_eq!(listed.county_name, "汉滨区");
        assert_eq!(listed.city_name, "安康市");

        // A recall after the delisting does not hide why the product left.
        let gone = row(&h).unwrap();
        assert_eq!(gone.status, "delisted");
        assert_eq!(gone.last_change, "lot_recalled");
        assert_eq!(gone.left_at.as_deref(), Some("2026-03-09T14:00:00+08:00"));
        assert_eq!(gone.left_reason.as_deref(), Some("清出目录原因"));
        assert!(row(&[]).is_none());
    }

    #[test]
    fn a_delta_says_what_the_china_time_day_did() {
        let h = history();
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let added = delta(&h, day(1)).unwrap();
        assert_eq!((added.change, added.tombstone), (DayChange::Added, false));
        assert_eq!(delta(&h, day(5)).unwrap().change, DayChange::Changed);
        assert!(delta(&h, day(2)).is_none());
        // Suspended, then delisted, the same day: one removal, with the reason it left.
        let removed = delta(&h, day(9)).unwrap();
        assert_eq!((removed.change, removed.tombstone), (DayChange::Removed, true));
        assert_eq!(removed.reason, "清出目录原因");
        assert_eq!(removed.row.status, "delisted");
        // Out already: a recall changes it, but it is no new tombstone.
        assert_eq!(delta(&h, day(12)).unwrap().change, DayChange::Changed);
        // 22:00 UTC on the 4th is the 5th in China.
        let late = vec![version(4, 22, ChangeKind::Listed, ListingStatus::Listed)];
        assert!(delta(&late, day(4)).is_none());
        assert_eq!(delta(&late, day(5)).unwrap().change, DayChange::Added);
    }

    #[test]
    fn listed_and_delisted_the_same_day_is_a_tombstone() {
        let h = vec![
            version(3, 1, ChangeKind::Listed, ListingStatus::Listed),
            version(3, 2, ChangeKind::Withdrawn, ListingStatus::Withdrawn),
        ];
        let d = delta(&h, NaiveDate::from_ymd_opt(2026, 3, 3).unwrap()).unwrap();
        assert_eq!(d.change, DayChange::Removed);
        assert!(d.tombstone);
    }

    /// The history with the price and name corrected on the 9th, before the suspension.
    fn corrected_history() -> Vec<Version> {
        let mut h = history();
        let corrected = Version {
            unit_price_fen: 13_800,
            name: "紫阳富硒绿茶".into(),
            ..version(9, 0, ChangeKind::DetailsChanged, ListingStatus::Listed)
        };
        h.insert(2, corrected.clone());
        for later in &mut h[3..] {
            later.unit_price_fen = corrected.unit_price_fen;
            later.name = corrected.name.clone();
        }
        h
    }

    #[test]
    fn a_day_with_a_correction_says_which_fields_it_changed() {
        let h = corrected_history();
        let d = delta(&h, NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()).unwrap();
        let described: Vec<String> = d.changed_fields.iter().map(FieldChange::describe).collect();
        assert_eq!(
            described,
            ["产品名称：紫阳富硒茶 → 紫阳富硒绿茶", "单价（元）：128.50 → 138.00"]
        );
        let quiet = delta(&h, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap()).unwrap();
        assert!(quiet.changed_fields.is_empty(), "a recall changes no details");
        let first = delta(&h, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()).unwrap();
        assert!(first.changed_fields.is_empty(), "a listing is not a correction");
    }

    #[test]
    fn the_csv_columns_are_the_json_keys_in_order() {
        let h = corrected_history();
        let d = delta(&h, NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()).unwrap();
        assert!(!d.changed_fields.is_empty());
        let json = serde_json::to_value(&d).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut names = delta_header();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort_unstable();
        names.sort_unstable();
        assert_eq!(sorted_keys, names);
        assert_eq!(d.csv_fields().len(), delta_header().len());
        assert_eq!(d.row.csv_fields().len(), header().len());
        let fields = d.csv_fields();
        for (name, value) in delta_header().iter().zip(&fields) {
            let json_value = match &json[*name] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| format!("{}：{} → {}", i["label"].as_str().unwrap(), i["from"], i["to"]).replace('"', ""))
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.to_string(),
            };
            assert_eq!(&json_value, value, "column {name}");
        }
    }
}
