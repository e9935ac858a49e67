//! A broadcast survives its worker being killed (SPEC B9): a worker process
//! running a mass alert against a SQLite file is killed with SIGKILL at
//! random moments, 60 times; after each kill nothing is sent twice, nothing
//! reported sent is lost, no one is skipped, and in the end every recipient
//! got the text exactly once (see
//! `practicetext_store_tests::broadcast_durability`). Also C1: an opt-out
//! committed on one connection stops a send a worker on another claims.

use std::time::Duration;

use practicetext_sqlite::SqliteStore;
use practicetext_store_tests::broadcast_durability::{
    check_opt_out_before_claim, check_workers_share_the_pace, create, kill_and_check, work,
};
use practicetext_store_tests::process::{self, Worker};

const TEST: &str = "b9_a_broadcast_killed_sixty_times_sends_each_text_once";

#[test]
fn b9_a_broadcast_killed_sixty_times_sends_each_text_once() {
    if process::role().is_some() {
        let store = SqliteStore::open(process::var("DB")).unwrap();
        let incarnation = process::var("INCARNATION").parse().unwrap();
        return work(store, process::var("PROVIDER").as_ref(), incarnation);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    let provider = dir.path().join("provider.log");
    create(&SqliteStore::open(&path).unwrap());
    let (db, sent) = (path.display().to_string(), provider.display().to_string());
    let spawn = |incarnation: u32| {
        let incarnation = incarnation.to_string();
        let env = [
            ("DB", db.as_str()),
            ("PROVIDER", sent.as_str()),
            ("INCARNATION", &incarnation),
        ];
        Worker::spawn(TEST, "broadcast", &env)
    };
    kill_and_check(
        spawn,
        || SqliteStore::open(&path).unwrap(),
        &provider,
        60,
        Duration::from_millis(3),
    );
}

#[test]
fn c1_an_opt_out_committed_before_a_broadcast_claim_stops_that_send() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    let stop = SqliteStore::open(&path).unwrap();
    let runner = SqliteStore::open(&path).unwrap();
    check_opt_out_before_claim(&stop, &runner, &dir.path().join("provider.log"));
}

#[test]
fn b5_four_workers_on_four_connections_share_the_pace_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    let stores: Vec<SqliteStore> = (0..4).map(|_| SqliteStore::open(&path).unwrap()).collect();
    let handles: Vec<&SqliteStore> = stores.iter().collect();
    check_workers_share_the_pace(&handles, &dir.path().join("provider.log"));
}
