//! Property tests: none of the three text functions panics on arbitrary
//! Unicode, and what they report is consistent (SPEC P6, P7, C1).

use practicetext_core::text::{
    self, ComplianceChecker, ContentPolicy, Encoding, KeywordClassifier, Mode,
};
use proptest::prelude::*;

/// Text mixing what real messages contain: ASCII, GSM-7 extension and
/// Latin-1 letters, curly quotes, emoji with skin tones and ZWJ, flags,
/// combining marks, zero-width characters, CJK and controls.
fn messy_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[ -~]{0,12}",
        Just("€".to_owned()),
        Just("{[~]}|^\\".to_owned()),
        Just("éÇñß".to_owned()),
        Just("’“”—…".to_owned()),
        Just("😀".to_owned()),
        Just("👍🏽".to_owned()),
        Just("👨\u{200D}👩\u{200D}👧".to_owned()),
        Just("🇨🇦".to_owned()),
        Just("e\u{301}\u{302}".to_owned()),
        Just("\u{200B}\u{00AD}\u{FEFF}".to_owned()),
        Just("你好".to_owned()),
        Just("\r\n\t\u{0}".to_owned()),
        Just("C.B.D bit.ly/x 203.0.113.9 a:b@x.io".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn septets_or_units(s: &str, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Ucs2 => s.encode_utf16().count(),
        Encoding::Gsm7 => s
            .chars()
            .map(|c| {
                if "\u{c}^{}\\[~]|€".contains(c) {
                    2
                } else {
                    1
                }
            })
            .sum(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn p7_count_never_panics_and_segments_hold_every_unit(s in prop_oneof![any::<String>(), messy_text()]) {
        let n = text::count(&s);
        prop_assert!(n.segments >= 1);
        prop_assert_eq!(n.units, septets_or_units(&s, n.encoding));
        let cap = if n.segments == 1 { n.encoding.single_segment() } else { n.encoding.per_segment() };
        prop_assert_eq!(n.per_segment, cap);
        // Segments never report fewer units than the text needs.
        prop_assert!(n.segments * cap >= n.units);
        prop_assert!(n.remaining <= cap);
        prop_assert!(n.characters <= s.chars().count());
        prop_assert_eq!(n.encoding == Encoding::Gsm7, n.ucs2_chars.is_empty());
        for f in &n.ucs2_chars {
            let part: String = s.chars().skip(f.start).take(f.end - f.start).collect();
            prop_assert_eq!(&part, &f.text);
        }
        if let Some(fix) = &n.smart_encoding {
            let again = text::count(&fix.text);
            prop_assert_eq!((again.encoding, again.units, again.segments), (fix.encoding, fix.units, fix.segments));
        }
    }

    #[test]
    fn p6_check_never_panics_and_spans_lie_in_the_text(s in prop_oneof![any::<String>(), messy_text()], broadcast: bool) {
        let checker = ComplianceChecker::default();
        let mode = if broadcast { Mode::Broadcast } else { Mode::Conversation };
        let r = checker.check(&s, mode);
        let len = s.chars().count();
        for f in &r.findings {
            prop_assert!(f.start <= f.end && f.end <= len, "{:?}", f);
        }
        prop_assert_eq!(r.findings.is_empty(), r.verdict == text::Verdict::Ok);
    }

    #[test]
    fn p2_invisible_characters_do_not_hide_cannabis_terms(s in "[a-z ]{0,20}", zw in prop::sample::select(vec!["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{00AD}", "\u{FEFF}"])) {
        let text = format!("{s} mari{zw}juana {s}");
        let r = ComplianceChecker::new(&ContentPolicy::default()).unwrap().check(&text, Mode::Conversation);
        prop_assert!(r.findings.iter().any(|f| f.code == "cannabis"));
    }

    #[test]
    fn c1_classify_never_panics(s in prop_oneof![any::<String>(), messy_text()], opted_out: bool) {
        let c = KeywordClassifier::default().classify(&s, opted_out);
        prop_assert_eq!(c.review, !c.flags.is_empty());
        prop_assert_eq!(c.keyword.is_none(), c.action == text::KeywordAction::None);
    }

    #[test]
    fn c1_keywords_survive_case_space_and_punctuation(
        kw in prop::sample::select(vec!["stop", "unsubscribe", "quit", "revoke", "optout", "end"]),
        upper: bool,
        pre in "[ \t\"'.!?]{0,3}",
        post in "[ \t\"'.!?]{0,3}",
    ) {
        let kw = if upper { kw.to_uppercase() } else { kw.to_owned() };
        let c = KeywordClassifier::default().classify(&format!("{pre}{kw}{post}"), false);
        prop_assert_eq!(c.action, text::KeywordAction::OptOut);
        prop_assert!(c.flags.is_empty());
    }
}

/// Long hostile texts take time in proportion to their length: every scan
/// is linear (no rescanning from each match). A quadratic scan of these
/// 120,000-character texts would take minutes.
#[test]
fn p6_c1_long_hostile_texts_finish_in_linear_time() {
    let checker = ComplianceChecker::default();
    let keywords = KeywordClassifier::default();
    let started = std::time::Instant::now();
    for unit in [
        "cbd ",
        "a@b.cc",
        "x://a.b/",
        "a://b/",
        "bit.ly/x ",
        "c’b’d ",
        "dont stop texting me ",
        "stop, ",
        "😀é",
        "1.2.3.4 ",
    ] {
        let text = unit.repeat(120_000 / unit.len());
        let r = checker.check(&text, Mode::Broadcast);
        assert_eq!(r.verdict, text::Verdict::Block, "{unit:?}");
        let _ = keywords.classify(&text, false);
        let _ = text::count(&text);
    }
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
}
