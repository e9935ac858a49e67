//! Conformance checks for [`RateWindowStore`] (SPEC A2, X4, B5): every
//! promise of the trait's documentation, checked the same way on every
//! store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`rate_store_tests!`](crate::rate_store_tests) (a test of this crate
//! fails otherwise).

use chrono::TimeDelta;
use practicetext_core::ids::OrganizationId;
use practicetext_core::ports::{RateKey, RateWindowStore};

use crate::fixtures::{at, at_ms};

/// Generates one `#[test]` per [`RateWindowStore`] check in a module
/// `rate`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! rate_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            rate,
            $factory,
            [
                first_acquisition_succeeds,
                a2_window_blocks_until_its_end_exclusive,
                a_refused_acquisition_is_not_recorded,
                zero_window_always_succeeds_and_records,
                last_acquired_is_the_latest_success,
                never_acquired_key_has_no_last_and_no_count,
                count_since_counts_successes_at_or_after_since,
                an_earlier_now_is_judged_by_the_acquisitions_before_it,
                keys_are_independent,
                rate_windows_are_scoped_to_the_organization,
                a2_concurrent_acquisitions_at_one_instant_succeed_once,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

/// A key like the auto-reply key: kind, organization and a phone number.
fn key(n: u32) -> RateKey {
    RateKey::new(format!("autoreply:org-a:+1650253{n:04}"))
}

fn thirty() -> TimeDelta {
    TimeDelta::seconds(30)
}

/// A key never acquired is acquired at once.
pub fn first_acquisition_succeeds<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    assert!(store.try_acquire(&org, &key(1), thirty(), at(0)).unwrap());
    assert_eq!(store.last_acquired(&org, &key(1)).unwrap(), Some(at(0)));
}

/// An acquisition at `t` blocks until `t + window`, exclusive: at 29.999 s
/// of a 30 s window the answer is `false`, at 30 s `true` (A2).
pub fn a2_window_blocks_until_its_end_exclusive<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    assert!(store.try_acquire(&org, &key(1), thirty(), at(0)).unwrap());
    assert!(!store.try_acquire(&org, &key(1), thirty(), at(0)).unwrap());
    assert!(
        !store
            .try_acquire(&org, &key(1), thirty(), at_ms(1))
            .unwrap()
    );
    assert!(
        !store
            .try_acquire(&org, &key(1), thirty(), at_ms(29_999))
            .unwrap()
    );
    assert!(store.try_acquire(&org, &key(1), thirty(), at(30)).unwrap());
    assert!(
        !store
            .try_acquire(&org, &key(1), thirty(), at_ms(59_999))
            .unwrap()
    );
    assert!(store.try_acquire(&org, &key(1), thirty(), at(60)).unwrap());
}

/// A refusal records nothing: the window still runs from the last success,
/// and neither `last_acquired` nor `count_since` moves.
pub fn a_refused_acquisition_is_not_recorded<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    assert!(store.try_acquire(&org, &key(1), thirty(), at(0)).unwrap());
    assert!(!store.try_acquire(&org, &key(1), thirty(), at(20)).unwrap());
    assert_eq!(store.last_acquired(&org, &key(1)).unwrap(), Some(at(0)));
    assert_eq!(store.count_since(&org, &key(1), at(0)).unwrap(), 1);
    assert!(
        store.try_acquire(&org, &key(1), thirty(), at(30)).unwrap(),
        "the window runs from the success at 0, not the refusal at 20"
    );
}

/// A zero window always succeeds, even twice at one instant, and counts
/// every acquisition.
pub fn zero_window_always_succeeds_and_records<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    let zero = TimeDelta::zero();
    for _ in 0..3 {
        assert!(store.try_acquire(&org, &key(1), zero, at(5)).unwrap());
    }
    assert!(store.try_acquire(&org, &key(1), zero, at(6)).unwrap());
    assert_eq!(store.count_since(&org, &key(1), at(0)).unwrap(), 4);
    assert_eq!(store.last_acquired(&org, &key(1)).unwrap(), Some(at(6)));
}

/// `last_acquired` is the latest successful acquisition, with millisecond
/// precision.
pub fn last_acquired_is_the_latest_success<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    for ms in [0, 30_000, 61_234] {
        assert!(
            store
                .try_acquire(&org, &key(1), thirty(), at_ms(ms))
                .unwrap()
        );
    }
    assert_eq!(
        store.last_acquired(&org, &key(1)).unwrap(),
        Some(at_ms(61_234))
    );
}

/// A key never acquired has no last acquisition and a count of zero.
pub fn never_acquired_key_has_no_last_and_no_count<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    assert!(store.try_acquire(&org, &key(1), thirty(), at(0)).unwrap());
    assert_eq!(store.last_acquired(&org, &key(2)).unwrap(), None);
    assert_eq!(store.count_since(&org, &key(2), at(-100)).unwrap(), 0);
}

/// `count_since` counts the successes at or after `since` (inclusive), over
/// a day of acquisitions (the X4 daily cap looks back 24 hours).
pub fn count_since_counts_successes_at_or_after_since<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    let hour = 3600;
    for h in 0..24 {
        assert!(
            store
                .try_acquire(&org, &key(1), thirty(), at(h * hour))
                .unwrap()
        );
    }
    assert_eq!(store.count_since(&org, &key(1), at(0)).unwrap(), 24);
    assert_eq!(store.count_since(&org, &key(1), at(-1)).unwrap(), 24);
    assert_eq!(store.count_since(&org, &key(1), at(20 * hour)).unwrap(), 4);
    assert_eq!(
        store
            .count_since(&org, &key(1), at_ms(20 * hour * 1000 + 1))
            .unwrap(),
        3
    );
    assert_eq!(store.count_since(&org, &key(1), at(24 * hour)).unwrap(), 0);
}

/// A caller whose `now` is earlier than a recorded acquisition (a late
/// worker) is judged by the acquisitions before its `now` only.
pub fn an_earlier_now_is_judged_by_the_acquisitions_before_it<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    assert!(store.try_acquire(&org, &key(1), thirty(), at(100)).unwrap());
    assert!(store.try_acquire(&org, &key(1), thirty(), at(50)).unwrap());
    assert!(!store.try_acquire(&org, &key(1), thirty(), at(70)).unwrap());
    assert!(store.try_acquire(&org, &key(1), thirty(), at(80)).unwrap());
    assert!(!store.try_acquire(&org, &key(1), thirty(), at(129)).unwrap());
    assert_eq!(store.last_acquired(&org, &key(1)).unwrap(), Some(at(100)));
    assert_eq!(store.count_since(&org, &key(1), at(0)).unwrap(), 3);
    assert_eq!(store.count_since(&org, &key(1), at(60)).unwrap(), 2);
}

/// Different keys have their own windows and counts.
pub fn keys_are_independent<S: RateWindowStore>(store: &S) {
    let org = org_id("org-a");
    assert!(store.try_acquire(&org, &key(1), thirty(), at(0)).unwrap());
    assert!(store.try_acquire(&org, &key(2), thirty(), at(1)).unwrap());
    let other_kind = RateKey::new("autoreply-conversation:org-a:+16502530001:+16502530001");
    assert!(
        store
            .try_acquire(&org, &other_kind, thirty(), at(2))
            .unwrap()
    );
    assert_eq!(store.count_since(&org, &key(1), at(0)).unwrap(), 1);
    assert_eq!(store.last_acquired(&org, &key(2)).unwrap(), Some(at(1)));
}

/// One organization's acquisitions neither block nor count for another's
/// key of the same text.
pub fn rate_windows_are_scoped_to_the_organization<S: RateWindowStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    assert!(store.try_acquire(&a, &key(1), thirty(), at(0)).unwrap());
    assert_eq!(store.last_acquired(&b, &key(1)).unwrap(), None);
    assert_eq!(store.count_since(&b, &key(1), at(-1)).unwrap(), 0);
    assert!(store.try_acquire(&b, &key(1), thirty(), at(1)).unwrap());
    assert!(!store.try_acquire(&a, &key(1), thirty(), at(2)).unwrap());
    assert_eq!(store.last_acquired(&a, &key(1)).unwrap(), Some(at(0)));
}

/// Threads racing for one key at one instant: exactly one wins (A2: one
/// auto-reply per sender per window), and one acquisition is recorded.
pub fn a2_concurrent_acquisitions_at_one_instant_succeed_once<S: RateWindowStore>(store: &S) {
    const THREADS: usize = 4;
    const ROUNDS: i64 = 5;
    let org = org_id("org-a");
    for round in 0..ROUNDS {
        let now = at(round * 30);
        let won: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    let org = org.clone();
                    s.spawn(move || store.try_acquire(&org, &key(1), thirty(), now).unwrap())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(won, 1, "round {round}");
    }
    assert_eq!(
        store.count_since(&org, &key(1), at(0)).unwrap(),
        ROUNDS as u32
    );
}
