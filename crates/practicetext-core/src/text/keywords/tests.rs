//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use aho_corasick::{AhoCorasick, MatchKind};

fn k() -> KeywordClassifier {
    KeywordClassifier::default()
}

fn action(text: &str) -> KeywordAction {
    k().classify(text, false).action
}

#[test]
fn c1_builtin_lists_compile() {
    assert!(KeywordClassifier::new(&KeywordLists::default()).is_ok());
    assert!(
        FILLERS.windows(2).all(|w| w[0] < w[1]),
        "FILLERS must stay sorted"
    );
}

#[test]
fn c1_every_builtin_opt_out_keyword_opts_out() {
    for kw in OPT_OUT {
        let c = k().classify(kw, false);
        assert_eq!(c.action, KeywordAction::OptOut, "{kw}");
        assert_eq!(
            c.keyword.as_deref().map(|s| s.replace(['-', ' '], "")),
            Some(kw.replace(['-', ' '], "").replace('Ê', "E")),
            "{kw}"
        );
        let lower = kw.to_lowercase();
        assert_eq!(action(&lower), KeywordAction::OptOut, "{lower}");
    }
}

#[test]
fn c1_stop_with_punctuation_case_space_quotes_and_emoji_opts_out() {
    for text in [
        "Stop.",
        " stop ",
        "STOP!!",
        "ＳＴＯＰ",
        "stop 🛑",
        "🛑STOP🛑",
        "\"Stop\"",
        "‘stop’",
        "Stop\n",
        "sToP?!",
        "opt-out",
        "Opt Out",
        "optout",
        "stop all",
        "Arrêt",
        "arret",
        "¡BAJA!",
        "Unsubscribe.",
    ] {
        let c = k().classify(text, false);
        assert_eq!(c.action, KeywordAction::OptOut, "{text:?}");
        assert!(
            !c.flags.contains(&KeywordFlag::NaturalLanguageOptOut),
            "{text:?}"
        );
    }
}

#[test]
fn c1_keyword_reports_normalised_form() {
    assert_eq!(
        k().classify(" stop!! ", false).keyword.as_deref(),
        Some("STOP")
    );
    assert_eq!(
        k().classify("opt out", false).keyword.as_deref(),
        Some("OPTOUT")
    );
    assert_eq!(
        k().classify("stop all", false).keyword.as_deref(),
        Some("STOPALL")
    );
}

#[test]
fn c2_plain_language_opt_outs_are_flagged_for_review() {
    for text in [
        "please stop",
        "Please stop!",
        "remove me from your list",
        "Please remove me from your list.",
        "don't text me anymore",
        "Do not text me",
        "stop texting me",
        "Stop texting me!!!",
        "no more texts",
        "No more texts please",
        "unsubscribe me please",
        "please opt me out",
        "STOP PLEASE",
        "stop stop stop",
        "Wrong number. STOP",
        "who is this? stop",
        "I want to opt out",
        "how do I unsubscribe?",
        "take me off your list",
        "Stop sending me these messages",
        "I don't want these texts anymore",
        "Leave me alone",
        "wrong number",
        "remove my number",
        "no más mensajes",
    ] {
        let c = k().classify(text, false);
        assert_eq!(c.action, KeywordAction::OptOut, "{text:?}");
        assert!(c.review, "{text:?}");
        assert!(
            c.flags.contains(&KeywordFlag::NaturalLanguageOptOut),
            "{text:?}"
        );
    }
}

#[test]
fn c2_texts_that_merely_contain_the_word_are_none() {
    for text in [
        "can I stop by tomorrow?",
        "When do I stop the antibiotics?",
        "don't stop the reminders",
        "Please don't stop the reminders!",
        "stop sign",
        "I will stop at the pharmacy",
        "Please stop by anytime",
        "Should I stop giving him the pills?",
        "I don't want the reminders to stop",
        "Can you stop sending the refill to the old pharmacy?",
        "Don't stop texting me, I like the reminders",
        "Please remove me from the waiting list for Saturday",
        "Cancel my appointment please",
        "See you at the end of the week",
        "The weekend works",
        "Thanks, the info helped",
        "Yes please",
        "Start time?",
        "Help! My dog ate chocolate",
    ] {
        let c = k().classify(text, false);
        assert_eq!(c.action, KeywordAction::None, "{text:?}: {c:?}");
        assert!(!c.review, "{text:?}");
    }
}

#[test]
fn c3_start_and_unstop_opt_in() {
    for text in ["START", "start.", "Unstop", "ＳＴＡＲＴ"] {
        assert_eq!(action(text), KeywordAction::OptIn, "{text}");
        assert_eq!(
            k().classify(text, true).action,
            KeywordAction::OptIn,
            "{text}"
        );
    }
}

#[test]
fn c3_yes_opts_in_only_when_opted_out() {
    for text in ["YES", "yes!", "Yes."] {
        let not_out = k().classify(text, false);
        assert_eq!(not_out.action, KeywordAction::None, "{text}");
        assert_eq!(not_out.keyword, None);
        let out = k().classify(text, true);
        assert_eq!(out.action, KeywordAction::OptIn, "{text}");
        assert_eq!(out.keyword.as_deref(), Some("YES"));
    }
}

#[test]
fn c3_help_even_when_opted_out() {
    for text in ["HELP", "help?", "Info", "ayuda", "¿Ayuda?"] {
        assert_eq!(action(text), KeywordAction::Help, "{text}");
        assert_eq!(
            k().classify(text, true).action,
            KeywordAction::Help,
            "{text}"
        );
    }
}

#[test]
fn c5_cancel_opts_out_and_is_flagged_as_possible_cancellation() {
    for text in ["CANCEL", "cancel.", "Cancelar"] {
        let c = k().classify(text, false);
        assert_eq!(c.action, KeywordAction::OptOut, "{text}");
        assert!(c.review);
        assert_eq!(c.flags, vec![KeywordFlag::PossibleCancellation]);
    }
    let c = k().classify("Wrong number. Cancel", false);
    assert_eq!(c.action, KeywordAction::OptOut);
    assert_eq!(
        c.flags,
        vec![
            KeywordFlag::NaturalLanguageOptOut,
            KeywordFlag::PossibleCancellation
        ]
    );
}

#[test]
fn c1_organization_extends_the_lists() {
    let mut lists = KeywordLists::default();
    lists.extend(KeywordLists {
        opt_out: vec!["ALTO".into()],
        opt_out_phrases: vec!["quit bugging me/us".into()],
        ..KeywordLists::empty()
    });
    let c = KeywordClassifier::new(&lists).unwrap();
    assert_eq!(c.classify("alto", false).action, KeywordAction::OptOut);
    assert_eq!(
        c.classify("please quit bugging me", false)
            .keyword
            .as_deref(),
        Some("quit bugging me")
    );
    assert_eq!(c.classify("STOP", false).action, KeywordAction::OptOut);
}

#[test]
fn c1_bad_lists_are_refused_with_every_problem() {
    let lists = KeywordLists {
        opt_out: vec!["STOP".into(), "!!".into()],
        opt_in: vec!["stop".into()],
        opt_out_phrases: vec!["?".into()],
        ..KeywordLists::empty()
    };
    let e = KeywordClassifier::new(&lists).unwrap_err();
    assert_eq!(e.code(), "invalid_policy");
    let TextError::InvalidPolicy { problems, .. } = e else {
        panic!()
    };
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn c1_lists_json_partial_keeps_builtins() {
    let l: KeywordLists = serde_json::from_str(r#"{"help":["SOS"]}"#).unwrap();
    assert_eq!(l.help, vec!["SOS"]);
    assert_eq!(l.opt_out, KeywordLists::default().opt_out);
}

#[test]
fn c1_classification_json_is_snake_case() {
    let v = serde_json::to_value(k().classify("cancel", false)).unwrap();
    assert_eq!(v["action"], "opt_out");
    assert_eq!(v["flags"][0], "possible_cancellation");
    assert_eq!(v["review"], true);
}

#[test]
fn words_normalise_contractions_and_clauses() {
    assert_eq!(
        words("Don't TEXT me. Do not call!"),
        "| dont text me | dont call |"
    );
    assert_eq!(words("I can not, will not"), "| i cant | wont |");
    assert_eq!(words(""), "|");
    // The ASCII path and the folding path agree.
    for text in [
        "Don't TEXT me. Do not call!",
        "stop,stop  STOP",
        "I can not!!",
        "a'b `c` 'd'",
        "do not",
        "x\ny\r\nz",
        "",
    ] {
        assert_eq!(words_folded(text), words_ascii(text.as_bytes()), "{text:?}");
    }
}

proptest::proptest! {
    #[test]
    fn c2_ascii_words_agree_with_folded_words(text in "[ -~\n]{0,40}") {
        proptest::prop_assert_eq!(words_folded(&text), words_ascii(text.as_bytes()));
    }
}

/// The C2 implementation before the stack word string and the raw DFA
/// walk: `words()` into a `String`, then aho-corasick's overlapping
/// iterator over the same patterns.
fn reference_natural(
    k: &KeywordClassifier,
    ac: &AhoCorasick,
    text: &str,
) -> Option<(Arc<str>, bool)> {
    let w = words(text);
    for clause in w.split('|') {
        if let Some(found) = k.clause_opt_out(clause) {
            return Some(found);
        }
    }
    for m in ac.find_overlapping_iter(&w) {
        if reference_negated(&w, m.start()) || reference_continued(&w, m.end()) {
            continue;
        }
        let phrase = k.inner.phrase_text.get(m.pattern().as_usize())?;
        return Some((phrase.clone(), false));
    }
    None
}

/// `negated` before it scanned bytes.
fn reference_negated(w: &str, at: usize) -> bool {
    w.get(..at)
        .unwrap_or("")
        .rsplit(' ')
        .filter(|x| !x.is_empty())
        .take(5)
        .take_while(|x| *x != "|")
        .any(|x| NEGATIONS.contains(&x))
}

/// `continued` before it scanned bytes.
fn reference_continued(w: &str, at: usize) -> bool {
    let rest = w.get(at..).unwrap_or("");
    let next = rest.trim_start().split(' ').next().unwrap_or("");
    CONTINUATIONS.contains(&next)
}

fn reference_automaton(k: &KeywordClassifier) -> AhoCorasick {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(false)
        .build(&k.inner.phrase_patterns)
        .unwrap()
}

static REFERENCE: std::sync::LazyLock<(KeywordClassifier, AhoCorasick)> =
    std::sync::LazyLock::new(|| {
        let k = KeywordClassifier::default();
        let ac = reference_automaton(&k);
        (k, ac)
    });

/// Words that keyword texts are made of: every word of the lists, the
/// fillers, negations and continuations, and the parts of contractions.
fn keyword_vocabulary() -> Vec<String> {
    let mut v: Vec<String> = PHRASES
        .iter()
        .flat_map(|p| p.split_whitespace())
        .flat_map(|t| t.trim_end_matches('?').split('/'))
        .filter(|w| !w.is_empty() && *w != "^" && *w != "$")
        .map(str::to_owned)
        .collect();
    v.extend(OPT_OUT.iter().map(|s| s.to_string()));
    v.extend(
        FILLERS
            .iter()
            .chain(NEGATIONS)
            .chain(CONTINUATIONS)
            .chain(AMBIGUOUS)
            .map(|s| s.to_string()),
    );
    v.extend(
        [
            "do", "not", "does", "did", "can", "will", "don't", "DON'T", "Stop", "START", "yes",
            "help", "by", "tomorrow", "sign", "x",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    v.sort();
    v.dedup();
    v
}

fn keyword_like() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let vocab = keyword_vocabulary();
    let seps = [
        " ", " ", " ", "  ", ". ", ", ", "!", "?", "\n", "-", "'", " 🛑 ", "’", ";", ":", "",
    ];
    proptest::collection::vec((0..vocab.len(), 0..seps.len()), 0..12).prop_map(move |parts| {
        parts
            .iter()
            .map(|&(w, s)| format!("{}{}", vocab[w], seps[s]))
            .collect::<String>()
    })
}

fn assert_natural_agrees(text: &str) {
    let (k, ac) = &*REFERENCE;
    assert_eq!(
        k.natural_opt_out(text, text.is_ascii()),
        reference_natural(k, ac, text),
        "{text:?}"
    );
    // The folded walk reads the same words as the ASCII one.
    assert_eq!(
        walk::walk_words(&k.inner, &words(text)),
        reference_natural(k, ac, text),
        "{text:?}"
    );
}

#[test]
fn c2_fast_walk_agrees_with_reference_on_examples() {
    for text in [
        "please don't text me anymore",
        "Can I stop by tomorrow at 3 to pick up her meds?",
        "I don't want the reminders to stop",
        "do not text me. do not. not",
        "Wrong number. STOP",
        "remove me",
        "take me off your list please",
        "stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop stop now",
        "",
        ".,.,.,",
        "can not can not",
        // "stop" with fillers: the answer is the clause's words.
        "Wrong number... St'op  PLEASE!",
        "pl''ease  stop now 'please'",
    ] {
        assert_natural_agrees(text);
    }
    assert_eq!(
        k().natural_opt_out("Wrong number... St'op  PLEASE!", true)
            .map(|(words, _)| words),
        Some("stop please".into())
    );
    let long = "no more texts please. ".repeat(40);
    assert_natural_agrees(&long);
    assert_natural_agrees(&format!("{long} leave me alone"));
}

#[test]
fn c2_fast_walk_agrees_with_reference_on_extended_lists() {
    let mut lists = KeywordLists::default();
    lists.extend(KeywordLists {
        opt_out_phrases: vec![
            "quit bugging me/us".into(),
            "^ enough $".into(),
            "stop".into(),
        ],
        // "do not" is read as "dont" in a clause: a keyword of it.
        opt_out: vec!["HALT".into(), "DONT".into()],
        ..KeywordLists::empty()
    });
    let k = KeywordClassifier::new(&lists).unwrap();
    let ac = reference_automaton(&k);
    for text in [
        "Do not. Thanks",
        "do not, call me later 👍",
        "do not",
        "don't. ok",
        "do. not. ok",
        "quit bugging me",
        "don't quit bugging me",
        "enough",
        "enough!! halt",
        "well enough",
        "stop",
        "please stop by",
        "halt. quit bugging us to stop",
    ] {
        assert_eq!(
            k.natural_opt_out(text, text.is_ascii()),
            reference_natural(&k, &ac, text),
            "{text:?}"
        );
    }
    for text in ["Do not. Thanks", "do not, call me later 👍", "do not"] {
        let found = k.classify(text, false);
        assert_eq!(found.action, KeywordAction::OptOut, "{text:?}");
        assert_eq!(found.keyword.as_deref(), Some("DONT"), "{text:?}");
    }
}

proptest::proptest! {
    #[test]
    fn c2_fast_walk_agrees_with_reference_on_ascii(text in "[ -~\n\r]{0,80}") {
        assert_natural_agrees(&text);
    }

    #[test]
    fn c2_fast_walk_agrees_with_reference_on_any_text(text in "\\PC{0,60}") {
        assert_natural_agrees(&text);
    }

    #[test]
    fn c2_fast_walk_agrees_with_reference_on_keyword_like_texts(text in keyword_like()) {
        assert_natural_agrees(&text);
    }
}

/// An organization's lists with words longer than the walk packs (16
/// bytes): a long phrase word and a long whole-clause keyword.
static LONG_WORDS: std::sync::LazyLock<(KeywordClassifier, AhoCorasick)> =
    std::sync::LazyLock::new(|| {
        let mut lists = KeywordLists::default();
        lists.extend(KeywordLists {
            opt_out_phrases: vec![
                "halt all/your telecommunications".into(),
                "unsubscribemeimmediately".into(),
            ],
            opt_out: vec!["PLEASE UNSUBSCRIBE".into(), "STOPTHEREMINDERSNOW".into()],
            ..KeywordLists::empty()
        });
        let k = KeywordClassifier::new(&lists).unwrap();
        let ac = reference_automaton(&k);
        (k, ac)
    });

#[test]
fn c2_words_longer_than_sixteen_bytes_are_read_whole() {
    let (k, ac) = &*LONG_WORDS;
    let cases: [(&str, Option<&str>); 7] = [
        (
            "Wrong number. Please unsubscribe!",
            Some("PLEASE UNSUBSCRIBE"),
        ),
        ("ok. stoptheremindersnow", Some("STOPTHEREMINDERSNOW")),
        (
            "hi, unsubscribemeimmediately thanks",
            Some("unsubscribemeimmediately"),
        ),
        (
            "Please halt all telecommunications",
            Some("halt all telecommunications"),
        ),
        // The first 16 bytes alone are not the word.
        ("hi, unsubscribemeimmediatel thanks", None),
        ("halt all telecommunication", None),
        ("don't halt your telecommunications", None),
    ];
    for (text, want) in cases {
        let got = k.natural_opt_out(text, text.is_ascii());
        assert_eq!(got.as_ref().map(|g| &*g.0), want, "{text:?}");
        assert_eq!(got, reference_natural(k, ac, text), "{text:?}");
        let folded = format!("{text} ü");
        assert_eq!(
            k.natural_opt_out(&folded, false),
            reference_natural(k, ac, &folded),
            "{folded:?}"
        );
    }
}

#[test]
fn c1_whole_messages_of_more_than_sixteen_letters_are_keywords() {
    let (k, ac) = &*LONG_WORDS;
    let cases: [(&str, Option<&str>); 5] = [
        ("Please unsubscribe", Some("PLEASE UNSUBSCRIBE")),
        ("stop the reminders now!", Some("STOPTHEREMINDERSNOW")),
        ("STOPTHEREMINDERSNOW", Some("STOPTHEREMINDERSNOW")),
        ("please unsubscribe me", None),
        ("stop the reminders", None),
    ];
    for (text, want) in cases {
        let got = k.classify(text, false);
        assert_eq!(got, reference_classify(k, ac, text, false), "{text:?}");
        if let Some(want) = want {
            assert_eq!(got.action, KeywordAction::OptOut, "{text:?}");
            assert!(!got.review, "{text:?}: a keyword, not a phrase");
            assert_eq!(got.keyword.as_deref(), Some(want), "{text:?}");
        } else {
            assert!(
                !got.flags.is_empty() || got.action == KeywordAction::None,
                "{text:?}"
            );
        }
    }
}

#[test]
fn c2_phrase_with_too_many_words_is_refused() {
    let mut lists = KeywordLists::default();
    let long = vec!["word"; walk::MAX_PHRASE_WORDS + 1].join(" ");
    lists.opt_out_phrases.push(long.clone());
    let Err(TextError::InvalidPolicy { problems, .. }) = KeywordClassifier::new(&lists) else {
        panic!("a phrase of {} words compiled", walk::MAX_PHRASE_WORDS + 1);
    };
    assert_eq!(
        problems,
        vec![format!(
            "opt-out phrase {long:?} has more than {} words",
            walk::MAX_PHRASE_WORDS
        )]
    );
    let fits = vec!["word"; walk::MAX_PHRASE_WORDS].join(" ");
    lists.opt_out_phrases.pop();
    lists.opt_out_phrases.push(fits.clone());
    let k = KeywordClassifier::new(&lists).unwrap();
    assert_eq!(
        k.classify(&fits, false).keyword.as_deref(),
        Some(fits.as_str())
    );
}

proptest::proptest! {
    #[test]
    fn c2_walk_agrees_with_reference_with_long_words(
        parts in proptest::collection::vec((0..11usize, 0..5usize), 0..10)
    ) {
        let words = [
            "halt", "all", "telecommunications", "telecommunication", "unsubscribemeimmediately",
            "please", "unsubscribe", "stoptheremindersnow", "dont", "your", "to",
        ];
        let seps = [" ", ". ", ", ", "'", " é "];
        let text: String = parts.iter().map(|&(w, s)| format!("{}{}", words[w], seps[s])).collect();
        let (k, ac) = &*LONG_WORDS;
        proptest::prop_assert_eq!(
            k.natural_opt_out(&text, text.is_ascii()),
            reference_natural(k, ac, &text),
            "{:?}", text
        );
    }
}

/// `classify` as it was before the walk read the whole-message key too:
/// the whole message first (C1, C3, C5), then the reference C2.
fn reference_classify(
    k: &KeywordClassifier,
    ac: &AhoCorasick,
    text: &str,
    opted_out: bool,
) -> Classification {
    if let Some(c) = k.whole_message(text, text.is_ascii(), opted_out) {
        return c;
    }
    match reference_natural(k, ac, text) {
        Some((phrase, cancellation)) => Classification {
            action: KeywordAction::OptOut,
            review: true,
            // Owned, as the reference built them: equal to the static lists.
            flags: Cow::Owned(if cancellation {
                vec![
                    KeywordFlag::NaturalLanguageOptOut,
                    KeywordFlag::PossibleCancellation,
                ]
            } else {
                vec![KeywordFlag::NaturalLanguageOptOut]
            }),
            keyword: Some(phrase),
        },
        None => Classification::none(),
    }
}

fn assert_classify_agrees(text: &str) {
    let (k, ac) = &*REFERENCE;
    for opted_out in [false, true] {
        assert_eq!(
            k.classify(text, opted_out),
            reference_classify(k, ac, text, opted_out),
            "{text:?} opted_out={opted_out}"
        );
    }
}

#[test]
fn c1_classify_agrees_with_reference_on_examples() {
    for text in [
        "Stop.",
        "STOP!!",
        "stop 🛑",
        "ＳＴＯＰ",
        "Opt-Out",
        "yes",
        "Yes!",
        "help",
        "cancel",
        "Stop. Now please",
        "stop now",
        "do not",
        "don't",
        "Wrong number. STOP",
        "please don't text me anymore",
        "",
        "...",
        "unsubscribe",
        "UN SUB SCRIBE",
        "Can I stop by tomorrow at 3 to pick up her meds?",
        "stop, stop",
        "arrêt",
        "s-t-o-p",
        // A phone's curly apostrophes, read as ASCII ones.
        "I don’t want these texts",
        "don’t stop the reminders",
        "‘stop’",
        "Stop ’",
        "wrong number’",
        "can’t make it, sorry",
        "don‘t text me",
        "stop’ all",
        // A clause opt-out before the end of a whole-message keyword.
        "stop. all",
        "Stop! All",
        "cancel. ar",
        "stop. all é",
        "stop. alle",
        // ... and a character outside ASCII after it, which folding drops:
        // the whole message is still the keyword.
        "stop. all 🛑",
        "Stop! 🛑",
    ] {
        assert_classify_agrees(text);
    }
    assert_eq!(
        k().classify("stop. all", false).keyword.as_deref(),
        Some("STOPALL")
    );
    assert_eq!(
        k().classify("cancel. ar", false).keyword.as_deref(),
        Some("CANCELAR")
    );
    for (text, keyword) in [("stop. all 🛑", "STOPALL"), ("Stop! 🛑", "STOP")] {
        let c = k().classify(text, false);
        assert_eq!(c.keyword.as_deref(), Some(keyword), "{text:?}");
        assert!(!c.review, "{text:?} is a keyword, not a phrase to review");
    }
}

proptest::proptest! {
    #[test]
    fn c1_classify_agrees_with_reference_on_ascii(text in "[ -~\n\r]{0,40}") {
        assert_classify_agrees(&text);
    }

    #[test]
    fn c1_classify_agrees_with_reference_on_any_text(text in "\\PC{0,30}") {
        assert_classify_agrees(&text);
    }

    #[test]
    fn c1_classify_agrees_with_reference_on_keyword_like_texts(text in keyword_like()) {
        assert_classify_agrees(&text);
    }

    #[test]
    fn c1_classify_agrees_with_reference_on_short_keyword_texts(
        parts in proptest::collection::vec((0..12usize, 0..8usize), 1..4)
    ) {
        let words = ["stop", "all", "opt", "out", "yes", "help", "can", "cel", "do", "not", "end", "Ê"];
        let seps = ["", " ", ".", "-", "'", "!", "\n", " é"];
        let text: String = parts.iter().map(|&(w, s)| format!("{}{}", words[w], seps[s])).collect();
        assert_classify_agrees(&text);
    }
}
