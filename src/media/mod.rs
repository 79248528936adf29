//! Photos and documents uploaded for traceability: production sites, growth timelines, inspection
//! reports.
//!
//! Uploads come from phones, so every photo is treated as untrusted: [`process_image`] checks
//! its size, recognises the format from the content, refuses decompression bombs before
//! allocating, turns it upright and re-encodes it, which drops EXIF (including GPS position) and
//! any other embedded data. Files are named by the SHA-256 of what is stored, so [`store`] and
//! [`store_pdf`] write each distinct file once.

pub mod migrate;
mod pdf;
mod photo;
mod store;

#[cfg(test)]
mod fixtures;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

pub use pdf::{DEFAULT_MAX_PDF_BYTES, check_pdf};
pub use photo::{ProcessedImage, StoredFormat, THUMB_WIDTHS, Thumb, process_image};
pub use store::{StoredMedia, cache, image_files, is_stored_name, name_of, store, store_pdf};

const MIB: usize = 1024 * 1024;

/// Bounds on what an uploaded photo may cost to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaLimits {
    /// Largest accepted file, checked before anything else.
    pub max_bytes: usize,
    /// Largest accepted width and height in pixels, read from the file header before decoding.
    pub max_width: u32,
    pub max_height: u32,
    /// Largest decoded image in bytes (width × height × bytes per pixel). Turning and re-encoding
    /// need up to about three times this at once.
    pub max_alloc: u64,
}

impl Default for MediaLimits {
    /// 15 MiB files (a 50-megapixel phone JPEG is about 12 MiB), 12000 px sides and 256 MiB
    /// decoded (a 48-megapixel RGB photo needs 144 MiB).
    fn default() -> Self {
        Self {
            max_bytes: 15 * MIB,
            max_width: 12_000,
            max_height: 12_000,
            max_alloc: 256 * MIB as u64,
        }
    }
}

/// Why an upload was refused or could not be saved; the message is shown to users.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("文件是空的（0 字节），请重新选择文件上传")]
    Empty,
    #[error("文件过大（{:.1} MB），最大允许 {:.0} MB，请压缩后再上传", mib(*.size), mib(*.max))]
    TooLarge { size: usize, max: usize },
    #[error("不是图片文件（支持 JPEG、PNG、WebP 格式的照片），请检查所选文件")]
    NotImage,
    #[error(
        "暂不支持 HEIC/HEIF 格式的照片（苹果手机默认格式）：请在手机“设置 → 相机 → 格式”中选择“兼容性最佳”，或将照片转存为 JPEG 后再上传"
    )]
    Heic,
    #[error("不支持 {0} 格式的图片，请上传 JPEG、PNG 或 WebP 格式的照片")]
    UnsupportedFormat(String),
    #[error(
        "图片尺寸过大（{width}×{height} 像素）：宽不能超过 {max_width} 像素，高不能超过 {max_height} 像素，请缩小后再上传"
    )]
    Dimensions {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
    },
    #[error("图片像素过多（{width}×{height}），处理所需内存超过上限，请缩小后再上传")]
    Memory { width: u32, height: u32 },
    #[error("图片文件已损坏或不完整，无法读取：请重新上传，或在手机相册中另存为 JPEG 后再试")]
    Corrupt(#[source] image::ImageError),
    #[error("不是 PDF 文件（文件开头没有 PDF 标记），请上传 PDF 格式的检测报告")]
    NotPdf,
    #[error("PDF 文件不完整（缺少文件结尾标记），可能上传中断，请重新上传")]
    PdfIncomplete,
    /// Re-encoding a decoded image failed: a program fault, not the user's.
    #[error("图片处理失败，请稍后重试")]
    Encode(#[source] image::ImageError),
    /// The storage directory could not be written; the path is for the log, not the user.
    #[error("文件保存失败（服务器存储写入错误），请稍后重试")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / MIB as f64
}

/// Refuses empty and oversized uploads before any parsing is attempted.
fn check_size(bytes: &[u8], max_bytes: usize) -> Result<(), MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(MediaError::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    Ok(())
}

/// Lower-case hex SHA-256: the storage name of every stored file.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_the_standard_test_vector() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
