//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use chrono::{TimeZone, Utc};
use chrono_tz::America::{Los_Angeles, New_York};

use super::*;
use crate::inbox::fixture::{org, other_org, user};
use crate::memory::MemoryStore;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[test]
fn v9_the_day_is_the_organizations_local_day() {
    // 23:59 in Los Angeles on 4 March (PST, UTC-8) is 07:59 UTC on 5 March.
    assert_eq!(
        local_day(utc(2025, 3, 5, 7, 59), Los_Angeles),
        day(2025, 3, 4)
    );
    assert_eq!(
        local_day(utc(2025, 3, 5, 8, 0), Los_Angeles),
        day(2025, 3, 5)
    );
    // The same instant is already 5 March in New York.
    assert_eq!(local_day(utc(2025, 3, 5, 7, 59), New_York), day(2025, 3, 5));
    // In summer (PDT, UTC-7) the local midnight is at 07:00 UTC.
    assert_eq!(
        local_day(utc(2025, 7, 5, 6, 59), Los_Angeles),
        day(2025, 7, 4)
    );
    assert_eq!(
        local_day(utc(2025, 7, 5, 7, 0), Los_Angeles),
        day(2025, 7, 5)
    );
}

#[test]
fn v9_texts_across_the_local_midnight_count_on_their_own_days() {
    let s = MemoryStore::new();
    let alice = user("alice");
    // 23:59 and 00:00 Los Angeles time.
    let before = Los_Angeles
        .with_ymd_and_hms(2025, 3, 4, 23, 59, 0)
        .unwrap()
        .with_timezone(&Utc);
    let after = Los_Angeles
        .with_ymd_and_hms(2025, 3, 5, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(before.date_naive(), after.date_naive(), "same UTC day");
    record_text(
        &s,
        &org(),
        Los_Angeles,
        Some(&alice),
        before,
        Direction::Outbound,
        2,
    )
    .unwrap();
    record_text(
        &s,
        &org(),
        Los_Angeles,
        Some(&alice),
        after,
        Direction::Outbound,
        1,
    )
    .unwrap();
    let r = report(&s, &org(), day(2025, 3, 4), day(2025, 3, 5)).unwrap();
    let per_day: Vec<(NaiveDate, u64, u64)> = r
        .rows
        .iter()
        .map(|row| (row.day, row.texts_out, row.segments_out))
        .collect();
    assert_eq!(per_day, [(day(2025, 3, 4), 1, 2), (day(2025, 3, 5), 1, 1)]);
    let only_fourth = report(&s, &org(), day(2025, 3, 4), day(2025, 3, 4)).unwrap();
    assert_eq!(only_fourth.total.texts_out, 1);
}

#[test]
fn v9_usage_per_user_per_day_with_organization_totals() {
    let s = MemoryStore::new();
    let (alice, bob) = (user("alice"), user("bob"));
    let d4 = day(2025, 3, 4);
    let d5 = day(2025, 3, 5);
    let d6 = day(2025, 3, 6);
    s.record(&org(), Some(&alice), d4, Direction::Outbound, 1)
        .unwrap();
    s.record(&org(), Some(&alice), d4, Direction::Outbound, 3)
        .unwrap();
    s.record(&org(), Some(&alice), d4, Direction::Inbound, 2)
        .unwrap();
    s.record(&org(), Some(&bob), d4, Direction::Inbound, 1)
        .unwrap();
    s.record(&org(), None, d4, Direction::Inbound, 1).unwrap();
    s.record(&org(), Some(&bob), d5, Direction::Outbound, 1)
        .unwrap();
    s.record(&org(), Some(&bob), d6, Direction::Outbound, 1)
        .unwrap();
    s.record(&other_org(), Some(&bob), d5, Direction::Outbound, 9)
        .unwrap();

    let r = report(&s, &org(), d4, d5).unwrap();
    type Line<'a> = (NaiveDate, Option<&'a str>, u64, u64, u64, u64);
    let rows: Vec<Line> = r
        .rows
        .iter()
        .map(|x| {
            let u = x.user.as_ref().map(|u| u.as_str());
            (
                x.day,
                u,
                x.texts_in,
                x.texts_out,
                x.segments_in,
                x.segments_out,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (d4, None, 1, 0, 1, 0),
            (d4, Some("alice"), 1, 2, 2, 4),
            (d4, Some("bob"), 1, 0, 1, 0),
            (d5, Some("bob"), 0, 1, 0, 1),
        ]
    );
    let days: Vec<(NaiveDate, UsageTotals)> = r.days.iter().map(|d| (d.day, d.totals)).collect();
    let t = |texts_in, texts_out, segments_in, segments_out| UsageTotals {
        texts_in,
        texts_out,
        segments_in,
        segments_out,
    };
    assert_eq!(days, [(d4, t(3, 2, 4, 4)), (d5, t(0, 1, 0, 1))]);
    assert_eq!(r.total, t(3, 3, 4, 5));
    assert_eq!((r.from, r.to), (d4, d5));
    // Another organization sees only its own.
    let theirs = report(&s, &other_org(), d4, d6).unwrap();
    assert_eq!(theirs.total, t(0, 1, 0, 9));
}

#[test]
fn v9_a_backwards_range_is_refused_and_an_empty_one_is_empty() {
    let s = MemoryStore::new();
    let e = report(&s, &org(), day(2025, 3, 5), day(2025, 3, 4)).unwrap_err();
    assert_eq!(e.code(), "invalid_date_range");
    let r = report(&s, &org(), day(2025, 3, 4), day(2025, 3, 4)).unwrap();
    assert!(r.rows.is_empty() && r.days.is_empty());
    assert_eq!(r.total, UsageTotals::default());
}

#[test]
fn v9_counters_saturate_instead_of_overflowing() {
    let mut row = UsageRow::empty(day(2025, 3, 4), None);
    row.segments_out = u64::MAX - 1;
    row.texts_out = u64::MAX;
    row.add_text(Direction::Outbound, u32::MAX);
    assert_eq!((row.texts_out, row.segments_out), (u64::MAX, u64::MAX));
}

#[test]
fn v9_report_json_contract() {
    let rows = vec![UsageRow {
        day: day(2025, 3, 4),
        user: Some(user("alice")),
        texts_in: 1,
        texts_out: 2,
        segments_in: 3,
        segments_out: 4,
    }];
    let r = summarize(day(2025, 3, 4), day(2025, 3, 4), rows);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["rows"][0]["day"], "2025-03-04");
    assert_eq!(json["rows"][0]["user"], "alice");
    assert_eq!(json["days"][0]["segments_out"], 4);
    assert_eq!(json["total"]["texts_out"], 2);
}
