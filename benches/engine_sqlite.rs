//! Inbound texts handled durably per second through `Engine::handle_inbound`
//! on a SQLite file (WAL, `synchronous = NORMAL`), one thread: each text is
//! one committed transaction (claim, directory and state reads, message,
//! completion) before `handle_inbound` returns. Target: 20,000 texts/s on
//! one core.
//!
//! - `group_number`: texts from 1,000 patients to the front desk's group
//!   number, 5 ms apart (no auto-reply: the common case).
//! - `auto_reply`: texts from 1,000 patients to Alice, 10 s apart, so each
//!   patient writes every 2.8 hours; her auto-responder answers at most once
//!   per 30 s and three times a day per conversation (A2, X4), which here is
//!   about one text in three (printed at the end): each reply is recorded,
//!   sent through a transport that only counts, and its provider id
//!   recorded.
//!
//! `wall_clock` is criterion's usual measure; `thread_cpu_time` counts only
//! the CPU time of the benchmarking thread (user and system: SQLite's
//! writes to the WAL included), the fair measure on a shared machine. The
//! `batch_of_64` variants hand 64 texts at a time to
//! `Engine::handle_inbound_batch` (one commit per batch).
//!
//! Run: `cargo bench --bench engine_sqlite --features sqlite`.
//!
//! Criterion's figures move with the size the file has reached (every
//! iteration adds texts). `PRACTICETEXT_BENCH_FIXED=1` runs a fixed
//! workload instead, for comparing builds: per stream a fresh file, 20,000
//! texts in batches to fill it, then the thread's CPU time over 10,000
//! single texts and 200 batches of 64, printed per text. A number above 1
//! (`PRACTICETEXT_BENCH_FIXED=200000`) fills the file with that many texts
//! instead. For counting instructions (`valgrind --tool=callgrind`),
//! `PRACTICETEXT_BENCH_STREAM=group_number` runs one stream and
//! `PRACTICETEXT_BENCH_PHASE=single` (or `batch`) one of the two measures.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_main};
use practicetext::chrono::{DateTime, TimeDelta, Utc};
use practicetext::engine::{Engine, OutboundSms, SendReceipt, Transport, TransportError};
use practicetext::inbound::{EmailAlert, InboundText};
use practicetext::phone::E164;
use practicetext::sensitive::MessageBody;
use practicetext::sqlite::SqliteStore;
use practicetext::testing::{FixedClock, SeededRandom};
use practicetext::webhook::Sender;
use practicetext_store_tests::engine::{patient, put_practice};

/// A transport that only counts what it is asked to send.
#[derive(Default)]
struct Counting(AtomicU64);

impl Transport for Counting {
    fn send_sms(&self, _: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        Ok(SendReceipt {
            provider_id: format!("SMout{n}"),
        })
    }

    fn send_email(&self, _: &EmailAlert) -> Result<(), TransportError> {
        Ok(())
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_446_000, 0).unwrap_or_default()
}

/// The `i`-th text of a stream: patient `i % 1000`, `step_ms` after the
/// previous text.
fn text(i: u64, to: E164, step_ms: i64) -> InboundText {
    InboundText {
        provider_id: Some(format!("SMbench{i:010}")),
        from: Sender::Number(patient((i % 1000) as u16)),
        to,
        body: MessageBody::from(format!(
            "Hi, is Rex ready to be picked up this afternoon? ({i})"
        )),
        media_count: 0,
        received_at: t0() + TimeDelta::milliseconds(step_ms.saturating_mul(i as i64)),
    }
}

fn engine(dir: &tempfile::TempDir) -> Engine<SqliteStore, Counting> {
    let store = SqliteStore::open(dir.path().join("bench.db")).expect("open");
    put_practice(&store);
    Engine::new(
        store,
        Counting::default(),
        Arc::new(FixedClock::new(t0())),
        Arc::new(SeededRandom::new(1)),
    )
}

/// CPU time this thread has used (user and system): on a shared machine
/// the wall clock also counts other processes' turns on the core.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "the thread's CPU clock is readable");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn handle_inbound(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine_handle_inbound_sqlite_file");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(10));
    let streams = [
        ("group_number", "+16502530010", 5),
        ("auto_reply", "+16502530001", 10_000),
    ];
    for (name, to, step) in streams {
        let dir = tempfile::tempdir().expect("temporary directory");
        let engine = engine(&dir);
        let to = E164::parse(to).expect("a valid number");
        let mut i = 0u64;
        g.bench_function(format!("{name}/wall_clock"), |b| {
            b.iter(|| {
                i += 1;
                engine
                    .handle_inbound(black_box(&text(i, to, step)))
                    .expect("handled")
            })
        });
        g.bench_function(format!("{name}/thread_cpu_time"), |b| {
            b.iter_custom(|iters| {
                let start = thread_cpu();
                for _ in 0..iters {
                    i += 1;
                    black_box(engine.handle_inbound(&text(i, to, step)).expect("handled"));
                }
                thread_cpu().saturating_sub(start)
            })
        });
        g.throughput(Throughput::Elements(BATCH));
        g.bench_function(format!("{name}/batch_of_{BATCH}/wall_clock"), |b| {
            b.iter(|| {
                let texts = batch(&mut i, to, step);
                engine
                    .handle_inbound_batch(black_box(&texts))
                    .expect("handled")
            })
        });
        g.bench_function(format!("{name}/batch_of_{BATCH}/thread_cpu_time"), |b| {
            b.iter_custom(|iters| {
                let start = thread_cpu();
                for _ in 0..iters {
                    let texts = batch(&mut i, to, step);
                    black_box(engine.handle_inbound_batch(&texts).expect("handled"));
                }
                thread_cpu().saturating_sub(start)
            })
        });
        g.throughput(Throughput::Elements(1));
        let replies = engine.transport().0.load(Ordering::Relaxed);
        println!("{name}: {replies} replies to {i} texts");
    }
    g.finish();
}

/// Texts per batch in the batched variants.
const BATCH: u64 = 64;

/// The next [`BATCH`] texts of the stream.
fn batch(i: &mut u64, to: E164, step_ms: i64) -> Vec<InboundText> {
    (0..BATCH)
        .map(|_| {
            *i += 1;
            text(*i, to, step_ms)
        })
        .collect()
}

/// The fixed workload of `PRACTICETEXT_BENCH_FIXED` (see the top), the
/// file first filled with `fill` texts.
fn fixed_workload(fill: u64) {
    let streams = [
        ("group_number", "+16502530010", 5),
        ("auto_reply", "+16502530001", 10_000),
    ];
    let only = |var: &str, value: &str| std::env::var(var).is_ok_and(|v| v != value);
    for (name, to, step) in streams {
        if only("PRACTICETEXT_BENCH_STREAM", name) {
            continue;
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let engine = engine(&dir);
        let to = E164::parse(to).expect("a valid number");
        let mut i = 0u64;
        while i < fill {
            black_box(
                engine
                    .handle_inbound_batch(&batch(&mut i, to, step))
                    .expect("handled"),
            );
        }
        let (singles, batches) = match std::env::var("PRACTICETEXT_BENCH_PHASE").as_deref() {
            Ok("single") => (10_000, 0),
            Ok("batch") => (0, 200),
            _ => (10_000, 200),
        };
        let start = thread_cpu();
        for _ in 0..singles {
            i += 1;
            black_box(engine.handle_inbound(&text(i, to, step)).expect("handled"));
        }
        let single = thread_cpu().saturating_sub(start).as_secs_f64() / f64::from(singles);
        let start = thread_cpu();
        for _ in 0..batches {
            black_box(
                engine
                    .handle_inbound_batch(&batch(&mut i, to, step))
                    .expect("handled"),
            );
        }
        let batched =
            thread_cpu().saturating_sub(start).as_secs_f64() / (f64::from(batches) * BATCH as f64);
        println!(
            "{name}: one per commit {:.1} µs/text ({:.0}/s), batches of {BATCH} {:.1} µs/text ({:.0}/s)",
            single * 1e6,
            1.0 / single,
            batched * 1e6,
            1.0 / batched
        );
    }
}

fn benches() {
    if let Ok(fixed) = std::env::var("PRACTICETEXT_BENCH_FIXED") {
        let fill = fixed.parse::<u64>().ok().filter(|n| *n > 1);
        fixed_workload(fill.unwrap_or(20_000));
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    handle_inbound(&mut c);
}

criterion_main!(benches);
