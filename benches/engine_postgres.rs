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
//!
//! Wall-clock figures on a shared machine move with other jobs.
//! `PRACTICETEXT_BENCH_FIXED=1` runs a fixed workload instead, for
//! comparing builds: a fresh schema filled with 20,000 texts in batches,
//! then 4 × 2,500 single texts and 4 × 40 batches of 64, printing per text
//! the wall time, the workers' CPU time (`getrusage`), the server's CPU
//! time (the postmaster's processes in `/proc`, when the server runs on
//! this machine) and the statements the server ran (from
//! `pg_stat_statements`, when the server has it loaded; transaction
//! control included).

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
        let cpu = process_cpu();
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
        report(&format!("done {}", (process_cpu() - cpu).as_micros()));
    }
}

/// The CPU time (user and system) this process has used.
fn process_cpu() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value to be overwritten.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the call's duration.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage works");
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The CPU time of the server's processes (the postmaster's children, read
/// from `/proc`), when it runs on this machine.
fn server_cpu(postmaster: Option<u32>) -> Option<Duration> {
    let postmaster = postmaster?;
    let tick = Duration::from_secs(1) / 100;
    let mut total = Duration::ZERO;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command (which may hold spaces): state, ppid, ...
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let pid: u32 = entry.file_name().to_str()?.parse().unwrap_or(0);
        let ppid: u32 = fields.get(1).and_then(|f| f.parse().ok()).unwrap_or(0);
        if pid == postmaster || ppid == postmaster {
            let ticks: u64 =
                fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
            total += tick * ticks as u32;
        }
    }
    Some(total)
}

/// The server's postmaster, when the server runs on this machine.
fn postmaster(client: &mut postgres::Client) -> Option<u32> {
    let backend: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .ok()?
        .get(0);
    let stat = std::fs::read_to_string(format!("/proc/{backend}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Statements the server ran so far, transaction control included (from
/// `pg_stat_statements`, when loaded).
fn statements(client: &mut postgres::Client) -> Option<i64> {
    client
        .query_one("SELECT sum(calls)::bigint FROM pg_stat_statements", &[])
        .ok()?
        .get(0)
}

/// The fixed workload of `PRACTICETEXT_BENCH_FIXED` (see the top).
fn fixed_workload(workers: &mut [Worker], client: &mut postgres::Client) {
    let n = workers.len() as u64;
    let run = |workers: &mut [Worker], share: u64, batch: u64| -> Duration {
        for w in workers.iter_mut() {
            w.tell(&format!("go {share} {batch}"));
        }
        let mut cpu = Duration::ZERO;
        for w in workers.iter_mut() {
            let done = w.expect_report();
            let us: u64 = done
                .strip_prefix("done ")
                .and_then(|n| n.parse().ok())
                .expect("done and the worker's CPU time");
            cpu += Duration::from_micros(us);
        }
        cpu
    };
    run(workers, 20_000 / n, 64);
    let postmaster = postmaster(client);
    for (share, batch) in [(2_500u64, 1u64), (2_560, 64)] {
        let texts = (share * n) as f64;
        let (server, calls) = (server_cpu(postmaster), statements(client));
        let start = Instant::now();
        let cpu = run(workers, share, batch);
        let wall = start.elapsed();
        let server = server_cpu(postmaster)
            .zip(server)
            .map(|(after, before)| after.saturating_sub(before));
        let calls = statements(client).zip(calls).map(|(a, b)| a - b - 1);
        let per = |d: Duration| d.as_secs_f64() * 1e6 / texts;
        println!(
            "batch {batch}: {:.0} texts/s wall; per text: worker CPU {:.0} µs, server CPU {}, statements {}",
            texts / wall.as_secs_f64(),
            per(cpu),
            server.map_or("unknown".into(), |s| format!("{:.0} µs", per(s))),
            calls.map_or("unknown".into(), |c| format!("{:.1}", c as f64 / texts)),
        );
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
    if std::env::var("PRACTICETEXT_BENCH_FIXED").is_ok() {
        let mut client = postgres::Client::connect(&url(), postgres::NoTls).expect("connect");
        fixed_workload(&mut workers, &mut client);
        workers.into_iter().for_each(Worker::finish);
        drop(setup);
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        return;
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
                // Whole batches: criterion's small iteration counts (as
                // with `--quick`) would otherwise time batches of a few.
                let share = iters.div_ceil(n).max(1).next_multiple_of(batch);
                let start = Instant::now();
                for w in &mut workers {
                    w.tell(&format!("go {share} {batch}"));
                }
                for w in &mut workers {
                    assert!(w.expect_report().starts_with("done"));
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
