//! Notices (公告): the public notice of each suspension, delisting and lot recall, issued in the
//! transaction of the change, with the fields of the market regulators' sampling notices; and
//! their corrections, each a notice of its own naming the one it corrects.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{lot_recalls, notices, product_batches, product_versions, products, quality_incidents, suppliers};
use super::{DbConnection, DbResult, now};
use crate::domain::china_date;
use crate::domain::versions::ChangeKind;

/// What a notice says beyond the product: the test that failed and where the case came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub lot_code: Option<String>,
    pub produced_on: Option<NaiveDate>,
    pub failed_item: String,
    pub result: String,
    pub limit: String,
    pub testing_body: String,
    /// Sampling (监督抽检), a complaint, the supplier's own report, or the catalogue's management.
    pub source: String,
    /// The regulator's notice number, when the case came from one.
    pub source_notice_no: String,
}

/// Where a case came from when nothing else says.
pub const OFFICE_SOURCE: &str = "目录管理（省总工会脱贫攻坚指挥部办公室）";

/// Issues the notice of the change that opened `version_id`; returns its id.
pub fn issue(
    conn: &mut DbConnection,
    version_id: i32,
    product_id: i32,
    kind: ChangeKind,
    reason: &str,
    findings: &Findings,
) -> DbResult<i32> {
    let at = now();
    let number = next_number(conn, at)?;
    let named = named(conn, version_id)?;
    insert(
        conn, &number, version_id, product_id, kind, reason, findings, None, "", at, &named,
    )
}

/// The product as a notice names it: as it was in the version the change opened, kept with the
/// notice so that a later correction of the product does not rewrite what was published.
#[derive(Debug, Clone, Queryable)]
struct Named {
    product_name: String,
    specification: String,
    trademark: String,
    supplier_name: String,
    supplier_address: Option<String>,
}

fn named(conn: &mut DbConnection, version_id: i32) -> DbResult<Named> {
    Ok(product_versions::table
        .inner_join(products::table.inner_join(suppliers::table))
        .filter(product_versions::id.eq(version_id))
        .select((
            product_versions::name,
            product_versions::specification,
            product_versions::trademark,
            product_versions::supplier_name,
            suppliers::address,
        ))
        .first(conn)?)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut DbConnection,
    number: &str,
    version_id: i32,
    product_id: i32,
    kind: ChangeKind,
    reason: &str,
    findings: &Findings,
    corrects: Option<i32>,
    correction_note: &str,
    at: NaiveDateTime,
    named: &Named,
) -> DbResult<i32> {
    Ok(diesel::insert_into(notices::table)
        .values((
            notices::product_name.eq(&named.product_name),
            notices::specification.eq(&named.specification),
            notices::trademark.eq(&named.trademark),
            notices::supplier_name.eq(&named.supplier_name),
            notices::supplier_address.eq(&named.supplier_address),
            notices::number.eq(number),
            notices::version_id.eq(version_id),
            notices::product_id.eq(product_id),
            notices::kind.eq(kind.as_str()),
            notices::issued_at.eq(at),
            notices::lot_code.eq(&findings.lot_code),
            notices::produced_on.eq(findings.produced_on),
            notices::failed_item.eq(&findings.failed_item),
            notices::result.eq(&findings.result),
            notices::limit_value.eq(&findings.limit),
            notices::testing_body.eq(&findings.testing_body),
            notices::source.eq(&findings.source),
            notices::source_notice_no.eq(&findings.source_notice_no),
            notices::reason.eq(reason),
            notices::corrects_id.eq(corrects),
            notices::correction_note.eq(correction_note),
        ))
        .returning(notices::id)
        .get_result(conn)?)
}

fn number_prefix(year: i32) -> String {
    format!("目录公告〔{year}〕第 ")
}

/// How many notices the China-time year `year` has.
fn issued_in(conn: &mut DbConnection, year: i32) -> DbResult<i64> {
    Ok(notices::table
        .filter(notices::number.like(format!("{}%", number_prefix(year))))
        .count()
        .get_result(conn)?)
}

/// `目录公告〔2026〕第 12 号`: numbered within the China-time year. Writers of notices hold the
/// change log's lock (they change a product), so two never take the same number.
fn next_number(conn: &mut DbConnection, at: NaiveDateTime) -> DbResult<String> {
    let year = china_date(at).year();
    Ok(format!("{}{} 号", number_prefix(year), issued_in(conn, year)? + 1))
}

/// What the latest incident of a product says of where its case came from.
pub fn incident_findings(conn: &mut DbConnection, product_id: i32) -> DbResult<Findings> {
    let incident: Option<(Option<String>, NaiveDate, String)> = quality_incidents::table
        .filter(quality_incidents::product_id.eq(product_id))
        .order(quality_incidents::id.desc())
        .select((
            quality_incidents::lot_code,
            quality_incidents::occurred_on,
            quality_incidents::source,
        ))
        .first(conn)
        .optional()?;
    Ok(match incident {
        Some((lot_code, _, source)) => Findings {
            lot_code,
            source,
            ..Findings::default()
        },
        None => Findings {
            source: OFFICE_SOURCE.to_owned(),
            ..Findings::default()
        },
    })
}

/// Issues the notices that versions of suspensions, delistings and lot recalls lack: those
/// rebuilt from the history of a database from before notices were kept. Returns how many.
pub fn backfill(conn: &mut DbConnection) -> DbResult<usize> {
    let kinds = [ChangeKind::Suspended, ChangeKind::Delisted, ChangeKind::LotRecalled].map(|k| k.as_str());
    super::transaction(conn, |conn| {
        // NOT EXISTS, not NOT IN: PostgreSQL runs `id != ALL(subquery)` over a million versions
        // and a hundred thousand notices as a nested loop (minutes at every start), where an
        // anti-join takes well under a second.
        let has_notice = notices::table.filter(notices::version_id.eq(product_versions::id));
        let lacking: Vec<(i32, i32, String, String, Option<String>, NaiveDateTime)> = product_versions::table
            .filter(product_versions::change_kind.eq_any(kinds))
            .filter(diesel::dsl::not(diesel::dsl::exists(has_notice)))
            .order((product_versions::valid_from, product_versions::id))
            .select((
                product_versions::id,
                product_versions::product_id,
                product_versions::change_kind,
                product_versions::reason,
                product_versions::lot_code,
                product_versions::valid_from,
            ))
            .load(conn)?;
        // Numbered here, not by counting the year's notices again for each one (quadratic in a
        // large history).
        let mut issued: std::collections::HashMap<i32, i64> = std::collections::HashMap::new();
        for (version, product, kind, reason, lot, at) in &lacking {
            let kind = ChangeKind::parse(kind).unwrap_or(ChangeKind::Suspended);
            let findings = match lot {
                Some(lot) => recall_findings(conn, *product, lot)?,
                None => incident_findings(conn, *product)?,
            };
            let year = china_date(*at).year();
            let count = match issued.get(&year) {
                Some(n) => *n,
                None => issued_in(conn, year)?,
            };
            issued.insert(year, count + 1);
            let number = format!("{}{} 号", number_prefix(year), count + 1);
            let named = named(conn, *version)?;
            insert(
                conn, &number, *version, *product, kind, reason, &findings, None, "", *at, &named,
            )?;
        }
        Ok(lacking.len())
    })
}

/// The findings a recall of `lot` was made with.
fn recall_findings(conn: &mut DbConnection, product_id: i32, lot: &str) -> DbResult<Findings> {
    let found: Option<(String, String, String, String, String, Option<NaiveDate>)> = lot_recalls::table
        .inner_join(product_batches::table.on(product_batches::id.eq(lot_recalls::batch_id)))
        .filter(lot_recalls::product_id.eq(product_id))
        .filter(product_batches::lot_code.eq(lot))
        .select((
            lot_recalls::notice_no,
            lot_recalls::failed_item,
            lot_recalls::result,
            lot_recalls::limit_value,
            lot_recalls::testing_body,
            product_batches::produced_on,
        ))
        .first(conn)
        .optional()?;
    let Some((notice_no, failed_item, result, limit, testing_body, produced_on)) = found else {
        return Ok(Findings {
            lot_code: Some(lot.to_owned()),
            source: OFFICE_SOURCE.to_owned(),
            ..Findings::default()
        });
    };
    Ok(Findings {
        lot_code: Some(lot.to_owned()),
        produced_on,
        failed_item,
        result,
        limit,
        testing_body,
        source: "监督抽检".to_owned(),
        source_notice_no: notice_no,
    })
}

/// A notice as its page shows it.
#[derive(Debug, Clone, Queryable)]
pub struct Notice {
    pub id: i32,
    pub number: String,
    pub version_id: i32,
    pub product_id: i32,
    pub kind: String,
    pub issued_at: NaiveDateTime,
    pub lot_code: Option<String>,
    pub produced_on: Option<NaiveDate>,
    pub failed_item: String,
    pub result: String,
    pub limit: String,
    pub testing_body: String,
    pub source: String,
    pub source_notice_no: String,
    pub reason: String,
    pub corrects_id: Option<i32>,
    pub correction_note: String,
    pub catalogue_code: String,
    pub product_name: String,
    pub specification: String,
    pub trademark: String,
    pub category: String,
    pub supplier_name: String,
    pub supplier_address: Option<String>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawal_reason: String,
    pub county_code: String,
}

#[diesel::dsl::auto_type]
fn notice_rows() -> _ {
    notices::table.inner_join(products::table).select((
        notices::id,
        notices::number,
        notices::version_id,
        notices::product_id,
        notices::kind,
        notices::issued_at,
        notices::lot_code,
        notices::produced_on,
        notices::failed_item,
        notices::result,
        notices::limit_value,
        notices::testing_body,
        notices::source,
        notices::source_notice_no,
        notices::reason,
        notices::corrects_id,
        notices::correction_note,
        products::catalogue_code,
        notices::product_name,
        notices::specification,
        notices::trademark,
        products::category,
        notices::supplier_name,
        notices::supplier_address,
        notices::withdrawn_at,
        notices::withdrawal_reason,
        products::county_code,
    ))
}

pub fn find(conn: &mut DbConnection, id: i32) -> DbResult<Option<Notice>> {
    Ok(notice_rows().filter(notices::id.eq(id)).first(conn).optional()?)
}

/// The notice that corrects `id`, if one does: (id, number).
pub fn corrected_by(conn: &mut DbConnection, id: i32) -> DbResult<Option<(i32, String)>> {
    Ok(notices::table
        .filter(notices::corrects_id.eq(id))
        .order(notices::id.desc())
        .select((notices::id, notices::number))
        .first(conn)
        .optional()?)
}

/// Notices newest first: one page and the total.
pub fn list(conn: &mut DbConnection, limit: i64, offset: i64) -> DbResult<(i64, Vec<Notice>)> {
    let total = notices::table.count().get_result(conn)?;
    let rows = notice_rows()
        .order((notices::issued_at.desc(), notices::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    Ok((total, rows))
}

/// A notice as other pages link to it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NoticeLink {
    pub id: i32,
    pub number: String,
    pub kind: String,
    pub lot_code: Option<String>,
    corrects_id: Option<i32>,
}

/// The notices of a product in force (neither corrected nor withdrawn), newest first.
pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<NoticeLink>> {
    let all: Vec<NoticeLink> = notices::table
        .filter(notices::product_id.eq(product_id))
        .filter(notices::withdrawn_at.is_null())
        .order((notices::issued_at.desc(), notices::id.desc()))
        .select((
            notices::id,
            notices::number,
            notices::kind,
            notices::lot_code,
            notices::corrects_id,
        ))
        .load(conn)?;
    let corrected: Vec<i32> = all.iter().filter_map(|n| n.corrects_id).collect();
    Ok(all.into_iter().filter(|n| !corrected.contains(&n.id)).collect())
}

/// Issues a correction of notice `id` with `findings` and `reason` as they should have read;
/// returns the new notice's id. The corrected notice stays, marked as corrected.
pub fn correct(
    conn: &mut DbConnection,
    id: i32,
    reason: &str,
    findings: &Findings,
    note: &str,
    actor: &super::Actor,
) -> DbResult<Option<i32>> {
    super::transaction(conn, |conn| {
        let Some(original) = find(conn, id)? else {
            return Ok(None);
        };
        let kind = ChangeKind::parse(&original.kind).unwrap_or(ChangeKind::Suspended);
        let at = now();
        let number = next_number(conn, at)?;
        let new_id = insert(
            conn,
            &number,
            original.version_id,
            original.product_id,
            kind,
            reason,
            findings,
            Some(id),
            note,
            at,
            &Named {
                product_name: original.product_name.clone(),
                specification: original.specification.clone(),
                trademark: original.trademark.clone(),
                supplier_name: original.supplier_name.clone(),
                supplier_address: original.supplier_address.clone(),
            },
        )?;
        super::events::NewEvent::new(
            crate::domain::Subject::Product,
            original.product_id,
            crate::domain::Action::Correct,
            actor,
        )
        .because(&format!("更正{}：{note}", original.number))
        .record(conn)?;
        Ok(Some(new_id))
    })
}

/// Why a notice could not be withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    Withdrawn,
    NoSuchNotice,
    AlreadyWithdrawn,
}

/// Withdraws notice `id` (issued in error) with `reason`; it stays readable, marked as withdrawn.
pub fn withdraw(conn: &mut DbConnection, id: i32, reason: &str, actor: &super::Actor) -> DbResult<Withdrawal> {
    super::transaction(conn, |conn| {
        let Some(notice) = find(conn, id)? else {
            return Ok(Withdrawal::NoSuchNotice);
        };
        let changed = diesel::update(
            notices::table
                .filter(notices::id.eq(id))
                .filter(notices::withdrawn_at.is_null()),
        )
        .set((
            notices::withdrawn_at.eq(Some(now())),
            notices::withdrawal_reason.eq(reason),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Ok(Withdrawal::AlreadyWithdrawn);
        }
        // A correction, not a change of the product's listing: `Withdraw` would read as one.
        super::events::NewEvent::new(
            crate::domain::Subject::Product,
            notice.product_id,
            crate::domain::Action::Correct,
            actor,
        )
        .because(&format!("撤回{}：{reason}", notice.number))
        .record(conn)?;
        Ok(Withdrawal::Withdrawn)
    })
}

/// What the notices are, as a stamp that moves with every notice issued or withdrawn (a
/// correction is a notice of its own): the newest id and the newest withdrawal, each read from its
/// index.
pub fn stamp(conn: &mut DbConnection) -> DbResult<(Option<i32>, Option<NaiveDateTime>)> {
    let newest = notices::table.select(diesel::dsl::max(notices::id)).first(conn)?;
    let withdrawn = notices::table
        .select(diesel::dsl::max(notices::withdrawn_at))
        .first(conn)?;
    Ok((newest, withdrawn))
}

/// The notices a feed carries: the newest `limit` by when they were issued or withdrawn, with
/// that time, newest first; narrowed by the product's county and category.
pub fn feed(
    conn: &mut DbConnection,
    narrowing: &super::versions::Narrowing,
    limit: i64,
) -> DbResult<Vec<(NaiveDateTime, Notice)>> {
    let narrowed = || {
        let mut query = notice_rows().into_boxed();
        if let Some(county) = &narrowing.county {
            query = query.filter(products::county_code.eq(county.clone()));
        }
        if let Some(category) = &narrowing.category {
            query = query.filter(products::category.eq(category.clone()));
        }
        query
    };
    let issued: Vec<Notice> = narrowed()
        .order((notices::issued_at.desc(), notices::id.desc()))
        .limit(limit)
        .load(conn)?;
    let withdrawn: Vec<Notice> = narrowed()
        .filter(notices::withdrawn_at.is_not_null())
        .order((notices::withdrawn_at.desc(), notices::id.desc()))
        .limit(limit)
        .load(conn)?;
    let mut touched: Vec<(NaiveDateTime, Notice)> = issued
        .into_iter()
        .filter(|n| n.withdrawn_at.is_none())
        .chain(withdrawn)
        .map(|n| (n.withdrawn_at.unwrap_or(n.issued_at), n))
        .collect();
    touched.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
    touched.truncate(limit as usize);
    Ok(touched)
}
