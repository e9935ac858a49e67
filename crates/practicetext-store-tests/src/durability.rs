//! The durability test (nothing acknowledged is lost): a worker process
//! handles a fixed script of inbound texts through the engine and prints
//! `ack <provider id>` only after `handle_inbound` returned `Ok`; the parent
//! kills it with SIGKILL at random moments, checks the store after each
//! kill against a reference run of the same script on the in-memory store,
//! and starts a new worker from the first text it did not see
//! acknowledged (the provider's retry).
//!
//! After each kill, with `n` the texts acknowledged so far, the store must
//! hold exactly the first `n` or `n + 1` texts of the script (the one in
//! flight may have committed without its ack), each inbound message once,
//! the consent history the reference has after as many texts (so nothing
//! duplicated, nothing lost, states right), each number's consent state
//! as replaying that history gives, and as many recorded replies.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use practicetext_core::consent::{ConsentChange, replay};
use practicetext_core::conversation::Direction;
use practicetext_core::engine::{Engine, InboundOutcome};
use practicetext_core::inbound::InboundText;
use practicetext_core::memory::MemoryStore;
use practicetext_core::ports::{ConsentStore, ConversationFilter, Random, Store};
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::testing::SeededRandom;

use crate::engine::{engine, org, patient, put_practice, text};
use crate::fixtures::at;
use crate::process::{Worker, report};

/// Outside numbers the script's texts come from.
const SENDERS: u32 = 12;

/// The script's `i`-th text: from one of [`SENDERS`] numbers, a STOP or a
/// START now and then, one second after the previous text.
pub fn script(i: u32) -> InboundText {
    let body = match i % 9 {
        4 => "STOP".to_owned(),
        8 => "START".to_owned(),
        _ => format!("Is Rex ready? ({i})"),
    };
    let from = patient((i % SENDERS) as u16);
    text(&provider_id(i), from, &body, at(i64::from(i)))
}

/// The provider id of the script's `i`-th text.
pub fn provider_id(i: u32) -> String {
    format!("SMd{i:06}")
}

/// The worker: handles the script from text `start` on, acknowledging each
/// handled (or already handled) text, until killed. Its clock stands an
/// hour later per `incarnation`, as a retry comes later.
pub fn work<S: Store>(store: S, start: u32, incarnation: u32) {
    let now = at(3600 * i64::from(incarnation));
    let engine = engine(store, now, u64::from(incarnation) + 1);
    report("ready");
    for i in start.. {
        match engine.handle_inbound(&script(i)).unwrap() {
            InboundOutcome::Handled { .. } | InboundOutcome::Duplicate { in_progress: false } => {
                report(&format!("ack {}", provider_id(i)));
            }
            InboundOutcome::Duplicate { in_progress: true } => {
                panic!("text {i} is held by a claim that outlived its worker's unit")
            }
        }
        let _ = engine.transport().take();
    }
}

/// The reference: the script run on the in-memory store without crashes,
/// with what the store holds after each text.
pub struct Reference {
    engine: Engine<MemoryStore, RecordingTransport>,
    /// Consent history length after `i` texts, for each `i` so far.
    history_len: Vec<usize>,
    /// Recorded replies after `i` texts.
    replies: Vec<usize>,
}

impl Default for Reference {
    fn default() -> Self {
        let store = MemoryStore::new();
        put_practice(&store);
        Reference {
            engine: engine(store, at(0), 1),
            history_len: vec![0],
            replies: vec![0],
        }
    }
}

impl Reference {
    /// Runs the reference up to `n` texts.
    fn advance(&mut self, n: u32) {
        while self.history_len.len() <= n as usize {
            let i = (self.history_len.len() - 1) as u32;
            let out = self.engine.handle_inbound(&script(i)).unwrap();
            let sent = match out {
                InboundOutcome::Handled { sent, .. } => sent.len(),
                InboundOutcome::Duplicate { .. } => 0,
            };
            let _ = self.engine.transport().take();
            let len = self
                .engine
                .store()
                .consent_history(&org(), None)
                .unwrap()
                .len();
            self.history_len.push(len);
            let replies = self.replies.last().copied().unwrap_or(0) + sent;
            self.replies.push(replies);
        }
    }

    /// The consent history after `n` texts.
    fn history(&mut self, n: u32) -> Vec<ConsentChange> {
        self.advance(n);
        let mut all = self.engine.store().consent_history(&org(), None).unwrap();
        all.truncate(self.history_len[n as usize]);
        all
    }
}

/// What a store holds of the script.
struct Held {
    inbound: BTreeSet<String>,
    replies: usize,
}

fn held<S: Store>(store: &S) -> Held {
    let mut inbound = BTreeSet::new();
    let mut replies = 0;
    for line in 0..SENDERS {
        let filter = ConversationFilter {
            outside_number: Some(patient(line as u16)),
            ..Default::default()
        };
        for c in store.conversations(&org(), &filter).unwrap() {
            for m in store.messages(&org(), &c.id).unwrap() {
                match m.direction {
                    Direction::Inbound => {
                        let id = m.provider_id.unwrap_or_default();
                        assert!(inbound.insert(id), "an inbound text is stored twice");
                    }
                    Direction::Outbound => replies += 1,
                }
            }
        }
    }
    Held { inbound, replies }
}

/// Checks the store after a kill with `acked` texts acknowledged; returns
/// how many texts it holds (`acked` or `acked + 1`).
pub fn check<S: Store>(store: &S, reference: &mut Reference, acked: u32) -> u32 {
    let held = held(store);
    let n = u32::try_from(held.inbound.len()).unwrap();
    assert!(
        n == acked || n == acked + 1,
        "{acked} texts acknowledged but {n} stored"
    );
    let want: BTreeSet<String> = (0..n).map(provider_id).collect();
    assert_eq!(
        held.inbound, want,
        "the stored texts are the first {n} of the script"
    );
    let history = reference.history(n);
    let stored = store.consent_history(&org(), None).unwrap();
    assert_eq!(
        stored.len(),
        history.len(),
        "consent changes after {n} texts (a change lost or recorded twice)"
    );
    assert!(
        stored == history,
        "the consent history after {n} texts differs"
    );
    for line in 0..SENDERS {
        let number = patient(line as u16);
        let mine: Vec<ConsentChange> = history
            .iter()
            .filter(|c| c.number == number)
            .cloned()
            .collect();
        assert_eq!(
            store.consent(&org(), number).unwrap(),
            replay(&mine),
            "consent of sender {line}"
        );
    }
    assert_eq!(
        held.replies, reference.replies[n as usize],
        "replies after {n} texts"
    );
    n
}

/// The parent: `kills` times, starts a worker (`spawn(start, incarnation)`),
/// lets it acknowledge a random number of texts (0 to 30) and then run
/// for a random moment up to `max_run` (a text takes about a millisecond,
/// so the kill lands anywhere in one), kills it with SIGKILL, and checks
/// the store (`open` gives a fresh connection). Prints its counts; returns
/// the number of texts acknowledged in the end.
pub fn kill_and_check<S: Store>(
    mut spawn: impl FnMut(u32, u32) -> Worker,
    open: impl Fn() -> S,
    kills: u32,
    max_run: Duration,
) -> u32 {
    let started = Instant::now();
    let random = SeededRandom::new(0x5eed);
    let mut reference = Reference::default();
    let (mut acked, mut ahead) = (0u32, 0u32);
    for incarnation in 0..kills {
        let mut worker = spawn(acked, incarnation);
        assert_eq!(worker.expect_report(), "ready");
        for _ in 0..random_below(&random, 31) {
            let line = worker.expect_report();
            take_ack(&line, &mut acked);
        }
        let pause = random_below(&random, max_run.as_micros() as u32 + 1);
        std::thread::sleep(Duration::from_micros(u64::from(pause)));
        worker.kill();
        while let Some(line) = worker.next_report() {
            take_ack(&line, &mut acked);
        }
        let stored = check(&open(), &mut reference, acked);
        ahead += stored - acked;
    }
    println!(
        "durability: {kills} kills, {acked} texts acknowledged, {ahead} kills between a commit \
         and its ack, every check passed, in {:?}",
        started.elapsed()
    );
    acked
}

/// Counts an `ack` line, which must name the next text of the script.
fn take_ack(line: &str, acked: &mut u32) {
    let id = line.strip_prefix("ack ").expect("an ack");
    assert_eq!(id, provider_id(*acked), "acks come in script order");
    *acked += 1;
}

/// A number below `bound` (at least 1).
fn random_below(random: &SeededRandom, bound: u32) -> u32 {
    let mut bytes = [0u8; 4];
    random.fill(&mut bytes);
    u32::from_le_bytes(bytes) % bound.max(1)
}
