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

pub use practicetext_core::*;

/// The README's Rust examples run as doc tests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
