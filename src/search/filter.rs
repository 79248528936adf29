//! Filters checked on each match against the plain per-segment columns (see `columns.rs`) instead
//! of as query clauses.
//!
//! A text search finds the text's matches alone (and keeps them, see `matches.rs`), then checks
//! each match here: its listing status, its price, and its city, county, category and poverty kind
//! through its facet cell, one array read each. With no text, the facet-value filters and the status
//! are clauses of the query instead, because their posting lists are then the cheapest way to
//! enumerate the products, and only the price is checked here.

use super::columns::SegmentColumns;
use super::facets::CellSet;
use super::query::SearchQuery;

/// What a match must also satisfy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnFilter<'q> {
    /// City, county, category, poverty kind and listing status, as `FacetCells::cells_where`
    /// takes them; all `None` when the query itself restricts them (a search without text).
    values: [Option<&'q str>; 5],
    /// `None` when every price is wanted.
    price_fen: Option<(i64, i64)>,
}

impl<'q> ColumnFilter<'q> {
    /// The checks `q` needs; `in_query` says whether the query already restricts the status and
    /// the facet values (a search without text).
    pub(crate) fn of(q: &'q SearchQuery, in_query: bool) -> Self {
        let price_fen = (q.min_price_fen.is_some() || q.max_price_fen.is_some())
            .then(|| (q.min_price_fen.unwrap_or(i64::MIN), q.max_price_fen.unwrap_or(i64::MAX)));
        let values = if in_query {
            [None; 5]
        } else {
            [
                q.city.as_deref(),
                q.county.as_deref(),
                q.category.as_deref(),
                q.poverty.map(|kind| kind.as_str()),
                q.statuses.status().map(|status| status.as_str()),
            ]
        };
        Self { values, price_fen }
    }

    /// The check for one segment's documents.
    pub(crate) fn for_segment(&self, columns: &SegmentColumns) -> SegmentCheck {
        SegmentCheck {
            admitted_cells: columns.facets.cells_where(self.values),
            price_fen: self.price_fen,
        }
    }
}

/// A [`ColumnFilter`] ready for one segment.
pub(crate) struct SegmentCheck {
    /// By facet cell: whether its facet values pass; `None` if any do.
    admitted_cells: Option<CellSet>,
    price_fen: Option<(i64, i64)>,
}

impl SegmentCheck {
    /// Whether a document in facet cell `cell` with the price `price` gives passes (the price is
    /// only read when a price range is asked for).
    #[inline]
    pub(crate) fn admits(&self, cell: usize, price: impl FnOnce() -> i64) -> bool {
        let cell_ok = match &self.admitted_cells {
            Some(admitted) => admitted.contains(cell),
            None => true,
        };
        cell_ok
            && match self.price_fen {
                Some((min, max)) => (min..=max).contains(&price()),
                None => true,
            }
    }
}
