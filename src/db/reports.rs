//! The reporting unions' annual reports (附件1): versions, their rows, the office's round of a
//! year (deadline and the share it asks for poverty products), and the figures a report is
//! prefilled with.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::bundles::{SpendingError, SpendingResult};
use super::events::{Actor, NewEvent};
use super::organisations::{Organisation, reporting_unions};
use super::schema::{organisations, plans, report_rounds, report_rows, reports};
use super::{DbConnection, DbResult, now, transaction};
use crate::domain::report::{Expectations, ReportRow, ReportStatus, check, has_errors};
use crate::domain::spending::PlanStatus;
use crate::domain::{Action, OrgKind, Subject, region};

/// Until the office sets the year's share, reports are checked against this: the plan asks unions
/// to 预留一定采购额度 without a figure, and 30 % is the share most provinces named.
pub const DEFAULT_POVERTY_SHARE_PERCENT: i32 = 30;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRecord {
    pub id: i32,
    pub organisation_id: i32,
    pub year: i32,
    pub version: i32,
    pub status: String,
    pub filled_unit: String,
    pub filled_by: String,
    pub contact_phone: String,
    pub source: String,
    pub source_filename: Option<String>,
    pub return_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
}

impl ReportRecord {
    pub fn status(&self) -> ReportStatus {
        ReportStatus::parse(&self.status).unwrap_or(ReportStatus::Draft)
    }

    /// Counts as reported: submitted or accepted, not a draft and not sent back.
    pub fn is_reported(&self) -> bool {
        matches!(self.status(), ReportStatus::Submitted | ReportStatus::Accepted)
    }
}

/// The office's settings for one year's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub year: i32,
    pub deadline: NaiveDate,
    pub poverty_share_percent: i32,
    /// Whether the office has set it, or these are the defaults.
    pub set: bool,
}

impl Round {
    pub fn expectations(&self) -> Expectations {
        Expectations {
            poverty_share_percent: i64::from(self.poverty_share_percent),
        }
    }
}

/// The year's round; until the office sets one, the plan's deadline (30 June) and the default share.
pub fn round(conn: &mut DbConnection, year: i32) -> DbResult<Round> {
    let stored: Option<(NaiveDate, i32)> = report_rounds::table
        .find(year)
        .select((report_rounds::deadline, report_rounds::poverty_share_percent))
        .first(conn)
        .optional()?;
    Ok(match stored {
        Some((deadline, share)) => Round {
            year,
            deadline,
            poverty_share_percent: share,
            set: true,
        },
        None => Round {
            year,
            deadline: NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or_default(),
            poverty_share_percent: DEFAULT_POVERTY_SHARE_PERCENT,
            set: false,
        },
    })
}

pub fn set_round(conn: &mut DbConnection, year: i32, deadline: NaiveDate, share: i32, actor: &Actor) -> DbResult<()> {
    transaction(conn, |conn| {
        let at = now();
        let updated = diesel::update(report_rounds::table.find(year))
            .set((
                report_rounds::deadline.eq(deadline),
                report_rounds::poverty_share_percent.eq(share),
                report_rounds::updated_at.eq(at),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(report_rounds::table)
                .values((
                    report_rounds::year.eq(year),
                    report_rounds::deadline.eq(deadline),
                    report_rounds::poverty_share_percent.eq(share),
                    report_rounds::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        NewEvent::new(Subject::ReportRound, year, Action::SetDeadline, actor)
            .because(&format!("截止日期 {deadline}，扶贫产品采购比例 {share}%"))
            .record(conn)
    })
}

pub fn find(conn: &mut DbConnection, id: i32) -> DbResult<Option<ReportRecord>> {
    Ok(reports::table
        .find(id)
        .select(ReportRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Every version of a union's report for a year, newest first.
pub fn versions(conn: &mut DbConnection, org: i32, year: i32) -> DbResult<Vec<ReportRecord>> {
    Ok(reports::table
        .filter(reports::organisation_id.eq(org))
        .filter(reports::year.eq(year))
        .order(reports::version.desc())
        .select(ReportRecord::as_select())
        .load(conn)?)
}

pub fn rows_of(conn: &mut DbConnection, report: i32) -> DbResult<Vec<ReportRow>> {
    let rows: Vec<(String, i64, i64, i64, i64, i64, String)> = report_rows::table
        .filter(report_rows::report_id.eq(report))
        .order(report_rows::position)
        .select((
            report_rows::union_name,
            report_rows::grassroots_unions,
            report_rows::members,
            report_rows::festival_standard_yuan,
            report_rows::festival_total_yuan,
            report_rows::planned_poverty_yuan,
            report_rows::note,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(union_name, unions, members, standard, total, planned, note)| ReportRow {
                union_name,
                grassroots_unions: unions,
                members,
                festival_standard_yuan: standard,
                festival_total_yuan: total,
                planned_poverty_yuan: planned,
                note,
            },
        )
        .collect())
}

/// 填报单位, 填报人, 联系电话.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportHeader {
    pub filled_unit: String,
    pub filled_by: String,
    pub contact_phone: String,
}

/// How a draft's rows came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowSource {
    Form,
    Upload { filename: String },
    Prefill,
}

impl RowSource {
    fn stored(&self) -> (&'static str, Option<&str>) {
        match self {
            Self::Form => ("form", None),
            Self::Upload { filename } => ("upload", Some(filename)),
            Self::Prefill => ("prefill", None),
        }
    }
}

fn replace_rows(conn: &mut DbConnection, report: i32, rows: &[ReportRow]) -> DbResult<()> {
    diesel::delete(report_rows::table.filter(report_rows::report_id.eq(report))).execute(conn)?;
    let values: Vec<_> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                report_rows::report_id.eq(report),
                report_rows::position.eq(i as i32),
                report_rows::union_name.eq(r.union_name.trim()),
                report_rows::grassroots_unions.eq(r.grassroots_unions),
                report_rows::members.eq(r.members),
                report_rows::festival_standard_yuan.eq(r.festival_standard_yuan),
                report_rows::festival_total_yuan.eq(r.festival_total_yuan),
                report_rows::planned_poverty_yuan.eq(r.planned_poverty_yuan),
                report_rows::note.eq(r.note.trim()),
            )
        })
        .collect();
    // A few hundred rows at most per statement keeps within SQLite's bound-parameter limit.
    for chunk in values.chunks(500) {
        crate::batch_insert!(conn, report_rows::table, chunk)?;
    }
    Ok(())
}

/// Writes a draft: the union's current draft is replaced; with none, or after the office has
/// returned or accepted the last version, the next version is started. A submitted version waits
/// for the office and cannot be changed. Returns the draft's id. One transaction.
pub fn save_draft(
    conn: &mut DbConnection,
    org: i32,
    year: i32,
    header: &ReportHeader,
    rows: &[ReportRow],
    source: &RowSource,
    actor: &Actor,
) -> SpendingResult<i32> {
    transaction(conn, |conn| {
        let latest = versions(conn, org, year)?.into_iter().next();
        let (kind, filename) = source.stored();
        let at = now();
        let (id, action, from) = match &latest {
            Some(r) if r.status() == ReportStatus::Submitted => {
                return Err(SpendingError::Moved(format!(
                    "第 {} 版已上报，正等待省总工会审核，不能修改；如需更正，请等审核后新建更正版本。",
                    r.version
                )));
            }
            Some(r) if r.status() == ReportStatus::Draft => {
                diesel::update(reports::table.find(r.id))
                    .set((
                        reports::filled_unit.eq(header.filled_unit.trim()),
                        reports::filled_by.eq(header.filled_by.trim()),
                        reports::contact_phone.eq(header.contact_phone.trim()),
                        reports::source.eq(kind),
                        reports::source_filename.eq(filename),
                        reports::updated_at.eq(at),
                    ))
                    .execute(conn)?;
                let action = if matches!(source, RowSource::Upload { .. }) {
                    Action::Import
                } else {
                    Action::Edit
                };
                (r.id, action, None)
            }
            _ => {
                let version = latest.as_ref().map_or(1, |r| r.version + 1);
                let id: i32 = diesel::insert_into(reports::table)
                    .values((
                        reports::organisation_id.eq(org),
                        reports::year.eq(year),
                        reports::version.eq(version),
                        reports::status.eq(ReportStatus::Draft.as_str()),
                        reports::filled_unit.eq(header.filled_unit.trim()),
                        reports::filled_by.eq(header.filled_by.trim()),
                        reports::contact_phone.eq(header.contact_phone.trim()),
                        reports::source.eq(kind),
                        reports::source_filename.eq(filename),
                        reports::created_at.eq(at),
                        reports::updated_at.eq(at),
                    ))
                    .returning(reports::id)
                    .get_result(conn)?;
                let action = if latest.is_some() {
                    Action::Revise
                } else {
                    Action::Create
                };
                (id, action, latest.map(|r| r.version))
            }
        };
        replace_rows(conn, id, rows)?;
        let mut event =
            NewEvent::new(Subject::Report, id, action, actor).moved(None, Some(ReportStatus::Draft.as_str()));
        if let Some(previous) = from {
            event = event.because(&format!("由第 {previous} 版更正"));
        } else if let RowSource::Upload { filename } = source {
            event = event.because(&format!("上传“{filename}”，{} 行", rows.len()));
        }
        event.record(conn)?;
        Ok(id)
    })
}

/// Starts the next version from a returned or accepted one, with its rows.
pub fn revise(conn: &mut DbConnection, id: i32, org: i32, actor: &Actor) -> SpendingResult<i32> {
    transaction(conn, |conn| {
        let report = owned(conn, id, org)?;
        let latest = versions(conn, org, report.year)?.into_iter().next();
        if latest.as_ref().map(|r| r.id) != Some(id) {
            return Err(SpendingError::Moved(
                "这不是最新的一版，请在最新一版上更正。".to_owned(),
            ));
        }
        if !report.status().may_be_revised() {
            return Err(SpendingError::Moved(format!(
                "第 {} 版{}，不需要新建更正版本。",
                report.version,
                report.status().label()
            )));
        }
        let header = ReportHeader {
            filled_unit: report.filled_unit.clone(),
            filled_by: report.filled_by.clone(),
            contact_phone: report.contact_phone.clone(),
        };
        let rows = rows_of(conn, id)?;
        save_draft(conn, org, report.year, &header, &rows, &RowSource::Form, actor)
    })
}

fn owned(conn: &mut DbConnection, id: i32, org: i32) -> SpendingResult<ReportRecord> {
    find(conn, id)?
        .filter(|r| r.organisation_id == org)
        .ok_or_else(|| SpendingError::NotFound("没有这份统计表。".to_owned()))
}

fn move_report(
    conn: &mut DbConnection,
    report: &ReportRecord,
    to: ReportStatus,
    stamp: (Option<NaiveDateTime>, Option<NaiveDateTime>),
    reason: Option<&str>,
) -> SpendingResult<()> {
    let moved = diesel::update(
        reports::table
            .find(report.id)
            .filter(reports::status.eq(&report.status)),
    )
    .set((
        reports::status.eq(to.as_str()),
        reports::updated_at.eq(now()),
        reports::submitted_at.eq(stamp.0.or(report.submitted_at)),
        reports::decided_at.eq(stamp.1.or(report.decided_at)),
        reports::return_reason.eq(reason),
    ))
    .execute(conn)?;
    if moved == 0 {
        return Err(SpendingError::Moved(
            "这份统计表刚被他人处理过，请刷新页面后再试。".to_owned(),
        ));
    }
    Ok(())
}

/// Submits a draft to the office, if its checks find no error. The checks run inside the
/// transaction, on the rows as stored.
pub fn submit(conn: &mut DbConnection, id: i32, org: i32, expect: Expectations, actor: &Actor) -> SpendingResult<()> {
    transaction(conn, |conn| {
        let report = owned(conn, id, org)?;
        if report.status() != ReportStatus::Draft {
            return Err(SpendingError::Moved(format!(
                "第 {} 版{}，只有草稿可以上报。",
                report.version,
                report.status().label()
            )));
        }
        let missing: Vec<&str> = [
            ("填报单位", &report.filled_unit),
            ("填报人", &report.filled_by),
            ("联系电话", &report.contact_phone),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            return Err(SpendingError::Refused(format!(
                "请先填写{}，再上报。",
                missing.join("、")
            )));
        }
        let findings = check(&rows_of(conn, id)?, expect);
        if has_errors(&findings) {
            let errors = findings
                .iter()
                .filter(|f| f.severity == crate::domain::report::Severity::Error)
                .count();
            return Err(SpendingError::Refused(format!(
                "表中还有 {errors} 处错误（见各行标注），改正后才能上报。"
            )));
        }
        move_report(conn, &report, ReportStatus::Submitted, (Some(now()), None), None)?;
        NewEvent::new(Subject::Report, id, Action::Submit, actor)
            .moved(
                Some(ReportStatus::Draft.as_str()),
                Some(ReportStatus::Submitted.as_str()),
            )
            .record(conn)?;
        Ok(())
    })
}

/// The office's decision on a submitted report: accept it, or return it with the reason.
pub fn decide(conn: &mut DbConnection, id: i32, returned_because: Option<&str>, actor: &Actor) -> SpendingResult<()> {
    transaction(conn, |conn| {
        let report = find(conn, id)?.ok_or_else(|| SpendingError::NotFound("没有这份统计表。".to_owned()))?;
        if report.status() != ReportStatus::Submitted {
            return Err(SpendingError::Moved(format!(
                "第 {} 版{}，只有已上报的统计表可以采用或退回。",
                report.version,
                report.status().label()
            )));
        }
        let (to, action) = match returned_because {
            Some(_) => (ReportStatus::Returned, Action::Return),
            None => (ReportStatus::Accepted, Action::Accept),
        };
        move_report(conn, &report, to, (None, Some(now())), returned_because)?;
        let mut event = NewEvent::new(Subject::Report, id, action, actor)
            .moved(Some(ReportStatus::Submitted.as_str()), Some(to.as_str()));
        if let Some(reason) = returned_because {
            event = event.because(reason);
        }
        event.record(conn)?;
        Ok(())
    })
}

/// A grassroots union as a report counts it: id, name, county, members, per-person standard (fen).
type GrassrootsFigures = (i32, String, Option<String>, Option<i32>, Option<i64>);

/// The rows the system can fill in for a reporting union: a city union's grassroots unions
/// grouped by county (one row per county union), an industry or standalone union's one row per
/// grassroots union; members and the per-person standard from the unions' own records, and the
/// planned poverty spending from their confirmed plans for the year.
pub fn prefill_rows(conn: &mut DbConnection, reporter: &Organisation, year: i32) -> DbResult<Vec<ReportRow>> {
    let grassroots: Vec<GrassrootsFigures> = organisations::table
        .filter(organisations::parent_id.eq(reporter.id))
        .filter(organisations::kind.eq(OrgKind::GrassrootsUnion.as_str()))
        .order(organisations::name)
        .select((
            organisations::id,
            organisations::name,
            organisations::county_code,
            organisations::members,
            organisations::festival_standard_fen,
        ))
        .load(conn)?;
    let ids: Vec<i32> = grassroots.iter().map(|g| g.0).collect();
    let mut planned: BTreeMap<i32, i64> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let totals: Vec<(i32, Option<i64>)> = plans::table
            .filter(plans::organisation_id.eq_any(chunk))
            .filter(plans::year.eq(year))
            .filter(plans::status.eq(PlanStatus::Confirmed.as_str()))
            .select((plans::organisation_id, plans::total_fen))
            .load(conn)?;
        for (org, fen) in totals {
            *planned.entry(org).or_default() += fen.unwrap_or(0);
        }
    }
    let row_of = |name: String, members: i64, total: i64, planned_fen: i64, unions: i64| ReportRow {
        union_name: name,
        grassroots_unions: unions,
        members,
        festival_standard_yuan: if members > 0 {
            (total + members / 2) / members
        } else {
            0
        },
        festival_total_yuan: total,
        planned_poverty_yuan: (planned_fen + 50) / 100,
        note: String::new(),
    };
    let yuan = |fen: Option<i64>| (fen.unwrap_or(0) + 50) / 100;
    if reporter.kind() != Some(OrgKind::CityUnion) {
        return Ok(grassroots
            .into_iter()
            .map(|(id, name, _, members, standard)| {
                let members = i64::from(members.unwrap_or(0));
                let planned_fen = planned.get(&id).copied().unwrap_or(0);
                row_of(name, members, members * yuan(standard), planned_fen, 1)
            })
            .collect());
    }
    // A city union reports one row per county union, counting the grassroots unions in it.
    let mut by_county: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for (id, _, county, members, standard) in grassroots {
        let members = i64::from(members.unwrap_or(0));
        let entry = by_county.entry(county.unwrap_or_default()).or_default();
        entry.0 += 1;
        entry.1 += members;
        entry.2 += members * yuan(standard);
        entry.3 += planned.get(&id).copied().unwrap_or(0);
    }
    let county_unions: Vec<(Option<String>, String)> = organisations::table
        .filter(organisations::kind.eq(OrgKind::CountyUnion.as_str()))
        .filter(organisations::city_code.eq(reporter.city_code.clone().unwrap_or_default()))
        .select((organisations::county_code, organisations::name))
        .load(conn)?;
    Ok(by_county
        .into_iter()
        .map(|(county, (unions, members, total, planned_fen))| {
            let name = county_unions
                .iter()
                .find(|(c, _)| c.as_deref() == Some(county.as_str()))
                .map(|(_, n)| n.clone())
                .or_else(|| region::county(&county).map(|c| format!("{}总工会", c.name)))
                .unwrap_or_else(|| format!("{}直属基层工会", reporter.name));
            row_of(name, members, total, planned_fen, unions)
        })
        .collect())
}

/// A reporting union and where its report for the year stands.
#[derive(Debug, Clone)]
pub struct UnionReportStatus {
    pub union: Organisation,
    /// The newest version, whatever its state.
    pub latest: Option<ReportRecord>,
    /// The newest version with the office or accepted. A draft or a returned version does not
    /// count as reported; a correction under way leaves the earlier accepted version standing.
    pub reported: Option<ReportRecord>,
}

/// Every reporting union with its newest version for the year, in kind and name order.
pub fn statuses(conn: &mut DbConnection, year: i32) -> DbResult<Vec<UnionReportStatus>> {
    let all: Vec<ReportRecord> = reports::table
        .filter(reports::year.eq(year))
        .order((reports::organisation_id, reports::version.desc()))
        .select(ReportRecord::as_select())
        .load(conn)?;
    let mut latest: BTreeMap<i32, ReportRecord> = BTreeMap::new();
    let mut reported: BTreeMap<i32, ReportRecord> = BTreeMap::new();
    for r in all {
        if r.is_reported() && !reported.contains_key(&r.organisation_id) {
            reported.insert(r.organisation_id, r.clone());
        }
        latest.entry(r.organisation_id).or_insert(r);
    }
    Ok(reporting_unions(conn)?
        .into_iter()
        .map(|union| UnionReportStatus {
            latest: latest.remove(&union.id),
            reported: reported.remove(&union.id),
            union,
        })
        .collect())
}

/// The version of each union that stands for the year in the province's figures: the newest that
/// is submitted or accepted.
pub fn standing_reports(conn: &mut DbConnection, year: i32) -> DbResult<Vec<(Organisation, ReportRecord)>> {
    let reported: Vec<ReportRecord> = reports::table
        .filter(reports::year.eq(year))
        .filter(reports::status.eq_any([ReportStatus::Submitted.as_str(), ReportStatus::Accepted.as_str()]))
        .order((reports::organisation_id, reports::version.desc()))
        .select(ReportRecord::as_select())
        .load(conn)?;
    let mut newest: BTreeMap<i32, ReportRecord> = BTreeMap::new();
    for r in reported {
        newest.entry(r.organisation_id).or_insert(r);
    }
    Ok(reporting_unions(conn)?
        .into_iter()
        .filter_map(|union| newest.remove(&union.id).map(|r| (union, r)))
        .collect())
}

/// Each reporting union's planned poverty spending for the year (whole yuan), from the version of
/// its report that stands.
pub fn planned_by_union(conn: &mut DbConnection, year: i32) -> DbResult<Vec<(i32, i64)>> {
    let standing: Vec<(i32, i32)> = standing_reports(conn, year)?
        .into_iter()
        .map(|(union, report)| (union.id, report.id))
        .collect();
    let ids: Vec<i32> = standing.iter().map(|(_, r)| *r).collect();
    let mut sums: BTreeMap<i32, i64> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i32, i64)> = report_rows::table
            .filter(report_rows::report_id.eq_any(chunk))
            .select((report_rows::report_id, report_rows::planned_poverty_yuan))
            .load(conn)?;
        for (report, planned) in rows {
            *sums.entry(report).or_default() += planned;
        }
    }
    Ok(standing
        .into_iter()
        .map(|(union, report)| (union, sums.get(&report).copied().unwrap_or(0)))
        .collect())
}
