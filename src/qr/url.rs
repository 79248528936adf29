//! The addresses a traceability QR code carries, and the reading of GS1 Digital Link paths.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::QrError;
use crate::domain::{CatalogueCode, Gtin, LotCode};

/// Everything but RFC 3986 "unreserved" characters is escaped, as GS1 Digital Link requires for
/// key values. Today's catalogue and lot codes never need it; this keeps the URL valid if the
/// allowed characters ever grow.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// GS1 application identifiers used in Digital Link paths.
const AI_GTIN: &str = "01";
const AI_LOT: &str = "10";

/// The address printed in a product's (or one lot's) QR code.
///
/// `base` is the configured public address, e.g. `https://fupin.example.cn` (a trailing `/` is
/// tolerated). With a GTIN the address is a GS1 Digital Link, `{base}/01/{gtin14}[/10/{lot}]`;
/// without one it is the catalogue's short link, `{base}/t/{catalogue_code}[/{lot}]`.
pub fn product_url(base: &str, catalogue: &CatalogueCode, gtin: Option<&Gtin>, lot: Option<&LotCode>) -> String {
    let base = base.trim_end_matches('/');
    match gtin {
        Some(gtin) => digital_link(base, gtin, lot),
        None => short_link(base, catalogue, lot),
    }
}

fn short_link(base: &str, catalogue: &CatalogueCode, lot: Option<&LotCode>) -> String {
    let mut url = format!("{base}/t/{}", encode_segment(catalogue.as_str()));
    if let Some(lot) = lot {
        url.push('/');
        url.push_str(&encode_segment(lot.as_str()));
    }
    url
}

fn digital_link(base: &str, gtin: &Gtin, lot: Option<&LotCode>) -> String {
    // Digital Link always uses the 14-digit form, so GTIN-8/12/13 are left-padded with zeros.
    let mut url = format!("{base}/{AI_GTIN}/{}", gtin.to_gtin14());
    if let Some(lot) = lot {
        url.push_str(&format!("/{AI_LOT}/{}", encode_segment(lot.as_str())));
    }
    url
}

fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// Reads the path segments of a scanned Digital Link: `gtin_segment` from `/01/{gtin}` and
/// `lot_segment` from `/10/{lot}` when present.
///
/// The GTIN must be exactly 14 digits with a valid check digit, as the standard writes it; the
/// returned [`Gtin`] keeps that 14-digit form, so compare it with a stored GTIN through
/// [`Gtin::to_gtin14`]. The lot may still be percent-encoded; decoding it again is harmless
/// because a lot code never contains `%`.
pub fn parse_digital_link(gtin_segment: &str, lot_segment: Option<&str>) -> Result<(Gtin, Option<LotCode>), QrError> {
    let gtin = parse_gtin14(gtin_segment)?;
    let lot = lot_segment.map(parse_lot).transpose()?;
    Ok((gtin, lot))
}

fn parse_gtin14(segment: &str) -> Result<Gtin, QrError> {
    let is_gtin14 = segment.len() == 14 && segment.bytes().all(|b| b.is_ascii_digit());
    if !is_gtin14 {
        return Err(QrError::DigitalLinkGtin(segment.to_owned()));
    }
    Ok(Gtin::parse(segment)?)
}

fn parse_lot(segment: &str) -> Result<LotCode, QrError> {
    let decoded = percent_decode_str(segment)
        .decode_utf8()
        .map_err(|_| QrError::LotEncoding(segment.to_owned()))?;
    Ok(LotCode::parse(&decoded)?)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::domain::CodeError;

    const BASE: &str = "https://fupin.example.cn";

    fn catalogue() -> CatalogueCode {
        CatalogueCode::parse("610124-00017").unwrap()
    }

    fn lot(code: &str) -> LotCode {
        LotCode::parse(code).unwrap()
    }

    #[test]
    fn short_link_without_lot() {
        assert_eq!(
            product_url(BASE, &catalogue(), None, None),
            "https://fupin.example.cn/t/610124-00017"
        );
    }

    #[test]
    fn short_link_with_lot() {
        assert_eq!(
            product_url(BASE, &catalogue(), None, Some(&lot("L-2020.09_01"))),
            "https://fupin.example.cn/t/610124-00017/L-2020.09_01"
        );
    }

    #[test]
    fn trailing_slash_on_base_is_tolerated() {
        assert_eq!(
            product_url("https://fupin.example.cn/", &catalogue(), None, None),
            "https://fupin.example.cn/t/610124-00017"
        );
    }

    #[rstest]
    #[case("96385074", "00000096385074")] // GTIN-8
    #[case("036000291452", "00036000291452")] // GTIN-12
    #[case("6901234567892", "06901234567892")] // GTIN-13
    #[case("10614141000415", "10614141000415")] // GTIN-14
    fn digital_link_pads_gtin_to_14_digits(#[case] gtin: &str, #[case] gtin14: &str) {
        let gtin = Gtin::parse(gtin).unwrap();
        assert_eq!(
            product_url(BASE, &catalogue(), Some(&gtin), None),
            format!("https://fupin.example.cn/01/{gtin14}")
        );
        assert_eq!(
            product_url(BASE, &catalogue(), Some(&gtin), Some(&lot("20200915A"))),
            format!("https://fupin.example.cn/01/{gtin14}/10/20200915A")
        );
    }

    #[rstest]
    #[case("96385074")]
    #[case("6901234567892")]
    #[case("10614141000415")]
    fn digital_link_reads_back_what_product_url_wrote(#[case] gtin: &str) {
        let gtin = Gtin::parse(gtin).unwrap();
        let url = product_url(BASE, &catalogue(), Some(&gtin), Some(&lot("L-2020.09_01")));
        let segments: Vec<&str> = url.trim_start_matches(BASE).split('/').collect();
        assert_eq!(segments[..4], ["", "01", segments[2], "10"]);

        let (read_gtin, read_lot) = parse_digital_link(segments[2], Some(segments[4])).unwrap();
        assert_eq!(read_gtin.to_gtin14(), gtin.to_gtin14());
        assert_eq!(read_lot, Some(lot("L-2020.09_01")));
    }

    #[test]
    fn digital_link_without_lot() {
        let (gtin, lot) = parse_digital_link("06901234567892", None).unwrap();
        assert_eq!(gtin.as_str(), "06901234567892");
        assert_eq!(lot, None);
    }

    #[rstest]
    #[case("L-2020%2E09", "L-2020.09")]
    #[case("%41B", "AB")]
    fn percent_encoded_lot_is_decoded(#[case] segment: &str, #[case] expected: &str) {
        let (_, read) = parse_digital_link("06901234567892", Some(segment)).unwrap();
        assert_eq!(read.unwrap().as_str(), expected);
    }

    #[rstest]
    #[case("6901234567892")] // GTIN-13: Digital Link always has 14 digits
    #[case("069012345678920")]
    #[case("0690123456789A")]
    #[case("")]
    fn gtin_segment_other_than_14_digits_is_refused(#[case] segment: &str) {
        let err = parse_digital_link(segment, None).unwrap_err();
        assert!(matches!(err, QrError::DigitalLinkGtin(_)), "{err:?}");
        assert!(err.to_string().contains("14 位数字"));
    }

    #[test]
    fn gtin_with_wrong_check_digit_is_refused() {
        let err = parse_digital_link("06901234567893", None).unwrap_err();
        assert!(matches!(err, QrError::Code(CodeError::GtinCheck { .. })), "{err:?}");
        assert!(err.to_string().contains("校验位错误"));
    }

    #[rstest]
    #[case("A%2FB")] // "A/B"
    #[case("%E6%89%B9%E6%AC%A1")] // "批次"
    #[case("ABCDEFGHIJKLMNOPQRSTU")]
    fn invalid_lot_is_refused(#[case] segment: &str) {
        let err = parse_digital_link("06901234567892", Some(segment)).unwrap_err();
        assert!(matches!(err, QrError::Code(CodeError::Lot(_))), "{err:?}");
        assert!(err.to_string().contains("批次号"));
    }

    #[test]
    fn lot_that_is_not_utf8_is_refused() {
        let err = parse_digital_link("06901234567892", Some("%FF")).unwrap_err();
        assert!(matches!(err, QrError::LotEncoding(_)), "{err:?}");
        assert!(err.to_string().contains("批次号"));
    }
}

#[cfg(test)]
mod proptests {
    use percent_encoding::percent_encode_byte;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::strategies::{county_code, gs1_lot, gtin, lot_code, user_text};
    use crate::domain::{CodeError, CountyCode};

    const BASE: &str = "https://fupin.example.cn";

    fn catalogue_code() -> impl Strategy<Value = CatalogueCode> {
        (county_code(), 1u32..=99_999)
            .prop_map(|(county, serial)| CatalogueCode::new(&CountyCode::parse(county).unwrap(), serial))
    }

    /// The path segments after the base, as the router hands them over.
    fn segments(url: &str) -> Vec<&str> {
        url.strip_prefix(BASE)
            .expect("the URL starts with the base")
            .split('/')
            .skip(1)
            .collect()
    }

    /// `lot` with the characters chosen by `escape` written as `%XX`, in upper or lower case hex,
    /// as other Digital Link software may write them.
    fn escaped(lot: &str, escape: &[bool], lower: bool) -> String {
        lot.bytes()
            .zip(escape.iter().chain(std::iter::repeat(&false)))
            .map(|(b, escape)| match (escape, lower) {
                (false, _) => char::from(b).to_string(),
                (true, false) => percent_encode_byte(b).to_owned(),
                (true, true) => percent_encode_byte(b).to_lowercase(),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn no_digital_link_path_panics(gtin_segment in user_text(), lot_segment in proptest::option::of(user_text())) {
            if let Ok((gtin, lot)) = parse_digital_link(&gtin_segment, lot_segment.as_deref()) {
                prop_assert_eq!(gtin.as_str(), gtin_segment.as_str());
                prop_assert_eq!(lot.is_some(), lot_segment.is_some());
            }
        }

        #[test]
        fn a_digital_link_reads_back_as_the_gtin_and_lot_it_was_made_from(
            gtin in gtin(),
            lot in proptest::option::of(lot_code()),
            catalogue in catalogue_code(),
            slashes in "/{0,2}",
        ) {
            let gtin = Gtin::parse(&gtin).unwrap();
            let lot = lot.map(|l| LotCode::parse(&l).unwrap());
            let url = product_url(&format!("{BASE}{slashes}"), &catalogue, Some(&gtin), lot.as_ref());
            let path = segments(&url);
            prop_assert_eq!(path[0], "01");
            let (read_gtin, read_lot) = match lot {
                Some(_) => {
                    prop_assert_eq!(path.len(), 4);
                    prop_assert_eq!(path[2], "10");
                    parse_digital_link(path[1], Some(path[3])).unwrap()
                }
                None => {
                    prop_assert_eq!(path.len(), 2);
                    parse_digital_link(path[1], None).unwrap()
                }
            };
            prop_assert_eq!(read_gtin.to_gtin14(), gtin.to_gtin14());
            prop_assert_eq!(read_lot, lot);
        }

        #[test]
        fn a_short_link_reads_back_as_the_catalogue_code_and_lot(
            catalogue in catalogue_code(),
            lot in proptest::option::of(lot_code()),
        ) {
            let lot = lot.map(|l| LotCode::parse(&l).unwrap());
            let url = product_url(BASE, &catalogue, None, lot.as_ref());
            let path = segments(&url);
            prop_assert_eq!(path[0], "t");
            prop_assert_eq!(CatalogueCode::parse(path[1]), Ok(catalogue));
            let read_lot = path.get(2).map(|l| LotCode::parse(l).unwrap());
            prop_assert_eq!(read_lot, lot);
        }

        #[test]
        fn a_percent_encoded_lot_reads_as_the_lot(
            gtin in gtin(),
            lot in lot_code(),
            escape in prop::collection::vec(any::<bool>(), 20),
            lower in any::<bool>(),
        ) {
            let gtin14 = Gtin::parse(&gtin).unwrap().to_gtin14();
            let segment = escaped(&lot, &escape, lower);
            let (_, read) = parse_digital_link(&gtin14, Some(&segment)).unwrap();
            prop_assert_eq!(read.map(|l| l.to_string()), Some(lot));
        }

        /// A lot may hold any of GS1's 82 characters in a barcode; one we accept reads back as
        /// itself once encoded, and any other is refused as a lot, never read as something else.
        #[test]
        fn a_gs1_lot_is_read_as_itself_or_refused(gtin in gtin(), lot in gs1_lot()) {
            let gtin14 = Gtin::parse(&gtin).unwrap().to_gtin14();
            let segment = encode_segment(&lot);
            prop_assert!(segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            match parse_digital_link(&gtin14, Some(&segment)) {
                Ok((_, read)) => prop_assert_eq!(read.map(|l| l.to_string()), Some(lot)),
                Err(err) => {
                    prop_assert!(LotCode::parse(&lot).is_err());
                    prop_assert!(matches!(err, QrError::Code(CodeError::Lot(_))), "{:?}", err);
                }
            }
        }

        #[test]
        fn a_gtin_segment_is_refused_unless_it_is_fourteen_digits(gtin in gtin()) {
            let parsed = Gtin::parse(&gtin).unwrap();
            let result = parse_digital_link(&gtin, None);
            if gtin.len() == 14 {
                prop_assert_eq!(result.ok().map(|(g, _)| g), Some(parsed));
            } else {
                prop_assert!(matches!(result, Err(QrError::DigitalLinkGtin(_))), "{:?}", result);
            }
        }
    }
}
