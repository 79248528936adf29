//! Money is held in integer fen (分), never in floating point.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("金额“{0}”无效：请填写以元为单位的数字，最多两位小数，如 38 或 38.50")]
pub struct MoneyError(pub String);

impl Fen {
    /// Parses an amount in yuan as people write it: `38`, `38.5`, `38.50`, `￥38.50`, `38元`, `1,280.00`.
    pub fn parse_yuan(input: &str) -> Result<Self, MoneyError> {
        let refuse = || MoneyError(input.trim().to_owned());
        let cleaned: String = input
            .trim()
            .trim_start_matches(['¥', '￥'])
            .trim_end_matches('元')
            .chars()
            .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
            .collect();
        let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || !digits_only(whole) || frac.len() > 2 || !digits_only(frac) {
            return Err(refuse());
        }
        let whole: i64 = whole.parse().map_err(|_| refuse())?;
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<2}").parse().map_err(|_| refuse())?
        };
        Ok(Fen(whole * 100 + frac))
    }

    pub fn yuan(self) -> i64 {
        self.0 / 100
    }
}

impl fmt::Display for Fen {
    /// Yuan with two decimals, e.g. `38.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("38", 3800)]
    #[case("38.5", 3850)]
    #[case("38.50", 3850)]
    #[case("￥1,280.00", 128_000)]
    #[case("0.01", 1)]
    #[case(" 68元 ", 6800)]
    fn yuan_amounts_parse_to_fen(#[case] input: &str, #[case] fen: i64) {
        assert_eq!(Fen::parse_yuan(input).unwrap(), Fen(fen));
    }

    #[rstest]
    #[case("")]
    #[case("三十八")]
    #[case("38.505")]
    #[case("-5")]
    #[case(".5")]
    #[case("1e3")]
    fn malformed_amounts_are_refused(#[case] input: &str) {
        assert!(Fen::parse_yuan(input).is_err());
    }

    #[test]
    fn fen_display_as_yuan_with_two_decimals() {
        assert_eq!(Fen(3850).to_string(), "38.50");
        assert_eq!(Fen(5).to_string(), "0.05");
        assert_eq!(Fen(-120).to_string(), "-1.20");
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::strategies::{padding, user_text};

    /// The most fen [`Fen::parse_yuan`] reads: twelve digits of yuan and two of fen.
    const MAX_FEN: i64 = 99_999_999_999_999;

    /// `1280` → `1,280`: thousands separators as spreadsheets print them.
    fn grouped(whole: i64) -> String {
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn no_amount_panics_and_an_accepted_one_prints_as_a_fixed_point(text in user_text()) {
            if let Ok(fen) = Fen::parse_yuan(&text) {
                prop_assert!((0..=MAX_FEN).contains(&fen.0));
                prop_assert_eq!(Fen::parse_yuan(&fen.to_string()), Ok(fen));
            }
        }

        #[test]
        fn every_amount_in_fen_survives_printing_and_parsing(fen in 0..=MAX_FEN) {
            let printed = Fen(fen).to_string();
            prop_assert_eq!(Fen::parse_yuan(&printed), Ok(Fen(fen)));
            prop_assert_eq!(Fen(fen).yuan(), fen / 100);
        }

        #[test]
        fn amounts_written_as_people_do_read_as_the_same_fen(
            fen in 0..=MAX_FEN,
            sign in prop::sample::select(vec!["", "¥", "￥"]),
            suffix in prop::sample::select(vec!["", "元", " 元"]),
            group in any::<bool>(),
            left in padding(),
            right in padding(),
        ) {
            let (whole, cents) = (fen / 100, fen % 100);
            let whole = if group { grouped(whole) } else { whole.to_string() };
            // 38.50 may be written 38.5, and 38.00 as 38.
            let decimals = match (cents, cents % 10) {
                (0, _) => String::new(),
                (_, 0) => format!(".{}", cents / 10),
                _ => format!(".{cents:02}"),
            };
            let written = format!("{left}{sign}{whole}{decimals}{suffix}{right}");
            prop_assert_eq!(Fen::parse_yuan(&written), Ok(Fen(fen)));
        }

        #[test]
        fn negative_and_oversized_amounts_are_refused(fen in (MAX_FEN + 1)..i64::MAX, negative in 1..=MAX_FEN) {
            prop_assert!(Fen::parse_yuan(&Fen(fen).to_string()).is_err());
            prop_assert!(Fen::parse_yuan(&Fen(-negative).to_string()).is_err());
        }

        #[test]
        fn display_never_panics_and_keeps_two_decimals(fen in any::<i64>()) {
            let printed = Fen(fen).to_string();
            let (whole, cents) = printed.rsplit_once('.').unwrap();
            prop_assert_eq!(cents.len(), 2);
            prop_assert_eq!(whole.starts_with('-'), fen < 0);
        }
    }
}
