//! Keeps this server's search index in step with the database, the source of truth.
//!
//! Every product change writes a row to `search_changes` in its own transaction. The server
//! applies the log at once after its own writes, and a background task tails it so that changes
//! made through other servers on the same PostgreSQL arrive within a second. The last change
//! applied is kept beside the index; without it, or when the index is missing, corrupt or from
//! an older schema, the index is rebuilt from the database.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::db::search_changes::{self, Searchable};
use crate::db::{self, DbConnection, DbError, DbPool};
use crate::domain::{ListingStatus, PovertyRegionKind, region};
use crate::search::{ProductDoc, SearchError, SearchIndex};

/// How often the background task looks for changes made through other servers.
pub const TAIL_INTERVAL: Duration = Duration::from_millis(250);
const PAGE: i64 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("无法写入搜索索引状态文件 {path}：{reason}")]
    State { path: String, reason: String },
}

impl From<diesel::result::Error> for IndexerError {
    fn from(e: diesel::result::Error) -> Self {
        IndexerError::Db(DbError::Query(e))
    }
}

pub struct CatalogueIndex {
    index: SearchIndex,
    /// The last change applied; the lock also keeps two appliers from interleaving.
    applied: Mutex<i32>,
    state_file: Option<PathBuf>,
}

impl CatalogueIndex {
    /// Opens the index under `data_dir`, rebuilding it from the database when needed.
    pub fn open(data_dir: &Path, conn: &mut DbConnection, on_progress: impl FnMut(u64)) -> Result<Self, IndexerError> {
        let (index, outcome) = SearchIndex::open_or_create(&data_dir.join("index"))?;
        let state_file = data_dir.join("index-applied-change");
        let applied = std::fs::read_to_string(&state_file)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok());
        let this = CatalogueIndex {
            index,
            applied: Mutex::new(applied.unwrap_or(0)),
            state_file: Some(state_file),
        };
        match (outcome.needs_rebuild(), applied) {
            (false, Some(_)) => {
                this.catch_up(conn)?;
            }
            _ => {
                tracing::info!(reason = ?outcome, "rebuilding the search index from the database");
                this.rebuild(conn, on_progress)?;
            }
        }
        Ok(this)
    }

    /// Opens (or creates) the index without bringing it up to date, for a rebuild that follows.
    pub fn open_for_rebuild(data_dir: &Path) -> Result<Self, IndexerError> {
        let (index, _) = SearchIndex::open_or_create(&data_dir.join("index"))?;
        Ok(CatalogueIndex {
            index,
            applied: Mutex::new(0),
            state_file: Some(data_dir.join("index-applied-change")),
        })
    }

    /// An index in memory, for tests.
    pub fn in_memory(conn: &mut DbConnection) -> Result<Self, IndexerError> {
        let this = CatalogueIndex {
            index: SearchIndex::in_memory()?,
            applied: Mutex::new(0),
            state_file: None,
        };
        this.rebuild(conn, |_| {})?;
        Ok(this)
    }

    /// The last change of the log this index has applied.
    pub fn applied_change(&self) -> i32 {
        *self.applied.lock().expect("index lock")
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Rebuilds from every product in the database; returns how many were indexed.
    pub fn rebuild(&self, conn: &mut DbConnection, on_progress: impl FnMut(u64)) -> Result<u64, IndexerError> {
        let mut applied = self.applied.lock().expect("index lock");
        // Taken before reading the products: a change made during the rebuild is applied again after.
        let latest = search_changes::latest(conn)?;
        let docs = ProductPages {
            conn,
            after: 0,
            buffer: Vec::new().into_iter(),
            error: None,
        };
        let mut docs = docs;
        let count = self.index.rebuild(docs.by_ref(), on_progress)?;
        if let Some(e) = docs.error {
            return Err(e.into());
        }
        *applied = latest;
        self.save_state(latest)?;
        Ok(count)
    }

    /// Applies every change logged since the last one applied; returns how many products changed.
    pub fn catch_up(&self, conn: &mut DbConnection) -> Result<usize, IndexerError> {
        let mut applied = self.applied.lock().expect("index lock");
        let mut changed = 0;
        loop {
            let changes = search_changes::since(conn, *applied, 1_000)?;
            let Some(&(last, _)) = changes.last() else { break };
            let mut ids: Vec<i32> = changes.iter().map(|(_, product)| *product).collect();
            ids.sort_unstable();
            ids.dedup();
            let rows = search_changes::rows_for(conn, &ids)?;
            for id in &ids {
                match rows.iter().find(|r| r.row.id == *id) {
                    Some(row) => self.index.upsert(&to_doc(row))?,
                    None => self.index.delete(*id)?,
                }
            }
            self.index.commit()?;
            changed += ids.len();
            *applied = last;
            self.save_state(last)?;
        }
        Ok(changed)
    }

    fn save_state(&self, applied: i32) -> Result<(), IndexerError> {
        let Some(path) = &self.state_file else { return Ok(()) };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, applied.to_string())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| IndexerError::State {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
    }
}

/// Tails the change log in the background until the runtime stops.
pub fn spawn_tailer(index: Arc<CatalogueIndex>, pool: DbPool) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TAIL_INTERVAL).await;
            let (index, pool) = (index.clone(), pool.clone());
            let result = tokio::task::spawn_blocking(move || -> Result<usize, IndexerError> {
                let mut conn = db::connection::get(&pool)?;
                index.catch_up(&mut conn)
            })
            .await;
            match result {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::debug!(products = n, "search index caught up"),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "search index could not catch up; retrying");
                    tokio::time::sleep(TAIL_INTERVAL * 10).await;
                }
                Err(e) => tracing::warn!(error = %e, "search index task failed"),
            }
        }
    });
}

pub fn to_doc(searchable: &Searchable) -> ProductDoc {
    let row = &searchable.row;
    ProductDoc {
        id: row.id,
        catalogue_code: row.catalogue_code.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        supplier_name: row.supplier_name.clone(),
        county_code: row.county_code.clone(),
        county_name: row.county_name.clone(),
        city_code: row.city_code.clone(),
        city_name: region::city(&row.city_code).map_or("", |c| c.name).to_owned(),
        category: row.category.clone(),
        poverty_region_kind: PovertyRegionKind::parse(&row.poverty_region_kind)
            .unwrap_or(PovertyRegionKind::PovertyCounty),
        listing_status: ListingStatus::parse(&row.listing_status).unwrap_or(ListingStatus::Listed),
        unit_price_fen: row.unit_price_fen,
        listed_at: row.listed_at,
        thumbnail: searchable.thumbnail.clone(),
    }
}

/// Every product, read a page at a time so a national-scale rebuild does not hold all in memory.
struct ProductPages<'a> {
    conn: &'a mut DbConnection,
    after: i32,
    buffer: std::vec::IntoIter<Searchable>,
    error: Option<DbError>,
}

impl Iterator for ProductPages<'_> {
    type Item = ProductDoc;

    fn next(&mut self) -> Option<ProductDoc> {
        if let Some(row) = self.buffer.next() {
            return Some(to_doc(&row));
        }
        if self.error.is_some() {
            return None;
        }
        match search_changes::rows_after(self.conn, self.after, PAGE) {
            Ok(rows) if rows.is_empty() => None,
            Ok(rows) => {
                self.after = rows.last().map(|r| r.row.id).unwrap_or(self.after);
                self.buffer = rows.into_iter();
                self.buffer.next().map(|row| to_doc(&row))
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}
