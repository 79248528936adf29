//! One connection type over SQLite and PostgreSQL, chosen by the database URL, and its pool.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbError, DbResult};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgresql(PgConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgresql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgresql => "postgresql",
        }
    }
}

/// Where the data lives: a SQLite file, or a PostgreSQL server named by a `postgres://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `postgres://` and `postgresql://` URLs name PostgreSQL; `sqlite://PATH` or a bare path names SQLite.
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            DatabaseUrl::Sqlite(PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url)))
        }
    }

    pub fn sqlite_file(path: &Path) -> Self {
        DatabaseUrl::Sqlite(path.to_path_buf())
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgresql,
        }
    }

    /// The URL with any password hidden, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => p.display().to_string(),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end && url[scheme_end + 3..at].contains(':') => {
                    let user = url[scheme_end + 3..at].split(':').next().unwrap_or("");
                    format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }

    /// Opens one connection, set up as the pool would set it up.
    pub fn connect(&self) -> DbResult<DbConnection> {
        let connect_error = |e: diesel::ConnectionError| DbError::Connect {
            url: self.redacted(),
            reason: e.to_string().trim().replace('\n', " "),
        };
        match self {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy()).map_err(connect_error)?;
                // WAL lets readers go on while one writer writes; the busy timeout makes a second
                // writer (another process, such as `fupin import`) wait instead of failing.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(|e| DbError::Connect {
                    url: self.redacted(),
                    reason: e.to_string(),
                })?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => Ok(DbConnection::Postgresql(
                PgConnection::establish(url).map_err(connect_error)?,
            )),
        }
    }
}

pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.url.connect().map_err(|e| match e {
            DbError::Query(q) => r2d2::Error::QueryError(q),
            other => r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(other.to_string())),
        })
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// Connects once (so a wrong URL fails fast with the server's own reason), then builds the pool.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> DbResult<DbPool> {
    drop(url.connect()?);
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager { url: url.clone() })
        .map_err(|e| DbError::Pool(e.to_string()))
}

pub fn get(pool: &DbPool) -> DbResult<PooledConn> {
    pool.get().map_err(|e| DbError::Pool(e.to_string()))
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgresql(_) => Backend::Postgresql,
        }
    }

    /// Runs the embedded migrations for this backend; returns the names of those applied now.
    pub fn run_migrations(&mut self) -> DbResult<Vec<String>> {
        let applied = match self {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    }
}
