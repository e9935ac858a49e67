//! A broadcast survives its worker being killed (SPEC B9): a worker process
//! running a mass alert against PostgreSQL is killed with SIGKILL at random
//! moments, 60 times; after each kill nothing is sent twice, nothing
//! reported sent is lost, no one is skipped, and in the end every recipient
//! got the text exactly once (see
//! `practicetext_store_tests::broadcast_durability`).
//!
//! Several workers on one broadcast: four worker processes, each on its
//! own connection to one PostgreSQL schema, claim recipients without overlap and
//! share the pace (B5, B9); an opt-out committed in one process before a
//! worker process claims the recipient stops that send (C1); see
//! `practicetext_store_tests::broadcast_processes`. The pace is also
//! checked with four threads on four connections of one process (a pooled
//! app server), whose free-running clock lets workers hold claims while
//! the others step.

#![cfg(feature = "server-tests")]

mod common;

use std::time::Duration;

use practicetext_postgres::PgStore;
use practicetext_store_tests::broadcast_durability::{
    check_workers_share_the_pace, create, kill_and_check, work,
};
use practicetext_store_tests::broadcast_processes::{
    self, check_opt_out_in_another_process, check_processes_share_the_pace,
};
use practicetext_store_tests::process::{self, Worker};

use common::Scratch;

const TEST: &str = "b9_a_broadcast_killed_sixty_times_sends_each_text_once";

#[test]
fn b9_a_broadcast_killed_sixty_times_sends_each_text_once() {
    if process::role().is_some() {
        let store = PgStore::connect_in_schema(&common::url(), &process::var("SCHEMA")).unwrap();
        let incarnation = process::var("INCARNATION").parse().unwrap();
        return work(store, process::var("PROVIDER").as_ref(), incarnation);
    }
    let scratch = Scratch::new("bcast_durability");
    let dir = tempfile::tempdir().unwrap();
    let provider = dir.path().join("provider.log");
    create(&scratch.store());
    let sent = provider.display().to_string();
    let spawn = |incarnation: u32| {
        let incarnation = incarnation.to_string();
        let env = [
            ("SCHEMA", scratch.schema.as_str()),
            ("PROVIDER", sent.as_str()),
            ("INCARNATION", &incarnation),
        ];
        Worker::spawn(TEST, "broadcast", &env)
    };
    kill_and_check(
        spawn,
        || scratch.store(),
        &provider,
        60,
        Duration::from_millis(3),
    );
}

#[test]
fn b5_four_workers_on_four_connections_share_the_pace_without_overlap() {
    let scratch = Scratch::new("bcast_pace");
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<PgStore> = (0..4).map(|_| scratch.store()).collect();
    let handles: Vec<&PgStore> = stores.iter().collect();
    check_workers_share_the_pace(&handles, &dir.path().join("provider.log"));
}

/// A worker process of the tests below: runs the broadcast on its own
/// connection to the parent's schema.
fn broadcast_worker() {
    let store = PgStore::connect_in_schema(&common::url(), &process::var("SCHEMA")).unwrap();
    let worker = process::var("WORKER").parse().unwrap();
    broadcast_processes::work(store, process::var("PROVIDER").as_ref(), worker);
}

/// Spawns worker `worker` of `test` on `scratch`'s schema, sending to
/// `provider`.
fn spawn(test: &str, scratch: &Scratch, provider: &str, worker: u32) -> Worker {
    let worker = worker.to_string();
    let env = [
        ("SCHEMA", scratch.schema.as_str()),
        ("PROVIDER", provider),
        ("WORKER", worker.as_str()),
    ];
    Worker::spawn(test, "broadcast", &env)
}

#[test]
fn b5_four_processes_share_the_pace_without_overlap() {
    if process::role().is_some() {
        return broadcast_worker();
    }
    let scratch = Scratch::new("bcast_pace_proc");
    let dir = tempfile::tempdir().unwrap();
    let provider = dir.path().join("provider.log");
    let sent = provider.display().to_string();
    let test = "b5_four_processes_share_the_pace_without_overlap";
    let workers = |w: u32| spawn(test, &scratch, &sent, w);
    check_processes_share_the_pace(workers, &scratch.store(), &provider);
}

#[test]
fn c1_an_opt_out_committed_in_one_process_stops_the_broadcast_send_another_claims() {
    if process::role().is_some() {
        return broadcast_worker();
    }
    let scratch = Scratch::new("bcast_c1_proc");
    let dir = tempfile::tempdir().unwrap();
    let provider = dir.path().join("provider.log");
    let sent = provider.display().to_string();
    let test = "c1_an_opt_out_committed_in_one_process_stops_the_broadcast_send_another_claims";
    let workers = |w: u32| spawn(test, &scratch, &sent, w);
    check_opt_out_in_another_process(workers, &scratch.store(), &provider);
}
