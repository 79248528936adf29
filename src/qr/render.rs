//! Drawing a QR code as a print-resolution PNG or as an SVG.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

use super::QrError;

/// Level H restores up to 30 % of damaged codewords. A centre logo of up to about 10 % of the
/// symbol's area costs roughly a third of that budget, and labels on small food bags are also
/// creased, curved and scuffed; level Q (25 %) would leave too little margin for both. The price
/// is one QR version more than Q for our URLs (measured: 41 instead of 37 modules for a
/// 66-character Digital Link with a 20-character lot, 37 instead of 33 without a lot), which
/// still gives about 0.5 mm per module on a 2.5 cm label, easy for any phone camera.
const EC_LEVEL: EcLevel = EcLevel::H;

/// The QR standard requires a light margin of 4 modules on every side.
const QUIET_ZONE_MODULES: u32 = 4;

/// Labels are printed at 300 dpi; a 2.5 cm code is about 295 px, so the print PNG is made at
/// least 300 px wide (≈ 2.54 cm) and the printer scales it down, never up.
const PRINT_DPI: u32 = 300;
const PRINT_MIN_PX: u32 = 300;

const DARK: u8 = 0;
const LIGHT: u8 = 255;

/// A print PNG of the QR code for `url`: grayscale, pure black on white, at least 300 px wide
/// including the quiet zone, each module a whole number of pixels (no blurred edges), tagged as
/// 300 dpi.
pub fn png(url: &str) -> Result<Vec<u8>, QrError> {
    let symbol = Symbol::encode(url)?;
    let module_px = PRINT_MIN_PX.div_ceil(symbol.size_with_quiet_zone());
    encode_png(&symbol, module_px, Some(PRINT_DPI))
}

/// A PNG for screens: the largest whole-pixel module size whose image fits in `target_px`,
/// but at least one pixel per module, so a tiny `target_px` gives a larger image.
pub fn png_with_size(url: &str, target_px: u32) -> Result<Vec<u8>, QrError> {
    let symbol = Symbol::encode(url)?;
    let module_px = (target_px / symbol.size_with_quiet_zone()).max(1);
    encode_png(&symbol, module_px, None)
}

/// A compact vector drawing of the QR code: one unit per module, a white background including the
/// quiet zone, and all dark modules in a single `<path>`. It has a `viewBox` and no fixed size,
/// so it scales to whatever box it is placed in.
pub fn svg(url: &str) -> Result<String, QrError> {
    let symbol = Symbol::encode(url)?;
    let size = symbol.size_with_quiet_zone();
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">"##
    );
    svg.push_str(r##"<rect width="100%" height="100%" fill="#fff"/>"##);
    svg.push_str(r##"<path fill="#000" d=""##);
    svg.push_str(&dark_runs_path(&symbol));
    svg.push_str(r#""/></svg>"#);
    Ok(svg)
}

/// Path data drawing each horizontal run of dark modules as one rectangle, which keeps the SVG
/// several times smaller than one rectangle per module.
fn dark_runs_path(symbol: &Symbol) -> String {
    let mut path = String::new();
    for y in 0..symbol.width {
        let mut x = 0;
        while x < symbol.width {
            if !symbol.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < symbol.width && symbol.is_dark(x, y) {
                x += 1;
            }
            let (left, top) = (start + QUIET_ZONE_MODULES, y + QUIET_ZONE_MODULES);
            let length = x - start;
            write!(path, "M{left} {top}h{length}v1h-{length}z").expect("writing to a String cannot fail");
        }
    }
    path
}

/// The modules of a QR code, without the quiet zone.
struct Symbol {
    width: u32,
    dark: Vec<bool>,
}

impl Symbol {
    fn encode(text: &str) -> Result<Self, QrError> {
        let code =
            QrCode::with_error_correction_level(text, EC_LEVEL).map_err(|_| QrError::TooLong { length: text.len() })?;
        let width = u32::try_from(code.width()).expect("a QR code is at most 177 modules wide");
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Self { width, dark })
    }

    fn is_dark(&self, x: u32, y: u32) -> bool {
        self.dark[(y * self.width + x) as usize]
    }

    fn size_with_quiet_zone(&self) -> u32 {
        self.width + 2 * QUIET_ZONE_MODULES
    }

    /// Whether the module at (x, y), counted from the outer edge of the quiet zone, is dark.
    fn is_dark_with_quiet_zone(&self, x: u32, y: u32) -> bool {
        let inside = |v: u32| (QUIET_ZONE_MODULES..QUIET_ZONE_MODULES + self.width).contains(&v);
        inside(x) && inside(y) && self.is_dark(x - QUIET_ZONE_MODULES, y - QUIET_ZONE_MODULES)
    }
}

/// Draws each module as a `module_px` square (nearest neighbour by construction).
fn pixels(symbol: &Symbol, module_px: u32) -> Vec<u8> {
    let side = symbol.size_with_quiet_zone() * module_px;
    let mut pixels = Vec::with_capacity((side * side) as usize);
    for y in 0..side {
        for x in 0..side {
            let dark = symbol.is_dark_with_quiet_zone(x / module_px, y / module_px);
            pixels.push(if dark { DARK } else { LIGHT });
        }
    }
    pixels
}

fn encode_png(symbol: &Symbol, module_px: u32, dpi: Option<u32>) -> Result<Vec<u8>, QrError> {
    let side = symbol.size_with_quiet_zone() * module_px;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_pixel_dims(dpi.map(pixel_dimensions));
    let mut writer = encoder.write_header().map_err(|e| QrError::Png(e.to_string()))?;
    writer
        .write_image_data(&pixels(symbol, module_px))
        .map_err(|e| QrError::Png(e.to_string()))?;
    writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
    Ok(bytes)
}

/// PNG records resolution in pixels per metre (the pHYs chunk).
fn pixel_dimensions(dpi: u32) -> png::PixelDimensions {
    let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
    png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::domain::{CatalogueCode, Gtin, LotCode};
    use crate::qr::product_url;

    const BASE: &str = "https://fupin.example.cn";

    /// Every form of address a label can carry, built the way the app builds them.
    fn url(gtin: Option<&str>, lot: Option<&str>) -> String {
        let catalogue = CatalogueCode::parse("610124-00017").unwrap();
        let gtin = gtin.map(|g| Gtin::parse(g).unwrap());
        let lot = lot.map(|l| LotCode::parse(l).unwrap());
        product_url(BASE, &catalogue, gtin.as_ref(), lot.as_ref())
    }

    /// Decodes with rqrr, a decoder independent of the `qrcode` encoder.
    fn decode(image: image::GrayImage) -> String {
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "expected exactly one QR code in the image");
        grids[0].decode().expect("the QR code decodes").1
    }

    fn load(png_bytes: &[u8]) -> image::GrayImage {
        image::load_from_memory_with_format(png_bytes, image::ImageFormat::Png)
            .unwrap()
            .to_luma8()
    }

    #[rstest]
    #[case::short(None, None)]
    #[case::short_with_lot(None, Some("20200915A"))]
    #[case::gtin8(Some("96385074"), None)]
    #[case::gtin8_with_lot(Some("96385074"), Some("L-2020.09_01"))]
    #[case::gtin12(Some("036000291452"), None)]
    #[case::gtin12_with_lot(Some("036000291452"), Some("20200915A"))]
    #[case::gtin13(Some("6901234567892"), None)]
    #[case::gtin13_with_lot(Some("6901234567892"), Some("ABCDEFGHIJKLMNOPQRST"))]
    #[case::gtin14(Some("10614141000415"), None)]
    #[case::gtin14_with_lot(Some("10614141000415"), Some("20200915A"))]
    fn print_png_decodes_to_exactly_the_url(#[case] gtin: Option<&str>, #[case] lot: Option<&str>) {
        let url = url(gtin, lot);
        assert_eq!(decode(load(&png(&url).unwrap())), url);
    }

    #[rstest]
    #[case::short(None, None)]
    #[case::longest_digital_link(Some("6901234567892"), Some("ABCDEFGHIJKLMNOPQRST"))]
    fn print_png_is_at_least_295_px_with_whole_pixel_modules(#[case] gtin: Option<&str>, #[case] lot: Option<&str>) {
        let url = url(gtin, lot);
        let symbol = Symbol::encode(&url).unwrap();
        let image = load(&png(&url).unwrap());

        let modules = symbol.size_with_quiet_zone();
        assert_eq!(image.width(), image.height());
        assert!(
            image.width() >= 295,
            "{} px is too small to print 2.5 cm",
            image.width()
        );
        assert_eq!(
            image.width() % modules,
            0,
            "module size must be a whole number of pixels"
        );

        // Every pixel is pure black or white and belongs to the module it is drawn for.
        let module_px = image.width() / modules;
        for (x, y, pixel) in image.enumerate_pixels() {
            let dark = symbol.is_dark_with_quiet_zone(x / module_px, y / module_px);
            assert_eq!(pixel.0[0], if dark { DARK } else { LIGHT }, "pixel ({x}, {y})");
        }
    }

    #[test]
    fn print_png_is_tagged_300_dpi() {
        let bytes = png(&url(None, None)).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        let dims = reader.info().pixel_dims.expect("pHYs chunk present");
        assert_eq!(dims.unit, png::Unit::Meter);
        assert_eq!(dims.xppu, 11811); // 300 dpi
        assert_eq!(dims.yppu, 11811);
    }

    #[test]
    fn still_decodes_with_a_centre_logo_covering_a_tenth_of_the_symbol() {
        let url = url(Some("6901234567892"), Some("ABCDEFGHIJKLMNOPQRST"));
        let symbol = Symbol::encode(&url).unwrap();
        let mut image = load(&png(&url).unwrap());

        // A white square over the centre, 10 % of the symbol's area (quiet zone excluded).
        let module_px = image.width() / symbol.size_with_quiet_zone();
        let symbol_px = f64::from(symbol.width * module_px);
        let logo_px = (symbol_px * 0.10_f64.sqrt()) as u32;
        let start = (image.width() - logo_px) / 2;
        for y in start..start + logo_px {
            for x in start..start + logo_px {
                image.put_pixel(x, y, image::Luma([LIGHT]));
            }
        }
        assert_eq!(decode(image), url);
    }

    #[rstest]
    #[case(120)]
    #[case(400)]
    #[case(1000)]
    fn screen_png_fits_the_requested_size(#[case] target_px: u32) {
        let url = url(Some("6901234567892"), Some("20200915A"));
        let modules = Symbol::encode(&url).unwrap().size_with_quiet_zone();
        let image = load(&png_with_size(&url, target_px).unwrap());
        assert!(image.width() <= target_px);
        assert!(
            image.width() > target_px - modules,
            "should use the largest module size that fits"
        );
        assert_eq!(image.width() % modules, 0);
        assert_eq!(decode(image), url);
    }

    #[test]
    fn screen_png_never_goes_below_one_pixel_per_module() {
        let url = url(None, None);
        let modules = Symbol::encode(&url).unwrap().size_with_quiet_zone();
        let image = load(&png_with_size(&url, 10).unwrap());
        assert_eq!(image.width(), modules);
    }

    #[rstest]
    #[case::short(None, None)]
    #[case::digital_link_with_lot(Some("6901234567892"), Some("20200915A"))]
    fn svg_is_xml_with_view_box_and_one_path(#[case] gtin: Option<&str>, #[case] lot: Option<&str>) {
        let url = url(gtin, lot);
        let svg = svg(&url).unwrap();
        let document = roxmltree::Document::parse(&svg).expect("SVG is well-formed XML");
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
        assert_eq!(root.attribute("shape-rendering"), Some("crispEdges"));

        let size = Symbol::encode(&url).unwrap().size_with_quiet_zone();
        assert_eq!(root.attribute("viewBox"), Some(format!("0 0 {size} {size}").as_str()));
        let paths = root.descendants().filter(|n| n.has_tag_name("path")).count();
        assert_eq!(paths, 1);
    }

    #[test]
    fn svg_draws_the_same_modules_as_the_png() {
        // Rasterise the SVG path by hand: each "M{x} {y}h{n}" paints n modules from (x, y).
        let url = url(Some("96385074"), Some("20200915A"));
        let symbol = Symbol::encode(&url).unwrap();
        let svg = svg(&url).unwrap();
        let document = roxmltree::Document::parse(&svg).unwrap();
        let path = document.descendants().find(|n| n.has_tag_name("path")).unwrap();

        let size = symbol.size_with_quiet_zone();
        let mut painted = vec![false; (size * size) as usize];
        for run in path.attribute("d").unwrap().split('M').filter(|r| !r.is_empty()) {
            let (x, rest) = run.split_once(' ').unwrap();
            let (y, rest) = rest.split_once('h').unwrap();
            let (length, _) = rest.split_once('v').unwrap();
            let (x, y, length): (u32, u32, u32) = (x.parse().unwrap(), y.parse().unwrap(), length.parse().unwrap());
            for dx in 0..length {
                painted[(y * size + x + dx) as usize] = true;
            }
        }
        for y in 0..size {
            for x in 0..size {
                assert_eq!(painted[(y * size + x) as usize], symbol.is_dark_with_quiet_zone(x, y));
            }
        }
    }

    #[test]
    fn text_too_long_for_a_qr_code_is_refused() {
        let url = format!("{BASE}/{}", "a".repeat(2000));
        let err = png(&url).unwrap_err();
        assert!(matches!(err, QrError::TooLong { .. }), "{err:?}");
        assert!(err.to_string().contains("二维码内容过长"));
        assert!(matches!(svg(&url), Err(QrError::TooLong { .. })));
    }
}
