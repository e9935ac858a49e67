//! The engine over one SQLite file from several connections at once (each
//! thread its own `SqliteStore`, as separate processes would have): the
//! quality bars that need more than one worker. Each test prints its
//! counts.

use std::path::PathBuf;
use std::sync::Barrier;

use practicetext_core::chrono::{DateTime, Utc};
use practicetext_core::engine::Engine;
use practicetext_core::ports::{ConsentStore, ConversationFilter, ConversationStore};
use practicetext_core::scenario::RecordingTransport;
use practicetext_sqlite::SqliteStore;
use practicetext_store_tests::engine::{
    Handled, engine, handle, org, patient, put_practice, round_instant, staff_send, text,
};

const WORKERS: usize = 4;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_446_000, 0).unwrap()
}

/// A database file holding the sample practice, and its directory.
fn shared_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    put_practice(&SqliteStore::open(&path).unwrap());
    (dir, path)
}

/// One engine per worker, each on its own connection to `path`.
fn engines(path: &PathBuf) -> Vec<Engine<SqliteStore, RecordingTransport>> {
    (0..WORKERS)
        .map(|w| engine(SqliteStore::open(path).unwrap(), t0(), w as u64 + 1))
        .collect()
}

/// Every worker handles its text at once (after a barrier).
fn race(
    engines: &[Engine<SqliteStore, RecordingTransport>],
    text_of: impl Fn(usize) -> practicetext_core::inbound::InboundText + Sync,
) -> Vec<Handled> {
    let start = Barrier::new(engines.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = engines
            .iter()
            .enumerate()
            .map(|(w, e)| {
                let (start, text_of) = (&start, &text_of);
                s.spawn(move || {
                    let t = text_of(w);
                    start.wait();
                    handle(e, &t)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A2: four connections handling texts from one sender at one instant send
/// exactly one auto-reply, round after round.
#[test]
fn a2_four_connections_one_sender_one_instant_send_one_auto_reply() {
    let (_dir, path) = shared_file();
    let engines = engines(&path);
    for round in 0..5 {
        let at = round_instant(t0(), round);
        let from = patient(round as u16);
        let reports = race(&engines, |w| {
            text(&format!("SM{round}-{w}"), from, "Is Rex ready?", at)
        });
        let sent: Vec<usize> = reports.iter().map(|r| r.sent).collect();
        println!("round {round}: auto-replies sent per connection {sent:?}");
        assert!(reports.iter().all(|r| r.handled));
        assert_eq!(sent.iter().sum::<usize>(), 1, "round {round}: {sent:?}");
    }
}

/// V10, C4: one webhook (a STOP) delivered to four connections at once is
/// handled once: one record, one consent change, one confirmation.
#[test]
fn v10_one_webhook_on_four_connections_is_handled_once() {
    let (_dir, path) = shared_file();
    let engines = engines(&path);
    for round in 0..5 {
        let at = round_instant(t0(), round);
        let from = patient(100 + round as u16);
        let id = format!("SMstop{round}");
        let reports = race(&engines, |_| text(&id, from, "STOP", at));
        let handled: Vec<bool> = reports.iter().map(|r| r.handled).collect();
        let sent: usize = reports.iter().map(|r| r.sent).sum();
        println!("round {round}: handled per connection {handled:?}, confirmations sent {sent}");
        assert_eq!(handled.iter().filter(|h| **h).count(), 1, "{handled:?}");
        assert_eq!(sent, 1);
        let store = engines[0].store();
        let history = store.consent_history(&org(), Some(from)).unwrap();
        assert_eq!(history.len(), 1, "one consent change on record");
        let filter = ConversationFilter {
            outside_number: Some(from),
            ..Default::default()
        };
        let conversations = store.conversations(&org(), &filter).unwrap();
        assert_eq!(conversations.len(), 1);
        let messages = store.messages(&org(), &conversations[0].id).unwrap();
        let inbound = messages
            .iter()
            .filter(|m| m.provider_id.as_deref() == Some(&id));
        assert_eq!(inbound.count(), 1, "the STOP is stored once");
    }
}

/// C1: an opt-out committed on one connection is seen by another that was
/// open before it: the staff member's text is refused and nothing is sent.
#[test]
fn c1_an_opt_out_committed_on_one_connection_stops_a_send_on_another() {
    let (_dir, path) = shared_file();
    let engines = engines(&path);
    let from = patient(7);
    let (before, sent_before) = staff_send(&engines[1], from, "Rex is ready for pick-up.");
    assert_eq!((before.len(), sent_before), (0, 1), "{before:?}");
    let stop = handle(&engines[0], &text("SMstop", from, "Stop texting me", t0()));
    assert!(stop.handled);
    let (refusals, sent) = staff_send(&engines[1], from, "Rex is ready for pick-up.");
    println!("after the opt-out: refusals {refusals:?}, texts sent {sent}");
    assert!(refusals.contains(&"recipient_opted_out"), "{refusals:?}");
    assert_eq!(sent, 0);
}
