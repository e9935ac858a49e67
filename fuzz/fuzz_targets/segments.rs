//! SPEC P7: `count` and `check_length` never panic, and segments always
//! hold every unit the text needs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use practicetext_core::text::{self, LengthLimits};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let n = text::count(&s);
    let cap = if n.segments == 1 {
        n.encoding.single_segment()
    } else {
        n.encoding.per_segment()
    };
    assert!(n.segments >= 1 && n.segments * cap >= n.units);
    assert!(n.remaining <= cap);
    if let Some(fix) = &n.smart_encoding {
        assert_eq!(text::count(&fix.text).segments, fix.segments);
    }
    let _ = text::check_length(
        &s,
        &LengthLimits {
            max_segments: 2,
            max_chars: 200,
        },
    );
});
