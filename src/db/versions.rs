//! Product versions: written with each change, rebuilt from `events` for the products that
//! exist, read for the catalogue on a date and for the public list of changes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{counties, events, listing_spans, product_batches, product_versions, products, suppliers};
use super::{DbConnection, DbResult, now};
use crate::domain::details::{Details, FieldChange, field_changes};
use crate::domain::versions::{Change, ChangeKind, Span, details_of, listed_periods, spans};
use crate::domain::{Action, ListingStatus, Subject};

/// What a version keeps of the product, as the catalogue showed it.
#[derive(Debug, Clone, Queryable)]
struct Snapshot {
    id: i32,
    catalogue_code: String,
    name: String,
    category: String,
    specification: String,
    unit_price_fen: i64,
    county_code: String,
    supplier_name: String,
    trademark: String,
}

impl Snapshot {
    fn details(&self) -> Details {
        Details {
            name: self.name.clone(),
            specification: self.specification.clone(),
            unit_price_fen: self.unit_price_fen,
            trademark: self.trademark.clone(),
        }
    }

    /// The product as it showed `details`.
    fn showing(&self, details: Details) -> Snapshot {
        Snapshot {
            name: details.name,
            specification: details.specification,
            unit_price_fen: details.unit_price_fen,
            trademark: details.trademark,
            ..self.clone()
        }
    }
}

#[diesel::dsl::auto_type]
fn snapshots() -> _ {
    products::table.inner_join(suppliers::table).select((
        products::id,
        products::catalogue_code,
        products::name,
        products::category,
        products::specification,
        products::unit_price_fen,
        products::county_code,
        suppliers::name,
        products::trademark,
    ))
}

/// Opens a version of `product_id` for a change made now, closing the one in force. Call in the
/// transaction of the change, after the product row has been changed.
pub fn record(
    conn: &mut DbConnection,
    product_id: i32,
    kind: ChangeKind,
    reason: &str,
    lot: Option<&str>,
) -> DbResult<i32> {
    record_change(conn, product_id, kind, reason, lot, None)
}

/// [`record`] a details change, with the fields it changed as they were before (as its event
/// keeps them).
pub fn record_details_change(
    conn: &mut DbConnection,
    product_id: i32,
    reason: &str,
    details_before: String,
) -> DbResult<i32> {
    record_change(
        conn,
        product_id,
        ChangeKind::DetailsChanged,
        reason,
        None,
        Some(details_before),
    )
}

fn record_change(
    conn: &mut DbConnection,
    product_id: i32,
    kind: ChangeKind,
    reason: &str,
    lot: Option<&str>,
    details_before: Option<String>,
) -> DbResult<i32> {
    let at = now();
    let snapshot: Snapshot = snapshots().filter(products::id.eq(product_id)).first(conn)?;
    let status: String = products::table
        .find(product_id)
        .select(products::listing_status)
        .first(conn)?;
    let status_before: Option<String> = product_versions::table
        .filter(product_versions::product_id.eq(product_id))
        .filter(product_versions::valid_to.is_null())
        .select(product_versions::listing_status)
        .first(conn)
        .optional()?;
    diesel::update(
        product_versions::table
            .filter(product_versions::product_id.eq(product_id))
            .filter(product_versions::valid_to.is_null()),
    )
    .set(product_versions::valid_to.eq(Some(at)))
    .execute(conn)?;
    let span = Span {
        from: at,
        to: None,
        kind,
        status: ListingStatus::parse(&status).unwrap_or(ListingStatus::Listed),
        reason: reason.to_owned(),
        lot: lot.map(str::to_owned),
        details_before,
    };
    let listed = ListingStatus::Listed.as_str();
    follow_listing(
        conn,
        &snapshot,
        at,
        status_before.as_deref() == Some(listed),
        span.status == ListingStatus::Listed,
    )?;
    insert(conn, &[(snapshot, span)], at)?;
    Ok(current_id(conn, product_id)?.expect("the version just written is in force"))
}

/// Opens or closes the product's listed period as a change at `at` takes it in or out of the
/// catalogue; while it stays listed, the open period takes its present code, county and category.
fn follow_listing(
    conn: &mut DbConnection,
    snapshot: &Snapshot,
    at: NaiveDateTime,
    was_listed: bool,
    is_listed: bool,
) -> DbResult<()> {
    let open = listing_spans::table
        .filter(listing_spans::product_id.eq(snapshot.id))
        .filter(listing_spans::listed_to.is_null());
    match (was_listed, is_listed) {
        (false, true) => {
            crate::batch_insert!(
                conn,
                listing_spans::table,
                &vec![period_row(
                    snapshot.id,
                    (at, None),
                    &snapshot.catalogue_code,
                    &snapshot.county_code,
                    &snapshot.category
                )]
            )?;
        }
        (true, false) => {
            diesel::update(open)
                .set(listing_spans::listed_to.eq(Some(at)))
                .execute(conn)?;
        }
        (true, true) => {
            diesel::update(open)
                .set((
                    listing_spans::catalogue_code.eq(&snapshot.catalogue_code),
                    listing_spans::county_code.eq(&snapshot.county_code),
                    listing_spans::category.eq(&snapshot.category),
                ))
                .execute(conn)?;
        }
        (false, false) => {}
    }
    Ok(())
}

type PeriodRow = (
    diesel::dsl::Eq<listing_spans::product_id, i32>,
    diesel::dsl::Eq<listing_spans::listed_from, NaiveDateTime>,
    diesel::dsl::Eq<listing_spans::listed_to, Option<NaiveDateTime>>,
    diesel::dsl::Eq<listing_spans::catalogue_code, String>,
    diesel::dsl::Eq<listing_spans::county_code, String>,
    diesel::dsl::Eq<listing_spans::category, String>,
);

fn period_row(
    product_id: i32,
    (from, to): (NaiveDateTime, Option<NaiveDateTime>),
    catalogue_code: &str,
    county_code: &str,
    category: &str,
) -> PeriodRow {
    (
        listing_spans::product_id.eq(product_id),
        listing_spans::listed_from.eq(from),
        listing_spans::listed_to.eq(to),
        listing_spans::catalogue_code.eq(catalogue_code.to_owned()),
        listing_spans::county_code.eq(county_code.to_owned()),
        listing_spans::category.eq(category.to_owned()),
    )
}

/// Rebuilds every product's listed periods from its versions, in one transaction; returns how
/// many were written.
pub fn rebuild_listing_spans(conn: &mut DbConnection) -> DbResult<usize> {
    const PAGE: i64 = 2_000;
    super::transaction(conn, |conn| {
        diesel::delete(listing_spans::table).execute(conn)?;
        let mut written = 0;
        let mut after = 0;
        loop {
            let ids = super::open_data::products_after(conn, after, PAGE)?;
            let Some(&last) = ids.last() else { break };
            after = last;
            let mut rows = Vec::new();
            for (id, history) in super::open_data::histories(conn, &ids)? {
                let Some(latest) = history.last() else { continue };
                let statuses: Vec<_> = history.iter().map(|v| (v.from, v.status)).collect();
                for period in listed_periods(&statuses) {
                    rows.push(period_row(
                        id,
                        period,
                        &latest.catalogue_code,
                        &latest.county_code,
                        &latest.category,
                    ));
                }
            }
            for chunk in rows.chunks(1_000) {
                written += chunk.len();
                crate::batch_insert!(conn, listing_spans::table, chunk)?;
            }
        }
        Ok(written)
    })
}

fn insert(conn: &mut DbConnection, versions: &[(Snapshot, Span)], recorded_at: NaiveDateTime) -> DbResult<()> {
    let rows: Vec<_> = versions
        .iter()
        .map(|(snapshot, s)| {
            (
                product_versions::product_id.eq(snapshot.id),
                product_versions::valid_from.eq(s.from),
                product_versions::valid_to.eq(s.to),
                product_versions::recorded_at.eq(recorded_at),
                product_versions::change_kind.eq(s.kind.as_str()),
                product_versions::reason.eq(s.reason.clone()),
                product_versions::lot_code.eq(s.lot.clone()),
                product_versions::listing_status.eq(s.status.as_str()),
                product_versions::catalogue_code.eq(snapshot.catalogue_code.clone()),
                product_versions::name.eq(snapshot.name.clone()),
                product_versions::category.eq(snapshot.category.clone()),
                product_versions::specification.eq(snapshot.specification.clone()),
                product_versions::unit_price_fen.eq(snapshot.unit_price_fen),
                product_versions::county_code.eq(snapshot.county_code.clone()),
                product_versions::supplier_name.eq(snapshot.supplier_name.clone()),
                product_versions::trademark.eq(snapshot.trademark.clone()),
                product_versions::details_before.eq(s.details_before.clone()),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        crate::batch_insert!(conn, product_versions::table, chunk)?;
    }
    Ok(())
}

/// The changes the history holds for these products: their listing events and their lots' recalls.
pub fn changes_from_events(conn: &mut DbConnection, product_ids: &[i32]) -> DbResult<Vec<(i32, Change)>> {
    let actions: Vec<&str> = [
        Action::List,
        Action::Relist,
        Action::Suspend,
        Action::Delist,
        Action::Withdraw,
        Action::Edit,
    ]
    .iter()
    .map(|a| a.as_str())
    .collect();
    let listing: Vec<(i32, String, String, NaiveDateTime, Option<String>)> = events::table
        .filter(events::entity_kind.eq(Subject::Product.as_str()))
        .filter(events::entity_id.eq_any(product_ids))
        .filter(events::action.eq_any(&actions))
        .order(events::id)
        .select((
            events::entity_id,
            events::action,
            events::reason,
            events::occurred_at,
            events::from_state,
        ))
        .load(conn)?;
    let recalls: Vec<(i32, String, String, NaiveDateTime)> = events::table
        .inner_join(product_batches::table.on(product_batches::id.eq(events::entity_id)))
        .filter(events::entity_kind.eq(Subject::ProductBatch.as_str()))
        .filter(events::action.eq(Action::Recall.as_str()))
        .filter(product_batches::product_id.eq_any(product_ids))
        .order(events::id)
        .select((
            product_batches::product_id,
            product_batches::lot_code,
            events::reason,
            events::occurred_at,
        ))
        .load(conn)?;
    let mut out: Vec<(i32, Change)> = listing
        .into_iter()
        .filter_map(|(product, action, reason, at, from_state)| {
            let kind = Action::parse(&action).and_then(ChangeKind::of_action)?;
            Some((
                product,
                Change {
                    at,
                    kind,
                    reason,
                    lot: None,
                    details_before: (kind == ChangeKind::DetailsChanged).then_some(from_state).flatten(),
                },
            ))
        })
        .collect();
    out.extend(recalls.into_iter().map(|(product, lot, reason, at)| {
        (
            product,
            Change {
                at,
                kind: ChangeKind::LotRecalled,
                reason,
                lot: Some(lot),
                details_before: None,
            },
        )
    }));
    Ok(out)
}

/// Rebuilds every product's versions from `events`, in one transaction; returns how many were
/// written. For a database from before versions were kept, and for generated demo data.
pub fn rebuild(conn: &mut DbConnection) -> DbResult<usize> {
    const PAGE: i64 = 2_000;
    super::transaction(conn, |conn| {
        diesel::delete(product_versions::table).execute(conn)?;
        let recorded_at = now();
        let mut written = 0;
        let mut after = 0;
        loop {
            let page: Vec<Snapshot> = snapshots()
                .filter(products::id.gt(after))
                .order(products::id)
                .limit(PAGE)
                .load(conn)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let ids: Vec<i32> = page.iter().map(|p| p.id).collect();
            let mut changes = changes_from_events(conn, &ids)?;
            changes.sort_by_key(|(product, _)| *product);
            for snapshot in &page {
                let mine: Vec<Change> = changes
                    .iter()
                    .filter(|(p, _)| *p == snapshot.id)
                    .map(|(_, c)| c.clone())
                    .collect();
                let spans = spans(&mine);
                written += spans.len();
                let versions: Vec<(Snapshot, Span)> = details_of(&spans, &snapshot.details())
                    .into_iter()
                    .map(|details| snapshot.showing(details))
                    .zip(spans)
                    .collect();
                insert(conn, &versions, recorded_at)?;
            }
        }
        rebuild_listing_spans(conn)?;
        Ok(written)
    })
}

/// Rebuilds when there are products and no versions (a database from before they were kept).
pub fn rebuild_if_missing(conn: &mut DbConnection) -> DbResult<Option<usize>> {
    let any_version: bool = diesel::select(diesel::dsl::exists(
        product_versions::table.select(product_versions::id),
    ))
    .get_result(conn)?;
    let any_product: bool =
        diesel::select(diesel::dsl::exists(products::table.select(products::id))).get_result(conn)?;
    if !any_version && any_product {
        return rebuild(conn).map(Some);
    }
    let any_period: bool =
        diesel::select(diesel::dsl::exists(listing_spans::table.select(listing_spans::id))).get_result(conn)?;
    if any_version && !any_period {
        rebuild_listing_spans(conn)?;
    }
    Ok(None)
}

/// A product as the catalogue showed it in one version.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct VersionRow {
    #[serde(skip)]
    pub id: i32,
    #[serde(skip)]
    pub product_id: i32,
    #[serde(skip)]
    pub valid_from: NaiveDateTime,
    #[serde(skip)]
    pub valid_to: Option<NaiveDateTime>,
    pub change_kind: String,
    pub reason: String,
    pub lot_code: Option<String>,
    pub listing_status: String,
    pub catalogue_code: String,
    pub name: String,
    pub category: String,
    pub specification: String,
    pub unit_price_fen: i64,
    pub county_code: String,
    pub county_name: String,
    pub supplier_name: String,
    pub trademark: String,
    /// For a details change, the fields it changed as they were before (see
    /// [`Change::details_before`]).
    #[serde(skip)]
    pub details_before: Option<String>,
}

impl VersionRow {
    pub fn details(&self) -> Details {
        Details {
            name: self.name.clone(),
            specification: self.specification.clone(),
            unit_price_fen: self.unit_price_fen,
            trademark: self.trademark.clone(),
        }
    }

    /// What the change that opened this version changed, from → to: empty but for a details
    /// change. Read from the version alone, so a page of changes needs no other row.
    pub fn changed_fields(&self) -> Vec<FieldChange> {
        match &self.details_before {
            Some(before) if self.change_kind == ChangeKind::DetailsChanged.as_str() => {
                let after = self.details();
                field_changes(&after.with_stored(before), &after)
            }
            _ => Vec::new(),
        }
    }
}

#[diesel::dsl::auto_type]
fn version_rows() -> _ {
    product_versions::table
        .inner_join(counties::table.on(counties::code.eq(product_versions::county_code)))
        .select((
            product_versions::id,
            product_versions::product_id,
            product_versions::valid_from,
            product_versions::valid_to,
            product_versions::change_kind,
            product_versions::reason,
            product_versions::lot_code,
            product_versions::listing_status,
            product_versions::catalogue_code,
            product_versions::name,
            product_versions::category,
            product_versions::specification,
            product_versions::unit_price_fen,
            product_versions::county_code,
            counties::name,
            product_versions::supplier_name,
            product_versions::trademark,
            product_versions::details_before,
        ))
}

/// Narrowing of the catalogue on a date or of the list of changes.
#[derive(Debug, Clone, Default)]
pub struct Narrowing {
    pub county: Option<String>,
    pub category: Option<String>,
}

/// Versions that say "listed" and were in force at `at` (UTC): valid from then or before, and
/// not yet closed.
#[diesel::dsl::auto_type]
pub fn listed_in_force(at: NaiveDateTime) -> _ {
    let listed: &'static str = ListingStatus::Listed.as_str();
    product_versions::listing_status
        .eq(listed)
        .and(product_versions::valid_from.le(at))
        .and(
            product_versions::valid_to
                .is_null()
                .or(product_versions::valid_to.gt(at)),
        )
}

/// Listed periods that include `at` (UTC).
#[diesel::dsl::auto_type]
fn period_in_force(at: NaiveDateTime) -> _ {
    listing_spans::listed_from
        .le(at)
        .and(listing_spans::listed_to.is_null().or(listing_spans::listed_to.gt(at)))
}

/// The listed products in force at `at` (UTC), by catalogue code: one page and the total. Counted
/// and paged on the listed periods (one row per period, not per change); only the page's versions
/// are read.
pub fn listed_at(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    narrowing: &Narrowing,
    limit: i64,
    offset: i64,
) -> DbResult<(i64, Vec<VersionRow>)> {
    let in_force = || {
        let mut query = listing_spans::table.filter(period_in_force(at)).into_boxed();
        if let Some(county) = &narrowing.county {
            query = query.filter(listing_spans::county_code.eq(county.clone()));
        }
        if let Some(category) = &narrowing.category {
            query = query.filter(listing_spans::category.eq(category.clone()));
        }
        query
    };
    let total: i64 = in_force().count().get_result(conn)?;
    let ids: Vec<i32> = in_force()
        .order(listing_spans::catalogue_code)
        .select(listing_spans::product_id)
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    // The period says the product was listed; asking again for the status would lead SQLite's
    // planner to the status index (a range over most of the history) instead of the product's.
    let mut rows: Vec<VersionRow> = version_rows()
        .filter(product_versions::product_id.eq_any(&ids))
        .filter(product_versions::valid_from.le(at))
        .filter(
            product_versions::valid_to
                .is_null()
                .or(product_versions::valid_to.gt(at)),
        )
        .load(conn)?;
    rows.sort_by(|a, b| a.catalogue_code.cmp(&b.catalogue_code));
    Ok((total, rows))
}

/// Every product id listed at `at`, for comparing two dates.
pub fn listed_ids_at(conn: &mut DbConnection, at: NaiveDateTime) -> DbResult<Vec<i32>> {
    Ok(listing_spans::table
        .filter(period_in_force(at))
        .order(listing_spans::product_id)
        .select(listing_spans::product_id)
        .load(conn)?)
}

/// What the list of changes is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub narrowing: Narrowing,
    pub kind: Option<ChangeKind>,
    /// UTC bounds on when the change was made.
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Only changes recorded after this one (a mirror's cursor), oldest first.
    pub after_id: Option<i32>,
}

/// A change as listed: the version it opened, with its cursor.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub cursor: i32,
    pub at: NaiveDateTime,
    pub version: VersionRow,
    /// For a details change, what it changed, from → to (empty for other kinds).
    pub fields: Vec<FieldChange>,
}

/// Changes newest first; with a cursor, those recorded after it, oldest first. Counted only when
/// `counted` (counting every change is the slow part of a large history; a feed or a mirror's
/// next page does not need it).
pub fn changes(
    conn: &mut DbConnection,
    filter: &ChangeFilter,
    limit: i64,
    offset: i64,
    counted: bool,
) -> DbResult<(Option<i64>, Vec<ChangeRow>)> {
    let query = || {
        let mut query = version_rows().into_boxed();
        if let Some(county) = &filter.narrowing.county {
            query = query.filter(product_versions::county_code.eq(county.clone()));
        }
        if let Some(category) = &filter.narrowing.category {
            query = query.filter(product_versions::category.eq(category.clone()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(product_versions::change_kind.eq(kind.as_str()));
        }
        if let Some(from) = filter.from {
            query = query.filter(product_versions::valid_from.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(product_versions::valid_from.lt(until));
        }
        if let Some(after) = filter.after_id {
            query = query.filter(product_versions::id.gt(after));
        }
        query
    };
    let total: Option<i64> = if counted {
        Some(query().count().get_result(conn)?)
    } else {
        None
    };
    let ordered = if filter.after_id.is_some() {
        query().order(product_versions::id.asc())
    } else {
        query().order((product_versions::valid_from.desc(), product_versions::id.desc()))
    };
    let rows: Vec<VersionRow> = ordered.limit(limit).offset(offset).load(conn)?;
    Ok((
        total,
        rows.into_iter()
            .map(|v| ChangeRow {
                cursor: v.id,
                at: v.valid_from,
                fields: v.changed_fields(),
                version: v,
            })
            .collect(),
    ))
}

/// The id of the version of `product_id` in force now, if it has one.
pub fn current_id(conn: &mut DbConnection, product_id: i32) -> DbResult<Option<i32>> {
    Ok(product_versions::table
        .filter(product_versions::product_id.eq(product_id))
        .filter(product_versions::valid_to.is_null())
        .select(product_versions::id)
        .order(product_versions::id.desc())
        .first(conn)
        .optional()?)
}

/// What the change log holds, as a stamp that moves with every change written: the newest
/// version's id (ids are never reused, so a rebuild moves it too).
pub fn stamp(conn: &mut DbConnection) -> DbResult<Option<i32>> {
    Ok(product_versions::table
        .select(diesel::dsl::max(product_versions::id))
        .first(conn)?)
}

/// Every version of one product, oldest first.
pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<VersionRow>> {
    Ok(version_rows()
        .filter(product_versions::product_id.eq(product_id))
        .order((product_versions::valid_from, product_versions::id))
        .load(conn)?)
}
