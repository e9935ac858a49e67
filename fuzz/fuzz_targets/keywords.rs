//! SPEC C1-C3, C5: keyword classification never panics and is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use practicetext_core::text::{KeywordAction, KeywordClassifier};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let classifier = KeywordClassifier::default();
    for opted_out in [false, true] {
        let c = classifier.classify(&s, opted_out);
        assert_eq!(c.review, !c.flags.is_empty());
        assert_eq!(c.keyword.is_none(), c.action == KeywordAction::None);
    }
});
