//! Quiet hours (SPEC X1): when automated and bulk texts may go out.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::local::{Window, candidate_dates, days_from, local_time};
use super::serde_form::{self, QuietHoursJson, format_end, format_time, is_whole_minute};
use super::{HoursError, time_zone_for};
use crate::phone::E164;

/// The window in which automated and bulk texts (alerts, reminders) may go
/// out, in the recipient's local time (SPEC X1; compliance notes §2 and
/// "Implications" 7): from `start` (inclusive) until `end` (exclusive),
/// 09:00-20:00 by default, the strictest common reading of the federal and
/// state rules (Connecticut's 9 am start, the 8 pm end of FL, OK, MD, WA).
/// Outside it a text is deferred to [`QuietHours::next_allowed`], never
/// dropped. Keyword replies, replies inside a conversation the patient
/// started and texts a staff member types are exempt; that choice is the
/// caller's.
///
/// Times are wall-clock times handled as the [module docs](super) describe:
/// a `start` that does not exist on a day (clocks spring forward) opens the
/// window at the first valid instant after it. An `end` earlier than `start`
/// makes a window that runs past midnight; midnight as an end is written
/// `"24:00"`. A window whose `start` equals its
/// `end` allows nothing and is refused by [`QuietHours::new`], JSON and
/// [`QuietHours::validate`]; the methods, which never panic, read such a
/// value built in code as the whole day.
///
/// JSON: `{"start":"09:00","end":"20:00"}`; either may be left out and takes
/// its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuietHours {
    /// Texts may go out from this local time on (default 09:00).
    pub start: NaiveTime,
    /// Texts may go out until just before this local time (default 20:00).
    pub end: NaiveTime,
}

impl Default for QuietHours {
    /// 09:00-20:00 (SPEC X1).
    fn default() -> Self {
        QuietHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN), // ok: constant
            end: NaiveTime::from_hms_opt(20, 0, 0).unwrap_or(NaiveTime::MIN),  // ok: constant
        }
    }
}

impl QuietHours {
    /// A checked window (SPEC X1); refuses times with seconds
    /// (`malformed_time`) and an empty window (`empty_quiet_window`).
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<QuietHours, HoursError> {
        let quiet = QuietHours { start, end };
        quiet.validate().map(|()| quiet)
    }

    /// Checks the window (SPEC X1): whole minutes, and `start` != `end`.
    pub fn validate(&self) -> Result<(), HoursError> {
        if let Some(t) = [self.start, self.end]
            .into_iter()
            .find(|t| !is_whole_minute(*t))
        {
            return Err(HoursError::MalformedTime {
                value: format_time(t),
            });
        }
        if self.start == self.end {
            return Err(HoursError::EmptyQuietWindow {
                window: format!("{}-{}", format_time(self.start), format_end(self.end)),
            });
        }
        Ok(())
    }

    fn window(self) -> Window {
        Window {
            start: self.start,
            end: self.end,
        }
    }

    /// Whether an automated or bulk text may go out at `now` to a recipient
    /// in `tz` (SPEC X1): `start` <= local time < `end`. At the far ends of
    /// chrono's range, where local time cannot be represented: `false`.
    pub fn is_allowed(&self, now: DateTime<Utc>, tz: Tz) -> bool {
        let Some(local) = local_time(now, tz) else {
            return false;
        };
        candidate_dates(local.date()).any(|date| self.window().contains(tz, date, now))
    }

    /// When an automated or bulk text due at `now` may go out to a recipient
    /// in `tz` (SPEC X1): `now` when allowed, otherwise the next local
    /// `start` (the first valid instant after it if the clocks skip it that
    /// day). Deferred, never dropped; with the default window the answer is
    /// always less than 25 hours away. Where no later instant can be
    /// represented (year 262143), [`DateTime::<Utc>::MAX_UTC`].
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use practicetext_core::hours::QuietHours;
    /// let la = chrono_tz::America::Los_Angeles;
    /// let at = |s: &str| s.parse::<DateTime<Utc>>();
    /// // 20:00 in Los Angeles: deferred to 09:00 the next morning.
    /// assert_eq!(QuietHours::default().next_allowed(at("2026-06-02T03:00:00Z")?, la), at("2026-06-02T16:00:00Z")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_allowed(&self, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        if self.is_allowed(now, tz) {
            return now;
        }
        local_time(now, tz)
            .and_then(|local| candidate_dates(local.date()).next())
            .and_then(|first| {
                // A window lying wholly in a skipped hour is empty that day;
                // the next day's is not, so a few days always suffice.
                days_from(first)
                    .take(8)
                    .filter_map(|date| self.window().on(tz, date))
                    .find(|(from, to)| *from > now && from < to)
            })
            .map_or(DateTime::<Utc>::MAX_UTC, |(from, _)| from)
    }

    /// The allowed window `[from, to)` that contains `now`, or the next one
    /// when `now` is in quiet hours, for a recipient in `tz` (SPEC X1). A
    /// planner that releases many texts asks once per window instead of
    /// once per text. `None` only where no window can be represented.
    ///
    /// ```
    /// use chrono::{DateTime, Utc};
    /// use practicetext_core::hours::QuietHours;
    /// let at = |s: &str| s.parse::<DateTime<Utc>>();
    /// let ny = chrono_tz::America::New_York;
    /// let (from, to) = QuietHours::default()
    ///     .window_at(at("2026-06-02T03:00:00Z")?, ny)
    ///     .ok_or("a window")?;
    /// assert_eq!((from, to), (at("2026-06-02T13:00:00Z")?, at("2026-06-03T00:00:00Z")?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn window_at(&self, now: DateTime<Utc>, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let first = candidate_dates(local_time(now, tz)?.date()).next()?;
        days_from(first)
            .take(8)
            .filter_map(|date| self.window().on(tz, date))
            .find(|(from, to)| from < to && now < *to)
    }

    /// [`QuietHours::next_allowed`] for a recipient number: its zone from
    /// the area code ([`time_zone_for`]), or `fallback` (the organization's
    /// zone, or one the caller knows better) for toll-free numbers.
    pub fn next_allowed_for(&self, now: DateTime<Utc>, to: E164, fallback: Tz) -> DateTime<Utc> {
        self.next_allowed(now, time_zone_for(to).unwrap_or(fallback))
    }
}

impl Serialize for QuietHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("QuietHours", 2)?;
        s.serialize_field("start", &format_time(self.start))?;
        s.serialize_field("end", &format_end(self.end))?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for QuietHours {
    /// Reads and checks a window; a refusal lists every problem, each as
    /// `code: message`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = QuietHoursJson::deserialize(deserializer)?;
        let default = QuietHours::default();
        let read = |value: Option<String>, default: NaiveTime, end_of_day: bool| {
            value.map_or(Ok(default), |v| serde_form::parse_time(&v, end_of_day))
        };
        let start = read(json.start, default.start, false);
        let end = read(json.end, default.end, true);
        match (start, end) {
            (Ok(start), Ok(end)) => {
                QuietHours::new(start, end).map_err(|e| serde_form::de_error(&[e]))
            }
            (start, end) => {
                let problems: Vec<HoursError> =
                    [start.err(), end.err()].into_iter().flatten().collect();
                Err(serde_form::de_error(&problems))
            }
        }
    }
}
