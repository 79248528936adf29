//! Traceability records: production sites, batches (lots), the growth-process timeline, their
//! photos and reports, and the scan counts of the QR codes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

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
    /// The batches of a product, newest first.
    pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<ProductBatch>> {
        Ok(product_batches::table
            .filter(product_batches::product_id.eq(product_id))
            .order((product_batches::produced_on.desc(), product_batches::id.desc()))
            .select(ProductBatch::as_select())
            .load(conn)?)
    }

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
    /// Every step of a product and its batches, in the order they happened.
    pub fn of_product(conn: &mut DbConnection, product_id: i32) -> DbResult<Vec<TraceStep>> {
        Ok(trace_steps::table
            .filter(trace_steps::product_id.eq(product_id))
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
    super::transaction(conn, |conn| {
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
    super::transaction(conn, |conn| {
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
    super::transaction(conn, |conn| {
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
    super::transaction(conn, |conn| {
        let id: i32 = diesel::insert_into(trace_media::table)
            .values(media)
            .returning(trace_media::id)
            .get_result(conn)?;
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

/// Whether the owner named by an upload form exists and belongs to the product.
pub fn owner_belongs_to(conn: &mut DbConnection, owner: MediaOwner, product_id: i32) -> DbResult<bool> {
    let found: Option<i32> = match owner {
        MediaOwner::Site(id) => production_sites::table
            .find(id)
            .select(production_sites::product_id)
            .first(conn)
            .optional()?,
        MediaOwner::Step(id) => trace_steps::table
            .find(id)
            .select(trace_steps::product_id)
            .first(conn)
            .optional()?,
        MediaOwner::Batch(id) => product_batches::table
            .find(id)
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
    pub steps: Vec<TraceStep>,
    pub media: Vec<TraceMedia>,
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
        let batch = match lot {
            Some(lot) => match batches.iter().find(|b| b.lot_code == lot) {
                Some(b) => Some(b.clone()),
                None => return Ok(None),
            },
            None => None,
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
            supplier,
            certificates,
            status_event,
            batches,
            batch,
            product,
        }))
    }
}
