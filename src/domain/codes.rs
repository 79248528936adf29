//! Validated codes. Each type can only be built by parsing, so holding one means it is valid.

use std::fmt;

use serde::{Serialize, Serializer};

use super::region;

/// Why a code was refused; the message is shown to users, so it is in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("县区代码“{0}”不是陕西省的县级行政区划代码（应为 6 位数字，如 610124）")]
    UnknownCounty(String),
    #[error("统一社会信用代码“{0}”应为 18 位（数字或大写字母）")]
    CreditCodeLength(String),
    #[error("统一社会信用代码“{code}”第 {position} 位“{found}”不是允许的字符（不使用 I、O、S、V、Z）")]
    CreditCodeCharacter { code: String, position: usize, found: char },
    #[error("统一社会信用代码“{code}”校验位错误：最后一位应为“{expected}”，请核对")]
    CreditCodeCheck { code: String, expected: char },
    #[error("商品条码“{0}”应为 8、12、13 或 14 位数字")]
    GtinFormat(String),
    #[error("商品条码“{code}”校验位错误：最后一位应为 {expected}")]
    GtinCheck { code: String, expected: u8 },
    #[error("联系电话“{0}”无法识别：请填写 11 位手机号，或带区号的固定电话（如 029-88886666）")]
    Phone(String),
    #[error("批次号“{0}”无效：应为 1 至 20 位字母、数字或 - _ . 符号")]
    Lot(String),
    #[error("目录编号“{0}”无效：应为“县区代码-五位序号”，如 610124-00001")]
    CatalogueCode(String),
}

macro_rules! string_newtype_impls {
    ($t:ty) => {
        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl std::str::FromStr for $t {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, CodeError> {
                Self::parse(s)
            }
        }
    };
}

/// A Shaanxi county-level division code (GB/T 2260), known to exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountyCode(String);
string_newtype_impls!(CountyCode);

impl CountyCode {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code = input.trim();
        match region::county(code) {
            Some(c) => Ok(Self(c.code.to_owned())),
            None => Err(CodeError::UnknownCounty(code.to_owned())),
        }
    }

    pub fn county(&self) -> &'static region::County {
        region::county(&self.0).expect("a CountyCode is only built from a known county")
    }
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);
string_newtype_impls!(CreditCode);

const CREDIT_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code: String = input.trim().to_uppercase();
        if code.chars().count() != 18 {
            return Err(CodeError::CreditCodeLength(input.trim().to_owned()));
        }
        let mut values = Vec::with_capacity(18);
        for (i, ch) in code.chars().enumerate() {
            match CREDIT_CHARSET.find(ch) {
                Some(v) => values.push(v as u32),
                None => {
                    return Err(CodeError::CreditCodeCharacter {
                        code,
                        position: i + 1,
                        found: ch,
                    });
                }
            }
        }
        let expected = credit_check_char(&values[..17]);
        if !code.ends_with(expected) {
            return Err(CodeError::CreditCodeCheck { code, expected });
        }
        Ok(Self(code))
    }

    /// Completes a 17-character body with its check character (used to make demo data).
    pub fn with_check_char(body: &str) -> Result<Self, CodeError> {
        let values: Option<Vec<u32>> = body.chars().map(|c| CREDIT_CHARSET.find(c).map(|v| v as u32)).collect();
        match values {
            Some(v) if v.len() == 17 => Self::parse(&format!("{body}{}", credit_check_char(&v))),
            _ => Err(CodeError::CreditCodeLength(body.to_owned())),
        }
    }

    /// Characters 3–8: the administrative division where the organisation registered.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    pub fn charset() -> &'static str {
        CREDIT_CHARSET
    }
}

fn credit_check_char(body: &[u32]) -> char {
    let sum: u32 = body.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    CREDIT_CHARSET.as_bytes()[check as usize] as char
}

/// A GS1 trade item number (GTIN-8, -12, -13 or -14) with a correct check digit, kept as entered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);
string_newtype_impls!(Gtin);

impl Gtin {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !matches!(code.len(), 8 | 12 | 13 | 14) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::GtinFormat(input.trim().to_owned()));
        }
        let digits: Vec<u8> = code.bytes().map(|b| b - b'0').collect();
        let expected = gtin_check_digit(&digits[..digits.len() - 1]);
        if digits[digits.len() - 1] != expected {
            return Err(CodeError::GtinCheck { code, expected });
        }
        Ok(Self(code))
    }

    /// Completes a body with its check digit (used to make demo data).
    pub fn with_check_digit(body: &str) -> Result<Self, CodeError> {
        if !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::GtinFormat(body.to_owned()));
        }
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        Self::parse(&format!("{body}{}", gtin_check_digit(&digits)))
    }

    /// The 14-digit form used in GS1 Digital Link URLs (`/01/{gtin14}`).
    pub fn to_gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }
}

/// GS1 mod-10: weights 3 and 1 alternate from the digit next to the check digit.
fn gtin_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A mainland China phone number: an 11-digit mobile, or a landline with its area code.
/// Kept normalised: `13912345678` or `029-88886666` (with `-分机` when given).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);
string_newtype_impls!(PhoneNumber);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let refuse = || CodeError::Phone(input.trim().to_owned());
        let raw = input.trim();
        // An extension comes after 转, ext or a second hyphen group; split it off first.
        let (main, extension) = split_extension(raw);
        let mut digits: String = main.chars().filter(|c| c.is_ascii_digit()).collect();
        if main.chars().any(|c| !(c.is_ascii_digit() || " -()（）+".contains(c))) {
            return Err(refuse());
        }
        if main.trim_start().starts_with('+') || (digits.len() == 13 && digits.starts_with("86")) {
            digits = digits.strip_prefix("86").ok_or_else(refuse)?.to_owned();
        }
        if digits.len() == 11 && digits.starts_with('1') && extension.is_none() {
            let second = digits.as_bytes()[1];
            return if (b'3'..=b'9').contains(&second) {
                Ok(Self(digits))
            } else {
                Err(refuse())
            };
        }
        if !digits.starts_with('0') {
            return Err(refuse());
        }
        // 010 and 02x are the three-digit area codes; all others have four digits.
        let area_len = if digits.starts_with("01") || digits.starts_with("02") {
            3
        } else {
            4
        };
        if digits.len() <= area_len {
            return Err(refuse());
        }
        let (area, local) = digits.split_at(area_len);
        let local_ok = matches!(local.len(), 7 | 8) && !local.starts_with('0') && !local.starts_with('1');
        if !local_ok {
            return Err(refuse());
        }
        let mut normalised = format!("{area}-{local}");
        if let Some(ext) = extension {
            normalised.push('-');
            normalised.push_str(&ext);
        }
        Ok(Self(normalised))
    }

    pub fn is_mobile(&self) -> bool {
        !self.0.starts_with('0')
    }
}

fn split_extension(raw: &str) -> (&str, Option<String>) {
    for marker in ["转", "ext", "EXT", "分机"] {
        if let Some(pos) = raw.find(marker) {
            let ext: String = raw[pos + marker.len()..]
                .chars()
                .filter(|c| c.is_ascii_digit())
                .collect();
            return (&raw[..pos], (!ext.is_empty()).then_some(ext));
        }
    }
    match split_normalised_extension(raw) {
        Some((main, ext)) => (main, Some(ext.to_owned())),
        None => (raw, None),
    }
}

/// `029-88886666-801`, as [`PhoneNumber`] writes a landline with an extension: area code, local
/// number and extension each in their own hyphen group. Without this the groups would run
/// together (`010-2000000-1` would read as `010-20000001`). Other hyphenations
/// (`138-0000-0001`, `029-8888-6666`) are not in this shape and are read digit by digit.
fn split_normalised_extension(raw: &str) -> Option<(&str, &str)> {
    let (main, ext) = raw.rsplit_once('-')?;
    let (area, local) = main.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let area_len = if area.starts_with("01") || area.starts_with("02") {
        3
    } else {
        4
    };
    let shaped = area.starts_with('0')
        && area.len() == area_len
        && matches!(local.len(), 7 | 8)
        && digits(area)
        && digits(local)
        && digits(ext);
    shaped.then_some((main, ext))
}

/// A production batch (lot) code, as carried in GS1 application identifier (10): at most 20
/// characters. We accept the URL-safe subset so the code can stand in a path unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LotCode(String);
string_newtype_impls!(LotCode);

impl LotCode {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code = input.trim();
        let ok =
            (1..=20).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if ok {
            Ok(Self(code.to_owned()))
        } else {
            Err(CodeError::Lot(code.to_owned()))
        }
    }
}

/// The catalogue's own code for a listed product: county code and a per-county serial number.
/// Given once at approval and never reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CatalogueCode(String);
string_newtype_impls!(CatalogueCode);

impl CatalogueCode {
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code = input.trim();
        let refuse = || CodeError::CatalogueCode(code.to_owned());
        let (county, serial) = code.split_once('-').ok_or_else(refuse)?;
        // Exactly the six digits: `610124 -00001` would otherwise be kept with its space.
        let county_code = CountyCode::parse(county).map_err(|_| refuse())?;
        if county_code.as_str() != county {
            return Err(refuse());
        }
        if serial.len() != 5 || !serial.bytes().all(|b| b.is_ascii_digit()) || serial == "00000" {
            return Err(refuse());
        }
        Ok(Self(code.to_owned()))
    }

    pub fn new(county: &CountyCode, serial: u32) -> Self {
        assert!(
            (1..=99_999).contains(&serial),
            "catalogue serial out of range: {serial}"
        );
        Self(format!("{county}-{serial:05}"))
    }

    pub fn county_code(&self) -> CountyCode {
        CountyCode(self.0[..6].to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("610124", "周至县")]
    #[case(" 610981 ", "旬阳市")]
    #[case("610102", "新城区")]
    fn known_county_codes_parse(#[case] input: &str, #[case] name: &str) {
        assert_eq!(CountyCode::parse(input).unwrap().county().name, name);
    }

    #[rstest]
    #[case("610929x")]
    #[case("610000")] // the province itself
    #[case("610100")] // a city, not a county
    #[case("610928")] // 旬阳县's old code, replaced by 610981
    #[case("110101")] // Beijing
    #[case("")]
    fn unknown_county_codes_are_refused(#[case] input: &str) {
        assert!(matches!(CountyCode::parse(input), Err(CodeError::UnknownCounty(_))));
    }

    #[rstest]
    #[case("91350100M000100Y43")] // the example printed in GB 32100-2015
    #[case("9144030071526726XG")] // 深圳市腾讯计算机系统有限公司
    #[case("914403001922038216")] // 华为技术有限公司
    #[case("91110000802100433B")] // 中国石油化工集团
    #[case("91350100m000100y43")] // lower case is accepted and upper-cased
    fn real_credit_codes_parse(#[case] input: &str) {
        let code = CreditCode::parse(input).unwrap();
        assert_eq!(code.as_str(), input.to_uppercase());
    }

    #[test]
    fn credit_code_region_is_characters_three_to_eight() {
        assert_eq!(CreditCode::parse("914403001922038216").unwrap().region_code(), "440300");
    }

    #[rstest]
    #[case("91350100M000100Y44")]
    #[case("914403001922038217")]
    fn credit_code_with_wrong_check_character_names_the_right_one(#[case] input: &str) {
        match CreditCode::parse(input) {
            Err(CodeError::CreditCodeCheck { expected, .. }) => {
                assert_ne!(Some(expected), input.chars().last())
            }
            other => panic!("expected a check error, got {other:?}"),
        }
    }

    #[rstest]
    #[case("91350100M000100Y4")]
    #[case("91350100M000100Y433")]
    #[case("")]
    fn credit_code_of_wrong_length_is_refused(#[case] input: &str) {
        assert!(matches!(CreditCode::parse(input), Err(CodeError::CreditCodeLength(_))));
    }

    #[test]
    fn credit_code_with_forbidden_letter_names_its_position() {
        let err = CreditCode::parse("91350100M0001O0Y43").unwrap_err();
        assert_eq!(
            err,
            CodeError::CreditCodeCharacter {
                code: "91350100M0001O0Y43".into(),
                position: 14,
                found: 'O'
            }
        );
        assert!(err.to_string().contains("第 14 位"));
    }

    #[test]
    fn credit_code_body_completes_to_a_valid_code() {
        let code = CreditCode::with_check_char("93610124MA6X00001").unwrap();
        assert!(CreditCode::parse(code.as_str()).is_ok());
    }

    #[rstest]
    #[case("4006381333931", "04006381333931")] // EAN-13
    #[case("036000291452", "00036000291452")] // UPC-A
    #[case("96385074", "00000096385074")] // EAN-8
    #[case("10614141000415", "10614141000415")] // GTIN-14 from the GS1 Digital Link standard
    #[case("6 901234 567892", "06901234567892")] // spaces as printed under a barcode
    fn valid_gtins_parse_and_pad_to_14(#[case] input: &str, #[case] gtin14: &str) {
        assert_eq!(Gtin::parse(input).unwrap().to_gtin14(), gtin14);
    }

    #[rstest]
    #[case("4006381333932", 1)]
    #[case("96385075", 4)]
    fn gtin_with_wrong_check_digit_is_refused(#[case] input: &str, #[case] expected: u8) {
        assert!(matches!(Gtin::parse(input), Err(CodeError::GtinCheck { expected: e, .. }) if e == expected));
    }

    #[rstest]
    #[case("400638133393")]
    #[case("4006381333931A")]
    #[case("123")]
    #[case("")]
    fn gtin_of_wrong_shape_is_refused(#[case] input: &str) {
        // 12 digits with a wrong check digit is a check error; other shapes are format errors.
        assert!(Gtin::parse(input).is_err());
    }

    #[rstest]
    #[case("13912345678", "13912345678")]
    #[case("139 1234 5678", "13912345678")]
    #[case("+86 139-1234-5678", "13912345678")]
    #[case("029-88886666", "029-88886666")]
    #[case("(029)88886666", "029-88886666")]
    #[case("（029）8888 6666", "029-88886666")]
    #[case("02988886666", "029-88886666")]
    #[case("0915-3212345", "0915-3212345")]
    #[case("09153212345", "0915-3212345")]
    #[case("029-88886666转801", "029-88886666-801")]
    #[case("029-88886666-801", "029-88886666-801")] // the normal form reads as itself
    #[case("010-2000000-0", "010-2000000-0")] // found by proptest: read as 010-20000000
    #[case("029-8888-6666", "029-88886666")]
    #[case("138-0000-0001", "13800000001")]
    fn phone_numbers_parse_and_normalise(#[case] input: &str, #[case] normalised: &str) {
        assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), normalised);
    }

    #[rstest]
    #[case("12912345678")] // no such mobile prefix
    #[case("1391234567")] // 10 digits
    #[case("88886666")] // landline without area code
    #[case("029-0888666")] // local number cannot start with 0
    #[case("029-888866")] // too short
    #[case("电话：13912345678")]
    #[case("")]
    fn malformed_phone_numbers_are_refused(#[case] input: &str) {
        assert!(PhoneNumber::parse(input).is_err(), "{input} should be refused");
    }

    #[rstest]
    #[case("20200915A")]
    #[case("L-2020.09_01")]
    fn lot_codes_parse(#[case] input: &str) {
        assert_eq!(LotCode::parse(input).unwrap().as_str(), input);
    }

    #[rstest]
    #[case("")]
    #[case("批次一")]
    #[case("A/B")]
    #[case("ABCDEFGHIJKLMNOPQRSTU")] // 21 characters
    fn bad_lot_codes_are_refused(#[case] input: &str) {
        assert!(LotCode::parse(input).is_err());
    }

    #[test]
    fn catalogue_codes_round_trip() {
        let county = CountyCode::parse("610124").unwrap();
        let code = CatalogueCode::new(&county, 17);
        assert_eq!(code.as_str(), "610124-00017");
        assert_eq!(CatalogueCode::parse("610124-00017").unwrap(), code);
        assert_eq!(code.county_code(), county);
    }

    #[rstest]
    #[case("610124-0017")]
    #[case("610124-00000")]
    #[case("999999-00001")]
    #[case("61012400017")]
    #[case("610102\u{3000}-00001")] // found by proptest: accepted and kept with the space
    #[case("610124 -00001")]
    fn malformed_catalogue_codes_are_refused(#[case] input: &str) {
        assert!(CatalogueCode::parse(input).is_err());
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;
    use proptest::sample::Index;

    use super::*;
    use crate::domain::strategies::{
        CREDIT_CHARS, county_code, credit_check_char, credit_code, full_width, gtin, gtin_check_digit, landline,
        lot_code, mobile, padding, user_text,
    };

    /// `code` with the character at `at` replaced by another from `alphabet`.
    fn substitute(code: &str, at: usize, alphabet: &str, pick: Index) -> String {
        let mut chars: Vec<char> = code.chars().collect();
        let others: Vec<char> = alphabet.chars().filter(|c| *c != chars[at]).collect();
        chars[at] = *pick.get(&others);
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn no_code_parser_panics_and_what_each_accepts_parses_to_itself(text in user_text()) {
            if let Ok(code) = CountyCode::parse(&text) {
                prop_assert_eq!(CountyCode::parse(code.as_str()), Ok(code));
            }
            if let Ok(code) = CreditCode::parse(&text) {
                prop_assert_eq!(CreditCode::parse(code.as_str()), Ok(code));
            }
            let _ = CreditCode::with_check_char(&text);
            if let Ok(code) = Gtin::parse(&text) {
                prop_assert_eq!(Gtin::parse(code.as_str()), Ok(code));
            }
            let _ = Gtin::with_check_digit(&text);
            if let Ok(phone) = PhoneNumber::parse(&text) {
                prop_assert_eq!(PhoneNumber::parse(phone.as_str()), Ok(phone));
            }
            if let Ok(lot) = LotCode::parse(&text) {
                prop_assert_eq!(LotCode::parse(lot.as_str()), Ok(lot));
            }
            if let Ok(code) = CatalogueCode::parse(&text) {
                prop_assert_eq!(CatalogueCode::parse(code.as_str()), Ok(code));
            }
        }

        #[test]
        fn every_county_code_round_trips(code in county_code(), left in padding(), right in padding()) {
            let parsed = CountyCode::parse(&format!("{left}{code}{right}")).unwrap();
            prop_assert_eq!(parsed.as_str(), code);
            prop_assert_eq!(parsed.county().code, code);
            prop_assert_eq!(CountyCode::parse(&format!("{parsed}")), Ok(parsed));
        }

        #[test]
        fn valid_credit_codes_round_trip(code in credit_code()) {
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(parsed.region_code(), &code[2..8]);
            prop_assert_eq!(CreditCode::parse(&format!("{parsed}")), Ok(parsed.clone()));
            prop_assert_eq!(CreditCode::with_check_char(&code[..17]), Ok(parsed));
        }

        #[test]
        fn credit_codes_in_lower_case_or_padded_normalise_to_the_same_code(
            code in credit_code(),
            left in padding(),
            right in padding(),
        ) {
            let written = format!("{left}{}{right}", code.to_lowercase());
            prop_assert_eq!(CreditCode::parse(&written).unwrap().to_string(), code);
        }

        #[test]
        fn a_credit_code_with_another_check_character_is_refused_naming_the_right_one(
            code in credit_code(),
            pick in any::<Index>(),
        ) {
            let mutated = substitute(&code, 17, CREDIT_CHARS, pick);
            let expected = code.chars().last().unwrap();
            prop_assert_eq!(
                CreditCode::parse(&mutated),
                Err(CodeError::CreditCodeCheck { code: mutated.clone(), expected })
            );
        }

        /// 31 is prime and no weight is a multiple of it, so every single wrong character shows.
        #[test]
        fn a_credit_code_with_one_character_mistyped_is_refused(
            code in credit_code(),
            at in 0usize..17,
            pick in any::<Index>(),
        ) {
            let mutated = substitute(&code, at, CREDIT_CHARS, pick);
            prop_assert!(CreditCode::parse(&mutated).is_err(), "{} accepted", mutated);
            prop_assert_ne!(credit_check_char(&mutated[..17]), credit_check_char(&code[..17]));
        }

        #[test]
        fn valid_gtins_round_trip_and_pad_to_fourteen_digits(code in gtin()) {
            let parsed = Gtin::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            prop_assert_eq!(Gtin::parse(&format!("{parsed}")), Ok(parsed.clone()));
            prop_assert_eq!(Gtin::with_check_digit(&code[..code.len() - 1]), Ok(parsed.clone()));
            let gtin14 = parsed.to_gtin14();
            prop_assert_eq!(gtin14.len(), 14);
            prop_assert_eq!(Gtin::parse(&gtin14).unwrap().to_gtin14(), gtin14);
        }

        #[test]
        fn gtins_printed_with_spaces_or_hyphens_normalise_to_the_digits(
            code in gtin(),
            separators in prop::collection::vec(prop::option::of(prop::sample::select(vec![" ", "-", "\u{3000}"])), 14),
        ) {
            let written: String = code
                .chars()
                .zip(&separators)
                .flat_map(|(c, sep)| [c.to_string(), sep.unwrap_or("").to_owned()])
                .collect();
            prop_assert_eq!(Gtin::parse(&written).unwrap().to_string(), code);
        }

        #[test]
        fn a_gtin_with_another_check_digit_is_refused_naming_the_right_one(code in gtin(), pick in any::<Index>()) {
            let last = code.len() - 1;
            let mutated = substitute(&code, last, "0123456789", pick);
            let expected = code.as_bytes()[last] - b'0';
            prop_assert_eq!(Gtin::parse(&mutated), Err(CodeError::GtinCheck { code: mutated.clone(), expected }));
        }

        /// 3 and 1 are prime to 10, so every single wrong digit shows.
        #[test]
        fn a_gtin_with_one_digit_mistyped_is_refused(code in gtin(), at in any::<Index>(), pick in any::<Index>()) {
            let at = at.index(code.len() - 1);
            let mutated = substitute(&code, at, "0123456789", pick);
            prop_assert!(Gtin::parse(&mutated).is_err(), "{} accepted", mutated);
            prop_assert_ne!(gtin_check_digit(&mutated[..code.len() - 1]), gtin_check_digit(&code[..code.len() - 1]));
        }

        #[test]
        fn gtins_typed_full_width_are_refused_not_misread(code in gtin()) {
            // The sheet reader folds full-width digits before parsing; the parser itself takes ASCII.
            prop_assert!(Gtin::parse(&full_width(&code)).is_err());
        }

        #[test]
        fn mobile_numbers_round_trip_however_they_are_grouped(
            number in mobile(),
            country in prop::sample::select(vec!["", "+86 ", "+86-", "86", "+86"]),
            grouping in prop::sample::select(vec![" ", "-", ""]),
            left in padding(),
            right in padding(),
        ) {
            let parsed = PhoneNumber::parse(&number).unwrap();
            prop_assert_eq!(parsed.as_str(), number.as_str());
            prop_assert!(parsed.is_mobile());
            prop_assert_eq!(PhoneNumber::parse(&format!("{parsed}")), Ok(parsed.clone()));
            let grouped = format!("{left}{country}{}{grouping}{}{grouping}{}{right}", &number[..3], &number[3..7], &number[7..]);
            prop_assert_eq!(PhoneNumber::parse(&grouped), Ok(parsed));
        }

        #[test]
        fn landlines_round_trip_in_their_normal_form((area, local, extension) in landline()) {
            let normal = match &extension {
                Some(ext) => format!("{area}-{local}-{ext}"),
                None => format!("{area}-{local}"),
            };
            let parsed = PhoneNumber::parse(&normal).unwrap();
            prop_assert_eq!(parsed.as_str(), normal.as_str());
            prop_assert!(!parsed.is_mobile());
            prop_assert_eq!(PhoneNumber::parse(&format!("{parsed}")), Ok(parsed));
        }

        #[test]
        fn landlines_written_other_ways_normalise_to_the_same_number(
            (area, local, extension) in landline(),
            style in 0usize..4,
            marker in prop::sample::select(vec!["转", "ext", "EXT", "分机"]),
        ) {
            let main = match style {
                0 => format!("{area}{local}"),
                1 => format!("({area}){local}"),
                2 => format!("（{area}）{} {}", &local[..3], &local[3..]),
                _ => format!("{area} {local}"),
            };
            let written = match &extension {
                Some(ext) => format!("{main}{marker}{ext}"),
                None => main,
            };
            let normal = match &extension {
                Some(ext) => format!("{area}-{local}-{ext}"),
                None => format!("{area}-{local}"),
            };
            prop_assert_eq!(PhoneNumber::parse(&written).unwrap().to_string(), normal);
        }

        #[test]
        fn valid_lot_codes_round_trip(lot in lot_code(), left in padding(), right in padding()) {
            let parsed = LotCode::parse(&format!("{left}{lot}{right}")).unwrap();
            prop_assert_eq!(parsed.as_str(), lot.as_str());
            prop_assert_eq!(LotCode::parse(&format!("{parsed}")), Ok(parsed));
        }

        #[test]
        fn lot_codes_with_other_characters_or_too_long_are_refused(
            lot in lot_code(),
            extra in "[^A-Za-z0-9_.\\-\\s]",
            at in any::<Index>(),
        ) {
            let mut chars: Vec<String> = lot.chars().map(String::from).collect();
            chars.insert(at.index(chars.len() + 1), extra);
            let with_other = chars.concat();
            let too_long = format!("{lot}{}", "9".repeat(21 - lot.len()));
            prop_assert!(LotCode::parse(&with_other).is_err());
            prop_assert!(LotCode::parse(&too_long).is_err());
        }

        #[test]
        fn catalogue_codes_round_trip(county in county_code(), serial in 1u32..=99_999) {
            let county = CountyCode::parse(county).unwrap();
            let code = CatalogueCode::new(&county, serial);
            prop_assert_eq!(code.as_str(), format!("{county}-{serial:05}"));
            prop_assert_eq!(CatalogueCode::parse(code.as_str()), Ok(code.clone()));
            prop_assert_eq!(code.county_code(), county);
        }

        /// Padding around the code is tolerated; anything inside it is not, so an accepted code
        /// is always the one the catalogue gave.
        #[test]
        fn catalogue_codes_written_with_spaces_are_the_code_or_refused(
            county in county_code(),
            serial in 1u32..=99_999,
            spaces in prop::collection::vec(padding(), 4),
        ) {
            let written = format!("{}{county}{}-{}{serial:05}{}", spaces[0], spaces[1], spaces[2], spaces[3]);
            let code = CatalogueCode::new(&CountyCode::parse(county).unwrap(), serial);
            match CatalogueCode::parse(&written) {
                Ok(parsed) => prop_assert_eq!(parsed, code),
                Err(_) => prop_assert!(!spaces[1].is_empty() || !spaces[2].is_empty()),
            }
        }
    }
}
