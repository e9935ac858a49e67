//! Broadcast workers as OS processes on one store (SPEC B5, B9, C1): the
//! promises that must hold across app servers, each its own process with
//! its own connection.
//!
//! Each worker process ([`work`]) runs its own [`BroadcastRunner`] on its
//! own store handle, sending to a file standing for the provider
//! ([`FileTransport`]). The parent ([`Crew`]) is their shared clock: each
//! round it tells every worker `at <ms>`; each steps its runner at that
//! instant until it has to wait, reporting `sent <index>` and
//! `skipped <index> <reason>` as it goes, then `wait <ms>` or `done`. The
//! parent moves the clock to the earliest wait (which may be the same
//! instant) and starts the next round.
//! All workers step at the same instant, so they race for the same
//! recipients and the same pace slot, in whatever order the scheduler
//! runs them (the order they are told in rotates each round); the clock
//! is logical, so the checks hold however slowly a process runs.
//!
//! [`check_processes_share_the_pace`] (B5, B9): every recipient is sent
//! exactly once (none twice, none skipped) and the recorded send times,
//! whichever process sent, are at least one pace interval apart, one
//! interval after another. A pace kept per process would send up to four
//! texts at one instant and fail.
//!
//! [`check_opt_out_in_another_process`] (C1): while the workers are mid-run,
//! the parent process commits opt-outs for recipients no worker has
//! claimed yet (the very next one among them); no text goes to those
//! numbers, each is recorded skipped as opted out by a worker process, and
//! everyone else is sent once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::TimeDelta;
use practicetext_core::E164;
use practicetext_core::broadcast::{
    BroadcastPorts, BroadcastRunner, ExclusionReason, RecipientProgress, RecipientStatus, Step,
};
use practicetext_core::consent::{ConsentAction, ConsentChange, ConsentScope, ConsentSource};
use practicetext_core::engine::Transport;
use practicetext_core::ports::{BroadcastStore, Timestamp};

use crate::broadcast_durability::{FileTransport, at, create_with, id, org, sent_lines};
use crate::process::{Worker, commands, report};

/// Worker processes in each test.
pub const WORKERS: u32 = 4;

/// Recipients of the pace test's broadcast.
const PACE_RECIPIENTS: u32 = 40;

/// Recipients of the opt-out test's broadcast.
const C1_RECIPIENTS: u32 = 24;

/// Sends before the parent opts recipients out in the opt-out test.
const SENDS_BEFORE_OPT_OUT: usize = 6;

/// The clock's instant `ms` milliseconds after the start.
fn instant(ms: i64) -> Timestamp {
    at(0) + TimeDelta::milliseconds(ms)
}

/// Milliseconds from the start to `t`.
fn millis(t: Timestamp) -> i64 {
    (t - at(0)).num_milliseconds()
}

/// The worker process: runs the broadcast as worker `w<worker>`, its
/// runner opened before it says `ready`; for each `at <ms>` command steps
/// at that instant until it has to wait, reporting each send and skip,
/// then `wait <ms>` or `done`.
pub fn work<S: BroadcastPorts>(store: S, provider: &Path, worker: u32) {
    let transport = FileTransport::new(provider, worker);
    let name = format!("w{worker}");
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &id(), name).unwrap();
    report("ready");
    for command in commands() {
        let ms = command.strip_prefix("at ").expect("an `at <ms>` command");
        steps(&mut runner, instant(ms.parse().unwrap()));
    }
}

/// Steps `runner` at `now` until it has to wait or is done.
fn steps<S: BroadcastPorts, T: Transport>(runner: &mut BroadcastRunner<'_, S, T>, now: Timestamp) {
    loop {
        match runner.step(now, 0).unwrap() {
            Step::Sent { index, .. } => report(&format!("sent {index}")),
            Step::Skipped { index, reason } => report(&format!("skipped {index} {reason:?}")),
            Step::Wait { until, .. } => return report(&format!("wait {}", millis(until))),
            Step::Done(_) => return report("done"),
            other => panic!("a step that must not happen here: {other:?}"),
        }
    }
}

/// One send a worker reported.
#[derive(Debug, Clone, Copy)]
struct Sent {
    index: u32,
    worker: usize,
    ms: i64,
}

/// The worker processes seen from the parent, with the shared clock and
/// what they reported.
pub struct Crew {
    workers: Vec<Worker>,
    done: Vec<bool>,
    clock: i64,
    rounds: usize,
    sends: Vec<Sent>,
    skips: Vec<(u32, usize, String)>,
}

impl Crew {
    /// Starts [`WORKERS`] workers (`spawn(worker)`) and waits until each
    /// has its runner open.
    pub fn start(mut spawn: impl FnMut(u32) -> Worker) -> Crew {
        let mut workers: Vec<Worker> = (0..WORKERS).map(&mut spawn).collect();
        for w in &mut workers {
            assert_eq!(w.expect_report(), "ready");
        }
        Crew {
            done: vec![false; workers.len()],
            workers,
            clock: 0,
            rounds: 0,
            sends: Vec::new(),
            skips: Vec::new(),
        }
    }

    /// One round at the current instant: every worker not done steps at
    /// once; the clock moves to the earliest wait. False when every worker
    /// is done. A worker that found every recipient left locked by another
    /// worker's claim in progress (PostgreSQL skips locked rows) waits
    /// until now: the next round is at the same instant.
    pub fn round(&mut self) -> bool {
        let n = self.workers.len();
        let order: Vec<usize> = (0..n)
            .map(|k| (k + self.rounds) % n)
            .filter(|&w| !self.done[w])
            .collect();
        if order.is_empty() {
            return false;
        }
        for &w in &order {
            self.workers[w].tell(&format!("at {}", self.clock));
        }
        let next = order.iter().filter_map(|&w| self.take_reports(w)).min();
        self.rounds += 1;
        assert!(self.rounds <= 1_000, "the broadcast never finished");
        if let Some(next) = next {
            assert!(next >= self.clock, "the clock went back to {next} ms");
            self.clock = next;
        }
        true
    }

    /// Reads worker `w`'s reports of this round; its wait, if not done.
    fn take_reports(&mut self, w: usize) -> Option<i64> {
        loop {
            let line = self.workers[w].expect_report();
            let mut words = line.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some("sent"), Some(index), None) => self.sends.push(Sent {
                    index: index.parse().unwrap(),
                    worker: w,
                    ms: self.clock,
                }),
                (Some("skipped"), Some(index), Some(reason)) => {
                    self.skips
                        .push((index.parse().unwrap(), w, reason.to_owned()))
                }
                (Some("wait"), Some(ms), None) => return Some(ms.parse().unwrap()),
                (Some("done"), None, None) => {
                    self.done[w] = true;
                    return None;
                }
                _ => panic!("an unexpected report: {line}"),
            }
        }
    }

    /// Sends per worker.
    fn sends_per_worker(&self) -> Vec<usize> {
        let mut counts = vec![0; self.workers.len()];
        for s in &self.sends {
            counts[s.worker] += 1;
        }
        counts
    }

    /// Lets every worker exit (each must succeed).
    fn finish(self) {
        self.workers.into_iter().for_each(Worker::finish);
    }
}

/// SPEC B5, B9 across processes: [`WORKERS`] worker processes (from
/// `spawn(worker)`, each running [`work`] on its own connection to the
/// store behind `store`) carry out one broadcast of 40 recipients at the
/// largest pace. Every recipient is sent exactly once, by one process, and
/// the recorded send times are exactly one pace interval apart: the
/// processes never sent faster than the pace together, nor slower. Prints
/// the sends per process.
pub fn check_processes_share_the_pace<S: BroadcastStore>(
    spawn: impl FnMut(u32) -> Worker,
    store: &S,
    provider: &Path,
) {
    let b = create_with(store, PACE_RECIPIENTS);
    let mut crew = Crew::start(spawn);
    while crew.round() {}
    let times = check_run(store, provider, &crew, &BTreeSet::new());
    let interval = b.pace.interval();
    let span = times[times.len() - 1] - times[0];
    assert_eq!(
        span,
        interval * (PACE_RECIPIENTS as i32 - 1),
        "the processes together kept the pace: one send per interval"
    );
    println!(
        "b5 across processes: {WORKERS} processes, sends per process {:?}, {} recipients each \
         sent once, {} texts at the provider, every two sends at least {} ms apart, first to \
         last {} ms, {} rounds of the shared clock",
        crew.sends_per_worker(),
        PACE_RECIPIENTS,
        sent_lines(provider).len(),
        interval.num_milliseconds(),
        span.num_milliseconds(),
        crew.rounds
    );
    crew.finish();
}

/// SPEC C1 across processes: [`WORKERS`] worker processes (as in
/// [`check_processes_share_the_pace`]) send the first recipients of a
/// broadcast of 24; then this process commits opt-outs on `store` (its own
/// connection) for the next recipient in line and two later ones, none of
/// them claimed yet; then the workers carry on to the end. No text goes to
/// an opted-out number, a worker process records each of them skipped as
/// opted out, and everyone else is sent exactly once. Prints what
/// happened.
pub fn check_opt_out_in_another_process<S: BroadcastPorts>(
    spawn: impl FnMut(u32) -> Worker,
    store: &S,
    provider: &Path,
) {
    let b = create_with(store, C1_RECIPIENTS);
    let mut crew = Crew::start(spawn);
    while crew.sends.len() < SENDS_BEFORE_OPT_OUT {
        assert!(crew.round(), "the broadcast ended too early");
    }
    let pending = pending(&store.recipients(&org(), &id()).unwrap());
    assert!(pending.len() > 3, "recipients left to opt out: {pending:?}");
    let stopped: BTreeSet<u32> = [pending[0], pending[1], pending[pending.len() - 1]].into();
    for &index in &stopped {
        opt_out(store, index, instant(crew.clock), b.from);
    }
    while crew.round() {}
    check_run(store, provider, &crew, &stopped);
    let skipped: Vec<(u32, usize)> = crew.skips.iter().map(|s| (s.0, s.1)).collect();
    println!(
        "c1 across processes: opted out {stopped:?} in the parent after {SENDS_BEFORE_OPT_OUT} \
         sends; (recipient, process) skipped as opted out {skipped:?}; {} texts at the provider, \
         none to an opted-out number; sends per process {:?}",
        sent_lines(provider).len(),
        crew.sends_per_worker()
    );
    crew.finish();
}

/// The indexes of the recipients still pending, in order.
fn pending(recipients: &[RecipientProgress]) -> Vec<u32> {
    recipients
        .iter()
        .filter(|r| matches!(r.status, RecipientStatus::Pending { .. }))
        .map(|r| r.index)
        .collect()
}

/// Records (and commits) that recipient `index`'s number texted STOP.
fn opt_out<S: BroadcastPorts>(store: &S, index: u32, now: Timestamp, via: E164) {
    let recipients = store.recipients(&org(), &id()).unwrap();
    let change = ConsentChange {
        at: now,
        number: recipients[index as usize].recipient.phone,
        action: ConsentAction::OptOut,
        source: ConsentSource::Keyword {
            keyword: "STOP".into(),
        },
        raw_text: None,
        via: Some(via),
        scope: ConsentScope::Organization {
            organization: org(),
        },
    };
    store.record_consent(&org(), &change).unwrap();
}

/// Checks a finished run: the recipients in `stopped` are skipped as opted
/// out (reported so by a worker, never at the provider); every other one
/// is sent, reported by exactly one worker at the instant the store
/// records, and at the provider once with the store's provider id; the
/// recorded send times are at least one pace interval apart. Returns them
/// in order.
fn check_run<S: BroadcastStore>(
    store: &S,
    provider: &Path,
    crew: &Crew,
    stopped: &BTreeSet<u32>,
) -> Vec<Timestamp> {
    let b = store.broadcast(&org(), &id()).unwrap().expect("created");
    let at_provider = provider_ids(provider);
    let reported = reported_sends(crew);
    let mut times = Vec::new();
    for r in &store.recipients(&org(), &id()).unwrap() {
        let key = b.idempotency_key(&r.recipient);
        if stopped.contains(&r.index) {
            check_stopped(crew, r, at_provider.contains_key(&key));
            continue;
        }
        let RecipientStatus::Sent { at, provider_id } = &r.status else {
            panic!("recipient {} ended as {:?}", r.index, r.status);
        };
        assert_eq!(at_provider.get(&key), Some(provider_id), "{}", r.index);
        assert_eq!(reported.get(&r.index).map(|s| instant(s.ms)), Some(*at));
        times.push(*at);
    }
    assert_eq!(at_provider.len(), times.len(), "texts at the provider");
    assert_eq!(reported.len(), times.len(), "sends reported");
    times.sort();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= b.pace.interval(),
            "two sends closer than the pace: at {} and {}",
            pair[0],
            pair[1]
        );
    }
    times
}

/// A recipient the parent opted out: skipped as opted out, reported so by
/// exactly one worker, never sent.
fn check_stopped(crew: &Crew, r: &RecipientProgress, at_provider: bool) {
    assert!(
        !at_provider,
        "a text went to opted-out recipient {}",
        r.index
    );
    assert!(
        matches!(
            &r.status,
            RecipientStatus::Skipped {
                reason: ExclusionReason::OptedOut,
                ..
            }
        ),
        "opted-out recipient {} ended as {:?}",
        r.index,
        r.status
    );
    let skips: Vec<_> = crew.skips.iter().filter(|s| s.0 == r.index).collect();
    assert_eq!(skips.len(), 1, "recipient {} skipped once", r.index);
    assert_eq!(skips[0].2, format!("{:?}", ExclusionReason::OptedOut));
}

/// The provider's texts by idempotency key; no key twice.
fn provider_ids(provider: &Path) -> BTreeMap<String, String> {
    let mut by_key = BTreeMap::new();
    for (key, provider_id) in sent_lines(provider) {
        assert!(
            by_key.insert(key.clone(), provider_id).is_none(),
            "the text of {key} was sent twice"
        );
    }
    by_key
}

/// The workers' reported sends by recipient; no recipient reported twice.
fn reported_sends(crew: &Crew) -> BTreeMap<u32, Sent> {
    let mut by_index = BTreeMap::new();
    for s in &crew.sends {
        if let Some(earlier) = by_index.insert(s.index, *s) {
            panic!("recipient {} sent twice: {earlier:?} and {s:?}", s.index);
        }
    }
    by_index
}
