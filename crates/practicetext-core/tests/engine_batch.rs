//! `Engine::handle_inbound_batch` (bulk reads and writes where the texts
//! cannot see each other) against its reference,
//! `handle_inbound_batch_one_by_one` (each text in its own nested unit, in
//! order): the same outcomes, the same replies and alerts, and the same
//! store contents afterwards, for random sequences of batches (repeated
//! senders and provider ids, keywords, auto-replies, unknown numbers).

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::engine::Engine;
use practicetext_core::ids::OrganizationId;
use practicetext_core::inbound::InboundText;
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    ConsentStore, ConversationFilter, ConversationStore, DirectoryStore, IdempotencyStore,
    InboxStore, UsageStore,
};
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

fn engine() -> Engine<MemoryStore, RecordingTransport> {
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is away.".into(),
    });
    let store = MemoryStore::new();
    store.put_organization(&dir.organization).unwrap();
    for u in &dir.users {
        store.put_user(u).unwrap();
    }
    for g in &dir.groups {
        store.put_group(g).unwrap();
    }
    for x in &dir.numbers {
        store.put_number(x).unwrap();
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

#[derive(Debug, Clone)]
struct Spec {
    provider_id: Option<u8>,
    from: u8,
    to: usize,
    body: usize,
    second: u32,
}

fn spec() -> impl Strategy<Value = Spec> {
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

fn text(s: &Spec) -> InboundText {
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
fn contents(e: &Engine<MemoryStore, RecordingTransport>) -> String {
    let store = e.store();
    let org = OrganizationId::from("happy-paws");
    let mut out = String::new();
    let conversations = store
        .conversations(&org, &ConversationFilter::default())
        .unwrap();
    for c in &conversations {
        out += &format!("{c:?}\n{:?}\n", store.messages(&org, &c.id).unwrap());
    }
    for u in store.users(&org).unwrap() {
        out += &format!("{:?}\n", store.entries(&org, &u.username).unwrap());
    }
    let day = t0().date_naive();
    out += &format!("{:?}\n", store.usage(&org, day, day).unwrap());
    out += &format!("{:?}\n", store.consent_history(&org, None).unwrap());
    for p in 0..40 {
        let claim = store.claim("inbound", &format!("SM{p}"), TimeDelta::zero(), t0());
        out += &format!("{claim:?}");
    }
    out += &format!("{:?}", e.transport().take());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_batch_records_what_one_by_one_records(
        batches in prop::collection::vec(prop::collection::vec(spec(), 1..10), 1..5),
    ) {
        let (bulk, reference) = (engine(), engine());
        for batch in &batches {
            let texts: Vec<InboundText> = batch.iter().map(text).collect();
            let got = bulk.handle_inbound_batch(&texts).unwrap();
            let want = reference.handle_inbound_batch_one_by_one(&texts).unwrap();
            prop_assert_eq!(got, want);
        }
        prop_assert_eq!(contents(&bulk), contents(&reference));
    }
}

/// A batch of plain texts (senders who already have a conversation,
/// no keyword, to the group) goes in bulk and records what one by one
/// records; the property above covers the mixes.
#[test]
fn plain_texts_to_the_group_record_as_one_by_one() {
    let (bulk, reference) = (engine(), engine());
    let spec = |p: u8, from: u8, second: u32| Spec {
        provider_id: Some(p),
        from,
        to: 1,
        body: 0,
        second,
    };
    let first: Vec<InboundText> = (0..8).map(|i| text(&spec(i, i, 0))).collect();
    let second: Vec<InboundText> = (0..8).map(|i| text(&spec(10 + i, i, 5))).collect();
    for texts in [&first, &second] {
        let got = bulk.handle_inbound_batch(texts).unwrap();
        let want = reference.handle_inbound_batch_one_by_one(texts).unwrap();
        assert_eq!(got, want);
    }
    assert_eq!(contents(&bulk), contents(&reference));
}
