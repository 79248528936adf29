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

use super::columns::{ColumnCache, SegmentColumns};
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
    /// Runs `query` and keeps every match with its score.
    pub(crate) fn find(searcher: &Searcher, query: &dyn Query) -> tantivy::Result<TextMatches> {
        let segments = searcher.search(query, &EveryMatch)?;
        Ok(TextMatches { segments })
    }

    /// One page of the matches that pass `page.filter`, in `page.order`, with each hit's score
    /// (0 when ordered by a column), and their count (with facets if asked). `searcher` must be
    /// of the generation the matches were found at.
    pub(crate) fn page(
        &self,
        searcher: &Searcher,
        columns: &ColumnCache,
        page: &PageRequest,
    ) -> tantivy::Result<(Vec<(f32, DocAddress)>, FacetFruit)> {
        let mut segments = Vec::with_capacity(self.segments.len());
        for (ord, (matches, segment)) in self.segments.iter().zip(searcher.segment_readers()).enumerate() {
            let mut scan = Scan::new(columns.get(segment)?, page, ord as SegmentOrdinal);
            scan.run(&matches.docs, &matches.scores);
            segments.push(scan.finish());
        }
        Ok(page.merge(segments))
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

/// One segment's best matches by sort key, and its counts.
type SegmentPage = (Vec<(u64, DocAddress)>, FacetFruit);

impl PageRequest<'_> {
    /// The page out of every segment's best, with scores, and the counts of all segments.
    fn merge(&self, segments: Vec<SegmentPage>) -> (Vec<(f32, DocAddress)>, FacetFruit) {
        let (ranked, fruits): (Vec<_>, Vec<_>) = segments.into_iter().unzip();
        let mut ranked: Vec<(u64, DocAddress)> = ranked.into_iter().flatten().collect();
        ranked.sort_unstable();
        let score_of = |key: u64| if self.order.is_none() { score_of_rank(key) } else { 0.0 };
        let hits = ranked
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|(key, address)| (score_of(key), address))
            .collect();
        (hits, FacetFruit::merge(fruits))
    }
}

/// One segment's pass over matches: the filter, the count (per facet cell when facets are asked
/// for) and the best `offset + limit` by the order asked for, in one plain loop that reads each
/// match's facet cell once. It is most of what a search of kept matches costs (through tantivy's
/// collectors, with a layer per concern, it cost twice as much).
struct Scan {
    columns: Arc<SegmentColumns>,
    segment: SegmentOrdinal,
    check: SegmentCheck,
    order: Option<(SortColumn, bool)>,
    facets: bool,
    /// Matches per facet cell; empty when no facets are asked for.
    counts: Vec<u32>,
    total: u64,
    top: TopKeys,
}

impl Scan {
    fn new(columns: Arc<SegmentColumns>, page: &PageRequest, segment: SegmentOrdinal) -> Scan {
        Scan {
            check: page.filter.for_segment(&columns),
            counts: if page.facets {
                vec![0; columns.facets.num_cells()]
            } else {
                Vec::new()
            },
            columns,
            segment,
            order: page.order,
            facets: page.facets,
            total: 0,
            top: TopKeys::new(page.offset + page.limit),
        }
    }

    /// Takes `docs` (in ascending order, after those of earlier calls) with their `scores` (which
    /// may be empty when the order is by a column).
    fn run(&mut self, docs: &[DocId], scores: &[Score]) {
        match self.order {
            None => self.pass(docs, |i, _| score_rank(scores.get(i).copied().unwrap_or(0.0))),
            Some((column, descending)) => {
                let columns = Arc::clone(&self.columns);
                let values = column.values(&columns);
                self.pass(docs, |_, doc| rank(values[doc as usize], descending));
            }
        }
    }

    /// `key_of(i, doc)`: the sort key of `docs[i]`, which is `doc`.
    fn pass(&mut self, docs: &[DocId], key_of: impl Fn(usize, DocId) -> u64) {
        let cell_of_doc = self.columns.facets.cells_of_docs();
        let price = &self.columns.price;
        let counting = !self.counts.is_empty();
        for (i, &doc) in docs.iter().enumerate() {
            let cell = cell_of_doc[doc as usize] as usize;
            if !self.check.admits(cell, || price[doc as usize]) {
                continue;
            }
            self.total += 1;
            if counting {
                self.counts[cell] += 1;
            }
            self.top.offer(key_of(i, doc), doc);
        }
    }

    fn finish(self) -> SegmentPage {
        let segment = self.segment;
        let best = self
            .top
            .into_sorted()
            .into_iter()
            .map(|(key, doc)| (key, DocAddress::new(segment, doc)))
            .collect();
        let fruit = if self.facets {
            self.columns.facets.fruit(&self.counts, self.total)
        } else {
            FacetFruit::count_only(self.total)
        };
        (best, fruit)
    }
}

/// A search without text: its query (the filters) is run and every match goes straight through a
/// [`Scan`], a block at a time, with nothing kept (the matches of a filter are its posting lists).
pub(crate) struct ScanQuery<'a> {
    pub columns: &'a ColumnCache,
    pub page: &'a PageRequest<'a>,
}

impl ScanQuery<'_> {
    pub(crate) fn run(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
    ) -> tantivy::Result<(Vec<(f32, DocAddress)>, FacetFruit)> {
        searcher.search(query, self)
    }
}

impl Collector for ScanQuery<'_> {
    type Fruit = (Vec<(f32, DocAddress)>, FacetFruit);
    type Child = ScanSegment;

    fn for_segment(&self, ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<ScanSegment> {
        Ok(ScanSegment(Scan::new(self.columns.get(segment)?, self.page, ord)))
    }

    fn requires_scoring(&self) -> bool {
        self.page.order.is_none()
    }

    fn merge_fruits(&self, segments: Vec<SegmentPage>) -> tantivy::Result<Self::Fruit> {
        Ok(self.page.merge(segments))
    }
}

pub(crate) struct ScanSegment(Scan);

impl SegmentCollector for ScanSegment {
    type Fruit = SegmentPage;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.0.run(&[doc], &[score]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.0.run(docs, &[]);
    }

    fn harvest(self) -> SegmentPage {
        self.0.finish()
    }
}

/// Collects every match and its score, per segment.
struct EveryMatch;

impl Collector for EveryMatch {
    type Fruit = Vec<SegmentMatches>;
    type Child = SegmentMatches;

    fn for_segment(&self, _ord: SegmentOrdinal, _segment: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches::default())
    }

    fn requires_scoring(&self) -> bool {
        true
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
        let found = Arc::new(TextMatches::find(searcher, &*query())?);
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
