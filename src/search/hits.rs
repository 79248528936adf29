//! Turning a page of matches into hits: each product's stored text and its highlighted snippet,
//! kept per text and document.
//!
//! Reading a product's text from the doc store (a block decompressed, a document decoded) and
//! cutting its snippet cost more than the rest of a search whose matches are kept (`matches.rs`).
//! The same text under another filter, sort or page shows mostly the same products, and a segment's
//! documents never change (a change adds a new document and hides the old one), so a hit made once
//! for a text serves every later search of that text, across commits.

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Searcher, TantivyDocument};

use super::SearchError;
use super::columns::ColumnCache;
use super::document::ProductDoc;
use super::query::QueryTerm;
use super::schema::Fields;
use super::snippet::Highlighter;

/// Memory kept for hits (a hit is about 600 bytes with its keys and the allocator's share).
const HIT_CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// A product as a result list shows it for one text.
#[derive(Debug, PartialEq)]
pub(crate) struct ShownHit {
    pub product: ProductDoc,
    pub snippet_html: String,
}

type Key = (Arc<str>, SegmentId, DocId);

/// Hits by (text, segment, document), kept by how often they are asked for (S3-FIFO).
pub(crate) struct HitCache {
    entries: quick_cache::sync::Cache<Key, Arc<ShownHit>, ByBytes>,
}

#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<Key, Arc<ShownHit>> for ByBytes {
    fn weight(&self, key: &Key, hit: &Arc<ShownHit>) -> u64 {
        let p = &hit.product;
        let text = p.catalogue_code.len() + p.name.len() + p.supplier_name.len() + p.county_name.len();
        (key.0.len() + text + p.city_name.len() + hit.snippet_html.len() + 400) as u64
    }
}

impl Default for HitCache {
    fn default() -> Self {
        Self {
            entries: quick_cache::sync::Cache::with_weighter(8192, HIT_CACHE_BYTES, ByBytes),
        }
    }
}

/// What [`HitCache::hits`] needs of the index.
pub(crate) struct HitSource<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
    pub columns: &'a ColumnCache,
}

impl HitCache {
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }

    /// The hits of `ranked` (a page of `text`'s matches, with their scores), in that order.
    pub(crate) fn hits(
        &self,
        source: &HitSource,
        text: &str,
        terms: &[QueryTerm],
        ranked: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<Hit>, SearchError> {
        let text: Arc<str> = Arc::from(text);
        // Made on the first miss only: most pages are served from the cache.
        let mut highlighter: Option<Highlighter> = None;
        let mut hits = Vec::with_capacity(ranked.len());
        for (score, address) in ranked {
            let segment = source.searcher.segment_reader(address.segment_ord);
            let key = (Arc::clone(&text), segment.segment_id(), address.doc_id);
            let shown = match self.entries.get(&key) {
                Some(shown) => shown,
                None => {
                    let highlighter = highlighter.get_or_insert_with(|| Highlighter::new(terms, source.fields));
                    let shown = Arc::new(show(source, address, highlighter)?);
                    self.entries.insert(key, Arc::clone(&shown));
                    shown
                }
            };
            hits.push(Hit { shown, score });
        }
        Ok(hits)
    }
}

/// Reads the product at `address` and highlights it.
fn show(source: &HitSource, address: DocAddress, highlighter: &Highlighter) -> Result<ShownHit, SearchError> {
    let doc: TantivyDocument = source.searcher.doc(address)?;
    let segment = source.searcher.segment_reader(address.segment_ord);
    let columns = source.columns.get(segment)?;
    let mut product = ProductDoc::from_index(&doc, source.fields, &columns, address.doc_id)
        .ok_or_else(|| SearchError::Corrupt("索引中的产品缺少字段".into()))?;
    // The snippet carries the part of the description that matched; hits are kept in memory.
    let description = std::mem::take(&mut product.description);
    Ok(ShownHit {
        snippet_html: highlighter.html(&product.name, &description),
        product,
    })
}

/// One hit of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub(crate) shown: Arc<ShownHit>,
    /// Relevance score (0 when sorted by something else and no text was given).
    pub score: f32,
}

impl Hit {
    /// The product as the index holds it: what it held in the database at the last commit, so a
    /// result list needs no database read. Its `description` is left empty: the snippet carries
    /// the part that matched, and hits are kept in memory.
    pub fn product(&self) -> &ProductDoc {
        &self.shown.product
    }

    /// Escaped HTML: the name with matches in `<mark>`, then ` — ` and the best description
    /// fragment when the description matched.
    pub fn snippet_html(&self) -> &str {
        &self.shown.snippet_html
    }
}
