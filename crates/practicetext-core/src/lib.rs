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
//! - [`hours`]: A4 business hours, X1 quiet hours and the recipient's time
//!   zone from the area code
//! - [`broadcast`]: B1-B9, X1, X5, X6 (mass text alerts: preflight, paced
//!   crash-safe sending, report)
//! - [`sensitive`]: patient-data newtypes that redact in `Debug`
//! - [`secure`]: S1-S5, X7 (secure text: notice, links, PIN, lockout)
//! - [`text`]: P1-P7, C1-C3, C5 (segments, content compliance, opt-out
//!   keywords)
//! - [`ports`]: `Clock`, `Random` and the storage traits; [`memory`] is the
//!   in-memory store
//! - [`error`]: the top-level [`Error`] with stable codes

#![warn(missing_docs)]

pub mod autoreply;
pub mod broadcast;
pub mod consent;
pub mod conversation;
pub mod delivery;
pub mod directory;
pub mod engine;
pub mod error;
pub mod hours;
pub mod ids;
pub mod inbound;
pub mod inbox;
pub mod memory;
pub mod phone;
pub mod policy;
pub mod ports;
pub mod routing;
#[cfg(feature = "test-util")]
pub mod scenario;
pub mod secure;
pub mod send;
pub mod sensitive;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod text;
pub mod webhook;

/// The date-time crate the public API uses, re-exported so hosts use the same version.
pub use chrono;
/// The time-zone database the public API uses (`Tz`), re-exported.
pub use chrono_tz;
pub use error::Error;
pub use phone::{E164, PhoneError, Region};
