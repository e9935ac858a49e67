//! Nothing acknowledged is lost: a worker process handling the durability
//! script against a SQLite file is killed with SIGKILL at random moments,
//! 60 times; after each kill the file holds every acknowledged text, its
//! consent changes and replies, once (see
//! `practicetext_store_tests::durability`).

use std::time::Duration;

use practicetext_sqlite::SqliteStore;
use practicetext_store_tests::durability::{kill_and_check, work};
use practicetext_store_tests::engine::put_practice;
use practicetext_store_tests::process::{self, Worker};

const TEST: &str = "nothing_acknowledged_is_lost_when_the_process_is_killed";

#[test]
fn nothing_acknowledged_is_lost_when_the_process_is_killed() {
    if process::role().is_some() {
        let store = SqliteStore::open(process::var("DB")).unwrap();
        let start = process::var("START").parse().unwrap();
        let incarnation = process::var("INCARNATION").parse().unwrap();
        return work(store, start, incarnation);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.db");
    put_practice(&SqliteStore::open(&path).unwrap());
    let db = path.display().to_string();
    let spawn = |start: u32, incarnation: u32| {
        let (start, incarnation) = (start.to_string(), incarnation.to_string());
        let env = [
            ("DB", db.as_str()),
            ("START", &start),
            ("INCARNATION", &incarnation),
        ];
        Worker::spawn(TEST, "inbound", &env)
    };
    let acked = kill_and_check(
        spawn,
        || SqliteStore::open(&path).unwrap(),
        60,
        Duration::from_millis(2),
    );
    assert!(acked > 60, "the workers got through only {acked} texts");
}
