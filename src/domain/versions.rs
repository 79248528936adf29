//! The catalogue's history: each change to a product opens a version of it (valid from the
//! change until the next one), so that the catalogue can be shown as it stood at the end of any
//! day, and every change can be listed with what it was and why.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::details::Details;
use super::{Action, ListingStatus};

labelled_names! {
    /// What kind of change opened a version.
    ChangeKind {
        Listed => ("listed", "列入目录"),
        DetailsChanged => ("details_changed", "信息变更"),
        Suspended => ("suspended", "暂停推荐"),
        Reinstated => ("reinstated", "恢复推荐"),
        Delisted => ("delisted", "清出目录"),
        Withdrawn => ("withdrawn", "撤出目录"),
        LotRecalled => ("lot_recalled", "批次召回"),
    }
}

impl ChangeKind {
    /// The change a product's event records, for the events that change what the catalogue shows.
    pub fn of_action(action: Action) -> Option<ChangeKind> {
        match action {
            Action::List => Some(ChangeKind::Listed),
            Action::Relist => Some(ChangeKind::Reinstated),
            Action::Suspend => Some(ChangeKind::Suspended),
            Action::Delist => Some(ChangeKind::Delisted),
            Action::Withdraw => Some(ChangeKind::Withdrawn),
            Action::Recall => Some(ChangeKind::LotRecalled),
            Action::Edit => Some(ChangeKind::DetailsChanged),
            _ => None,
        }
    }

    /// The status a product has after this change, given the one it had before.
    pub fn status_after(self, before: Option<ListingStatus>) -> ListingStatus {
        match self {
            ChangeKind::Listed | ChangeKind::Reinstated => ListingStatus::Listed,
            ChangeKind::Suspended => ListingStatus::Suspended,
            ChangeKind::Delisted => ListingStatus::Delisted,
            ChangeKind::Withdrawn => ListingStatus::Withdrawn,
            ChangeKind::DetailsChanged | ChangeKind::LotRecalled => before.unwrap_or(ListingStatus::Listed),
        }
    }
}

/// One change of one product, as the history records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// UTC.
    pub at: NaiveDateTime,
    pub kind: ChangeKind,
    pub reason: String,
    /// The lot, for a lot recall.
    pub lot: Option<String>,
    /// For a details change, the fields it changed as they were before (its event's
    /// `from_state`, see [`Details::stored`]).
    pub details_before: Option<String>,
}

/// A version: the product as it was from one change until the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDateTime,
    /// `None` for the current version.
    pub to: Option<NaiveDateTime>,
    pub kind: ChangeKind,
    pub status: ListingStatus,
    pub reason: String,
    pub lot: Option<String>,
    /// As [`Change::details_before`].
    pub details_before: Option<String>,
}

/// The versions a product's changes make, oldest first. Changes are taken in time order (ties in
/// the order given), and nothing before the listing counts: a product enters the catalogue when
/// it is listed.
pub fn spans(changes: &[Change]) -> Vec<Span> {
    let mut ordered: Vec<&Change> = changes.iter().collect();
    ordered.sort_by_key(|c| c.at);
    let mut out: Vec<Span> = Vec::with_capacity(ordered.len());
    for change in ordered {
        let before = out.last().map(|s| s.status);
        if before.is_none() && change.kind != ChangeKind::Listed {
            continue;
        }
        if let Some(last) = out.last_mut() {
            last.to = Some(change.at);
        }
        out.push(Span {
            from: change.at,
            to: None,
            kind: change.kind,
            status: change.kind.status_after(before),
            reason: change.reason.clone(),
            lot: change.lot.clone(),
            details_before: change.details_before.clone(),
        });
    }
    out
}

/// The details each version showed, oldest first, given the details now: the last version shows
/// them, and walking back, each details change puts back what it changed.
pub fn details_of(spans: &[Span], now: &Details) -> Vec<Details> {
    let mut out = vec![now.clone(); spans.len()];
    for i in (1..spans.len()).rev() {
        out[i - 1] = match &spans[i].details_before {
            Some(before) => out[i].with_stored(before),
            None => out[i].clone(),
        };
    }
    out
}

/// The version in force at `at` (UTC), if the product was in the catalogue's history by then.
pub fn in_force(spans: &[Span], at: NaiveDateTime) -> Option<&Span> {
    spans
        .iter()
        .rev()
        .find(|s| s.from <= at && s.to.is_none_or(|to| to > at))
}

/// The periods a product was listed, from its versions' (start, status), oldest first: each from
/// the version that listed it to the first that did not (`None`: listed still).
pub fn listed_periods(versions: &[(NaiveDateTime, ListingStatus)]) -> Vec<(NaiveDateTime, Option<NaiveDateTime>)> {
    let mut periods = Vec::new();
    let mut open: Option<NaiveDateTime> = None;
    for (from, status) in versions {
        match (open, *status == ListingStatus::Listed) {
            (None, true) => open = Some(*from),
            (Some(start), false) => {
                periods.push((start, Some(*from)));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        periods.push((start, None));
    }
    periods
}

/// "As of day D" means the end of D in China time: midnight after it, UTC+8, as a UTC time.
pub fn end_of_china_day(day: NaiveDate) -> NaiveDateTime {
    (day + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight exists") - Duration::hours(8)
}

/// The first moment (UTC) of a China-time day.
pub fn start_of_china_day(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).expect("midnight exists") - Duration::hours(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    fn change(day: u32, hour: u32, kind: ChangeKind) -> Change {
        Change {
            at: at(day, hour),
            kind,
            reason: kind.label().to_owned(),
            lot: None,
            details_before: None,
        }
    }

    #[test]
    fn each_version_shows_the_details_as_they_stood_before_the_next_correction() {
        let listed = Details::parse("紫阳富硒茶", "250克/盒", "38", "").unwrap();
        let dearer = Details {
            unit_price_fen: 4_200,
            ..listed.clone()
        };
        let renamed = Details {
            name: "紫阳富硒绿茶".to_owned(),
            trademark: "汉水".to_owned(),
            ..dearer.clone()
        };
        let correction = |day, before: &Details, after: &Details| Change {
            details_before: Some(before.stored(&crate::domain::details::field_changes(before, after))),
            ..change(day, 9, ChangeKind::DetailsChanged)
        };
        let history = spans(&[
            change(1, 2, ChangeKind::Listed),
            correction(3, &listed, &dearer),
            change(4, 2, ChangeKind::Suspended),
            correction(5, &dearer, &renamed),
        ]);
        assert_eq!(
            details_of(&history, &renamed),
            [listed.clone(), dearer.clone(), dearer, renamed]
        );
        // With no corrections, every version shows the details of now.
        let plain = spans(&[change(1, 2, ChangeKind::Listed), change(4, 2, ChangeKind::Suspended)]);
        assert!(details_of(&[], &listed).is_empty());
        assert_eq!(details_of(&plain, &listed), [listed.clone(), listed]);
    }

    #[test]
    fn listed_periods_run_from_a_listing_to_the_first_version_not_listed() {
        let history = spans(&[
            change(1, 2, ChangeKind::Listed),
            change(3, 2, ChangeKind::LotRecalled),
            change(5, 2, ChangeKind::Suspended),
            change(6, 2, ChangeKind::Delisted),
            change(7, 2, ChangeKind::Reinstated),
            change(8, 2, ChangeKind::DetailsChanged),
        ]);
        let versions: Vec<_> = history.iter().map(|s| (s.from, s.status)).collect();
        assert_eq!(
            listed_periods(&versions),
            [(at(1, 2), Some(at(5, 2))), (at(7, 2), None)]
        );
        assert!(listed_periods(&[]).is_empty());
        // Every moment is in a period exactly when the version in force then is listed.
        for day in 1..10 {
            let moment = at(day, 12);
            let listed = in_force(&history, moment).is_some_and(|s| s.status == ListingStatus::Listed);
            let in_period = listed_periods(&versions)
                .iter()
                .any(|(from, to)| *from <= moment && to.is_none_or(|to| to > moment));
            assert_eq!(listed, in_period, "day {day}");
        }
    }

    #[test]
    fn each_change_opens_a_version_and_closes_the_one_before() {
        let history = [
            change(10, 9, ChangeKind::Suspended),
            change(1, 2, ChangeKind::Listed),
            change(12, 3, ChangeKind::LotRecalled),
            change(20, 5, ChangeKind::Delisted),
        ];
        let spans = spans(&history);
        let statuses: Vec<ListingStatus> = spans.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [
                ListingStatus::Listed,
                ListingStatus::Suspended,
                ListingStatus::Suspended,
                ListingStatus::Delisted
            ],
            "a lot recall keeps the product's status"
        );
        assert_eq!(spans[0].to, Some(at(10, 9)));
        assert_eq!(spans[3].to, None);
        assert_eq!(in_force(&spans, at(5, 0)).unwrap().status, ListingStatus::Listed);
        assert_eq!(in_force(&spans, at(10, 9)).unwrap().status, ListingStatus::Suspended);
        assert!(in_force(&spans, at(1, 1)).is_none(), "not yet listed");
    }

    #[test]
    fn changes_before_the_listing_do_not_count() {
        let spans = spans(&[change(1, 1, ChangeKind::Suspended), change(2, 1, ChangeKind::Listed)]);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].kind, ChangeKind::Listed);
    }

    #[test]
    fn a_china_day_ends_at_four_in_the_afternoon_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(end_of_china_day(day), at(1, 16));
        assert_eq!(
            start_of_china_day(day),
            NaiveDate::from_ymd_opt(2026, 2, 28)
                .unwrap()
                .and_hms_opt(16, 0, 0)
                .unwrap()
        );
    }
}
