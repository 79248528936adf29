//! Nomination batches and their rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{counties, nomination_batches, nomination_rows};
use super::{DbConnection, DbResult, now};
use crate::domain::nomination::{BatchStatus, RowStatus};
use crate::domain::{Category, CountyCode, CreditCode, Fen, Gtin, PhoneNumber, PovertyRegionKind, Quantity};
use crate::sheet::NominationInput;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = nomination_batches)]
pub struct Batch {
    pub id: i32,
    pub county_code: String,
    pub organisation_id: i32,
    pub title: String,
    pub status: String,
    pub source: String,
    pub source_filename: Option<String>,
    pub recommending_unit: Option<String>,
    pub filled_by: Option<String>,
    pub filled_by_phone: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Batch {
    pub fn status(&self) -> BatchStatus {
        BatchStatus::parse(&self.status).unwrap_or(BatchStatus::Draft)
    }

    pub fn find(conn: &mut DbConnection, id: i32) -> DbResult<Option<Batch>> {
        Ok(nomination_batches::table
            .find(id)
            .select(Batch::as_select())
            .first(conn)
            .optional()?)
    }

    /// Batches of the given counties, newest first.
    pub fn of_counties(conn: &mut DbConnection, county_codes: &[String]) -> DbResult<Vec<Batch>> {
        Ok(nomination_batches::table
            .filter(nomination_batches::county_code.eq_any(county_codes))
            .order(nomination_batches::id.desc())
            .select(Batch::as_select())
            .load(conn)?)
    }

    /// Moves the batch from `from` to `to` if it is still in `from` (compare-and-set); false when
    /// another request moved it first.
    pub fn move_status(conn: &mut DbConnection, id: i32, from: BatchStatus, to: BatchStatus) -> DbResult<bool> {
        let changed = diesel::update(
            nomination_batches::table
                .find(id)
                .filter(nomination_batches::status.eq(from.as_str())),
        )
        .set((
            nomination_batches::status.eq(to.as_str()),
            nomination_batches::updated_at.eq(now()),
        ))
        .execute(conn)?;
        Ok(changed == 1)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = nomination_batches)]
pub struct NewBatch {
    pub county_code: String,
    pub organisation_id: i32,
    pub title: String,
    pub status: String,
    pub source: String,
    pub source_filename: Option<String>,
    pub recommending_unit: Option<String>,
    pub filled_by: Option<String>,
    pub filled_by_phone: Option<String>,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl NewBatch {
    pub fn insert(&self, conn: &mut DbConnection) -> DbResult<i32> {
        Ok(diesel::insert_into(nomination_batches::table)
            .values(self)
            .returning(nomination_batches::id)
            .get_result(conn)?)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = nomination_rows)]
pub struct Row {
    pub id: i32,
    pub batch_id: i32,
    pub row_no: i32,
    pub supplier_name: String,
    pub credit_code: Option<String>,
    pub product_name: String,
    pub annual_output_milli: Option<i64>,
    pub annual_output_unit: Option<String>,
    pub poor_people_supported: Option<i32>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub category: Option<String>,
    pub specification: Option<String>,
    pub unit_price_fen: Option<i64>,
    pub national_catalogue_no: Option<String>,
    pub gtin: Option<String>,
    pub certificates: Option<String>,
    pub poverty_region_kind: Option<String>,
    pub poverty_region_note: Option<String>,
    pub review_status: String,
    pub review_reason: String,
    pub product_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Row {
    pub fn status(&self) -> RowStatus {
        RowStatus::parse(&self.review_status).unwrap_or(RowStatus::Draft)
    }

    /// The row as validated input again. Stored values were validated on the way in.
    pub fn to_input(&self, county: &str) -> NominationInput {
        NominationInput {
            row_no: u32::try_from(self.row_no).ok(),
            county: CountyCode::parse(county).ok(),
            supplier_name: self.supplier_name.clone(),
            credit_code: self.credit_code.as_deref().and_then(|c| CreditCode::parse(c).ok()),
            product_name: self.product_name.clone(),
            annual_output: match (self.annual_output_milli, &self.annual_output_unit) {
                (Some(milli), Some(unit)) => Some(Quantity {
                    milli,
                    unit: unit.clone(),
                }),
                _ => None,
            },
            poor_people_supported: self.poor_people_supported.and_then(|n| u32::try_from(n).ok()),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()),
            category: self.category.as_deref().and_then(|c| Category::parse(c).ok()),
            specification: self.specification.clone(),
            unit_price: self.unit_price_fen.map(Fen),
            national_catalogue_no: self.national_catalogue_no.clone(),
            gtin: self.gtin.as_deref().and_then(|g| Gtin::parse(g).ok()),
            certificates: self.certificates.clone(),
            poverty_region: self.poverty_region_kind.as_deref().and_then(PovertyRegionKind::parse),
            poverty_region_note: self.poverty_region_note.clone(),
        }
    }

    pub fn find(conn: &mut DbConnection, id: i32) -> DbResult<Option<Row>> {
        Ok(nomination_rows::table
            .find(id)
            .select(Row::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn of_batch(conn: &mut DbConnection, batch_id: i32) -> DbResult<Vec<Row>> {
        Ok(nomination_rows::table
            .filter(nomination_rows::batch_id.eq(batch_id))
            .order((nomination_rows::row_no, nomination_rows::id))
            .select(Row::as_select())
            .load(conn)?)
    }

    /// Moves the row from `from` to `to` if it is still in `from` (compare-and-set); false when
    /// another request moved it first.
    pub fn move_status(
        conn: &mut DbConnection,
        id: i32,
        from: RowStatus,
        to: RowStatus,
        reason: &str,
    ) -> DbResult<bool> {
        let changed = diesel::update(
            nomination_rows::table
                .find(id)
                .filter(nomination_rows::review_status.eq(from.as_str())),
        )
        .set((
            nomination_rows::review_status.eq(to.as_str()),
            nomination_rows::review_reason.eq(reason),
            nomination_rows::updated_at.eq(now()),
        ))
        .execute(conn)?;
        Ok(changed == 1)
    }

    pub fn link_product(conn: &mut DbConnection, id: i32, product_id: i32) -> DbResult<()> {
        diesel::update(nomination_rows::table.find(id))
            .set(nomination_rows::product_id.eq(product_id))
            .execute(conn)?;
        Ok(())
    }

    pub fn replace(conn: &mut DbConnection, id: i32, input: &NominationInput) -> DbResult<()> {
        let values = RowValues::from_input(input);
        diesel::update(nomination_rows::table.find(id))
            .set((&values, nomination_rows::updated_at.eq(now())))
            .execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConnection, id: i32) -> DbResult<()> {
        diesel::delete(nomination_rows::table.find(id)).execute(conn)?;
        Ok(())
    }
}

/// The user-entered part of a row: what an edit replaces.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = nomination_rows, treat_none_as_null = true)]
struct RowValues {
    row_no: i32,
    supplier_name: String,
    credit_code: Option<String>,
    product_name: String,
    annual_output_milli: Option<i64>,
    annual_output_unit: Option<String>,
    poor_people_supported: Option<i32>,
    contact_name: String,
    contact_phone: Option<String>,
    category: Option<String>,
    specification: Option<String>,
    unit_price_fen: Option<i64>,
    national_catalogue_no: Option<String>,
    gtin: Option<String>,
    certificates: Option<String>,
    poverty_region_kind: Option<String>,
    poverty_region_note: Option<String>,
}

impl RowValues {
    fn from_input(i: &NominationInput) -> Self {
        RowValues {
            row_no: i.row_no.map(|n| n as i32).unwrap_or(0),
            supplier_name: i.supplier_name.clone(),
            credit_code: i.credit_code.as_ref().map(|c| c.to_string()),
            product_name: i.product_name.clone(),
            annual_output_milli: i.annual_output.as_ref().map(|q| q.milli),
            annual_output_unit: i.annual_output.as_ref().map(|q| q.unit.clone()),
            poor_people_supported: i.poor_people_supported.map(|n| n as i32),
            contact_name: i.contact_name.clone(),
            contact_phone: i.contact_phone.as_ref().map(|p| p.to_string()),
            category: i.category.as_ref().map(|c| c.to_string()),
            specification: i.specification.clone(),
            unit_price_fen: i.unit_price.map(|f| f.0),
            national_catalogue_no: i.national_catalogue_no.clone(),
            gtin: i.gtin.as_ref().map(|g| g.to_string()),
            certificates: i.certificates.clone(),
            poverty_region_kind: i.poverty_region.map(|k| k.as_str().to_owned()),
            poverty_region_note: i.poverty_region_note.clone(),
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = nomination_rows)]
pub struct NewRow {
    batch_id: i32,
    row_no: i32,
    supplier_name: String,
    credit_code: Option<String>,
    product_name: String,
    annual_output_milli: Option<i64>,
    annual_output_unit: Option<String>,
    poor_people_supported: Option<i32>,
    contact_name: String,
    contact_phone: Option<String>,
    category: Option<String>,
    specification: Option<String>,
    unit_price_fen: Option<i64>,
    national_catalogue_no: Option<String>,
    gtin: Option<String>,
    certificates: Option<String>,
    poverty_region_kind: Option<String>,
    poverty_region_note: Option<String>,
    review_status: String,
    review_reason: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl NewRow {
    pub fn draft(batch_id: i32, input: &NominationInput) -> Self {
        let v = RowValues::from_input(input);
        let at = now();
        NewRow {
            batch_id,
            row_no: v.row_no,
            supplier_name: v.supplier_name,
            credit_code: v.credit_code,
            product_name: v.product_name,
            annual_output_milli: v.annual_output_milli,
            annual_output_unit: v.annual_output_unit,
            poor_people_supported: v.poor_people_supported,
            contact_name: v.contact_name,
            contact_phone: v.contact_phone,
            category: v.category,
            specification: v.specification,
            unit_price_fen: v.unit_price_fen,
            national_catalogue_no: v.national_catalogue_no,
            gtin: v.gtin,
            certificates: v.certificates,
            poverty_region_kind: v.poverty_region_kind,
            poverty_region_note: v.poverty_region_note,
            review_status: RowStatus::Draft.as_str().to_owned(),
            review_reason: String::new(),
            created_at: at,
            updated_at: at,
        }
    }
}

/// Inserts many rows in chunks (within the caller's transaction).
pub fn insert_rows(conn: &mut DbConnection, rows: &[NewRow]) -> DbResult<()> {
    for chunk in rows.chunks(500) {
        crate::batch_insert!(conn, nomination_rows::table, chunk)?;
    }
    Ok(())
}

/// The office's review queue: rows in a given state, with their batch's county, filtered.
#[derive(Debug, Default, Clone)]
pub struct QueueFilter {
    pub city: Option<String>,
    pub county: Option<String>,
    pub category: Option<String>,
    pub status: Option<RowStatus>,
}

pub fn queue(conn: &mut DbConnection, filter: &QueueFilter, limit: i64) -> DbResult<Vec<(Row, String)>> {
    let mut query = nomination_rows::table
        .inner_join(nomination_batches::table.inner_join(counties::table))
        .filter(nomination_batches::status.eq_any([BatchStatus::Forwarded.as_str(), BatchStatus::Submitted.as_str()]))
        .select((Row::as_select(), nomination_batches::county_code))
        .order((
            nomination_batches::county_code,
            nomination_rows::batch_id,
            nomination_rows::row_no,
        ))
        .limit(limit)
        .into_boxed();
    let status = filter.status.unwrap_or(RowStatus::Pending);
    query = query.filter(nomination_rows::review_status.eq(status.as_str()));
    if let Some(city) = &filter.city {
        query = query.filter(counties::city_code.eq(city.clone()));
    }
    if let Some(county) = &filter.county {
        query = query.filter(nomination_batches::county_code.eq(county.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(nomination_rows::category.eq(category.clone()));
    }
    Ok(query.load(conn)?)
}
