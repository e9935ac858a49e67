//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::America::{New_York, Phoenix, St_Johns};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn interval(day: Weekday, start: &str, end: &str) -> LocalInterval {
    LocalInterval {
        day,
        start: time(start),
        end: if end == "24:00" {
            NaiveTime::MIN
        } else {
            time(end)
        },
    }
}

fn hours(tz: Tz, intervals: &[(Weekday, &str, &str)], closed: &[&str]) -> BusinessHours {
    BusinessHours::new(
        tz,
        intervals
            .iter()
            .map(|&(d, s, e)| interval(d, s, e))
            .collect(),
        closed.iter().map(|d| date(d)).collect(),
    )
    .unwrap()
}

fn codes(problems: &[HoursError]) -> Vec<&'static str> {
    problems.iter().map(HoursError::code).collect()
}

fn number(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

// ---- A4: open and closed ------------------------------------------------

#[test]
fn a4_interval_start_is_inclusive_and_end_exclusive() {
    // Monday 2026-06-01, New York is UTC-4 (EDT).
    let h = hours(New_York, &[(Weekday::Mon, "08:00", "17:30")], &[]);
    assert!(!h.is_open(at("2026-06-01T11:59:59Z")));
    assert!(h.is_open(at("2026-06-01T12:00:00Z")));
    assert!(h.is_open(at("2026-06-01T21:29:59Z")));
    assert!(!h.is_open(at("2026-06-01T21:30:00Z")));
    assert!(
        !h.is_open(at("2026-06-02T13:00:00Z")),
        "Tuesday has no hours"
    );
}

#[test]
fn a4_several_intervals_a_day_leave_the_lunch_break_closed() {
    let h = hours(
        New_York,
        &[
            (Weekday::Mon, "08:00", "12:00"),
            (Weekday::Mon, "13:00", "17:00"),
        ],
        &[],
    );
    assert!(h.is_open(at("2026-06-01T15:59:00Z")));
    assert!(!h.is_open(at("2026-06-01T16:30:00Z")));
    assert_eq!(
        h.next_open(at("2026-06-01T16:30:00Z")),
        Some(at("2026-06-01T17:00:00Z"))
    );
    assert!(h.is_open(at("2026-06-01T17:00:00Z")));
}

#[test]
fn a4_overnight_interval_ends_on_the_next_day() {
    // Emergency vet: Friday 18:00 to Saturday 02:00 (Fri 2026-06-05).
    let h = hours(New_York, &[(Weekday::Fri, "18:00", "02:00")], &[]);
    assert!(!h.is_open(at("2026-06-05T21:59:59Z")));
    assert!(h.is_open(at("2026-06-05T22:00:00Z")));
    assert!(h.is_open(at("2026-06-06T05:59:59Z"))); // Sat 01:59:59
    assert!(!h.is_open(at("2026-06-06T06:00:00Z"))); // Sat 02:00
    assert!(!h.is_open(at("2026-06-04T05:00:00Z")), "not Thursday night");
}

#[test]
fn a4_sunday_overnight_interval_wraps_into_monday() {
    let h = hours(New_York, &[(Weekday::Sun, "22:00", "06:00")], &[]);
    assert!(h.is_open(at("2026-06-08T02:00:00Z"))); // Sun 22:00
    assert!(h.is_open(at("2026-06-08T09:59:00Z"))); // Mon 05:59
    assert!(!h.is_open(at("2026-06-08T10:00:00Z"))); // Mon 06:00
    assert_eq!(
        h.next_open(at("2026-06-08T10:00:00Z")),
        Some(at("2026-06-15T02:00:00Z"))
    );
}

#[test]
fn a4_whole_day_is_00_00_to_24_00() {
    let h = hours(New_York, &[(Weekday::Wed, "00:00", "24:00")], &[]);
    assert!(!h.is_open(at("2026-06-03T03:59:59Z"))); // Tue 23:59:59
    assert!(h.is_open(at("2026-06-03T04:00:00Z"))); // Wed 00:00
    assert!(h.is_open(at("2026-06-04T03:59:59Z"))); // Wed 23:59:59
    assert!(!h.is_open(at("2026-06-04T04:00:00Z"))); // Thu 00:00
}

#[test]
fn a4_closed_date_skips_the_intervals_starting_on_it() {
    // Friday 2026-12-25 is closed; the next Friday is not.
    let h = hours(
        New_York,
        &[(Weekday::Fri, "08:00", "17:00")],
        &["2026-12-25"],
    );
    assert!(!h.is_open(at("2026-12-25T15:00:00Z")));
    assert_eq!(
        h.next_open(at("2026-12-24T15:00:00Z")),
        Some(at("2027-01-01T13:00:00Z"))
    );
    assert!(h.is_open(at("2027-01-01T15:00:00Z")));
}

#[test]
fn a4_overnight_interval_before_a_closed_date_runs_to_its_end() {
    // Fri 2026-12-25 18:00 to Sat 02:00; Saturday 2026-12-26 is closed, but
    // the interval belongs to Friday, so it runs to 02:00.
    let h = hours(
        New_York,
        &[(Weekday::Fri, "18:00", "02:00")],
        &["2026-12-26"],
    );
    assert!(h.is_open(at("2026-12-26T06:59:00Z"))); // Sat 01:59 EST
    assert!(!h.is_open(at("2026-12-26T07:00:00Z")));
}

#[test]
fn a4_overnight_interval_starting_on_a_closed_date_is_closed_past_midnight_too() {
    let h = hours(
        New_York,
        &[(Weekday::Fri, "18:00", "02:00")],
        &["2026-12-25"],
    );
    assert!(!h.is_open(at("2026-12-26T00:00:00Z"))); // Fri 19:00
    assert!(!h.is_open(at("2026-12-26T06:00:00Z"))); // Sat 01:00
    assert_eq!(
        h.next_open(at("2026-12-25T12:00:00Z")),
        Some(at("2027-01-01T23:00:00Z"))
    );
}

#[test]
fn a4_next_open_is_now_when_open_and_none_without_intervals() {
    let h = hours(New_York, &[(Weekday::Mon, "08:00", "17:00")], &[]);
    let now = at("2026-06-01T13:00:00Z");
    assert_eq!(h.next_open(now), Some(now));
    // Friday evening: next Monday 08:00 EDT.
    assert_eq!(
        h.next_open(at("2026-06-05T23:00:00Z")),
        Some(at("2026-06-08T12:00:00Z"))
    );
    let never = hours(New_York, &[], &[]);
    assert!(!never.is_open(now));
    assert_eq!(never.next_open(now), None);
}

#[test]
fn a4_next_open_skips_a_run_of_closed_dates() {
    let closed: Vec<String> = (0..10)
        .map(|week| {
            (date("2026-06-01") + chrono::Days::new(7 * week))
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    let closed: Vec<&str> = closed.iter().map(String::as_str).collect();
    let h = hours(New_York, &[(Weekday::Mon, "08:00", "17:00")], &closed);
    assert_eq!(
        h.next_open(at("2026-05-30T12:00:00Z")),
        Some(at("2026-08-10T12:00:00Z"))
    );
}

// ---- A4: daylight saving time ------------------------------------------

#[test]
fn a4_spring_forward_interval_0130_0300_is_open_half_an_hour() {
    // Sunday 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT.
    let h = hours(New_York, &[(Weekday::Sun, "01:30", "03:00")], &[]);
    assert!(!h.is_open(at("2026-03-08T06:29:59Z")));
    assert!(h.is_open(at("2026-03-08T06:30:00Z"))); // 01:30 EST
    assert!(h.is_open(at("2026-03-08T06:59:59Z"))); // 01:59:59 EST
    assert!(!h.is_open(at("2026-03-08T07:00:00Z"))); // 03:00 EDT
}

#[test]
fn a4_spring_forward_start_in_the_gap_opens_when_the_clocks_jump() {
    let h = hours(New_York, &[(Weekday::Sun, "02:30", "04:00")], &[]);
    assert_eq!(
        h.next_open(at("2026-03-07T12:00:00Z")),
        Some(at("2026-03-08T07:00:00Z"))
    );
    assert!(h.is_open(at("2026-03-08T07:00:00Z"))); // 03:00 EDT
    assert!(!h.is_open(at("2026-03-08T08:00:00Z"))); // 04:00 EDT
    // The Sunday before, a normal day: 02:30 EST.
    assert!(h.is_open(at("2026-03-01T07:30:00Z")));
}

#[test]
fn a4_interval_wholly_in_the_skipped_hour_is_not_open_that_day() {
    let h = hours(New_York, &[(Weekday::Sun, "02:00", "02:30")], &[]);
    assert!(!h.is_open(at("2026-03-08T07:00:00Z")));
    assert_eq!(
        h.next_open(at("2026-03-08T05:00:00Z")),
        Some(at("2026-03-15T06:00:00Z"))
    );
}

#[test]
fn a4_fall_back_repeated_hour_is_open_on_its_first_pass_only() {
    // Sunday 2026-11-01: New York clocks go from 02:00 EDT back to 01:00 EST.
    let h = hours(New_York, &[(Weekday::Sun, "01:00", "01:30")], &[]);
    assert!(h.is_open(at("2026-11-01T05:00:00Z"))); // 01:00 EDT
    assert!(h.is_open(at("2026-11-01T05:29:59Z")));
    assert!(!h.is_open(at("2026-11-01T05:30:00Z")));
    assert!(
        !h.is_open(at("2026-11-01T06:00:00Z")),
        "01:00 EST, second pass"
    );
    assert!(!h.is_open(at("2026-11-01T06:15:00Z")));
}

#[test]
fn a4_fall_back_interval_spanning_the_repeated_hour_lasts_longer() {
    let h = hours(New_York, &[(Weekday::Sun, "00:00", "02:00")], &[]);
    assert!(h.is_open(at("2026-11-01T04:00:00Z"))); // 00:00 EDT
    assert!(h.is_open(at("2026-11-01T06:30:00Z"))); // 01:30 EST
    assert!(h.is_open(at("2026-11-01T06:59:59Z")));
    assert!(!h.is_open(at("2026-11-01T07:00:00Z"))); // 02:00 EST: three real hours
    // Overnight across the change: Sat 22:00 EDT to Sun 02:00 EST.
    let night = hours(New_York, &[(Weekday::Sat, "22:00", "02:00")], &[]);
    assert!(night.is_open(at("2026-11-01T06:59:00Z")));
    assert!(!night.is_open(at("2026-11-01T07:00:00Z")));
}

#[test]
fn a4_phoenix_keeps_the_same_offset_all_year() {
    let h = hours(Phoenix, &[(Weekday::Mon, "08:00", "17:00")], &[]);
    // MST (UTC-7) on both sides of the US spring change.
    assert_eq!(
        h.next_open(at("2026-03-01T00:00:00Z")),
        Some(at("2026-03-02T15:00:00Z"))
    );
    assert_eq!(
        h.next_open(at("2026-03-08T12:00:00Z")),
        Some(at("2026-03-09T15:00:00Z"))
    );
    assert_eq!(
        h.next_open(at("2026-07-01T00:00:00Z")),
        Some(at("2026-07-06T15:00:00Z"))
    );
}

#[test]
fn a4_st_johns_half_hour_offset() {
    let h = hours(St_Johns, &[(Weekday::Mon, "09:00", "17:00")], &[]);
    // NST is UTC-3:30, NDT UTC-2:30.
    assert_eq!(
        h.next_open(at("2026-01-04T00:00:00Z")),
        Some(at("2026-01-05T12:30:00Z"))
    );
    assert!(!h.is_open(at("2026-01-05T12:29:59Z")));
    assert_eq!(
        h.next_open(at("2026-07-05T00:00:00Z")),
        Some(at("2026-07-06T11:30:00Z"))
    );
    assert!(!h.is_open(at("2026-07-06T19:30:00Z"))); // 17:00 NDT
}

// ---- A4: validation and JSON --------------------------------------------

#[test]
fn a4_overlapping_hours_are_refused_even_across_midnight_and_the_week_wrap() {
    for (a, b) in [
        (
            (Weekday::Mon, "08:00", "12:00"),
            (Weekday::Mon, "11:00", "13:00"),
        ),
        (
            (Weekday::Mon, "08:00", "17:00"),
            (Weekday::Mon, "08:00", "17:00"),
        ),
        (
            (Weekday::Mon, "08:00", "17:00"),
            (Weekday::Mon, "09:00", "10:00"),
        ),
        (
            (Weekday::Fri, "18:00", "02:00"),
            (Weekday::Sat, "01:00", "05:00"),
        ),
        (
            (Weekday::Sun, "22:00", "06:00"),
            (Weekday::Mon, "05:59", "07:00"),
        ),
        (
            (Weekday::Tue, "00:00", "24:00"),
            (Weekday::Mon, "23:00", "00:30"),
        ),
    ] {
        let problems = BusinessHours::new(
            New_York,
            vec![interval(a.0, a.1, a.2), interval(b.0, b.1, b.2)],
            vec![],
        )
        .unwrap_err();
        assert_eq!(codes(&problems), ["overlapping_hours"], "{a:?} {b:?}");
    }
}

#[test]
fn a4_touching_intervals_do_not_overlap() {
    let h = hours(
        New_York,
        &[
            (Weekday::Mon, "08:00", "12:00"),
            (Weekday::Mon, "12:00", "17:00"),
            (Weekday::Sun, "18:00", "24:00"),
            (Weekday::Mon, "00:00", "08:00"),
        ],
        &[],
    );
    assert_eq!(h.validate(), Ok(()));
    assert!(h.is_open(at("2026-06-01T16:00:00Z"))); // Mon 12:00
    assert!(h.is_open(at("2026-06-01T04:00:00Z"))); // Mon 00:00
}

#[test]
fn a4_empty_interval_and_seconds_are_refused_and_all_problems_listed() {
    let mut with_seconds = interval(Weekday::Tue, "08:00", "09:00");
    with_seconds.end = NaiveTime::from_hms_opt(9, 0, 30).unwrap();
    let h = BusinessHours {
        time_zone: New_York,
        intervals: vec![
            interval(Weekday::Mon, "09:00", "09:00"),
            with_seconds,
            interval(Weekday::Wed, "08:00", "12:00"),
            interval(Weekday::Wed, "10:00", "14:00"),
        ],
        closed_dates: vec![],
    };
    assert_eq!(
        codes(&h.problems()),
        ["empty_interval", "malformed_time", "overlapping_hours"]
    );
    assert_eq!(h.validate().unwrap_err().code(), "empty_interval");
    assert!(
        h.validate()
            .unwrap_err()
            .to_string()
            .contains("mon 09:00-09:00")
    );
}

#[test]
fn a4_json_round_trips_in_its_documented_form() {
    let json = r#"{"time_zone":"America/New_York","intervals":[{"day":"mon","start":"08:00","end":"17:30"},{"day":"fri","start":"18:00","end":"02:00"},{"day":"sat","start":"18:00","end":"24:00"}],"closed_dates":["2026-12-25"]}"#;
    let h: BusinessHours = serde_json::from_str(json).unwrap();
    assert_eq!(h.time_zone, New_York);
    assert_eq!(
        h.intervals.get(1),
        Some(&interval(Weekday::Fri, "18:00", "02:00"))
    );
    assert_eq!(h.intervals.get(2).map(|i| i.end), Some(NaiveTime::MIN));
    assert_eq!(h.closed_dates, vec![date("2026-12-25")]);
    assert_eq!(serde_json::to_string(&h).unwrap(), json);
    // Lenient where harmless: "Monday", "8:00", "00:00" as an end, no closed_dates.
    let h: BusinessHours = serde_json::from_str(
        r#"{"time_zone":"UTC","intervals":[{"day":"Monday","start":"8:00","end":"00:00"}]}"#,
    )
    .unwrap();
    assert_eq!(h.intervals, vec![interval(Weekday::Mon, "08:00", "24:00")]);
}

#[test]
fn a4_json_refusals_carry_codes_and_list_every_problem() {
    let err = |json: &str| {
        serde_json::from_str::<BusinessHours>(json)
            .unwrap_err()
            .to_string()
    };
    let e = err(r#"{"time_zone":"Mars/Base","intervals":[]}"#);
    assert!(e.starts_with("invalid_time_zone: "), "{e}");
    let e = err(
        r#"{"time_zone":"America/New_York","intervals":[{"day":"mon","start":"8am","end":"17:00"}]}"#,
    );
    assert!(e.starts_with("malformed_time: "), "{e}");
    let e = err(
        r#"{"time_zone":"America/New_York","intervals":[{"day":"mond","start":"08:00","end":"17:00"}]}"#,
    );
    assert!(e.starts_with("malformed_day: "), "{e}");
    let e = err(r#"{"time_zone":"America/New_York","intervals":[],"closed_dates":["12/25/2026"]}"#);
    assert!(e.starts_with("malformed_date: "), "{e}");
    let e = err(
        r#"{"time_zone":"America/New_York","intervals":[{"day":"mon","start":"08:00","end":"12:00"},{"day":"mon","start":"11:00","end":"13:00"}]}"#,
    );
    assert!(e.starts_with("overlapping_hours: "), "{e}");
    let e = err(
        r#"{"time_zone":"America/New_York","intervals":[{"day":"mon","start":"08:00","end":"08:00"}]}"#,
    );
    assert!(e.starts_with("empty_interval: "), "{e}");
    let e = err(
        r#"{"time_zone":"Nowhere","intervals":[{"day":"xyz","start":"25:00","end":"17:00"}],"closed_dates":["2026-02-30"]}"#,
    );
    for code in [
        "invalid_time_zone",
        "malformed_day",
        "malformed_time",
        "malformed_date",
    ] {
        assert!(e.contains(&format!("{code}: ")), "{code} missing in {e}");
    }
    let e = err(r#"{"time_zone":"UTC","intervals":[],"closed_date":["2026-12-25"]}"#);
    assert!(e.contains("unknown field"), "{e}");
    let e = serde_json::from_str::<LocalInterval>(r#"{"day":"mon","start":"24:00","end":"02:00"}"#)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("malformed_time: "), "{e}");
}

#[test]
fn a4_error_codes_are_listed() {
    let errors = [
        HoursError::InvalidTimeZone { name: "x".into() },
        HoursError::MalformedTime { value: "x".into() },
        HoursError::MalformedDay { value: "x".into() },
        HoursError::MalformedDate { value: "x".into() },
        HoursError::EmptyInterval {
            interval: "x".into(),
        },
        HoursError::OverlappingHours {
            first: "x".into(),
            second: "y".into(),
        },
        HoursError::EmptyQuietWindow { window: "x".into() },
    ];
    let listed: Vec<&str> = errors.iter().map(HoursError::code).collect();
    assert_eq!(listed, HoursError::CODES);
}

// ---- X1: quiet hours ----------------------------------------------------

#[test]
fn x1_before_nine_is_deferred_to_nine_the_same_day() {
    let la = time_zone_for(number("(650) 253-0000")).unwrap();
    let q = QuietHours::default();
    // 07:30 PDT on 2026-06-01.
    assert!(!q.is_allowed(at("2026-06-01T14:30:00Z"), la));
    assert_eq!(
        q.next_allowed(at("2026-06-01T14:30:00Z"), la),
        at("2026-06-01T16:00:00Z")
    );
    assert!(q.is_allowed(at("2026-06-01T16:00:00Z"), la));
}

#[test]
fn x1_at_eight_pm_is_deferred_to_nine_the_next_morning() {
    let la = chrono_tz::America::Los_Angeles;
    let q = QuietHours::default();
    assert!(q.is_allowed(at("2026-06-02T02:59:59Z"), la)); // 19:59:59 PDT
    let eight_pm = at("2026-06-02T03:00:00Z");
    assert!(!q.is_allowed(eight_pm, la));
    assert_eq!(q.next_allowed(eight_pm, la), at("2026-06-02T16:00:00Z"));
    assert_eq!(
        q.next_allowed(at("2026-06-02T02:59:59Z"), la),
        at("2026-06-02T02:59:59Z")
    );
    // Just after midnight: the same day's 09:00.
    assert_eq!(
        q.next_allowed(at("2026-06-02T07:30:00Z"), la),
        at("2026-06-02T16:00:00Z")
    );
}

#[test]
fn x1_deferral_follows_the_recipient_not_the_sender() {
    let q = QuietHours::default();
    let now = at("2026-06-01T14:30:00Z"); // 10:30 New York, 07:30 Los Angeles
    assert_eq!(
        q.next_allowed_for(now, number("212 555 1234"), Phoenix),
        now
    );
    assert_eq!(
        q.next_allowed_for(now, number("650 253 0000"), New_York),
        at("2026-06-01T16:00:00Z")
    );
    // Toll-free: the fallback zone decides.
    assert_eq!(
        q.next_allowed_for(now, number("800 555 1234"), New_York),
        now
    );
    assert_eq!(
        q.next_allowed_for(now, number("800 555 1234"), Phoenix),
        at("2026-06-01T16:00:00Z")
    );
}

#[test]
fn x1_across_both_2026_dst_changes() {
    let q = QuietHours::default();
    // 01:00 EST on spring-forward Sunday: 09:00 EDT the same day.
    assert_eq!(
        q.next_allowed(at("2026-03-08T06:00:00Z"), New_York),
        at("2026-03-08T13:00:00Z")
    );
    // 20:00 EDT on Saturday before fall-back: 09:00 EST on Sunday.
    assert_eq!(
        q.next_allowed(at("2026-11-01T00:00:00Z"), New_York),
        at("2026-11-01T14:00:00Z")
    );
}

#[test]
fn x1_window_start_in_a_dst_gap_opens_at_the_first_valid_instant_after_it() {
    let q = QuietHours::new(time("02:30"), time("05:00")).unwrap();
    assert_eq!(
        q.next_allowed(at("2026-03-08T06:00:00Z"), New_York),
        at("2026-03-08T07:00:00Z")
    );
    assert!(q.is_allowed(at("2026-03-08T07:00:00Z"), New_York)); // 03:00 EDT
}

#[test]
fn x1_window_is_configurable_and_may_run_past_midnight() {
    let q: QuietHours = serde_json::from_str(r#"{"start":"08:00","end":"21:00"}"#).unwrap();
    assert!(q.is_allowed(at("2026-06-01T12:00:00Z"), New_York)); // 08:00
    assert!(q.is_allowed(at("2026-06-02T00:59:00Z"), New_York)); // 20:59
    let night = QuietHours::new(time("22:00"), time("06:00")).unwrap();
    assert!(night.is_allowed(at("2026-06-02T03:00:00Z"), New_York)); // 23:00
    assert!(!night.is_allowed(at("2026-06-01T16:00:00Z"), New_York)); // 12:00
    assert_eq!(
        night.next_allowed(at("2026-06-01T16:00:00Z"), New_York),
        at("2026-06-02T02:00:00Z")
    );
}

#[test]
fn x1_quiet_hours_json_defaults_and_refusals() {
    let q: QuietHours = serde_json::from_str("{}").unwrap();
    assert_eq!(q, QuietHours::default());
    assert_eq!(
        serde_json::to_string(&q).unwrap(),
        r#"{"start":"09:00","end":"20:00"}"#
    );
    let q: QuietHours = serde_json::from_str(r#"{"end":"24:00"}"#).unwrap();
    assert_eq!(q.end, NaiveTime::MIN);
    assert_eq!(
        serde_json::to_string(&q).unwrap(),
        r#"{"start":"09:00","end":"24:00"}"#
    );
    let e = serde_json::from_str::<QuietHours>(r#"{"start":"10:00","end":"10:00"}"#).unwrap_err();
    assert!(e.to_string().starts_with("empty_quiet_window: "), "{e}");
    let e = serde_json::from_str::<QuietHours>(r#"{"start":"9","end":"8pm"}"#).unwrap_err();
    assert_eq!(e.to_string().matches("malformed_time: ").count(), 2, "{e}");
    assert_eq!(
        QuietHours::new(time("09:00"), time("09:00"))
            .unwrap_err()
            .code(),
        "empty_quiet_window"
    );
}

// ---- X1: time zone from the area code ----------------------------------

#[test]
fn x1_time_zone_for_known_area_codes() {
    use chrono_tz::America;
    for (n, tz) in [
        ("650 253 0000", America::Los_Angeles),
        ("212 555 1234", America::New_York),
        ("416 555 1234", America::Toronto),
        ("604 555 1234", America::Vancouver),
        ("808 555 1234", chrono_tz::Pacific::Honolulu),
        ("709 555 1234", America::St_Johns),
        ("602 555 1234", America::Phoenix),
        ("312 555 1234", America::Chicago),
    ] {
        assert_eq!(time_zone_for(number(n)), Some(tz), "{n}");
    }
    let alaska = time_zone_for(number("907 555 1234")).unwrap();
    assert!(
        [
            America::Anchorage,
            America::Juneau,
            America::Sitka,
            America::Nome,
            America::Yakutat
        ]
        .contains(&alaska),
        "{alaska}"
    );
}

#[test]
fn x1_toll_free_has_no_zone_and_every_geographic_code_has_one() {
    for code in ["800", "833", "844", "855", "866", "877", "888"] {
        assert_eq!(
            time_zone_for(number(&format!("{code} 555 1234"))),
            None,
            "{code}"
        );
    }
    let mut geographic = 0;
    for npa in 200..1000 {
        if let Ok(n) = E164::parse(&format!("{npa} 555 1234")) {
            match n.region() {
                crate::Region::US | crate::Region::CA => {
                    geographic += 1;
                    assert!(time_zone_for(n).is_some(), "{npa}");
                }
                crate::Region::TollFree => assert_eq!(time_zone_for(n), None),
            }
        }
    }
    assert!(geographic > 400, "{geographic}");
    assert!(AREA_CODE_ZONE_SOURCE.0.contains("phonenumbers"));
}
