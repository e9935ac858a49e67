//! `Engine::handle_inbound_batch` on the in-memory store against its
//! reference, one text at a time (see `practicetext_store_tests::engine_batch`).

use practicetext_core::memory::MemoryStore;
use practicetext_store_tests::engine_batch::{
    batches, batches_agree, plain_texts_to_the_group_agree,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_batch_records_what_one_by_one_records(batches in batches()) {
        batches_agree(MemoryStore::new, &batches);
    }
}

#[test]
fn plain_texts_to_the_group_record_as_one_by_one() {
    plain_texts_to_the_group_agree(MemoryStore::new);
}
