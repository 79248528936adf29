//! `fupin media migrate`: files a server kept only on its disk, before uploads were stored in
//! the database, copied into it.

use std::path::Path;

use crate::db::media::{self, MediaFile};
use crate::db::{DbConnection, DbError};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub added: usize,
    pub added_bytes: u64,
    /// Already in the database: another server or an earlier run moved them.
    pub present: usize,
    /// Files under the media folder that are not stored files (left where they are).
    pub skipped: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("无法读取 {path}：{reason}")]
    Read { path: String, reason: String },
}

/// Copies every stored file under `media_dir` (`ab/abcd….jpg`) that the database lacks; one file
/// at a time, so a large folder never sits in memory and an interrupted run resumes where it was.
pub fn into_database(conn: &mut DbConnection, media_dir: &Path) -> Result<Moved, MigrateError> {
    let mut moved = Moved::default();
    let read = |path: &Path, e: std::io::Error| MigrateError::Read {
        path: path.display().to_string(),
        reason: crate::config::io_reason(&e),
    };
    let folders = match std::fs::read_dir(media_dir) {
        Ok(folders) => folders,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(moved),
        Err(e) => return Err(read(media_dir, e)),
    };
    let mut paths = Vec::new();
    for folder in folders {
        let folder = folder.map_err(|e| read(media_dir, e))?.path();
        if !folder.is_dir() {
            moved.skipped.push(folder.display().to_string());
            continue;
        }
        for file in std::fs::read_dir(&folder).map_err(|e| read(&folder, e))? {
            paths.push(file.map_err(|e| read(&folder, e))?.path());
        }
    }
    paths.sort();
    for path in paths {
        let dir = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let (Some(dir), Some(file)) = (dir, file) else { continue };
        if !super::is_stored_name(&dir, &file) {
            // Temporary files of an interrupted write start with a dot: not worth a mention.
            if !file.starts_with('.') {
                moved.skipped.push(path.display().to_string());
            }
            continue;
        }
        let name = format!("{dir}/{file}");
        if media::exists(conn, &name)? {
            moved.present += 1;
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| read(&path, e))?;
        media::save_all(
            conn,
            &[MediaFile {
                name: &name,
                bytes: &bytes,
            }],
        )?;
        moved.added += 1;
        moved.added_bytes += bytes.len() as u64;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{self, DatabaseUrl};
    use crate::media::{MediaLimits, fixtures, image_files, process_image, store};

    #[test]
    fn files_on_disk_move_into_the_database_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = DatabaseUrl::sqlite_file(&dir.path().join("fupin.db"))
            .connect()
            .unwrap();
        db::migrate(&mut conn).unwrap();
        let media_dir = dir.path().join("media");
        let image = process_image(&fixtures::jpeg(600, 60, None), &MediaLimits::default()).unwrap();
        let stored = store(&media_dir, &image).unwrap();
        std::fs::write(media_dir.join("notes.txt"), "x").unwrap();

        let first = into_database(&mut conn, &media_dir).unwrap();
        assert_eq!(first.added, 3, "the photo and its two thumbnails");
        assert_eq!(first.present, 0);
        assert_eq!(first.skipped.len(), 1);
        for (name, bytes) in image_files(&stored, &image) {
            assert_eq!(media::load(&mut conn, &name).unwrap().as_deref(), Some(bytes));
        }

        let second = into_database(&mut conn, &media_dir).unwrap();
        assert_eq!((second.added, second.present), (0, 3));
    }

    #[test]
    fn no_media_folder_moves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = DatabaseUrl::sqlite_file(&dir.path().join("fupin.db"))
            .connect()
            .unwrap();
        db::migrate(&mut conn).unwrap();
        assert_eq!(
            into_database(&mut conn, &dir.path().join("media")).unwrap(),
            Moved::default()
        );
    }
}
