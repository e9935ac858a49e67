//! Conformance checks for [`IdempotencyStore`] (SPEC V10): every promise of
//! the trait's and [`Claim`]'s documentation, checked the same way on every
//! store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`idempotency_store_tests!`](crate::idempotency_store_tests) (a test of
//! this crate fails otherwise).

use chrono::TimeDelta;
use practicetext_core::ports::{Claim, IdempotencyStore};

use crate::fixtures::{at, at_ms};

/// Generates one `#[test]` per [`IdempotencyStore`] check in a module
/// `idempotency`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! idempotency_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            idempotency,
            $factory,
            [
                v10_first_claim_is_acquired,
                v10_a_held_claim_is_in_progress_until_its_lease_ends,
                a_lapsed_claim_is_acquired_again_with_a_new_lease,
                v10_a_completed_key_is_done_for_good,
                complete_without_a_claim_marks_the_key_done,
                scopes_and_keys_are_independent,
                keys_are_exact_text,
                v10_concurrent_claims_acquire_once,
            ]
        );
    };
}

fn lease() -> TimeDelta {
    TimeDelta::seconds(60)
}

/// The first claim of a key is acquired.
pub fn v10_first_claim_is_acquired<S: IdempotencyStore>(store: &S) {
    assert_eq!(
        store.claim("inbound", "SM1", lease(), at(0)).unwrap(),
        Claim::Acquired
    );
}

/// While the lease runs, every other claim is in progress; at its end
/// (exclusive) the key can be acquired again.
pub fn v10_a_held_claim_is_in_progress_until_its_lease_ends<S: IdempotencyStore>(store: &S) {
    store.claim("inbound", "SM1", lease(), at(0)).unwrap();
    for ms in [0, 1, 30_000, 59_999] {
        assert_eq!(
            store.claim("inbound", "SM1", lease(), at_ms(ms)).unwrap(),
            Claim::InProgress,
            "{ms} ms"
        );
    }
    assert_eq!(
        store.claim("inbound", "SM1", lease(), at(60)).unwrap(),
        Claim::Acquired
    );
}

/// A claim acquired after a crashed holder's lease ran out holds a lease of
/// its own, from its own `now`.
pub fn a_lapsed_claim_is_acquired_again_with_a_new_lease<S: IdempotencyStore>(store: &S) {
    store.claim("inbound", "SM1", lease(), at(0)).unwrap();
    assert_eq!(
        store.claim("inbound", "SM1", lease(), at(100)).unwrap(),
        Claim::Acquired
    );
    assert_eq!(
        store.claim("inbound", "SM1", lease(), at(159)).unwrap(),
        Claim::InProgress
    );
    let short = TimeDelta::seconds(5);
    assert_eq!(
        store.claim("inbound", "SM1", short, at(160)).unwrap(),
        Claim::Acquired
    );
    assert_eq!(
        store.claim("inbound", "SM1", lease(), at(165)).unwrap(),
        Claim::Acquired,
        "the lease is the one given with the claim that acquired"
    );
}

/// A completed key is done for every later claim, however late.
pub fn v10_a_completed_key_is_done_for_good<S: IdempotencyStore>(store: &S) {
    store.claim("inbound", "SM1", lease(), at(0)).unwrap();
    store.complete("inbound", "SM1", at(1)).unwrap();
    for secs in [1, 59, 60, 86_400 * 30] {
        assert_eq!(
            store.claim("inbound", "SM1", lease(), at(secs)).unwrap(),
            Claim::Done,
            "{secs} s"
        );
    }
}

/// Completing a key nobody claimed marks it done as well.
pub fn complete_without_a_claim_marks_the_key_done<S: IdempotencyStore>(store: &S) {
    store.complete("status", "SM9", at(0)).unwrap();
    assert_eq!(
        store.claim("status", "SM9", lease(), at(1)).unwrap(),
        Claim::Done
    );
}

/// A key in one scope says nothing about the same key in another scope, or
/// about other keys.
pub fn scopes_and_keys_are_independent<S: IdempotencyStore>(store: &S) {
    store.claim("inbound", "SM1", lease(), at(0)).unwrap();
    store.complete("inbound", "SM2", at(0)).unwrap();
    assert_eq!(
        store.claim("status", "SM1", lease(), at(1)).unwrap(),
        Claim::Acquired
    );
    assert_eq!(
        store.claim("status", "SM2", lease(), at(1)).unwrap(),
        Claim::Acquired
    );
    assert_eq!(
        store.claim("inbound", "SM3", lease(), at(1)).unwrap(),
        Claim::Acquired
    );
    assert_eq!(
        store.claim("inbound", "SM1", lease(), at(1)).unwrap(),
        Claim::InProgress
    );
}

/// Keys compare as exact text: case, accents and separators matter.
pub fn keys_are_exact_text<S: IdempotencyStore>(store: &S) {
    let keys = [
        "SMabc",
        "smabc",
        "SMabc ",
        "SMab:c",
        "SMäbc",
        "SMa\u{0308}bc",
    ];
    for key in keys {
        assert_eq!(
            store.claim("inbound", key, lease(), at(0)).unwrap(),
            Claim::Acquired,
            "{key:?}"
        );
    }
}

/// Workers racing for one provider id at one instant: exactly one acquires
/// it, the others see it in progress (V10: the webhook is handled once).
pub fn v10_concurrent_claims_acquire_once<S: IdempotencyStore>(store: &S) {
    const THREADS: usize = 4;
    for round in 0..5 {
        let key = format!("SM{round}");
        let claims: Vec<Claim> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    let key = key.as_str();
                    s.spawn(move || store.claim("inbound", key, lease(), at(0)).unwrap())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let acquired = claims.iter().filter(|c| **c == Claim::Acquired).count();
        let waiting = claims.iter().filter(|c| **c == Claim::InProgress).count();
        assert_eq!((acquired, waiting), (1, THREADS - 1), "{claims:?}");
    }
}
