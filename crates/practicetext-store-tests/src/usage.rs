//! Conformance checks for [`UsageStore`] (SPEC V9): every promise of the
//! trait's documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`usage_store_tests!`](crate::usage_store_tests) (a test of this crate
//! fails otherwise).

use chrono::NaiveDate;
use practicetext_core::conversation::Direction;
use practicetext_core::ids::{OrganizationId, Username};
use practicetext_core::inbox::usage::UsageRow;
use practicetext_core::ports::UsageStore;

use crate::fixtures::{shuffled_keys, sorted_keys};

/// Generates one `#[test]` per [`UsageStore`] check in a module `usage`;
/// see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! usage_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            usage,
            $factory,
            [
                v9_record_counts_texts_and_segments_per_direction,
                v9_rows_are_per_day_and_user,
                usage_is_sorted_by_day_then_user_with_none_first,
                usage_range_is_inclusive,
                days_without_texts_have_no_row,
                usage_is_scoped_to_the_organization,
                concurrent_records_all_count,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("a November day")
}

fn row(d: u32, user: Option<&str>, counts: [u64; 4]) -> UsageRow {
    UsageRow {
        day: day(d),
        user: user.map(Username::new),
        texts_in: counts[0],
        texts_out: counts[1],
        segments_in: counts[2],
        segments_out: counts[3],
    }
}

/// Each text adds one to its direction's texts and its segments to that
/// direction's segments (V9).
pub fn v9_record_counts_texts_and_segments_per_direction<S: UsageStore>(store: &S) {
    let org = org_id("org-a");
    let amir = Username::new("amir");
    store
        .record(&org, Some(&amir), day(1), Direction::Inbound, 1)
        .unwrap();
    store
        .record(&org, Some(&amir), day(1), Direction::Inbound, 3)
        .unwrap();
    store
        .record(&org, Some(&amir), day(1), Direction::Outbound, 2)
        .unwrap();
    store
        .record(&org, Some(&amir), day(1), Direction::Outbound, 0)
        .unwrap();
    store
        .record(&org, Some(&amir), day(1), Direction::Outbound, u32::MAX)
        .unwrap();
    let want = row(1, Some("amir"), [2, 3, 4, 2 + u64::from(u32::MAX)]);
    assert_eq!(store.usage(&org, day(1), day(1)).unwrap(), vec![want]);
}

/// Counters are kept per day and per user; texts of no single user have a
/// row of their own (`None`), apart from a user with an empty name.
pub fn v9_rows_are_per_day_and_user<S: UsageStore>(store: &S) {
    let org = org_id("org-a");
    let (amir, empty) = (Username::new("amir"), Username::new(""));
    store
        .record(&org, Some(&amir), day(1), Direction::Inbound, 1)
        .unwrap();
    store
        .record(&org, None, day(1), Direction::Inbound, 2)
        .unwrap();
    store
        .record(&org, Some(&empty), day(1), Direction::Outbound, 4)
        .unwrap();
    store
        .record(&org, Some(&amir), day(2), Direction::Outbound, 3)
        .unwrap();
    let want = vec![
        row(1, None, [1, 0, 2, 0]),
        row(1, Some(""), [0, 1, 0, 4]),
        row(1, Some("amir"), [1, 0, 1, 0]),
        row(2, Some("amir"), [0, 1, 0, 3]),
    ];
    assert_eq!(store.usage(&org, day(1), day(2)).unwrap(), want);
}

/// Rows are sorted by day, then by user in byte order with `None` first,
/// whatever order they were recorded in.
pub fn usage_is_sorted_by_day_then_user_with_none_first<S: UsageStore>(store: &S) {
    let org = org_id("org-a");
    for d in [3, 1, 2] {
        for name in shuffled_keys() {
            let u = Username::new(name);
            store
                .record(&org, Some(&u), day(d), Direction::Inbound, 1)
                .unwrap();
        }
        store
            .record(&org, None, day(d), Direction::Inbound, 1)
            .unwrap();
    }
    let got = store.usage(&org, day(1), day(3)).unwrap();
    let mut want = Vec::new();
    for d in 1..=3 {
        want.push((day(d), None));
        want.extend(
            sorted_keys()
                .into_iter()
                .map(|k| (day(d), Some(k.to_owned()))),
        );
    }
    let got: Vec<_> = got
        .into_iter()
        .map(|r| (r.day, r.user.map(|u| u.to_string())))
        .collect();
    assert_eq!(got, want);
}

/// `from` and `to` are both included; a range with `from` after `to` is
/// empty.
pub fn usage_range_is_inclusive<S: UsageStore>(store: &S) {
    let org = org_id("org-a");
    for d in 1..=5 {
        store
            .record(&org, None, day(d), Direction::Inbound, 1)
            .unwrap();
    }
    let days = |from, to| -> Vec<NaiveDate> {
        store
            .usage(&org, day(from), day(to))
            .unwrap()
            .into_iter()
            .map(|r| r.day)
            .collect()
    };
    assert_eq!(days(2, 4), [day(2), day(3), day(4)]);
    assert_eq!(days(5, 5), [day(5)]);
    assert_eq!(days(4, 2), Vec::<NaiveDate>::new());
    assert_eq!(days(6, 9), Vec::<NaiveDate>::new());
}

/// Days and users with no texts have no row.
pub fn days_without_texts_have_no_row<S: UsageStore>(store: &S) {
    let org = org_id("org-a");
    store
        .record(&org, None, day(1), Direction::Inbound, 1)
        .unwrap();
    store
        .record(&org, None, day(4), Direction::Inbound, 1)
        .unwrap();
    let got = store.usage(&org, day(1), day(30)).unwrap();
    assert_eq!(
        got,
        vec![row(1, None, [1, 0, 1, 0]), row(4, None, [1, 0, 1, 0])]
    );
}

/// One organization's texts never count for another.
pub fn usage_is_scoped_to_the_organization<S: UsageStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let amir = Username::new("amir");
    store
        .record(&a, Some(&amir), day(1), Direction::Inbound, 1)
        .unwrap();
    assert_eq!(store.usage(&b, day(1), day(1)).unwrap(), vec![]);
    store
        .record(&b, Some(&amir), day(1), Direction::Outbound, 2)
        .unwrap();
    assert_eq!(
        store.usage(&a, day(1), day(1)).unwrap(),
        vec![row(1, Some("amir"), [1, 0, 1, 0])]
    );
    assert_eq!(
        store.usage(&b, day(1), day(1)).unwrap(),
        vec![row(1, Some("amir"), [0, 1, 0, 2])]
    );
}

/// Texts recorded from several threads at once all count.
pub fn concurrent_records_all_count<S: UsageStore>(store: &S) {
    const THREADS: u64 = 4;
    const EACH: u64 = 25;
    let org = org_id("org-a");
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let org = org.clone();
            s.spawn(move || {
                for _ in 0..EACH {
                    store
                        .record(&org, None, day(1), Direction::Outbound, 2)
                        .unwrap();
                }
            });
        }
    });
    let n = THREADS * EACH;
    assert_eq!(
        store.usage(&org, day(1), day(1)).unwrap(),
        vec![row(1, None, [0, n, 0, 2 * n])]
    );
}
