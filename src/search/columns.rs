//! Per-segment copies of the fast fields that every search reads for each match (facet values,
//! price, listing time) or each hit (id), as plain arrays.
//!
//! Tantivy's columns are bit-packed: compact, but each read unpacks. A search that counts facets
//! and sorts by price over 90,000 listed products reads them 90,000 times; from plain arrays that
//! is several times faster. Segments never change, so a segment's copy stays valid until tantivy
//! merges the segment away; deletions only hide documents, and hidden documents are never
//! collected. 100,000 products take about 3 MB.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader};

use super::facets::FacetCells;
use super::schema;

/// One segment's columns, indexed by document id.
pub(crate) struct SegmentColumns {
    pub facets: FacetCells,
    pub id: Vec<i64>,
    pub price: Vec<i64>,
    pub listed_at: Vec<i64>,
}

impl SegmentColumns {
    fn build(segment: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        Ok(SegmentColumns {
            facets: FacetCells::build(segment)?,
            id: i64_column(segment, schema::ID)?,
            price: i64_column(segment, schema::PRICE)?,
            listed_at: i64_column(segment, schema::LISTED_AT)?,
        })
    }
}

/// Every value of an i64 fast field (0 where a document has none).
fn i64_column(segment: &SegmentReader, field: &str) -> tantivy::Result<Vec<i64>> {
    let mut values = vec![0; segment.max_doc() as usize];
    let column = segment.fast_fields().i64(field)?;
    column.first_or_default_col(0).get_range(0, &mut values);
    Ok(values)
}

/// Every live segment's columns, built once per segment. Shared by all searches of one index.
#[derive(Default)]
pub(crate) struct ColumnCache {
    segments: Mutex<HashMap<SegmentId, Arc<SegmentColumns>>>,
}

impl ColumnCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<SegmentId, Arc<SegmentColumns>>> {
        self.segments.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentColumns>> {
        if let Some(columns) = self.lock().get(&segment.segment_id()) {
            return Ok(Arc::clone(columns));
        }
        // Built outside the lock: two searches may both build a new segment's columns, which is
        // cheaper than making every search wait behind one build.
        let columns = Arc::new(SegmentColumns::build(segment)?);
        self.lock().insert(segment.segment_id(), Arc::clone(&columns));
        Ok(columns)
    }

    /// Builds the columns of `searcher`'s segments that have none yet and forgets merged-away
    /// segments, so that searches after a commit do not pay for the build.
    pub(crate) fn refresh(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let live: Vec<SegmentId> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
        self.lock().retain(|id, _| live.contains(id));
        for segment in searcher.segment_readers() {
            self.get(segment)?;
        }
        Ok(())
    }
}
