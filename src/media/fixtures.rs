//! Test files made in code, so no binary fixtures are committed.

use std::io::Write;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

pub const RED: Rgb<u8> = Rgb([220, 20, 20]);
pub const BLUE: Rgb<u8> = Rgb([20, 20, 220]);

/// Latitude 34°15'N, longitude 108°56'E (Xi'an), as EXIF rationals.
const LATITUDE: [(u32, u32); 3] = [(34, 1), (15, 1), (0, 1)];
const LONGITUDE: [(u32, u32); 3] = [(108, 1), (56, 1), (0, 1)];

/// The GPS latitude as it lies in the EXIF block, to search for in output files.
pub fn gps_latitude_bytes() -> Vec<u8> {
    LATITUDE
        .iter()
        .flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()])
        .flatten()
        .collect()
}

/// Left half red, right half blue, so turning the image shows where the left side went.
pub fn two_colour_image(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x < width / 2 { RED } else { BLUE })
}

/// A JPEG of [`two_colour_image`], with an APP1 EXIF block when `exif` is given.
pub fn jpeg(width: u32, height: u32, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, 95);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    DynamicImage::ImageRgb8(two_colour_image(width, height))
        .write_with_encoder(encoder)
        .unwrap();
    bytes
}

/// A little-endian TIFF block as carried in a JPEG's APP1 "Exif" segment: IFD0 with the
/// orientation and a pointer to a GPS IFD holding a latitude and longitude.
pub fn exif(orientation: u16) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    let ifd0_offset = 8u32;
    let gps_offset = ifd0_offset + 2 + 2 * 12 + 4;
    let latitude_offset = gps_offset + 2 + 4 * 12 + 4;
    let longitude_offset = latitude_offset + 24;

    let mut tiff = b"II*\0".to_vec();
    tiff.extend(ifd0_offset.to_le_bytes());
    ifd(
        &mut tiff,
        &[
            (0x0112, SHORT, 1, u32::from(orientation)),
            (0x8825, LONG, 1, gps_offset),
        ],
    );
    ifd(
        &mut tiff,
        &[
            (0x0001, ASCII, 2, u32::from_le_bytes(*b"N\0\0\0")),
            (0x0002, RATIONAL, 3, latitude_offset),
            (0x0003, ASCII, 2, u32::from_le_bytes(*b"E\0\0\0")),
            (0x0004, RATIONAL, 3, longitude_offset),
        ],
    );
    for (numerator, denominator) in LATITUDE.iter().chain(&LONGITUDE) {
        tiff.extend(numerator.to_le_bytes());
        tiff.extend(denominator.to_le_bytes());
    }
    tiff
}

/// Entries of (tag, type, count, value or offset); a SHORT value sits in the low bytes.
fn ifd(tiff: &mut Vec<u8>, entries: &[(u16, u16, u32, u32)]) {
    tiff.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value.to_le_bytes());
    }
    tiff.extend(0u32.to_le_bytes()); // no next IFD
}

/// The markers of a JPEG's header segments, up to the start of the scan.
pub fn jpeg_header_markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "not a JPEG");
    let mut markers = Vec::new();
    let mut at = 2;
    while jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
        markers.push(jpeg[at + 1]);
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        at += 2 + length;
    }
    markers
}

/// An RGBA PNG whose left half has the given alpha and right half is opaque.
pub fn png_rgba(width: u32, height: u32, left_alpha: u8) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgba([0, 120, 0, left_alpha])
        } else {
            Rgba([0, 0, 120, 255])
        }
    });
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgba8)
        .unwrap();
    bytes
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(two_colour_image(width, height))
        .write_with_encoder(WebPEncoder::new_lossless(&mut bytes))
        .unwrap();
    bytes
}

/// A valid, all-white 1-bit PNG of any size, written row by row so that the test never holds
/// the image in memory: 20000 × 20000 compresses to well under a megabyte.
pub fn huge_png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0xFF; width.div_ceil(8) as usize];
    for _ in 0..height {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    bytes
}

/// A minimal one-page PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n\
      1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
      2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
      3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n\
      trailer << /Root 1 0 R >>\n\
      %%EOF\n"
        .to_vec()
}
