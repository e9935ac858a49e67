//! Time rules: business hours (SPEC A4), quiet hours (SPEC X1) and the
//! recipient's time zone from the area code (SPEC X1).
//!
//! - [`BusinessHours`]: an organization's weekly schedule in its own IANA
//!   time zone, several [`LocalInterval`]s a day, intervals past midnight,
//!   closed dates; [`BusinessHours::is_open`] is the after-hours
//!   auto-responder's question (A4) and [`BusinessHours::next_open`] says
//!   when the practice opens again.
//! - [`QuietHours`]: automated and bulk texts go out only between 09:00 and
//!   20:00 (configurable) in the recipient's local time; outside that they
//!   are deferred to [`QuietHours::next_allowed`], never dropped (X1).
//! - [`time_zone_for`]: the recipient's zone from the area code, generated
//!   from libphonenumber's metadata (see [`AREA_CODE_ZONE_SOURCE`]); `None`
//!   for toll-free numbers, and the caller falls back to the organization's
//!   zone (X1: "unless the caller knows better").
//!
//! # Daylight saving time
//!
//! Schedules are wall-clock times. A wall-clock time stands for the first
//! instant at which the zone's clocks show that time or later: a time that
//! exists twice (clocks fall back) is its first occurrence, a time that does
//! not exist (clocks spring forward) is the instant the clocks jump. An
//! interval is the continuous range of instants between its start and end
//! so mapped. In America/New_York an interval 01:30-03:00 on 2026-03-08
//! (spring forward at 02:00) is open 30 real minutes, 01:30 EST to 03:00 EDT;
//! an interval 01:00-01:30 on 2026-11-01 (fall back at 02:00) is open during
//! the first 01:00-01:30 (EDT) and not the repeated one (EST); 00:00-02:00 on
//! that day is open three real hours. An interval lying wholly in the
//! skipped hour is not open that day.
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use practicetext_core::hours::{BusinessHours, QuietHours};
//!
//! let hours: BusinessHours = serde_json::from_str(r#"{
//!     "time_zone": "America/New_York",
//!     "intervals": [
//!         {"day": "mon", "start": "08:00", "end": "12:00"},
//!         {"day": "mon", "start": "13:00", "end": "17:30"},
//!         {"day": "fri", "start": "18:00", "end": "02:00"}
//!     ],
//!     "closed_dates": ["2026-12-25"]
//! }"#)?;
//! let monday_9am: DateTime<Utc> = "2026-06-01T13:00:00Z".parse()?;
//! assert!(hours.is_open(monday_9am));
//! let monday_noon: DateTime<Utc> = "2026-06-01T16:00:00Z".parse()?;
//! assert_eq!(hours.next_open(monday_noon), Some("2026-06-01T17:00:00Z".parse()?));
//!
//! let quiet = QuietHours::default(); // 09:00-20:00
//! let la = chrono_tz::America::Los_Angeles;
//! let at_730 = "2026-06-01T14:30:00Z".parse()?; // 07:30 in Los Angeles
//! assert_eq!(quiet.next_allowed(at_730, la), "2026-06-01T16:00:00Z".parse::<DateTime<Utc>>()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod area_code_zones;
mod business;
mod local;
mod quiet;
mod serde_form;

pub use business::{BusinessHours, LocalInterval};
pub use quiet::QuietHours;

pub(crate) use local::local_time;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::phone::E164;

/// Where the libphonenumber metadata behind [`time_zone_for`] came from, and
/// when the table was generated (`tools/gen-area-codes`).
pub const AREA_CODE_ZONE_SOURCE: (&str, &str) =
    (area_code_zones::SOURCE, area_code_zones::GENERATED);

/// The recipient's time zone from the area code (SPEC X1), e.g.
/// `America/Los_Angeles` for +1 650.
///
/// `None` for toll-free numbers, which have no place; the caller then uses
/// what it knows better (a patient's address) or the organization's zone.
/// An area code spanning several zones gets the zone most of its exchanges
/// are in according to libphonenumber (the generated table lists them with
/// their shares): a hint, not a fact, for the minority of its numbers.
///
/// ```
/// use practicetext_core::{hours::time_zone_for, E164};
/// let n = E164::parse("(416) 555-1234")?;
/// assert_eq!(time_zone_for(n), Some(chrono_tz::America::Toronto));
/// assert_eq!(time_zone_for(E164::parse("800 555 1234")?), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn time_zone_for(number: E164) -> Option<Tz> {
    let index = *area_code_zones::NPA_ZONE.get(usize::from(number.area_code()))?;
    area_code_zones::ZONES
        .get(usize::from(index).checked_sub(1)?)
        .copied()
}

/// The instant a wall-clock time in `tz` stands for, by the rule in the
/// [module docs](self): the first instant at which the zone's clocks show
/// that time or later (a repeated time is its first occurrence, a skipped
/// one the instant the clocks jump). `None` only outside the range chrono
/// can represent. Hosts use it to read local times such as an
/// appointment's "2026-03-08 02:30" (SPEC B2).
///
/// ```
/// use chrono::NaiveDateTime;
/// use practicetext_core::hours::instant_at;
/// let local = NaiveDateTime::parse_from_str("2026-03-08 02:30", "%Y-%m-%d %H:%M")?;
/// let t = instant_at(chrono_tz::America::New_York, local).ok_or("representable")?;
/// assert_eq!(t.to_rfc3339(), "2026-03-08T07:00:00+00:00"); // 03:00 EDT
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn instant_at(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    local::first_instant_at(tz, local)
}

/// Why a schedule or a quiet-hours window was refused (SPEC A4, X1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// Not a time zone name of the IANA database.
    #[error("{name:?} is not an IANA time zone name; use one like \"America/New_York\"")]
    InvalidTimeZone {
        /// The name given.
        name: String,
    },
    /// A time not written `HH:MM` on the 24-hour clock, or with seconds.
    #[error(
        "{value:?} is not a time; write whole minutes on the 24-hour clock, like \"08:00\" or \"17:30\" (an interval may end at \"24:00\")"
    )]
    MalformedTime {
        /// The time as given.
        value: String,
    },
    /// A day that is not a day of the week.
    #[error("{value:?} is not a day of the week; use mon, tue, wed, thu, fri, sat or sun")]
    MalformedDay {
        /// The day as given.
        value: String,
    },
    /// A closed date not written `YYYY-MM-DD`.
    #[error("{value:?} is not a date; write closed dates like \"2026-12-25\"")]
    MalformedDate {
        /// The date as given.
        value: String,
    },
    /// An interval that starts and ends at the same time.
    #[error(
        "the interval {interval} starts and ends at the same time; an end earlier than the start runs past midnight, and a whole day is 00:00-24:00"
    )]
    EmptyInterval {
        /// The interval, e.g. `mon 09:00-09:00`.
        interval: String,
    },
    /// Two intervals of the weekly schedule share some time.
    #[error("the intervals {first} and {second} overlap; merge them into one or move one")]
    OverlappingHours {
        /// One interval, e.g. `fri 18:00-02:00`.
        first: String,
        /// The other, e.g. `sat 01:00-05:00`.
        second: String,
    },
    /// A quiet-hours window that allows no time at all.
    #[error("the quiet-hours window {window} allows no time; texts would never go out")]
    EmptyQuietWindow {
        /// The window, e.g. `09:00-09:00`.
        window: String,
    },
}

impl HoursError {
    /// Stable machine-readable code; bindings and the CLI map errors by it.
    pub fn code(&self) -> &'static str {
        match self {
            HoursError::InvalidTimeZone { .. } => "invalid_time_zone",
            HoursError::MalformedTime { .. } => "malformed_time",
            HoursError::MalformedDay { .. } => "malformed_day",
            HoursError::MalformedDate { .. } => "malformed_date",
            HoursError::EmptyInterval { .. } => "empty_interval",
            HoursError::OverlappingHours { .. } => "overlapping_hours",
            HoursError::EmptyQuietWindow { .. } => "empty_quiet_window",
        }
    }

    /// Every code [`HoursError::code`] can return, for documentation and bindings.
    pub const CODES: &'static [&'static str] = &[
        "invalid_time_zone",
        "malformed_time",
        "malformed_day",
        "malformed_date",
        "empty_interval",
        "overlapping_hours",
        "empty_quiet_window",
    ];
}

#[cfg(test)]
mod tests;
