//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;

fn checker() -> ComplianceChecker {
    ComplianceChecker::new(&ContentPolicy::default().with_own_domains(["happypaws.example"]))
        .unwrap()
}

fn codes_of(text: &str, mode: Mode) -> Vec<String> {
    checker()
        .check(text, mode)
        .findings
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn spans(text: &str, code: &str) -> Vec<(usize, usize)> {
    checker()
        .check(text, Mode::Conversation)
        .findings
        .into_iter()
        .filter(|f| f.code == code)
        .map(|f| (f.start, f.end))
        .collect()
}

/// The flagged part of `text` for a span of char indices.
fn part(text: &str, (s, e): (usize, usize)) -> String {
    text.chars().skip(s).take(e - s).collect()
}

#[test]
fn p6_builtin_policy_compiles() {
    assert!(ComplianceChecker::new(&ContentPolicy::default()).is_ok());
    let _ = ComplianceChecker::default();
}

#[test]
fn p1_public_shorteners_block_with_or_without_scheme() {
    for text in [
        "Book here: bit.ly/3xYz",
        "Book here: https://bit.ly/3xYz",
        "Book here: HTTPS://BIT.LY/3XYZ",
        "Book here: TinyURL.com/abc",
        "Book here: www.tinyurl.com/abc",
        "Book here: t.co/abc",
        "Book here: ＢＩＴ．ＬＹ/abc",
    ] {
        let r = checker().check(text, Mode::Conversation);
        assert_eq!(r.verdict, Verdict::Block, "{text}");
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "url_shortener")
            .unwrap();
        assert_eq!(f.severity, Severity::Block);
        assert_eq!(f.start, 11, "{text}");
        assert!(f.message.contains("shortener"), "{}", f.message);
    }
}

#[test]
fn p1_own_domain_links_pass() {
    for text in [
        "Book at https://happypaws.example/book",
        "Book at happypaws.example/book",
        "Book at https://portal.happypaws.example/x?y=1",
        "Book at WWW.HAPPYPAWS.EXAMPLE",
    ] {
        assert_eq!(
            checker().check(text, Mode::Conversation).verdict,
            Verdict::Ok,
            "{text}"
        );
    }
}

#[test]
fn p1_own_domain_that_is_a_shortener_is_refused() {
    let e = ComplianceChecker::new(
        &ContentPolicy::default().with_own_domains(["bit.ly", "not a domain"]),
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_policy");
    let TextError::InvalidPolicy { problems, .. } = e else {
        panic!()
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn p1_organization_adds_shorteners() {
    let mut policy = ContentPolicy::default();
    policy.extend(PolicyAdditions {
        shortener_domains: vec!["sho.rt".into()],
        ..PolicyAdditions::default()
    });
    let c = ComplianceChecker::new(&policy).unwrap();
    assert_eq!(
        c.check("go to sho.rt/x", Mode::Conversation).verdict,
        Verdict::Block
    );
}

#[test]
fn raw_ip_links_block() {
    let text = "Pay at http://203.0.113.9/pay today";
    assert_eq!(
        spans(text, "raw_ip_link")
            .iter()
            .map(|&s| part(text, s))
            .collect::<Vec<_>>(),
        vec!["http://203.0.113.9/pay"]
    );
    assert_eq!(
        codes_of("Pay at 203.0.113.9/pay", Mode::Conversation),
        vec!["raw_ip_link"]
    );
}

#[test]
fn link_credentials_block() {
    let text = "See https://admin:hunter2@happypaws.example/x";
    assert_eq!(codes_of(text, Mode::Conversation), vec!["link_credentials"]);
    assert_eq!(
        codes_of("Email frontdesk@happypaws.example", Mode::Conversation),
        Vec::<String>::new()
    );
}

#[test]
fn p2_cannabis_terms_block_in_disguise() {
    for (text, flagged) in [
        ("Ask about CBD oil for Max", "CBD"),
        ("Ask about C.B.D for Max", "C.B.D"),
        ("Ask about c b d for Max", "c b d"),
        ("Ask about ｃｂｄ for Max", "ｃｂｄ"),
        ("Ask about m\u{200B}arijuana", "m\u{200B}arijuana"),
        ("Ask about marij-uana", "marij-uana"),
        ("Ask about mari\u{00AD}juana", "mari\u{00AD}juana"),
        ("Ask about сbd treats", "сbd"), // Cyrillic es
        ("Ask about CANNABIS", "CANNABIS"),
        ("Try Releaf today", "Releaf"),
        ("MMJ cards", "MMJ"),
        ("#cbd", "cbd"),
        ("hemp-based chews", "hemp"),
        ("delta-8 gummies", "delta-8"),
    ] {
        let r = checker().check(text, Mode::Conversation);
        assert_eq!(r.verdict, Verdict::Block, "{text}");
        let f = r
            .findings
            .iter()
            .find(|f| f.code == "cannabis")
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(part(text, (f.start, f.end)), flagged, "{text}");
    }
}

#[test]
fn p2_ordinary_words_with_the_letters_pass() {
    for text in [
        "Hi Cbdorsey, your appointment is Tuesday.",
        "We are scanning Max's microchip.",
        "The cone is hemmed at the edge.",
        "Weeding the garden? Keep pets away from fertilizer.",
        "Dr. McBride will see Bella at 3pm.",
        "Thanks! Bella's thyroid panel (T4) came back normal.",
        "Our cannery-row office is closed.",
        "Scan the QR code at the desk.",
    ] {
        assert_eq!(
            codes_of(text, Mode::Conversation),
            Vec::<String>::new(),
            "{text}"
        );
    }
}

#[test]
fn p2_organization_term_with_weed_still_passes_weeding() {
    let mut policy = ContentPolicy::default();
    policy.extend(PolicyAdditions {
        cannabis_terms: vec!["weed".into()],
        ..PolicyAdditions::default()
    });
    let c = ComplianceChecker::new(&policy).unwrap();
    assert_eq!(
        c.check("weeding tips", Mode::Conversation).verdict,
        Verdict::Ok
    );
    assert_eq!(
        c.check("w e e d", Mode::Conversation).verdict,
        Verdict::Block
    );
}

#[test]
fn p3_promotional_wording_warns_and_p5_blocks_in_broadcast() {
    for text in [
        "Get 20% off dental cleanings this month!",
        "$10 off your next visit",
        "Use promo code SPRING",
        "Limited time offer on grooming",
        "Buy one get one free on flea chews",
        "Save 15% on boarding",
    ] {
        let r = checker().check(text, Mode::Conversation);
        assert_eq!(r.verdict, Verdict::Warn, "{text}: {:?}", r.findings);
        assert!(
            r.findings.iter().all(|f| f.code == "promotional"),
            "{text}: {:?}",
            r.findings
        );
        let b = checker().check(text, Mode::Broadcast);
        assert_eq!(b.verdict, Verdict::Block, "{text}");
        assert!(b.findings.iter().all(|f| f.severity == Severity::Block));
        assert!(b.findings[0].message.contains("P5"));
    }
}

#[test]
fn p3_contained_phrases_are_reported_once() {
    let text = "Use promo code SPRING";
    assert_eq!(
        spans(text, "promotional")
            .iter()
            .map(|&s| part(text, s))
            .collect::<Vec<_>>(),
        vec!["promo code"]
    );
}

#[test]
fn p3_prescription_offers_warn_but_reminders_pass() {
    let r = checker().check("Buy Heartgard now and save", Mode::Conversation);
    let got: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.severity))
        .collect();
    assert_eq!(got, vec![("rx_offer", Severity::Warn)]);
    assert_eq!(
        checker()
            .check("Buy Heartgard now and save", Mode::Broadcast)
            .verdict,
        Verdict::Block
    );
    let r = checker().check("Cheap Xanax, no prescription needed", Mode::Conversation);
    assert!(
        r.findings.iter().any(|f| f.code == "rx_offer"),
        "{:?}",
        r.findings
    );
    for text in [
        "Max's Heartgard refill is ready for pickup.",
        "Your Apoquel prescription is ready. Feel free to call with questions.",
        "Reminder: give Bella her gabapentin 1 hour before the visit.",
    ] {
        assert_eq!(
            codes_of(text, Mode::Conversation),
            Vec::<String>::new(),
            "{text}"
        );
    }
}

#[test]
fn p4_all_capitals_warn() {
    let r = checker().check("YOUR PET IS DUE FOR VACCINES CALL NOW", Mode::Conversation);
    assert_eq!(r.verdict, Verdict::Warn);
    assert_eq!(r.findings[0].code, "all_caps");
    assert_eq!((r.findings[0].start, r.findings[0].end), (0, 37));
    // Short shouts and acronyms in normal text pass.
    assert_eq!(
        codes_of("OK, SEE YOU", Mode::Conversation),
        Vec::<String>::new()
    );
    assert_eq!(
        codes_of(
            "ABC Animal Hospital: BELLA is due for DHPP and FVRCP boosters.",
            Mode::Conversation
        ),
        Vec::<String>::new()
    );
    // Letters inside links do not count, either way.
    assert_eq!(
        codes_of(
            "CALL NOW TO BOOK DENTALS: happypaws.example/book-your-dental-cleaning",
            Mode::Conversation
        ),
        vec!["all_caps"]
    );
    assert_eq!(
        codes_of(
            "Book: HTTPS://HAPPYPAWS.EXAMPLE/DENTAL-CLEANING-SPECIALS see you",
            Mode::Conversation
        ),
        Vec::<String>::new()
    );
}

#[test]
fn p7_too_long_text_is_blocked() {
    let text = "a".repeat(1531);
    let r = checker().check(&text, Mode::Conversation);
    assert_eq!(r.verdict, Verdict::Block);
    assert_eq!(r.findings[0].code, "text_too_long");
    assert_eq!(r.segments.segments, 11);
}

#[test]
fn p6_custom_rules_and_their_validation() {
    let mut policy = ContentPolicy::default();
    policy.custom_rules.push(TermRule {
        code: "firearms".into(),
        severity: Severity::Block,
        terms: vec!["ammo".into(), "handgun".into()],
        message: "Firearms content is not allowed.".into(),
    });
    let c = ComplianceChecker::new(&policy).unwrap();
    let r = c.check("ammo sale", Mode::Conversation);
    let got: Vec<_> = r.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(got, vec!["firearms"]);
    assert_eq!(r.verdict, Verdict::Block);

    let mut bad = ContentPolicy::default();
    bad.custom_rules.push(TermRule {
        code: "Cannabis!".into(),
        severity: Severity::Warn,
        terms: vec![],
        message: " ".into(),
    });
    bad.custom_rules.push(TermRule {
        code: "cannabis".into(),
        severity: Severity::Warn,
        terms: vec!["x".into()],
        message: "m".into(),
    });
    bad.cannabis_terms.push("..".into());
    let TextError::InvalidPolicy { problems, .. } = ComplianceChecker::new(&bad).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(problems.len(), 6, "{problems:?}");
}

#[test]
fn p6_findings_have_char_spans_into_the_original_text() {
    let text = "Ｈｉ 😀 — Ask about C.B.D: bit.ly/x";
    let r = checker().check(text, Mode::Conversation);
    let got: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.code.as_str(), part(text, (f.start, f.end))))
        .collect();
    assert_eq!(
        got,
        vec![
            ("cannabis", "C.B.D".to_owned()),
            ("url_shortener", "bit.ly/x".to_owned())
        ]
    );
}

#[test]
fn p6_spans_in_texts_with_curly_quotes_and_emoji() {
    let text = "Bella’s “C.B.D” treats 🐶 — see bit.ly/x’s";
    let r = checker().check(text, Mode::Conversation);
    let got: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.code.as_str(), part(text, (f.start, f.end))))
        .collect();
    assert_eq!(
        got,
        vec![
            ("cannabis", "C.B.D".to_owned()),
            ("url_shortener", "bit.ly/x’s".to_owned())
        ]
    );
    // The same text with one non-inert letter goes the folding way, same answer.
    let folded = format!("{text} é");
    let r2 = checker().check(&folded, Mode::Conversation);
    assert_eq!(r.findings, r2.findings);
}

#[test]
fn p6_policy_json_round_trips_and_partial_json_keeps_builtins() {
    let p: ContentPolicy =
        serde_json::from_str(r#"{"own_domains":["happypaws.example"]}"#).unwrap();
    assert_eq!(p.own_domains, vec!["happypaws.example"]);
    assert_eq!(p.cannabis_terms, ContentPolicy::default().cannabis_terms);
    let back: ContentPolicy = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
    let add: PolicyAdditions = serde_json::from_str(r#"{"cannabis_terms":["kush"]}"#).unwrap();
    let mut q = ContentPolicy::default();
    q.extend(add);
    assert!(q.cannabis_terms.contains(&"kush".to_owned()));
    assert!(q.cannabis_terms.contains(&"cbd".to_owned()));
}

#[test]
fn p6_report_serializes_with_snake_case_codes() {
    let r = checker().check("bit.ly/x", Mode::Conversation);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "block");
    assert_eq!(v["findings"][0]["severity"], "block");
    assert_eq!(v["findings"][0]["code"], "url_shortener");
    assert_eq!(v["segments"]["encoding"], "GSM-7");
}

#[test]
fn checker_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ComplianceChecker>();
    let a = ComplianceChecker::default();
    let b = a.clone();
    assert!(Arc::ptr_eq(&a.inner, &b.inner));
}
