//! Content-addressed storage of processed images and PDFs on disk.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{MediaError, ProcessedImage, sha256_hex};

/// Where a stored file and its thumbnails are, as paths relative to the storage directory
/// (`ab/abcd….jpg`), so the web layer can serve that directory and use the paths as URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub hash: String,
    pub original: PathBuf,
    /// In the order of [`ProcessedImage::thumbs`]; empty for a PDF.
    pub thumbs: Vec<PathBuf>,
}

/// Writes the image as `{dir}/{hash[0..2]}/{hash}.jpg` (or `.png`) and its thumbnails as
/// `{hash}-1280.jpg` and `{hash}-480.jpg` beside it.
///
/// Files are named by content, so a file that already exists already holds these bytes and is
/// not written again: storing the same photo twice is cheap and gives the same result. Each file
/// appears whole or not at all, and the original is written last, so once it exists its
/// thumbnails do too.
pub fn store(dir: &Path, image: &ProcessedImage) -> Result<StoredMedia, MediaError> {
    let original = relative_path(&image.hash, "", image.format.extension());
    let thumbs: Vec<PathBuf> = image
        .thumbs
        .iter()
        .map(|thumb| relative_path(&image.hash, &format!("-{}", thumb.max_width), "jpg"))
        .collect();
    for (path, thumb) in thumbs.iter().zip(&image.thumbs) {
        write_once(dir, path, &thumb.bytes)?;
    }
    write_once(dir, &original, &image.original)?;
    Ok(StoredMedia {
        hash: image.hash.clone(),
        original,
        thumbs,
    })
}

/// Writes a PDF as `{dir}/{hash[0..2]}/{hash}.pdf`, like [`store`]. Check it with
/// [`super::check_pdf`] first.
pub fn store_pdf(dir: &Path, bytes: &[u8]) -> Result<StoredMedia, MediaError> {
    let hash = sha256_hex(bytes);
    let original = relative_path(&hash, "", "pdf");
    write_once(dir, &original, bytes)?;
    Ok(StoredMedia {
        hash,
        original,
        thumbs: Vec::new(),
    })
}

/// Each file of a stored image under its name (`ab/abcd….jpg`), thumbnails first and the original
/// last, the order [`store`] writes them in: for saving the same files in the database.
pub fn image_files<'a>(stored: &StoredMedia, image: &'a ProcessedImage) -> Vec<(String, &'a [u8])> {
    stored
        .thumbs
        .iter()
        .zip(&image.thumbs)
        .map(|(path, thumb)| (name_of(path), thumb.bytes.as_slice()))
        .chain(std::iter::once((name_of(&stored.original), image.original.as_slice())))
        .collect()
}

/// A stored path as a name and URL: `ab/abcd….jpg`, always with `/`, whatever the platform.
pub fn name_of(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Whether `dir/file` names a stored file: two hex digits, then the 64-hex-digit hash beginning
/// with them, an optional `-{width}` thumbnail suffix and a known extension. Nothing else reaches
/// the file system, so `..` and other paths cannot.
pub fn is_stored_name(dir: &str, file: &str) -> bool {
    let Some((stem, extension)) = file.rsplit_once('.') else {
        return false;
    };
    let hash = stem.split_once('-').map(|(h, _)| h).unwrap_or(stem);
    let suffix_ok = stem
        .split_once('-')
        .is_none_or(|(_, w)| !w.is_empty() && w.len() <= 5 && w.bytes().all(|b| b.is_ascii_digit()));
    let lower_hex = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    dir.len() == 2
        && hash.len() == 64
        && lower_hex(hash)
        && hash.starts_with(dir)
        && suffix_ok
        && matches!(extension, "jpg" | "png" | "pdf")
}

/// Puts a file fetched from the database into the disk cache under `dir`; returns its path.
pub fn cache(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, MediaError> {
    let relative = Path::new(name);
    write_once(dir, relative, bytes)?;
    Ok(dir.join(relative))
}

/// `ab/abcd…{suffix}.{extension}`: the first two hex digits as a folder keep any one folder to
/// a few thousand files even with a million stored.
fn relative_path(hash: &str, suffix: &str, extension: &str) -> PathBuf {
    // The hash becomes a path, so anything but a SHA-256 hex string (say "../x") is a bug.
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "not a SHA-256 hex hash: {hash:?}"
    );
    Path::new(&hash[..2]).join(format!("{hash}{suffix}.{extension}"))
}

fn write_once(dir: &Path, relative: &Path, bytes: &[u8]) -> Result<(), MediaError> {
    let path = dir.join(relative);
    if path.exists() {
        return Ok(());
    }
    write_atomically(&path, bytes).map_err(|source| MediaError::Io { path, source })
}

/// Writes a temporary file in the same folder and renames it into place: a rename within one
/// file system is atomic, so readers never see half a file, and two uploads of the same photo
/// racing each other both end with the same complete file.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = path.parent().expect("a stored file is always inside its hash folder");
    fs::create_dir_all(folder)?;
    let temp = folder.join(temp_file_name(path));
    let result = write_synced(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Synced before the rename so that a crash cannot leave an empty file under the final name.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A dot-file name unique to this process and call, so concurrent writers never share one.
fn temp_file_name(path: &Path) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{name}.{}-{count}.tmp", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{MediaLimits, fixtures, process_image};

    fn processed() -> ProcessedImage {
        process_image(&fixtures::jpeg(600, 60, None), &MediaLimits::default()).unwrap()
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn image_and_thumbnails_are_stored_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let image = processed();
        let stored = store(dir.path(), &image).unwrap();

        let hash = &image.hash;
        let folder = &hash[..2];
        assert_eq!(stored.hash, *hash);
        assert_eq!(stored.original, Path::new(folder).join(format!("{hash}.jpg")));
        assert_eq!(
            stored.thumbs,
            [
                Path::new(folder).join(format!("{hash}-1280.jpg")),
                Path::new(folder).join(format!("{hash}-480.jpg")),
            ]
        );
        assert_eq!(fs::read(dir.path().join(&stored.original)).unwrap(), image.original);
        for (path, thumb) in stored.thumbs.iter().zip(&image.thumbs) {
            assert_eq!(fs::read(dir.path().join(path)).unwrap(), thumb.bytes);
        }
        // Nothing but the three files: no temporary files left behind.
        assert_eq!(files_in(&dir.path().join(folder)).len(), 3);
    }

    #[test]
    fn storing_the_same_image_again_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let image = processed();
        let first = store(dir.path(), &image).unwrap();

        // Mark the stored original: if the second call rewrote it, the mark would be gone.
        let original = dir.path().join(&first.original);
        fs::write(&original, b"already here").unwrap();
        let second = store(dir.path(), &image).unwrap();

        assert_eq!(first, second);
        assert_eq!(fs::read(&original).unwrap(), b"already here");
        assert_eq!(files_in(&dir.path().join(&image.hash[..2])).len(), 3);
    }

    #[test]
    fn pdf_is_stored_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = fixtures::pdf();
        let stored = store_pdf(dir.path(), &pdf).unwrap();
        let again = store_pdf(dir.path(), &pdf).unwrap();

        assert_eq!(stored, again);
        assert_eq!(stored.hash, sha256_hex(&pdf));
        assert_eq!(
            stored.original,
            Path::new(&stored.hash[..2]).join(format!("{}.pdf", stored.hash))
        );
        assert!(stored.thumbs.is_empty());
        assert_eq!(fs::read(dir.path().join(&stored.original)).unwrap(), pdf);
    }

    #[test]
    fn unwritable_storage_is_reported_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the hash folder should be makes the folder impossible to create.
        let image = processed();
        fs::write(dir.path().join(&image.hash[..2]), b"in the way").unwrap();
        let err = store(dir.path(), &image).unwrap_err();
        assert!(matches!(err, MediaError::Io { .. }), "{err:?}");
        assert!(err.to_string().starts_with("文件保存失败"));
    }

    #[test]
    #[should_panic(expected = "not a SHA-256 hex hash")]
    fn a_hash_that_is_not_hex_is_never_used_as_a_path() {
        let mut image = processed();
        image.hash = format!("../{}", &image.hash[3..]);
        let dir = tempfile::tempdir().unwrap();
        let _ = store(dir.path(), &image);
    }
}
