//! Traceability records: production sites, batches (lots), the growth-process timeline, their
//! photos and reports, and the scan counts of the QR codes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::events::NewEvent;
use super::schema::{product_batches, production_sites, scan_counts, trace_media, trace_steps};
use super::workflow::{Actor, event};
use super::{DbConnection, DbResult};
use crate::domain::{Action, Subject};

/// A base or plot where a product is grown or made: the production environment.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = production_sites)]
pub struct Site {
    pub id: i32,
    pub product_id: i32,
    pub name: String,
    pub place: String,
    pub altitude_m: Option<i32>,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub version: i32,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = production_sites)]
pub struct NewSite {
    pub product_id: i32,
    pub name: String,
    pub place: String,
    pub altitude_m: Option<i32>,
    pub description: String,
    pub created_at: NaiveDateTime,
}

impl Site {
    pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<Site>> {
        Ok(production_sites::table
            .filter(production_sites::product_id.eq(product_id))
            .filter(production_sites::removed_at.is_null())
            .order(production_sites::id)
            .select(Site::as_select())
            .load(conn)?)
    }
}

/// A production batch (lot) of a product.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_batches)]
pub struct ProductBatch {
    pub id: i32,
    pub product_id: i32,
    pub lot_code: String,
    pub produced_on: Option<NaiveDate>,
    pub packed_on: Option<NaiveDate>,
    pub quantity_milli: Option<i64>,
    pub quantity_unit: Option<String>,
    pub origin: String,
    pub inspection_result: String,
    pub inspection_note: String,
    pub created_at: NaiveDateTime,
    pub version: i32,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_reason: Option<String>,
    /// When the inspection result was last changed by a correction, and what it was before.
    pub result_corrected_at: Option<NaiveDateTime>,
    pub result_was: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = product_batches)]
pub struct NewProductBatch {
    pub product_id: i32,
    pub lot_code: String,
    pub produced_on: Option<NaiveDate>,
    pub packed_on: Option<NaiveDate>,
    pub quantity_milli: Option<i64>,
    pub quantity_unit: Option<String>,
    pub origin: String,
    pub inspection_result: String,
    pub inspection_note: String,
    pub created_at: NaiveDateTime,
}

impl ProductBatch {
    /// The batches of a product that were not removed, newest first.
    pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<ProductBatch>> {
        Ok(product_batches::table
            .filter(product_batches::product_id.eq(product_id))
            .filter(product_batches::removed_at.is_null())
            .order((product_batches::produced_on.desc(), product_batches::id.desc()))
            .select(ProductBatch::as_select())
            .load(conn)?)
    }

    /// The removed batches of a product, most recently removed first.
    pub fn removed_of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<ProductBatch>> {
        Ok(product_batches::table
            .filter(product_batches::product_id.eq(product_id))
            .filter(product_batches::removed_at.is_not_null())
            .order(product_batches::removed_at.desc())
            .select(ProductBatch::as_select())
            .load(conn)?)
    }

    /// The batch of `product` with this lot code, removed or not: a removed lot keeps its code,
    /// which is printed on packages already.
    pub fn find_lot(conn: &mut DbConnection, product_id: i32, lot: &str) -> DbResult<Option<ProductBatch>> {
        Ok(product_batches::table
            .filter(product_batches::product_id.eq(product_id))
            .filter(product_batches::lot_code.eq(lot))
            .select(ProductBatch::as_select())
            .first(conn)
            .optional()?)
    }
}

/// A dated step of the growth-process timeline, of the whole product or of one batch.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trace_steps)]
pub struct TraceStep {
    pub id: i32,
    pub product_id: i32,
    pub batch_id: Option<i32>,
    pub occurred_on: NaiveDate,
    pub stage: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub version: i32,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = trace_steps)]
pub struct NewTraceStep {
    pub product_id: i32,
    pub batch_id: Option<i32>,
    pub occurred_on: NaiveDate,
    pub stage: String,
    pub description: String,
    pub created_at: NaiveDateTime,
}

impl TraceStep {
    /// Every step of a product and its batches that was not removed, in the order they happened.
    pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<TraceStep>> {
        Ok(trace_steps::table
            .filter(trace_steps::product_id.eq(product_id))
            .filter(trace_steps::removed_at.is_null())
            .order((trace_steps::occurred_on, trace_steps::id))
            .select(TraceStep::as_select())
            .load(conn)?)
    }
}

/// What a photo or document is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaOwner {
    Site(i32),
    Step(i32),
    /// The batch's inspection report.
    Batch(i32),
}

impl MediaOwner {
    pub fn kind(self) -> &'static str {
        match self {
            MediaOwner::Site(_) => "site",
            MediaOwner::Step(_) => "step",
            MediaOwner::Batch(_) => "batch",
        }
    }

    pub fn id(self) -> i32 {
        match self {
            MediaOwner::Site(id) | MediaOwner::Step(id) | MediaOwner::Batch(id) => id,
        }
    }

    /// Reads `site-3`, `step-7` or `batch-2`, as the upload form names them.
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, id) = s.trim().split_once('-')?;
        let id: i32 = id.parse().ok()?;
        match kind {
            "site" => Some(MediaOwner::Site(id)),
            "step" => Some(MediaOwner::Step(id)),
            "batch" => Some(MediaOwner::Batch(id)),
            _ => None,
        }
    }
}

/// A stored photo or PDF. Paths are relative to the media directory.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trace_media)]
pub struct TraceMedia {
    pub id: i32,
    pub product_id: i32,
    pub owner_kind: String,
    pub owner_id: i32,
    pub kind: String,
    pub path: String,
    pub thumb_path: Option<String>,
    pub thumb_width: Option<i32>,
    pub thumb_height: Option<i32>,
    pub caption: String,
    pub created_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = trace_media)]
pub struct NewTraceMedia {
    pub product_id: i32,
    pub owner_kind: String,
    pub owner_id: i32,
    pub kind: String,
    pub path: String,
    pub thumb_path: Option<String>,
    pub thumb_width: Option<i32>,
    pub thumb_height: Option<i32>,
    pub caption: String,
    pub created_at: NaiveDateTime,
}

impl TraceMedia {
    pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<TraceMedia>> {
        Ok(trace_media::table
            .filter(trace_media::product_id.eq(product_id))
            .filter(trace_media::removed_at.is_null())
            .order(trace_media::id)
            .select(TraceMedia::as_select())
            .load(conn)?)
    }

    pub fn belongs_to(&self, owner: MediaOwner) -> bool {
        self.owner_kind == owner.kind() && self.owner_id == owner.id()
    }
}

/// Adds a production site, with its event.
pub fn add_site(conn: &mut DbConnection, site: &NewSite, actor: &Actor) -> DbResult<i32> {
    // Shown on the scan page: the log tells other servers to drop their cached copy.
    super::search_changes::logged_transaction(conn, |conn| {
        super::search_changes::record(conn, site.product_id)?;
        let id: i32 = diesel::insert_into(production_sites::table)
            .values(site)
            .returning(production_sites::id)
            .get_result(conn)?;
        event(
            Subject::ProductionSite,
            id,
            Action::Create,
            None,
            None,
            &site.name,
            actor,
        )
        .record(conn)?;
        Ok(id)
    })
}

/// Adds a batch, with its event. The lot code must be new for the product (the caller checks,
/// the unique index makes sure).
pub fn add_batch(conn: &mut DbConnection, batch: &NewProductBatch, actor: &Actor) -> DbResult<i32> {
    // Shown on the scan page: the log tells other servers to drop their cached copy.
    super::search_changes::logged_transaction(conn, |conn| {
        super::search_changes::record(conn, batch.product_id)?;
        let id: i32 = diesel::insert_into(product_batches::table)
            .values(batch)
            .returning(product_batches::id)
            .get_result(conn)?;
        event(
            Subject::ProductBatch,
            id,
            Action::Create,
            None,
            Some(&batch.inspection_result),
            &batch.lot_code,
            actor,
        )
        .record(conn)?;
        Ok(id)
    })
}

/// Adds a step to a timeline, with its event.
pub fn add_step(conn: &mut DbConnection, step: &NewTraceStep, actor: &Actor) -> DbResult<i32> {
    // Shown on the scan page: the log tells other servers to drop their cached copy.
    super::search_changes::logged_transaction(conn, |conn| {
        super::search_changes::record(conn, step.product_id)?;
        let id: i32 = diesel::insert_into(trace_steps::table)
            .values(step)
            .returning(trace_steps::id)
            .get_result(conn)?;
        event(
            Subject::TraceStep,
            id,
            Action::Create,
            None,
            None,
            &step.description,
            actor,
        )
        .record(conn)?;
        Ok(id)
    })
}

/// Records a stored photo or document, with an event on what it is attached to.
/// Whether a stored file (`ab/abcd….jpg`, an original or a thumbnail) belongs to a media row.
pub fn media_file_in_use(conn: &mut DbConnection, path: &str) -> DbResult<bool> {
    // Thumbnails are named after their original: `{hash}-480.jpg` belongs to `{hash}.{ext}`.
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    let original_stem = stem.rsplit_once('-').map_or(stem, |(s, _)| s);
    let used: i64 = trace_media::table
        .filter(
            trace_media::path
                .eq(path)
                .or(trace_media::path.like(format!("{original_stem}.%"))),
        )
        .count()
        .get_result(conn)?;
    Ok(used > 0)
}

pub fn add_media(conn: &mut DbConnection, media: &NewTraceMedia, actor: &Actor) -> DbResult<i32> {
    // A photo may become the product's thumbnail in result lists, which the search index holds.
    super::search_changes::logged_transaction(conn, |conn| {
        let id: i32 = diesel::insert_into(trace_media::table)
            .values(media)
            .returning(trace_media::id)
            .get_result(conn)?;
        if media.kind == "photo" {
            super::search_changes::record(conn, media.product_id)?;
        }
        let entity = match media.owner_kind.as_str() {
            "site" => Subject::ProductionSite,
            "step" => Subject::TraceStep,
            _ => Subject::ProductBatch,
        };
        let what = if media.kind == "pdf" {
            Action::AttachPdf
        } else {
            Action::AttachPhoto
        };
        event(entity, media.owner_id, what, None, None, &media.path, actor).record(conn)?;
        Ok(id)
    })
}

/// Whether the owner named by an upload form exists, was not removed and belongs to the product.
pub fn owner_belongs_to(conn: &mut DbConnection, owner: MediaOwner, product_id: i32) -> DbResult<bool> {
    let found: Option<i32> = match owner {
        MediaOwner::Site(id) => production_sites::table
            .find(id)
            .filter(production_sites::removed_at.is_null())
            .select(production_sites::product_id)
            .first(conn)
            .optional()?,
        MediaOwner::Step(id) => trace_steps::table
            .find(id)
            .filter(trace_steps::removed_at.is_null())
            .select(trace_steps::product_id)
            .first(conn)
            .optional()?,
        MediaOwner::Batch(id) => product_batches::table
            .find(id)
            .filter(product_batches::removed_at.is_null())
            .select(product_batches::product_id)
            .first(conn)
            .optional()?,
    };
    Ok(found == Some(product_id))
}

/// Scans of one code on one day: `batch_id` 0 is the product's own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScanKey {
    pub product_id: i32,
    pub batch_id: i32,
    pub day: NaiveDate,
}

/// Adds counted scans to the stored totals, one upsert per key, all in one transaction.
pub fn add_scans(conn: &mut DbConnection, counts: &[(ScanKey, i64)]) -> DbResult<()> {
    use diesel::upsert::excluded;
    super::transaction(conn, |conn| {
        for (key, n) in counts {
            let row = (
                scan_counts::product_id.eq(key.product_id),
                scan_counts::batch_id.eq(key.batch_id),
                scan_counts::day.eq(key.day),
                scan_counts::scans.eq(n),
            );
            let target = (scan_counts::product_id, scan_counts::batch_id, scan_counts::day);
            // The multi-backend connection cannot express ON CONFLICT; both backends can.
            match conn {
                DbConnection::Sqlite(c) => diesel::insert_into(scan_counts::table)
                    .values(row)
                    .on_conflict(target)
                    .do_update()
                    .set(scan_counts::scans.eq(scan_counts::scans + excluded(scan_counts::scans)))
                    .execute(c)?,
                DbConnection::Postgresql(c) => diesel::insert_into(scan_counts::table)
                    .values(row)
                    .on_conflict(target)
                    .do_update()
                    .set(scan_counts::scans.eq(scan_counts::scans + excluded(scan_counts::scans)))
                    .execute(c)?,
            };
        }
        Ok(())
    })
}

/// A product's scans per day and batch since `since`, newest day first.
pub fn scans_of_product(
    conn: &mut DbConnection,
    product_id: i32,
    since: NaiveDate,
) -> DbResult<Vec<(NaiveDate, i32, i64)>> {
    Ok(scan_counts::table
        .filter(scan_counts::product_id.eq(product_id))
        .filter(scan_counts::day.ge(since))
        .order((scan_counts::day.desc(), scan_counts::batch_id))
        .select((scan_counts::day, scan_counts::batch_id, scan_counts::scans))
        .load(conn)?)
}

/// The most scanned products since `since`: product id and total scans.
pub fn most_scanned(conn: &mut DbConnection, since: NaiveDate, limit: i64) -> DbResult<Vec<(i32, i64)>> {
    // SUM over BIGINT is NUMERIC in PostgreSQL; the cast keeps one Rust type for both backends.
    let total = || diesel::dsl::sql::<diesel::sql_types::BigInt>("CAST(SUM(scans) AS BIGINT)");
    Ok(scan_counts::table
        .filter(scan_counts::day.ge(since))
        .group_by(scan_counts::product_id)
        .select((scan_counts::product_id, total()))
        .order(total().desc())
        .limit(limit)
        .load(conn)?)
}

/// Everything a scan page shows about one product, or one batch of it.
pub struct TraceRecord {
    pub product: super::products::Product,
    pub supplier: super::suppliers::Supplier,
    /// Kind, number, valid until.
    pub certificates: Vec<(String, String, Option<NaiveDate>)>,
    /// The event that put the product in its present state, when that is not "listed".
    pub status_event: Option<super::events::Event>,
    pub sites: Vec<Site>,
    pub batches: Vec<ProductBatch>,
    /// The scanned batch, for a lot's code.
    pub batch: Option<ProductBatch>,
    /// The scanned batch when its record was removed: the page says so rather than show it.
    pub removed_batch: Option<ProductBatch>,
    pub steps: Vec<TraceStep>,
    pub media: Vec<TraceMedia>,
    /// The recalls of the product's lots.
    pub recalls: Vec<super::recalls::LotRecall>,
    /// The product's notices in force, newest first.
    pub notices: Vec<super::notices::NoticeLink>,
}

impl TraceRecord {
    /// The notice of the product's present suspension or delisting, or of the recall of `lot`: (id, number).
    pub fn notice_for(&self, lot: Option<&str>) -> Option<(i32, String)> {
        self.notices
            .iter()
            .find(|n| match lot {
                Some(lot) => n.kind == "lot_recalled" && n.lot_code.as_deref() == Some(lot),
                None => n.kind == "suspended" || n.kind == "delisted",
            })
            .map(|n| (n.id, n.number.clone()))
    }
}

impl TraceRecord {
    /// Loads the record of `product`, or of its batch `lot`; `None` when the product has no such lot.
    pub fn load(
        conn: &mut DbConnection,
        product: super::products::Product,
        lot: Option<&str>,
    ) -> DbResult<Option<Self>> {
        use super::schema::{product_certificates, suppliers};
        let batches = ProductBatch::of_product(conn, product.id)?;
        let (batch, removed_batch) = match lot {
            Some(lot) => match batches.iter().find(|b| b.lot_code == lot) {
                Some(b) => (Some(b.clone()), None),
                None => match ProductBatch::find_lot(conn, product.id, lot)? {
                    Some(removed) => (None, Some(removed)),
                    None => return Ok(None),
                },
            },
            None => (None, None),
        };
        let supplier = suppliers::table
            .find(product.supplier_id)
            .select(super::suppliers::Supplier::as_select())
            .first(conn)?;
        let certificates = product_certificates::table
            .filter(product_certificates::product_id.eq(product.id))
            .order(product_certificates::id)
            .select((
                product_certificates::kind,
                product_certificates::number,
                product_certificates::valid_until,
            ))
            .load(conn)?;
        let status_event = if product.listing_status == crate::domain::ListingStatus::Listed.as_str() {
            None
        } else {
            super::events::latest(
                conn,
                Subject::Product,
                product.id,
                &[Action::Suspend, Action::Delist, Action::Withdraw],
            )?
        };
        Ok(Some(TraceRecord {
            sites: Site::of_product(conn, product.id)?,
            steps: TraceStep::of_product(conn, product.id)?,
            media: TraceMedia::of_product(conn, product.id)?,
            recalls: super::recalls::of_product(conn, product.id)?,
            notices: super::notices::of_product(conn, product.id)?,
            supplier,
            certificates,
            status_event,
            batches,
            batch,
            removed_batch,
            product,
        }))
    }
}

/// The kinds of trace record that may be corrected or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Site,
    Batch,
    Step,
    Media,
}

impl RecordKind {
    pub fn subject(self) -> Subject {
        match self {
            RecordKind::Site => Subject::ProductionSite,
            RecordKind::Batch => Subject::ProductBatch,
            RecordKind::Step => Subject::TraceStep,
            RecordKind::Media => Subject::TraceMedia,
        }
    }

    /// How messages name one.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Site => "生产基地",
            RecordKind::Batch => "批次",
            RecordKind::Step => "生长过程记录",
            RecordKind::Media => "照片或报告",
        }
    }
}

/// Why a correction or removal was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No such record of this product.
    #[error("{0}")]
    NotFound(String),
    /// Removed, or changed since the form was shown: who did it and when.
    #[error("{0}")]
    Moved(String),
    /// The form changes nothing.
    #[error("{0}")]
    Unchanged(String),
    #[error(transparent)]
    Db(#[from] super::DbError),
}

impl From<diesel::result::Error> for ChangeError {
    fn from(e: diesel::result::Error) -> Self {
        ChangeError::Db(super::DbError::Query(e))
    }
}

/// The product, removal time and version of a record (media have no version: 0).
type RecordState = (i32, Option<NaiveDateTime>, i32);

fn record_state(conn: &mut DbConnection, kind: RecordKind, id: i32) -> DbResult<Option<RecordState>> {
    macro_rules! state_of {
        ($table:ident, $version:expr) => {
            $table::table
                .find(id)
                .select(($table::product_id, $table::removed_at, $version))
                .first::<RecordState>(conn)
                .optional()?
        };
    }
    Ok(match kind {
        RecordKind::Site => state_of!(production_sites, production_sites::version),
        RecordKind::Batch => state_of!(product_batches, product_batches::version),
        RecordKind::Step => state_of!(trace_steps, trace_steps::version),
        RecordKind::Media => state_of!(trace_media, diesel::dsl::sql::<diesel::sql_types::Integer>("0")),
    })
}

/// Checks the record is the product's, not removed and, when `version` is given, unchanged since
/// the form was shown; the error says why not.
fn check_current(
    conn: &mut DbConnection,
    kind: RecordKind,
    product_id: i32,
    id: i32,
    version: Option<i32>,
) -> Result<(), ChangeError> {
    let missing = || ChangeError::NotFound(format!("该产品没有这条{}记录。", kind.label()));
    let (owner, removed_at, current) = record_state(conn, kind, id)?.ok_or_else(missing)?;
    if owner != product_id {
        return Err(missing());
    }
    if removed_at.is_some() {
        let by = super::events::moved_by(conn, kind.subject(), id)?;
        return Err(ChangeError::Moved(format!(
            "这条{}记录已被删除{by}，不能再更正或删除。",
            kind.label()
        )));
    }
    if version.is_some_and(|v| v != current) {
        let by = super::events::moved_by(conn, kind.subject(), id)?;
        return Err(ChangeError::Moved(format!(
            "这条{}记录刚刚已被他人更正{by}，请刷新页面查看后再更正。",
            kind.label()
        )));
    }
    Ok(())
}

/// Removes a record of `product_id`: kept in the database, hidden from the scan page. One
/// compare-and-set on "not removed yet", with its event.
pub fn remove(
    conn: &mut DbConnection,
    kind: RecordKind,
    product_id: i32,
    id: i32,
    reason: &str,
    actor: &Actor,
) -> Result<(), ChangeError> {
    // Removing a photo may change the product's thumbnail in result lists; anything removed
    // changes the scan page, which other servers learn of through the log.
    super::search_changes::logged_transaction(conn, |conn| {
        let at = super::now();
        let reason = reason.trim();
        macro_rules! mark_removed {
            ($table:ident) => {
                diesel::update(
                    $table::table
                        .filter($table::id.eq(id))
                        .filter($table::product_id.eq(product_id))
                        .filter($table::removed_at.is_null()),
                )
                .set((
                    $table::removed_at.eq(Some(at)),
                    $table::removed_reason.eq(Some(reason)),
                ))
                .execute(conn)?
            };
        }
        let changed = match kind {
            RecordKind::Site => mark_removed!(production_sites),
            RecordKind::Batch => mark_removed!(product_batches),
            RecordKind::Step => mark_removed!(trace_steps),
            RecordKind::Media => mark_removed!(trace_media),
        };
        if changed == 0 {
            check_current(conn, kind, product_id, id, None)?;
            unreachable_change(kind)?;
        }
        super::search_changes::record(conn, product_id)?;
        NewEvent::new(kind.subject(), id, Action::Remove, actor)
            .moved(None, Some("removed"))
            .because(reason)
            .at(at)
            .record(conn)?;
        Ok(())
    })
}

/// A compare-and-set that matched nothing, yet the record checks out: it moved in between.
fn unreachable_change(kind: RecordKind) -> Result<(), ChangeError> {
    Err(ChangeError::Moved(format!(
        "这条{}记录刚刚已被他人修改，请刷新页面后再操作。",
        kind.label()
    )))
}

/// The fields of a site a correction may change.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFields {
    pub name: String,
    pub place: String,
    pub altitude_m: Option<i32>,
    pub description: String,
}

/// The fields of a batch a correction may change; the lot code is printed on packages and stays.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchFields {
    pub produced_on: Option<NaiveDate>,
    pub packed_on: Option<NaiveDate>,
    pub quantity_milli: Option<i64>,
    pub quantity_unit: Option<String>,
    pub origin: String,
    pub inspection_result: String,
    pub inspection_note: String,
}

/// The fields of a timeline step a correction may change.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFields {
    pub batch_id: Option<i32>,
    pub occurred_on: NaiveDate,
    pub stage: String,
    pub description: String,
}

/// What a correction changed, field by field, as the event's from and to: "名称：旧" → "名称：新".
#[derive(Default)]
struct Diff {
    from: Vec<String>,
    to: Vec<String>,
}

impl Diff {
    fn field(&mut self, label: &str, old: impl std::fmt::Display, new: impl std::fmt::Display) {
        let (old, new) = (old.to_string(), new.to_string());
        if old != new {
            self.from.push(format!("{label}：{old}"));
            self.to.push(format!("{label}：{new}"));
        }
    }

    fn opt<T: std::fmt::Display>(&mut self, label: &str, old: &Option<T>, new: &Option<T>) {
        let show = |v: &Option<T>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        self.field(label, show(old), show(new));
    }

    /// Records the event, or refuses a correction that changes nothing.
    fn record(
        self,
        conn: &mut DbConnection,
        kind: RecordKind,
        id: i32,
        reason: &str,
        actor: &Actor,
        at: NaiveDateTime,
    ) -> Result<(), ChangeError> {
        if self.from.is_empty() {
            return Err(ChangeError::Unchanged(format!(
                "表单与现有的{}记录相同，没有需要更正的内容。",
                kind.label()
            )));
        }
        NewEvent::new(kind.subject(), id, Action::Correct, actor)
            .moved(Some(&self.from.join("；")), Some(&self.to.join("；")))
            .because(reason)
            .at(at)
            .record(conn)?;
        Ok(())
    }
}

/// Corrects a site of `product_id` as shown at `version`, with its event.
pub fn correct_site(
    conn: &mut DbConnection,
    product_id: i32,
    id: i32,
    version: i32,
    fields: &SiteFields,
    reason: &str,
    actor: &Actor,
) -> Result<(), ChangeError> {
    // Shown on the scan page: the log tells other servers to drop their cached copy.
    super::search_changes::logged_transaction(conn, |conn| {
        super::search_changes::record(conn, product_id)?;
        let kind = RecordKind::Site;
        check_current(conn, kind, product_id, id, Some(version))?;
        let old: Site = production_sites::table.find(id).select(Site::as_select()).first(conn)?;
        let mut diff = Diff::default();
        diff.field("名称", &old.name, &fields.name);
        diff.field("地点", &old.place, &fields.place);
        diff.opt("海拔", &old.altitude_m, &fields.altitude_m);
        diff.field("环境说明", &old.description, &fields.description);
        let at = super::now();
        diff.record(conn, kind, id, reason, actor, at)?;
        let changed = diesel::update(
            production_sites::table
                .filter(production_sites::id.eq(id))
                .filter(production_sites::removed_at.is_null())
                .filter(production_sites::version.eq(version)),
        )
        .set((
            production_sites::name.eq(&fields.name),
            production_sites::place.eq(&fields.place),
            production_sites::altitude_m.eq(fields.altitude_m),
            production_sites::description.eq(&fields.description),
            production_sites::version.eq(version + 1),
        ))
        .execute(conn)?;
        if changed == 0 {
            unreachable_change(kind)?;
        }
        Ok(())
    })
}

/// Corrects a batch of `product_id` as shown at `version`, with its event; a changed inspection
/// result is kept as corrected, with the time and what it was, for the scan page.
pub fn correct_batch(
    conn: &mut DbConnection,
    product_id: i32,
    id: i32,
    version: i32,
    fields: &BatchFields,
    reason: &str,
    actor: &Actor,
) -> Result<(), ChangeError> {
    use crate::domain::InspectionResult;
    // Shown on the scan page: the log tells other servers to drop their cached copy.
    super::search_changes::logged_transaction(conn, |conn| {
        super::search_changes::record(conn, product_id)?;
        let kind = RecordKind::Batch;
        check_current(conn, kind, product_id, id, Some(version))?;
        let old: ProductBatch = product_batches::table
            .find(id)
            .select(ProductBatch::as_select())
            .first(conn)?;
        let result_label = |s: &str| InspectionResult::parse(s).map_or(s.to_owned(), |r| r.label().to_owned());
        let mut diff = Diff::default();
        diff.field(
            "检测结果",
            result_label(&old.inspection_result),
            result_label(&fields.inspection_result),
        );
        diff.field("检测说明", &old.inspection_note, &fields.inspection_note);
        diff.opt("采收/生产日期", &old.produced_on, &fields.produced_on);
        diff.opt("包装日期", &old.packed_on, &fields.packed_on);
        diff.opt("数量", &old.quantity_milli, &fields.quantity_milli);
        diff.opt("数量单位", &old.quantity_unit, &fields.quantity_unit);
        diff.field("产地基地", &old.origin, &fields.origin);
        let at = super::now();
        diff.record(conn, kind, id, reason, actor, at)?;
        let (corrected_at, was) = if old.inspection_result == fields.inspection_result {
            (old.result_corrected_at, old.result_was)
        } else {
            (Some(at), Some(old.inspection_result))
        };
        let changed = diesel::update(
            product_batches::table
                .filter(product_batches::id.eq(id))
                .filter(product_batches::removed_at.is_null())
                .filter(product_batches::version.eq(version)),
        )
        .set((
            product_batches::produced_on.eq(fields.produced_on),
            product_batches::packed_on.eq(fields.packed_on),
            product_batches::quantity_milli.eq(fields.quantity_milli),
            product_batches::quantity_unit.eq(&fields.quantity_unit),
            product_batches::origin.eq(&fields.origin),
            product_batches::inspection_result.eq(&fields.inspection_result),
            product_batches::inspection_note.eq(&fields.inspection_note),
            product_batches::result_corrected_at.eq(corrected_at),
            product_batches::result_was.eq(was),
            product_batches::version.eq(version + 1),
        ))
        .execute(conn)?;
        if changed == 0 {
            unreachable_change(kind)?;
        }
        Ok(())
    })
}

/// Corrects a timeline step of `product_id` as shown at `version`, with its event.
pub fn correct_step(
    conn: &mut DbConnection,
    product_id: i32,
    id: i32,
    version: i32,
    fields: &StepFields,
    reason: &str,
    actor: &Actor,
) -> Result<(), ChangeError> {
    // Shown on the scan page: the log tells other servers to drop their cached copy.
    super::search_changes::logged_transaction(conn, |conn| {
        super::search_changes::record(conn, product_id)?;
        let kind = RecordKind::Step;
        check_current(conn, kind, product_id, id, Some(version))?;
        let old: TraceStep = trace_steps::table.find(id).select(TraceStep::as_select()).first(conn)?;
        let lot = |conn: &mut DbConnection, batch: Option<i32>| -> DbResult<String> {
            Ok(match batch {
                Some(b) => product_batches::table
                    .find(b)
                    .select(product_batches::lot_code)
                    .first(conn)?,
                None => "整个产品".to_owned(),
            })
        };
        let mut diff = Diff::default();
        diff.field("日期", old.occurred_on, fields.occurred_on);
        diff.field("环节", &old.stage, &fields.stage);
        diff.field("批次", lot(conn, old.batch_id)?, lot(conn, fields.batch_id)?);
        diff.field("过程说明", &old.description, &fields.description);
        let at = super::now();
        diff.record(conn, kind, id, reason, actor, at)?;
        let changed = diesel::update(
            trace_steps::table
                .filter(trace_steps::id.eq(id))
                .filter(trace_steps::removed_at.is_null())
                .filter(trace_steps::version.eq(version)),
        )
        .set((
            trace_steps::batch_id.eq(fields.batch_id),
            trace_steps::occurred_on.eq(fields.occurred_on),
            trace_steps::stage.eq(&fields.stage),
            trace_steps::description.eq(&fields.description),
            trace_steps::version.eq(version + 1),
        ))
        .execute(conn)?;
        if changed == 0 {
            unreachable_change(kind)?;
        }
        Ok(())
    })
}

/// The removed sites, steps and photos of a product, for the record page's list of removals.
pub fn removed_of_product(
    conn: &mut DbConnection,
    product_id: i32,
) -> DbResult<(Vec<Site>, Vec<TraceStep>, Vec<TraceMedia>)> {
    let sites = production_sites::table
        .filter(production_sites::product_id.eq(product_id))
        .filter(production_sites::removed_at.is_not_null())
        .order(production_sites::removed_at.desc())
        .select(Site::as_select())
        .load(conn)?;
    let steps = trace_steps::table
        .filter(trace_steps::product_id.eq(product_id))
        .filter(trace_steps::removed_at.is_not_null())
        .order(trace_steps::removed_at.desc())
        .select(TraceStep::as_select())
        .load(conn)?;
    let media = trace_media::table
        .filter(trace_media::product_id.eq(product_id))
        .filter(trace_media::removed_at.is_not_null())
        .order(trace_media::removed_at.desc())
        .select(TraceMedia::as_select())
        .load(conn)?;
    Ok((sites, steps, media))
}
