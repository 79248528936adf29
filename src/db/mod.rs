//! The database: one connection type for SQLite and PostgreSQL, the pool, migrations, and one
//! file per aggregate with its rows and queries.

pub mod connection;
pub mod events;
pub mod nominations;
pub mod organisations;
pub mod products;
pub mod regions;
pub mod schema;
pub mod search_changes;
pub mod suppliers;
pub mod trace;
pub mod users;
pub mod workflow;

pub use connection::{Backend, DatabaseUrl, DbConnection, DbPool, PooledConn};

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
}

pub type DbResult<T> = Result<T, DbError>;

/// The current time, UTC, at the precision both backends store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Brings the schema up to date and makes sure the region table holds every Shaanxi county.
/// Safe to run at every start and from several processes.
pub fn migrate(conn: &mut DbConnection) -> DbResult<Vec<String>> {
    let applied = conn.run_migrations()?;
    regions::seed(conn)?;
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
