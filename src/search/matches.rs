//! Every product a query text matches, with its relevance score, kept per index generation.
//!
//! Scoring a text's readings (words in four fields, characters and pinyin of the name) over their
//! posting lists is most of what a search costs; filters, facets, sorting and paging are an array
//! read or two per match (`filter.rs`, `facets.rs`, `sort.rs`). People search a small vocabulary
//! (猕猴桃, 苹果, 茶 …) and vary the rest: a county, a budget, a sort, the next page. So the
//! matches of a text are kept, and a search whose text was already run at this generation scans
//! them ([`TextMatches::page`]) instead of running the query again. A commit makes a new
//! generation, so kept matches are never stale; those of old generations are never asked for again
//! and age out.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Query;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::columns::ColumnCache;
use super::facets::FacetFruit;
use super::filter::{ColumnFilter, SegmentCheck};
use super::sort::{SortColumn, TopKeys, rank, score_of_rank, score_rank};

/// Memory kept for matches: 8 bytes a match, so about 800,000 matches (茶 in the 100,000-product
/// demo catalogue matches 5,000 products: 40 KB).
const MATCH_CACHE_BYTES: u64 = 6 * 1024 * 1024;

/// The matches of one text in each segment of one searcher, in document order.
pub(crate) struct TextMatches {
    /// By segment ordinal.
    segments: Vec<SegmentMatches>,
}

#[derive(Default)]
pub(crate) struct SegmentMatches {
    docs: Vec<DocId>,
    scores: Vec<Score>,
}

impl TextMatches {
    /// Runs `query` and keeps every match, with its score if `scored` (a page of unscored
    /// matches must be ordered by a column).
    pub(crate) fn find(searcher: &Searcher, query: &dyn Query, scored: bool) -> tantivy::Result<TextMatches> {
        let segments = searcher.search(query, &EveryMatch { scored })?;
        Ok(TextMatches { segments })
    }

    /// One page of the matches that pass `page.filter`, in `page.order`, with each hit's score
    /// (0 when ordered by a column), and their count (with facets if asked). `searcher` must be
    /// of the generation the matches were found at.
    ///
    /// One plain loop per segment, reading each match's facet cell once for the filter and the
    /// count: it is most of what a search of a kept text costs (through tantivy's collectors, with
    /// a layer per concern, it cost twice as much).
    pub(crate) fn page(
        &self,
        searcher: &Searcher,
        columns: &ColumnCache,
        page: &PageRequest,
    ) -> tantivy::Result<(Vec<(f32, DocAddress)>, FacetFruit)> {
        let wanted = page.offset + page.limit;
        let mut ranked: Vec<(u64, DocAddress)> = Vec::new();
        let mut fruits = Vec::with_capacity(self.segments.len());
        for (ord, (matches, segment)) in self.segments.iter().zip(searcher.segment_readers()).enumerate() {
            let columns = columns.get(segment)?;
            let mut scan = Scan {
                check: page.filter.for_segment(&columns),
                cell_of_doc: columns.facets.cells_of_docs(),
                price: &columns.price,
                counts: if page.facets {
                    vec![0; columns.facets.num_cells()]
                } else {
                    Vec::new()
                },
                total: 0,
                top: TopKeys::new(wanted),
            };
            match page.order {
                None => scan.run(&matches.docs, |i, _| {
                    score_rank(matches.scores.get(i).copied().unwrap_or(0.0))
                }),
                Some((column, descending)) => {
                    let values = column.values(&columns);
                    scan.run(&matches.docs, |_, doc| rank(values[doc as usize], descending));
                }
            }
            let segment_ord = ord as SegmentOrdinal;
            ranked.extend(
                scan.top
                    .into_sorted()
                    .into_iter()
                    .map(|(key, doc)| (key, DocAddress::new(segment_ord, doc))),
            );
            fruits.push(if page.facets {
                columns.facets.fruit(&scan.counts, scan.total)
            } else {
                FacetFruit::count_only(scan.total)
            });
        }
        ranked.sort_unstable();
        let score_of = |key: u64| if page.order.is_none() { score_of_rank(key) } else { 0.0 };
        let hits = ranked
            .into_iter()
            .skip(page.offset)
            .take(page.limit)
            .map(|(key, address)| (score_of(key), address))
            .collect();
        Ok((hits, FacetFruit::merge(fruits)))
    }

    fn bytes(&self) -> u64 {
        let matches: usize = self.segments.iter().map(|s| s.docs.len()).sum();
        (64 + 48 * self.segments.len() + 8 * matches) as u64
    }
}

/// What a search asks of its matches.
pub(crate) struct PageRequest<'q> {
    pub filter: ColumnFilter<'q>,
    /// `None`: by relevance.
    pub order: Option<(SortColumn, bool)>,
    pub offset: usize,
    pub limit: usize,
    pub facets: bool,
}

/// One segment's pass over its kept matches.
struct Scan<'a> {
    check: SegmentCheck,
    cell_of_doc: &'a [u32],
    price: &'a [i64],
    /// Matches per facet cell; empty when no facets are asked for.
    counts: Vec<u32>,
    total: u64,
    top: TopKeys,
}

impl Scan<'_> {
    /// `key_of(i, doc)`: the sort key of the `i`-th match, document `doc`.
    fn run(&mut self, docs: &[DocId], key_of: impl Fn(usize, DocId) -> u64) {
        let counting = !self.counts.is_empty();
        for (i, &doc) in docs.iter().enumerate() {
            let cell = self.cell_of_doc[doc as usize] as usize;
            if !self.check.admits(cell, || self.price[doc as usize]) {
                continue;
            }
            self.total += 1;
            if counting {
                self.counts[cell] += 1;
            }
            self.top.offer(key_of(i, doc), doc);
        }
    }
}

/// Collects every match, and its score if `scored`, per segment.
struct EveryMatch {
    scored: bool,
}

impl Collector for EveryMatch {
    type Fruit = Vec<SegmentMatches>;
    type Child = SegmentMatches;

    fn for_segment(&self, _ord: SegmentOrdinal, _segment: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches::default())
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(&self, segments: Vec<SegmentMatches>) -> tantivy::Result<Vec<SegmentMatches>> {
        Ok(segments)
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = SegmentMatches;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.docs.push(doc);
        self.scores.push(score);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.docs.extend_from_slice(docs);
    }

    fn harvest(mut self) -> SegmentMatches {
        self.docs.shrink_to_fit();
        self.scores.shrink_to_fit();
        self
    }
}

/// Matches by (generation, text), kept by how often they are asked for (S3-FIFO).
pub(crate) struct MatchCache {
    entries: quick_cache::sync::Cache<(u64, String), Arc<TextMatches>, ByBytes>,
}

#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<(u64, String), Arc<TextMatches>> for ByBytes {
    fn weight(&self, key: &(u64, String), matches: &Arc<TextMatches>) -> u64 {
        key.1.len() as u64 + matches.bytes()
    }
}

/// The cache is split into this many shards, each with an equal part of the budget; an entry
/// heavier than a shard's part is never kept. By default the split grows with the number of cores,
/// which on a large machine would leave the broadest texts (茶 matches 5,000 products) out.
const MATCH_CACHE_SHARDS: usize = 4;

impl Default for MatchCache {
    fn default() -> Self {
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity(2048)
            .weight_capacity(MATCH_CACHE_BYTES)
            .shards(MATCH_CACHE_SHARDS)
            .build()
            .expect("the match cache's options are valid");
        Self {
            entries: quick_cache::sync::Cache::with_options(options, ByBytes, Default::default(), Default::default()),
        }
    }
}

impl MatchCache {
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }

    /// The matches of `text` in `searcher`, found with `query` unless kept from an earlier search.
    pub(crate) fn matches(
        &self,
        searcher: &Searcher,
        text: &str,
        query: impl FnOnce() -> Box<dyn Query>,
    ) -> tantivy::Result<Arc<TextMatches>> {
        let key = (searcher.generation().generation_id(), text.to_owned());
        if let Some(found) = self.entries.get(&key) {
            return Ok(found);
        }
        let found = Arc::new(TextMatches::find(searcher, &*query(), true)?);
        self.entries.insert(key, Arc::clone(&found));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_matching_every_product_of_a_national_catalogue_is_kept() {
        let cache = MatchCache::default();
        let every_product = SegmentMatches {
            docs: (0..100_000).collect(),
            scores: vec![1.0; 100_000],
        };
        let matches = Arc::new(TextMatches {
            segments: vec![every_product],
        });
        assert!(matches.bytes() > 780_000);
        cache.entries.insert((1, "陕西".into()), matches);
        assert!(cache.entries.get(&(1, "陕西".to_owned())).is_some());
    }
}
