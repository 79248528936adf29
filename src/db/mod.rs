//! The database: one connection type for SQLite and PostgreSQL, the pool, migrations, and one
//! file per aggregate with its rows and queries.

/// Runs a query the multi-backend connection cannot express (`ON CONFLICT`, say) on whichever
/// backend `conn` is: both can.
macro_rules! on_backend {
    ($conn:expr, $query:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => $query.execute(c),
            DbConnection::Postgresql(c) => $query.execute(c),
        }
    };
}

pub mod bundles;
pub mod connection;
pub mod events;
pub mod inventory;
pub mod lines;
pub mod media;
pub mod nominations;
pub mod notices;
pub mod open_data;
pub mod orders;
pub mod organisations;
pub mod plans;
pub mod policies;
pub mod products;
pub mod purchases;
pub mod recalls;
pub mod regions;
pub mod reports;
pub mod schema;
pub mod search_changes;

pub mod sellers;
pub mod stats;
pub mod suppliers;
pub mod trace;
pub mod users;
pub mod versions;
pub mod workflow;

pub use connection::{Backend, DatabaseUrl, DbConnection, DbPool, PooledConn};
pub use events::Actor;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("无法连接数据库 {url}：{reason}")]
    Connect { url: String, reason: String },
    #[error("数据库连接池已满或不可用：{0}")]
    Pool(String),
    #[error("数据库迁移失败：{0}")]
    Migration(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl DbError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, DbError::Query(diesel::result::Error::NotFound))
    }

    /// A unique index refused the write: the value is taken.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Runs `read` in one read-only transaction, so that every page it reads sees the database as it
/// was at its first read while writers go on (SQLite in WAL mode; PostgreSQL at REPEATABLE READ).
pub fn in_snapshot<T, E>(conn: &mut DbConnection, read: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    diesel::Connection::transaction(conn, |conn| {
        if let DbConnection::Postgresql(pg) = conn {
            diesel::RunQueryDsl::execute(
                diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
                pg,
            )?;
        }
        read(conn)
    })
}

/// Runs `work` as one transaction that writes; inside a transaction already, as a savepoint.
///
/// On SQLite the transaction begins IMMEDIATE, taking the write lock before its first read. A
/// deferred one that reads and then writes fails at once with BUSY when another writer got in
/// between (SQLite cannot wait there without risking a deadlock); an immediate one waits its turn
/// on the busy timeout instead. On PostgreSQL, writers that race on one row are kept apart by
/// compare-and-set updates (`WHERE status = 'expected'`) and row locks.
pub fn transaction<T, E>(conn: &mut DbConnection, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    let outermost =
        <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::transaction_manager_status_mut(
            sqlite,
        )
        .transaction_depth()?
        .is_none();
    if !outermost {
        return conn.transaction(work);
    }
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        unreachable!("the connection does not change backend inside a transaction")
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

/// The current time, UTC, at the precision both backends store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Brings the schema up to date and makes sure the region table holds every Shaanxi county.
/// Safe to run at every start and from several processes.
pub fn migrate(conn: &mut DbConnection) -> DbResult<Vec<String>> {
    let applied = conn.run_migrations()?;
    regions::seed(conn)?;
    stats::rebuild_if_missing(conn)?;
    Ok(applied)
}

/// The space the database takes, in bytes (SQLite pages, or PostgreSQL's own count).
pub fn size_bytes(conn: &mut DbConnection) -> DbResult<i64> {
    use diesel::sql_types::BigInt;
    #[derive(diesel::QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        bytes: i64,
    }
    let size: Size = match conn {
        DbConnection::Sqlite(c) => diesel::RunQueryDsl::get_result(
            diesel::sql_query("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"),
            c,
        )?,
        DbConnection::Postgresql(c) => diesel::RunQueryDsl::get_result(
            diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes"),
            c,
        )?,
    };
    Ok(size.bytes)
}

/// Empties a PostgreSQL database of everything this program made (for `demo --reset`).
/// SQLite is reset by removing its file instead.
pub fn drop_all_postgres(conn: &mut DbConnection) -> DbResult<()> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Postgresql(c) = conn {
        c.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")?;
    }
    Ok(())
}

/// Inserts many rows in one statement. Diesel's multi-backend connection cannot express a batch
/// insert (SQLite and PostgreSQL write DEFAULT differently), so the statement is built for the
/// concrete backend.
#[macro_export]
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConnection::Postgresql(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    }};
}
