//! The filters that most products pass (listing status, price range), checked on each match
//! against the plain per-segment columns (see `columns.rs`) instead of as query clauses.
//!
//! As query clauses they cost the most where they filter least: "listed only" is a posting list of
//! nine products in ten, and a price range a scan of the price column, and every text search
//! intersects with both. Checked here they cost one or two array reads per match. Filters that
//! narrow a lot (city, county, category, poverty kind) stay in the query, where the intersection
//! can skip ahead on them; so does the status when there is no text, because then its posting list
//! is the cheapest way to enumerate the products.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::columns::{ColumnCache, SegmentColumns};
use super::query::SearchQuery;
use crate::domain::ListingStatus;

/// What a match must also satisfy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnFilter {
    /// `None` when the query itself restricts the status, or every status is wanted.
    status: Option<ListingStatus>,
    /// `None` when every price is wanted.
    price_fen: Option<(i64, i64)>,
}

impl ColumnFilter {
    /// The checks `q` needs; `status_in_query` says whether the query already restricts the status.
    pub(crate) fn of(q: &SearchQuery, status_in_query: bool) -> Self {
        let price_fen = (q.min_price_fen.is_some() || q.max_price_fen.is_some())
            .then(|| (q.min_price_fen.unwrap_or(i64::MIN), q.max_price_fen.unwrap_or(i64::MAX)));
        let status = if status_in_query { None } else { q.statuses.status() };
        Self { status, price_fen }
    }

    fn is_empty(&self) -> bool {
        self.status.is_none() && self.price_fen.is_none()
    }
}

/// `inner`, fed only the matches that pass `filter`.
pub(crate) struct Filtered<'a, C> {
    pub cache: &'a ColumnCache,
    pub filter: ColumnFilter,
    pub inner: C,
}

impl<C: Collector> Collector for Filtered<'_, C> {
    type Fruit = C::Fruit;
    type Child = FilteredSegment<C::Child>;

    fn for_segment(&self, ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let inner = self.inner.for_segment(ord, segment)?;
        if self.filter.is_empty() {
            return Ok(FilteredSegment::PassAll(inner));
        }
        let columns = self.cache.get(segment)?;
        let admitted_statuses = self
            .filter
            .status
            .map(|wanted| columns.facets.statuses_where(|status| status == wanted.as_str()));
        Ok(FilteredSegment::Check(Checked {
            inner,
            columns,
            admitted_statuses,
            price_fen: self.filter.price_fen,
            passed: Vec::new(),
        }))
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, segments: Vec<<C::Child as SegmentCollector>::Fruit>) -> tantivy::Result<Self::Fruit> {
        self.inner.merge_fruits(segments)
    }
}

pub(crate) enum FilteredSegment<S> {
    /// Nothing to check: every match goes to the inner collector.
    PassAll(S),
    Check(Checked<S>),
}

pub(crate) struct Checked<S> {
    inner: S,
    columns: Arc<SegmentColumns>,
    /// By status index (see `FacetCells::status_of`): whether it passes; `None` if any status does.
    admitted_statuses: Option<Vec<bool>>,
    price_fen: Option<(i64, i64)>,
    /// The part of the current block that passed.
    passed: Vec<DocId>,
}

impl<S> Checked<S> {
    fn admits(&self, doc: DocId) -> bool {
        let doc = doc as usize;
        let status_ok = match &self.admitted_statuses {
            Some(admitted) => admitted[self.columns.facets.status_of(doc)],
            None => true,
        };
        let price_ok = match self.price_fen {
            Some((min, max)) => (min..=max).contains(&self.columns.price[doc]),
            None => true,
        };
        status_ok && price_ok
    }
}

impl<S: SegmentCollector> SegmentCollector for FilteredSegment<S> {
    type Fruit = S::Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        match self {
            Self::PassAll(inner) => inner.collect(doc, score),
            Self::Check(checked) => {
                if checked.admits(doc) {
                    checked.inner.collect(doc, score);
                }
            }
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        match self {
            Self::PassAll(inner) => inner.collect_block(docs),
            Self::Check(checked) => {
                let mut passed = std::mem::take(&mut checked.passed);
                passed.clear();
                passed.extend(docs.iter().copied().filter(|doc| checked.admits(*doc)));
                checked.inner.collect_block(&passed);
                checked.passed = passed;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        match self {
            Self::PassAll(inner) => inner.harvest(),
            Self::Check(checked) => checked.inner.harvest(),
        }
    }
}
