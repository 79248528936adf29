//! Full-text search over the catalogue's products (tantivy), with Chinese word segmentation (jieba),
//! single-character recall, pinyin, filters, facet counts and highlighted snippets.
//!
//! The index is a cache of the database: the app feeds it [`ProductDoc`]s (`upsert` + `commit` on
//! every change, `rebuild` when [`SearchIndex::open_or_create`] says so) and looks hits up by id.
//! Nothing here touches the database.
//!
//! ```ignore
//! let (index, outcome) = SearchIndex::open_or_create(Path::new("data/search"))?;
//! if outcome.needs_rebuild() {
//!     index.rebuild(products_from_db(), |n| tracing::info!(n, "indexed"))?;
//! }
//! let results = index.search(&SearchQuery::text("富硒 茶"))?;
//! ```
//!
//! How text matches (see `query.rs` for the syntax): each word must match the name, description,
//! supplier or place as jieba words (search mode, so parts of compounds count), or the name as a
//! plain substring (character 1-, 2- and 3-grams: 100 % recall on names whatever jieba made of them;
//! ranked below word matches), or — for Latin letters — the name's pinyin, full or initials.
//!
//! Facets count over the whole filtered result set, *including* each dimension's own filter
//! (drill-down: with a county chosen, the county facet shows that county alone). To switch, the UI
//! clears the filter; this keeps one pass over the matches per search.
//!
//! Result pages are not cached here: [`SearchIndex::generation`] changes with every commit, so a
//! caller can keep results until it changes (the web layer keeps result pages that way). What is
//! kept here is, per segment, the fast fields every match reads (facet values, price, listing time)
//! as plain arrays, built when a commit brings a new segment (`columns.rs`); and, per generation,
//! the matches of recently searched texts, so that the same text with other filters, another sort
//! or page is checked match by match instead of searched again (`matches.rs`, `filter.rs`).

mod columns;
mod document;
mod facets;
mod filter;
mod hits;
mod index;
mod matches;
mod pinyin;
mod query;
mod schema;
mod snippet;
mod sort;
mod tokenizer;

#[cfg(test)]
mod tests;

pub use document::ProductDoc;
pub use facets::{FacetCount, Facets};
pub use hits::Hit;
pub use index::{OpenOutcome, RebuildReason, SearchIndex, SearchResults, Suggestion};
pub use query::{MAX_PER_PAGE, MAX_RESULT_WINDOW, MAX_TEXT_CHARS, SearchQuery, Sort, StatusFilter};
pub use schema::SCHEMA_VERSION;

/// Why a search or an index operation failed. `InvalidQuery` messages are for the user.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request is malformed; the message says what to fix.
    #[error("搜索条件有误：{0}")]
    InvalidQuery(String),
    /// The index's files do not match the program (they are recreated on the next open).
    #[error("搜索索引已损坏：{0}")]
    Corrupt(String),
    #[error("搜索索引出错：{0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("搜索索引文件读写失败：{0}")]
    Io(#[from] std::io::Error),
}

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(err: tantivy::directory::error::OpenDirectoryError) -> Self {
        Self::Index(err.into())
    }
}
