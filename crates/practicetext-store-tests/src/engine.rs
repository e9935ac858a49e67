//! The engine over a store, for the tests that run it from several
//! connections, threads or processes at once (SPEC A2, V10, C1, C4) and
//! for the durability test: the sample practice, texts, and what one
//! worker does and reports.

use std::sync::Arc;

use chrono::TimeDelta;
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::engine::{Engine, InboundOutcome};
use practicetext_core::ids::{OrganizationId, Username};
use practicetext_core::inbound::InboundText;
use practicetext_core::phone::E164;
use practicetext_core::ports::{DirectoryStore, Store, Timestamp};
use practicetext_core::routing::Recipient;
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::send::SendRequest;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;

/// The sample practice's organization.
pub fn org() -> OrganizationId {
    OrganizationId::new("happy-paws")
}

/// Alice's number: texts to it reach her, and her auto-responder answers.
pub fn alice_number() -> E164 {
    E164::parse("+16502530001").expect("a valid number")
}

/// An outside number, `+1 416 253 NNNN`.
pub fn patient(line: u16) -> E164 {
    E164::parse(&format!("+1416253{:04}", line % 10_000)).expect("a valid number")
}

/// Writes the sample practice ([`sample_directory`]) with Alice's
/// auto-responder on.
pub fn put_practice<S: DirectoryStore>(store: &S) {
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is away today.".into(),
    });
    store.put_organization(&dir.organization).unwrap();
    for u in &dir.users {
        store.put_user(u).unwrap();
    }
    for g in &dir.groups {
        store.put_group(g).unwrap();
    }
    for n in &dir.numbers {
        store.put_number(n).unwrap();
    }
}

/// An engine over `store` whose clock stands at `now` and whose transport
/// records what it sends. `seed` makes its ids differ from other workers'.
pub fn engine<S: Store>(store: S, now: Timestamp, seed: u64) -> Engine<S, RecordingTransport> {
    Engine::new(
        store,
        RecordingTransport::default(),
        Arc::new(FixedClock::new(now)),
        Arc::new(SeededRandom::new(seed)),
    )
}

/// A text from `from` to Alice, received at `at`.
pub fn text(provider_id: &str, from: E164, body: &str, at: Timestamp) -> InboundText {
    InboundText {
        provider_id: Some(provider_id.to_owned()),
        from: Sender::Number(from),
        to: alice_number(),
        body: MessageBody::from(body),
        media_count: 0,
        received_at: at,
    }
}

/// What one worker did with one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handled {
    /// The engine handled it (not a duplicate).
    pub handled: bool,
    /// Texts the worker's transport sent.
    pub sent: usize,
}

impl Handled {
    /// The report a worker process prints: `handled=0|1 sent=N`.
    pub fn line(self) -> String {
        format!("handled={} sent={}", u8::from(self.handled), self.sent)
    }

    /// Reads [`line`](Self::line) back.
    pub fn parse(line: &str) -> Option<Handled> {
        let mut parts = line.split_whitespace();
        let handled = parts.next()?.strip_prefix("handled=")?;
        let sent = parts.next()?.strip_prefix("sent=")?.parse().ok()?;
        Some(Handled {
            handled: handled == "1",
            sent,
        })
    }
}

/// Handles `text` on `engine` and reports what happened.
pub fn handle<S: Store>(engine: &Engine<S, RecordingTransport>, text: &InboundText) -> Handled {
    let outcome = engine.handle_inbound(text).unwrap();
    let (sms, _) = engine.transport().take();
    Handled {
        handled: matches!(outcome, InboundOutcome::Handled { .. }),
        sent: sms.len(),
    }
}

/// Alice sends `body` to `to`; returns the refusal codes and how many texts
/// went out.
pub fn staff_send<S: Store>(
    engine: &Engine<S, RecordingTransport>,
    to: E164,
    body: &str,
) -> (Vec<&'static str>, usize) {
    let req = SendRequest {
        organization: org(),
        user: Username::new("alice"),
        to: vec![Recipient::Number(to)],
        from: None,
        reply_on: None,
        body: MessageBody::from(body),
        attachments: Vec::new(),
    };
    let outcomes = engine.send(&req).unwrap();
    let refusals = outcomes
        .iter()
        .flat_map(|o| o.check.refusals.iter().map(|r| r.code()))
        .collect();
    let (sms, _) = engine.transport().take();
    (refusals, sms.len())
}

/// The instant of round `round` of a race: rounds are a minute apart, so
/// every round's 30-second auto-reply window is fresh.
pub fn round_instant(start: Timestamp, round: u32) -> Timestamp {
    start + TimeDelta::minutes(i64::from(round))
}
