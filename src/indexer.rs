//! Keeps this server's search index in step with the database, the source of truth.
//!
//! Every product change writes a row to `search_changes` in its own transaction. The server
//! applies the log at once after its own writes, and a background task tails it so that changes
//! made through other servers on the same PostgreSQL arrive within a second. The last change
//! applied is kept beside the index; without it, or when the index is missing, corrupt or from
//! an older schema, the index is rebuilt from the database.
//!
//! Each server reports how far it has applied the log, and the log is pruned of what every live
//! server has applied once it is older than the retention window. A server away for longer finds
//! its position pruned and rebuilds. The same log tells each server which products' scan pages to
//! drop from its cache, so a delisting shows on another server's scan page as soon as in search.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Names this server in the log's table of positions; kept in the data directory.
    server_id: String,
    /// True while the index is rebuilt from the database: searches would miss products.
    rebuilding: AtomicBool,
}

/// What bringing the index up to date changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaughtUp {
    /// The products changed since the last time (none when nothing was logged).
    Products(Vec<i32>),
    /// The log no longer held every change this index needed, so it was rebuilt: anything may
    /// have changed.
    Rebuilt,
}

impl CaughtUp {
    pub fn is_nothing(&self) -> bool {
        matches!(self, CaughtUp::Products(ids) if ids.is_empty())
    }
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
            server_id: server_id(data_dir)?,
            rebuilding: AtomicBool::new(false),
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
            server_id: server_id(data_dir)?,
            rebuilding: AtomicBool::new(false),
        })
    }

    /// An index in memory, for tests.
    pub fn in_memory(conn: &mut DbConnection) -> Result<Self, IndexerError> {
        let this = CatalogueIndex {
            index: SearchIndex::in_memory()?,
            applied: Mutex::new(0),
            state_file: None,
            server_id: random_server_id(),
            rebuilding: AtomicBool::new(false),
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

    /// This server's name in the log's table of positions.
    pub fn server_id(&self) -> &str {
        &self.server_id
    }

    /// Whether the index is being rebuilt (the server is then not ready).
    pub fn is_rebuilding(&self) -> bool {
        self.rebuilding.load(Ordering::Acquire)
    }

    /// Rebuilds from every product in the database; returns how many were indexed.
    pub fn rebuild(&self, conn: &mut DbConnection, on_progress: impl FnMut(u64)) -> Result<u64, IndexerError> {
        let mut applied = self.applied.lock().expect("index lock");
        self.rebuild_holding(&mut applied, conn, on_progress)
    }

    fn rebuild_holding(
        &self,
        applied: &mut i32,
        conn: &mut DbConnection,
        on_progress: impl FnMut(u64),
    ) -> Result<u64, IndexerError> {
        self.rebuilding.store(true, Ordering::Release);
        let result = self.rebuild_from_database(applied, conn, on_progress);
        self.rebuilding.store(false, Ordering::Release);
        result
    }

    fn rebuild_from_database(
        &self,
        applied: &mut i32,
        conn: &mut DbConnection,
        on_progress: impl FnMut(u64),
    ) -> Result<u64, IndexerError> {
        // Taken before reading the products: a change made during the rebuild is applied again after.
        let latest = search_changes::latest(conn)?.max(search_changes::pruned_through(conn)?);
        let mut docs = ProductPages {
            conn,
            after: 0,
            buffer: Vec::new().into_iter(),
            error: None,
        };
        let count = self.index.rebuild(docs.by_ref(), on_progress)?;
        if let Some(e) = docs.error {
            return Err(e.into());
        }
        *applied = latest;
        self.save_state(latest)?;
        Ok(count)
    }

    /// Applies every change logged since the last one applied, or rebuilds when some of those
    /// changes have been pruned from the log.
    pub fn catch_up(&self, conn: &mut DbConnection) -> Result<CaughtUp, IndexerError> {
        let mut applied = self.applied.lock().expect("index lock");
        let mut changed = Vec::new();
        loop {
            let changes = search_changes::since(conn, *applied, 1_000)?;
            // Read after the changes: a pruning that removed any of them shows here.
            if *applied < search_changes::pruned_through(conn)? {
                tracing::warn!(
                    applied = *applied,
                    "changes this index needs were pruned from the log; rebuilding it from the database"
                );
                self.rebuild_holding(&mut applied, conn, |_| {})?;
                return Ok(CaughtUp::Rebuilt);
            }
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
            changed.extend(ids);
            *applied = last;
            self.save_state(last)?;
        }
        changed.sort_unstable();
        changed.dedup();
        Ok(CaughtUp::Products(changed))
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

/// What the background task does besides applying the log.
pub struct Tailing {
    /// How long applied changes stay in the log.
    pub retention: Duration,
    /// Told of every change applied, to drop what was cached of those products.
    pub on_change: Box<dyn Fn(&CaughtUp) + Send + Sync>,
}

/// Tails the change log in the background until the runtime stops: applies changes made through
/// other servers, reports this server's position, and prunes the log now and then.
pub fn spawn_tailer(index: Arc<CatalogueIndex>, pool: DbPool, tailing: Tailing) {
    let tailing = Arc::new(tailing);
    // Often enough that a server is never taken for gone, and a short window in tests is pruned.
    let report_every = (tailing.retention / 4).clamp(TAIL_INTERVAL, Duration::from_secs(10));
    let prune_every = (tailing.retention / 2).clamp(TAIL_INTERVAL, Duration::from_secs(60));
    tokio::spawn(async move {
        let mut reported: Option<(i32, Instant)> = None;
        let mut pruned = Instant::now();
        loop {
            tokio::time::sleep(TAIL_INTERVAL).await;
            let (index, pool, tailing) = (index.clone(), pool.clone(), tailing.clone());
            let report_due =
                reported.is_none_or(|(at, when)| at != index.applied_change() || when.elapsed() >= report_every);
            let prune_due = pruned.elapsed() >= prune_every;
            let result = tokio::task::spawn_blocking(move || -> Result<(CaughtUp, i32), IndexerError> {
                let mut conn = db::connection::get(&pool)?;
                let caught_up = index.catch_up(&mut conn)?;
                if !caught_up.is_nothing() {
                    (tailing.on_change)(&caught_up);
                }
                let applied = index.applied_change();
                if report_due || !caught_up.is_nothing() {
                    search_changes::report_position(&mut conn, index.server_id(), applied)?;
                }
                if prune_due {
                    let retention = chrono::Duration::from_std(tailing.retention).unwrap_or(chrono::Duration::MAX);
                    let pruned = search_changes::prune(&mut conn, retention)?;
                    if pruned.changes > 0 {
                        tracing::info!(changes = pruned.changes, through = pruned.through, "change log pruned");
                    }
                }
                Ok((caught_up, applied))
            })
            .await;
            match result {
                Ok(Ok((caught_up, applied))) => {
                    if report_due || !caught_up.is_nothing() {
                        reported = Some((applied, Instant::now()));
                    }
                    if prune_due {
                        pruned = Instant::now();
                    }
                    if !caught_up.is_nothing() {
                        tracing::debug!(?caught_up, "search index caught up");
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "search index could not catch up; retrying");
                    tokio::time::sleep(TAIL_INTERVAL * 10).await;
                }
                Err(e) => tracing::warn!(error = %e, "search index task failed"),
            }
        }
    });
}

/// This server's name, made once and kept in the data directory: the same server keeps its
/// place in the table of positions across restarts.
fn server_id(data_dir: &Path) -> Result<String, IndexerError> {
    let path = data_dir.join("server-id");
    if let Ok(id) = std::fs::read_to_string(&path)
        && !id.trim().is_empty()
    {
        return Ok(id.trim().to_owned());
    }
    let id = random_server_id();
    std::fs::write(&path, &id).map_err(|e| IndexerError::State {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(id)
}

fn random_server_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_default();
    let suffix: u64 = rand::random();
    format!("{host}-{suffix:016x}").trim_start_matches('-').to_owned()
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
