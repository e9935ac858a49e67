//! # practicetext
//!
//! The rules engine of two-way business texting for medical, dental,
//! pharmacy and veterinary practices. This crate is what Rust users add: it
//! re-exports [`practicetext_core`] (the pure rules) and, behind features,
//! the stores.
//!
//! ```
//! use practicetext::phone::E164;
//! let n: E164 = "(650) 253-0000".parse().unwrap();
//! assert_eq!(n.to_string(), "+16502530000");
//! ```
//!
//! ## Stores
//! The storage ports ([`ports`]) have three implementations, all passing one
//! conformance suite: [`memory::MemoryStore`] (always there) and, behind a
//! feature each,
//! - `sqlite`: `practicetext::sqlite::SqliteStore`, the embedded default,
//!   one file;
//! - `postgres`: `practicetext::postgres::PgStore`, one database shared by
//!   several app servers.
//!
//! ```toml
//! practicetext = { version = "0.1", features = ["sqlite"] }
//! ```
//!
//! ```
//! # #[cfg(feature = "sqlite")] {
//! use practicetext::ports::DirectoryStore;
//!
//! let store = practicetext::sqlite::SqliteStore::open_in_memory()?; // or ::open("practice.db")
//! assert_eq!(store.organization(&"happy-paws".into())?, None);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use practicetext_core::*;

/// The SQLite store (feature `sqlite`): `practicetext::sqlite::SqliteStore::open(path)`.
#[cfg(feature = "sqlite")]
pub use practicetext_sqlite as sqlite;

/// The PostgreSQL store (feature `postgres`): `practicetext::postgres::PgStore::connect(url)`.
#[cfg(feature = "postgres")]
pub use practicetext_postgres as postgres;

/// The README's Rust examples run as doc tests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
