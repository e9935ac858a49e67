//! The engine over one PostgreSQL database from several OS processes at
//! once (the test binary running itself as workers, each with its own
//! connection, as app servers would): the quality bars that need more than
//! one process. Each test prints its counts.

#![cfg(feature = "server-tests")]

mod common;

use practicetext_core::chrono::{DateTime, Utc};
use practicetext_core::ports::{ConsentStore, ConversationFilter, ConversationStore};
use practicetext_store_tests::engine::{
    Handled, engine, handle, org, patient, put_practice, round_instant, staff_send, text,
};
use practicetext_store_tests::process::{self, Worker, commands, report};

use common::Scratch;

const WORKERS: usize = 4;
const ROUNDS: u32 = 5;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_446_000, 0).unwrap()
}

/// A worker: connects, says `ready`, then handles one text per `go R`
/// command (its kind from the role) and reports what it did.
fn worker(role: &str) {
    let w: u64 = process::var("WORKER").parse().unwrap();
    let store =
        practicetext_postgres::PgStore::connect_in_schema(&common::url(), &process::var("SCHEMA"))
            .unwrap();
    let engine = engine(store, t0(), w + 1);
    report("ready");
    for command in commands() {
        let Some(round) = command.strip_prefix("go ") else {
            continue;
        };
        let round: u32 = round.parse().unwrap();
        let at = round_instant(t0(), round);
        let t = match role {
            "autoreply" => text(
                &format!("SM{round}-{w}"),
                patient(round as u16),
                "Is Rex ready?",
                at,
            ),
            "webhook" => text(
                &format!("SMstop{round}"),
                patient(100 + round as u16),
                "STOP",
                at,
            ),
            other => panic!("unknown role {other}"),
        };
        report(&handle(&engine, &t).line());
    }
}

/// Starts the workers for `test`, all connected and ready.
fn workers(test: &str, role: &str, scratch: &Scratch) -> Vec<Worker> {
    let mut all: Vec<Worker> = (0..WORKERS)
        .map(|w| {
            let w = w.to_string();
            Worker::spawn(test, role, &[("SCHEMA", &scratch.schema), ("WORKER", &w)])
        })
        .collect();
    for w in &mut all {
        assert_eq!(w.expect_report(), "ready");
    }
    all
}

/// Every worker handles its text of `round` at once.
fn race(workers: &mut [Worker], round: u32) -> Vec<Handled> {
    for w in workers.iter_mut() {
        w.tell(&format!("go {round}"));
    }
    workers
        .iter_mut()
        .map(|w| Handled::parse(&w.expect_report()).unwrap())
        .collect()
}

/// A2: four processes handling texts from one sender at one instant send
/// exactly one auto-reply, round after round.
#[test]
fn a2_four_processes_one_sender_one_instant_send_one_auto_reply() {
    if let Some(role) = process::role() {
        return worker(&role);
    }
    let scratch = Scratch::new("a2_race");
    put_practice(&scratch.store());
    let test = "a2_four_processes_one_sender_one_instant_send_one_auto_reply";
    let mut all = workers(test, "autoreply", &scratch);
    for round in 0..ROUNDS {
        let reports = race(&mut all, round);
        let sent: Vec<usize> = reports.iter().map(|r| r.sent).collect();
        println!("round {round}: auto-replies sent per process {sent:?}");
        assert!(reports.iter().all(|r| r.handled));
        assert_eq!(sent.iter().sum::<usize>(), 1, "round {round}: {sent:?}");
    }
    all.into_iter().for_each(Worker::finish);
}

/// V10, C4: one webhook (a STOP) delivered to four processes at once is
/// handled once: one record, one consent change, one confirmation.
#[test]
fn v10_one_webhook_on_four_processes_is_handled_once() {
    if let Some(role) = process::role() {
        return worker(&role);
    }
    let scratch = Scratch::new("v10_race");
    let store = scratch.store();
    put_practice(&store);
    let test = "v10_one_webhook_on_four_processes_is_handled_once";
    let mut all = workers(test, "webhook", &scratch);
    for round in 0..ROUNDS {
        let reports = race(&mut all, round);
        let handled: Vec<bool> = reports.iter().map(|r| r.handled).collect();
        let sent: usize = reports.iter().map(|r| r.sent).sum();
        println!("round {round}: handled per process {handled:?}, confirmations sent {sent}");
        assert_eq!(handled.iter().filter(|h| **h).count(), 1, "{handled:?}");
        assert_eq!(sent, 1);
        let from = patient(100 + round as u16);
        assert_eq!(store.consent_history(&org(), Some(from)).unwrap().len(), 1);
        let filter = ConversationFilter {
            outside_number: Some(from),
            ..Default::default()
        };
        let conversations = store.conversations(&org(), &filter).unwrap();
        assert_eq!(conversations.len(), 1);
        let messages = store.messages(&org(), &conversations[0].id).unwrap();
        let id = format!("SMstop{round}");
        let stored = messages
            .iter()
            .filter(|m| m.provider_id.as_deref() == Some(&id));
        assert_eq!(stored.count(), 1, "the STOP is stored once");
    }
    all.into_iter().for_each(Worker::finish);
}

/// C1: an opt-out committed by one process is seen by another that was
/// connected (and had sent to the number) before it: its next send is
/// refused and nothing goes out.
#[test]
fn c1_an_opt_out_committed_in_one_process_stops_a_send_in_another() {
    if process::role().is_some() {
        let store = practicetext_postgres::PgStore::connect_in_schema(
            &common::url(),
            &process::var("SCHEMA"),
        )
        .unwrap();
        let engine = engine(store, t0(), 9);
        report("ready");
        for _ in commands() {
            let (refusals, sent) = staff_send(&engine, patient(7), "Rex is ready for pick-up.");
            report(&format!("refusals={} sent={sent}", refusals.join(",")));
        }
        return;
    }
    let scratch = Scratch::new("c1_race");
    put_practice(&scratch.store());
    let test = "c1_an_opt_out_committed_in_one_process_stops_a_send_in_another";
    let mut sender = Worker::spawn(test, "sender", &[("SCHEMA", &scratch.schema)]);
    assert_eq!(sender.expect_report(), "ready");
    sender.tell("send");
    assert_eq!(sender.expect_report(), "refusals= sent=1");
    let here = engine(scratch.store(), t0(), 1);
    assert!(handle(&here, &text("SMstop", patient(7), "STOP", t0())).handled);
    sender.tell("send");
    let after = sender.expect_report();
    println!("the other process after the opt-out: {after}");
    assert_eq!(after, "refusals=recipient_opted_out sent=0");
    sender.finish();
}
