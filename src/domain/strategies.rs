//! Strategies for the property tests of every parser of user text: text as people paste it, and
//! valid values built the way the standards define them (check characters computed here, not by
//! the code under test).

use proptest::prelude::*;
use proptest::sample::select;

use super::region;

/// Any text a form field, a cell or an address may carry: arbitrary Unicode and control
/// characters, full-width digits and letters, the signs and separators the parsers look for, and
/// numbers far longer than any code.
pub fn user_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter),
        prop::collection::vec(select(TRICKY_CHARS.chars().collect::<Vec<_>>()), 0..30).prop_map(String::from_iter),
        "[0-9]{10,40}",
        "[0-9]{1,20}\\.[0-9]{0,20}",
        "[\\x00-\\x1f\\x7f\\u{200b}\\u{feff}\\u{3000} ]{0,4}[0-9A-Za-z]{0,20}[\\x00-\\x1f ]{0,3}",
    ]
}

/// Characters the parsers give a meaning to, or that look like ones they do.
const TRICKY_CHARS: &str = "0123456789０１２３４５６７８９.．,，-－—–~～+＋()（）[]【】/%％'\"“”=@ \t\r\n\u{3000}\u{a0}\u{200b}\
     元￥¥万千约吨斤箱公克kgKGtTeE人名转ext分机紫阳县市区陕西省安康93610924MAXYZIOSVaz";

/// Whitespace as it surrounds pasted values: spaces, tabs, line breaks, the ideographic space.
pub fn padding() -> impl Strategy<Value = String> {
    "[ \t\r\n\u{3000}]{0,3}"
}

/// The code of a county in the shipped table.
pub fn county_code() -> impl Strategy<Value = &'static str> {
    select(region::counties().iter().map(|c| c.code).collect::<Vec<_>>())
}

/// The characters GB 32100-2015 allows in a credit code (no I, O, S, V, Z).
pub const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100-2015's check character: weights are 3^i mod 31, the check is 31 − (Σ mod 31), with
/// 31 itself written as 0.
pub fn credit_check_char(body: &str) -> char {
    let value = |c: char| CREDIT_CHARS.find(c).expect("a credit-code character") as u32;
    let (sum, _) = body
        .chars()
        .fold((0, 1), |(sum, weight), c| (sum + value(c) * weight, weight * 3 % 31));
    let check = (31 - sum % 31) % 31;
    CREDIT_CHARS.as_bytes()[check as usize] as char
}

/// A valid credit code: 17 allowed characters and their check character.
pub fn credit_code() -> impl Strategy<Value = String> {
    prop::collection::vec(select(CREDIT_CHARS.chars().collect::<Vec<_>>()), 17).prop_map(|body| {
        let body = String::from_iter(body);
        let check = credit_check_char(&body);
        format!("{body}{check}")
    })
}

/// GS1's mod-10 check digit: weights 3 and 1 from the digit next to the check digit leftwards.
pub fn gtin_check_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .zip([3, 1].into_iter().cycle())
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A valid GTIN-8, -12, -13 or -14 with its check digit.
pub fn gtin() -> impl Strategy<Value = String> {
    select(vec![7usize, 11, 12, 13])
        .prop_flat_map(|len| proptest::string::string_regex(&format!("[0-9]{{{len}}}")).expect("a valid regex"))
        .prop_map(|body| {
            let check = gtin_check_digit(&body);
            format!("{body}{check}")
        })
}

/// A lot code as [`super::LotCode`] accepts it: 1 to 20 characters of GS1's AI (10) character set
/// (“AI encodable character set 82”) that need no escaping in a URL.
pub fn lot_code() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,20}"
}

/// GS1's AI encodable character set 82, the characters a lot (AI 10) may hold in a barcode.
pub const GS1_AI82: &str = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// 1 to 20 characters of GS1's character set 82: some are lot codes we accept, most are not.
pub fn gs1_lot() -> impl Strategy<Value = String> {
    prop::collection::vec(select(GS1_AI82.chars().collect::<Vec<_>>()), 1..=20).prop_map(String::from_iter)
}

/// A mainland mobile number: 1, then 3 to 9, then nine digits.
pub fn mobile() -> impl Strategy<Value = String> {
    "1[3-9][0-9]{9}"
}

/// A landline in its normal form, `area-local` or `area-local-extension`: 010 and 02x have
/// three-digit area codes, every other area code four; local numbers have 7 or 8 digits and do
/// not start with 0 or 1.
pub fn landline() -> impl Strategy<Value = (String, String, Option<String>)> {
    (
        prop_oneof!["01[0-9]", "02[0-9]", "0[3-9][0-9]{2}"],
        "[2-9][0-9]{6,7}",
        proptest::option::of("[0-9]{1,6}"),
    )
}

/// ASCII digits written full-width, as Chinese input methods type them.
pub fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_characters_agree_with_published_codes() {
        // GB 32100-2015's own example, and a GTIN from the GS1 Digital Link standard.
        assert_eq!(credit_check_char("91350100M000100Y4"), '3');
        assert_eq!(gtin_check_digit("1061414100041"), '5');
    }
}
