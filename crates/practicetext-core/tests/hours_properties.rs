//! Properties of the time rules (SPEC A4 business hours, X1 quiet hours):
//! total over every instant chrono can represent and every valid schedule,
//! and the answers of `next_open` / `next_allowed` are what they claim.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use practicetext_core::hours::{BusinessHours, LocalInterval, QuietHours};
use proptest::prelude::*;

/// Zones a North American practice or recipient can be in, including the
/// odd ones (no DST, half-hour offset, Alaska's far west).
const NORTH_AMERICA: &[Tz] = &[
    chrono_tz::America::New_York,
    chrono_tz::America::Chicago,
    chrono_tz::America::Denver,
    chrono_tz::America::Phoenix,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Anchorage,
    chrono_tz::America::Adak,
    chrono_tz::Pacific::Honolulu,
    chrono_tz::America::St_Johns,
    chrono_tz::America::Halifax,
    chrono_tz::America::Regina,
    chrono_tz::America::Toronto,
    chrono_tz::America::Vancouver,
    chrono_tz::America::North_Dakota::Center,
    chrono_tz::America::Fort_Nelson,
];

fn any_zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec())
}

fn north_american_zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(NORTH_AMERICA.to_vec())
}

/// Any instant chrono can represent.
fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    prop_oneof![
        (min..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (min..min + 400_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (max - 400_000..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        plausible_instant(),
    ]
}

/// 1900 to 2200, to the second.
fn plausible_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-2_208_988_800i64..7_258_118_400).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn minute(m: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(m * 60, 0).unwrap()
}

/// A valid schedule: random intervals, each kept only if the schedule stays
/// valid with it, so overlaps, empty ones and wraps are all tried.
fn valid_schedule(zone: impl Strategy<Value = Tz>) -> impl Strategy<Value = BusinessHours> {
    let interval = (0u8..7, 0u32..1440, 1u32..=1440).prop_map(|(day, start, length)| {
        let day = Weekday::try_from(day).unwrap();
        LocalInterval {
            day,
            start: minute(start),
            end: minute((start + length) % 1440),
        }
    });
    let closed = prop::collection::vec(
        (1990i32..2110, 1u32..=366)
            .prop_filter_map("a real day", |(y, d)| NaiveDate::from_yo_opt(y, d)),
        0..20,
    );
    (zone, prop::collection::vec(interval, 0..12), closed).prop_map(|(tz, candidates, closed)| {
        let mut hours = BusinessHours {
            time_zone: tz,
            intervals: Vec::new(),
            closed_dates: closed,
        };
        for candidate in candidates {
            hours.intervals.push(candidate);
            if hours.validate().is_err() {
                hours.intervals.pop();
            }
        }
        hours
    })
}

fn valid_quiet_hours(min_length: u32) -> impl Strategy<Value = QuietHours> {
    (0u32..1440, min_length..1440).prop_map(|(start, length)| {
        QuietHours::new(minute(start), minute((start + length) % 1440)).unwrap()
    })
}

/// Schedule-shaped JSON from good and bad pieces, and now and then noise.
fn schedule_json() -> impl Strategy<Value = String> {
    let piece = |items: &'static [&'static str]| prop::sample::select(items.to_vec());
    let time = piece(&[
        "00:00",
        "08:00",
        "8:00",
        "12:30",
        "17:30",
        "23:59",
        "24:00",
        "24:01",
        "25:00",
        "08:60",
        "8",
        "08:00:00",
        "",
        " 08:00",
        "-1:00",
        "١٢:٠٠",
    ]);
    let interval = (
        piece(&["mon", "tue", "fri", "sat", "sun", "Sunday", "xyz", ""]),
        time.clone(),
        time.clone(),
    )
        .prop_map(|(d, s, e)| format!(r#"{{"day":"{d}","start":"{s}","end":"{e}"}}"#));
    let zone = piece(&[
        "America/New_York",
        "America/St_Johns",
        "UTC",
        "Mars/Base",
        "",
        "EST",
    ]);
    let date = piece(&["2026-12-25", "2026-02-30", "12/25/2026", "2026-1-1"]);
    prop_oneof![
        4 => (zone, prop::collection::vec(interval, 0..6), prop::collection::vec(date, 0..3))
            .prop_map(|(z, i, d)| format!(
                r#"{{"time_zone":"{z}","intervals":[{}],"closed_dates":[{}]}}"#,
                i.join(","),
                d.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(",")
            )),
        2 => (time.clone(), time).prop_map(|(s, e)| format!(r#"{{"start":"{s}","end":"{e}"}}"#)),
        1 => "\\PC{0,100}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a4_business_hours_are_total_and_next_open_is_open(
        hours in valid_schedule(any_zone()),
        now in any_instant(),
    ) {
        let open = hours.is_open(now);
        if let Some(next) = hours.next_open(now) {
            prop_assert!(next >= now);
            prop_assert!(hours.is_open(next), "{hours:?} next_open({now}) = {next} is closed");
            prop_assert_eq!(next == now, open);
        } else {
            prop_assert!(!open);
        }
    }

    #[test]
    fn a4_next_open_exists_and_nothing_before_it_is_open(
        hours in valid_schedule(north_american_zone()),
        now in plausible_instant(),
    ) {
        prop_assume!(!hours.intervals.is_empty());
        let next = hours.next_open(now);
        prop_assert!(next.is_some(), "{hours:?} never opens after {now}");
        let next = next.unwrap();
        // Sampled every 7 minutes: closed all the way from `now` to `next`.
        let mut t = now;
        while t < next && t < now + TimeDelta::days(3) {
            prop_assert!(!hours.is_open(t), "{hours:?} open at {t} before next_open {next}");
            t += TimeDelta::minutes(7);
        }
    }

    #[test]
    fn x1_quiet_hours_are_total(
        quiet in valid_quiet_hours(1),
        tz in any_zone(),
        now in any_instant(),
    ) {
        let allowed = quiet.is_allowed(now, tz);
        let next = quiet.next_allowed(now, tz);
        prop_assert!(next >= now);
        if next != DateTime::<Utc>::MAX_UTC {
            prop_assert_eq!(next == now, allowed);
            prop_assert!(quiet.is_allowed(next, tz), "{quiet:?} in {tz}: {next} not allowed");
        }
    }

    #[test]
    fn x1_window_at_agrees_with_is_allowed_and_next_allowed(
        quiet in valid_quiet_hours(1),
        tz in north_american_zone(),
        now in plausible_instant(),
    ) {
        let (from, to) = quiet.window_at(now, tz).unwrap();
        prop_assert!(from < to && now < to);
        prop_assert_eq!(from <= now, quiet.is_allowed(now, tz));
        if from > now {
            prop_assert_eq!(quiet.next_allowed(now, tz), from);
        }
        prop_assert!(quiet.is_allowed(from, tz));
        prop_assert!(quiet.is_allowed(to - TimeDelta::seconds(1), tz));
    }

    #[test]
    fn x1_default_window_defers_to_an_allowed_time_within_25_hours(
        tz in north_american_zone(),
        now in plausible_instant(),
    ) {
        let quiet = QuietHours::default();
        let next = quiet.next_allowed(now, tz);
        prop_assert!(next >= now);
        prop_assert!(next < now + TimeDelta::hours(25), "{now} in {tz}: {next}");
        prop_assert!(quiet.is_allowed(next, tz));
    }

    #[test]
    fn x1_any_window_of_three_hours_defers_within_25_hours(
        quiet in valid_quiet_hours(180),
        tz in north_american_zone(),
        now in plausible_instant(),
    ) {
        let next = quiet.next_allowed(now, tz);
        prop_assert!(next >= now);
        prop_assert!(next < now + TimeDelta::hours(25), "{quiet:?} {now} in {tz}: {next}");
        prop_assert!(quiet.is_allowed(next, tz));
    }

    #[test]
    fn a4_json_never_panics_and_what_it_accepts_is_valid(json in schedule_json()) {
        if let Ok(hours) = serde_json::from_str::<BusinessHours>(&json) {
            prop_assert_eq!(hours.validate(), Ok(()));
        }
        if let Ok(quiet) = serde_json::from_str::<QuietHours>(&json) {
            prop_assert_eq!(quiet.validate(), Ok(()));
        }
    }

    #[test]
    fn a4_valid_schedules_round_trip_through_json(hours in valid_schedule(any_zone())) {
        let json = serde_json::to_string(&hours).unwrap();
        let back: BusinessHours = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, hours);
    }
}
