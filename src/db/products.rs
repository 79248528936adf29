//! Products in the catalogue, their catalogue codes and listing status.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{catalogue_serials, products};
use super::{DbConnection, DbResult};
use crate::domain::{CatalogueCode, CountyCode, ListingStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct Product {
    pub id: i32,
    pub catalogue_code: String,
    pub name: String,
    pub supplier_id: i32,
    pub county_code: String,
    pub category: String,
    pub specification: String,
    pub unit_price_fen: i64,
    pub annual_output_milli: i64,
    pub annual_output_unit: String,
    pub poor_people_supported: i32,
    pub national_catalogue_no: String,
    pub gtin: Option<String>,
    pub poverty_region_kind: String,
    pub poverty_region_note: Option<String>,
    pub description: String,
    pub listing_status: String,
    pub status_changed_at: NaiveDateTime,
    pub listed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub trademark: String,
}

impl Product {
    pub fn find_by_catalogue_code(conn: &mut DbConnection, code: &CatalogueCode) -> DbResult<Option<Product>> {
        Ok(products::table
            .filter(products::catalogue_code.eq(code.as_str()))
            .select(Product::as_select())
            .first(conn)
            .optional()?)
    }

    /// The product whose GTIN, in any of its lengths, is this 14-digit GTIN (as a GS1 Digital
    /// Link carries it). Where several products share a GTIN, the earliest listed.
    pub fn find_by_gtin14(conn: &mut DbConnection, gtin14: &str) -> DbResult<Option<Product>> {
        Ok(products::table
            .filter(products::gtin.eq_any(gtin_spellings(gtin14)))
            .order(products::id)
            .select(Product::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn count(conn: &mut DbConnection) -> DbResult<i64> {
        Ok(products::table.count().get_result(conn)?)
    }

    pub fn count_with_status(conn: &mut DbConnection, status: ListingStatus) -> DbResult<i64> {
        Ok(products::table
            .filter(products::listing_status.eq(status.as_str()))
            .count()
            .get_result(conn)?)
    }

    /// How many counties have at least one listed product.
    pub fn count_counties_listed(conn: &mut DbConnection) -> DbResult<i64> {
        Ok(products::table
            .filter(products::listing_status.eq(ListingStatus::Listed.as_str()))
            .select(diesel::dsl::count(products::county_code).aggregate_distinct())
            .get_result(conn)?)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct {
    pub catalogue_code: String,
    pub name: String,
    pub supplier_id: i32,
    pub county_code: String,
    pub category: String,
    pub specification: String,
    pub unit_price_fen: i64,
    pub annual_output_milli: i64,
    pub annual_output_unit: String,
    pub poor_people_supported: i32,
    pub national_catalogue_no: String,
    pub gtin: Option<String>,
    pub poverty_region_kind: String,
    pub poverty_region_note: Option<String>,
    pub description: String,
    pub listing_status: String,
    pub status_changed_at: NaiveDateTime,
    pub listed_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Empty when none is on record (nomination sheets do not carry one; the office adds it).
    pub trademark: String,
}

impl NewProduct {
    pub fn insert(&self, conn: &mut DbConnection) -> DbResult<i32> {
        Ok(diesel::insert_into(products::table)
            .values(self)
            .returning(products::id)
            .get_result(conn)?)
    }
}

/// Reserves the next `count` catalogue codes of a county. Call inside the transaction that uses
/// them: the counter only moves forward, so a code is never given twice.
pub fn reserve_catalogue_codes(
    conn: &mut DbConnection,
    county: &CountyCode,
    count: u32,
) -> DbResult<Vec<CatalogueCode>> {
    let last: Option<i32> = catalogue_serials::table
        .find(county.as_str())
        .select(catalogue_serials::last_serial)
        .first(conn)
        .optional()?;
    let first = last.unwrap_or(0) as u32 + 1;
    let new_last = (first + count - 1) as i32;
    match last {
        Some(_) => {
            diesel::update(catalogue_serials::table.find(county.as_str()))
                .set(catalogue_serials::last_serial.eq(new_last))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(catalogue_serials::table)
                .values((
                    catalogue_serials::county_code.eq(county.as_str()),
                    catalogue_serials::last_serial.eq(new_last),
                ))
                .execute(conn)?;
        }
    }
    Ok((first..first + count)
        .map(|serial| CatalogueCode::new(county, serial))
        .collect())
}

/// Listed products per county code.
pub fn listed_count_by_county(conn: &mut DbConnection) -> DbResult<Vec<(String, i64)>> {
    Ok(products::table
        .filter(products::listing_status.eq(ListingStatus::Listed.as_str()))
        .group_by(products::county_code)
        .select((products::county_code, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The ways a GTIN may be stored: GTIN-8, -12 and -13 are the 14-digit form without its leading
/// zeros.
fn gtin_spellings(gtin14: &str) -> Vec<&str> {
    [14, 13, 12, 8]
        .into_iter()
        .filter(|len| gtin14.len() >= *len && gtin14[..gtin14.len() - len].bytes().all(|b| b == b'0'))
        .map(|len| &gtin14[gtin14.len() - len..])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::gtin_spellings;

    #[test]
    fn a_gtin14_with_leading_zeros_matches_the_shorter_forms() {
        assert_eq!(gtin_spellings("06901234567892"), ["06901234567892", "6901234567892"]);
        assert_eq!(
            gtin_spellings("00000096385074"),
            ["00000096385074", "0000096385074", "000096385074", "96385074"]
        );
        assert_eq!(gtin_spellings("10614141000415"), ["10614141000415"]);
    }
}
