//! The index itself: opening (and recreating when unusable), writing, and searching.

use std::fs;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::TopDocs;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::columns::ColumnCache;
use super::document::ProductDoc;
use super::facets::Facets;
use super::filter::ColumnFilter;
use super::hits::{Hit, HitCache, HitSource};
use super::matches::{MatchCache, PageRequest, ScanQuery};
use super::query::{QueryBuilder, QueryTerm, SearchQuery, Sort, parse_text, status_in_query};
use super::schema::{self, Fields, SCHEMA_VERSION, VERSION_FILE};
use super::sort::SortColumn;
use super::{SearchError, tokenizer};

/// Writer heap per indexing thread (tantivy's minimum is 15 MB); a bigger heap means fewer segments.
const WRITER_HEAP_PER_THREAD: usize = 64 * 1024 * 1024;
/// The most suggestions returned, whatever the caller asks.
const MAX_SUGGESTIONS: usize = 20;
/// Suggestions are for a search box; longer input is not a prefix anyone types.
const MAX_SUGGEST_CHARS: usize = 50;
/// Stored fields are read in blocks; small blocks make fetching a page's 20 documents cheap.
const DOCSTORE_BLOCK_BYTES: usize = 2048;
/// Decompressed doc-store blocks kept in memory (× `DOCSTORE_BLOCK_BYTES`).
const DOCSTORE_CACHE_BLOCKS: usize = 400;

/// What [`SearchIndex::open_or_create`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// An index of the current schema was opened; it holds what was last committed.
    Opened,
    /// A new, empty index was created; the caller must [`SearchIndex::rebuild`] it from the database.
    Created(RebuildReason),
}

impl OpenOutcome {
    pub fn needs_rebuild(&self) -> bool {
        matches!(self, Self::Created(_))
    }
}

/// Why the index was created anew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebuildReason {
    /// There was no index in the directory.
    Missing,
    /// The index was written with another schema version (`found` is `None` if the marker was
    /// missing or unreadable).
    SchemaChanged { found: Option<u32>, expected: u32 },
    /// The index could not be opened or its files failed their checksums.
    Corrupt(String),
}

/// One page of hits, the number of all matches and the facet counts over all matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Empty when the query asked for no facets.
    pub facets: Facets,
}

/// A name for the search box's list, with the product it opens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suggestion {
    pub name: String,
    pub code: String,
    pub county: String,
}

/// The product search index. Cheap to share (`Arc<SearchIndex>`); every method takes `&self`.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    /// Tantivy allows one writer per index; writes are serialised here. `None` only if a new writer
    /// could not be made after a rebuild.
    writer: Mutex<Option<IndexWriter>>,
    writer_threads: usize,
    /// Reloaded by hand after each commit, so a committed change shows in the very next search.
    reader: IndexReader,
    /// Each segment's facet values, prices and listing times as plain arrays (see `columns.rs`).
    columns: ColumnCache,
    /// The matches of recently searched texts (see `matches.rs`).
    matches: MatchCache,
    /// Hits as shown for recently searched texts (see `hits.rs`).
    hits: HitCache,
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates an empty one there when it is missing, unreadable or of
    /// another schema version (wiping whatever was in `dir`, which the index owns).
    pub fn open_or_create(dir: &Path) -> Result<(SearchIndex, OpenOutcome), SearchError> {
        fs::create_dir_all(dir)?;
        let problem = match check_existing(dir) {
            Ok(index) => {
                let search = Self::from_index(index, writer_threads())?;
                return Ok((search, OpenOutcome::Opened));
            }
            Err(reason) => reason,
        };
        tracing::warn!(dir = %dir.display(), reason = ?problem, "搜索索引不可用，重新建立空索引");
        wipe(dir)?;
        let index = Index::builder()
            .schema(schema::build().0)
            .settings(index_settings())
            .create_in_dir(dir)?;
        fs::write(dir.join(VERSION_FILE), SCHEMA_VERSION.to_string())?;
        let search = Self::from_index(index, writer_threads())?;
        Ok((search, OpenOutcome::Created(problem)))
    }

    /// An empty index in memory, for tests.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let index = Index::builder()
            .schema(schema::build().0)
            .settings(index_settings())
            .create_in_ram()?;
        Self::from_index(index, 1)
    }

    fn from_index(index: Index, threads: usize) -> Result<SearchIndex, SearchError> {
        tokenizer::register(&index);
        tokenizer::warm_up();
        let fields = fields_of(&index)?;
        let writer = new_writer(&index, threads)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOCSTORE_CACHE_BLOCKS)
            .try_into()?;
        let search = SearchIndex {
            index,
            fields,
            writer: Mutex::new(Some(writer)),
            writer_threads: threads,
            reader,
            columns: ColumnCache::default(),
            matches: MatchCache::default(),
            hits: HitCache::default(),
        };
        search.columns.refresh(&search.reader.searcher())?;
        Ok(search)
    }

    /// Makes the last commit visible to searches, with its segments ready for facet counting.
    fn reload(&self) -> Result<(), SearchError> {
        self.reader.reload()?;
        self.columns.refresh(&self.reader.searcher())?;
        Ok(())
    }

    fn writer_slot(&self) -> MutexGuard<'_, Option<IndexWriter>> {
        // A panic while holding the lock leaves the writer usable: tantivy rolls back on error.
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `write` with the index's one writer.
    fn writing<T>(&self, write: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>) -> Result<T, SearchError> {
        let mut slot = self.writer_slot();
        write(slot.as_mut().ok_or_else(no_writer)?)
    }

    /// Adds `doc`, replacing any product with the same id. Visible after [`Self::commit`].
    pub fn upsert(&self, doc: &ProductDoc) -> Result<(), SearchError> {
        self.writing(|writer| {
            writer.delete_term(self.id_term(doc.id));
            writer.add_document(doc.to_document(&self.fields))?;
            Ok(())
        })
    }

    /// Removes the product `id`. Visible after [`Self::commit`].
    pub fn delete(&self, id: i32) -> Result<(), SearchError> {
        self.writing(|writer| {
            writer.delete_term(self.id_term(id));
            Ok(())
        })
    }

    /// Makes every change so far durable and visible to the next search.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writing(|writer| Ok(writer.commit()?))?;
        self.reload()?;
        Ok(())
    }

    /// Replaces the whole index with `docs` and commits. `on_progress` gets the number of products
    /// added so far, every 1,000 products and at the end.
    pub fn rebuild(
        &self,
        docs: impl Iterator<Item = ProductDoc>,
        mut on_progress: impl FnMut(u64),
    ) -> Result<u64, SearchError> {
        let mut slot = self.writer_slot();
        let writer = slot.as_mut().ok_or_else(no_writer)?;
        writer.delete_all_documents()?;
        let mut added = 0u64;
        for doc in docs {
            writer.add_document(doc.to_document(&self.fields))?;
            added += 1;
            if added.is_multiple_of(1000) {
                on_progress(added);
            }
        }
        writer.commit()?;
        on_progress(added);
        // One segment searches fastest; a rebuild is the moment to pay for the merge.
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        // The writer's threads keep what they allocated for the rebuild while they sit idle; a new
        // writer lets them end and their memory go back to the system. Tantivy allows one writer
        // per index, so the old one goes first.
        slot.take();
        *slot = Some(new_writer(&self.index, self.writer_threads)?);
        drop(slot);
        self.reload()?;
        Ok(added)
    }

    /// Changes with every commit: results computed at one generation are valid until it changes.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// Forgets the matches and hits kept for recently searched texts (`matches.rs`, `hits.rs`), so
    /// that the next search of any text runs its query: for measuring that path.
    pub fn forget_kept(&self) {
        self.matches.clear();
        self.hits.clear();
    }

    /// How many products the index holds (every status).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Runs `q`. Refuses malformed requests with [`SearchError::InvalidQuery`].
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        q.validate()?;
        let terms = parse_text(&q.text)?;
        let searcher = self.reader.searcher();
        self.run_search(&searcher, &terms, q)
    }

    fn run_search(
        &self,
        searcher: &Searcher,
        terms: &[QueryTerm],
        q: &SearchQuery,
    ) -> Result<SearchResults, SearchError> {
        let builder = QueryBuilder { fields: &self.fields };
        let no_text = status_in_query(terms);
        let order = match (column_order(q.sort), no_text) {
            // With no text every score is 0, so "relevance" would be index order: newest instead.
            (None, true) => Some((SortColumn::ListedAt, true)),
            (order, _) => order,
        };
        let page = PageRequest {
            filter: ColumnFilter::of(q, no_text),
            order,
            offset: q.offset(),
            limit: q.per_page as usize,
            facets: q.facets,
        };
        let (ranked, fruit) = if no_text {
            // The filters are the query: their posting lists are the cheapest way to enumerate
            // the products. Nothing is kept: the result page cache keeps popular browse pages.
            let scan = ScanQuery {
                columns: &self.columns,
                page: &page,
            };
            scan.run(searcher, &*builder.search(terms, q))?
        } else {
            // The text's matches, kept per generation, are checked one by one against the filters.
            let matches = self.matches.matches(searcher, q.text.trim(), || builder.text(terms))?;
            matches.page(searcher, &self.columns, &page)?
        };
        let hits = HitSource {
            searcher,
            fields: &self.fields,
            columns: &self.columns,
        };
        let hits = self.hits.hits(&hits, q.text.trim(), terms, ranked)?;
        let total = fruit.total as usize;
        let facets = if q.facets {
            fruit.into_facets()
        } else {
            Facets::default()
        };
        Ok(SearchResults { total, hits, facets })
    }

    /// Up to `limit` product names for a search box's as-you-type list. `prefix` is Chinese or pinyin
    /// (full, initials, or with the last syllable half-typed: `luochuanp`). Listed products only.
    /// Never fails: a malformed prefix or an index error gives no suggestions.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<String> {
        self.suggest_products(prefix, limit)
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    /// As [`SearchIndex::suggest`], each name with the best-matching product that bears it, so
    /// that choosing a suggestion can open that product.
    pub fn suggest_products(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        match self.try_suggest(prefix, limit) {
            Ok(found) => found,
            Err(err) => {
                tracing::debug!(%err, prefix, "no suggestions");
                Vec::new()
            }
        }
    }

    fn try_suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let limit = limit.min(MAX_SUGGESTIONS);
        if prefix.trim().is_empty() || limit == 0 || prefix.chars().count() > MAX_SUGGEST_CHARS {
            return Ok(Vec::new());
        }
        let terms = parse_text(prefix)?;
        let query = QueryBuilder { fields: &self.fields }.suggest(&terms);
        let searcher = self.reader.searcher();
        // Several products share a name (the same tea from different suppliers): fetch extra.
        let top = searcher.search(&*query, &TopDocs::with_limit(limit * 3).order_by_score())?;
        let mut found: Vec<Suggestion> = Vec::with_capacity(limit);
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let name = text_of(&doc, self.fields.name);
            if !found.iter().any(|s| s.name == name) {
                found.push(Suggestion {
                    name: name.to_owned(),
                    code: text_of(&doc, self.fields.catalogue_code).to_owned(),
                    county: text_of(&doc, self.fields.county_name).to_owned(),
                });
            }
            if found.len() == limit {
                break;
            }
        }
        Ok(found)
    }

    fn id_term(&self, id: i32) -> Term {
        Term::from_field_i64(self.fields.id, i64::from(id))
    }
}

/// The column and direction `sort` orders by; `None` for relevance.
fn column_order(sort: Sort) -> Option<(SortColumn, bool)> {
    match sort {
        Sort::Relevance => None,
        Sort::PriceAsc => Some((SortColumn::Price, false)),
        Sort::PriceDesc => Some((SortColumn::Price, true)),
        Sort::Newest => Some((SortColumn::ListedAt, true)),
    }
}

fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> &str {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default()
}

fn new_writer(index: &Index, threads: usize) -> Result<IndexWriter, SearchError> {
    Ok(index.writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)?)
}

fn no_writer() -> SearchError {
    SearchError::Corrupt("搜索索引的写入器未能重新建立，请重启服务".into())
}

fn writer_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
}

/// The schema's fields as found in `index` (the same as [`schema::build`] gives for a fresh schema).
fn fields_of(index: &Index) -> Result<Fields, SearchError> {
    let (expected, fields) = schema::build();
    if index.schema() != expected {
        return Err(SearchError::Corrupt("索引的字段与程序不一致".into()));
    }
    Ok(fields)
}

/// Opens the index in `dir` if it is of the current schema version and sound.
fn check_existing(dir: &Path) -> Result<Index, RebuildReason> {
    if !dir.join("meta.json").exists() {
        return Err(RebuildReason::Missing);
    }
    let found = fs::read_to_string(dir.join(VERSION_FILE))
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok());
    if found != Some(SCHEMA_VERSION) {
        return Err(RebuildReason::SchemaChanged {
            found,
            expected: SCHEMA_VERSION,
        });
    }
    let corrupt = |err: &dyn std::fmt::Display| RebuildReason::Corrupt(err.to_string());
    let index = Index::open_in_dir(dir).map_err(|e| corrupt(&e))?;
    if index.schema() != schema::build().0 {
        return Err(RebuildReason::Corrupt("索引的字段与程序不一致".into()));
    }
    let damaged = index.validate_checksum().map_err(|e| corrupt(&e))?;
    if !damaged.is_empty() {
        return Err(RebuildReason::Corrupt(format!("校验失败的文件：{damaged:?}")));
    }
    // Opening every segment catches what a checksum cannot (a truncated or missing file).
    tokenizer::register(&index);
    let reader = index.reader().map_err(|e| corrupt(&e))?;
    drop(reader);
    Ok(index)
}

/// Removes everything in `dir` (the index's own directory).
fn wipe(dir: &Path) -> Result<(), SearchError> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}
