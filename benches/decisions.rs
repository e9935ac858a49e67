//! Inbound decisions (issue: decisions). Targets on one core: a pure
//! inbound decision ≤ 1 µs; the engine over the in-memory store ≤ 3 µs.
//!
//! The engine runs two streams to Alice's number (auto-responder on):
//! `engine_handle_inbound_memory` from one patient, so every text joins
//! one conversation that grows by millions of messages over a run, and
//! `engine_handle_inbound_memory_1000_patients` from 1,000 patients in
//! turn (the stream of the SQLite and PostgreSQL benches), 10 s apart so
//! each may get an auto-reply (A2 lets one in three through, X4 caps them).
//!
//! Run: `cargo bench --bench decisions`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use practicetext::autoreply::AutoResponder;
use practicetext::chrono::{DateTime, TimeDelta, Utc};
use practicetext::consent::ConsentState;
use practicetext::directory::Directory;
use practicetext::engine::Engine;
use practicetext::inbound::{self, InboundState, InboundText, Rules};
use practicetext::memory::MemoryStore;
use practicetext::phone::E164;
use practicetext::ports::DirectoryStore;
use practicetext::scenario::RecordingTransport;
use practicetext::sensitive::MessageBody;
use practicetext::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext::webhook::Sender;
use practicetext_store_tests::engine::patient;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T15:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The `i`-th text from one patient, 1 ms after the previous one.
fn text(i: u64) -> InboundText {
    InboundText {
        provider_id: Some(format!("SM{i}")),
        from: Sender::Number(E164::parse("4162530000").unwrap_or_else(|_| unreachable!())),
        to: E164::parse("6502530001").unwrap_or_else(|_| unreachable!()),
        body: MessageBody::from("Hi, is Rex ready to be picked up this afternoon? Thanks!"),
        media_count: 0,
        received_at: t0() + TimeDelta::milliseconds(i as i64),
    }
}

/// The `i`-th text of the 1,000-patient stream, 10 s after the previous.
fn patients_text(i: u64) -> InboundText {
    InboundText {
        from: Sender::Number(patient((i % 1000) as u16)),
        received_at: t0() + TimeDelta::seconds(i as i64 * 10),
        ..text(i)
    }
}

/// An engine over a fresh memory store holding `dir`.
fn memory_engine(dir: &Directory) -> Engine<MemoryStore, RecordingTransport> {
    let store = MemoryStore::new();
    let _ = store.put_organization(&dir.organization);
    for u in &dir.users {
        let _ = store.put_user(u);
    }
    for g in &dir.groups {
        let _ = store.put_group(g);
    }
    for n in &dir.numbers {
        let _ = store.put_number(n);
    }
    Engine::new(
        store,
        RecordingTransport::default(),
        Arc::new(FixedClock::new(t0())),
        Arc::new(SeededRandom::new(1)),
    )
}

/// Handles the stream's texts one per iteration. Only the engine is
/// timed: each text is built (its `format!` and number parses) in
/// criterion's untimed setup (`iter_batched_ref`), 64 a batch so a batch's
/// texts stay in cache (`SmallInput` would hold a tenth of the run's texts
/// at once and measured slower), and the recorded replies are taken out of
/// the transport every 1,024 texts.
fn bench_stream(c: &mut Criterion, name: &str, dir: &Directory, text: fn(u64) -> InboundText) {
    let engine = memory_engine(dir);
    let mut built = 0u64;
    let mut handled = 0u64;
    c.bench_function(name, |b| {
        b.iter_batched_ref(
            || {
                built += 1;
                text(built)
            },
            |t| {
                handled += 1;
                let out = engine.handle_inbound(black_box(t));
                if handled.is_multiple_of(1024) {
                    let _ = engine.transport().take();
                }
                out
            },
            BatchSize::NumIterations(64),
        )
    });
}

fn decisions(c: &mut Criterion) {
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is away today.".into(),
    });
    let rules = Rules::default();
    let consent = ConsentState::default();
    let state = InboundState {
        directory: &dir,
        consent: &consent,
        previous_body: None,
        last_auto_reply_at: None,
        auto_replies_last_day: 0,
        known_client: true,
    };
    let t = text(0);
    c.bench_function("inbound_decision_pure", |b| {
        b.iter(|| inbound::decide(black_box(&t), black_box(&state), &rules))
    });
    let stop = InboundText {
        body: MessageBody::from("Stop."),
        ..text(0)
    };
    c.bench_function("inbound_decision_pure_stop", |b| {
        b.iter(|| inbound::decide(black_box(&stop), black_box(&state), &rules))
    });

    bench_stream(c, "engine_handle_inbound_memory", &dir, text);
    bench_stream(
        c,
        "engine_handle_inbound_memory_1000_patients",
        &dir,
        patients_text,
    );
}

criterion_group!(benches, decisions);
criterion_main!(benches);
