//! A broadcast survives its worker being killed (SPEC B9): a worker process
//! running a mass alert against a SQLite file is killed with SIGKILL at
//! random moments, 60 times; after each kill nothing is sent twice, nothing
//! reported sent is lost, no one is skipped, and in the end every recipient
//! got the text exactly once (see
//! `practicetext_store_tests::broadcast_durability`).
//!
//! Several workers on one broadcast: four worker processes, each on its
//! own connection to one SQLite file, claim recipients without overlap and
//! share the pace (B5, B9); an opt-out committed in one process before a
//! worker process claims the recipient stops that send (C1); see
//! `practicetext_store_tests::broadcast_processes`. The pace is also
//! checked with four threads on four connections of one process (a pooled
//! app server), whose free-running clock lets workers hold claims while
//! the others step.

use std::path::Path;
use std::time::Duration;

use practicetext_sqlite::SqliteStore;
use practicetext_store_tests::broadcast_durability::{
    check_workers_share_the_pace, create, kill_and_check, work,
};
use practicetext_store_tests::broadcast_processes::{
    self, check_opt_out_in_another_process, check_processes_share_the_pace,
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
fn b5_four_workers_on_four_connections_share_the_pace_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    let stores: Vec<SqliteStore> = (0..4).map(|_| SqliteStore::open(&path).unwrap()).collect();
    let handles: Vec<&SqliteStore> = stores.iter().collect();
    check_workers_share_the_pace(&handles, &dir.path().join("provider.log"));
}

/// A worker process of the tests below: runs the broadcast on its own
/// connection to the parent's file.
fn broadcast_worker() {
    let store = SqliteStore::open(process::var("DB")).unwrap();
    let worker = process::var("WORKER").parse().unwrap();
    broadcast_processes::work(store, process::var("PROVIDER").as_ref(), worker);
}

/// Spawns worker `worker` of `test` on the file `db`, sending to
/// `provider`.
fn spawn(test: &str, db: &Path, provider: &Path, worker: u32) -> Worker {
    let (db, provider) = (db.display().to_string(), provider.display().to_string());
    let worker = worker.to_string();
    let env = [
        ("DB", db.as_str()),
        ("PROVIDER", provider.as_str()),
        ("WORKER", worker.as_str()),
    ];
    Worker::spawn(test, "broadcast", &env)
}

#[test]
fn b5_four_processes_on_one_file_share_the_pace_without_overlap() {
    if process::role().is_some() {
        return broadcast_worker();
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, provider) = (
        dir.path().join("practice.db"),
        dir.path().join("provider.log"),
    );
    let store = SqliteStore::open(&db).unwrap();
    let test = "b5_four_processes_on_one_file_share_the_pace_without_overlap";
    let workers = |w: u32| spawn(test, &db, &provider, w);
    check_processes_share_the_pace(workers, &store, &provider);
}

#[test]
fn c1_an_opt_out_committed_in_one_process_stops_the_broadcast_send_another_claims() {
    if process::role().is_some() {
        return broadcast_worker();
    }
    let dir = tempfile::tempdir().unwrap();
    let (db, provider) = (
        dir.path().join("practice.db"),
        dir.path().join("provider.log"),
    );
    let store = SqliteStore::open(&db).unwrap();
    let test = "c1_an_opt_out_committed_in_one_process_stops_the_broadcast_send_another_claims";
    let workers = |w: u32| spawn(test, &db, &provider, w);
    check_opt_out_in_another_process(workers, &store, &provider);
}
