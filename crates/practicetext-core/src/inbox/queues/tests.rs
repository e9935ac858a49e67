//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use crate::inbox::fixture::n;

fn rule(name: &str, queue: &str, when: QueueConditions) -> QueueRule {
    QueueRule {
        name: name.into(),
        queue: QueueId::from(queue),
        when,
    }
}

fn keywords(words: &[&str]) -> QueueConditions {
    QueueConditions {
        keywords: words.iter().map(|w| w.to_string()).collect(),
        ..Default::default()
    }
}

fn input(body: &str) -> QueueInput {
    QueueInput {
        our_number: n("6502530020"),
        body: body.into(),
        known_client: true,
        open: true,
        direction: Direction::Inbound,
    }
}

fn queue_of(rules: &QueueRules, i: &QueueInput) -> Option<String> {
    rules.sort(i).map(|m| m.queue.as_str().to_owned())
}

#[test]
fn v8_first_matching_rule_wins_and_says_why() {
    let rules = QueueRules::new(vec![
        rule("refills", "pharmacy", keywords(&["refill", "prescription"])),
        rule(
            "after hours",
            "morning",
            QueueConditions {
                open: Some(false),
                ..Default::default()
            },
        ),
        rule("everything else", "front-desk", QueueConditions::default()),
    ])
    .unwrap();
    // The text matches rules 0 and 1 (closed) and 2: rule 0 wins.
    let closed_refill = QueueInput {
        open: false,
        ..input("I need a Prescription refill please")
    };
    let m = rules.sort(&closed_refill).unwrap();
    assert_eq!(m.queue.as_str(), "pharmacy");
    assert_eq!(m.rule_index, 0);
    assert_eq!(m.rule_name, "refills");
    assert_eq!(m.matched, ["keyword:refill"]);
    // Without the keyword, the after-hours rule is next.
    let closed = QueueInput {
        open: false,
        ..input("hello")
    };
    let m = rules.sort(&closed).unwrap();
    assert_eq!((m.queue.as_str(), m.rule_index), ("morning", 1));
    assert_eq!(m.matched, ["closed"]);
    // Open and no keyword: the catch-all.
    let m = rules.sort(&input("hello")).unwrap();
    assert_eq!((m.queue.as_str(), m.rule_index), ("front-desk", 2));
    assert_eq!(m.matched, ["catch_all"]);
}

#[test]
fn v8_no_matching_rule_gives_none_and_an_empty_rule_set_sorts_nothing() {
    let rules = QueueRules::new(vec![rule("refills", "pharmacy", keywords(&["refill"]))]).unwrap();
    assert_eq!(rules.sort(&input("see you tomorrow")), None);
    let empty = QueueRules::new(Vec::new()).unwrap();
    assert_eq!(empty.sort(&input("refill")), None);
}

#[test]
fn v8_keywords_match_whole_words_ignoring_case_and_width() {
    let rules = QueueRules::new(vec![
        rule("refills", "pharmacy", keywords(&["refill"])),
        rule("labs", "lab", keywords(&["lab results"])),
    ])
    .unwrap();
    for body in [
        "Refill!",
        "REFILL",
        "need a refill.",
        "refill?thanks",
        "ｒｅｆｉｌｌ",
    ] {
        assert_eq!(
            queue_of(&rules, &input(body)).as_deref(),
            Some("pharmacy"),
            "{body}"
        );
    }
    for body in ["refills", "prefill", "refilling", "re fill", ""] {
        assert_eq!(queue_of(&rules, &input(body)), None, "{body}");
    }
    for body in ["Any LAB  results yet?", "lab results", "my lab\nresults"] {
        assert_eq!(
            queue_of(&rules, &input(body)).as_deref(),
            Some("lab"),
            "{body}"
        );
    }
    for body in ["lab", "results of the lab", "labresults"] {
        assert_eq!(queue_of(&rules, &input(body)), None, "{body}");
    }
}

#[test]
fn v8_every_condition_must_hold() {
    let when = QueueConditions {
        our_numbers: vec![n("6502530020"), n("6502530021")],
        keywords: vec!["refill".into()],
        known_client: Some(false),
        open: Some(true),
        direction: Some(Direction::Inbound),
    };
    let rules = QueueRules::new(vec![rule("new refills", "triage", when)]).unwrap();
    let base = QueueInput {
        known_client: false,
        ..input("refill")
    };
    let m = rules.sort(&base).unwrap();
    assert_eq!(
        m.matched,
        [
            "our_number",
            "keyword:refill",
            "unknown_sender",
            "open",
            "direction:inbound"
        ]
    );
    let breaks = [
        QueueInput {
            our_number: n("6502530001"),
            ..base.clone()
        },
        QueueInput {
            body: "hello".into(),
            ..base.clone()
        },
        QueueInput {
            known_client: true,
            ..base.clone()
        },
        QueueInput {
            open: false,
            ..base.clone()
        },
        QueueInput {
            direction: Direction::Outbound,
            ..base.clone()
        },
    ];
    for (i, b) in breaks.iter().enumerate() {
        assert_eq!(rules.sort(b), None, "condition {i} broken");
    }
}

#[test]
fn v8_staff_replies_can_be_sorted_by_direction_and_known_clients() {
    let rules = QueueRules::new(vec![
        rule(
            "replies",
            "sent",
            QueueConditions {
                direction: Some(Direction::Outbound),
                ..Default::default()
            },
        ),
        rule(
            "clients",
            "clients",
            QueueConditions {
                known_client: Some(true),
                ..Default::default()
            },
        ),
    ])
    .unwrap();
    let reply = QueueInput {
        direction: Direction::Outbound,
        ..input("on my way")
    };
    let m = rules.sort(&reply).unwrap();
    assert_eq!(
        (m.queue.as_str(), m.matched.as_slice()),
        ("sent", ["direction:outbound".to_owned()].as_slice())
    );
    let m = rules.sort(&input("hi")).unwrap();
    assert_eq!(
        (m.queue.as_str(), m.matched.as_slice()),
        ("clients", ["known_client".to_owned()].as_slice())
    );
}

#[test]
fn v8_invalid_rules_are_refused_with_every_problem() {
    let bad = vec![
        rule("ok", "q", keywords(&["refill"])),
        rule(" ", "", keywords(&["", "?!", "fine"])),
        rule("long", "q", keywords(&[&"x".repeat(MAX_KEYWORD_CHARS + 1)])),
    ];
    let e = QueueRules::new(bad).unwrap_err();
    assert_eq!(e.code(), "invalid_queue_rules");
    let InboxError::InvalidQueueRules { problems } = &e else {
        panic!("{e:?}");
    };
    let codes: Vec<(&str, usize)> = problems
        .iter()
        .map(|p| {
            let i = match p {
                QueueRuleProblem::BlankRuleName { rule_index }
                | QueueRuleProblem::BlankQueue { rule_index }
                | QueueRuleProblem::EmptyKeyword { rule_index }
                | QueueRuleProblem::KeywordWithoutWords { rule_index, .. }
                | QueueRuleProblem::KeywordTooLong { rule_index, .. } => *rule_index,
            };
            (p.code(), i)
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("blank_rule_name", 1),
            ("blank_queue", 1),
            ("empty_keyword", 1),
            ("keyword_without_words", 1),
            ("keyword_too_long", 2),
        ]
    );
    assert!(e.to_string().contains("5 problem(s)"));
    // A queue no route mentions is fine; so is a rule with no conditions.
    assert!(QueueRules::new(vec![rule("any", "nowhere-yet", QueueConditions::default())]).is_ok());
}

#[test]
fn v8_rules_are_json_and_reading_checks_them() {
    let json = r#"[
        {"name": "refills", "queue": "pharmacy",
         "when": {"keywords": ["refill"], "our_numbers": ["+16502530020"], "direction": "inbound"}},
        {"name": "rest", "queue": "front-desk"}
    ]"#;
    let rules: QueueRules = serde_json::from_str(json).unwrap();
    assert_eq!(rules.rules().count(), 2);
    let back = serde_json::to_value(&rules).unwrap();
    assert_eq!(back[0]["when"]["our_numbers"][0], "+16502530020");
    assert_eq!(back[1]["when"]["keywords"], serde_json::json!([]));
    let again: QueueRules = serde_json::from_value(back).unwrap();
    assert_eq!(again, rules);

    let empty_keyword = r#"[{"name": "x", "queue": "q", "when": {"keywords": [""]}}]"#;
    let e = serde_json::from_str::<QueueRules>(empty_keyword).unwrap_err();
    assert!(e.to_string().contains("empty keyword"), "{e}");
    // A misspelt condition is refused, not read as a catch-all.
    let typo = r#"[{"name": "x", "queue": "q", "when": {"keyword": ["refill"]}}]"#;
    assert!(serde_json::from_str::<QueueRules>(typo).is_err());
    let problem = QueueRuleProblem::EmptyKeyword { rule_index: 3 };
    let json = serde_json::to_value(&problem).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"code": "empty_keyword", "rule_index": 3})
    );
}

proptest::proptest! {
    #[test]
    fn v8_any_body_sorts_without_panic_and_a_spaced_keyword_always_matches(
        before in "\\PC{0,40}",
        after in "\\PC{0,40}",
        keyword in "[a-zA-Z]{1,12}( [a-zA-Z]{1,12}){0,2}",
    ) {
        let rules = QueueRules::new(vec![rule("k", "q", keywords(&[&keyword]))]).unwrap();
        let _ = rules.sort(&input(&format!("{before}{after}")));
        let body = format!("{before} {} {after}", keyword.to_uppercase());
        proptest::prop_assert!(rules.sort(&input(&body)).is_some(), "{body:?}");
    }
}
