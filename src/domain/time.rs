//! Times are stored in UTC and shown as people in Shaanxi read them: China Standard Time (UTC+8).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A stored UTC time as a China-time instant, for timestamps written with their offset (`+08:00`).
pub fn in_china(at: NaiveDateTime) -> DateTime<FixedOffset> {
    at.and_utc().with_timezone(&china())
}

/// A stored UTC time in China time, to the minute.
pub fn china_time(at: NaiveDateTime) -> String {
    in_china(at).format("%Y-%m-%d %H:%M").to_string()
}

/// The China-time date of a stored UTC time.
pub fn china_date(at: NaiveDateTime) -> NaiveDate {
    in_china(at).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_is_shown_in_china_time() {
        let at = NaiveDate::from_ymd_opt(2020, 6, 30)
            .unwrap()
            .and_hms_opt(17, 30, 0)
            .unwrap();
        assert_eq!(china_time(at), "2020-07-01 01:30");
        assert_eq!(china_date(at), NaiveDate::from_ymd_opt(2020, 7, 1).unwrap());
    }
}
