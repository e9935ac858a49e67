//! Conformance checks for [`Atomic`](practicetext_core::ports::Atomic) on stores that keep data outside the
//! process (SQLite, PostgreSQL): a unit's calls take effect together or
//! not at all. The in-memory store runs a unit's calls as they come (see
//! [`Atomic::atomically`](practicetext_core::ports::Atomic::atomically)) and does not run these checks.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`atomic_store_tests!`](crate::atomic_store_tests) (a test of this crate
//! fails otherwise).

use chrono::TimeDelta;
use practicetext_core::consent::{ConsentAction, ConsentState};
use practicetext_core::conversation::Direction;
use practicetext_core::ids::{ConversationId, OrganizationId};
use practicetext_core::ports::{Claim, RateKey, Store, StoreError};

use crate::fixtures::{at, consent_change, conversation, message, phone, sms};

/// Generates one `#[test]` per [`Atomic`](practicetext_core::ports::Atomic) check in a module `atomic`; SQL
/// stores invoke it beside
/// [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! atomic_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            atomic,
            $factory,
            [
                a_unit_commits_every_call,
                a_unit_reads_its_own_writes,
                an_error_rolls_back_every_call_of_the_unit,
                a_panic_rolls_back_the_unit_and_the_store_stays_usable,
                a_refused_call_inside_a_unit_leaves_the_rest_of_it,
                a_nested_unit_is_part_of_the_outer_one,
                other_threads_see_all_of_a_unit_or_none,
            ]
        );
    };
}

fn org_id() -> OrganizationId {
    OrganizationId::new("org-a")
}

fn key() -> RateKey {
    RateKey::new("autoreply:org-a:+16502530030")
}

/// A unit of the engine's kind: claim, conversation, message, consent,
/// rate window, completion.
fn write_unit<S: Store>(store: &S, id: &str) -> Result<(), StoreError> {
    let org = org_id();
    store.claim("inbound", id, TimeDelta::seconds(60), at(0))?;
    store.put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))?;
    store.put_message(&message("org-a", "c-1", id, Direction::Inbound, 0))?;
    store.record_consent(
        &org,
        &consent_change("org-a", phone(30), ConsentAction::OptOut, 0),
    )?;
    store.try_acquire(&org, &key(), TimeDelta::seconds(30), at(0))?;
    store.complete("inbound", id, at(0))?;
    Ok(())
}

/// Asserts that nothing of [`write_unit`] is in the store.
fn assert_nothing_written<S: Store>(store: &S, id: &str) {
    let org = org_id();
    assert_eq!(
        store
            .conversation(&org, &ConversationId::new("c-1"))
            .unwrap(),
        None
    );
    assert_eq!(
        store.consent(&org, phone(30)).unwrap(),
        ConsentState::default()
    );
    assert_eq!(store.consent_history(&org, None).unwrap(), vec![]);
    assert_eq!(store.last_acquired(&org, &key()).unwrap(), None);
    let claim = store
        .claim("inbound", id, TimeDelta::seconds(60), at(1))
        .unwrap();
    assert_eq!(claim, Claim::Acquired, "the claim was rolled back too");
}

/// Every call of a unit that returns `Ok` is in the store afterwards.
pub fn a_unit_commits_every_call<S: Store>(store: &S) {
    store.atomically(|| write_unit(store, "SM1")).unwrap();
    let org = org_id();
    let messages = store.messages(&org, &ConversationId::new("c-1")).unwrap();
    assert_eq!(messages.len(), 1);
    assert!(store.consent(&org, phone(30)).unwrap().opted_out);
    assert_eq!(store.last_acquired(&org, &key()).unwrap(), Some(at(0)));
    let claim = store
        .claim("inbound", "SM1", TimeDelta::seconds(60), at(1))
        .unwrap();
    assert_eq!(claim, Claim::Done);
}

/// Inside a unit, reads see the unit's own writes.
pub fn a_unit_reads_its_own_writes<S: Store>(store: &S) {
    let org = org_id();
    let seen = store
        .atomically(|| -> Result<_, StoreError> {
            write_unit(store, "SM1")?;
            let active = store.active_conversation(&org, &sms(1, 30))?;
            let opted_out = store.consent(&org, phone(30))?.opted_out;
            let window = store.try_acquire(&org, &key(), TimeDelta::seconds(30), at(1))?;
            Ok((active.is_some(), opted_out, window))
        })
        .unwrap();
    assert_eq!(seen, (true, true, false));
}

/// A unit whose work returns `Err` leaves nothing of what it wrote.
pub fn an_error_rolls_back_every_call_of_the_unit<S: Store>(store: &S) {
    let outcome: Result<(), StoreError> = store.atomically(|| {
        write_unit(store, "SM1")?;
        Err(StoreError::Backend {
            message: "the work failed after writing".into(),
        })
    });
    assert_eq!(outcome.unwrap_err().code(), "store_backend");
    assert_nothing_written(store, "SM1");
}

/// A panic inside a unit rolls it back, and the store keeps working (the
/// next unit commits).
pub fn a_panic_rolls_back_the_unit_and_the_store_stays_usable<S: Store>(store: &S) {
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), StoreError> = store.atomically(|| {
            write_unit(store, "SM1")?;
            panic!("the work panicked after writing");
        });
    }));
    assert!(panicked.is_err());
    assert_nothing_written(store, "SM1");
    store.atomically(|| write_unit(store, "SM2")).unwrap();
    assert!(store.consent(&org_id(), phone(30)).unwrap().opted_out);
}

/// A call refused inside a unit (a second active conversation) can be
/// handled by the work: the unit goes on and commits the rest.
pub fn a_refused_call_inside_a_unit_leaves_the_rest_of_it<S: Store>(store: &S) {
    let org = org_id();
    store
        .put_conversation(&conversation("org-a", "c-0", sms(1, 30), 0))
        .unwrap();
    store
        .atomically(|| -> Result<(), StoreError> {
            let second = store.put_conversation(&conversation("org-a", "c-1", sms(1, 30), 1));
            assert_eq!(second.unwrap_err().code(), "conflict");
            store.put_message(&message("org-a", "c-0", "m-1", Direction::Inbound, 0))?;
            let orphan = store.put_message(&message("org-a", "c-9", "m-2", Direction::Inbound, 0));
            assert_eq!(orphan.unwrap_err().code(), "not_found");
            let stop = consent_change("org-a", phone(30), ConsentAction::OptOut, 0);
            store.record_consent(&org, &stop)?;
            Ok(())
        })
        .unwrap();
    let messages = store.messages(&org, &ConversationId::new("c-0")).unwrap();
    assert_eq!(messages.len(), 1);
    assert!(store.consent(&org, phone(30)).unwrap().opted_out);
}

/// A unit inside a unit is part of the outer one: its writes go when the
/// outer unit fails, and an inner failure the outer work handles undoes
/// only the inner unit.
pub fn a_nested_unit_is_part_of_the_outer_one<S: Store>(store: &S) {
    let org = org_id();
    let outcome: Result<(), StoreError> = store.atomically(|| {
        store.atomically(|| write_unit(store, "SM1"))?;
        Err(StoreError::Backend {
            message: "the outer work failed".into(),
        })
    });
    assert!(outcome.is_err());
    assert_nothing_written(store, "SM1");
    store
        .atomically(|| -> Result<(), StoreError> {
            store.put_conversation(&conversation("org-a", "c-9", sms(2, 31), 0))?;
            let inner: Result<(), StoreError> = store.atomically(|| {
                store.record_consent(
                    &org,
                    &consent_change("org-a", phone(31), ConsentAction::Block, 0),
                )?;
                Err(StoreError::Backend {
                    message: "the inner work failed".into(),
                })
            });
            assert!(inner.is_err());
            Ok(())
        })
        .unwrap();
    assert!(
        store
            .conversation(&org, &ConversationId::new("c-9"))
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store.consent(&org, phone(31)).unwrap(),
        ConsentState::default()
    );
}

/// Another thread reading while a unit writes sees none of the unit or all
/// of it, never a part.
pub fn other_threads_see_all_of_a_unit_or_none<S: Store>(store: &S) {
    let org = org_id();
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    let c = ConversationId::new("c-1");
    std::thread::scope(|s| {
        s.spawn(|| {
            for round in 0..20 {
                store
                    .atomically(|| -> Result<(), StoreError> {
                        for i in 0..3 {
                            let id = format!("m-{round}-{i}");
                            store.put_message(&message(
                                "org-a",
                                "c-1",
                                &id,
                                Direction::Inbound,
                                round,
                            ))?;
                            std::thread::yield_now();
                        }
                        Ok(())
                    })
                    .unwrap();
            }
        });
        s.spawn(|| {
            for _ in 0..50 {
                let n = store.messages(&org, &c).unwrap().len();
                assert_eq!(n % 3, 0, "saw {n} messages: part of a unit");
                std::thread::yield_now();
            }
        });
    });
    assert_eq!(store.messages(&org, &c).unwrap().len(), 60);
}
