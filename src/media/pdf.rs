//! Checking uploaded PDF documents (inspection reports, certificates).

use super::{MIB, MediaError, check_size};

/// Scanned inspection reports of a few pages are well under this.
pub const DEFAULT_MAX_PDF_BYTES: usize = 20 * MIB;

/// How far from the end `%%EOF` may stand: PDF writers add line ends or padding after it, and
/// readers such as Acrobat look for it within the last 1024 bytes.
const EOF_SEARCH_BYTES: usize = 1024;

/// Accepts a file that is a whole PDF: at most `max_bytes`, starting with the `%PDF-` signature
/// and ending with the `%%EOF` marker. The marker is what an interrupted upload loses, so its
/// absence is reported as an incomplete file. The content is not parsed; store it with
/// [`super::store_pdf`] and serve it as a download.
pub fn check_pdf(bytes: &[u8], max_bytes: usize) -> Result<(), MediaError> {
    check_size(bytes, max_bytes)?;
    if !bytes.starts_with(b"%PDF-") {
        return Err(MediaError::NotPdf);
    }
    let tail = &bytes[bytes.len().saturating_sub(EOF_SEARCH_BYTES)..];
    if !tail.windows(5).any(|window| window == b"%%EOF") {
        return Err(MediaError::PdfIncomplete);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::media::fixtures;

    #[rstest]
    #[case::plain(fixtures::pdf())]
    #[case::line_ends_after_eof([fixtures::pdf(), b"\r\n\r\n".to_vec()].concat())]
    fn whole_pdf_is_accepted(#[case] bytes: Vec<u8>) {
        check_pdf(&bytes, DEFAULT_MAX_PDF_BYTES).unwrap();
    }

    #[test]
    fn pdf_over_the_size_limit_is_refused() {
        let mut bytes = fixtures::pdf();
        bytes.resize(DEFAULT_MAX_PDF_BYTES + 1, b' ');
        let err = check_pdf(&bytes, DEFAULT_MAX_PDF_BYTES).unwrap_err();
        assert!(matches!(err, MediaError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains("最大允许 20 MB"), "{err}");
    }

    #[rstest]
    #[case::text(b"inspection report".to_vec())]
    #[case::jpeg(fixtures::jpeg(8, 8, None))]
    #[case::signature_not_at_start([b" ".to_vec(), fixtures::pdf()].concat())]
    fn file_that_is_not_a_pdf_is_refused(#[case] bytes: Vec<u8>) {
        let err = check_pdf(&bytes, DEFAULT_MAX_PDF_BYTES).unwrap_err();
        assert!(matches!(err, MediaError::NotPdf), "{err:?}");
        assert!(err.to_string().contains("不是 PDF 文件"));
    }

    #[test]
    fn truncated_pdf_is_refused() {
        let bytes = fixtures::pdf();
        let err = check_pdf(&bytes[..bytes.len() / 2], DEFAULT_MAX_PDF_BYTES).unwrap_err();
        assert!(matches!(err, MediaError::PdfIncomplete), "{err:?}");
        assert!(err.to_string().contains("PDF 文件不完整"));
    }

    #[test]
    fn empty_file_is_refused() {
        let err = check_pdf(b"", DEFAULT_MAX_PDF_BYTES).unwrap_err();
        assert!(matches!(err, MediaError::Empty), "{err:?}");
        assert!(err.to_string().contains("文件是空的"));
    }
}
