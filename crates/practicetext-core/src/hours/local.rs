//! Turning wall-clock times of a time zone into instants, the one place the
//! DST rule of SPEC A4 and X1 lives.
//!
//! The rule: a local time stands for **the first instant at which the clock
//! of the zone shows that time or later**. So
//! - a time that exists once is that instant;
//! - a time that exists twice (the repeated hour when clocks fall back) is
//!   its earlier occurrence;
//! - a time that does not exist (the hour skipped when clocks spring
//!   forward) is the instant the clocks jump, the first valid instant after
//!   it (02:30 on 2026-03-08 in New York is 03:00 EDT).
//!
//! The map is monotone, so a window `[start, end)` of wall-clock times
//! becomes one continuous range of instants `[first(start), first(end))`:
//! never inverted, possibly empty (a window lying wholly in a skipped hour),
//! and never open twice in one night (a window ending in the repeated hour
//! ends at the first pass and does not reopen at the second).

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

/// The first instant at which the clock in `tz` shows `local` or later;
/// `None` only outside the range chrono and the zone data can represent.
pub(crate) fn first_instant_at(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.to_utc()),
        LocalResult::Ambiguous(earliest, _) => Some(earliest.to_utc()),
        LocalResult::None => GapInfo::new(&local, &tz)?.end.map(|t| t.to_utc()),
    }
}

/// What the clock in `tz` shows at `now`; `None` at the very ends of
/// chrono's range, where the local time cannot be represented.
pub(crate) fn local_time(now: DateTime<Utc>, tz: Tz) -> Option<NaiveDateTime> {
    let utc = now.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// A daily wall-clock window `[start, end)`; `end <= start` means it ends on
/// the next day (so `start == end` is 24 hours).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) start: NaiveTime,
    pub(crate) end: NaiveTime,
}

impl Window {
    /// The instants of the window that starts on local `date`, `[from, to)`.
    pub(crate) fn on(self, tz: Tz, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let end_date = if self.end <= self.start {
            date.succ_opt()?
        } else {
            date
        };
        let from = first_instant_at(tz, date.and_time(self.start))?;
        let to = first_instant_at(tz, end_date.and_time(self.end))?;
        Some((from, to))
    }

    /// Whether the window starting on `date` contains `now`.
    pub(crate) fn contains(self, tz: Tz, date: NaiveDate, now: DateTime<Utc>) -> bool {
        self.on(tz, date)
            .is_some_and(|(from, to)| from <= now && now < to)
    }
}

/// The local dates whose windows can contain an instant whose local date is
/// `today`: a window starts at most a day (plus a DST shift) before it
/// contains an instant, and a fall-back at midnight can put an instant of
/// `today + 1`'s window on `today`'s wall clock.
pub(crate) fn candidate_dates(today: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let first = today.pred_opt().and_then(|d| d.pred_opt()).unwrap_or(today);
    days_from(first)
        .take_while(move |d| d.pred_opt() <= Some(today))
        .take(4)
}

/// `first` and the days after it, up to and including `NaiveDate::MAX`
/// (chrono's own `iter_days` stops one short).
pub(crate) fn days_from(first: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    std::iter::successors(Some(first), |d| d.succ_opt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a4_nonexistent_local_time_is_the_instant_clocks_jump() {
        let t = first_instant_at(New_York, local("2026-03-08 02:30")).unwrap();
        assert_eq!(t, at("2026-03-08T07:00:00Z")); // 03:00 EDT
    }

    #[test]
    fn a4_repeated_local_time_is_its_first_occurrence() {
        let t = first_instant_at(New_York, local("2026-11-01 01:30")).unwrap();
        assert_eq!(t, at("2026-11-01T05:30:00Z")); // 01:30 EDT, not EST
    }

    #[test]
    fn candidate_dates_span_two_days_back_and_one_ahead() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let days: Vec<_> = candidate_dates(today).collect();
        assert_eq!(days.len(), 4);
        assert_eq!(
            days.first(),
            today.checked_sub_days(chrono::Days::new(2)).as_ref()
        );
        assert_eq!(days.last(), today.succ_opt().as_ref());
        let last: Vec<_> = candidate_dates(NaiveDate::MAX).collect();
        assert_eq!(last.last(), Some(&NaiveDate::MAX));
    }
}
