//! What a bundle or plan line shows of its product: joined from the catalogue at each read, so a
//! product that left the catalogue is flagged at the very next request, with no job to run.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{events, products, suppliers};
use super::{DbConnection, DbResult};
use crate::domain::{Action, ListingStatus, PovertyRegionKind, Subject};

/// A product as a line of a bundle or a plan shows it.
#[derive(Debug, Clone, Queryable)]
pub struct LineProduct {
    pub id: i32,
    pub catalogue_code: String,
    pub name: String,
    pub county_code: String,
    pub category: String,
    pub specification: String,
    pub unit_price_fen: i64,
    pub poverty_region_kind: String,
    pub poor_people_supported: i32,
    pub listing_status: String,
    pub status_changed_at: NaiveDateTime,
    pub supplier_id: i32,
    pub supplier_name: String,
    pub supplier_contact_name: String,
    pub supplier_contact_phone: String,
}

impl LineProduct {
    pub fn status(&self) -> ListingStatus {
        ListingStatus::parse(&self.listing_status).unwrap_or(ListingStatus::Listed)
    }

    pub fn poverty_kind(&self) -> PovertyRegionKind {
        PovertyRegionKind::parse(&self.poverty_region_kind).unwrap_or(PovertyRegionKind::PovertyCounty)
    }

    pub fn is_listed(&self) -> bool {
        self.status() == ListingStatus::Listed
    }
}

/// The products with these ids, by id.
pub fn products_by_id(conn: &mut DbConnection, ids: &[i32]) -> DbResult<HashMap<i32, LineProduct>> {
    let rows: Vec<LineProduct> = products::table
        .inner_join(suppliers::table)
        .filter(products::id.eq_any(ids))
        .select((
            products::id,
            products::catalogue_code,
            products::name,
            products::county_code,
            products::category,
            products::specification,
            products::unit_price_fen,
            products::poverty_region_kind,
            products::poor_people_supported,
            products::listing_status,
            products::status_changed_at,
            suppliers::id,
            suppliers::name,
            suppliers::contact_name,
            suppliers::contact_phone,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// Why each of these products left the catalogue: the reason of its latest suspension,
/// delisting or withdrawal, and when.
pub fn leave_reasons(conn: &mut DbConnection, ids: &[i32]) -> DbResult<HashMap<i32, (String, NaiveDateTime)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let leaving = [Action::Suspend, Action::Delist, Action::Withdraw].map(Action::as_str);
    let rows: Vec<(i32, String, NaiveDateTime)> = events::table
        .filter(events::entity_kind.eq(Subject::Product.as_str()))
        .filter(events::entity_id.eq_any(ids))
        .filter(events::action.eq_any(leaving))
        .order((events::occurred_at, events::id))
        .select((events::entity_id, events::reason, events::occurred_at))
        .load(conn)?;
    // Oldest first, so the latest of each product is the one kept.
    Ok(rows.into_iter().map(|(id, reason, at)| (id, (reason, at))).collect())
}
