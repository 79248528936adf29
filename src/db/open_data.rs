//! What the open-data files are written from: product versions, read a page of products at a
//! time so that memory stays flat in the size of the catalogue.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::product_versions;
use super::{DbConnection, DbResult};
use crate::domain::open_data::Version;
use crate::domain::versions::{ChangeKind, end_of_china_day, start_of_china_day};
use crate::domain::{ListingStatus, china_date};

type VersionColumns = (
    i32,
    NaiveDateTime,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
);

/// The next `limit` products after `after` (by id) that are in the catalogue's history.
pub fn products_after(conn: &mut DbConnection, after: i32, limit: i64) -> DbResult<Vec<i32>> {
    Ok(product_versions::table
        .filter(product_versions::valid_to.is_null())
        .filter(product_versions::product_id.gt(after))
        .order(product_versions::product_id)
        .select(product_versions::product_id)
        .limit(limit)
        .load(conn)?)
}

/// The versions of these products, oldest first, grouped by product in the order of `ids`.
pub fn histories(conn: &mut DbConnection, ids: &[i32]) -> DbResult<Vec<(i32, Vec<Version>)>> {
    let rows: Vec<VersionColumns> = product_versions::table
        .filter(product_versions::product_id.eq_any(ids))
        .order((
            product_versions::product_id,
            product_versions::valid_from,
            product_versions::id,
        ))
        .select((
            product_versions::product_id,
            product_versions::valid_from,
            product_versions::change_kind,
            product_versions::listing_status,
            product_versions::reason,
            product_versions::catalogue_code,
            product_versions::name,
            product_versions::category,
            product_versions::specification,
            product_versions::unit_price_fen,
            product_versions::county_code,
            product_versions::supplier_name,
            product_versions::trademark,
        ))
        .load(conn)?;
    let mut grouped: Vec<(i32, Vec<Version>)> = Vec::with_capacity(ids.len());
    for (
        product,
        from,
        kind,
        status,
        reason,
        code,
        name,
        category,
        specification,
        price,
        county,
        supplier,
        trademark,
    ) in rows
    {
        let version = Version {
            from,
            kind: ChangeKind::parse(&kind).unwrap_or(ChangeKind::DetailsChanged),
            status: ListingStatus::parse(&status).unwrap_or(ListingStatus::Listed),
            reason,
            catalogue_code: code,
            name,
            category,
            specification,
            unit_price_fen: price,
            county_code: county,
            supplier_name: supplier,
            trademark,
        };
        match grouped.last_mut() {
            Some((id, versions)) if *id == product => versions.push(version),
            _ => grouped.push((product, vec![version])),
        }
    }
    let position = |id: &i32| ids.iter().position(|i| i == id).unwrap_or(usize::MAX);
    grouped.sort_by_key(|(id, _)| position(id));
    Ok(grouped)
}

/// Every China-time day on which a version was opened, read a page at a time.
pub fn change_days(conn: &mut DbConnection) -> DbResult<BTreeSet<NaiveDate>> {
    const PAGE: i64 = 50_000;
    let mut days = BTreeSet::new();
    let mut after = 0;
    loop {
        let page: Vec<(i32, NaiveDateTime)> = product_versions::table
            .filter(product_versions::id.gt(after))
            .order(product_versions::id)
            .select((product_versions::id, product_versions::valid_from))
            .limit(PAGE)
            .load(conn)?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        days.extend(page.iter().map(|(_, at)| china_date(*at)));
    }
    Ok(days)
}

/// The products with a version opened on `day` (China time), by id.
pub fn changed_on(conn: &mut DbConnection, day: NaiveDate) -> DbResult<Vec<i32>> {
    Ok(product_versions::table
        .filter(product_versions::valid_from.ge(start_of_china_day(day)))
        .filter(product_versions::valid_from.lt(end_of_china_day(day)))
        .select(product_versions::product_id)
        .distinct()
        .order(product_versions::product_id)
        .load(conn)?)
}
