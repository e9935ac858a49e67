//! Runs the engine cases of `benches/decisions.rs` (an inbound text
//! handled over the in-memory store) N times, for instruction counts and
//! cache simulation: `valgrind --tool=callgrind` with two values of N; the
//! difference divided by the difference of N is the cost of one text.
//! As in the bench, texts are built 64 at a time outside the engine call
//! (`--toggle-collect='*handle_inbound*'` counts the engine alone) and the
//! recorded replies are taken out of the transport every 1,024 texts.
//!
//! `cargo build --release -p practicetext-core --example engine_instructions`
//! then `engine_instructions one|patients N`.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::directory::Directory;
use practicetext_core::engine::Engine;
use practicetext_core::inbound::InboundText;
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::DirectoryStore;
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T15:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn number(s: &str) -> E164 {
    E164::parse(s).unwrap_or_else(|_| unreachable!())
}

/// The `i`-th text from one patient, 1 ms after the previous one.
fn text(i: u64) -> InboundText {
    InboundText {
        provider_id: Some(format!("SM{i}")),
        from: Sender::Number(number("4162530000")),
        to: number("6502530001"),
        body: MessageBody::from("Hi, is Rex ready to be picked up this afternoon? Thanks!"),
        media_count: 0,
        received_at: t0() + TimeDelta::milliseconds(i as i64),
    }
}

/// The `i`-th text of the 1,000-patient stream, 10 s after the previous.
fn patients_text(i: u64) -> InboundText {
    InboundText {
        from: Sender::Number(number(&format!("+1416253{:04}", i % 1000))),
        received_at: t0() + TimeDelta::seconds(i as i64 * 10),
        ..text(i)
    }
}

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let n: u64 = args.next().unwrap_or_else(|| "1".into()).parse()?;
    let make: fn(u64) -> InboundText = match case.as_str() {
        "one" => text,
        "patients" => patients_text,
        other => return Err(format!("unknown case {other:?} (one, patients)").into()),
    };
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is away today.".into(),
    });
    let engine = memory_engine(&dir);
    let mut handled = 0u64;
    while handled < n {
        let batch: Vec<InboundText> = (handled + 1..=(handled + 64).min(n)).map(make).collect();
        for t in &batch {
            handled += 1;
            let out = engine.handle_inbound(black_box(t));
            if handled.is_multiple_of(1024) {
                let _ = engine.transport().take();
            }
            drop(black_box(out));
        }
    }
    Ok(())
}
