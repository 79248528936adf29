//! The open-data files: a full dump of the public catalogue (CSV with a BOM, and gzipped JSON
//! Lines) and one delta per China-time day with changes, with an index (`index.json`) giving
//! each file's size, rows and SHA-256. Rows are streamed from the database a page at a time into
//! files written beside their final names and renamed into place, so a reader never sees half a
//! file and memory stays flat in the size of the catalogue.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, SecondsFormat};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::io_reason;
use crate::db::{self, DbConnection, DbError};
use crate::domain::open_data::{self as rows, COLUMNS, DELTA_COLUMNS};
use crate::domain::versions::end_of_china_day;
use crate::domain::{china_date, in_china};

/// Products read from the database at a time.
const PAGE: i64 = 1_000;

pub const INDEX: &str = "index.json";
pub const FULL_CSV: &str = "catalogue.csv";
pub const FULL_JSONL: &str = "catalogue.jsonl.gz";

#[derive(Debug, thiserror::Error)]
pub enum OpenDataError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("无法写入 {path}：{reason}")]
    Write { path: String, reason: String },
}

impl From<diesel::result::Error> for OpenDataError {
    fn from(e: diesel::result::Error) -> Self {
        OpenDataError::Db(DbError::Query(e))
    }
}

/// One file in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    /// `full` or `delta`.
    pub kind: String,
    /// `csv` or `jsonl.gz`.
    pub format: String,
    /// The day of a delta (China time).
    pub day: Option<NaiveDate>,
    /// False for a delta of a day not yet over when it was written: it is written again.
    pub complete: bool,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    pub written_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnDoc {
    pub name: String,
    pub kind: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Licence {
    pub name: String,
    pub url: String,
    pub attribution: String,
}

/// `index.json`: what the folder holds, the schema and the licence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub generated_at: String,
    /// Days up to and including this one have a delta when they had changes; days without one
    /// had none.
    pub deltas_through: Option<NaiveDate>,
    pub licence: Licence,
    pub columns: Vec<ColumnDoc>,
    pub delta_columns: Vec<ColumnDoc>,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    pub fn full(&self) -> impl Iterator<Item = &FileEntry> {
        self.files.iter().filter(|f| f.kind == "full")
    }

    /// The deltas, newest day first.
    pub fn deltas(&self) -> Vec<&FileEntry> {
        let mut deltas: Vec<&FileEntry> = self.files.iter().filter(|f| f.kind == "delta").collect();
        deltas.sort_by(|a, b| b.day.cmp(&a.day).then(a.format.cmp(&b.format)));
        deltas
    }
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Report {
    pub products: u64,
    pub deltas_written: usize,
    pub deltas_kept: usize,
    pub manifest: Manifest,
}

/// A file's name as the server may serve it: one the index can list.
pub fn is_file_name(name: &str) -> bool {
    if name == INDEX || name == FULL_CSV || name == FULL_JSONL {
        return true;
    }
    let Some(rest) = name.strip_prefix("delta-") else {
        return false;
    };
    let day = rest.strip_suffix(".csv").or_else(|| rest.strip_suffix(".jsonl.gz"));
    day.is_some_and(|d| d.len() == 10 && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
}

fn delta_name(day: NaiveDate, format: &str) -> String {
    format!("delta-{day}.{format}")
}

/// Reads the index, if the folder has one.
pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join(INDEX)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_error(path: &Path, e: &std::io::Error) -> OpenDataError {
    OpenDataError::Write {
        path: path.display().to_string(),
        reason: io_reason(e),
    }
}

/// Bytes on their way to a file, counted and hashed as written.
struct Sink {
    path: PathBuf,
    partial: PathBuf,
    out: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Sink {
    fn create(dir: &Path, name: &str) -> Result<Sink, OpenDataError> {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        let file = File::create(&partial).map_err(|e| write_error(&partial, &e))?;
        Ok(Sink {
            path,
            partial,
            out: BufWriter::with_capacity(256 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Flushes, syncs and renames the file into place; returns its size and SHA-256.
    fn finish(self) -> Result<(u64, String), OpenDataError> {
        let Sink {
            path,
            partial,
            out,
            hasher,
            bytes,
        } = self;
        let file = out.into_inner().map_err(|e| write_error(&partial, e.error()))?;
        file.sync_all().map_err(|e| write_error(&partial, &e))?;
        std::fs::rename(&partial, &path).map_err(|e| write_error(&path, &e))?;
        Ok((bytes, format!("{:x}", hasher.finalize())))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A CSV file (UTF-8 with a BOM, for Excel) and a gzipped JSON Lines file written side by side.
struct Pair {
    csv_name: String,
    jsonl_name: String,
    csv: csv::Writer<Sink>,
    jsonl: GzEncoder<Sink>,
    rows: u64,
}

impl Pair {
    fn create(dir: &Path, csv_name: String, jsonl_name: String, header: &[&str]) -> Result<Pair, OpenDataError> {
        let mut csv_sink = Sink::create(dir, &csv_name)?;
        csv_sink
            .write_all("\u{feff}".as_bytes())
            .map_err(|e| write_error(&csv_sink.partial, &e))?;
        let mut csv = csv::Writer::from_writer(csv_sink);
        csv.write_record(header).map_err(|e| csv_error(dir, &csv_name, e))?;
        let jsonl = GzEncoder::new(Sink::create(dir, &jsonl_name)?, Compression::default());
        Ok(Pair {
            csv_name,
            jsonl_name,
            csv,
            jsonl,
            rows: 0,
        })
    }

    fn write(&mut self, fields: &[String], json: &impl Serialize, dir: &Path) -> Result<(), OpenDataError> {
        self.csv
            .write_record(fields)
            .map_err(|e| csv_error(dir, &self.csv_name, e))?;
        serde_json::to_writer(&mut self.jsonl, json).map_err(|e| OpenDataError::Write {
            path: dir.join(&self.jsonl_name).display().to_string(),
            reason: e.to_string(),
        })?;
        self.jsonl
            .write_all(b"\n")
            .map_err(|e| write_error(&dir.join(&self.jsonl_name), &e))?;
        self.rows += 1;
        Ok(())
    }

    fn finish(
        self,
        dir: &Path,
        kind: &str,
        day: Option<NaiveDate>,
        complete: bool,
        now: &str,
    ) -> Result<[FileEntry; 2], OpenDataError> {
        let csv_sink = self
            .csv
            .into_inner()
            .map_err(|e| write_error(&dir.join(&self.csv_name), e.error()))?;
        let (csv_bytes, csv_sha) = csv_sink.finish()?;
        let jsonl_sink = self
            .jsonl
            .finish()
            .map_err(|e| write_error(&dir.join(&self.jsonl_name), &e))?;
        let (jsonl_bytes, jsonl_sha) = jsonl_sink.finish()?;
        let entry = |name: String, format: &str, bytes, sha256| FileEntry {
            name,
            kind: kind.to_owned(),
            format: format.to_owned(),
            day,
            complete,
            rows: self.rows,
            bytes,
            sha256,
            written_at: now.to_owned(),
        };
        Ok([
            entry(self.csv_name, "csv", csv_bytes, csv_sha),
            entry(self.jsonl_name, "jsonl.gz", jsonl_bytes, jsonl_sha),
        ])
    }
}

fn csv_error(dir: &Path, name: &str, e: csv::Error) -> OpenDataError {
    OpenDataError::Write {
        path: dir.join(name).display().to_string(),
        reason: e.to_string(),
    }
}

fn timestamp(at: NaiveDateTime) -> String {
    in_china(at).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Writes the full dump from one snapshot of the database and returns its two files.
pub fn write_full(conn: &mut DbConnection, dir: &Path, now: &str) -> Result<[FileEntry; 2], OpenDataError> {
    let mut pair = Pair::create(dir, FULL_CSV.to_owned(), FULL_JSONL.to_owned(), &rows::header())?;
    db::in_snapshot(conn, |conn| -> Result<(), OpenDataError> {
        let mut after = 0;
        loop {
            let ids = db::open_data::products_after(conn, after, PAGE)?;
            let Some(&last) = ids.last() else { break };
            after = last;
            for (_, history) in db::open_data::histories(conn, &ids)? {
                if let Some(row) = rows::row(&history) {
                    pair.write(&row.csv_fields(), &row, dir)?;
                }
            }
        }
        Ok(())
    })?;
    pair.finish(dir, "full", None, true, now)
}

/// Writes the delta of one day (`complete`: the day is over) and returns its two files.
pub fn write_delta(
    conn: &mut DbConnection,
    dir: &Path,
    day: NaiveDate,
    complete: bool,
    now: &str,
) -> Result<[FileEntry; 2], OpenDataError> {
    let mut pair = Pair::create(
        dir,
        delta_name(day, "csv"),
        delta_name(day, "jsonl.gz"),
        &rows::delta_header(),
    )?;
    db::in_snapshot(conn, |conn| -> Result<(), OpenDataError> {
        let changed = db::open_data::changed_on(conn, day)?;
        for ids in changed.chunks(PAGE as usize) {
            for (_, history) in db::open_data::histories(conn, ids)? {
                if let Some(delta) = rows::delta(&history, day) {
                    pair.write(&delta.csv_fields(), &delta, dir)?;
                }
            }
        }
        Ok(())
    })?;
    pair.finish(dir, "delta", Some(day), complete, now)
}

/// The columns as the index and the page document them.
pub fn documented(columns: &[rows::Column]) -> Vec<ColumnDoc> {
    columns
        .iter()
        .map(|c| ColumnDoc {
            name: c.name.to_owned(),
            kind: c.kind.to_owned(),
            description: c.description.to_owned(),
        })
        .collect()
}

/// Writes the full dump and every day's delta not written yet or written before its day was
/// over (all of them with `rewrite`), then the index. `now` is UTC.
pub fn publish(
    conn: &mut DbConnection,
    dir: &Path,
    now: NaiveDateTime,
    rewrite: bool,
) -> Result<Report, OpenDataError> {
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, &e))?;
    let written_at = timestamp(now);
    let kept: Vec<FileEntry> = if rewrite {
        Vec::new()
    } else {
        read_manifest(dir)
            .map(|m| m.files)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.kind == "delta" && f.complete && dir.join(&f.name).is_file())
            .collect()
    };
    let mut files: Vec<FileEntry> = write_full(conn, dir, &written_at)?.into();
    let products = files[0].rows;
    let today = china_date(now);
    let days = db::open_data::change_days(conn)?;
    let mut deltas_written = 0;
    let mut deltas_kept = 0;
    for day in days.iter().copied().filter(|d| *d <= today) {
        let both_kept: Vec<&FileEntry> = kept.iter().filter(|f| f.day == Some(day)).collect();
        if both_kept.len() == 2 {
            files.extend(both_kept.into_iter().cloned());
            deltas_kept += 1;
            continue;
        }
        let complete = end_of_china_day(day) <= now;
        files.extend(write_delta(conn, dir, day, complete, &written_at)?);
        deltas_written += 1;
    }
    // Files of days that no longer have changes (a history rebuilt) are not listed, and removed.
    for stale in kept.iter().filter(|f| !files.iter().any(|k| k.name == f.name)) {
        let _ = std::fs::remove_file(dir.join(&stale.name));
    }
    let manifest = Manifest {
        generated_at: written_at,
        deltas_through: Some(today),
        licence: Licence {
            name: rows::LICENCE_NAME.to_owned(),
            url: rows::LICENCE_URL.to_owned(),
            attribution: rows::ATTRIBUTION.to_owned(),
        },
        columns: documented(&COLUMNS),
        delta_columns: documented(&DELTA_COLUMNS),
        files,
    };
    let mut index = Sink::create(dir, INDEX)?;
    serde_json::to_writer_pretty(&mut index, &manifest).map_err(|e| OpenDataError::Write {
        path: dir.join(INDEX).display().to_string(),
        reason: e.to_string(),
    })?;
    index.finish()?;
    Ok(Report {
        products,
        deltas_written,
        deltas_kept,
        manifest,
    })
}

/// Writes the files again a few minutes after each China-time midnight, so that yesterday's
/// delta is complete and today's dump current without anyone running the command.
pub fn spawn_daily(pool: db::DbPool, dir: PathBuf) {
    tokio::spawn(async move {
        loop {
            let now = db::now();
            let next = end_of_china_day(china_date(now)) + chrono::Duration::minutes(5);
            let wait = (next - now).to_std().unwrap_or(std::time::Duration::from_secs(60));
            tokio::time::sleep(wait).await;
            let (pool, dir) = (pool.clone(), dir.clone());
            let result = tokio::task::spawn_blocking(move || -> Result<Report, OpenDataError> {
                let mut conn = db::connection::get(&pool)?;
                publish(&mut conn, &dir, db::now(), false)
            })
            .await;
            match result {
                Ok(Ok(report)) => tracing::info!(
                    products = report.products,
                    deltas = report.deltas_written,
                    "open data written"
                ),
                Ok(Err(e)) => tracing::error!(error = %e, "open data not written"),
                Err(e) => tracing::error!(error = %e, "open data task failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_names_the_index_can_list_are_served() {
        for good in [
            "index.json",
            "catalogue.csv",
            "catalogue.jsonl.gz",
            "delta-2026-03-01.csv",
            "delta-2026-03-01.jsonl.gz",
        ] {
            assert!(is_file_name(good), "{good}");
        }
        for bad in [
            "../index.json",
            "delta-2026-13-01.csv",
            "delta-2026-03-01.csv.partial",
            ".catalogue.csv.partial",
            "delta-../../x.csv",
            "catalogue.xlsx",
            "",
        ] {
            assert!(!is_file_name(bad), "{bad}");
        }
    }
}
