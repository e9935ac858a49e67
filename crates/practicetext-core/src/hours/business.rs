//! Business hours (SPEC A4): the weekly schedule the after-hours
//! auto-responder checks.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::HoursError;
use super::local::{Window, candidate_dates, days_from, local_time};
use super::serde_form::{
    self, BusinessHoursJson, IntervalJson, day_name, format_end, format_time, is_whole_minute,
};

const MINUTES_PER_DAY: u32 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// One opening interval of the weekly schedule (SPEC A4): open from `start`
/// (inclusive) to `end` (exclusive), wall-clock time, on `day`.
///
/// An `end` earlier than `start` runs past midnight and ends on the next day
/// (`{"day":"fri","start":"18:00","end":"02:00"}` is Friday 18:00 to
/// Saturday 02:00; a Sunday one ends on Monday). Midnight as an end is
/// written `"24:00"` (`"00:00"` is read the same); `00:00`-`24:00` is the
/// whole day. Any other interval whose start equals its end is refused
/// (`empty_interval`). The interval belongs to `day`: a closed date skips
/// the intervals that start on it, and an interval that started the day
/// before runs to its end even into a closed date.
///
/// JSON: `{"day":"mon","start":"08:00","end":"17:30"}` (days `mon`..`sun`,
/// times `HH:MM`, whole minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalInterval {
    /// The day the interval starts on.
    pub day: Weekday,
    /// Opening time (inclusive).
    pub start: NaiveTime,
    /// Closing time (exclusive); earlier than `start` (or midnight) means on
    /// the next day.
    pub end: NaiveTime,
}

impl LocalInterval {
    fn window(self) -> Window {
        Window {
            start: self.start,
            end: self.end,
        }
    }

    /// Position in the week and length, in minutes (seconds ignored).
    fn week_minutes(self) -> (u32, u32) {
        let minute = |t: NaiveTime| t.hour() * 60 + t.minute();
        let start = self.day.num_days_from_monday() * MINUTES_PER_DAY + minute(self.start);
        let length = if self.end > self.start {
            minute(self.end) - minute(self.start)
        } else {
            MINUTES_PER_DAY - minute(self.start) + minute(self.end)
        };
        (start, length)
    }

    fn problems(self) -> Vec<HoursError> {
        let mut out: Vec<HoursError> = [self.start, self.end]
            .into_iter()
            .filter(|t| !is_whole_minute(*t))
            .map(|t| HoursError::MalformedTime {
                value: format_time(t),
            })
            .collect();
        if self.start == self.end && self.start != NaiveTime::MIN {
            out.push(HoursError::EmptyInterval {
                interval: self.to_string(),
            });
        }
        out
    }
}

impl fmt::Display for LocalInterval {
    /// `fri 18:00-02:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}-{}",
            day_name(self.day),
            format_time(self.start),
            format_end(self.end)
        )
    }
}

impl TryFrom<IntervalJson> for LocalInterval {
    type Error = Vec<HoursError>;

    fn try_from(json: IntervalJson) -> Result<Self, Self::Error> {
        let day = serde_form::parse_day(&json.day);
        let start = serde_form::parse_time(&json.start, false);
        let end = serde_form::parse_time(&json.end, true);
        match (day, start, end) {
            (Ok(day), Ok(start), Ok(end)) => {
                let interval = LocalInterval { day, start, end };
                let problems = interval.problems();
                if problems.is_empty() {
                    Ok(interval)
                } else {
                    Err(problems)
                }
            }
            (day, start, end) => Err([day.err(), start.err(), end.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

impl Serialize for LocalInterval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("LocalInterval", 3)?;
        s.serialize_field("day", day_name(self.day))?;
        s.serialize_field("start", &format_time(self.start))?;
        s.serialize_field("end", &format_end(self.end))?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for LocalInterval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = IntervalJson::deserialize(deserializer)?;
        LocalInterval::try_from(json).map_err(|p| serde_form::de_error(&p))
    }
}

/// An organization's business hours (SPEC A4): a weekly schedule of
/// wall-clock [`LocalInterval`]s in the practice's own IANA time zone, and
/// whole local dates on which it is closed (holidays).
///
/// Build one with [`BusinessHours::new`] or from JSON; both refuse invalid
/// schedules (malformed times, days or dates, an unknown time zone, empty or
/// overlapping intervals), so only a value built field by field in code can
/// be invalid, and [`BusinessHours::validate`] checks that. Every method is
/// total: none panics, whatever the schedule and the instant.
///
/// Daylight saving time is handled as the [module docs](super) describe:
/// wall-clock times, each standing for the first instant the clocks show it.
///
/// JSON:
/// `{"time_zone":"America/New_York","intervals":[{"day":"mon","start":"08:00","end":"17:30"}],"closed_dates":["2026-12-25"]}`
/// (`closed_dates` may be left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    /// The practice's IANA time zone; the intervals and dates are in it.
    pub time_zone: Tz,
    /// Opening intervals of the week; no two may overlap.
    pub intervals: Vec<LocalInterval>,
    /// Local dates on which no interval starts.
    pub closed_dates: Vec<NaiveDate>,
}

impl BusinessHours {
    /// A checked schedule (SPEC A4); refuses what [`BusinessHours::validate`]
    /// refuses, returning every problem.
    pub fn new(
        time_zone: Tz,
        intervals: Vec<LocalInterval>,
        closed_dates: Vec<NaiveDate>,
    ) -> Result<BusinessHours, Vec<HoursError>> {
        let hours = BusinessHours {
            time_zone,
            intervals,
            closed_dates,
        };
        let problems = hours.problems();
        if problems.is_empty() {
            Ok(hours)
        } else {
            Err(problems)
        }
    }

    /// Checks the schedule (SPEC A4): intervals in whole minutes
    /// (`malformed_time`), none empty (`empty_interval`), none overlapping
    /// another (`overlapping_hours`, across midnight and the Sunday-Monday
    /// wrap too; intervals that merely touch are fine). Returns the first
    /// problem; [`BusinessHours::problems`] lists all of them.
    pub fn validate(&self) -> Result<(), HoursError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem [`BusinessHours::validate`] would report; each
    /// overlapping interval is named in at least one `overlapping_hours`.
    pub fn problems(&self) -> Vec<HoursError> {
        let mut out: Vec<HoursError> = self.intervals.iter().flat_map(|i| i.problems()).collect();
        out.extend(self.overlaps());
        out
    }

    /// Overlapping pairs, found by a sweep over the week unrolled twice (so
    /// an interval wrapping from Sunday into Monday meets Monday's).
    fn overlaps(&self) -> Vec<HoursError> {
        let mut segments: Vec<(u32, u32, usize)> = Vec::new();
        for (index, interval) in self.intervals.iter().enumerate() {
            if interval.problems().is_empty() {
                let (start, length) = interval.week_minutes();
                for shift in [0, MINUTES_PER_WEEK] {
                    segments.push((start + shift, start + shift + length, index));
                }
            }
        }
        segments.sort_unstable();
        let mut pairs = BTreeSet::new();
        let mut reach: Option<(u32, usize)> = None;
        for (start, end, index) in segments {
            match reach {
                Some((reach_end, other)) if start < reach_end && other != index => {
                    pairs.insert((other.min(index), other.max(index)));
                    if end > reach_end {
                        reach = Some((end, index));
                    }
                }
                Some((reach_end, _)) if end <= reach_end => {}
                _ => reach = Some((end, index)),
            }
        }
        pairs
            .into_iter()
            .filter_map(|(a, b)| {
                Some(HoursError::OverlappingHours {
                    first: self.intervals.get(a)?.to_string(),
                    second: self.intervals.get(b)?.to_string(),
                })
            })
            .collect()
    }

    /// Whether the practice is open at `now` (SPEC A4): some interval that
    /// started on a date that is not closed contains `now`. Start inclusive,
    /// end exclusive. The after-hours auto-responder answers when this is
    /// `false`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let Some(local) = local_time(now, self.time_zone) else {
            return false;
        };
        candidate_dates(local.date())
            .filter(|date| !self.closed_dates.contains(date))
            .any(|date| {
                self.intervals_on(date.weekday())
                    .any(|i| i.window().contains(self.time_zone, date, now))
            })
    }

    /// The first instant at or after `now` at which the practice is open
    /// (SPEC A4): `now` itself when open, otherwise the start of the next
    /// interval that is not on a closed date. `None` when the schedule has
    /// no intervals (never open), or at the far end of chrono's range.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.intervals.is_empty() {
            return None;
        }
        if self.is_open(now) {
            return Some(now);
        }
        let closed: BTreeSet<NaiveDate> = self.closed_dates.iter().copied().collect();
        let first = candidate_dates(local_time(now, self.time_zone)?.date()).next()?;
        // Each closed date removes one day; every weekday with an interval
        // comes round again within a week, so this finds the next opening
        // unless every occurrence in reach is closed or skipped by DST.
        let horizon = closed
            .len()
            .saturating_add(3)
            .saturating_mul(7)
            .saturating_add(4);
        days_from(first)
            .take(horizon)
            .filter(|date| !closed.contains(date))
            .find_map(|date| self.first_start_after(date, now))
    }

    /// The earliest start of a non-empty interval starting on `date` after `now`.
    fn first_start_after(&self, date: NaiveDate, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.intervals_on(date.weekday())
            .filter_map(|i| i.window().on(self.time_zone, date))
            .filter(|(from, to)| *from > now && from < to)
            .map(|(from, _)| from)
            .min()
    }

    fn intervals_on(&self, day: Weekday) -> impl Iterator<Item = &LocalInterval> {
        self.intervals.iter().filter(move |i| i.day == day)
    }
}

impl TryFrom<BusinessHoursJson> for BusinessHours {
    type Error = Vec<HoursError>;

    fn try_from(json: BusinessHoursJson) -> Result<Self, Self::Error> {
        let mut problems = Vec::new();
        let time_zone = serde_form::parse_time_zone(&json.time_zone)
            .map_err(|e| problems.push(e))
            .ok();
        let mut intervals = Vec::with_capacity(json.intervals.len());
        for interval in json.intervals {
            match LocalInterval::try_from(interval) {
                Ok(i) => intervals.push(i),
                Err(p) => problems.extend(p),
            }
        }
        let mut closed_dates = Vec::with_capacity(json.closed_dates.len());
        for date in &json.closed_dates {
            match serde_form::parse_date(date) {
                Ok(d) => closed_dates.push(d),
                Err(e) => problems.push(e),
            }
        }
        let hours = BusinessHours {
            time_zone: time_zone.unwrap_or(Tz::UTC),
            intervals,
            closed_dates,
        };
        problems.extend(hours.overlaps());
        match (time_zone, problems.is_empty()) {
            (Some(_), true) => Ok(hours),
            _ => Err(problems),
        }
    }
}

impl Serialize for BusinessHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let dates: Vec<String> = self.closed_dates.iter().map(|d| d.to_string()).collect();
        let mut s = serializer.serialize_struct("BusinessHours", 3)?;
        s.serialize_field("time_zone", self.time_zone.name())?;
        s.serialize_field("intervals", &self.intervals)?;
        s.serialize_field("closed_dates", &dates)?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for BusinessHours {
    /// Reads and checks a schedule; a refusal lists every problem, each as
    /// `code: message`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = BusinessHoursJson::deserialize(deserializer)?;
        BusinessHours::try_from(json).map_err(|p| serde_form::de_error(&p))
    }
}
