//! # practicetext-core
//!
//! The pure rules of two-way business texting for medical, dental, pharmacy
//! and veterinary practices. Decisions are plain functions over plain data
//! and the current time; nothing here reads a clock, a file, the network or
//! a random source by itself. Time, randomness and storage come in through
//! the [`ports`]; the stores and bindings live in other crates.
//!
//! Modules follow the areas of the specification:
//! - [`phone`]: N1, N2 (parsing and checking numbers)
//! - [`directory`]: the organization, users, groups, numbers and clients
//! - [`conversation`]: threads and messages
//! - [`inbox`]: the inbox, V1-V9 (conversation lifecycle, unread and
//!   notifications, workflow queues, usage statistics)
//! - [`webhook`]: provider webhook authenticity and parsing (X3, V10)
//! - [`delivery`]: delivery status, failure classes and retries (X2)
//! - [`sensitive`]: patient-data newtypes that redact in `Debug`
//! - [`secure`]: S1-S5, X7 (secure text: notice, links, PIN, lockout)
//! - [`ports`]: `Clock`, `Random` and the storage traits; [`memory`] is the
//!   in-memory store
//! - [`error`]: the top-level [`Error`] with stable codes

#![warn(missing_docs)]

pub mod autoreply;
pub mod consent;
pub mod conversation;
pub mod delivery;
pub mod directory;
pub mod error;
pub mod ids;
pub mod inbox;
pub mod memory;
pub mod phone;
pub mod ports;
pub mod routing;
pub mod secure;
pub mod sensitive;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod webhook;

pub use error::Error;
pub use phone::{E164, PhoneError, Region};
