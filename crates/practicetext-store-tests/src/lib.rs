//! # practicetext-store-tests
//!
//! The conformance suite every practicetext store runs unchanged (the
//! matrix-rust-sdk pattern): one check function per promise of a storage
//! port, and a macro that turns every check into its own `#[test]`.
//!
//! ```
//! // tests/memory.rs
//! use practicetext_core::memory::MemoryStore;
//! practicetext_store_tests::store_conformance_tests!(|| Box::new(MemoryStore::new()));
//! # fn main() {}
//! ```
//!
//! The factory is called once per test and returns the store behind
//! anything that dereferences to it: a `Box`, an `Arc`, or a guard that
//! cleans up when dropped (the PostgreSQL suite drops its scratch schema so).
//! Each test therefore starts from an empty store.
//!
//! ## Adding a port
//! Write `src/<port>.rs` with one `pub fn check<S: ThePort>(store: &S)` per
//! promise and a `<port>_store_tests!` macro listing them (copy
//! [`directory_store_tests!`]), then add one line to
//! [`store_conformance_tests!`]. A test of this crate fails when a check
//! function is missing from its macro's list.
//!
//! This is test code: a check fails by panicking (`assert!`, `unwrap`).

#![warn(missing_docs)]

pub mod atomic;
pub mod broadcast;
pub mod broadcast_durability;
pub mod broadcast_fixtures;
pub mod broadcast_processes;
pub mod consent;
pub mod conversation;
pub mod delivery;
pub mod directory;
pub mod durability;
pub mod engine;
pub mod engine_batch;
pub mod fixtures;
pub mod history;
pub mod idempotency;
pub mod inbound;
pub mod inbox;
pub mod process;
pub mod rate;
pub mod secure;
pub mod seeds;
pub mod usage;

/// Generates one `#[test]` per check of every storage port, grouped in one
/// module per port (`directory::users_are_sorted_by_username`, ...).
/// Invoke it at module level with a factory returning a fresh store behind
/// a `Deref` (see the crate documentation).
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::directory_store_tests!($factory);
        $crate::secure_store_tests!($factory);
        $crate::consent_store_tests!($factory);
        $crate::rate_store_tests!($factory);
        $crate::idempotency_store_tests!($factory);
        $crate::conversation_store_tests!($factory);
        $crate::inbound_store_tests!($factory);
        $crate::history_store_tests!($factory);
        $crate::inbox_store_tests!($factory);
        $crate::usage_store_tests!($factory);
        $crate::delivery_store_tests!($factory);
        $crate::broadcast_store_tests!($factory);
    };
    ($factory:expr, handles = $handles:expr) => {
        $crate::directory_store_tests!($factory);
        $crate::secure_store_tests!($factory);
        $crate::consent_store_tests!($factory);
        $crate::rate_store_tests!($factory);
        $crate::idempotency_store_tests!($factory);
        $crate::conversation_store_tests!($factory);
        $crate::inbound_store_tests!($factory);
        $crate::history_store_tests!($factory);
        $crate::inbox_store_tests!($factory);
        $crate::usage_store_tests!($factory);
        $crate::delivery_store_tests!($factory);
        $crate::broadcast_store_tests!($factory, $handles);
    };
}

/// One module named after the port, one `#[test]` per listed check, each
/// on a fresh store from the factory.
#[doc(hidden)]
#[macro_export]
macro_rules! conformance_section {
    ($section:ident, $factory:expr, [$($check:ident),* $(,)?]) => {
        mod $section {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $check() {
                    let fixture = ($factory)();
                    $crate::$section::$check(&*fixture);
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    /// Every `pub fn` check of `source` appears in the listing before
    /// `marker` (the first private item after the macro).
    fn assert_all_listed(source: &str, marker: &str, at_least: usize, section: &str) {
        let (listing, _) = source
            .split_once(marker)
            .expect("the macro comes before the checks");
        let names = checks(source);
        assert!(names.len() >= at_least, "found only {names:?}");
        for name in names {
            assert!(
                listing.contains(&format!("{name},\n")) || listing.contains(&format!("::{name}(")),
                "{name} is not in {section}_store_tests!"
            );
        }
    }

    #[test]
    fn every_delivery_check_is_listed_in_its_macro() {
        assert_all_listed(
            include_str!("delivery.rs"),
            "/// Every field",
            7,
            "delivery",
        );
    }

    #[test]
    fn every_broadcast_check_is_listed_in_its_macro() {
        assert_all_listed(include_str!("broadcast.rs"), "const LEASE", 24, "broadcast");
    }

    /// Names of the `pub fn` checks in a section's source.
    fn checks(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter_map(|l| l.strip_prefix("pub fn "))
            .filter_map(|l| l.split('<').next())
            .collect()
    }

    /// Fails when a `pub fn` check of `source` is missing from its macro's
    /// list (the macro is the first item ending in a `}` at the start of a
    /// line; the checks come after it).
    fn assert_every_check_is_listed(port: &str, source: &str, at_least: usize) {
        let (listing, _) = source
            .split_once("\n}\n")
            .expect("the macro comes before the checks");
        let names = checks(source);
        assert!(names.len() >= at_least, "{port}: found only {names:?}");
        for name in names {
            let entry = format!("                {name},\n");
            assert!(
                listing.contains(&entry),
                "{name} is not in {port}_store_tests!"
            );
        }
    }

    #[test]
    fn every_directory_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("directory", include_str!("directory.rs"), 20);
    }

    #[test]
    fn every_atomic_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("atomic", include_str!("atomic.rs"), 6);
    }

    #[test]
    fn every_secure_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("secure", include_str!("secure.rs"), 10);
    }

    #[test]
    fn every_consent_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("consent", include_str!("consent.rs"), 10);
    }

    #[test]
    fn every_rate_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("rate", include_str!("rate.rs"), 10);
    }

    #[test]
    fn every_idempotency_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("idempotency", include_str!("idempotency.rs"), 6);
    }

    #[test]
    fn every_conversation_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("conversation", include_str!("conversation.rs"), 20);
    }

    #[test]
    fn every_history_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("history", include_str!("history.rs"), 8);
    }

    #[test]
    fn every_inbound_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("inbound", include_str!("inbound.rs"), 5);
    }

    #[test]
    fn every_inbox_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("inbox", include_str!("inbox.rs"), 10);
    }

    #[test]
    fn every_usage_check_is_listed_in_its_macro() {
        assert_every_check_is_listed("usage", include_str!("usage.rs"), 6);
    }
}
