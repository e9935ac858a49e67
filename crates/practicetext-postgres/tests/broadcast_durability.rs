//! A broadcast survives its worker being killed (SPEC B9): a worker process
//! running a mass alert against PostgreSQL is killed with SIGKILL at random
//! moments, 60 times; after each kill nothing is sent twice, nothing
//! reported sent is lost, no one is skipped, and in the end every recipient
//! got the text exactly once (see
//! `practicetext_store_tests::broadcast_durability`). Also C1: an opt-out
//! committed on one connection stops a send a worker on another claims.

#![cfg(feature = "server-tests")]

mod common;

use std::time::Duration;

use practicetext_postgres::PgStore;
use practicetext_store_tests::broadcast_durability::{
    check_opt_out_before_claim, check_workers_share_the_pace, create, kill_and_check, work,
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
fn c1_an_opt_out_committed_before_a_broadcast_claim_stops_that_send() {
    let scratch = Scratch::new("bcast_c1");
    let dir = tempfile::tempdir().unwrap();
    let (stop, runner) = (scratch.store(), scratch.store());
    check_opt_out_before_claim(&stop, &runner, &dir.path().join("provider.log"));
}

#[test]
fn b5_four_workers_on_four_connections_share_the_pace_without_overlap() {
    let scratch = Scratch::new("bcast_pace");
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<PgStore> = (0..4).map(|_| scratch.store()).collect();
    let handles: Vec<&PgStore> = stores.iter().collect();
    check_workers_share_the_pace(&handles, &dir.path().join("provider.log"));
}
