//! The in-memory store runs the conformance suite.

use practicetext_core::memory::MemoryStore;

practicetext_store_tests::store_conformance_tests!(|| Box::new(MemoryStore::new()));
