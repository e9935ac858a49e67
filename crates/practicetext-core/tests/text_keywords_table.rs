//! SPEC C1-C3, C5: inbound texts as patients write them, table-driven.

use practicetext_core::text::{KeywordAction, KeywordClassifier, KeywordFlag};

use KeywordAction::{Help, None as No, OptIn, OptOut};

const NL: KeywordFlag = KeywordFlag::NaturalLanguageOptOut;
const CANCEL: KeywordFlag = KeywordFlag::PossibleCancellation;

/// (text, opted out, action, flags)
const TABLE: &[(&str, bool, KeywordAction, &[KeywordFlag])] = &[
    // C1: the keywords, whole message, any dress.
    ("STOP", false, OptOut, &[]),
    ("Stop.", false, OptOut, &[]),
    (" stop ", false, OptOut, &[]),
    ("STOP!!", false, OptOut, &[]),
    ("ＳＴＯＰ", false, OptOut, &[]),
    ("stop 🛑", false, OptOut, &[]),
    ("\"STOP\"", false, OptOut, &[]),
    ("«stop»", false, OptOut, &[]),
    ("stop\u{200B}", false, OptOut, &[]),
    ("StopAll", false, OptOut, &[]),
    ("stop all", false, OptOut, &[]),
    ("UNSUBSCRIBE", false, OptOut, &[]),
    ("end", false, OptOut, &[]),
    ("Quit!", false, OptOut, &[]),
    ("revoke", false, OptOut, &[]),
    ("optout", false, OptOut, &[]),
    ("opt out", false, OptOut, &[]),
    ("Opt-Out", false, OptOut, &[]),
    ("ARRET", false, OptOut, &[]),
    ("arrêt", false, OptOut, &[]),
    ("Parar", false, OptOut, &[]),
    ("baja", false, OptOut, &[]),
    ("STOP", true, OptOut, &[]),
    // C5: CANCEL opts out and may be an appointment.
    ("CANCEL", false, OptOut, &[CANCEL]),
    ("cancel.", false, OptOut, &[CANCEL]),
    ("Cancelar", false, OptOut, &[CANCEL]),
    // C2: plain language, flagged for review.
    ("please stop", false, OptOut, &[NL]),
    ("Stop please!", false, OptOut, &[NL]),
    ("remove me from your list", false, OptOut, &[NL]),
    ("don't text me anymore", false, OptOut, &[NL]),
    ("Do NOT text me again", false, OptOut, &[NL]),
    ("stop texting me", false, OptOut, &[NL]),
    ("no more texts", false, OptOut, &[NL]),
    ("unsubscribe me please", false, OptOut, &[NL]),
    ("Please opt me out", false, OptOut, &[NL]),
    ("take me off your list", false, OptOut, &[NL]),
    ("Stop sending me these texts", false, OptOut, &[NL]),
    ("I don't want these messages", false, OptOut, &[NL]),
    ("wrong number", false, OptOut, &[NL]),
    ("Who is this? STOP", false, OptOut, &[NL]),
    ("Wrong number. Cancel", false, OptOut, &[NL, CANCEL]),
    ("quit messaging me", false, OptOut, &[NL]),
    ("Please remove my number.", false, OptOut, &[NL]),
    ("leave me alone", false, OptOut, &[NL]),
    ("not interested", false, OptOut, &[NL]),
    ("no más mensajes por favor", false, OptOut, &[NL]),
    // C2: texts that merely contain the word.
    ("can I stop by tomorrow?", false, No, &[]),
    ("when do I stop the antibiotics?", false, No, &[]),
    ("don't stop the reminders", false, No, &[]),
    ("stop sign", false, No, &[]),
    ("I will stop at the pharmacy", false, No, &[]),
    ("Should I stop the eye drops now?", false, No, &[]),
    ("He won't stop scratching", false, No, &[]),
    ("I don't want the reminders to stop", false, No, &[]),
    ("Can I cancel my appointment for Friday?", false, No, &[]),
    ("Please remove the stitches next week", false, No, &[]),
    ("At the end of the day is fine", false, No, &[]),
    ("Thanks so much!", false, No, &[]),
    ("Is Dr. Lee in today?", false, No, &[]),
    ("", false, No, &[]),
    ("🛑", false, No, &[]),
    ("...", false, No, &[]),
    // C3: opt in, YES only when opted out.
    ("START", false, OptIn, &[]),
    ("start", true, OptIn, &[]),
    ("Unstop", true, OptIn, &[]),
    ("YES", true, OptIn, &[]),
    ("yes!", true, OptIn, &[]),
    ("YES", false, No, &[]),
    ("Yes, see you then", true, No, &[]),
    // C3: help, even when opted out.
    ("HELP", false, Help, &[]),
    ("help", true, Help, &[]),
    ("info", false, Help, &[]),
    ("Ayuda", true, Help, &[]),
    ("help! my dog ate chocolate", false, No, &[]),
];

#[test]
fn c1_c2_c3_c5_keyword_table() {
    let k = KeywordClassifier::default();
    let mut failures = Vec::new();
    for &(text, opted_out, action, flags) in TABLE {
        let c = k.classify(text, opted_out);
        if c.action != action || c.flags != flags || c.review == flags.is_empty() {
            failures.push(format!("{text:?} (opted out {opted_out}): {c:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
