//! Every product a query text matches, with its relevance score, kept per index generation.
//!
//! Scoring a text's readings (words in four fields, characters and pinyin of the name) over their
//! posting lists is most of what a search costs; filters, facets, sorting and paging are an array
//! read or two per match (`filter.rs`, `facets.rs`, `sort.rs`). People search a small vocabulary
//! (猕猴桃, 苹果, 茶 …) and vary the rest: a county, a budget, a sort, the next page. So the
//! matches of a text are kept, and a search whose text was already run at this generation feeds
//! them to its collectors instead of running the query again. A commit makes a new generation, so
//! kept matches are never stale; those of old generations are never asked for again and age out.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Query;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// Memory kept for matches: 8 bytes a match, so about 800,000 matches (茶 in the 100,000-product
/// demo catalogue matches 5,000 products: 40 KB).
const MATCH_CACHE_BYTES: u64 = 6 * 1024 * 1024;
/// Matches handed to a collector at once when no score is needed (as tantivy does).
const BLOCK: usize = 64;

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

    /// Feeds the matches to `collector` as a search of `searcher` would, and returns its fruit.
    /// `searcher` must be of the generation the matches were found at.
    pub(crate) fn collect<C: Collector>(&self, searcher: &Searcher, collector: &C) -> tantivy::Result<C::Fruit> {
        let scored = collector.requires_scoring();
        let mut fruits = Vec::with_capacity(self.segments.len());
        for (ord, (matches, segment)) in self.segments.iter().zip(searcher.segment_readers()).enumerate() {
            let mut child = collector.for_segment(ord as SegmentOrdinal, segment)?;
            if scored {
                for (doc, score) in matches.docs.iter().zip(&matches.scores) {
                    child.collect(*doc, *score);
                }
            } else {
                for block in matches.docs.chunks(BLOCK) {
                    child.collect_block(block);
                }
            }
            fruits.push(child.harvest());
        }
        collector.merge_fruits(fruits)
    }

    fn bytes(&self) -> u64 {
        let matches: usize = self.segments.iter().map(|s| s.docs.len()).sum();
        (64 + 48 * self.segments.len() + 8 * matches) as u64
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
