//! `Engine::handle_inbound_batch` on SQLite (the store's bulk ports:
//! contexts, claims, messages, inbox marks, usage and completions in one
//! call each) against its reference, `handle_inbound_batch_one_by_one`
//! (each text in its own nested unit, through the single-text ports): the
//! same outcomes, replies and alerts, and the same store contents
//! afterwards, for random sequences of batches.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::engine::Engine;
use practicetext_core::ids::OrganizationId;
use practicetext_core::inbound::InboundText;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    ConsentStore, ConversationFilter, ConversationStore, DirectoryStore, IdempotencyStore,
    InboxStore, UsageStore,
};
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;
use practicetext_sqlite::SqliteStore;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_446_000, 0).unwrap()
}

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

fn engine() -> Engine<SqliteStore, RecordingTransport> {
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is away.".into(),
    });
    let store = SqliteStore::open_in_memory().unwrap();
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
fn contents(e: &Engine<SqliteStore, RecordingTransport>) -> String {
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
    #![proptest_config(ProptestConfig::with_cases(64))]

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

/// Batches of plain texts to the group (senders who already have a
/// conversation) go in bulk and record what one by one records, with
/// staff present, muted and away.
#[test]
fn plain_texts_to_the_group_record_as_one_by_one() {
    use practicetext_core::inbox::state::Presence;
    let (bulk, reference) = (engine(), engine());
    let org = OrganizationId::from("happy-paws");
    let online = Presence {
        online: true,
        last_login: Some(t0()),
    };
    for e in [&bulk, &reference] {
        e.store()
            .set_presence(&org, &"alice".into(), &online)
            .unwrap();
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
                let c = e.store().conversations(&org, &active).unwrap();
                e.store()
                    .set_muted(&org, &"bob".into(), &c[0].id, true)
                    .unwrap();
            }
        }
        let got = bulk.handle_inbound_batch(texts).unwrap();
        let want = reference.handle_inbound_batch_one_by_one(texts).unwrap();
        assert_eq!(got, want);
    }
    assert_eq!(contents(&bulk), contents(&reference));
}

/// The bulk ports' edges on SQLite: repeated keys, keys already done or
/// held, keys completed in the open unit, a message whose conversation is
/// missing, a message put again.
#[test]
fn bulk_claims_and_messages_answer_as_one_by_one() {
    use Claim::*;
    use practicetext_core::conversation::{Author, Direction, Message};
    use practicetext_core::ids::{ConversationId, MessageId};
    use practicetext_core::ports::{Atomic, Claim, StoreError};

    let store = SqliteStore::open_in_memory().unwrap();
    let t = t0();
    let lease = TimeDelta::seconds(60);
    assert_eq!(store.claim("inbound", "held", lease, t), Ok(Acquired));
    assert_eq!(store.claim("inbound", "done", lease, t), Ok(Acquired));
    store.complete("inbound", "done", t).unwrap();
    let claims = store.claim_all("inbound", &["new", "held", "done", "other"], lease, t);
    assert_eq!(claims, Ok(vec![Acquired, InProgress, Done, Acquired]));
    let repeated = store.claim_all("inbound", &["again", "again"], lease, t);
    assert_eq!(repeated, Ok(vec![Acquired, InProgress]));
    let zero = store.claim_all("inbound", &["zero", "zero"], TimeDelta::zero(), t);
    assert_eq!(zero, Ok(vec![Acquired, Acquired]));
    store
        .complete_all("inbound", &["new", "new", "other"], t)
        .unwrap();
    let after = store.claim_all("inbound", &["new", "other"], lease, t);
    assert_eq!(after, Ok(vec![Done, Done]));
    // Inside a unit: completions kept for the commit count as done.
    let inside: Result<Vec<Claim>, StoreError> = store.atomically(|| {
        store.claim_all("inbound", &["u1", "u2"], lease, t)?;
        store.complete_all("inbound", &["u1"], t)?;
        store.complete_all("other-scope", &["u2"], t + lease)?;
        store.claim_all("inbound", &["u1", "u2", "u3"], lease, t)
    });
    assert_eq!(inside, Ok(vec![Done, InProgress, Acquired]));
    let later = t + TimeDelta::hours(1);
    let after_unit = store.claim_all("inbound", &["u1", "u2", "u3"], lease, later);
    assert_eq!(after_unit, Ok(vec![Done, Acquired, Acquired]));
    assert_eq!(store.claim("other-scope", "u2", lease, later), Ok(Done));

    let message = |id: &str, conversation: &str, body: &str| Message {
        id: MessageId::new(id),
        organization: "org-a".into(),
        conversation: ConversationId::new(conversation),
        direction: Direction::Inbound,
        author: Author::Outside,
        body: body.into(),
        at: t,
        provider_id: None,
    };
    let err = store
        .put_messages(&[
            message("m1", "missing", "Hi"),
            message("m2", "missing", "Hi"),
        ])
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
    let conversation = practicetext_store_tests::fixtures::conversation(
        "org-a",
        "c-1",
        practicetext_store_tests::fixtures::sms(1, 30),
        0,
    );
    store.put_conversation(&conversation).unwrap();
    let (a, b) = (message("m1", "c-1", "Hi"), message("m2", "c-1", "Hello"));
    let again = message("m1", "c-1", "Hi again");
    store.put_messages(&[a, b.clone(), again.clone()]).unwrap();
    let org = OrganizationId::from("org-a");
    let stored = store.messages(&org, &"c-1".into()).unwrap();
    assert_eq!(stored, vec![again, b]);
}
