//! The broadcast durability test (SPEC B9): a worker process runs one mass
//! alert with [`BroadcastRunner::step`] and prints `sent <index>
//! <provider id>` after each step that sent; the parent kills it with
//! SIGKILL at random moments and starts a new worker (with another worker
//! id, its clock past the dead worker's lease) until the broadcast is done.
//!
//! The transport is a file standing for the provider ([`FileTransport`]):
//! each text handed over is one appended line `<idempotency key>
//! <provider id>`, and it answers [`Transport::find_sent`] from that file,
//! so it knows what went out whatever moment the worker died at.
//!
//! After each kill ([`check`]): no key is in the file twice (nothing sent
//! twice); every recipient the store has as sent is in the file with that
//! provider id, and so is every one a worker reported (nothing
//! acknowledged lost); no recipient is skipped or failed, none pending is
//! at the provider, and each text at the provider whose recipient is not
//! recorded sent has its recipient in `sending` (the next worker looks it
//! up). At the end every recipient is sent, each exactly once (no one
//! skipped).
//!
//! [`check_workers_share_the_pace`] is the B5 check across connections in
//! one process (threads); `broadcast_processes` has the B5 and C1 checks
//! across processes.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::broadcast::{
    Broadcast, BroadcastPorts, BroadcastRunner, Pace, PlannedRecipient, RecipientProgress,
    RecipientStatus, Step,
};
use practicetext_core::engine::{OutboundSms, SendReceipt, SentLookup, Transport, TransportError};
use practicetext_core::hours::QuietHours;
use practicetext_core::ids::{BroadcastId, ClientId, OrganizationId};
use practicetext_core::inbound::EmailAlert;
use practicetext_core::ports::{BroadcastStore, Random, Timestamp};
use practicetext_core::sensitive::PersonName;
use practicetext_core::testing::SeededRandom;

use crate::broadcast_fixtures;
use crate::fixtures::phone;
use crate::process::{Worker, report};

/// Recipients of the broadcast.
pub const RECIPIENTS: u32 = 700;

/// How long a worker's claim lasts (its clock moves on by steps).
const LEASE: TimeDelta = TimeDelta::seconds(30);

/// 18:00 UTC on 2026-11-23 (10:00 for the recipients' 650 numbers, inside
/// the sending window) plus `seconds`.
pub(crate) fn at(seconds: i64) -> Timestamp {
    let base: DateTime<Utc> = "2026-11-23T18:00:00Z".parse().expect("a valid instant");
    base + TimeDelta::seconds(seconds)
}

/// The organization.
pub fn org() -> OrganizationId {
    OrganizationId::new("happy-paws")
}

/// The broadcast's id.
pub fn id() -> BroadcastId {
    BroadcastId::new("power-out")
}

/// Stores the broadcast: [`RECIPIENTS`] pending recipients with
/// appointments a year away, 60 texts a minute.
pub fn create<S: BroadcastStore>(store: &S) -> Broadcast {
    create_with(store, RECIPIENTS)
}

/// Stores the broadcast with `count` recipients.
pub(crate) fn create_with<S: BroadcastStore + ?Sized>(store: &S, count: u32) -> Broadcast {
    let mut b = broadcast_fixtures::broadcast(org().as_str(), id().as_str());
    b.pace = Pace::new(Pace::MAX_PER_MINUTE).expect("the largest pace is allowed");
    b.quiet_hours = QuietHours::default();
    b.time_zone = chrono_tz::America::Los_Angeles;
    let recipients: Vec<RecipientProgress> = (0..count)
        .map(|index| RecipientProgress {
            index,
            recipient: PlannedRecipient {
                client: ClientId::new(format!("c-{index:04}")),
                name: PersonName::new("Zoé 山田"),
                phone: phone(1_000 + index as u16),
                appointments: 1,
                first_appointment: at(86_400 * 365),
                last_appointment: at(86_400 * 365),
                time_zone: None,
            },
            status: RecipientStatus::NEW,
        })
        .collect();
    store.create_broadcast(&b, &recipients).unwrap();
    b
}

/// The provider as a file: one line `<key> <provider id>` per text handed
/// over, appended in one write (a killed process leaves a whole line or
/// none).
#[derive(Debug, Clone)]
pub struct FileTransport {
    path: PathBuf,
    incarnation: u32,
}

impl FileTransport {
    /// The provider writing to `path`; `incarnation` makes provider ids
    /// unique across workers.
    pub fn new(path: &Path, incarnation: u32) -> Self {
        FileTransport {
            path: path.to_owned(),
            incarnation,
        }
    }
}

/// The `(key, provider id)` lines of the provider's file.
pub fn sent_lines(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let (k, p) = l.split_once(' ').expect("a whole line");
            (k.to_owned(), p.to_owned())
        })
        .collect()
}

impl Transport for FileTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let key = sms
            .idempotency_key
            .clone()
            .expect("a broadcast text has a key");
        let provider_id = format!("SM{}-{key}", self.incarnation);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .unwrap();
        file.write_all(format!("{key} {provider_id}\n").as_bytes())
            .unwrap();
        Ok(SendReceipt { provider_id })
    }

    fn send_email(&self, _email: &EmailAlert) -> Result<(), TransportError> {
        Ok(())
    }

    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        Ok(
            match sent_lines(&self.path).into_iter().find(|(k, _)| k == key) {
                Some((_, provider_id)) => SentLookup::Sent(SendReceipt { provider_id }),
                None => SentLookup::NotSent,
            },
        )
    }
}

/// The worker: runs the broadcast as worker `w<incarnation>` until it is
/// done (or killed), its clock starting past the last send and the lease
/// of a worker that died. Reports `ready`, `sent <index> <provider id>`
/// for each send, `done` at the end.
pub fn work<S: BroadcastPorts>(store: S, provider: &Path, incarnation: u32) {
    let transport = FileTransport::new(provider, incarnation);
    let b = store.broadcast(&org(), &id()).unwrap().expect("created");
    let last = store
        .last_acquired(&org(), &practicetext_core::broadcast::pace_key(b.from))
        .unwrap();
    let mut now = last.map_or(at(0), |t| t + LEASE + TimeDelta::seconds(1));
    let worker = format!("w{incarnation}");
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &id(), worker)
        .unwrap()
        .with_lease(LEASE);
    report("ready");
    loop {
        match runner.step(now, 0).unwrap() {
            Step::Sent {
                index, provider_id, ..
            } => report(&format!("sent {index} {provider_id}")),
            Step::Wait { until, .. } | Step::Deferred { until, .. } => {
                now = until.max(now + TimeDelta::milliseconds(1));
            }
            Step::Done(_) => break,
            other => panic!("a step that must not happen here: {other:?}"),
        }
    }
    report("done");
}

/// Checks the store and the provider's file after a kill; `acked` are the
/// `(index, provider id)` the workers reported. Returns how many
/// recipients are sent.
pub fn check<S: BroadcastStore>(store: &S, provider: &Path, acked: &[(u32, String)]) -> u32 {
    let b = store.broadcast(&org(), &id()).unwrap().expect("created");
    let lines = sent_lines(provider);
    let mut by_key = std::collections::BTreeMap::new();
    for (k, p) in &lines {
        assert!(
            by_key.insert(k.clone(), p.clone()).is_none(),
            "the text of {k} was sent twice"
        );
    }
    let recipients = store.recipients(&org(), &id()).unwrap();
    let (mut sent, mut sending) = (0u32, 0u32);
    for r in &recipients {
        let key = b.idempotency_key(&r.recipient);
        match &r.status {
            RecipientStatus::Sent { provider_id, .. } => {
                assert_eq!(
                    by_key.get(&key),
                    Some(provider_id),
                    "recipient {} is sent in the store but not at the provider",
                    r.index
                );
                sent += 1;
            }
            RecipientStatus::Sending { .. } => sending += 1,
            RecipientStatus::Pending { .. } => {
                assert!(
                    !by_key.contains_key(&key),
                    "recipient {} was sent but is pending again",
                    r.index
                );
            }
            other => panic!("recipient {} ended as {other:?}", r.index),
        }
    }
    // Claims go in index order; one a killed worker still held locked
    // (PostgreSQL skips it until the server has ended the dead session)
    // may wait behind later ones, in `pending` or `sending`, never lost:
    // the last check finds every recipient sent.
    let unrecorded = lines.len() as u32 - sent;
    assert!(
        unrecorded <= sending,
        "{unrecorded} texts at the provider not recorded, {sending} recipients in sending"
    );
    for (index, provider_id) in acked {
        let r = &recipients[*index as usize];
        assert!(
            matches!(&r.status, RecipientStatus::Sent { provider_id: p, .. } if p == provider_id),
            "recipient {index} was reported sent as {provider_id}, the store has {:?}",
            r.status
        );
    }
    sent
}

/// The parent: `kills` times starts a worker (`spawn(incarnation)`), lets
/// it report a random number of sends (0 to 8) and run a random moment up
/// to `max_run` more, kills it with SIGKILL and checks; then lets one last
/// worker finish and checks every recipient was sent exactly once. Prints
/// its counts.
pub fn kill_and_check<S: BroadcastStore>(
    mut spawn: impl FnMut(u32) -> Worker,
    open: impl Fn() -> S,
    provider: &Path,
    kills: u32,
    max_run: Duration,
) {
    let started = Instant::now();
    let random = SeededRandom::new(0xb9);
    let mut acked: Vec<(u32, String)> = Vec::new();
    let (mut done, mut in_flight, mut killed) = (false, 0u32, 0u32);
    for incarnation in 0..kills {
        let mut worker = spawn(incarnation);
        assert_eq!(worker.expect_report(), "ready");
        for _ in 0..random_below(&random, 9) {
            match worker.next_report() {
                Some(line) => done |= take(&line, &mut acked),
                None => break,
            }
        }
        let pause = random_below(&random, max_run.as_micros() as u32 + 1);
        std::thread::sleep(Duration::from_micros(u64::from(pause)));
        worker.kill();
        killed += 1;
        while let Some(line) = worker.next_report() {
            done |= take(&line, &mut acked);
        }
        let sent = check(&open(), provider, &acked);
        in_flight += (sent_lines(provider).len() as u32).saturating_sub(sent);
        if done {
            break;
        }
    }
    let mut last = spawn(kills);
    while let Some(line) = last.next_report() {
        take(&line, &mut acked);
    }
    let sent = check(&open(), provider, &acked);
    assert_eq!(sent, RECIPIENTS, "every recipient sent in the end");
    assert_eq!(sent_lines(provider).len() as u32, RECIPIENTS);
    println!(
        "broadcast durability: {killed} kills, {RECIPIENTS} recipients each sent once, \
         {} sends reported, {in_flight} kills between a send and its record, \
         every check passed, in {:?}",
        acked.len(),
        started.elapsed()
    );
    assert!(
        killed >= 50,
        "only {killed} kills before the broadcast was done"
    );
}

/// Takes a worker's report; true when it is `done`.
fn take(line: &str, acked: &mut Vec<(u32, String)>) -> bool {
    if line == "done" || line == "ready" {
        return line == "done";
    }
    let rest = line.strip_prefix("sent ").expect("a send report");
    let (index, provider_id) = rest.split_once(' ').expect("index and provider id");
    acked.push((index.parse().unwrap(), provider_id.to_owned()));
    false
}

/// A number below `bound` (at least 1).
fn random_below(random: &SeededRandom, bound: u32) -> u32 {
    let mut bytes = [0u8; 4];
    random.fill(&mut bytes);
    u32::from_le_bytes(bytes) % bound.max(1)
}

/// Several workers on one broadcast (SPEC B5, B9): one runner per handle
/// (each its own connection), each in its own thread, on a shared clock
/// that moves only when the pace says wait. Checks that every recipient
/// is sent exactly once (no overlap, no one skipped) and that the sends,
/// whichever worker made them, are at least one pace interval apart (the
/// pace is shared). Prints the sends per worker.
pub fn check_workers_share_the_pace<S: BroadcastPorts + Sync>(handles: &[&S], provider: &Path) {
    use std::sync::Mutex;
    let b = create_with(handles[0], 40);
    let clock = Mutex::new(at(0));
    let sends: Mutex<Vec<(Timestamp, u32, usize)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for (w, store) in handles.iter().enumerate() {
            let (clock, sends) = (&clock, &sends);
            scope.spawn(move || {
                let transport = FileTransport::new(provider, w as u32);
                let mut runner =
                    BroadcastRunner::open(*store, &transport, &org(), &id(), format!("w{w}"))
                        .unwrap();
                loop {
                    let now = *clock.lock().unwrap();
                    match runner.step(now, 0).unwrap() {
                        Step::Sent { index, .. } => sends.lock().unwrap().push((now, index, w)),
                        Step::Wait {
                            until,
                            reason: practicetext_core::broadcast::WaitReason::Pace,
                        } => {
                            let mut c = clock.lock().unwrap();
                            *c = (*c).max(until);
                        }
                        Step::Wait { .. } => std::thread::sleep(Duration::from_millis(1)),
                        Step::Done(_) => break,
                        other => panic!("a step that must not happen here: {other:?}"),
                    }
                }
            });
        }
    });
    let mut sends = sends.into_inner().unwrap();
    sends.sort();
    let mut indexes: Vec<u32> = sends.iter().map(|s| s.1).collect();
    indexes.sort_unstable();
    assert_eq!(
        indexes,
        (0..40).collect::<Vec<_>>(),
        "each recipient sent once"
    );
    assert_eq!(sent_lines(provider).len(), 40, "40 texts at the provider");
    for pair in sends.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= b.pace.interval(),
            "two sends closer than the pace: {:?} and {:?}",
            pair[0],
            pair[1]
        );
    }
    let mut per_worker = vec![0u32; handles.len()];
    for s in &sends {
        per_worker[s.2] += 1;
    }
    println!(
        "b5 shared pace: {} workers, sends per worker {per_worker:?}, 40 recipients each \
         once, every two sends at least {:?} apart",
        handles.len(),
        b.pace.interval()
    );
}
