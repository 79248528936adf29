//! The change log that keeps every server's search index in step with the database.

use diesel::prelude::*;

use super::schema::{
    counties, products, search_changes, search_log_pruned, search_log_servers, suppliers, trace_media,
};
use super::{DbConnection, DbResult, now};

/// Notes that a product changed in a way search must see. Call inside a [`logged_transaction`].
pub fn record(conn: &mut DbConnection, product_id: i32) -> DbResult<()> {
    // Already held when called from a logged transaction (taking it again is then free); taken
    // here too so that a caller that forgot still logs in commit order.
    lock_log(conn)?;
    diesel::insert_into(search_changes::table)
        .values((
            search_changes::product_id.eq(product_id),
            search_changes::changed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Runs `change` in a transaction that may write to the change log, holding the log from the
/// transaction's first statement to its commit, so that the log's order is the order of commits.
///
/// Servers read the log as "every change after the last one applied". PostgreSQL hands out ids
/// when a row is inserted, not when it commits: if a transaction holding change 10 committed after
/// another holding change 11, a server that had read 11 would never read 10, and its index would
/// keep, say, a delisted product. A transaction-scoped advisory lock makes writers of the log take
/// turns. It is taken first, before any row lock: taken later, two writers could each hold a row
/// the other needs and deadlock. (SQLite already lets one writer in at a time.)
pub fn logged_transaction<T, E>(
    conn: &mut DbConnection,
    change: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    super::transaction(conn, |conn| {
        lock_log(conn)?;
        change(conn)
    })
}

fn lock_log(conn: &mut DbConnection) -> QueryResult<()> {
    /// Any constant works, as long as nothing else uses it: "fupin-sc" in ASCII.
    const LOG_LOCK: i64 = 0x6675_7069_6e2d_7363;
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(LOG_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

/// Changes after `after`, oldest first: (change id, product id).
pub fn since(conn: &mut DbConnection, after: i32, limit: i64) -> DbResult<Vec<(i32, i32)>> {
    Ok(search_changes::table
        .filter(search_changes::id.gt(after))
        .order(search_changes::id)
        .limit(limit)
        .select((search_changes::id, search_changes::product_id))
        .load(conn)?)
}

/// The newest change id, or 0 when there is none.
pub fn latest(conn: &mut DbConnection) -> DbResult<i32> {
    Ok(search_changes::table
        .select(diesel::dsl::max(search_changes::id))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0))
}

/// The newest change pruned from the log, or 0 when none was: an index that has applied less than
/// this has missed changes and must be rebuilt.
pub fn pruned_through(conn: &mut DbConnection) -> DbResult<i32> {
    Ok(search_log_pruned::table
        .find(1)
        .select(search_log_pruned::through_change)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Notes how far a server has applied the log, and that it is alive now.
pub fn report_position(conn: &mut DbConnection, server_id: &str, applied: i32) -> DbResult<()> {
    let row = (
        search_log_servers::server_id.eq(server_id),
        search_log_servers::applied_change.eq(applied),
        search_log_servers::seen_at.eq(now()),
    );
    on_backend!(
        conn,
        diesel::insert_into(search_log_servers::table)
            .values(row)
            .on_conflict(search_log_servers::server_id)
            .do_update()
            .set((
                search_log_servers::applied_change.eq(applied),
                search_log_servers::seen_at.eq(now()),
            ))
    )?;
    Ok(())
}

/// What a pruning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Changes removed from the log.
    pub changes: usize,
    /// The newest change now pruned (0 when none ever was).
    pub through: i32,
}

/// Removes the changes that every live server has applied and that are older than `retention`.
///
/// A server is live when it reported its position within `retention`. One away longer is left
/// out, and is forgotten: when it comes back, its position is behind [`pruned_through`], and it
/// rebuilds its index from the database instead of replaying changes that are gone.
pub fn prune(conn: &mut DbConnection, retention: chrono::Duration) -> DbResult<Pruned> {
    logged_transaction(conn, |conn| {
        let cutoff = now() - retention;
        diesel::delete(search_log_servers::table.filter(search_log_servers::seen_at.lt(cutoff))).execute(conn)?;
        let previous = pruned_through(conn)?;
        let slowest: Option<i32> = search_log_servers::table
            .select(diesel::dsl::min(search_log_servers::applied_change))
            .first(conn)?;
        // With no live server known, nobody's needs are known: keep everything.
        let Some(slowest) = slowest else {
            return Ok(Pruned {
                changes: 0,
                through: previous,
            });
        };
        let through: Option<i32> = search_changes::table
            .filter(search_changes::id.le(slowest))
            .filter(search_changes::changed_at.lt(cutoff))
            .select(diesel::dsl::max(search_changes::id))
            .first(conn)?;
        let Some(through) = through.filter(|t| *t > previous) else {
            return Ok(Pruned {
                changes: 0,
                through: previous,
            });
        };
        let changes = diesel::delete(search_changes::table.filter(search_changes::id.le(through))).execute(conn)?;
        let row = (
            search_log_pruned::id.eq(1),
            search_log_pruned::through_change.eq(through),
            search_log_pruned::pruned_at.eq(now()),
        );
        on_backend!(
            conn,
            diesel::insert_into(search_log_pruned::table)
                .values(row)
                .on_conflict(search_log_pruned::id)
                .do_update()
                .set((
                    search_log_pruned::through_change.eq(through),
                    search_log_pruned::pruned_at.eq(now()),
                ))
        )?;
        Ok(Pruned { changes, through })
    })
}

/// How many changes the log holds.
pub fn len(conn: &mut DbConnection) -> DbResult<i64> {
    Ok(search_changes::table.count().get_result(conn)?)
}

/// What the search index needs of a product, joined from its supplier and county.
#[derive(Debug, Clone, Queryable)]
pub struct SearchRow {
    pub id: i32,
    pub catalogue_code: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub poverty_region_kind: String,
    pub listing_status: String,
    pub unit_price_fen: i64,
    pub listed_at: chrono::NaiveDateTime,
    pub county_code: String,
    pub county_name: String,
    pub city_code: String,
    pub supplier_name: String,
}

#[diesel::dsl::auto_type]
fn search_rows() -> _ {
    products::table
        .inner_join(suppliers::table)
        .inner_join(counties::table)
        .select((
            products::id,
            products::catalogue_code,
            products::name,
            products::description,
            products::category,
            products::poverty_region_kind,
            products::listing_status,
            products::unit_price_fen,
            products::listed_at,
            products::county_code,
            counties::name,
            counties::city_code,
            suppliers::name,
        ))
}

/// A product as search needs it, with the thumbnail of its first photo.
#[derive(Debug, Clone)]
pub struct Searchable {
    pub row: SearchRow,
    /// The thumbnail's path under `/media/` (the photo itself where it has none).
    pub thumbnail: Option<String>,
}

pub fn rows_for(conn: &mut DbConnection, ids: &[i32]) -> DbResult<Vec<Searchable>> {
    let rows = search_rows().filter(products::id.eq_any(ids)).load(conn)?;
    with_thumbnails(conn, rows)
}

/// All products in id order, a page at a time, for a full rebuild.
pub fn rows_after(conn: &mut DbConnection, after_id: i32, limit: i64) -> DbResult<Vec<Searchable>> {
    let rows = search_rows()
        .filter(products::id.gt(after_id))
        .order(products::id)
        .limit(limit)
        .load(conn)?;
    with_thumbnails(conn, rows)
}

/// Each row with its first photo (the order the scan and product pages show them in).
fn with_thumbnails(conn: &mut DbConnection, rows: Vec<SearchRow>) -> DbResult<Vec<Searchable>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let photos: Vec<(i32, String, Option<String>)> = trace_media::table
        .filter(trace_media::product_id.eq_any(&ids))
        .filter(trace_media::kind.eq("photo"))
        .filter(trace_media::removed_at.is_null())
        .order(trace_media::id)
        .select((trace_media::product_id, trace_media::path, trace_media::thumb_path))
        .load(conn)?;
    let mut first = std::collections::HashMap::new();
    for (product, path, thumb) in photos {
        first.entry(product).or_insert(thumb.unwrap_or(path));
    }
    Ok(rows
        .into_iter()
        .map(|row| Searchable {
            thumbnail: first.get(&row.id).cloned(),
            row,
        })
        .collect())
}
