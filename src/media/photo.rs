//! Checking, decoding and re-encoding uploaded photos.

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::error::{DecodingError, ImageFormatHint};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};

use super::{MediaError, MediaLimits, check_size, sha256_hex};

/// Thumbnail widths for desktop pages and phone lists, largest first because each thumbnail is
/// resized from the one before it: far cheaper than resizing a 48-megapixel photo several times,
/// with no visible loss at these sizes.
pub const THUMB_WIDTHS: [u32; 2] = [1280, 480];

/// Visually lossless for photos at about a tenth of the size of PNG.
const JPEG_QUALITY: u8 = 85;

/// How a processed image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredFormat {
    /// Photos, and any image without transparent pixels.
    Jpeg,
    /// Images that really use transparency (logos, diagrams), which JPEG cannot keep.
    Png,
}

impl StoredFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
}

/// An upright, re-encoded image with no metadata, ready to store.
#[derive(Clone)]
pub struct ProcessedImage {
    /// SHA-256 of `original`, lower-case hex; also its storage name.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub format: StoredFormat,
    pub original: Vec<u8>,
    /// One JPEG per entry of [`THUMB_WIDTHS`], in that order.
    pub thumbs: Vec<Thumb>,
}

/// A JPEG thumbnail. An image narrower than `max_width` is not enlarged: its thumbnail keeps the
/// image's own size, so every thumbnail size exists for every image.
#[derive(Clone)]
pub struct Thumb {
    /// The size class, one of [`THUMB_WIDTHS`]; it names the stored file.
    pub max_width: u32,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

// Debug shows byte counts, not the bytes, so a logged image does not flood the log.
impl fmt::Debug for ProcessedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedImage")
            .field("hash", &self.hash)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("original_bytes", &self.original.len())
            .field("thumbs", &self.thumbs)
            .finish()
    }
}

impl fmt::Debug for Thumb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thumb")
            .field("max_width", &self.max_width)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Checks, decodes, turns upright and re-encodes an uploaded photo, and makes its thumbnails.
///
/// The steps run from cheapest to dearest so that a bad upload costs little: file size, format
/// from the content (never the file name), width and height from the header, and only then the
/// decode itself, under `image::Limits`.
pub fn process_image(bytes: &[u8], limits: &MediaLimits) -> Result<ProcessedImage, MediaError> {
    check_size(bytes, limits.max_bytes)?;
    let format = detect_format(bytes)?;
    let (width, height) = read_dimensions(bytes, format, limits)?;
    if format == ImageFormat::Jpeg && jpeg_is_cut_off(bytes) {
        return Err(MediaError::Corrupt(cut_off_jpeg_error()));
    }
    let (image, icc_profile) = decode_upright(bytes, format, limits, (width, height))?;

    let stored_format = if uses_transparency(&image) {
        StoredFormat::Png
    } else {
        StoredFormat::Jpeg
    };
    let original = encode(&image, stored_format, icc_profile.clone())?;
    let thumbs = make_thumbs(&image, icc_profile)?;
    Ok(ProcessedImage {
        hash: sha256_hex(&original),
        width: image.width(),
        height: image.height(),
        format: stored_format,
        original,
        thumbs,
    })
}

/// The format from the file's first bytes. HEIC gets its own refusal because it is what iPhones
/// save by default, so the user needs to be told how to change that.
fn detect_format(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    if is_heif(bytes) {
        return Err(MediaError::Heic);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        Ok(other) => Err(MediaError::UnsupportedFormat(format_name(other))),
        Err(_) => Err(MediaError::NotImage),
    }
}

/// HEIF files are ISO media files: a `ftyp` box at offset 4 whose brand names the HEIF flavour.
fn is_heif(bytes: &[u8]) -> bool {
    const HEIF_BRANDS: [&[u8; 4]; 10] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    ];
    bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && HEIF_BRANDS.iter().any(|brand| &bytes[8..12] == *brand)
}

fn format_name(format: ImageFormat) -> String {
    format
        .extensions_str()
        .first()
        .map_or_else(|| format!("{format:?}"), |ext| ext.to_uppercase())
}

fn reader(bytes: &[u8], format: ImageFormat, limits: Limits) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader
}

fn image_limits(limits: &MediaLimits) -> Limits {
    let mut image_limits = Limits::default();
    image_limits.max_image_width = Some(limits.max_width);
    image_limits.max_image_height = Some(limits.max_height);
    image_limits.max_alloc = Some(limits.max_alloc);
    image_limits
}

/// Reads only the header, so a 20000 × 20000 image that is a few kilobytes on disk is refused
/// without allocating its pixels. The header read itself has no size limit so that the refusal
/// can say how large the image is.
fn read_dimensions(bytes: &[u8], format: ImageFormat, limits: &MediaLimits) -> Result<(u32, u32), MediaError> {
    let mut header_limits = image_limits(limits);
    header_limits.max_image_width = None;
    header_limits.max_image_height = None;
    let (width, height) = reader(bytes, format, header_limits)
        .into_dimensions()
        .map_err(MediaError::Corrupt)?;
    if width > limits.max_width || height > limits.max_height {
        return Err(MediaError::Dimensions {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
        });
    }
    Ok((width, height))
}

/// Whether a JPEG ends before its image data does. The JPEG decoder quietly paints the missing
/// part grey, which would store half a photo; an interrupted upload is the usual cause. The image
/// data starts at the first SOS marker and ends with an EOI marker (FF D9), which cannot occur
/// inside the data because a data byte FF is always followed by 00 or a restart marker. Anything
/// after EOI (such as the video of a "motion photo") is ignored.
fn jpeg_is_cut_off(bytes: &[u8]) -> bool {
    const SOS: u8 = 0xDA;
    const EOI: [u8; 2] = [0xFF, 0xD9];
    let mut at = 2; // after the SOI marker
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1; // a fill byte before the marker
            continue;
        }
        if marker == SOS {
            return !bytes[at..].windows(2).any(|pair| pair == EOI);
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + length;
    }
    // Ran out of data in the header segments; anything else is left to the decoder to judge.
    at + 4 > bytes.len()
}

fn cut_off_jpeg_error() -> ImageError {
    ImageError::Decoding(DecodingError::new(
        ImageFormatHint::Exact(ImageFormat::Jpeg),
        "the file ends before the JPEG end-of-image marker",
    ))
}

/// Decodes under the limits and applies the EXIF orientation, so phone photos taken upright are
/// stored upright once the EXIF that said so is gone. Keeps the ICC profile: it only describes
/// colours, and dropping it would dull wide-gamut phone photos.
fn decode_upright(
    bytes: &[u8],
    format: ImageFormat,
    limits: &MediaLimits,
    (width, height): (u32, u32),
) -> Result<(DynamicImage, Option<Vec<u8>>), MediaError> {
    let decode_error = |error: ImageError| match error {
        ImageError::Limits(_) => MediaError::Memory { width, height },
        other => MediaError::Corrupt(other),
    };
    let mut decoder = reader(bytes, format, image_limits(limits))
        .into_decoder()
        .map_err(decode_error)?;
    // `into_decoder` checks width and height only; the memory reservation that `decode()` would
    // make is ours to do, before `from_decoder` allocates the pixel buffer.
    if decoder.total_bytes() > limits.max_alloc {
        return Err(MediaError::Memory { width, height });
    }
    let orientation = decoder.orientation().map_err(MediaError::Corrupt)?;
    let icc_profile = decoder.icc_profile().map_err(MediaError::Corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok((image, icc_profile))
}

/// Whether any pixel is not fully opaque. Phone screenshots often carry an alpha channel that is
/// opaque everywhere; those are stored as JPEG like any photo.
fn uses_transparency(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|pixel| pixel.0[3] < u8::MAX)
}

/// Encodes without EXIF, XMP or any text: nothing from the upload survives but pixels and the
/// colour profile.
fn encode(image: &DynamicImage, format: StoredFormat, icc_profile: Option<Vec<u8>>) -> Result<Vec<u8>, MediaError> {
    let mut bytes = Vec::new();
    match format {
        StoredFormat::Jpeg => {
            let mut encoder = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
            set_icc_profile(&mut encoder, icc_profile);
            // JPEG has no alpha channel: the encoder drops it, which is only done to opaque images.
            image.write_with_encoder(encoder)
        }
        StoredFormat::Png => {
            let mut encoder = PngEncoder::new(&mut bytes);
            set_icc_profile(&mut encoder, icc_profile);
            image.write_with_encoder(encoder)
        }
    }
    .map_err(MediaError::Encode)?;
    Ok(bytes)
}

fn set_icc_profile(encoder: &mut impl ImageEncoder, icc_profile: Option<Vec<u8>>) {
    if let Some(profile) = icc_profile {
        // An encoder that cannot embed a profile still writes a correct image, so this may fail.
        let _ = encoder.set_icc_profile(profile);
    }
}

/// One JPEG per entry of [`THUMB_WIDTHS`], each resized from the one before.
fn make_thumbs(image: &DynamicImage, icc_profile: Option<Vec<u8>>) -> Result<Vec<Thumb>, MediaError> {
    let mut source = if image.color().has_alpha() {
        Cow::Owned(DynamicImage::ImageRgb8(flatten_on_white(image)))
    } else {
        Cow::Borrowed(image)
    };
    let mut thumbs = Vec::with_capacity(THUMB_WIDTHS.len());
    for max_width in THUMB_WIDTHS {
        source = Cow::Owned(shrink_to_width(&source, max_width));
        thumbs.push(Thumb {
            max_width,
            width: source.width(),
            height: source.height(),
            bytes: encode(&source, StoredFormat::Jpeg, icc_profile.clone())?,
        });
    }
    Ok(thumbs)
}

/// Never enlarges: an image already narrow enough is returned as it is.
fn shrink_to_width(image: &DynamicImage, max_width: u32) -> DynamicImage {
    if image.width() <= max_width {
        return image.clone();
    }
    let height = (u64::from(image.height()) * u64::from(max_width) / u64::from(image.width())).max(1);
    let height = u32::try_from(height).expect("a shrunk height is at most the original height");
    image.resize_exact(max_width, height, FilterType::CatmullRom)
}

/// Thumbnails are JPEG, so transparent areas are painted white, as the page behind them is,
/// rather than left to whatever colour the hidden pixels happen to have.
fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a))) / 255) as u8;
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::media::fixtures::{self, BLUE, RED};

    fn process(bytes: &[u8]) -> Result<ProcessedImage, MediaError> {
        process_image(bytes, &MediaLimits::default())
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|window| window == needle)
    }

    fn load(bytes: &[u8]) -> image::RgbImage {
        image::load_from_memory(bytes).unwrap().to_rgb8()
    }

    fn is_close(actual: image::Rgb<u8>, expected: image::Rgb<u8>) -> bool {
        actual.0.iter().zip(expected.0).all(|(a, e)| a.abs_diff(e) < 40)
    }

    #[test]
    fn exif_and_gps_are_stripped() {
        let upload = fixtures::jpeg(64, 48, Some(fixtures::exif(1)));
        // The fixture really carries what must go.
        assert!(contains(&upload, b"Exif\0\0II*\0"));
        assert!(contains(&upload, &fixtures::gps_latitude_bytes()));
        assert!(fixtures::jpeg_header_markers(&upload).contains(&0xE1));

        let processed = process(&upload).unwrap();
        assert_eq!(processed.format, StoredFormat::Jpeg);
        let outputs = std::iter::once(&processed.original).chain(processed.thumbs.iter().map(|t| &t.bytes));
        for output in outputs {
            assert!(
                !fixtures::jpeg_header_markers(output).contains(&0xE1),
                "APP1 segment left"
            );
            assert!(!contains(output, b"Exif"));
            assert!(!contains(output, b"II*\0"));
            assert!(!contains(output, &fixtures::gps_latitude_bytes()));
        }
    }

    /// The fixture is 40 × 20, left half red. EXIF 6 means "turn 90° clockwise to view", which
    /// brings the left side to the top; 8 turns the other way; 3 turns it upside down.
    #[rstest]
    #[case::upright(1, (40, 20), (5, 10), (35, 10))]
    #[case::rotate_90_clockwise(6, (20, 40), (10, 5), (10, 35))]
    #[case::rotate_90_anticlockwise(8, (20, 40), (10, 35), (10, 5))]
    #[case::rotate_180(3, (40, 20), (35, 10), (5, 10))]
    fn exif_orientation_is_applied(
        #[case] orientation: u16,
        #[case] size: (u32, u32),
        #[case] red_at: (u32, u32),
        #[case] blue_at: (u32, u32),
    ) {
        let processed = process(&fixtures::jpeg(40, 20, Some(fixtures::exif(orientation)))).unwrap();
        assert_eq!((processed.width, processed.height), size);

        let image = load(&processed.original);
        assert_eq!(image.dimensions(), size);
        assert!(is_close(*image.get_pixel(red_at.0, red_at.1), RED));
        assert!(is_close(*image.get_pixel(blue_at.0, blue_at.1), BLUE));
    }

    #[test]
    fn thumbnails_are_jpeg_at_each_width_keeping_the_aspect_ratio() {
        // Wide and short, to keep this quick in unoptimised test builds.
        let processed = process(&fixtures::jpeg(1600, 100, None)).unwrap();
        let sizes: Vec<_> = processed
            .thumbs
            .iter()
            .map(|t| (t.max_width, t.width, t.height))
            .collect();
        assert_eq!(sizes, [(1280, 1280, 80), (480, 480, 30)]);
        for thumb in &processed.thumbs {
            assert_eq!(image::guess_format(&thumb.bytes).unwrap(), ImageFormat::Jpeg);
            assert_eq!(load(&thumb.bytes).dimensions(), (thumb.width, thumb.height));
        }
    }

    #[test]
    fn small_images_are_not_enlarged() {
        let processed = process(&fixtures::jpeg(300, 200, None)).unwrap();
        let sizes: Vec<_> = processed
            .thumbs
            .iter()
            .map(|t| (t.max_width, t.width, t.height))
            .collect();
        assert_eq!(sizes, [(1280, 300, 200), (480, 300, 200)]);
    }

    #[test]
    fn hash_is_the_sha256_of_the_stored_original_and_is_stable() {
        let upload = fixtures::jpeg(64, 48, Some(fixtures::exif(6)));
        let first = process(&upload).unwrap();
        let second = process(&upload).unwrap();
        assert_eq!(first.hash, second.hash);
        assert_eq!(first.hash.len(), 64);
        assert_eq!(first.hash, sha256_hex(&first.original));
    }

    #[test]
    fn png_with_transparency_stays_png_and_thumbnails_are_on_white() {
        let processed = process(&fixtures::png_rgba(64, 32, 0)).unwrap();
        assert_eq!(processed.format, StoredFormat::Png);
        let original = image::load_from_memory(&processed.original).unwrap().to_rgba8();
        assert_eq!(original.get_pixel(5, 5).0[3], 0, "transparency kept");

        let thumb = load(&processed.thumbs[1].bytes);
        assert!(is_close(*thumb.get_pixel(5, 5), image::Rgb([255, 255, 255])));
    }

    #[test]
    fn opaque_png_is_stored_as_jpeg() {
        let processed = process(&fixtures::png_rgba(64, 32, 255)).unwrap();
        assert_eq!(processed.format, StoredFormat::Jpeg);
        assert_eq!(image::guess_format(&processed.original).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn webp_is_accepted() {
        let processed = process(&fixtures::webp(40, 20)).unwrap();
        assert_eq!(
            (processed.width, processed.height, processed.format),
            (40, 20, StoredFormat::Jpeg)
        );
    }

    #[test]
    fn file_over_the_size_limit_is_refused_before_reading_it() {
        // A real JPEG start, so only the size can be what refuses it.
        let mut upload = fixtures::jpeg(8, 8, None);
        upload.resize(30 * 1024 * 1024, 0);
        let err = process(&upload).unwrap_err();
        assert!(matches!(err, MediaError::TooLarge { .. }), "{err:?}");
        assert_eq!(err.to_string(), "文件过大（30.0 MB），最大允许 15 MB，请压缩后再上传");
    }

    #[rstest]
    #[case::text_named_jpg(b"\xE4\xBA\xA7\xE5\x93\x81\xE4\xBB\x8B\xE7\xBB\x8D: this is text, not a photo".to_vec())]
    #[case::pdf(fixtures::pdf())]
    #[case::almost_jpeg(vec![0xFF, 0xD8])]
    fn non_image_is_refused(#[case] upload: Vec<u8>) {
        let err = process(&upload).unwrap_err();
        assert!(matches!(err, MediaError::NotImage), "{err:?}");
        assert!(err.to_string().starts_with("不是图片文件（支持 JPEG、PNG"));
    }

    #[test]
    fn empty_file_is_refused() {
        let err = process(b"").unwrap_err();
        assert!(matches!(err, MediaError::Empty), "{err:?}");
        assert!(err.to_string().contains("文件是空的"));
    }

    #[rstest]
    #[case::heic(b"heic")]
    #[case::heif(b"mif1")]
    fn heic_is_refused_with_advice(#[case] brand: &[u8; 4]) {
        let mut upload = vec![0, 0, 0, 24];
        upload.extend(b"ftyp");
        upload.extend(brand);
        upload.extend([0; 12]);
        let err = process(&upload).unwrap_err();
        assert!(matches!(err, MediaError::Heic), "{err:?}");
        assert!(err.to_string().contains("HEIC"));
        assert!(err.to_string().contains("兼容性最佳"));
    }

    #[test]
    fn other_image_formats_are_refused_by_name() {
        let err = process(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err();
        assert!(
            matches!(&err, MediaError::UnsupportedFormat(name) if name == "GIF"),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("不支持 GIF 格式的图片"));
    }

    #[rstest]
    #[case::jpeg_cut_in_half(fixtures::jpeg(256, 256, None), 2)]
    #[case::jpeg_missing_only_its_end_marker(fixtures::jpeg(256, 256, None), 0)]
    #[case::jpeg_cut_in_header(fixtures::jpeg(256, 256, Some(fixtures::exif(6))), 50)]
    #[case::png_cut_in_half(fixtures::png_rgba(256, 256, 0), 2)]
    #[case::webp_cut_in_half(fixtures::webp(256, 256), 2)]
    fn truncated_image_is_refused(#[case] upload: Vec<u8>, #[case] divisor: usize) {
        let kept = upload.len().checked_div(divisor).unwrap_or(upload.len() - 2);
        let err = process(&upload[..kept]).unwrap_err();
        assert!(matches!(err, MediaError::Corrupt(_)), "{err:?}");
        assert!(err.to_string().starts_with("图片文件已损坏或不完整"));
    }

    #[test]
    fn data_after_the_jpeg_end_marker_is_ignored() {
        // Phones append the video of a "motion photo" after the JPEG's end marker.
        let mut upload = fixtures::jpeg(64, 48, None);
        upload.extend(b"\0\0\0\x18ftypmp42 video data follows");
        let processed = process(&upload).unwrap();
        assert_eq!((processed.width, processed.height), (64, 48));
        assert!(!contains(&processed.original, b"ftypmp42"));
    }

    #[test]
    fn decompression_bomb_is_refused_from_its_header() {
        let upload = fixtures::huge_png(20_000, 20_000);
        assert!(upload.len() < 1024 * 1024, "fixture is {} bytes", upload.len());
        let err = process(&upload).unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::Dimensions {
                    width: 20_000,
                    height: 20_000,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("图片尺寸过大（20000×20000 像素）"));
    }

    /// What an attacker sends: a PNG header declaring a huge image, then a few bytes of data.
    fn png_header_only(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgba);
        let mut writer = encoder.write_header().unwrap();
        writer.write_chunk(png::chunk::IDAT, &[0x78, 0x9C, 0x03, 0x00]).unwrap();
        drop(writer);
        bytes
    }

    #[rstest]
    #[case(30_000, 30_000)]
    #[case(65_535, 65_535)]
    #[case(1, 2_000_000_000)]
    fn declared_giant_png_is_refused_at_once(#[case] width: u32, #[case] height: u32) {
        let upload = png_header_only(width, height);
        let started = std::time::Instant::now();
        let err = process(&upload).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(
            err.to_string()
                .contains(&format!("图片尺寸过大（{width}×{height} 像素）")),
            "{err}"
        );
    }

    #[test]
    fn image_needing_more_memory_than_allowed_is_refused_before_decoding() {
        let limits = MediaLimits {
            max_alloc: 1024 * 1024,
            ..MediaLimits::default()
        };
        // 1000 × 1000 RGB needs 3 MB decoded, though the file is small.
        let err = process_image(&fixtures::jpeg(1000, 1000, None), &limits).unwrap_err();
        assert!(
            matches!(
                err,
                MediaError::Memory {
                    width: 1000,
                    height: 1000
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("内存超过上限"));
    }
}
