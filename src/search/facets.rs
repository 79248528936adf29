//! Facet counts: how many matching products each city, county, category, poverty kind and status
//! has, over every match (not just the page).
//!
//! A custom collector reads each matching document's term ordinal from the string fast fields and
//! bumps a per-segment counter array; ordinals become strings only once per segment at the end.
//! That is one array read per dimension per document, cheaper than tantivy's general aggregations.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, ColumnValues, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema;

/// One value of a facet and how many matching products have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value as a filter takes it: a city or county code, a category name, a poverty kind or
    /// listing status code (`PovertyRegionKind::as_str`, `ListingStatus::as_str`).
    pub value: String,
    pub count: u64,
}

/// Counts per dimension, each sorted by count (highest first), then value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub city: Vec<FacetCount>,
    pub county: Vec<FacetCount>,
    pub category: Vec<FacetCount>,
    pub poverty: Vec<FacetCount>,
    pub status: Vec<FacetCount>,
}

/// The fast fields counted, in the order of [`Facets`]' fields.
const DIMENSIONS: [&str; 5] = [
    schema::CITY,
    schema::COUNTY,
    schema::CATEGORY,
    schema::POVERTY,
    schema::STATUS,
];

/// Counts of every dimension plus the number of matches.
#[derive(Debug, Default)]
pub(crate) struct FacetFruit {
    pub total: u64,
    counts: [HashMap<String, u64>; 5],
}

impl FacetFruit {
    /// A plain match count, for searches that skip facets.
    pub(crate) fn count_only(total: u64) -> Self {
        Self {
            total,
            ..Self::default()
        }
    }

    pub(crate) fn into_facets(self) -> Facets {
        let [city, county, category, poverty, status] = self.counts.map(sorted);
        Facets {
            city,
            county,
            category,
            poverty,
            status,
        }
    }
}

fn sorted(counts: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut list: Vec<FacetCount> = counts
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    list
}

pub(crate) struct FacetCollector;

/// One dimension in one segment: each document's term ordinal, and a counter per ordinal.
struct DimensionCounter {
    column: Option<StrColumn>,
    ordinals: Arc<dyn ColumnValues<u64>>,
    /// One slot per term, plus a last one for documents without a value.
    counts: Vec<u64>,
}

impl DimensionCounter {
    fn open(segment: &SegmentReader, field: &str) -> tantivy::Result<Self> {
        let column = segment.fast_fields().str(field)?;
        let (ordinals, num_terms): (Arc<dyn ColumnValues<u64>>, usize) = match &column {
            Some(col) => {
                let num_terms = col.num_terms();
                let ords = col.ords().clone();
                // Every product has every facet value, so the column is normally "full" and the
                // ordinals can be read directly; otherwise fall back to "first value or missing".
                let values = if ords.get_cardinality() == Cardinality::Full {
                    ords.values.clone()
                } else {
                    ords.first_or_default_col(num_terms as u64)
                };
                (values, num_terms)
            }
            None => (Arc::new(MissingOrdinals), 0),
        };
        Ok(Self {
            column,
            ordinals,
            counts: vec![0; num_terms + 1],
        })
    }

    fn count(&mut self, doc: DocId) {
        let ord = self.ordinals.get_val(doc) as usize;
        self.counts[ord] += 1;
    }

    fn count_block(&mut self, docs: &[DocId], buffer: &mut [u64]) {
        let buffer = &mut buffer[..docs.len()];
        self.ordinals.get_vals(docs, buffer);
        for ord in buffer.iter() {
            self.counts[*ord as usize] += 1;
        }
    }

    fn harvest(self) -> HashMap<String, u64> {
        let mut out = HashMap::new();
        let Some(column) = self.column else {
            return out;
        };
        let mut value = String::new();
        for (ord, count) in self.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            value.clear();
            // The last slot (no value) has no term and is skipped by `ord_to_str` returning false.
            if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                out.insert(value.clone(), *count);
            }
        }
        out
    }
}

/// The ordinals of a segment where the field has no values at all: every document is "missing".
struct MissingOrdinals;

impl ColumnValues<u64> for MissingOrdinals {
    fn get_val(&self, _idx: u32) -> u64 {
        0
    }
    fn min_value(&self) -> u64 {
        0
    }
    fn max_value(&self) -> u64 {
        0
    }
    fn num_vals(&self) -> u32 {
        0
    }
}

pub(crate) struct FacetSegmentCollector {
    total: u64,
    dimensions: Vec<DimensionCounter>,
    buffer: Vec<u64>,
}

impl Collector for FacetCollector {
    type Fruit = FacetFruit;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<FacetSegmentCollector> {
        let dimensions = DIMENSIONS
            .iter()
            .map(|field| DimensionCounter::open(segment, field))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(FacetSegmentCollector {
            total: 0,
            dimensions,
            buffer: vec![0; tantivy::COLLECT_BLOCK_BUFFER_LEN],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut merged = FacetFruit::default();
        for segment in segments {
            merged.total += segment.total;
            for (into, from) in merged.counts.iter_mut().zip(segment.counts) {
                for (value, count) in from {
                    *into.entry(value).or_insert(0) += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        for dimension in &mut self.dimensions {
            dimension.count(doc);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.total += docs.len() as u64;
        if docs.len() > self.buffer.len() {
            self.buffer.resize(docs.len(), 0);
        }
        for dimension in &mut self.dimensions {
            dimension.count_block(docs, &mut self.buffer);
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut fruit = FacetFruit {
            total: self.total,
            ..FacetFruit::default()
        };
        for (slot, dimension) in fruit.counts.iter_mut().zip(self.dimensions) {
            *slot = dimension.harvest();
        }
        fruit
    }
}
