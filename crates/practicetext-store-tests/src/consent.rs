//! Conformance checks for [`ConsentStore`] (SPEC C1-C7, X2): every promise
//! of the trait's documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`consent_store_tests!`](crate::consent_store_tests) (a test of this
//! crate fails otherwise).

use practicetext_core::consent::{
    ConsentAction, ConsentSource, ConsentState, ConsentTransition, apply, replay,
};
use practicetext_core::ids::{OrganizationId, Username};
use practicetext_core::ports::ConsentStore;

use crate::fixtures::{at, consent_change, phone};

/// Generates one `#[test]` per [`ConsentStore`] check in a module
/// `consent`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! consent_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            consent,
            $factory,
            [
                unrecorded_number_has_the_default_state,
                record_consent_returns_the_transition_of_apply,
                state_reads_back_as_the_last_transition_left_it,
                state_is_the_replay_of_the_history,
                a_change_that_changes_nothing_is_still_recorded,
                history_round_trips_every_source_and_field,
                history_is_in_the_order_recorded,
                history_of_one_number_has_only_its_changes,
                consent_is_scoped_to_the_organization,
                c4_concurrent_stops_opt_out_exactly_once,
                concurrent_changes_all_land,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

/// A number nothing was recorded for is opted in, unblocked, unsuppressed
/// and never updated.
pub fn unrecorded_number_has_the_default_state<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    store
        .record_consent(
            &org,
            &consent_change("org-a", phone(31), ConsentAction::OptOut, 0),
        )
        .unwrap();
    assert_eq!(
        store.consent(&org, phone(30)).unwrap(),
        ConsentState::default()
    );
    assert_eq!(
        store.consent_history(&org, Some(phone(30))).unwrap(),
        vec![]
    );
}

/// `record_consent` returns what [`apply`] makes of the stored state: the
/// state before and after, for every action in turn.
pub fn record_consent_returns_the_transition_of_apply<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let actions = [
        ConsentAction::OptOut,
        ConsentAction::Block,
        ConsentAction::OptIn,
        ConsentAction::Suppress,
        ConsentAction::Unblock,
        ConsentAction::Verify,
        ConsentAction::OptOut,
    ];
    let mut state = ConsentState::default();
    for (secs, action) in (10..).zip(actions) {
        let change = consent_change("org-a", phone(30), action, secs);
        let want = apply(&state, &change);
        let got = store.record_consent(&org, &change).unwrap();
        assert_eq!(got, want, "{action:?}");
        state = want.after;
    }
}

/// After a change, `consent` reads the state the transition ended in.
pub fn state_reads_back_as_the_last_transition_left_it<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let out = consent_change("org-a", phone(30), ConsentAction::OptOut, 5);
    let t = store.record_consent(&org, &out).unwrap();
    assert!(t.newly_opted_out());
    let want = ConsentState {
        opted_out: true,
        blocked: false,
        suppressed: false,
        updated_at: Some(at(5)),
    };
    assert_eq!(store.consent(&org, phone(30)).unwrap(), want);
    let block = consent_change("org-a", phone(30), ConsentAction::Block, 9);
    let t = store.record_consent(&org, &block).unwrap();
    assert_eq!(store.consent(&org, phone(30)).unwrap(), t.after);
    assert!(t.after.opted_out && t.after.blocked);
}

/// The state is always what replaying the history gives (C7: history and
/// state never disagree).
pub fn state_is_the_replay_of_the_history<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let script = [
        (30, ConsentAction::OptOut),
        (31, ConsentAction::Block),
        (30, ConsentAction::OptOut),
        (30, ConsentAction::Suppress),
        (31, ConsentAction::OptIn),
        (30, ConsentAction::OptIn),
        (31, ConsentAction::Unblock),
    ];
    for (secs, (line, action)) in (1..).zip(script) {
        store
            .record_consent(&org, &consent_change("org-a", phone(line), action, secs))
            .unwrap();
    }
    for line in [30, 31] {
        let history = store.consent_history(&org, Some(phone(line))).unwrap();
        assert_eq!(
            store.consent(&org, phone(line)).unwrap(),
            replay(&history),
            "number {line}"
        );
    }
}

/// A second STOP changes nothing (no new opt-out, `updated_at` stays) but is
/// still a record of what the patient said (C4, C7).
pub fn a_change_that_changes_nothing_is_still_recorded<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let first = consent_change("org-a", phone(30), ConsentAction::OptOut, 1);
    let second = consent_change("org-a", phone(30), ConsentAction::OptOut, 2);
    assert!(
        store
            .record_consent(&org, &first)
            .unwrap()
            .newly_opted_out()
    );
    let t = store.record_consent(&org, &second).unwrap();
    assert!(!t.newly_opted_out() && !t.changed());
    assert_eq!(t.after.updated_at, Some(at(1)));
    assert_eq!(
        store.consent(&org, phone(30)).unwrap().updated_at,
        Some(at(1))
    );
    let history = store.consent_history(&org, None).unwrap();
    assert_eq!(history, vec![first, second]);
}

/// Every field of a change comes back as recorded, for every kind of source
/// and with optional fields empty.
pub fn history_round_trips_every_source_and_field<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let mut staff = consent_change("org-a", phone(30), ConsentAction::Block, 1);
    staff.source = ConsentSource::Staff {
        username: Username::new("Émile"),
    };
    staff.raw_text = None;
    staff.via = None;
    let mut plain = consent_change("org-a", phone(30), ConsentAction::OptOut, 2);
    plain.source = ConsentSource::PlainLanguage;
    let mut carrier = consent_change("org-a", phone(30), ConsentAction::Suppress, 3);
    carrier.source = ConsentSource::Carrier { error_code: 21610 };
    let keyword = consent_change("org-a", phone(30), ConsentAction::OptIn, 4);
    let changes = vec![staff, plain, carrier, keyword];
    for c in &changes {
        store.record_consent(&org, c).unwrap();
    }
    assert_eq!(store.consent_history(&org, None).unwrap(), changes);
}

/// The history comes back in the order the changes were recorded, oldest
/// first, for many changes.
pub fn history_is_in_the_order_recorded<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let changes: Vec<_> = (0..40)
        .map(|i| {
            let action = if i % 3 == 0 {
                ConsentAction::OptIn
            } else {
                ConsentAction::OptOut
            };
            consent_change("org-a", phone(30 + (i % 4) as u16), action, i)
        })
        .collect();
    for c in &changes {
        store.record_consent(&org, c).unwrap();
    }
    assert_eq!(store.consent_history(&org, None).unwrap(), changes);
}

/// The history of one number holds only its changes, in the order recorded
/// (C7 per-number view).
pub fn history_of_one_number_has_only_its_changes<S: ConsentStore>(store: &S) {
    let org = org_id("org-a");
    let mut want = Vec::new();
    for i in 0..12 {
        let line = if i % 2 == 0 { 30 } else { 31 };
        let c = consent_change("org-a", phone(line), ConsentAction::OptOut, i);
        store.record_consent(&org, &c).unwrap();
        if line == 30 {
            want.push(c);
        }
    }
    assert_eq!(store.consent_history(&org, Some(phone(30))).unwrap(), want);
    assert_eq!(
        store.consent_history(&org, Some(phone(32))).unwrap(),
        vec![]
    );
}

/// A STOP to one organization changes nothing for another: its state and
/// its history stay empty (C1: the scope is the organization).
pub fn consent_is_scoped_to_the_organization<S: ConsentStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let stop = consent_change("org-a", phone(30), ConsentAction::OptOut, 1);
    store.record_consent(&a, &stop).unwrap();
    assert_eq!(
        store.consent(&b, phone(30)).unwrap(),
        ConsentState::default()
    );
    assert_eq!(store.consent_history(&b, None).unwrap(), vec![]);
    assert_eq!(store.consent_history(&b, Some(phone(30))).unwrap(), vec![]);
    let start = consent_change("org-b", phone(30), ConsentAction::OptIn, 2);
    let t = store.record_consent(&b, &start).unwrap();
    assert!(!t.newly_opted_in(), "org-b was never opted out");
    assert!(store.consent(&a, phone(30)).unwrap().opted_out);
    assert_eq!(store.consent_history(&a, None).unwrap(), vec![stop]);
}

/// STOPs racing from several threads: exactly one of them opts the number
/// out (so exactly one confirmation is sent, C4), and every one is in the
/// history.
pub fn c4_concurrent_stops_opt_out_exactly_once<S: ConsentStore>(store: &S) {
    const THREADS: usize = 4;
    let org = org_id("org-a");
    let transitions: Vec<ConsentTransition> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let org = org.clone();
                s.spawn(move || {
                    let c = consent_change("org-a", phone(30), ConsentAction::OptOut, i as i64);
                    store.record_consent(&org, &c).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let fresh = transitions.iter().filter(|t| t.newly_opted_out()).count();
    assert_eq!(fresh, 1, "{transitions:?}");
    assert_eq!(store.consent_history(&org, None).unwrap().len(), THREADS);
    assert!(store.consent(&org, phone(30)).unwrap().opted_out);
}

/// Changes from several threads to several numbers all land.
pub fn concurrent_changes_all_land<S: ConsentStore>(store: &S) {
    const THREADS: u16 = 4;
    const EACH: i64 = 10;
    let org = org_id("org-a");
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let org = org.clone();
            s.spawn(move || {
                for i in 0..EACH {
                    let c = consent_change("org-a", phone(30 + t), ConsentAction::OptOut, i);
                    store.record_consent(&org, &c).unwrap();
                }
            });
        }
    });
    assert_eq!(
        store.consent_history(&org, None).unwrap().len(),
        usize::from(THREADS) * EACH as usize
    );
    for t in 0..THREADS {
        let history = store.consent_history(&org, Some(phone(30 + t))).unwrap();
        assert_eq!(history.len(), EACH as usize);
        assert!(store.consent(&org, phone(30 + t)).unwrap().opted_out);
    }
}
