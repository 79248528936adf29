//! The annual report (附件1 全省工会消费扶贫情况统计表): filled in online or uploaded by each
//! reporting union, checked row by row, submitted, and accepted or returned by the office, which
//! sets the deadline and sees who has not reported.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::forms::{YearQuery, checked_year};
use super::nav::Nav;
use super::nominations::HistoryLine;
use super::render::xlsx_attachment;
use super::scans::china_today;
use super::upload::{self, SHEET_LIMITS};
use super::{State, render, render_with, see_other};
use crate::auth::{Office, Reporter, UnionManager};
use crate::db::bundles::SpendingError;
use crate::db::events;
use crate::db::organisations::Organisation;
use crate::db::reports::{self, ReportHeader, ReportRecord, Round, RowSource};
use crate::domain::report::{
    Finding, ReportColumn, ReportRow, ReportStatus, Severity, check, parse_wan, parse_whole, totals, wan,
};
use crate::domain::time::china_time;
use crate::domain::{OrgKind, Subject};
use crate::error::AppError;
use crate::sheet::{self, Attachment1, Attachment1Part};
use crate::telemetry::spawn_blocking_in_span;

/// Blank rows offered below a draft's rows, for adding unions.
const BLANK_ROWS: usize = 3;

/// A row as the page shows and edits it: the form's units (万 where the form has 万), and what
/// the checks found on it.
#[derive(Debug, Clone, Default)]
pub struct RowView {
    pub no: usize,
    pub name: String,
    pub unions: String,
    pub members: String,
    pub standard: String,
    pub total: String,
    pub planned: String,
    pub note: String,
    pub findings: Vec<FindingView>,
    pub worst: &'static str,
}

#[derive(Debug, Clone)]
pub struct FindingView {
    pub class: &'static str,
    pub label: &'static str,
    pub text: String,
}

impl FindingView {
    fn of(f: &Finding) -> Self {
        FindingView {
            class: severity_class(f.severity),
            label: f.severity.label(),
            text: match f.column {
                Some(c) => format!("“{}”{}", c.heading(), f.message),
                None => f.message.clone(),
            },
        }
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

impl RowView {
    fn of(no: usize, r: &ReportRow) -> Self {
        RowView {
            no,
            name: r.union_name.clone(),
            unions: r.grassroots_unions.to_string(),
            members: wan(r.members),
            standard: r.festival_standard_yuan.to_string(),
            total: wan(r.festival_total_yuan),
            planned: wan(r.planned_poverty_yuan),
            note: r.note.clone(),
            findings: Vec::new(),
            worst: "",
        }
    }

    fn with_findings(mut self, findings: &[Finding], index: usize) -> Self {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.row == Some(index)).collect();
        self.worst = mine.iter().map(|f| f.severity).max().map(severity_class).unwrap_or("");
        self.findings = mine.into_iter().map(FindingView::of).collect();
        self
    }
}

fn views(rows: &[ReportRow], findings: &[Finding]) -> Vec<RowView> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| RowView::of(i + 1, r).with_findings(findings, i))
        .collect()
}

pub struct VersionView {
    pub id: i32,
    pub version: i32,
    pub status: &'static str,
    pub status_class: &'static str,
    pub updated: String,
    pub source: &'static str,
}

impl From<&ReportRecord> for VersionView {
    fn from(r: &ReportRecord) -> Self {
        VersionView {
            id: r.id,
            version: r.version,
            status: r.status().label(),
            status_class: r.status().as_str(),
            updated: china_time(r.updated_at),
            source: match r.source.as_str() {
                "upload" => "上传表格",
                "prefill" => "系统预填",
                _ => "在线填报",
            },
        }
    }
}

pub struct RoundView {
    pub year: i32,
    pub deadline: String,
    pub share: i32,
    pub set: bool,
    /// 还有 3 天 / 今天截止 / 已过截止日期 5 天
    pub when: String,
    pub overdue: bool,
}

impl From<&Round> for RoundView {
    fn from(r: &Round) -> Self {
        let days = (r.deadline - china_today()).num_days();
        RoundView {
            year: r.year,
            deadline: r.deadline.to_string(),
            share: r.poverty_share_percent,
            set: r.set,
            when: match days {
                d if d > 0 => format!("还有 {d} 天"),
                0 => "今天截止".to_owned(),
                d => format!("已过截止日期 {} 天", -d),
            },
            overdue: days < 0,
        }
    }
}

#[derive(Template)]
#[template(path = "reports/reporter.html")]
struct ReporterPage {
    nav: Nav,
    org_name: String,
    round: RoundView,
    years: Vec<i32>,
    current: Option<VersionView>,
    report_id: i32,
    editable: bool,
    may_revise: bool,
    return_reason: String,
    header: ReportHeader,
    rows: Vec<RowView>,
    total: RowView,
    report_findings: Vec<FindingView>,
    errors: usize,
    warnings: usize,
    versions: Vec<VersionView>,
    messages: Vec<String>,
}

/// Why a change was refused, and the form as it was typed when there was one.
type Refused = (Vec<String>, Option<(ReportHeader, Vec<RowView>)>);

/// What a reporting union's page shows for the year, with the messages of a refused change and
/// the rows as typed when a form was refused.
async fn reporter_page(
    state: &State,
    user: &Reporter,
    nav: Nav,
    year: i32,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let org = user.org_id;
    let (round, versions, rows) = state
        .db(move |conn| -> Result<_, AppError> {
            let round = reports::round(conn, year)?;
            let versions = reports::versions(conn, org, year)?;
            let rows = match versions.first() {
                Some(r) => reports::rows_of(conn, r.id)?,
                None => Vec::new(),
            };
            Ok((round, versions, rows))
        })
        .await?;
    let latest = versions.first();
    let status = latest.map(ReportRecord::status);
    let findings = if latest.is_some() {
        check(&rows, round.expectations())
    } else {
        Vec::new()
    };
    let editable = status.is_some_and(ReportStatus::editable);
    let (messages, typed) = refused.unwrap_or_default();
    let (header, mut row_views) = match typed {
        Some((header, rows)) => (header, rows),
        None => (
            latest
                .map(|r| ReportHeader {
                    filled_unit: r.filled_unit.clone(),
                    filled_by: r.filled_by.clone(),
                    contact_phone: r.contact_phone.clone(),
                })
                .unwrap_or_default(),
            views(&rows, &findings),
        ),
    };
    if editable {
        let next = row_views.len();
        row_views.extend((0..BLANK_ROWS).map(|i| RowView {
            no: next + i + 1,
            ..RowView::default()
        }));
    }
    let this_year = china_today().year();
    let page = ReporterPage {
        nav,
        org_name: user.org_name.clone(),
        round: RoundView::from(&round),
        years: (2020..=this_year.max(year)).rev().collect(),
        current: latest.map(VersionView::from),
        report_id: latest.map_or(0, |r| r.id),
        editable,
        may_revise: status.is_some_and(ReportStatus::may_be_revised),
        return_reason: latest.and_then(|r| r.return_reason.clone()).unwrap_or_default(),
        header,
        total: RowView::of(0, &totals(&rows)),
        rows: row_views,
        report_findings: findings
            .iter()
            .filter(|f| f.row.is_none())
            .map(FindingView::of)
            .collect(),
        errors: findings.iter().filter(|f| f.severity == Severity::Error).count(),
        warnings: findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        versions: versions.iter().map(VersionView::from).collect(),
        messages,
    };
    let status = if page.messages.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_with(status, &page)
}

/// `/reports`: the reporting union's report for the year.
pub async fn mine(
    state: State,
    user: Reporter,
    nav: Nav,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = query.year()?;
    reporter_page(&state, &user, nav, year, None).await
}

fn default_header(user: &Reporter, org: &Organisation) -> ReportHeader {
    ReportHeader {
        filled_unit: org.name.clone(),
        filled_by: user.display_name.clone(),
        contact_phone: org.contact_phone.clone().unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    from: String,
}

/// Starts the year's report: prefilled from the system's own figures, or blank.
pub async fn start(
    state: State,
    user: Reporter,
    path: web::Path<i32>,
    form: web::Form<StartForm>,
) -> Result<HttpResponse, AppError> {
    let year = checked_year(path.into_inner())?;
    let prefill = match form.from.as_str() {
        "system" => true,
        "blank" => false,
        other => return Err(AppError::BadRequest(format!("“{other}”不是可选的填报方式。"))),
    };
    let (org_id, actor, reporter) = (user.org_id, user.actor(), user.clone());
    state
        .db(move |conn| -> Result<_, AppError> {
            let org = Organisation::find(conn, org_id)?;
            let rows = if prefill {
                reports::prefill_rows(conn, &org, year)?
            } else {
                Vec::new()
            };
            let source = if prefill { RowSource::Prefill } else { RowSource::Form };
            if !reports::versions(conn, org_id, year)?.is_empty() {
                return Err(AppError::Conflict("本年度已经有统计表了，请在下面修改。".to_owned()));
            }
            reports::save_draft(
                conn,
                org_id,
                year,
                &default_header(&reporter, &org),
                &rows,
                &source,
                &actor,
            )?;
            Ok(())
        })
        .await?;
    Ok(see_other(&format!("/reports?year={year}")))
}

/// The draft's table as the form sends it: one value per row for each column, in order.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TableForm {
    filled_unit: String,
    filled_by: String,
    contact_phone: String,
    name: Vec<String>,
    unions: Vec<String>,
    members: Vec<String>,
    standard: Vec<String>,
    total: Vec<String>,
    planned: Vec<String>,
    note: Vec<String>,
}

impl TableForm {
    fn header(&self) -> ReportHeader {
        ReportHeader {
            filled_unit: self.filled_unit.trim().to_owned(),
            filled_by: self.filled_by.trim().to_owned(),
            contact_phone: self.contact_phone.trim().to_owned(),
        }
    }

    /// The rows as typed, for showing them again.
    fn typed(&self) -> Vec<RowView> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..self.name.len())
            .map(|i| RowView {
                no: i + 1,
                name: at(&self.name, i),
                unions: at(&self.unions, i),
                members: at(&self.members, i),
                standard: at(&self.standard, i),
                total: at(&self.total, i),
                planned: at(&self.planned, i),
                note: at(&self.note, i),
                findings: Vec::new(),
                worst: "",
            })
            .collect()
    }

    /// Reads every row; a row left wholly blank is dropped (that is how a row is removed).
    /// Every unreadable cell is named by row and column.
    fn rows(&self) -> Result<Vec<ReportRow>, (Vec<String>, Vec<RowView>)> {
        let mut typed = self.typed();
        let mut errors = Vec::new();
        let mut rows = Vec::new();
        let too_long = |s: &str, max: usize| s.chars().count() > max;
        for (i, view) in typed.iter_mut().enumerate() {
            let cells = [
                &view.name,
                &view.unions,
                &view.members,
                &view.standard,
                &view.total,
                &view.planned,
                &view.note,
            ];
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut bad = |column: ReportColumn, message: String| {
                view.findings.push(FindingView {
                    class: "error",
                    label: "错误",
                    text: format!("“{}”{message}", column.heading()),
                });
                view.worst = "error";
                errors.push(format!("第 {} 行“{}”：{message}", i + 1, column.heading()));
            };
            if too_long(&view.name, 100) {
                bad(ReportColumn::UnionName, "最多 100 个字。".to_owned());
            }
            if too_long(&view.note, 200) {
                bad(ReportColumn::Note, "最多 200 个字。".to_owned());
            }
            let mut read = |column: ReportColumn, result: Result<i64, String>| {
                result.map_err(|e| bad(column, format!("{e}。"))).unwrap_or(0)
            };
            let row = ReportRow {
                union_name: view.name.trim().to_owned(),
                grassroots_unions: read(ReportColumn::GrassrootsUnions, parse_whole(&view.unions, "个")),
                members: read(ReportColumn::Members, parse_wan(&view.members)),
                festival_standard_yuan: read(ReportColumn::FestivalStandard, parse_whole(&view.standard, "元")),
                festival_total_yuan: read(ReportColumn::FestivalTotal, parse_wan(&view.total)),
                planned_poverty_yuan: read(ReportColumn::PlannedPoverty, parse_wan(&view.planned)),
                note: view.note.trim().to_owned(),
            };
            rows.push(row);
        }
        if errors.is_empty() {
            Ok(rows)
        } else {
            Err((errors, typed))
        }
    }
}

fn header_errors(header: &ReportHeader) -> Vec<String> {
    let mut errors = Vec::new();
    for (label, value, max) in [
        ("填报单位", &header.filled_unit, 100),
        ("填报人", &header.filled_by, 50),
        ("联系电话", &header.contact_phone, 30),
    ] {
        if value.chars().count() > max {
            errors.push(format!("{label}最多 {max} 个字。"));
        }
    }
    errors
}

/// More rows than this in one report is refused: a city has a dozen counties, an industry union
/// a few thousand grassroots unions at most.
const MAX_ROWS: usize = 5_000;

/// Saves the draft's table as typed. A cell that cannot be read refuses the whole form, naming
/// each cell, and shows the form again as it was typed; nothing is written.
pub async fn save(
    state: State,
    user: Reporter,
    nav: Nav,
    path: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let year = checked_year(path.into_inner())?;
    let form: TableForm =
        serde_html_form::from_bytes(&body).map_err(|e| AppError::BadRequest(format!("表单内容有误：{e}")))?;
    let header = form.header();
    let mut errors = header_errors(&header);
    if form.name.len() > MAX_ROWS {
        errors.push(format!("一张表最多 {MAX_ROWS} 行。"));
    }
    let rows = match form.rows() {
        Ok(rows) if errors.is_empty() => rows,
        Ok(_) => return reporter_page(&state, &user, nav, year, Some((errors, Some((header, form.typed()))))).await,
        Err((mut cell_errors, typed)) => {
            errors.append(&mut cell_errors);
            return reporter_page(&state, &user, nav, year, Some((errors, Some((header, typed))))).await;
        }
    };
    let (org, actor) = (user.org_id, user.actor());
    let saved = state
        .db(move |conn| -> Result<_, AppError> {
            let latest = reports::versions(conn, org, year)?.into_iter().next();
            if !latest.as_ref().is_some_and(|r| r.status().editable()) {
                return Err(AppError::Conflict(
                    "没有可修改的草稿：已上报的统计表不能修改，已退回或已采用的请先新建更正版本。".to_owned(),
                ));
            }
            Ok(reports::save_draft(
                conn,
                org,
                year,
                &header,
                &rows,
                &RowSource::Form,
                &actor,
            )?)
        })
        .await;
    saved?;
    Ok(see_other(&format!("/reports?year={year}#table")))
}

/// Takes the spreadsheet the union already keeps as the year's draft: read as tolerantly as the
/// nomination import, every problem by row and column, all or nothing.
pub async fn upload(
    state: State,
    user: Reporter,
    nav: Nav,
    req: HttpRequest,
    path: web::Path<i32>,
    body: Multipart,
) -> Result<HttpResponse, AppError> {
    let year = checked_year(path.into_inner())?;
    upload::refuse_declared_length(&req, SHEET_LIMITS)?;
    let form = upload::read_upload(body, SHEET_LIMITS).await?;
    let (filename, bytes) = (form.filename, form.file);
    if bytes.is_empty() {
        let message = "没有收到文件，或文件是空的。请选择要上传的表格。".to_owned();
        return reporter_page(&state, &user, nav, year, Some((vec![message], None))).await;
    }
    let name = filename.clone();
    let parsed = spawn_blocking_in_span(move || sheet::parse_report_sheet(&bytes, &name)).await?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => return reporter_page(&state, &user, nav, year, Some((e.lines(), None))).await,
    };
    let (org_id, actor, reporter) = (user.org_id, user.actor(), user.clone());
    state
        .db(move |conn| -> Result<_, AppError> {
            let org = Organisation::find(conn, org_id)?;
            let latest = reports::versions(conn, org_id, year)?.into_iter().next();
            let fallback = latest
                .map(|r| ReportHeader {
                    filled_unit: r.filled_unit,
                    filled_by: r.filled_by,
                    contact_phone: r.contact_phone,
                })
                .unwrap_or_else(|| default_header(&reporter, &org));
            let header = ReportHeader {
                filled_unit: parsed.filled_unit.clone().unwrap_or(fallback.filled_unit),
                filled_by: parsed.filled_by.clone().unwrap_or(fallback.filled_by),
                contact_phone: parsed.contact_phone.clone().unwrap_or(fallback.contact_phone),
            };
            let rows: Vec<ReportRow> = parsed.rows.iter().map(|(_, r)| r.clone()).collect();
            let source = RowSource::Upload { filename };
            Ok(reports::save_draft(
                conn, org_id, year, &header, &rows, &source, &actor,
            )?)
        })
        .await?;
    Ok(see_other(&format!("/reports?year={year}#table")))
}

/// Submits the draft to the office; refused while any row has an error.
pub async fn submit(state: State, user: Reporter, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (org, actor) = (user.org_id, user.actor());
    let year = state
        .db(move |conn| -> Result<_, AppError> {
            let report = reports::find(conn, id)?
                .filter(|r| r.organisation_id == org)
                .ok_or_else(|| AppError::NotFound("没有这份统计表。".to_owned()))?;
            let round = reports::round(conn, report.year)?;
            reports::submit(conn, id, org, round.expectations(), &actor).map_err(|e| match e {
                SpendingError::Refused(m) => AppError::BadRequest(m),
                other => other.into(),
            })?;
            Ok(report.year)
        })
        .await?;
    Ok(see_other(&format!("/reports?year={year}")))
}

/// Starts a correction: the next version, a draft with the rows of the returned or accepted one.
pub async fn revise(state: State, user: Reporter, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (org, actor) = (user.org_id, user.actor());
    let year = state
        .db(move |conn| -> Result<_, AppError> {
            reports::revise(conn, id, org, &actor)?;
            Ok(reports::find(conn, id)?.map_or(0, |r| r.year))
        })
        .await?;
    Ok(see_other(&format!("/reports?year={year}#table")))
}

/// A report the caller may see: the office every one, a reporting union its own.
async fn visible(state: &State, user: &UnionManager, id: i32) -> Result<(ReportRecord, Organisation), AppError> {
    let (org, is_office) = (user.org_id, user.kind == OrgKind::Office);
    state
        .db(move |conn| -> Result<_, AppError> {
            let report = reports::find(conn, id)?
                .filter(|r| is_office || r.organisation_id == org)
                .ok_or_else(|| AppError::NotFound("没有这份统计表。".to_owned()))?;
            let union = Organisation::find(conn, report.organisation_id)?;
            Ok((report, union))
        })
        .await
}

#[derive(Template)]
#[template(path = "reports/page.html")]
struct ReportPage {
    nav: Nav,
    union_name: String,
    year: i32,
    version: VersionView,
    report_id: i32,
    is_office: bool,
    may_decide: bool,
    is_latest: bool,
    return_reason: String,
    share: i32,
    header: ReportHeader,
    rows: Vec<RowView>,
    total: RowView,
    errors: usize,
    warnings: usize,
    submitted: String,
    history: Vec<HistoryLine>,
}

/// One version of a report: its rows with their findings, and its history.
pub async fn page(state: State, user: UnionManager, nav: Nav, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (report, union) = visible(&state, &user, id).await?;
    let (year, org) = (report.year, report.organisation_id);
    let (round, rows, history, newest) = state
        .db(move |conn| -> Result<_, AppError> {
            let history: Vec<HistoryLine> = events::history(conn, Subject::Report, id)?
                .iter()
                .map(|e| HistoryLine::from_event(e, ""))
                .collect();
            let newest = reports::versions(conn, org, year)?.first().map(|r| r.id);
            Ok((
                reports::round(conn, year)?,
                reports::rows_of(conn, id)?,
                history,
                newest,
            ))
        })
        .await?;
    let findings = check(&rows, round.expectations());
    let is_office = user.kind == OrgKind::Office;
    render(&ReportPage {
        nav,
        union_name: union.name,
        year,
        version: VersionView::from(&report),
        report_id: id,
        is_office,
        may_decide: is_office && report.status() == ReportStatus::Submitted,
        is_latest: newest == Some(id),
        return_reason: report.return_reason.clone().unwrap_or_default(),
        share: round.poverty_share_percent,
        header: ReportHeader {
            filled_unit: report.filled_unit.clone(),
            filled_by: report.filled_by.clone(),
            contact_phone: report.contact_phone.clone(),
        },
        total: RowView::of(0, &totals(&rows)),
        errors: findings.iter().filter(|f| f.severity == Severity::Error).count(),
        warnings: findings.iter().filter(|f| f.severity == Severity::Warning).count(),
        rows: views(&rows, &findings),
        submitted: report.submitted_at.map(china_time).unwrap_or_default(),
        history,
    })
}

/// The report as the official Attachment 1 spreadsheet.
pub async fn export(state: State, user: UnionManager, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (report, union) = visible(&state, &user, id).await?;
    let rows = state.db(move |conn| reports::rows_of(conn, id)).await?;
    let sheet = Attachment1 {
        year: report.year,
        filled_unit: report.filled_unit.clone(),
        filled_by: report.filled_by.clone(),
        contact_phone: report.contact_phone.clone(),
        parts: vec![Attachment1Part {
            reporting_union: union.name.clone(),
            rows,
        }],
    };
    let bytes = spawn_blocking_in_span(move || sheet::report_xlsx(&sheet))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = format!(
        "{}{}年度消费扶贫情况统计表（第{}版）",
        union.name, report.year, report.version
    );
    Ok(xlsx_attachment(&name, bytes))
}

/// The blank form for the year, prefilled with the system's figures, to fill in offline.
pub async fn template(state: State, user: Reporter, query: web::Query<YearQuery>) -> Result<HttpResponse, AppError> {
    let year = query.year()?;
    let (org_id, reporter) = (user.org_id, user.clone());
    let (org, rows) = state
        .db(move |conn| -> Result<_, AppError> {
            let org = Organisation::find(conn, org_id)?;
            let rows = reports::prefill_rows(conn, &org, year)?;
            Ok((org, rows))
        })
        .await?;
    let header = default_header(&reporter, &org);
    let sheet = Attachment1 {
        year,
        filled_unit: header.filled_unit,
        filled_by: header.filled_by,
        contact_phone: header.contact_phone,
        parts: vec![Attachment1Part {
            reporting_union: org.name.clone(),
            rows,
        }],
    };
    let bytes = spawn_blocking_in_span(move || sheet::report_xlsx(&sheet))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_attachment(
        &format!("{}{year}年度消费扶贫情况统计表", org.name),
        bytes,
    ))
}

/// The office accepts a submitted report.
pub async fn accept(state: State, office: Office, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = office.actor();
    state
        .db(move |conn| -> Result<_, AppError> { Ok(reports::decide(conn, id, None, &actor)?) })
        .await?;
    Ok(see_other(&format!("/reports/{id}")))
}

/// The office returns a submitted report with the reason.
pub async fn send_back(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<super::forms::ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reason = super::forms::required_reason("退回", &form.reason)?;
    let actor = office.actor();
    state
        .db(move |conn| -> Result<_, AppError> { Ok(reports::decide(conn, id, Some(&reason), &actor)?) })
        .await?;
    Ok(see_other(&format!("/reports/{id}")))
}

pub struct UnionStatusView {
    pub name: String,
    pub kind: &'static str,
    pub status: String,
    pub status_class: &'static str,
    pub latest_id: Option<i32>,
    pub reported: bool,
    pub submitted: String,
    pub contact: String,
}

#[derive(Template)]
#[template(path = "reports/office.html")]
struct OfficePage {
    nav: Nav,
    round: RoundView,
    years: Vec<i32>,
    unions: Vec<UnionStatusView>,
    reported: usize,
    waiting: usize,
}

/// Who has reported for the year, who is waiting for a decision, and who has not reported.
pub async fn office_list(
    state: State,
    _office: Office,
    nav: Nav,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let year = query.year()?;
    let (round, statuses) = state
        .db(move |conn| -> Result<_, AppError> { Ok((reports::round(conn, year)?, reports::statuses(conn, year)?)) })
        .await?;
    let unions: Vec<UnionStatusView> = statuses
        .iter()
        .map(|s| {
            let latest = s.latest.as_ref();
            let status = match (latest, &s.reported) {
                (None, _) => "未填报".to_owned(),
                (Some(l), Some(r)) if l.id != r.id => {
                    format!("第 {} 版{}，第 {} 版更正中", r.version, r.status().label(), l.version)
                }
                (Some(l), _) => format!("第 {} 版{}", l.version, l.status().label()),
            };
            UnionStatusView {
                name: s.union.name.clone(),
                kind: s.union.kind().map_or("", OrgKind::label),
                status,
                status_class: latest.map_or("missing", |l| l.status().as_str()),
                latest_id: latest.map(|l| l.id),
                reported: s.reported.is_some(),
                submitted: s
                    .reported
                    .as_ref()
                    .and_then(|r| r.submitted_at)
                    .map(china_time)
                    .unwrap_or_default(),
                contact: format!(
                    "{} {}",
                    s.union.contact_name.clone().unwrap_or_default(),
                    s.union.contact_phone.clone().unwrap_or_default()
                )
                .trim()
                .to_owned(),
            }
        })
        .collect();
    let this_year = china_today().year();
    render(&OfficePage {
        nav,
        round: RoundView::from(&round),
        years: (2020..=this_year.max(year) + 1).rev().collect(),
        reported: unions.iter().filter(|u| u.reported).count(),
        waiting: statuses
            .iter()
            .filter(|s| s.latest.as_ref().is_some_and(|l| l.status() == ReportStatus::Submitted))
            .count(),
        unions,
    })
}

#[derive(Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    share: String,
}

/// The office sets the year's deadline and the share of the festival total it asks for.
pub async fn set_round(
    state: State,
    office: Office,
    path: web::Path<i32>,
    form: web::Form<RoundForm>,
) -> Result<HttpResponse, AppError> {
    let year = checked_year(path.into_inner())?;
    let deadline = NaiveDate::parse_from_str(form.deadline.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::BadRequest(format!(
            "截止日期“{}”无效，应为 2020-06-30 这样的格式。",
            form.deadline.trim()
        ))
    })?;
    let share = form
        .share
        .trim()
        .trim_end_matches('%')
        .parse::<i32>()
        .ok()
        .filter(|s| (0..=100).contains(s))
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "扶贫产品采购比例“{}”应为 0 到 100 之间的整数（百分比）。",
                form.share.trim()
            ))
        })?;
    let actor = office.actor();
    state
        .db(move |conn| reports::set_round(conn, year, deadline, share, &actor))
        .await?;
    Ok(see_other(&format!("/office/reports?year={year}")))
}

/// The reporting unions that have not reported for the year, with their contacts, to chase.
pub async fn missing_export(state: State, _office: Office, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let year = checked_year(path.into_inner())?;
    let (round, statuses) = state
        .db(move |conn| -> Result<_, AppError> { Ok((reports::round(conn, year)?, reports::statuses(conn, year)?)) })
        .await?;
    let missing: Vec<sheet::MissingReport> = statuses
        .into_iter()
        .filter(|s| s.reported.is_none())
        .map(|s| sheet::MissingReport {
            status: s.latest.as_ref().map_or("未填报", |l| l.status().label()).to_owned(),
            kind: s.union.kind().map_or("", OrgKind::label).to_owned(),
            contact_name: s.union.contact_name.clone().unwrap_or_default(),
            contact_phone: s.union.contact_phone.clone().unwrap_or_default(),
            name: s.union.name,
        })
        .collect();
    let title = format!("截至 {} 未上报{year}年度消费扶贫情况统计表的单位", china_today());
    let deadline = round.deadline;
    let bytes = spawn_blocking_in_span(move || sheet::missing_reports_xlsx(&title, deadline, &missing))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_attachment(&format!("{year}年度未上报单位"), bytes))
}

/// Attachment 1 for the whole province: every reporting union's standing report, with its
/// subtotal, and the grand total.
pub async fn province_export(state: State, _office: Office, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let year = checked_year(path.into_inner())?;
    let parts = state
        .db(move |conn| -> Result<_, AppError> {
            reports::standing_reports(conn, year)?
                .into_iter()
                .map(|(union, report)| {
                    Ok(Attachment1Part {
                        reporting_union: union.name,
                        rows: reports::rows_of(conn, report.id)?,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    let sheet = Attachment1 {
        year,
        filled_unit: crate::demo::OFFICE_NAME.to_owned(),
        filled_by: String::new(),
        contact_phone: String::new(),
        parts,
    };
    let bytes = spawn_blocking_in_span(move || sheet::report_xlsx(&sheet))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(xlsx_attachment(&format!("{year}年度全省工会消费扶贫情况统计表"), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::has_errors;

    fn form(pairs: &[(&str, &str)]) -> TableForm {
        let body = serde_urlencoded::to_string(pairs).unwrap();
        serde_html_form::from_bytes(body.as_bytes()).unwrap()
    }

    #[test]
    fn the_table_form_reads_rows_in_the_forms_units_and_drops_blank_ones() {
        let f = form(&[
            ("name", "汉滨区总工会"),
            ("unions", "120"),
            ("members", "1.5"),
            ("standard", "1200"),
            ("total", "1800"),
            ("planned", "600"),
            ("note", ""),
            ("name", ""),
            ("unions", ""),
            ("members", ""),
            ("standard", ""),
            ("total", ""),
            ("planned", ""),
            ("note", ""),
        ]);
        let rows = f.rows().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (
                rows[0].members,
                rows[0].festival_total_yuan,
                rows[0].planned_poverty_yuan
            ),
            (15_000, 18_000_000, 6_000_000)
        );
        assert!(!has_errors(&check(
            &rows,
            crate::domain::report::Expectations {
                poverty_share_percent: 30
            }
        )));
    }

    #[test]
    fn an_unreadable_cell_is_named_by_row_and_column_and_the_typing_is_kept() {
        let f = form(&[
            ("name", "甲"),
            ("unions", "三个"),
            ("members", "1"),
            ("standard", "1000"),
            ("total", "1000"),
            ("planned", "300"),
            ("note", ""),
        ]);
        let (errors, typed) = f.rows().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("第 1 行“基层工会数量”"), "{errors:?}");
        assert_eq!(typed[0].unions, "三个");
        assert_eq!(typed[0].worst, "error");
    }
}
