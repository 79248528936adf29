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
