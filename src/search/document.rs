//! What the app hands the index for one product.

use chrono::{DateTime, NaiveDateTime};
use tantivy::schema::{Field, Value};
use tantivy::{DocId, TantivyDocument};

use super::columns::SegmentColumns;
use super::schema::Fields;
use crate::domain::{ListingStatus, PovertyRegionKind};

/// One product as the search index sees it; the app fills it from the database.
///
/// Codes (`county_code`, `city_code`) are what filters and facets use; names are what text search
/// matches. `category` is one of [`crate::domain::product::CATEGORIES`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProductDoc {
    /// The product's database id: the only thing a hit returns to look the product up by.
    pub id: i32,
    pub catalogue_code: String,
    pub name: String,
    pub description: String,
    pub supplier_name: String,
    pub county_code: String,
    pub county_name: String,
    pub city_code: String,
    pub city_name: String,
    pub category: String,
    pub poverty_region_kind: PovertyRegionKind,
    pub listing_status: ListingStatus,
    pub unit_price_fen: i64,
    /// When the product was listed, in UTC.
    pub listed_at: NaiveDateTime,
    /// The thumbnail of the product's first photo (a path under `/media/`), for result lists.
    pub thumbnail: Option<String>,
}

impl ProductDoc {
    pub(crate) fn to_document(&self, f: &Fields) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_i64(f.id, i64::from(self.id));
        doc.add_text(f.catalogue_code, &self.catalogue_code);
        // The name goes into eight fields, each cut differently.
        let name_fields = [
            f.name,
            f.name_chars,
            f.name_bigrams,
            f.name_trigrams,
            f.name_pinyin,
            f.name_pinyin_pairs,
            f.name_initials,
            f.name_initial_pairs,
        ];
        for field in name_fields {
            doc.add_text(field, &self.name);
        }
        doc.add_text(f.description, &self.description);
        doc.add_text(f.supplier, &self.supplier_name);
        doc.add_text(f.place, format!("{} {}", self.county_name, self.city_name));
        doc.add_text(f.county_name, &self.county_name);
        doc.add_text(f.city_name, &self.city_name);
        doc.add_text(f.city, &self.city_code);
        doc.add_text(f.county, &self.county_code);
        doc.add_text(f.category, &self.category);
        doc.add_text(f.poverty, self.poverty_region_kind.as_str());
        doc.add_text(f.status, self.listing_status.as_str());
        doc.add_i64(f.price, self.unit_price_fen);
        doc.add_i64(f.listed_at, self.listed_at.and_utc().timestamp());
        if let Some(thumbnail) = &self.thumbnail {
            doc.add_text(f.thumbnail, thumbnail);
        }
        doc
    }

    /// The product as the index holds it: text from the stored document `doc`, everything else from
    /// the segment's columns at `doc_id`. `None` if a field is missing (a rebuild would fix it).
    pub(crate) fn from_index(
        doc: &TantivyDocument,
        f: &Fields,
        columns: &SegmentColumns,
        doc_id: DocId,
    ) -> Option<ProductDoc> {
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned);
        let at = doc_id as usize;
        let values = columns.facets.values_of(at);
        Some(ProductDoc {
            id: i32::try_from(*columns.id.get(at)?).ok()?,
            catalogue_code: text(f.catalogue_code)?,
            name: text(f.name)?,
            description: text(f.description)?,
            supplier_name: text(f.supplier)?,
            county_code: values.county?.to_owned(),
            county_name: text(f.county_name)?,
            city_code: values.city?.to_owned(),
            city_name: text(f.city_name)?,
            category: values.category?.to_owned(),
            poverty_region_kind: PovertyRegionKind::parse(values.poverty?)?,
            listing_status: ListingStatus::parse(values.status?).ok()?,
            unit_price_fen: *columns.price.get(at)?,
            listed_at: DateTime::from_timestamp(*columns.listed_at.get(at)?, 0)?.naive_utc(),
            thumbnail: text(f.thumbnail),
        })
    }
}
