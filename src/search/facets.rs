//! Facet counts: how many matching products each city, county, category, poverty kind and status
//! has, over every match (not just the page).
//!
//! Products share few combinations of those five values (a county's products fall into a dozen
//! categories and one or two statuses), so each segment gets, once (see `columns.rs`), a table of
//! the combinations it holds ("cells") and each document's cell. Counting a match is then one array
//! read and one increment, whatever the number of dimensions; cells become strings once per search,
//! at the end.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tantivy::SegmentReader;

use super::schema;

/// One value of a facet and how many matching products have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value as a filter takes it: a city or county code, a category name, a poverty kind or
    /// listing status code (`PovertyRegionKind::as_str`, `ListingStatus::as_str`). Shared with the
    /// segment's table of values: a result page's hundred-odd values cost no allocation.
    pub value: Arc<str>,
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
    /// Per dimension, each value counted (once) with its count.
    counts: [Vec<(Arc<str>, u64)>; 5],
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

    /// The counts of every segment together.
    pub(crate) fn merge(segments: Vec<FacetFruit>) -> FacetFruit {
        let mut segments = segments.into_iter();
        let mut merged = segments.next().unwrap_or_default();
        for segment in segments {
            merged.add(segment);
        }
        merged
    }

    /// Adds `other`'s counts (of another segment) to these.
    fn add(&mut self, other: FacetFruit) {
        self.total += other.total;
        for (into, from) in self.counts.iter_mut().zip(other.counts) {
            for (value, count) in from {
                match into.iter_mut().find(|(v, _)| *v == value) {
                    Some((_, total)) => *total += count,
                    None => into.push((value, count)),
                }
            }
        }
    }
}

fn sorted(counts: Vec<(Arc<str>, u64)>) -> Vec<FacetCount> {
    let mut list: Vec<FacetCount> = counts
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    list.sort_unstable_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    list
}

/// A product's facet values, as [`FacetCells::values_of`] gives them.
pub(crate) struct FacetValues<'a> {
    pub city: Option<&'a str>,
    pub county: Option<&'a str>,
    pub category: Option<&'a str>,
    pub poverty: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// One segment's combinations of facet values.
pub(crate) struct FacetCells {
    /// Each document's cell, an index into `cells`.
    cell_of_doc: Vec<u32>,
    /// Each cell's value in every dimension, as an index into `values` (`None`: no value).
    cells: Vec<[Option<u32>; 5]>,
    /// Every dimension's values in this segment, by term ordinal.
    values: [Vec<Arc<str>>; 5],
    /// Per dimension and value (by term ordinal): the cells that have it. A filter is the
    /// intersection of its values' sets, a few dozen words, not a pass over every cell.
    cells_with: [Vec<CellSet>; 5],
}

/// A set of a segment's cells, one bit each.
#[derive(Debug, Clone)]
pub(crate) struct CellSet {
    words: Vec<u64>,
}

impl CellSet {
    fn empty(cells: usize) -> Self {
        Self {
            words: vec![0; cells.div_ceil(64)],
        }
    }

    fn insert(&mut self, cell: usize) {
        self.words[cell / 64] |= 1 << (cell % 64);
    }

    fn intersect(&mut self, other: &CellSet) {
        for (word, other) in self.words.iter_mut().zip(&other.words) {
            *word &= other;
        }
    }

    pub(crate) fn contains(&self, cell: usize) -> bool {
        self.words[cell / 64] & (1 << (cell % 64)) != 0
    }
}

impl FacetCells {
    pub(crate) fn build(segment: &SegmentReader) -> tantivy::Result<FacetCells> {
        let max_doc = segment.max_doc() as usize;
        let mut ordinals_by_dimension = Vec::with_capacity(DIMENSIONS.len());
        let mut values: [Vec<Arc<str>>; 5] = Default::default();
        for (field, values) in DIMENSIONS.iter().zip(values.iter_mut()) {
            let mut ordinals = vec![u64::MAX; max_doc];
            if let Some(column) = segment.fast_fields().str(field)? {
                let num_terms = column.num_terms() as u64;
                // A document without a value reads as `num_terms`, past the last term.
                column
                    .ords()
                    .clone()
                    .first_or_default_col(num_terms)
                    .get_range(0, &mut ordinals);
                for ord in 0..num_terms {
                    let mut value = String::new();
                    column.ord_to_str(ord, &mut value)?;
                    values.push(Arc::from(value));
                }
            }
            ordinals_by_dimension.push(ordinals);
        }
        let mut cell_ids: HashMap<[Option<u32>; 5], u32> = HashMap::new();
        let mut cells = Vec::new();
        let cell_of_doc = (0..max_doc)
            .map(|doc| {
                let key: [Option<u32>; 5] = std::array::from_fn(|dim| {
                    let ord = ordinals_by_dimension[dim][doc];
                    (ord < values[dim].len() as u64).then_some(ord as u32)
                });
                *cell_ids.entry(key).or_insert_with(|| {
                    cells.push(key);
                    (cells.len() - 1) as u32
                })
            })
            .collect();
        let cells_with = std::array::from_fn(|dim| {
            let mut sets = vec![CellSet::empty(cells.len()); values[dim].len()];
            for (cell, ordinals) in cells.iter().enumerate() {
                if let Some(ord) = ordinals[dim] {
                    sets[ord as usize].insert(cell);
                }
            }
            sets
        });
        Ok(FacetCells {
            cell_of_doc,
            cells,
            values,
            cells_with,
        })
    }

    /// Document `doc`'s value in every dimension.
    pub(crate) fn values_of(&self, doc: usize) -> FacetValues<'_> {
        let cell = &self.cells[self.cell_of_doc[doc] as usize];
        let [city, county, category, poverty, status] =
            std::array::from_fn(|dim| cell[dim].map(|ord| &*self.values[dim][ord as usize]));
        FacetValues {
            city,
            county,
            category,
            poverty,
            status,
        }
    }

    /// The cells that have the `wanted` value in every dimension (city, county, category, poverty
    /// kind, listing status; `None`: any). `None` when nothing is wanted.
    pub(crate) fn cells_where(&self, wanted: [Option<&str>; 5]) -> Option<CellSet> {
        let mut admitted: Option<CellSet> = None;
        for (dim, value) in wanted.iter().enumerate() {
            let Some(value) = value else { continue };
            let with_value = self.values[dim]
                .iter()
                .position(|v| &**v == *value)
                .map(|ord| &self.cells_with[dim][ord]);
            match (with_value, &mut admitted) {
                // A value this segment does not hold: no cell has it.
                (None, _) => return Some(CellSet::empty(self.cells.len())),
                (Some(set), Some(admitted)) => admitted.intersect(set),
                (Some(set), None) => admitted = Some(set.clone()),
            }
        }
        admitted
    }
}

impl FacetCells {
    /// Each document's cell, by document id.
    pub(crate) fn cells_of_docs(&self) -> &[u32] {
        &self.cell_of_doc
    }

    /// How many cells the segment has (the length of a per-cell count).
    pub(crate) fn num_cells(&self) -> usize {
        self.cells.len()
    }

    /// The facet counts of `total` matches counted per cell in `counts`.
    pub(crate) fn fruit(&self, counts: &[u32], total: u64) -> FacetFruit {
        let mut by_ordinal: [Vec<u64>; 5] = std::array::from_fn(|dim| vec![0; self.values[dim].len()]);
        for (cell, count) in counts.iter().enumerate().filter(|(_, count)| **count > 0) {
            let count = u64::from(*count);
            for (dim, ord) in self.cells[cell].iter().enumerate() {
                if let Some(ord) = ord {
                    by_ordinal[dim][*ord as usize] += count;
                }
            }
        }
        let mut fruit = FacetFruit {
            total,
            ..FacetFruit::default()
        };
        for (dim, counts) in by_ordinal.iter().enumerate() {
            fruit.counts[dim] = counts
                .iter()
                .enumerate()
                .filter(|(_, count)| **count > 0)
                .map(|(ord, count)| (Arc::clone(&self.values[dim][ord]), *count))
                .collect();
        }
        fruit
    }
}

#[cfg(test)]
mod tests {
    use super::CellSet;

    #[test]
    fn a_cell_set_holds_cells_past_the_first_word_and_intersects() {
        let mut odd = CellSet::empty(130);
        let mut past_64 = CellSet::empty(130);
        for cell in 0..130 {
            if cell % 2 == 1 {
                odd.insert(cell);
            }
            if cell >= 64 {
                past_64.insert(cell);
            }
        }
        odd.intersect(&past_64);
        let kept: Vec<usize> = (0..130).filter(|c| odd.contains(*c)).collect();
        assert_eq!(kept, (65..130).step_by(2).collect::<Vec<_>>());
    }
}
