//! A schema of its own for one test on the server of `PRACTICETEXT_PG_URL`,
//! dropped when the test's parent process is done with it.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use practicetext_postgres::PgStore;

/// Where the tests' server is.
pub fn url() -> String {
    std::env::var("PRACTICETEXT_PG_URL").unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL tests need a server: set PRACTICETEXT_PG_URL or run via \
             scripts/with-postgres.sh (e.g. `make pg-test`)"
        )
    })
}

/// A fresh schema name, dropped with everything in it when this is dropped.
pub struct Scratch {
    pub schema: String,
}

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Scratch {
            schema: format!("pt_{test}_{}_{nanos}", std::process::id()),
        }
    }

    /// A store (its own connection) in the scratch schema.
    pub fn store(&self) -> PgStore {
        PgStore::connect_in_schema(&url(), &self.schema).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let dropped = postgres::Client::connect(&url(), postgres::NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema
            ))
        });
        if let Err(e) = dropped {
            eprintln!("could not drop test schema {}: {e}", self.schema);
        }
    }
}
