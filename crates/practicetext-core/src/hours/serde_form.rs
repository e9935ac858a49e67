//! The JSON form of schedules (a public contract): days as `"mon"`, times as
//! `"HH:MM"` on the 24-hour clock, dates as `"YYYY-MM-DD"`, time zones by
//! IANA name. Parsing gives typed [`HoursError`]s; the `Deserialize` impls
//! turn them into serde errors that start with the error's code.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

use super::HoursError;

/// Reads `"8:00"`, `"08:00"` or `"23:59"`; `"24:00"` too when `end_of_day`
/// (it is midnight at the end of the day, stored as 00:00).
pub(crate) fn parse_time(value: &str, end_of_day: bool) -> Result<NaiveTime, HoursError> {
    let malformed = || HoursError::MalformedTime {
        value: value.to_owned(),
    };
    let (h, m) = value.split_once(':').ok_or_else(malformed)?;
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (hour, minute) = match (digits(h, 2), digits(m, 2)) {
        (Some(hour), Some(minute)) if m.len() == 2 => (hour, minute),
        _ => return Err(malformed()),
    };
    match (hour, minute) {
        (24, 0) if end_of_day => Ok(NaiveTime::MIN),
        _ => NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(malformed),
    }
}

/// Writes `"08:00"` (`"08:00:30"` if a time built in code has seconds, so
/// that it is refused on the way back in rather than silently rounded).
pub(crate) fn format_time(t: NaiveTime) -> String {
    if is_whole_minute(t) {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S%.f").to_string()
    }
}

/// An interval's end: midnight is written `"24:00"`.
pub(crate) fn format_end(t: NaiveTime) -> String {
    if t == NaiveTime::MIN {
        "24:00".to_owned()
    } else {
        format_time(t)
    }
}

/// Schedules have minute resolution.
pub(crate) fn is_whole_minute(t: NaiveTime) -> bool {
    t.second() == 0 && t.nanosecond() == 0
}

/// Reads a day: `"mon"` (also `"Monday"`, any case).
pub(crate) fn parse_day(value: &str) -> Result<Weekday, HoursError> {
    Weekday::from_str(value).map_err(|_| HoursError::MalformedDay {
        value: value.to_owned(),
    })
}

/// Writes a day: `"mon"`.
pub(crate) fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// Reads a closed date, `"2026-12-25"`.
pub(crate) fn parse_date(value: &str) -> Result<NaiveDate, HoursError> {
    let well_formed = value.len() == 10 && value.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    well_formed
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| HoursError::MalformedDate {
            value: value.to_owned(),
        })
}

/// Reads an IANA time zone name, exactly as the database spells it.
pub(crate) fn parse_time_zone(name: &str) -> Result<Tz, HoursError> {
    Tz::from_str(name).map_err(|_| HoursError::InvalidTimeZone {
        name: name.to_owned(),
    })
}

/// A serde error carrying every problem, each as `code: message`.
pub(crate) fn de_error<E: serde::de::Error>(problems: &[HoursError]) -> E {
    let text: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {p}", p.code()))
        .collect();
    E::custom(text.join("; "))
}

/// `{"day":"mon","start":"08:00","end":"17:30"}` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntervalJson {
    pub(crate) day: String,
    pub(crate) start: String,
    pub(crate) end: String,
}

/// A business-hours schedule as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BusinessHoursJson {
    pub(crate) time_zone: String,
    pub(crate) intervals: Vec<IntervalJson>,
    #[serde(default)]
    pub(crate) closed_dates: Vec<String>,
}

/// A quiet-hours window as written; either bound may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuietHoursJson {
    pub(crate) start: Option<String>,
    pub(crate) end: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_time_strings_parse_strictly() {
        assert_eq!(
            parse_time("08:00", false).unwrap(),
            NaiveTime::from_hms_opt(8, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("8:05", false).map(format_time).as_deref(),
            Ok("08:05")
        );
        assert_eq!(parse_time("24:00", true), Ok(NaiveTime::MIN));
        for bad in [
            "",
            "8",
            "08:0",
            "08:000",
            "24:00",
            "24:01",
            "23:60",
            "-1:00",
            "+8:00",
            " 08:00",
            "08:00 ",
            "08:00:00",
            "٠٨:٠٠",
            "8h00",
            "008:00",
            ":",
            "12:",
        ] {
            let e = parse_time(bad, false).unwrap_err();
            assert_eq!(e.code(), "malformed_time", "{bad:?}");
        }
        assert_eq!(
            parse_time("24:30", true).unwrap_err().code(),
            "malformed_time"
        );
    }

    #[test]
    fn a4_days_dates_and_zones_parse_with_typed_errors() {
        assert_eq!(parse_day("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_day("Sunday"), Ok(Weekday::Sun));
        assert_eq!(parse_day("mo").unwrap_err().code(), "malformed_day");
        assert_eq!(
            parse_date("2026-12-25").map(|d| d.to_string()).as_deref(),
            Ok("2026-12-25")
        );
        for bad in [
            "2026-02-30",
            "2026-1-5",
            "25/12/2026",
            "+2026-12-25",
            "2026-12-25T00:00",
        ] {
            assert_eq!(
                parse_date(bad).unwrap_err().code(),
                "malformed_date",
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_time_zone("America/St_Johns"),
            Ok(chrono_tz::America::St_Johns)
        );
        for bad in ["", "Mars/Olympus_Mons", "EST5EDT ", "america/new_york"] {
            assert_eq!(
                parse_time_zone(bad).unwrap_err().code(),
                "invalid_time_zone",
                "{bad:?}"
            );
        }
    }
}
