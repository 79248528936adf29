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
    (raw, None)
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
        CountyCode::parse(county).map_err(|_| refuse())?;
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
    fn malformed_catalogue_codes_are_refused(#[case] input: &str) {
        assert!(CatalogueCode::parse(input).is_err());
    }
}
