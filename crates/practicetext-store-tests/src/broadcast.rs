//! Conformance test code (like `#[cfg(test)]` code, a failed check panics to report).
//! Conformance checks for [`BroadcastStore`]: every promise of the trait's
//! documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`broadcast_store_tests!`](crate::broadcast_store_tests) (a test of this
//! crate fails otherwise). The concurrency check takes several handles on
//! one store: stores that can open a second handle on the same data (a
//! second connection to one file or schema) pass one per worker thread.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use practicetext_core::broadcast::{RecipientProgress, RecipientStatus};
use practicetext_core::ids::{BroadcastId, OrganizationId};
use practicetext_core::ports::{BroadcastStore, RecipientClaim, StoreError, Timestamp};

use crate::broadcast_fixtures::{at, broadcast, every_status, recipients};

/// Generates one `#[test]` per [`BroadcastStore`] check in a module
/// `broadcast`; see [`store_conformance_tests!`](crate::store_conformance_tests).
/// With a second argument, a function from the factory's fixture to more
/// handles on the same data (a `Vec` of the store type), the
/// concurrency check gives each worker thread a handle of its own;
/// without, the threads share the one handle.
#[macro_export]
macro_rules! broadcast_store_tests {
    ($factory:expr) => {
        $crate::broadcast_store_tests!(@checks $factory);
        mod broadcast_concurrency {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn concurrent_claims_hand_out_each_recipient_once() {
                let fixture = ($factory)();
                let store = &*fixture;
                $crate::broadcast::concurrent_claims_hand_out_each_recipient_once(&[store; 4]);
            }
        }
    };
    ($factory:expr, $handles:expr) => {
        $crate::broadcast_store_tests!(@checks $factory);
        mod broadcast_concurrency {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn concurrent_claims_hand_out_each_recipient_once() {
                let fixture = ($factory)();
                let others = ($handles)(&fixture);
                let mut handles = vec![&*fixture];
                handles.extend(others.iter());
                $crate::broadcast::concurrent_claims_hand_out_each_recipient_once(&handles);
            }
        }
    };
    (@checks $factory:expr) => {
        $crate::conformance_section!(
            broadcast,
            $factory,
            [
                broadcast_round_trips_every_field,
                missing_broadcast_is_none,
                broadcasts_are_listed_oldest_first,
                recipients_round_trip_by_index_with_every_status,
                recipients_of_unknown_broadcast_is_not_found,
                existing_id_is_a_conflict,
                recipients_out_of_order_are_refused,
                broadcasts_of_one_organization_are_invisible_to_another,
                claim_takes_the_lowest_pending_index,
                claim_keeps_retries_and_sets_worker_and_lease,
                claim_skips_deferred_until_their_time,
                claim_hands_back_own_sending_first_as_interrupted,
                claim_leaves_a_live_lease_alone,
                claim_takes_over_an_expired_lease_as_interrupted,
                claim_not_yet_names_the_earliest_deferral_or_lease,
                claim_on_all_final_is_finished,
                claim_on_unknown_broadcast_is_not_found,
                update_by_holder_sets_the_status,
                update_by_another_worker_is_a_conflict,
                update_of_a_recipient_not_sending_is_a_conflict,
                update_after_lease_takeover_is_a_conflict,
                update_of_unknown_broadcast_or_index_is_not_found,
                claims_from_one_thread_after_another_never_repeat,
            ]
        );
    };
}

const LEASE: TimeDelta = TimeDelta::seconds(60);

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn bc_id(id: &str) -> BroadcastId {
    BroadcastId::new(id)
}

/// Creates broadcast `bc-1` of `org-a` with these statuses, in order.
fn create_with<S: BroadcastStore>(store: &S, statuses: Vec<RecipientStatus>) {
    let count = u32::try_from(statuses.len()).unwrap();
    let mut list = recipients(count);
    for (r, status) in list.iter_mut().zip(statuses) {
        r.status = status;
    }
    store
        .create_broadcast(&broadcast("org-a", "bc-1"), &list)
        .unwrap();
}

fn claim<S: BroadcastStore>(store: &S, worker: &str, now: Timestamp) -> RecipientClaim {
    store
        .claim_recipient(&org_id("org-a"), &bc_id("bc-1"), worker, LEASE, now)
        .unwrap()
}

/// The index and interrupted flag of a claim that must have succeeded.
fn claimed(claim: RecipientClaim) -> (u32, bool) {
    match claim {
        RecipientClaim::Claimed {
            recipient,
            interrupted,
        } => (recipient.index, interrupted),
        other => panic!("expected a claim, got {other:?}"),
    }
}

fn status_of<S: BroadcastStore>(store: &S, index: usize) -> RecipientStatus {
    let all = store.recipients(&org_id("org-a"), &bc_id("bc-1")).unwrap();
    all[index].status.clone()
}

fn pending(not_before: Option<Timestamp>, retries: u32) -> RecipientStatus {
    RecipientStatus::Pending {
        not_before,
        retries,
    }
}

fn sending(worker: &str, lease_until: Timestamp) -> RecipientStatus {
    RecipientStatus::Sending {
        worker: worker.into(),
        lease_until,
        retries: 0,
    }
}

fn sent(n: i64) -> RecipientStatus {
    RecipientStatus::Sent {
        at: at(n),
        provider_id: format!("SM-{n}"),
    }
}

/// Every field of a broadcast (exclusions, time zone, pace) comes back.
pub fn broadcast_round_trips_every_field<S: BroadcastStore>(store: &S) {
    let b = broadcast("org-a", "bc-1");
    store.create_broadcast(&b, &recipients(3)).unwrap();
    assert_eq!(store.broadcast(&b.organization, &b.id).unwrap(), Some(b));
}

/// An unknown broadcast is `None`.
pub fn missing_broadcast_is_none<S: BroadcastStore>(store: &S) {
    assert_eq!(
        store.broadcast(&org_id("org-a"), &bc_id("bc-1")).unwrap(),
        None
    );
    assert_eq!(store.broadcasts(&org_id("org-a")).unwrap(), vec![]);
}

/// the activity list is in creation order, whatever the ids.
pub fn broadcasts_are_listed_oldest_first<S: BroadcastStore>(store: &S) {
    let ids = ["zz", "b-10", "Bb", "b-9", "ä"];
    for id in ids {
        store
            .create_broadcast(&broadcast("org-a", id), &recipients(1))
            .unwrap();
    }
    let listed: Vec<String> = store
        .broadcasts(&org_id("org-a"))
        .unwrap()
        .into_iter()
        .map(|b| b.id.to_string())
        .collect();
    assert_eq!(listed, ids);
}

/// recipients come back by index with every field and every kind of
/// status as created (a host moving a broadcast passes them as they are).
pub fn recipients_round_trip_by_index_with_every_status<S: BroadcastStore>(store: &S) {
    let statuses = every_status();
    create_with(store, statuses.clone());
    let got = store.recipients(&org_id("org-a"), &bc_id("bc-1")).unwrap();
    let mut want = recipients(u32::try_from(statuses.len()).unwrap());
    for (r, status) in want.iter_mut().zip(statuses) {
        r.status = status;
    }
    assert_eq!(got, want);
}

/// Recipients of an unknown broadcast: not found.
pub fn recipients_of_unknown_broadcast_is_not_found<S: BroadcastStore>(store: &S) {
    let err = store
        .recipients(&org_id("org-a"), &bc_id("bc-1"))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

/// a second broadcast with an existing id of the organization is a
/// conflict and changes nothing; the same id in another organization is a
/// separate broadcast.
pub fn existing_id_is_a_conflict<S: BroadcastStore>(store: &S) {
    let first = broadcast("org-a", "bc-1");
    store.create_broadcast(&first, &recipients(2)).unwrap();
    let mut again = first.clone();
    again.token = "another".into();
    let err = store.create_broadcast(&again, &recipients(5)).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(
        store.broadcast(&first.organization, &first.id).unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.recipients(&first.organization, &first.id).unwrap(),
        recipients(2)
    );
    assert_eq!(store.broadcasts(&first.organization).unwrap(), vec![first]);
    let other = broadcast("org-b", "bc-1");
    store.create_broadcast(&other, &recipients(1)).unwrap();
    assert_eq!(
        store.recipients(&other.organization, &other.id).unwrap(),
        recipients(1)
    );
}

/// Recipient indexes must be 0, 1, 2, ...: anything else is refused and
/// stores nothing.
pub fn recipients_out_of_order_are_refused<S: BroadcastStore>(store: &S) {
    let b = broadcast("org-a", "bc-1");
    let mut gap = recipients(3);
    gap[2].index = 3;
    let mut swapped = recipients(2);
    swapped.swap(0, 1);
    for list in [gap, swapped] {
        let err = store.create_broadcast(&b, &list).unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        assert_eq!(store.broadcast(&b.organization, &b.id).unwrap(), None);
    }
    store.create_broadcast(&b, &recipients(3)).unwrap();
}

/// Tenancy: one organization cannot read, claim or update another's
/// broadcast.
pub fn broadcasts_of_one_organization_are_invisible_to_another<S: BroadcastStore>(store: &S) {
    create_with(store, vec![RecipientStatus::NEW]);
    let (b, id) = (org_id("org-b"), bc_id("bc-1"));
    assert_eq!(store.broadcast(&b, &id).unwrap(), None);
    assert_eq!(store.broadcasts(&b).unwrap(), vec![]);
    assert!(store.recipients(&b, &id).is_err());
    let err = store
        .claim_recipient(&b, &id, "w", LEASE, at(0))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    let err = store
        .update_recipient(&b, &id, 0, "w", &sent(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(status_of(store, 0), RecipientStatus::NEW);
}

/// the pending recipient with the lowest index is claimed first,
/// skipping final ones.
pub fn claim_takes_the_lowest_pending_index<S: BroadcastStore>(store: &S) {
    create_with(
        store,
        vec![sent(1), RecipientStatus::NEW, RecipientStatus::NEW, sent(2)],
    );
    assert_eq!(claimed(claim(store, "w1", at(0))), (1, false));
    assert_eq!(claimed(claim(store, "w2", at(0))), (2, false));
}

/// The claimed status is `Sending` with this worker and `now + lease`,
/// keeping `retries`; the stored recipient says the same.
pub fn claim_keeps_retries_and_sets_worker_and_lease<S: BroadcastStore>(store: &S) {
    create_with(store, vec![pending(Some(at(-5)), 3)]);
    let RecipientClaim::Claimed { recipient, .. } = claim(store, "w1", at(0)) else {
        panic!("expected a claim");
    };
    let want = RecipientStatus::Sending {
        worker: "w1".into(),
        lease_until: at(60),
        retries: 3,
    };
    assert_eq!(recipient.status, want);
    assert_eq!(recipient.recipient, recipients(1)[0].recipient);
    assert_eq!(status_of(store, 0), want);
}

/// a deferred recipient is not claimed before its `not_before`,
/// and is claimed at it (exactly, to the nanosecond).
pub fn claim_skips_deferred_until_their_time<S: BroadcastStore>(store: &S) {
    let due = at(30) + TimeDelta::nanoseconds(5);
    create_with(store, vec![pending(Some(due), 0), RecipientStatus::NEW]);
    assert_eq!(claimed(claim(store, "w1", at(0))), (1, false));
    let early = due - TimeDelta::nanoseconds(1);
    assert!(matches!(
        claim(store, "w2", early),
        RecipientClaim::NotYet { .. }
    ));
    assert_eq!(claimed(claim(store, "w2", due)), (0, false));
}

/// a recipient this worker already holds comes back first (flagged
/// interrupted: its text may have gone out), before any pending one.
pub fn claim_hands_back_own_sending_first_as_interrupted<S: BroadcastStore>(store: &S) {
    create_with(
        store,
        vec![
            RecipientStatus::NEW,
            sending("w1", at(500)),
            RecipientStatus::NEW,
        ],
    );
    assert_eq!(claimed(claim(store, "w1", at(0))), (1, true));
    assert_eq!(status_of(store, 1), sending("w1", at(60)));
    assert_eq!(claimed(claim(store, "w2", at(0))), (0, false));
}

/// another worker's recipient whose lease has not ended is never
/// handed out.
pub fn claim_leaves_a_live_lease_alone<S: BroadcastStore>(store: &S) {
    create_with(store, vec![sending("w1", at(30))]);
    let claim = claim(store, "w2", at(30) - TimeDelta::nanoseconds(1));
    assert_eq!(claim, RecipientClaim::NotYet { until: at(30) });
    assert_eq!(status_of(store, 0), sending("w1", at(30)));
}

/// once a lease has ended (at or before `now`) another worker takes the
/// recipient over, flagged interrupted, with its own lease and the retries.
pub fn claim_takes_over_an_expired_lease_as_interrupted<S: BroadcastStore>(store: &S) {
    let held = RecipientStatus::Sending {
        worker: "w1".into(),
        lease_until: at(30),
        retries: 2,
    };
    create_with(store, vec![RecipientStatus::NEW, held]);
    assert_eq!(claimed(claim(store, "w2", at(30))), (1, true));
    let want = RecipientStatus::Sending {
        worker: "w2".into(),
        lease_until: at(90),
        retries: 2,
    };
    assert_eq!(status_of(store, 1), want);
}

/// Nothing claimable: ask again at the earliest deferral or lease end.
pub fn claim_not_yet_names_the_earliest_deferral_or_lease<S: BroadcastStore>(store: &S) {
    let soonest = at(200) + TimeDelta::milliseconds(7);
    create_with(
        store,
        vec![
            pending(Some(at(900)), 0),
            sent(1),
            sending("w1", at(400)),
            pending(Some(soonest), 1),
            sending("w9", at(250)),
        ],
    );
    assert_eq!(
        claim(store, "w2", at(0)),
        RecipientClaim::NotYet { until: soonest }
    );
    assert_eq!(claimed(claim(store, "w2", soonest)), (3, false));
    assert_eq!(
        claim(store, "w3", at(201)),
        RecipientClaim::NotYet { until: at(250) }
    );
}

/// Every recipient final (or none at all): finished.
pub fn claim_on_all_final_is_finished<S: BroadcastStore>(store: &S) {
    let finals: Vec<RecipientStatus> = every_status()
        .into_iter()
        .filter(|s| s.is_final())
        .collect();
    create_with(store, finals);
    assert_eq!(claim(store, "w1", at(0)), RecipientClaim::Finished);
    store
        .create_broadcast(&broadcast("org-a", "empty"), &[])
        .unwrap();
    let empty = store
        .claim_recipient(&org_id("org-a"), &bc_id("empty"), "w1", LEASE, at(0))
        .unwrap();
    assert_eq!(empty, RecipientClaim::Finished);
}

/// Claiming from an unknown broadcast: not found.
pub fn claim_on_unknown_broadcast_is_not_found<S: BroadcastStore>(store: &S) {
    let err = store
        .claim_recipient(&org_id("org-a"), &bc_id("bc-1"), "w1", LEASE, at(0))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert_eq!(err.code(), "not_found");
}

/// The holder may set any status: hand back (pending), defer, or any
/// final one; a final recipient is then held by no one.
pub fn update_by_holder_sets_the_status<S: BroadcastStore>(store: &S) {
    let finals: Vec<RecipientStatus> = every_status()
        .into_iter()
        .filter(|s| s.is_final())
        .collect();
    create_with(store, vec![RecipientStatus::NEW; finals.len() + 1]);
    let (org, id) = (org_id("org-a"), bc_id("bc-1"));
    assert_eq!(claimed(claim(store, "w1", at(0))), (0, false));
    let deferred = pending(Some(at(3_600)), 1);
    store
        .update_recipient(&org, &id, 0, "w1", &deferred)
        .unwrap();
    assert_eq!(status_of(store, 0), deferred);
    for status in finals {
        let (index, _) = claimed(claim(store, "w1", at(0)));
        store
            .update_recipient(&org, &id, index, "w1", &status)
            .unwrap();
        assert_eq!(status_of(store, index as usize), status);
        let err = store
            .update_recipient(&org, &id, index, "w1", &sent(1))
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    }
    assert_eq!(
        claim(store, "w1", at(0)),
        RecipientClaim::NotYet { until: at(3_600) }
    );
}

/// A recipient held by another worker cannot be updated: conflict,
/// unchanged.
pub fn update_by_another_worker_is_a_conflict<S: BroadcastStore>(store: &S) {
    create_with(store, vec![RecipientStatus::NEW]);
    claimed(claim(store, "w1", at(0)));
    let err = store
        .update_recipient(&org_id("org-a"), &bc_id("bc-1"), 0, "w2", &sent(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(status_of(store, 0), sending("w1", at(60)));
}

/// A recipient that is pending or final is held by no one: conflict.
pub fn update_of_a_recipient_not_sending_is_a_conflict<S: BroadcastStore>(store: &S) {
    create_with(store, vec![RecipientStatus::NEW, sent(1)]);
    for index in [0, 1] {
        let err = store
            .update_recipient(&org_id("org-a"), &bc_id("bc-1"), index, "w1", &sent(2))
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    }
    assert_eq!(status_of(store, 0), RecipientStatus::NEW);
    assert_eq!(status_of(store, 1), sent(1));
}

/// a worker whose lease ran out and was taken over can no longer record
/// its outcome.
pub fn update_after_lease_takeover_is_a_conflict<S: BroadcastStore>(store: &S) {
    create_with(store, vec![RecipientStatus::NEW]);
    claimed(claim(store, "w1", at(0)));
    assert_eq!(claimed(claim(store, "w2", at(60))), (0, true));
    let err = store
        .update_recipient(&org_id("org-a"), &bc_id("bc-1"), 0, "w1", &sent(61))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    store
        .update_recipient(&org_id("org-a"), &bc_id("bc-1"), 0, "w2", &sent(62))
        .unwrap();
    assert_eq!(status_of(store, 0), sent(62));
}

/// Updating in an unknown broadcast, or an index past the end: not found.
pub fn update_of_unknown_broadcast_or_index_is_not_found<S: BroadcastStore>(store: &S) {
    let (org, id) = (org_id("org-a"), bc_id("bc-1"));
    let err = store
        .update_recipient(&org, &id, 0, "w1", &sent(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    create_with(store, vec![RecipientStatus::NEW]);
    let err = store
        .update_recipient(&org, &id, 1, "w1", &sent(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

/// a run of claims and outcomes sends to every recipient exactly once.
pub fn claims_from_one_thread_after_another_never_repeat<S: BroadcastStore>(store: &S) {
    create_with(store, vec![RecipientStatus::NEW; 10]);
    let mut seen = Vec::new();
    for step in 0..10 {
        let (index, interrupted) = claimed(claim(store, "w1", at(step)));
        assert!(!interrupted);
        store
            .update_recipient(&org_id("org-a"), &bc_id("bc-1"), index, "w1", &sent(step))
            .unwrap();
        seen.push(index);
    }
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    assert_eq!(claim(store, "w1", at(11)), RecipientClaim::Finished);
}

/// four workers (each on its own handle where the store has several)
/// claiming from one broadcast of 40 at once never get the same recipient
/// twice and together get all 40.
pub fn concurrent_claims_hand_out_each_recipient_once<S: BroadcastStore>(handles: &[&S]) {
    const WORKERS: usize = 4;
    const RECIPIENTS: u32 = 40;
    let first = handles[0];
    first
        .create_broadcast(&broadcast("org-a", "bc-1"), &recipients(RECIPIENTS))
        .unwrap();
    let start = std::sync::Barrier::new(WORKERS);
    let claims: Vec<Vec<u32>> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..WORKERS)
            .map(|w| {
                let store = handles[w % handles.len()];
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    work(store, &format!("worker-{w}"))
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let mut all: Vec<u32> = claims.iter().flatten().copied().collect();
    let distinct: BTreeSet<u32> = all.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "a recipient was claimed twice: {claims:?}"
    );
    all.sort_unstable();
    assert_eq!(all, (0..RECIPIENTS).collect::<Vec<_>>());
    let stored = first.recipients(&org_id("org-a"), &bc_id("bc-1")).unwrap();
    assert!(
        stored
            .iter()
            .all(|r: &RecipientProgress| r.status.is_final())
    );
}

/// One worker's loop: claim, record sent, until finished.
fn work<S: BroadcastStore>(store: &S, worker: &str) -> Vec<u32> {
    let mut mine = Vec::new();
    for _ in 0..100_000 {
        match claim(store, worker, at(0)) {
            RecipientClaim::Claimed {
                recipient,
                interrupted,
            } => {
                assert!(!interrupted, "{worker} got {} interrupted", recipient.index);
                let done = sent(i64::from(recipient.index));
                store
                    .update_recipient(
                        &org_id("org-a"),
                        &bc_id("bc-1"),
                        recipient.index,
                        worker,
                        &done,
                    )
                    .unwrap();
                mine.push(recipient.index);
            }
            RecipientClaim::NotYet { .. } => std::thread::yield_now(),
            RecipientClaim::Finished => return mine,
        }
    }
    panic!("{worker} never saw the broadcast finish");
}
