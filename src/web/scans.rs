//! What keeps the scan page fast: rendered pages cached in memory, and scans counted in memory
//! and written to `scan_counts` every few seconds, off the request path.
//!
//! A cached page is dropped whenever this server handles a write (any POST, see
//! [`ScanPages::clear`] in `startup`), so a delisting shows at the very next scan. A change made
//! through another server on the same database, or by the command line, reaches this server
//! through the change log within a second ([`ScanPages::forget`], from the indexer's tailer).
//! Pages also expire after [`PAGE_MAX_AGE`], a bound for anything the log might not carry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::{NaiveDate, Utc};

use crate::db::trace::{ScanKey, add_scans};
use crate::db::{self, DbPool, DbResult};

pub const PAGE_MAX_AGE: Duration = Duration::from_secs(30);
/// More pages than this and the cache starts afresh: a bound on memory (pages are ~10 KB).
const MAX_PAGES: usize = 20_000;
/// How often counted scans are written to the database.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// A rendered scan page and what it counts as.
pub struct CachedPage {
    pub product_id: i32,
    pub batch_id: i32,
    pub html: Bytes,
    made: Instant,
}

/// Rendered scan pages by request path.
#[derive(Default)]
pub struct ScanPages {
    /// Moves on every clear, so a page rendered from data read before a write is not stored after it.
    generation: AtomicU64,
    pages: RwLock<HashMap<String, Arc<CachedPage>>>,
}

impl ScanPages {
    /// The generation to pass to [`ScanPages::insert`]; read it before loading the data.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn get(&self, path: &str) -> Option<Arc<CachedPage>> {
        let pages = self.pages.read().expect("scan page cache lock");
        pages.get(path).filter(|p| p.made.elapsed() < PAGE_MAX_AGE).cloned()
    }

    /// Stores a page unless something was written since `generation` was read.
    pub fn insert(&self, path: &str, product_id: i32, batch_id: i32, html: Bytes, generation: u64) {
        let mut pages = self.pages.write().expect("scan page cache lock");
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        let page = CachedPage {
            product_id,
            batch_id,
            html,
            made: Instant::now(),
        };
        pages.insert(path.to_owned(), Arc::new(page));
    }

    /// How many rendered pages are kept.
    pub fn len(&self) -> usize {
        self.pages.read().expect("scan page cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the pages of these products, changed through another server.
    pub fn forget(&self, products: &[i32]) {
        let mut pages = self.pages.write().expect("scan page cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        pages.retain(|_, page| products.binary_search(&page.product_id).is_err());
    }

    pub fn clear(&self) {
        let mut pages = self.pages.write().expect("scan page cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        pages.clear();
    }
}

/// Scans counted since the last flush.
#[derive(Default)]
pub struct ScanCounter {
    pending: Mutex<HashMap<ScanKey, i64>>,
}

impl ScanCounter {
    /// Counts one scan today (China time: the office reads days as people in Shaanxi live them).
    pub fn count(&self, product_id: i32, batch_id: i32) {
        let key = ScanKey {
            product_id,
            batch_id,
            day: china_today(),
        };
        *self.pending.lock().expect("scan counter lock").entry(key).or_default() += 1;
    }

    /// Scans counted and not yet written.
    pub fn pending(&self) -> i64 {
        self.pending.lock().expect("scan counter lock").values().sum()
    }

    /// Writes the pending counts. If the database refuses them they are kept for the next flush.
    pub fn flush(&self, pool: &DbPool) -> DbResult<()> {
        self.flush_to(|pending| db::connection::get(pool).and_then(|mut conn| add_scans(&mut conn, pending)))
    }

    /// [`Self::flush`] on a connection already held.
    pub fn flush_with(&self, conn: &mut db::DbConnection) -> DbResult<()> {
        self.flush_to(|pending| add_scans(conn, pending))
    }

    fn flush_to(&self, write: impl FnOnce(&[(ScanKey, i64)]) -> DbResult<()>) -> DbResult<()> {
        let pending: Vec<(ScanKey, i64)> = std::mem::take(&mut *self.pending.lock().expect("scan counter lock"))
            .into_iter()
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let written = write(&pending);
        if written.is_err() {
            let mut map = self.pending.lock().expect("scan counter lock");
            for (key, n) in pending {
                *map.entry(key).or_default() += n;
            }
        }
        written
    }

    /// Flushes every [`FLUSH_EVERY`] on a thread of its own until the counter is dropped with the
    /// application.
    pub fn start_flushing(counter: &Arc<ScanCounter>, pool: DbPool) {
        let weak: Weak<ScanCounter> = Arc::downgrade(counter);
        let spawned = std::thread::Builder::new()
            .name("scan-counts".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    let Some(counter) = weak.upgrade() else { return };
                    if let Err(e) = counter.flush(&pool) {
                        tracing::warn!(error = %e, "scan counts not written; kept for the next try");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "scan counter thread not started; scans are written when the office reads them");
        }
    }
}

pub fn china_today() -> NaiveDate {
    crate::domain::in_china(Utc::now().naive_utc()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_rendered_before_a_write_is_not_stored_after_it() {
        let pages = ScanPages::default();
        let before = pages.generation();
        pages.clear();
        pages.insert("/t/x", 1, 0, Bytes::from_static(b"old"), before);
        assert!(pages.get("/t/x").is_none());

        pages.insert("/t/x", 1, 0, Bytes::from_static(b"new"), pages.generation());
        assert_eq!(pages.get("/t/x").unwrap().html, "new");
        pages.clear();
        assert!(pages.get("/t/x").is_none());
    }

    #[test]
    fn scans_are_summed_per_code_and_day() {
        let counter = ScanCounter::default();
        counter.count(1, 0);
        counter.count(1, 0);
        counter.count(1, 7);
        let pending = counter.pending.lock().unwrap();
        let today = china_today();
        assert_eq!(
            pending[&ScanKey {
                product_id: 1,
                batch_id: 0,
                day: today
            }],
            2
        );
        assert_eq!(
            pending[&ScanKey {
                product_id: 1,
                batch_id: 7,
                day: today
            }],
            1
        );
    }
}
