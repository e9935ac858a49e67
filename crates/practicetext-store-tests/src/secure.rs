//! Conformance checks for [`SecureStore`] (SPEC S1-S5, X7): every promise of
//! the trait's documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`secure_store_tests!`](crate::secure_store_tests) (a test of this crate
//! fails otherwise).

use practicetext_core::ids::{ConversationId, OrganizationId};
use practicetext_core::ports::{SecureStore, StoreError};
use practicetext_core::secure::{
    self, PinHash, SecureConfig, SecureConversation, SecureEvent, SecureEventKind,
};
use practicetext_core::testing::SeededRandom;

use crate::fixtures::{at, practice, secure_conversation, secure_event};

/// Generates one `#[test]` per [`SecureStore`] check in a module `secure`;
/// see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! secure_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            secure,
            $factory,
            [
                s1_new_conversation_round_trips_with_its_event,
                s5_every_field_round_trips_after_an_update,
                missing_conversation_is_none_and_has_no_events,
                creating_an_existing_conversation_is_a_conflict,
                saving_with_the_version_read_succeeds,
                saving_with_a_stale_version_is_a_conflict_and_changes_nothing,
                saving_a_missing_conversation_with_a_version_is_a_conflict,
                events_are_appended_oldest_first,
                s4_every_link_finds_its_conversation,
                an_unknown_link_finds_nothing,
                a_link_of_another_conversation_is_a_conflict_and_changes_nothing,
                a_conversation_or_event_of_another_organization_is_a_conflict,
                secure_conversations_are_scoped_to_the_organization,
                s5_concurrent_saves_of_one_version_succeed_once,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn is_conflict(result: Result<(), StoreError>) -> bool {
    matches!(result, Err(StoreError::Conflict { .. }))
}

/// The next version of `conv` as the service saves it, with a `pin_failed`
/// event at `at(secs)`.
fn next(conv: &SecureConversation, secs: i64) -> (SecureConversation, Vec<SecureEvent>) {
    let mut changed = conv.clone();
    changed.version += 1;
    changed.pin_failures += 1;
    let kind = SecureEventKind::PinFailed {
        failures: changed.pin_failures,
    };
    let event = secure_event(conv.organization.as_str(), conv.id.as_str(), secs, kind);
    (changed, vec![event])
}

/// A new conversation comes back as created, with its `sent` event.
pub fn s1_new_conversation_round_trips_with_its_event<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (conv, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &conv, None, &events)
        .unwrap();
    assert_eq!(
        store.secure_conversation(&org, &conv.id).unwrap(),
        Some(conv.clone())
    );
    assert_eq!(store.secure_events(&org, &conv.id).unwrap(), events);
}

/// Every field (PIN hash, counters, a pending one-time code, replaced and
/// live links) comes back as saved.
pub fn s5_every_field_round_trips_after_an_update<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (conv, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &conv, None, &events)
        .unwrap();
    let random = SeededRandom::new(9);
    let config = SecureConfig::default();
    let reissued = secure::reissue_link(&conv, &practice(), at(60), &random, &config);
    let mut full = reissued.conversation;
    full.identity_failures = 3;
    let hash = full.links[1].token_hash;
    let step = secure::request_unlock_code(&full, &hash, &practice(), at(120), &random, &config);
    assert!(step.outcome.is_ok(), "{:?}", step.outcome);
    let mut full = step.conversation;
    full.pin = Some(PinHash::from_phc(
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
    ));
    full.pin_failures = 2;
    full.version = 1;
    assert!(full.unlock_code.is_some() && full.links[0].replaced_at.is_some());
    let mut new_events = reissued.events;
    new_events.extend(step.events);
    store
        .save_secure_conversation(&org, &full, Some(0), &new_events)
        .unwrap();
    assert_eq!(
        store.secure_conversation(&org, &full.id).unwrap(),
        Some(full.clone())
    );
    let mut all = events;
    all.extend(new_events);
    assert_eq!(store.secure_events(&org, &full.id).unwrap(), all);
}

/// An unknown id reads as `None` and has no events.
pub fn missing_conversation_is_none_and_has_no_events<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (conv, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &conv, None, &events)
        .unwrap();
    let missing = ConversationId::new("s-2");
    assert_eq!(store.secure_conversation(&org, &missing).unwrap(), None);
    assert_eq!(store.secure_events(&org, &missing).unwrap(), vec![]);
}

/// Creating (`expected_version` `None`) an id that exists is a conflict and
/// changes nothing.
pub fn creating_an_existing_conversation_is_a_conflict<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (conv, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &conv, None, &events)
        .unwrap();
    let (again, again_events) = secure_conversation("org-a", "s-1", 2);
    let err = store
        .save_secure_conversation(&org, &again, None, &again_events)
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert_eq!(
        store.secure_conversation(&org, &conv.id).unwrap(),
        Some(conv.clone())
    );
    assert_eq!(store.secure_events(&org, &conv.id).unwrap(), events);
    let hash = again.links[0].token_hash;
    assert_eq!(
        store.secure_conversation_by_link(&org, &hash).unwrap(),
        None
    );
}

/// Saving with the version that was read succeeds, and the next save must
/// name the new version.
pub fn saving_with_the_version_read_succeeds<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (v0, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &v0, None, &events)
        .unwrap();
    let (v1, e1) = next(&v0, 10);
    store
        .save_secure_conversation(&org, &v1, Some(0), &e1)
        .unwrap();
    let (v2, e2) = next(&v1, 20);
    store
        .save_secure_conversation(&org, &v2, Some(1), &e2)
        .unwrap();
    assert_eq!(store.secure_conversation(&org, &v0.id).unwrap(), Some(v2));
}

/// A save based on a stale read is a conflict: the stored conversation, its
/// events and its link index stay as they were (no counted failure is lost).
pub fn saving_with_a_stale_version_is_a_conflict_and_changes_nothing<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (v0, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &v0, None, &events)
        .unwrap();
    let (v1, e1) = next(&v0, 10);
    store
        .save_secure_conversation(&org, &v1, Some(0), &e1)
        .unwrap();
    let (mut stale, stale_events) = next(&v0, 11);
    let (extra, _) = secure_conversation("org-a", "s-other", 7);
    stale.links.push(extra.links[0].clone());
    for expected in [Some(0), Some(2), None] {
        let saved = store.save_secure_conversation(&org, &stale, expected, &stale_events);
        assert!(is_conflict(saved), "{expected:?}");
    }
    assert_eq!(store.secure_conversation(&org, &v0.id).unwrap(), Some(v1));
    let mut want = events;
    want.extend(e1);
    assert_eq!(store.secure_events(&org, &v0.id).unwrap(), want);
    let hash = extra.links[0].token_hash;
    assert_eq!(
        store.secure_conversation_by_link(&org, &hash).unwrap(),
        None
    );
}

/// Naming a version for a conversation that does not exist is a conflict.
pub fn saving_a_missing_conversation_with_a_version_is_a_conflict<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (conv, events) = secure_conversation("org-a", "s-1", 1);
    let saved = store.save_secure_conversation(&org, &conv, Some(0), &events);
    assert!(is_conflict(saved));
    assert_eq!(store.secure_conversation(&org, &conv.id).unwrap(), None);
    assert_eq!(store.secure_events(&org, &conv.id).unwrap(), vec![]);
}

/// Events are appended across saves and come back oldest first, in the
/// order they were given; a save with no events appends none.
pub fn events_are_appended_oldest_first<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (mut conv, mut want) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &conv, None, &want)
        .unwrap();
    for round in 0..10 {
        let (changed, mut events) = next(&conv, 10 + round);
        events.push(secure_event(
            "org-a",
            "s-1",
            10 + round,
            SecureEventKind::PinLocked,
        ));
        store
            .save_secure_conversation(&org, &changed, Some(conv.version), &events)
            .unwrap();
        want.extend(events);
        conv = changed;
    }
    let quiet = SecureConversation {
        version: conv.version + 1,
        ..conv.clone()
    };
    store
        .save_secure_conversation(&org, &quiet, Some(conv.version), &[])
        .unwrap();
    assert_eq!(store.secure_events(&org, &conv.id).unwrap(), want);
}

/// Every link's token hash finds the conversation, live, replaced or
/// expired (S4: a replaced link must still be recognised to be refused).
pub fn s4_every_link_finds_its_conversation<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (v0, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &v0, None, &events)
        .unwrap();
    let step = secure::reissue_link(
        &v0,
        &practice(),
        at(60),
        &SeededRandom::new(5),
        &SecureConfig::default(),
    );
    let mut v1 = step.conversation;
    v1.version = 1;
    store
        .save_secure_conversation(&org, &v1, Some(0), &step.events)
        .unwrap();
    assert_eq!(v1.links.len(), 2);
    for link in &v1.links {
        let found = store
            .secure_conversation_by_link(&org, &link.token_hash)
            .unwrap();
        assert_eq!(found, Some(v1.clone()));
    }
}

/// A token hash no link has finds nothing.
pub fn an_unknown_link_finds_nothing<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (conv, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &conv, None, &events)
        .unwrap();
    let (other, _) = secure_conversation("org-a", "s-2", 2);
    let hash = other.links[0].token_hash;
    assert_eq!(
        store.secure_conversation_by_link(&org, &hash).unwrap(),
        None
    );
}

/// A link whose token hash already indexes another conversation is a
/// conflict; nothing of the save is kept.
pub fn a_link_of_another_conversation_is_a_conflict_and_changes_nothing<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (first, first_events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &first, None, &first_events)
        .unwrap();
    let (mut thief, thief_events) = secure_conversation("org-a", "s-2", 2);
    let own = thief.links[0].token_hash;
    thief.links.push(first.links[0].clone());
    assert!(is_conflict(store.save_secure_conversation(
        &org,
        &thief,
        None,
        &thief_events
    )));
    assert_eq!(store.secure_conversation(&org, &thief.id).unwrap(), None);
    assert_eq!(store.secure_events(&org, &thief.id).unwrap(), vec![]);
    assert_eq!(store.secure_conversation_by_link(&org, &own).unwrap(), None);
    let hash = first.links[0].token_hash;
    assert_eq!(
        store.secure_conversation_by_link(&org, &hash).unwrap(),
        Some(first)
    );
}

/// A conversation of another organization than `org`, or an event of
/// another organization or conversation, is a conflict.
pub fn a_conversation_or_event_of_another_organization_is_a_conflict<S: SecureStore>(store: &S) {
    let org = org_id("org-a");
    let (foreign, foreign_events) = secure_conversation("org-b", "s-1", 1);
    assert!(is_conflict(store.save_secure_conversation(
        &org,
        &foreign,
        None,
        &foreign_events
    )));
    let (conv, mut events) = secure_conversation("org-a", "s-1", 1);
    events.push(secure_event("org-b", "s-1", 1, SecureEventKind::Opened));
    assert!(is_conflict(
        store.save_secure_conversation(&org, &conv, None, &events)
    ));
    events.pop();
    events.push(secure_event("org-a", "s-9", 1, SecureEventKind::Opened));
    assert!(is_conflict(
        store.save_secure_conversation(&org, &conv, None, &events)
    ));
    assert_eq!(store.secure_conversation(&org, &conv.id).unwrap(), None);
    let b = org_id("org-b");
    assert_eq!(store.secure_conversation(&b, &foreign.id).unwrap(), None);
}

/// Organization B sees nothing of A's conversations, by id, by link or by
/// events, and may use the same id and token hash for its own.
pub fn secure_conversations_are_scoped_to_the_organization<S: SecureStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let (conv_a, events_a) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&a, &conv_a, None, &events_a)
        .unwrap();
    let hash = conv_a.links[0].token_hash;
    assert_eq!(store.secure_conversation(&b, &conv_a.id).unwrap(), None);
    assert_eq!(store.secure_conversation_by_link(&b, &hash).unwrap(), None);
    assert_eq!(store.secure_events(&b, &conv_a.id).unwrap(), vec![]);
    let (conv_b, events_b) = secure_conversation("org-b", "s-1", 1);
    assert_eq!(conv_b.links[0].token_hash, hash, "same seed, same token");
    store
        .save_secure_conversation(&b, &conv_b, None, &events_b)
        .unwrap();
    assert_eq!(
        store.secure_conversation_by_link(&b, &hash).unwrap(),
        Some(conv_b)
    );
    assert_eq!(
        store.secure_conversation_by_link(&a, &hash).unwrap(),
        Some(conv_a.clone())
    );
    assert_eq!(store.secure_events(&a, &conv_a.id).unwrap(), events_a);
}

/// Saves racing from several threads with the same read version: exactly
/// one succeeds, the others are conflicts (S5: no counted failure is lost).
pub fn s5_concurrent_saves_of_one_version_succeed_once<S: SecureStore>(store: &S) {
    const THREADS: usize = 4;
    let org = org_id("org-a");
    let (v0, events) = secure_conversation("org-a", "s-1", 1);
    store
        .save_secure_conversation(&org, &v0, None, &events)
        .unwrap();
    let results: Vec<Result<(), StoreError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let (org, v0) = (org.clone(), v0.clone());
                s.spawn(move || {
                    let (v1, e1) = next(&v0, i as i64);
                    store.save_secure_conversation(&org, &v1, Some(0), &e1)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| is_conflict((*r).clone())).count();
    assert_eq!((ok, conflicts), (1, THREADS - 1), "{results:?}");
    assert_eq!(
        store.secure_events(&org, &v0.id).unwrap().len(),
        events.len() + 1
    );
}
