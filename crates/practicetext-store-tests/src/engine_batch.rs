//! `Engine::handle_inbound_batch` (bulk reads and writes where the texts
//! cannot see each other) against its reference,
//! `handle_inbound_batch_one_by_one` (each text in its own nested unit, in
//! order), on any store: the same outcomes, the same replies and alerts,
//! and the same store contents afterwards. A store's tests run
//! [`batches_agree`] in a proptest over [`batches`] (repeated senders and
//! provider ids, keywords, auto-replies, unknown numbers) and
//! [`plain_texts_to_the_group_agree`].

use std::sync::Arc;

use chrono::{DateTime, TimeDelta};
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::engine::Engine;
use practicetext_core::ids::OrganizationId;
use practicetext_core::inbound::InboundText;
use practicetext_core::inbox::state::Presence;
use practicetext_core::phone::E164;
use practicetext_core::ports::{ConversationFilter, Store, Timestamp};
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;
use proptest::prelude::*;

/// 2026-11-23 15:00 UTC.
pub fn t0() -> Timestamp {
    DateTime::from_timestamp(1_795_446_000, 0).expect("a valid instant")
}

fn n(s: &str) -> E164 {
    E164::parse(s).expect("a valid test number")
}

/// An engine on `store` holding the sample practice, Alice with an
/// auto-responder.
pub fn engine<S: Store>(store: S) -> Engine<S, RecordingTransport> {
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is away.".into(),
    });
    store
        .put_organization(&dir.organization)
        .expect("organization");
    for u in &dir.users {
        store.put_user(u).expect("user");
    }
    for g in &dir.groups {
        store.put_group(g).expect("group");
    }
    for x in &dir.numbers {
        store.put_number(x).expect("number");
    }
    Engine::new(
        store,
        RecordingTransport::default(),
        Arc::new(FixedClock::new(t0())),
        Arc::new(SeededRandom::new(7)),
    )
}

/// Our numbers: Alice (with an auto-responder), the front desk's group,
/// the refills queue, and one nobody owns.
const TO: [&str; 4] = ["6502530001", "6502530010", "6502530020", "6502530099"];
const BODIES: [&str; 5] = ["Is Rex ready?", "Hi", "STOP", "START", "Is Rex ready?"];

/// One inbound text of a generated batch.
#[derive(Debug, Clone)]
pub struct Spec {
    /// `SM<n>`, or none.
    pub provider_id: Option<u8>,
    /// The sender's line.
    pub from: u8,
    /// An index of our numbers.
    pub to: usize,
    /// An index of the bodies.
    pub body: usize,
    /// Seconds after [`t0`].
    pub second: u32,
}

/// A generated inbound text.
pub fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::option::weighted(0.95, 0u8..40),
        0u8..10,
        prop::sample::select(vec![0usize, 1, 1, 1, 2, 3]),
        prop::sample::select(vec![0usize, 0, 1, 1, 2, 3, 4]),
        0u32..120,
    )
        .prop_map(|(provider_id, from, to, body, second)| Spec {
            provider_id,
            from,
            to,
            body,
            second,
        })
}

/// A generated sequence of batches.
pub fn batches() -> impl Strategy<Value = Vec<Vec<Spec>>> {
    prop::collection::vec(prop::collection::vec(spec(), 1..10), 1..5)
}

/// The inbound text of `s`.
pub fn text(s: &Spec) -> InboundText {
    InboundText {
        provider_id: s.provider_id.map(|p| format!("SM{p}")),
        from: Sender::Number(n(&format!("41625300{:02}", s.from))),
        to: n(TO[s.to]),
        body: MessageBody::from(BODIES[s.body]),
        media_count: 0,
        received_at: t0() + TimeDelta::seconds(i64::from(s.second)),
    }
}

/// Everything the engine wrote that a reader can see.
pub fn contents<S: Store>(e: &Engine<S, RecordingTransport>) -> String {
    let store = e.store();
    let org = OrganizationId::from("happy-paws");
    let mut out = String::new();
    let conversations = store
        .conversations(&org, &ConversationFilter::default())
        .expect("conversations");
    for c in &conversations {
        out += &format!(
            "{c:?}\n{:?}\n",
            store.messages(&org, &c.id).expect("messages")
        );
    }
    for u in store.users(&org).expect("users") {
        out += &format!("{:?}\n", store.entries(&org, &u.username).expect("entries"));
    }
    let day = t0().date_naive();
    out += &format!("{:?}\n", store.usage(&org, day, day).expect("usage"));
    out += &format!(
        "{:?}\n",
        store.consent_history(&org, None).expect("consent")
    );
    for p in 0..40 {
        let claim = store.claim("inbound", &format!("SM{p}"), TimeDelta::zero(), t0());
        out += &format!("{claim:?}");
    }
    out += &format!("{:?}", e.transport().take());
    out
}

/// Each batch handled in bulk by one engine and one by one by another,
/// both on a store from `make`: the same answers, then the same contents.
pub fn batches_agree<S: Store>(make: impl Fn() -> S, batches: &[Vec<Spec>]) {
    let (bulk, reference) = (engine(make()), engine(make()));
    for batch in batches {
        let texts: Vec<InboundText> = batch.iter().map(text).collect();
        let got = bulk.handle_inbound_batch(&texts).expect("bulk");
        let want = reference
            .handle_inbound_batch_one_by_one(&texts)
            .expect("one by one");
        assert_eq!(got, want, "{batch:?}");
    }
    assert_eq!(contents(&bulk), contents(&reference));
}

/// Batches of plain texts to the group (senders who already have a
/// conversation) go in bulk and record what one by one records, with
/// staff present, muted and away.
pub fn plain_texts_to_the_group_agree<S: Store>(make: impl Fn() -> S) {
    let (bulk, reference) = (engine(make()), engine(make()));
    let org = OrganizationId::from("happy-paws");
    let online = Presence {
        online: true,
        last_login: Some(t0()),
    };
    for e in [&bulk, &reference] {
        e.store()
            .set_presence(&org, &"alice".into(), &online)
            .expect("presence");
    }
    let spec = |p: u8, from: u8, second: u32| Spec {
        provider_id: Some(p),
        from,
        to: 1,
        body: 0,
        second,
    };
    let first: Vec<InboundText> = (0..8).map(|i| text(&spec(i, i, 0))).collect();
    let second: Vec<InboundText> = (0..8).map(|i| text(&spec(10 + i, i, 5))).collect();
    let third: Vec<InboundText> = (0..8).map(|i| text(&spec(20 + i, i, 9))).collect();
    for (round, texts) in [&first, &second, &third].into_iter().enumerate() {
        if round == 1 {
            // Bob mutes the first sender's conversation.
            for e in [&bulk, &reference] {
                let active = ConversationFilter::active();
                let c = e.store().conversations(&org, &active).expect("active");
                e.store()
                    .set_muted(&org, &"bob".into(), &c[0].id, true)
                    .expect("mute");
            }
        }
        let got = bulk.handle_inbound_batch(texts).expect("bulk");
        let want = reference
            .handle_inbound_batch_one_by_one(texts)
            .expect("one by one");
        assert_eq!(got, want);
    }
    assert_eq!(contents(&bulk), contents(&reference));
}
