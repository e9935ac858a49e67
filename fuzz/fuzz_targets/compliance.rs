//! SPEC P1-P7: the content check never panics and every span lies inside
//! the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use practicetext_core::text::{ComplianceChecker, Mode, Verdict};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let len = s.chars().count();
    let checker = ComplianceChecker::default();
    for mode in [Mode::Conversation, Mode::Broadcast] {
        let r = checker.check(&s, mode);
        assert_eq!(r.findings.is_empty(), r.verdict == Verdict::Ok);
        for f in &r.findings {
            assert!(f.start <= f.end && f.end <= len, "{f:?}");
        }
    }
});
