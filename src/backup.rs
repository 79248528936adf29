//! `fupin backup` and `fupin restore`: a consistent copy of the database while the server runs,
//! and the way back into an empty data directory or database.
//!
//! The database holds everything that cannot be made again, uploaded photos and reports
//! included; the search index is rebuilt from it. On SQLite the copy is `VACUUM INTO`, which
//! reads one snapshot of the database while writers go on. On PostgreSQL it is `pg_dump` (one
//! snapshot too), and the dump is restored into a scratch database before it is called good.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::config::{Settings, io_reason};
use crate::db::inventory::{self, Inventory};
use crate::db::{self, DatabaseUrl, DbConnection, DbError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0} 已存在：备份不会覆盖已有文件，请换一个文件名")]
    Exists(String),
    #[error("{0} 不存在或无法读取")]
    Missing(String),
    #[error("无法写入 {path}：{reason}")]
    Io { path: String, reason: String },
    #[error("恢复目标不是空的：{0}。请恢复到新的数据目录（或空数据库）中")]
    NotEmpty(String),
    #[error("{file} 不是本系统的数据库备份：{reason}")]
    NotABackup { file: String, reason: String },
    #[error("运行 {tool} 失败：{reason}")]
    Tool { tool: &'static str, reason: String },
}

impl From<diesel::result::Error> for BackupError {
    fn from(e: diesel::result::Error) -> Self {
        BackupError::Db(DbError::Query(e))
    }
}

/// Writes a consistent copy of the database to `file`, checks it, and returns what it holds.
pub fn backup(url: &DatabaseUrl, file: &Path) -> Result<Inventory, BackupError> {
    if file.exists() {
        return Err(BackupError::Exists(file.display().to_string()));
    }
    let partial = partial_path(file);
    let _ = std::fs::remove_file(&partial);
    let result = match url {
        DatabaseUrl::Sqlite(_) => backup_sqlite(url, &partial),
        DatabaseUrl::Postgres(pg) => backup_postgres(pg, &partial),
    };
    let inventory = match result {
        Ok(inventory) => inventory,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    // Only a checked copy gets the name asked for.
    std::fs::rename(&partial, file).map_err(|e| io_error(file, &e))?;
    Ok(inventory)
}

/// Restores `file` (from [`backup`]) into the data directory's SQLite file or the configured
/// PostgreSQL database, which must be empty, brings its schema up to date, and returns what it
/// holds. The search index is rebuilt from it when the server starts.
pub fn restore(settings: &Settings, file: &Path) -> Result<Inventory, BackupError> {
    if !file.is_file() {
        return Err(BackupError::Missing(file.display().to_string()));
    }
    let url = settings.database();
    match &url {
        DatabaseUrl::Sqlite(target) => restore_sqlite(settings, target, file)?,
        DatabaseUrl::Postgres(pg) => restore_postgres(pg, file)?,
    }
    let mut conn = url.connect()?;
    db::migrate(&mut conn)?;
    Ok(inventory::take(&mut conn)?)
}

fn backup_sqlite(url: &DatabaseUrl, partial: &Path) -> Result<Inventory, BackupError> {
    let mut conn = url.connect()?;
    // One read transaction: the copy is the database as of one moment, whatever is written
    // meanwhile.
    let target = partial.to_string_lossy().replace('\'', "''");
    conn.batch_execute(&format!("VACUUM INTO '{target}'"))?;
    drop(conn);
    check_sqlite(partial)
}

/// Opens a copied SQLite file, checks its integrity and that it is ours, and takes its inventory.
fn check_sqlite(path: &Path) -> Result<Inventory, BackupError> {
    let not_ours = |reason: String| BackupError::NotABackup {
        file: path.display().to_string(),
        reason,
    };
    let mut conn = DatabaseUrl::sqlite_file(path)
        .connect()
        .map_err(|e| not_ours(e.to_string()))?;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let DbConnection::Sqlite(sqlite) = &mut conn else {
        unreachable!("a file path opens SQLite")
    };
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(sqlite)
        .map_err(|e| not_ours(e.to_string()))?;
    if check.first().map(|c| c.integrity_check.as_str()) != Some("ok") {
        let problems: Vec<String> = check.into_iter().take(3).map(|c| c.integrity_check).collect();
        return Err(not_ours(format!("完整性检查未通过（{}）", problems.join("；"))));
    }
    let inventory = inventory::take(&mut conn).map_err(|e| not_ours(e.to_string()))?;
    if inventory.rows("products").is_none() {
        return Err(not_ours("其中没有产品表".to_owned()));
    }
    Ok(inventory)
}

fn restore_sqlite(settings: &Settings, target: &Path, file: &Path) -> Result<(), BackupError> {
    settings.prepare_data_dir().map_err(|e| BackupError::Io {
        path: settings.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    for existing in [target.to_path_buf(), settings.index_dir()] {
        if existing.exists() {
            return Err(BackupError::NotEmpty(existing.display().to_string()));
        }
    }
    let partial = partial_path(target);
    let copied = std::fs::copy(file, &partial)
        .map_err(|e| io_error(&partial, &e))
        .and_then(|_| check_sqlite(&partial).map(|_| ()));
    if let Err(e) = copied {
        remove_sqlite_files(&partial);
        return Err(e);
    }
    remove_sqlite_files_except_main(&partial);
    std::fs::rename(&partial, target).map_err(|e| io_error(target, &e))
}

fn backup_postgres(url: &str, partial: &Path) -> Result<Inventory, BackupError> {
    let partial_text = partial.to_string_lossy().into_owned();
    run(
        "pg_dump",
        &[
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            &partial_text,
            url,
        ],
    )?;
    // A dump is good when it restores: into a scratch database, dropped after.
    let scratch = ScratchDatabase::create(url)?;
    pg_restore(&scratch.url, partial)?;
    let mut conn = DatabaseUrl::Postgres(scratch.url.clone()).connect()?;
    let inventory = inventory::take(&mut conn)?;
    drop(conn);
    Ok(inventory)
}

fn restore_postgres(url: &str, file: &Path) -> Result<(), BackupError> {
    let mut conn = DatabaseUrl::Postgres(url.to_owned()).connect()?;
    #[derive(QueryableByName)]
    struct Tables {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let DbConnection::Postgresql(pg) = &mut conn else {
        unreachable!("a postgres:// URL opens PostgreSQL")
    };
    let tables: Tables =
        diesel::sql_query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")
            .get_result(pg)?;
    if tables.n > 0 {
        return Err(BackupError::NotEmpty(format!(
            "数据库 {} 中已有 {} 张表",
            DatabaseUrl::Postgres(url.to_owned()).redacted(),
            tables.n
        )));
    }
    drop(conn);
    pg_restore(url, file)
}

fn pg_restore(url: &str, file: &Path) -> Result<(), BackupError> {
    let file = file.to_string_lossy().into_owned();
    run(
        "pg_restore",
        &[
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            url,
            &file,
        ],
    )
}

fn run(tool: &'static str, args: &[&str]) -> Result<(), BackupError> {
    let output = Command::new(tool).args(args).output().map_err(|e| BackupError::Tool {
        tool,
        reason: format!("{}（需要安装 PostgreSQL 客户端工具，版本不低于服务器）", io_reason(&e)),
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(BackupError::Tool {
        tool,
        reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}

/// A database of its own on the same server, for checking that a dump restores.
struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    fn create(url: &str) -> Result<Self, BackupError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("fupin_backup_check_{}_{nanos}", std::process::id());
        let mut admin = DatabaseUrl::Postgres(url.to_owned()).connect()?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(ScratchDatabase {
            admin_url: url.to_owned(),
            url: with_database(url, &name),
            name,
        })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = DatabaseUrl::Postgres(self.admin_url.clone()).connect() {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The same server and options, another database: `postgres://u@h:5432/db?x=y` → `…/name?x=y`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}

fn remove_sqlite_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    remove_sqlite_files_except_main(path);
}

/// A checked copy was opened, which may leave `-wal`/`-shm` beside it; they belong to that name.
fn remove_sqlite_files_except_main(path: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> BackupError {
    BackupError::Io {
        path: path.display().to_string(),
        reason: io_reason(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_database_on_the_same_server() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/fupin", "scratch"),
            "postgres://postgres@127.0.0.1:5432/scratch"
        );
        assert_eq!(
            with_database("postgresql://u:p@db/fupin?sslmode=require", "scratch"),
            "postgresql://u:p@db/scratch?sslmode=require"
        );
        assert_eq!(with_database("postgres://db", "scratch"), "postgres://db/scratch");
    }

    #[test]
    fn the_partial_file_sits_beside_the_backup() {
        assert_eq!(
            partial_path(Path::new("/backups/fupin-2026-12-02.db")),
            Path::new("/backups/fupin-2026-12-02.db.partial")
        );
    }

    fn demo_database(dir: &Path) -> DatabaseUrl {
        let url = DatabaseUrl::sqlite_file(&dir.join("fupin.db"));
        let mut conn = url.connect().unwrap();
        db::migrate(&mut conn).unwrap();
        crate::demo::ensure(&mut conn, 40, false).unwrap();
        url
    }

    #[test]
    fn a_sqlite_backup_restores_into_an_empty_data_directory() {
        let source = tempfile::tempdir().unwrap();
        let url = demo_database(source.path());
        let before = inventory::take(&mut url.connect().unwrap()).unwrap();
        let file = source.path().join("backup.db");

        let backed_up = backup(&url, &file).unwrap();
        assert_eq!(backed_up, before);
        assert!(!partial_path(&file).exists());

        let target = tempfile::tempdir().unwrap();
        let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), target.path().join("data"));
        settings.database_url = None;
        let restored = restore(&settings, &file).unwrap();
        assert_eq!(restored, before);
        assert!(before.rows("products").unwrap() > 0);

        // Never over what is there.
        let again = restore(&settings, &file).unwrap_err();
        assert!(matches!(again, BackupError::NotEmpty(_)), "{again:?}");
        assert!(matches!(backup(&url, &file).unwrap_err(), BackupError::Exists(_)));
    }

    #[test]
    fn a_file_that_is_not_a_backup_is_refused_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.db");
        std::fs::write(&file, "这不是数据库".repeat(200)).unwrap();
        let mut settings = Settings::new("127.0.0.1:0".parse().unwrap(), dir.path().join("data"));
        settings.database_url = None;
        let err = restore(&settings, &file).unwrap_err();
        assert!(matches!(err, BackupError::NotABackup { .. }), "{err:?}");
        assert!(err.to_string().contains("不是本系统的数据库备份"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path().join("data")).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
