//! Inbound texts handled durably per second through `Engine::handle_inbound`
//! by 4 processes sharing one PostgreSQL database (each text one committed
//! transaction before `handle_inbound` returns), as 4 app servers would.
//! Target: 5,000 texts/s in total.
//!
//! The bench binary runs itself 4 times as workers (each its own process
//! and connection); the parent times, from its `go` to the last `done`,
//! how long the 4 take for their shares of the texts. Texts go from 1,000
//! patients to the front desk's group number (no auto-reply).
//!
//! Run: `PRACTICETEXT_PG_DURABLE=1 scripts/with-postgres.sh cargo bench
//! --bench engine_postgres --features postgres` (or set
//! `PRACTICETEXT_PG_URL`). The bench prints the server's `fsync` and
//! `synchronous_commit`: a figure is durable only when both are `on`
//! (without `PRACTICETEXT_PG_DURABLE=1` the throwaway server of the tests
//! runs with both off).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use practicetext::chrono::{DateTime, TimeDelta, Utc};
use practicetext::engine::{Engine, OutboundSms, SendReceipt, Transport, TransportError};
use practicetext::inbound::{EmailAlert, InboundText};
use practicetext::phone::E164;
use practicetext::postgres::PgStore;
use practicetext::sensitive::MessageBody;
use practicetext::testing::{FixedClock, SeededRandom};
use practicetext::webhook::Sender;
use practicetext_store_tests::engine::{patient, put_practice};
use practicetext_store_tests::process::{self, Worker, commands, report};

/// Worker processes: 4, or `PRACTICETEXT_BENCH_WORKERS`.
fn workers() -> u64 {
    std::env::var("PRACTICETEXT_BENCH_WORKERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4)
}

/// A transport that accepts everything and keeps nothing.
struct Accepting;

impl Transport for Accepting {
    fn send_sms(&self, _: &OutboundSms) -> Result<SendReceipt, TransportError> {
        Ok(SendReceipt {
            provider_id: "SMout".into(),
        })
    }

    fn send_email(&self, _: &EmailAlert) -> Result<(), TransportError> {
        Ok(())
    }
}

fn url() -> String {
    std::env::var("PRACTICETEXT_PG_URL").unwrap_or_else(|_| {
        eprintln!("set PRACTICETEXT_PG_URL or run via scripts/with-postgres.sh");
        std::process::exit(2)
    })
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_446_000, 0).unwrap_or_default()
}

/// Worker `w`'s `i`-th text: its own provider ids, patients shared.
fn text(w: u64, i: u64, of: u64) -> InboundText {
    InboundText {
        provider_id: Some(format!("SMpg{w}-{i:010}")),
        from: Sender::Number(patient(((i * of + w) % 1000) as u16)),
        to: E164::parse("+16502530010").unwrap_or_else(|_| unreachable!()),
        body: MessageBody::from(format!(
            "Hi, is Rex ready to be picked up this afternoon? ({i})"
        )),
        media_count: 0,
        received_at: t0() + TimeDelta::milliseconds((i * of + w) as i64),
    }
}

/// A worker: on `go N B`, handles its next N texts, B at a time (one
/// `handle_inbound` per text when B is 1, else `handle_inbound_batch`), and
/// reports `done`.
fn worker() {
    let w: u64 = process::var("WORKER").parse().unwrap_or(0);
    let store = PgStore::connect_in_schema(&url(), &process::var("SCHEMA")).expect("connect");
    let engine = Engine::new(
        store,
        Accepting,
        Arc::new(FixedClock::new(t0())),
        Arc::new(SeededRandom::new(w + 1)),
    );
    let (mut i, of) = (0u64, workers());
    report("ready");
    for command in commands() {
        let mut words = command
            .split_whitespace()
            .skip(1)
            .map(|w| w.parse().unwrap_or(1));
        let (n, batch): (u64, u64) = (words.next().unwrap_or(0), words.next().unwrap_or(1));
        let mut left = n;
        while left > 0 {
            let take = left.min(batch);
            let texts: Vec<InboundText> = (0..take)
                .map(|_| {
                    i += 1;
                    text(w, i, of)
                })
                .collect();
            if take == 1 {
                black_box(engine.handle_inbound(&texts[0]).expect("handled"));
            } else {
                black_box(engine.handle_inbound_batch(&texts).expect("handled"));
            }
            left -= take;
        }
        report("done");
    }
}

/// Prints whether the server flushes each commit before it returns.
fn print_durability() {
    let show = |client: &mut postgres::Client, name: &str| -> String {
        client
            .query_one(&format!("SHOW {name}"), &[])
            .map(|row| row.get::<_, String>(0))
            .unwrap_or_else(|e| format!("unknown ({e})"))
    };
    match postgres::Client::connect(&url(), postgres::NoTls) {
        Ok(mut client) => {
            let fsync = show(&mut client, "fsync");
            let commit = show(&mut client, "synchronous_commit");
            let durable = fsync == "on" && commit == "on";
            println!(
                "server: fsync={fsync} synchronous_commit={commit} ({})",
                if durable { "durable" } else { "NOT durable" }
            );
        }
        Err(e) => println!("server durability unknown: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    print_durability();
    let schema = format!("pt_bench_{}", std::process::id());
    let setup = PgStore::connect_in_schema(&url(), &schema).expect("connect");
    put_practice(&setup);
    let n = workers();
    let mut workers: Vec<Worker> = (0..n)
        .map(|w| {
            let w = w.to_string();
            Worker::spawn("", "bench", &[("SCHEMA", &schema), ("WORKER", &w)])
        })
        .collect();
    for w in &mut workers {
        assert_eq!(w.expect_report(), "ready");
    }
    let mut g = c.benchmark_group("engine_handle_inbound_postgres");
    g.throughput(Throughput::Elements(1));
    g.sample_size(20).measurement_time(Duration::from_secs(20));
    for batch in [1u64, 64] {
        let name = match batch {
            1 => format!("{n}_processes_group_number"),
            _ => format!("{n}_processes_group_number/batch_of_{batch}"),
        };
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let share = iters.div_ceil(n).max(1);
                let start = Instant::now();
                for w in &mut workers {
                    w.tell(&format!("go {share} {batch}"));
                }
                for w in &mut workers {
                    assert_eq!(w.expect_report(), "done");
                }
                // Time per text as if exactly `iters` were handled.
                start.elapsed().mul_f64(iters as f64 / (share * n) as f64)
            })
        });
    }
    g.finish();
    workers.into_iter().for_each(Worker::finish);
    drop(setup);
    if let Ok(mut client) = postgres::Client::connect(&url(), postgres::NoTls) {
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    }
}

fn main() {
    if process::role().is_some() {
        return worker();
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
