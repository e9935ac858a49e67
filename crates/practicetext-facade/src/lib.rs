//! # practicetext-facade
//!
//! The one API the bindings call (Python through pyo3, Node through
//! napi-rs, Kotlin and Swift through uniffi), so that each binding is a list
//! of conversions and nothing of a rule lives in one. It adds to the pure
//! core only what a host needs wired:
//!
//! - [`host`]: the system clock, the operating system's random source, a
//!   recording transport, and a place for host callbacks to report failures;
//! - [`store`]: store selection by a spec string (`memory`, `sqlite:PATH`,
//!   `postgresql://...`);
//! - [`text`]: typed fast calls for the hot paths (phone numbers, segments,
//!   content compliance, keywords), one at a time or in batches;
//! - [`Practice`]: a store with the engine over it, behind JSON-in,
//!   JSON-out calls (inbound texts, sends, consent, conversations and the
//!   inbox);
//! - [`check_recipient`] (secure text, S1, S2) and [`replay_scenario`] (the
//!   JSON scenario fixtures every binding's test suite runs).
//!
//! Every refusal is a [`FacadeError`]: the core's stable code, an
//! [`ErrorArea`] and a message.
//!
//! ```
//! use practicetext_facade::{Host, Practice, parse_phone};
//!
//! let n = parse_phone("(650) 253-0000")?;
//! assert_eq!((n.e164().as_str(), n.region()), ("+16502530000", "US"));
//! assert_eq!(parse_phone("+44 20 7946 0958").unwrap_err().code(), "not_north_american");
//!
//! let practice = Practice::open("memory", Host::new())?;
//! let e = practice.send(r#"{"organization": "nobody"}"#).unwrap_err();
//! assert_eq!(e.code(), "bad_input");
//! # Ok::<(), practicetext_facade::FacadeError>(())
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod host;
pub mod json;
mod practice;
mod scenario;
mod secure;
pub mod store;
pub mod text;

pub use error::{ErrorArea, FacadeError, Reason, codes};
pub use host::{HostFaults, OsRandom, Recorder, SystemClock};
pub use json::JsonIn;
pub use practice::{Host, Practice};
pub use scenario::{replay_scenario, sample_directory};
pub use secure::check_recipient;
pub use text::{
    Checker, Keywords, Phone, check_text, check_texts, classify_keyword, classify_keywords,
    count_segments, count_segments_batch, parse_mode, parse_phone, parse_phones,
};

/// The core, re-exported so bindings use the same types.
pub use practicetext_core as core;
