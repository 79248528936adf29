//! Uploaded files in the database, the source of truth: each server's disk cache under its data
//! directory is filled from here on the first request, so a photo uploaded through one server is
//! served by every other at once.

use diesel::prelude::*;

use super::schema::media_files;
use super::{DbConnection, DbResult, now};

/// A file as stored: its name (`ab/abcd…[-480].jpg`, from the content hash) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct MediaFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The content type a stored name's extension stands for.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("png") => "image/png",
        Some("pdf") => "application/pdf",
        _ => "image/jpeg",
    }
}

/// Saves every file of one upload (an original and its thumbnails) in one transaction. A name
/// already stored holds the same content (names come from content), so it is left alone.
pub fn save_all(conn: &mut DbConnection, files: &[MediaFile<'_>]) -> DbResult<usize> {
    super::transaction(conn, |conn| {
        let mut added = 0;
        for file in files {
            let row = (
                media_files::name.eq(file.name),
                media_files::sha256.eq(crate::media::sha256_hex(file.bytes)),
                media_files::content_type.eq(content_type(file.name)),
                media_files::byte_size.eq(file.bytes.len() as i64),
                media_files::bytes.eq(file.bytes),
                media_files::created_at.eq(now()),
            );
            let query = diesel::insert_into(media_files::table)
                .values(row)
                .on_conflict(media_files::name)
                .do_nothing();
            added += on_backend!(conn, query)?;
        }
        Ok(added)
    })
}

/// A stored file's bytes, or `None` when no file has that name.
pub fn load(conn: &mut DbConnection, name: &str) -> DbResult<Option<Vec<u8>>> {
    Ok(media_files::table
        .find(name)
        .select(media_files::bytes)
        .first(conn)
        .optional()?)
}

pub fn exists(conn: &mut DbConnection, name: &str) -> DbResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(media_files::table.find(name))).get_result(conn)?)
}

/// Removes a file no row refers to any more.
pub fn remove(conn: &mut DbConnection, name: &str) -> DbResult<()> {
    diesel::delete(media_files::table.find(name)).execute(conn)?;
    Ok(())
}
