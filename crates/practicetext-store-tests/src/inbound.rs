//! Conformance checks for [`InboundStore`]: one call answers as the ports
//! it stands for would, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`inbound_store_tests!`](crate::inbound_store_tests) (a test of this
//! crate fails otherwise).

use chrono::TimeDelta;
use practicetext_core::consent::{ConsentAction, ConsentState};
use practicetext_core::conversation::{Direction, Participants};
use practicetext_core::ids::OrganizationId;
use practicetext_core::phone::E164;
use practicetext_core::ports::{InboundContext, InboundQuery, InboundStore, RateKey, Timestamp};

use crate::fixtures::{at, closed, consent_change, conversation, message, phone, sms};

/// Generates one `#[test]` per [`InboundStore`] check in a module
/// `inbound`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! inbound_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            inbound,
            $factory,
            [
                an_empty_store_gives_the_defaults,
                inbound_context_is_what_each_port_says,
                a_closed_conversation_is_not_the_active_one,
                without_a_number_or_keys_the_answers_are_the_defaults,
                inbound_context_is_scoped_to_the_organization,
                inbound_context_with_body_takes_out_the_previous_body,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn keys() -> (RateKey, RateKey) {
    (
        RateKey::new("autoreply:org-a:+16502530030"),
        RateKey::new("autoreply-conversation:org-a:+16502530001:+16502530030"),
    )
}

fn ask<S: InboundStore>(
    store: &S,
    org: &OrganizationId,
    from: Option<E164>,
    participants: &Participants,
    since: Timestamp,
) -> InboundContext {
    let (rate, counter) = keys();
    let query = InboundQuery {
        organization: org,
        from,
        participants,
        rate_key: Some(&rate),
        conversation_key: Some(&counter),
        since,
    };
    store.inbound_context(&query).unwrap()
}

/// Nothing recorded: default consent, no conversation, no previous text,
/// no acquisition.
pub fn an_empty_store_gives_the_defaults<S: InboundStore>(store: &S) {
    let got = ask(store, &org_id("org-a"), Some(phone(30)), &sms(1, 30), at(0));
    let want = InboundContext {
        consent: ConsentState::default(),
        conversation: None,
        previous_inbound: None,
        last_acquired: None,
        count_since: 0,
    };
    assert_eq!(got, want);
}

/// Each answer is what its port gives: the consent state, the active
/// conversation, its newest inbound message (not a newer outbound one),
/// the rate key's last acquisition and the counter since `since`.
pub fn inbound_context_is_what_each_port_says<S: InboundStore>(store: &S) {
    let org = org_id("org-a");
    store
        .record_consent(
            &org,
            &consent_change("org-a", phone(30), ConsentAction::OptOut, 1),
        )
        .unwrap();
    let active = conversation("org-a", "c-1", sms(1, 30), 0);
    store.put_conversation(&active).unwrap();
    let inbound = message("org-a", "c-1", "m-2", Direction::Inbound, 2_000);
    store
        .put_message(&message("org-a", "c-1", "m-1", Direction::Inbound, 1_000))
        .unwrap();
    store.put_message(&inbound).unwrap();
    store
        .put_message(&message("org-a", "c-1", "m-3", Direction::Outbound, 3_000))
        .unwrap();
    let (rate, counter) = keys();
    let thirty = TimeDelta::seconds(30);
    assert!(store.try_acquire(&org, &rate, thirty, at(10)).unwrap());
    for s in [5, 20, 40] {
        assert!(
            store
                .try_acquire(&org, &counter, TimeDelta::zero(), at(s))
                .unwrap()
        );
    }
    let got = ask(store, &org, Some(phone(30)), &sms(1, 30), at(20));
    let want = InboundContext {
        consent: store.consent(&org, phone(30)).unwrap(),
        conversation: Some(active),
        previous_inbound: Some(inbound),
        last_acquired: Some(at(10)),
        count_since: 2,
    };
    assert!(want.consent.opted_out);
    assert_eq!(got, want);
}

/// A closed conversation is not the active one, and its messages are not
/// the previous text.
pub fn a_closed_conversation_is_not_the_active_one<S: InboundStore>(store: &S) {
    let org = org_id("org-a");
    store
        .put_conversation(&closed(conversation("org-a", "c-0", sms(1, 30), 0)))
        .unwrap();
    store
        .put_message(&message("org-a", "c-0", "m-1", Direction::Inbound, 0))
        .unwrap();
    let got = ask(store, &org, Some(phone(30)), &sms(1, 30), at(0));
    assert_eq!((got.conversation, got.previous_inbound), (None, None));
}

/// Without a sender number or keys the answers are the defaults, whatever
/// is recorded.
pub fn without_a_number_or_keys_the_answers_are_the_defaults<S: InboundStore>(store: &S) {
    let org = org_id("org-a");
    store
        .record_consent(
            &org,
            &consent_change("org-a", phone(30), ConsentAction::Block, 1),
        )
        .unwrap();
    let (rate, _) = keys();
    store
        .try_acquire(&org, &rate, TimeDelta::zero(), at(0))
        .unwrap();
    let unreplyable = Participants::SmsUnreplyable {
        our_number: phone(1),
        sender: "PHARMACY".into(),
    };
    let query = InboundQuery {
        organization: &org,
        from: None,
        participants: &unreplyable,
        rate_key: None,
        conversation_key: None,
        since: at(-100),
    };
    let got = store.inbound_context(&query).unwrap();
    assert_eq!(got.consent, ConsentState::default());
    assert_eq!((got.last_acquired, got.count_since), (None, 0));
}

/// Another organization's records give nothing.
pub fn inbound_context_is_scoped_to_the_organization<S: InboundStore>(store: &S) {
    let a = org_id("org-a");
    store
        .record_consent(
            &a,
            &consent_change("org-a", phone(30), ConsentAction::OptOut, 1),
        )
        .unwrap();
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    store
        .put_message(&message("org-a", "c-1", "m-1", Direction::Inbound, 0))
        .unwrap();
    let (rate, counter) = keys();
    store
        .try_acquire(&a, &rate, TimeDelta::zero(), at(0))
        .unwrap();
    store
        .try_acquire(&a, &counter, TimeDelta::zero(), at(0))
        .unwrap();
    let got = ask(
        store,
        &org_id("org-b"),
        Some(phone(30)),
        &sms(1, 30),
        at(-1),
    );
    let want = InboundContext {
        consent: ConsentState::default(),
        conversation: None,
        previous_inbound: None,
        last_acquired: None,
        count_since: 0,
    };
    assert_eq!(got, want);
}

/// `inbound_context_with_body` answers as `inbound_context`, with the
/// previous inbound message's body taken out of it, and
/// `inbound_contexts` as `inbound_context_with_body` for each query.
pub fn inbound_context_with_body_takes_out_the_previous_body<S: InboundStore>(store: &S) {
    let org = org_id("org-a");
    for (conv, participants) in [("c-1", sms(1, 30)), ("c-2", sms(1, 31))] {
        store
            .put_conversation(&conversation("org-a", conv, participants, 0))
            .unwrap();
    }
    let previous = message("org-a", "c-1", "m-1", Direction::Inbound, 1_000);
    store.put_message(&previous).unwrap();
    store
        .put_message(&message("org-a", "c-1", "m-2", Direction::Outbound, 2_000))
        .unwrap();
    let (rate, counter) = keys();
    store
        .try_acquire(&org, &rate, TimeDelta::zero(), at(0))
        .unwrap();
    // c-1 has a previous inbound text, c-2 none, and 32 no conversation.
    let outsides = [(30, Some(previous.body.clone())), (31, None), (32, None)];
    let participants: Vec<Participants> = outsides.iter().map(|(o, _)| sms(1, *o)).collect();
    let mut queries = Vec::new();
    let mut answers = Vec::new();
    for ((outside, body), participants) in outsides.into_iter().zip(&participants) {
        let query = InboundQuery {
            organization: &org,
            from: Some(phone(outside)),
            participants,
            rate_key: Some(&rate),
            conversation_key: Some(&counter),
            since: at(-100),
        };
        let mut want = store.inbound_context(&query).unwrap();
        assert_eq!(want.previous_inbound.is_some(), body.is_some());
        want.previous_inbound = None;
        let got = store.inbound_context_with_body(&query).unwrap();
        assert_eq!(got, (want, body));
        queries.push(query);
        answers.push(got);
    }
    // All at once, in order, repeats and all.
    queries.push(queries[0]);
    answers.push(answers[0].clone());
    assert_eq!(store.inbound_contexts(&queries).unwrap(), answers);
    assert_eq!(store.inbound_contexts(&[]).unwrap(), vec![]);
}
