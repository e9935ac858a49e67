//! Nothing acknowledged is lost: a worker process handling the durability
//! script against PostgreSQL is killed with SIGKILL at random moments, 60
//! times; after each kill the database holds every acknowledged text, its
//! consent changes and replies, once (see
//! `practicetext_store_tests::durability`).

#![cfg(feature = "server-tests")]

mod common;

use std::time::Duration;

use practicetext_store_tests::durability::{kill_and_check, work};
use practicetext_store_tests::engine::put_practice;
use practicetext_store_tests::process::{self, Worker};

use common::Scratch;

const TEST: &str = "nothing_acknowledged_is_lost_when_the_process_is_killed";

#[test]
fn nothing_acknowledged_is_lost_when_the_process_is_killed() {
    if process::role().is_some() {
        let store = practicetext_postgres::PgStore::connect_in_schema(
            &common::url(),
            &process::var("SCHEMA"),
        )
        .unwrap();
        let start = process::var("START").parse().unwrap();
        let incarnation = process::var("INCARNATION").parse().unwrap();
        return work(store, start, incarnation);
    }
    let scratch = Scratch::new("durability");
    put_practice(&scratch.store());
    let spawn = |start: u32, incarnation: u32| {
        let (start, incarnation) = (start.to_string(), incarnation.to_string());
        let env = [
            ("SCHEMA", scratch.schema.as_str()),
            ("START", &start),
            ("INCARNATION", &incarnation),
        ];
        Worker::spawn(TEST, "inbound", &env)
    };
    let acked = kill_and_check(spawn, || scratch.store(), 60, Duration::from_millis(2));
    assert!(acked > 60, "the workers got through only {acked} texts");
}
