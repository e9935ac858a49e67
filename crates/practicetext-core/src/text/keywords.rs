//! Opt-out, opt-in and help keywords in inbound texts: SPEC C1, C2, C3, C5.
//!
//! - **C1** A keyword matches the *whole* message after normalising:
//!   compatibility forms (full-width letters), case, accents, white space,
//!   punctuation, quotes and emoji are ignored, so "Stop.", " stop ",
//!   "STOP!!", "ＳＴＯＰ", "stop 🛑" and "Opt-Out" all count. Opt-out:
//!   STOP, STOPALL, STOP ALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE,
//!   OPTOUT, OPT OUT, OPT-OUT, ARRET, ARRÊT, PARAR, BAJA, CANCELAR.
//! - **C2** Plain-language requests ("please stop", "remove me from your
//!   list", "don't text me anymore", "no more texts") opt out too and are
//!   flagged for staff review ([`KeywordFlag::NaturalLanguageOptOut`]); so is
//!   a message with an opt-out keyword as a sentence of its own ("Wrong
//!   number. STOP"). Texts that merely contain the word ("can I stop by
//!   tomorrow?", "when do I stop the antibiotics?", "don't stop the
//!   reminders", "stop sign") are `None`: a phrase preceded by a negation
//!   (up to five words back in the same sentence) does not count, and
//!   "stop" alone only counts with words like "please", "now", "it".
//! - **C3** START and UNSTOP opt in; YES opts in only when the number is
//!   opted out (clinics ask "Reply YES to confirm"). HELP, INFO and AYUDA
//!   ask for help, even from an opted-out number.
//! - **C5** CANCEL (and CANCELAR) alone opts out and is flagged as a
//!   possible appointment cancellation.
//!
//! Every list is data ([`KeywordLists`]) an organization can extend.
//!
//! ```
//! use practicetext_core::text::{KeywordAction, KeywordClassifier, KeywordFlag};
//! let k = KeywordClassifier::default();
//! assert_eq!(k.classify("STOP!!", false).action, KeywordAction::OptOut);
//! let c = k.classify("please don't text me anymore", false);
//! assert_eq!(c.action, KeywordAction::OptOut);
//! assert!(c.review);
//! assert_eq!(c.flags, vec![KeywordFlag::NaturalLanguageOptOut]);
//! assert_eq!(k.classify("Can I stop by tomorrow?", false).action, KeywordAction::None);
//! assert_eq!(k.classify("yes", false).action, KeywordAction::None);
//! assert_eq!(k.classify("yes", true).action, KeywordAction::OptIn);
//! ```

use std::fmt;
use std::sync::{Arc, LazyLock};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::TextError;
use super::fold::fold_non_ascii;

/// What an inbound text asks for (C1, C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeywordAction {
    /// Stop all texts from the organization (C1, C2, C5).
    OptOut,
    /// Start texts again (C3).
    OptIn,
    /// Send the organization's help reply (C3).
    Help,
    /// An ordinary message.
    None,
}

/// Why staff should look at an inbound text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeywordFlag {
    /// The opt-out was read from plain language, not a keyword (C2).
    NaturalLanguageOptOut,
    /// CANCEL may have meant an appointment (C5).
    PossibleCancellation,
}

/// The classification of one inbound text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// What the text asks for.
    pub action: KeywordAction,
    /// True when staff should review it (whenever `flags` is not empty).
    pub review: bool,
    /// Why staff should review it.
    pub flags: Vec<KeywordFlag>,
    /// The list entry matched, upper case with single spaces (e.g. "STOP";
    /// "opt out" and "OPT-OUT" report the first entry with the same
    /// letters, "OPTOUT"), or for a plain-language opt-out the phrase
    /// matched in lower case (e.g. "stop texting me"). `None` for `None`.
    pub keyword: Option<String>,
}

impl Classification {
    fn none() -> Self {
        Classification {
            action: KeywordAction::None,
            review: false,
            flags: Vec::new(),
            keyword: None,
        }
    }
}

/// The keyword lists as data (C1-C3, C5). Serde: a field left out keeps
/// the built-in list. Extend with [`KeywordLists::extend`].
///
/// Phrases in `opt_out_phrases` are words separated by spaces, matched as
/// consecutive words after the same normalisation as keywords (so "don't"
/// and "do not" both read "dont"). A word may list alternatives with `/`
/// (`text/message`), end in `?` to be optional (`me?`), or be `^` / `$` to
/// pin the phrase to the start / end of a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeywordLists {
    /// Whole-message opt-out keywords (C1).
    pub opt_out: Vec<String>,
    /// Whole-message opt-in keywords (C3).
    pub opt_in: Vec<String>,
    /// Whole-message keywords that opt in only a number that is opted out
    /// (C3: YES).
    pub opt_in_when_opted_out: Vec<String>,
    /// Whole-message help keywords (C3).
    pub help: Vec<String>,
    /// Keywords that may also mean an appointment cancellation (C5).
    pub cancellation: Vec<String>,
    /// Plain-language opt-out phrases (C2).
    pub opt_out_phrases: Vec<String>,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

const OPT_OUT: &[&str] = &[
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT OUT",
    "OPT-OUT",
    "ARRET",
    "ARRÊT",
    "PARAR",
    "BAJA",
    "CANCELAR",
];

/// Built-in plain-language opt-outs (C2). Our own list: the FCC's
/// "reasonable person" test has no list.
const PHRASES: &[&str] = &[
    "stop/quit/cease texting/txting/texing/messaging/msging/spamming me/us?",
    "stop/quit/cease contacting/calling/bothering/emailing me/us",
    "stop/quit sending/texting me? texts/text/messages/message/txts/msgs/sms/these/this/them/reminders/spam",
    "stop/end all/the/these/your/ur/those? texts/messages/txts/msgs/reminders/notifications/alerts/spam",
    "stop/quit receiving/getting",
    "dont/never text/txt/message/msg/contact/call/sms/email me/us",
    "dont/never send me texts/messages/txts/msgs/anything/reminders",
    "dont want/need these/your/any/the/those/more/this? texts/messages/txts/msgs/reminders/notifications/alerts",
    "dont want to receive/get these/your/any/the/those/more? texts/messages/txts/msgs/reminders",
    "no more texts/messages/txts/msgs/reminders/notifications/alerts/spam/texting",
    "no texts/messages/txts/msgs/texting $",
    "remove me/us $",
    "remove/delete my/this number",
    "remove/delete/take me/us from/off your/the/this/ur/our/my? list/texts/texting/messages/contacts/mailing/system/database",
    "remove/delete/take my/this number from/off your/the/this/ur/our? list/texts/texting/messages/contacts/mailing/system/database",
    "take me/us off $",
    "take me/us off your/the/this/ur list/texts/texting",
    "unsubscribe",
    "unsub",
    "opt me/us out",
    "opt out",
    "optout",
    "leave me alone",
    "wrong number",
    "wrong person",
    "not interested",
    "no mas mensajes/textos",
    "no me envien/manden mas mensajes/textos",
    "ya no quiero mensajes/textos",
    "dejen de enviarme/mandarme mensajes/textos",
    "arretez de m/me envoyer",
];

impl Default for KeywordLists {
    fn default() -> Self {
        KeywordLists {
            opt_out: strings(OPT_OUT),
            opt_in: strings(&["START", "UNSTOP"]),
            opt_in_when_opted_out: strings(&["YES"]),
            help: strings(&["HELP", "INFO", "AYUDA"]),
            cancellation: strings(&["CANCEL", "CANCELAR"]),
            opt_out_phrases: strings(PHRASES),
        }
    }
}

fn add_unique(list: &mut Vec<String>, more: Vec<String>) {
    for m in more {
        if !list.contains(&m) {
            list.push(m);
        }
    }
}

impl KeywordLists {
    /// Lists with nothing in them, to build an organization's own.
    pub fn empty() -> Self {
        KeywordLists {
            opt_out: Vec::new(),
            opt_in: Vec::new(),
            opt_in_when_opted_out: Vec::new(),
            help: Vec::new(),
            cancellation: Vec::new(),
            opt_out_phrases: Vec::new(),
        }
    }

    /// Adds an organization's entries (C1), skipping those already present.
    pub fn extend(&mut self, more: KeywordLists) {
        add_unique(&mut self.opt_out, more.opt_out);
        add_unique(&mut self.opt_in, more.opt_in);
        add_unique(&mut self.opt_in_when_opted_out, more.opt_in_when_opted_out);
        add_unique(&mut self.help, more.help);
        add_unique(&mut self.cancellation, more.cancellation);
        add_unique(&mut self.opt_out_phrases, more.opt_out_phrases);
    }
}

/// What a whole-message keyword does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OptOut,
    OptIn,
    OptInWhenOptedOut,
    Help,
}

#[derive(Debug, Clone)]
struct Entry {
    /// Folded letters and digits only ("optout").
    key: String,
    /// Display form ("OPT OUT").
    display: String,
    kind: Kind,
    cancellation: bool,
}

/// The longest key the classifier ever needs to build.
const MAX_KEY: usize = 48;

/// Words that never change a bare "stop" into something else ("please
/// stop", "stop it now", "stop the texts").
const FILLERS: &[&str] = &[
    "all",
    "already",
    "asap",
    "enough",
    "immediately",
    "it",
    "just",
    "me",
    "messages",
    "msgs",
    "no",
    "now",
    "ok",
    "okay",
    "please",
    "pls",
    "plz",
    "right",
    "seriously",
    "sms",
    "text",
    "texting",
    "texts",
    "thank",
    "thanks",
    "the",
    "them",
    "these",
    "this",
    "thx",
    "txts",
    "ty",
    "us",
    "you",
    "your",
];

/// Negations that cancel a phrase after them ("don't stop texting me").
const NEGATIONS: &[&str] = &[
    "dont", "doesnt", "didnt", "never", "not", "wont", "cant", "shouldnt", "wouldnt", "isnt",
];

/// Words after a phrase that turn it around ("I don't want the reminders
/// to stop").
const CONTINUATIONS: &[&str] = &["to", "stop", "stopped", "stopping", "ending", "ended"];

/// Opt-out keywords too ambiguous to count next to filler words ("cancel
/// it" is usually an appointment), though they still count alone or as a
/// sentence of their own.
const AMBIGUOUS: &[&str] = &["end", "cancel", "cancelar", "baja"];

/// The most phrases one `opt_out_phrases` entry may expand to.
const MAX_EXPANSIONS: usize = 4096;

struct Compiled {
    lists: KeywordLists,
    /// Length of the longest key: longer texts are not keywords.
    max_key: usize,
    /// Sorted by key.
    entries: Vec<Entry>,
    /// Position in `entries` by key.
    by_key: FxHashMap<String, usize>,
    /// Bit `n` set when some key is `n` bytes long: most texts are turned
    /// away by their length alone.
    key_lengths: u64,
    /// Opt-out keys that count next to filler words (`true`) and the
    /// [`FILLERS`] (`false`), for one hash probe per word.
    clause_words: FxHashMap<Box<[u8]>, bool>,
    /// The first byte and length of every word in `clause_words` (see
    /// [`WordShapes`]): most words of a clause are turned away before
    /// they are hashed.
    clause_shapes: WordShapes,
    /// The expanded phrases as automaton patterns, walked over the word
    /// string with overlapping matches.
    phrases: Option<DFA>,
    /// First bytes of the phrases' first words.
    phrase_starts: PhraseStarts,
    phrase_text: Vec<String>,
    /// The automaton patterns, for the reference implementation in tests.
    #[cfg(test)]
    phrase_patterns: Vec<String>,
}

/// [`KeywordLists`] compiled for fast classification (C1-C3, C5). Cheap to
/// clone and share between threads.
#[derive(Clone)]
pub struct KeywordClassifier {
    inner: Arc<Compiled>,
}

impl fmt::Debug for KeywordClassifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeywordClassifier")
            .field("keywords", &self.inner.entries.len())
            .field("phrases", &self.inner.phrase_text.len())
            .finish_non_exhaustive()
    }
}

static DEFAULT_CLASSIFIER: LazyLock<KeywordClassifier> = LazyLock::new(|| {
    KeywordClassifier::new(&KeywordLists::default()).expect("the built-in keyword lists are valid") // ok: proven by c1_builtin_lists_compile
});

impl Default for KeywordClassifier {
    /// The classifier for the built-in lists (compiled once per process).
    fn default() -> Self {
        DEFAULT_CLASSIFIER.clone()
    }
}

/// Folds `text` to its letters and digits, lower case (C1). `None` when the
/// result would be longer than `max` bytes.
fn compact(text: &str, max: usize) -> Option<String> {
    let mut buf = KeyBuf::default();
    buf.fill(text, max).map(str::to_owned)
}

/// A key built on the stack (no allocation per inbound text).
struct KeyBuf {
    buf: [u8; MAX_KEY],
    len: usize,
}

impl Default for KeyBuf {
    fn default() -> Self {
        KeyBuf {
            buf: [0; MAX_KEY],
            len: 0,
        }
    }
}

impl KeyBuf {
    /// [`KeyBuf::fill`] for text known to be ASCII.
    fn fill_ascii(&mut self, text: &[u8], max: usize) -> Option<&str> {
        let max = max.min(MAX_KEY);
        let mut n = 0usize;
        for &b in text {
            let class = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
            if class > CLASS_BREAK {
                if n >= max {
                    return None;
                }
                *self.buf.get_mut(n)? = class;
                n += 1;
            }
        }
        self.len = n;
        std::str::from_utf8(self.buf.get(..n)?).ok()
    }

    /// Folds `text` into the buffer; `None` when longer than `max` bytes.
    fn fill(&mut self, text: &str, max: usize) -> Option<&str> {
        if text.is_ascii() {
            return self.fill_ascii(text.as_bytes(), max);
        }
        let max = max.min(MAX_KEY);
        self.len = 0;
        let mut overflow = false;
        for c in text.chars() {
            fold_non_ascii_or_ascii(c, &mut |f| {
                if f.is_alphanumeric() && !overflow {
                    let mut tmp = [0u8; 4];
                    let enc = f.encode_utf8(&mut tmp).as_bytes();
                    match self.buf.get_mut(self.len..self.len + enc.len()) {
                        Some(dst) if self.len + enc.len() <= max => {
                            dst.copy_from_slice(enc);
                            self.len += enc.len();
                        }
                        _ => overflow = true,
                    }
                }
            });
            if overflow {
                return None;
            }
        }
        std::str::from_utf8(self.buf.get(..self.len)?).ok()
    }
}

fn fold_non_ascii_or_ascii(c: char, emit: &mut impl FnMut(char)) {
    if c.is_ascii() {
        emit(c.to_ascii_lowercase());
    } else {
        fold_non_ascii(c, emit);
    }
}

/// The display form of a list entry: folded upper case, single spaces,
/// other punctuation as written ("opt-out" → "OPT-OUT").
fn display(entry: &str) -> String {
    entry
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// The words of `text`, folded and lower case, as "| w1 w2 | w3 |": `|`
/// marks sentence and clause breaks (. ! ? ; , : and line breaks), words
/// are separated by one space, apostrophes inside words are dropped
/// ("don't" → "dont") and "do not", "can not", "will not" become "dont",
/// "cant", "wont".
fn words(text: &str) -> String {
    if text.is_ascii() {
        words_ascii(text.as_bytes())
    } else {
        words_folded(text)
    }
}

/// [`words`] for any text, folding each character.
fn words_folded(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    out.push('|');
    let mut in_word = false;
    let mut word_start = 0usize;
    let mut prev_start: Option<usize> = None;
    let end_word =
        |out: &mut String, in_word: &mut bool, word_start: usize, prev: &mut Option<usize>| {
            if !*in_word {
                return;
            }
            *in_word = false;
            *prev = Some(merge_not(out, word_start, *prev));
        };
    for c in text.chars() {
        let mut handle = |f: char, out: &mut String| {
            if f.is_alphanumeric() {
                if !in_word {
                    out.push(' ');
                    word_start = out.len();
                    in_word = true;
                }
                out.push(f);
            } else if matches!(f, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`') && in_word {
                // inside a word: "don't"
            } else if matches!(
                f,
                '.' | '!' | '?' | ';' | ',' | ':' | '\n' | '\r' | '\u{2028}' | '\u{2029}'
            ) {
                end_word(out, &mut in_word, word_start, &mut prev_start);
                prev_start = None;
                if !out.ends_with('|') {
                    out.push_str(" |");
                }
            } else {
                end_word(out, &mut in_word, word_start, &mut prev_start);
            }
        };
        if c.is_ascii() {
            handle(c.to_ascii_lowercase(), &mut out);
        } else {
            fold_non_ascii(c, &mut |f| handle(f, &mut out));
        }
    }
    end_word(&mut out, &mut in_word, word_start, &mut prev_start);
    if !out.ends_with('|') {
        out.push_str(" |");
    }
    out
}

/// Sentence and clause breaks.
fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | ';' | ',' | ':' | '\n' | '\r' | '\u{2028}' | '\u{2029}'
    )
}

/// [`words`] for ASCII text, without folding.
fn words_ascii(text: &[u8]) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    out.push('|');
    let mut in_word = false;
    let mut word_start = 0usize;
    let mut prev: Option<usize> = None;
    for &b in text {
        if b.is_ascii_alphanumeric() {
            if !in_word {
                out.push(' ');
                word_start = out.len();
                in_word = true;
            }
            out.push(char::from(b.to_ascii_lowercase()));
            continue;
        }
        if in_word && (b == b'\'' || b == b'`') {
            continue;
        }
        if in_word {
            in_word = false;
            prev = Some(merge_not(&mut out, word_start, prev));
        }
        if is_clause_break(char::from(b)) {
            prev = None;
            if !out.ends_with('|') {
                out.push_str(" |");
            }
        }
    }
    if in_word {
        merge_not(&mut out, word_start, prev);
    }
    if !out.ends_with('|') {
        out.push_str(" |");
    }
    out
}

/// Turns "do not" into "dont" (and the like) when the word just finished
/// at `start` is "not". Returns where the last word now starts.
fn merge_not(out: &mut String, start: usize, prev: Option<usize>) -> usize {
    let Some(prev) = prev else { return start };
    // A pattern, not `==`: no call to memcmp for every word of every text.
    if !matches!(out.as_bytes().get(start..), Some([b'n', b'o', b't'])) {
        return start;
    }
    let merged = match out.get(prev..start.saturating_sub(1)) {
        Some("do") => "dont",
        Some("does") => "doesnt",
        Some("did") => "didnt",
        Some("can") => "cant",
        Some("will") => "wont",
        _ => return start,
    };
    out.truncate(prev);
    out.push_str(merged);
    prev
}

/// Bytes of the word string kept on the stack; longer texts use the heap.
const STACK_WORDS: usize = 256;

/// [`WORD_CLASS`] of an apostrophe.
const CLASS_APOSTROPHE: u8 = 1;
/// [`WORD_CLASS`] of a clause break.
const CLASS_BREAK: u8 = 2;
/// What one byte of an ASCII text is to [`words_ascii_into`]: a letter or
/// digit (its lower case), an apostrophe, a clause break or anything else
/// (0).
static WORD_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        t[i] = if b.is_ascii_alphanumeric() {
            b.to_ascii_lowercase()
        } else if b == b'\'' || b == b'`' {
            CLASS_APOSTROPHE
        } else if matches!(b, b'.' | b'!' | b'?' | b';' | b',' | b':' | b'\n' | b'\r') {
            CLASS_BREAK
        } else {
            0
        };
        i += 1;
    }
    t
};

/// The most bytes [`words_ascii_into`] writes for a text of `len` bytes:
/// the leading `|`, at most two per byte (" a" or " |"), and the closing
/// " |".
fn words_ascii_capacity(len: usize) -> usize {
    len.saturating_mul(2).saturating_add(3)
}

/// Writes [`words`] of an ASCII text into `out` (at least
/// [`words_ascii_capacity`] bytes) and returns its length: the same bytes
/// as `words_ascii`, without a heap allocation.
fn words_ascii_into(text: &[u8], out: &mut [u8]) -> usize {
    let class_at = |i: usize| text.get(i).map_or(0, |&b| WORD_CLASS[usize::from(b)]); // ok: a u8 indexes 256 entries
    let mut w = ByteWriter { out, len: 0 };
    w.push(b'|');
    let mut prev: Option<usize> = None;
    let mut i = 0usize;
    while i < text.len() {
        let class = class_at(i);
        if class > CLASS_BREAK {
            // A word: runs of letters and digits, joined by apostrophes.
            w.push(b' ');
            let start = w.len;
            loop {
                let mut c = class_at(i);
                while c > CLASS_BREAK {
                    w.push(c);
                    i += 1;
                    c = class_at(i);
                }
                while c == CLASS_APOSTROPHE {
                    i += 1;
                    c = class_at(i);
                }
                if c <= CLASS_BREAK {
                    break;
                }
            }
            prev = Some(w.merge_not(start, prev));
            continue;
        }
        if class == CLASS_BREAK {
            prev = None;
            w.close_clause();
        }
        i += 1;
    }
    w.close_clause();
    w.len
}

/// Appends to a byte slice sized by [`words_ascii_capacity`].
struct ByteWriter<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl ByteWriter<'_> {
    #[inline]
    fn push(&mut self, b: u8) {
        if let Some(x) = self.out.get_mut(self.len) {
            *x = b;
            self.len += 1;
        }
    }

    fn last(&self) -> Option<u8> {
        self.out.get(self.len.checked_sub(1)?).copied()
    }

    /// " |" unless the string already ends with `|`.
    #[inline]
    fn close_clause(&mut self) {
        if self.last() != Some(b'|') {
            self.push(b' ');
            self.push(b'|');
        }
    }

    /// `merge_not` on bytes.
    #[inline]
    fn merge_not(&mut self, start: usize, prev: Option<usize>) -> usize {
        let Some(prev) = prev else { return start };
        if !matches!(self.out.get(start..self.len), Some(b"not")) {
            return start;
        }
        let merged: &[u8] = match self.out.get(prev..start.saturating_sub(1)) {
            Some(b"do") => b"dont",
            Some(b"does") => b"doesnt",
            Some(b"did") => b"didnt",
            Some(b"can") => b"cant",
            Some(b"will") => b"wont",
            _ => return start,
        };
        self.len = prev;
        for &b in merged {
            self.push(b);
        }
        prev
    }
}

/// The first two bytes of the first word of every phrase pattern, so
/// that words which start no phrase are stepped over: bit `second % 64` of
/// entry `first` (a one-byte word has a space second). Built from the
/// organization's lists when the classifier is compiled.
#[derive(Clone)]
struct PhraseStarts([u64; 256]);

impl PhraseStarts {
    fn new(patterns: &[String]) -> Self {
        let mut table = [0u64; 256];
        for p in patterns {
            let first = p
                .trim_start_matches(['|', ' '])
                .split(' ')
                .next()
                .unwrap_or("")
                .as_bytes();
            if let Some(&b1) = first.first() {
                let b2 = first.get(1).copied().unwrap_or(b' ');
                table[usize::from(b1)] |= 1u64 << (b2 % 64); // ok: a u8 indexes 256 entries
            }
        }
        PhraseStarts(table)
    }

    /// False when the word at the start of `rest` (a word string from a
    /// word start) is surely not the first word of any phrase.
    #[inline]
    fn may_start(&self, rest: &[u8]) -> bool {
        let (Some(&b1), Some(&b2)) = (rest.first(), rest.get(1)) else {
            return true;
        };
        let bits = self.0[usize::from(b1)]; // ok: a u8 indexes 256 entries
        bits & (1u64 << (b2 % 64)) != 0
    }
}

/// The first byte and length of each word of a set: bit `min(len, 63)` of
/// entry `first`. A word whose shape is not there is not in the set.
#[derive(Clone)]
struct WordShapes(Box<[u64; 256]>);

impl WordShapes {
    fn new<'a>(words: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut table = Box::new([0u64; 256]);
        for w in words {
            if let Some(&b) = w.first() {
                table[usize::from(b)] |= 1u64 << w.len().min(63); // ok: a u8 indexes 256 entries
            }
        }
        WordShapes(table)
    }

    /// False when `word` is surely not in the set.
    #[inline]
    fn may_be(&self, word: &[u8]) -> bool {
        word.first().is_some_and(|&b| {
            self.0[usize::from(b)] & (1u64 << word.len().min(63)) != 0 // ok: a u8 indexes 256 entries
        })
    }
}

/// The end of the word starting at byte `i` of a word string: the next
/// space or `|`, or the end.
fn word_end(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&c| c == b' ' || c == b'|'))
        .map_or(bytes.len(), |p| i + p)
}

/// Expands one phrase entry into concrete word sequences with anchors.
fn expand(entry: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = vec![String::new()];
    for token in entry.split_whitespace() {
        let (alts, optional) = match token.strip_suffix('?') {
            Some(t) => (t, true),
            None => (token, false),
        };
        let mut next = Vec::new();
        for base in &out {
            if optional {
                next.push(base.clone());
            }
            for alt in alts.split('/').filter(|a| !a.is_empty()) {
                next.push(format!("{base} {alt}"));
            }
        }
        if next.len() > MAX_EXPANSIONS {
            return Err(format!(
                "opt-out phrase {entry:?} expands to more than {MAX_EXPANSIONS} phrases; split it"
            ));
        }
        out = next;
    }
    Ok(out)
}

/// The automaton pattern for one expanded phrase: its words normalised,
/// bounded by spaces, or by `|` where anchored.
fn phrase_pattern(phrase: &str) -> Option<String> {
    let start = phrase.trim_start().starts_with('^');
    let end = phrase.trim_end().ends_with('$');
    let body = phrase.trim().trim_start_matches('^').trim_end_matches('$');
    let w = words(body);
    let inner = w.trim_start_matches('|').trim_end_matches('|').trim();
    if inner.is_empty() || inner.contains('|') {
        return None;
    }
    Some(format!(
        "{} {} {}",
        if start { "|" } else { "" },
        inner,
        if end { "|" } else { "" }
    ))
}

impl KeywordClassifier {
    /// Compiles `lists`. Refuses them with [`TextError::InvalidPolicy`]
    /// (code `"invalid_policy"`) listing every problem: entries without
    /// letters or digits, a keyword in two lists with different actions, a
    /// phrase with no words or too many expansions.
    pub fn new(lists: &KeywordLists) -> Result<Self, TextError> {
        let mut problems = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        let groups: [(Kind, &str, &[String]); 4] = [
            (Kind::OptOut, "opt-out", &lists.opt_out),
            (Kind::OptIn, "opt-in", &lists.opt_in),
            (
                Kind::OptInWhenOptedOut,
                "opt-in-when-opted-out",
                &lists.opt_in_when_opted_out,
            ),
            (Kind::Help, "help", &lists.help),
        ];
        let cancellation: Vec<String> = lists
            .cancellation
            .iter()
            .filter_map(|c| compact(c, MAX_KEY).filter(|k| !k.is_empty()))
            .collect();
        for c in &lists.cancellation {
            if compact(c, MAX_KEY).is_none_or(|k| k.is_empty()) {
                problems.push(format!(
                    "cancellation keyword {c:?} needs 1 to {MAX_KEY} letters or digits"
                ));
            }
        }
        for (kind, what, list) in groups {
            for k in list {
                let Some(key) = compact(k, MAX_KEY).filter(|k| !k.is_empty()) else {
                    problems.push(format!(
                        "{what} keyword {k:?} needs 1 to {MAX_KEY} letters or digits"
                    ));
                    continue;
                };
                match entries.iter().find(|e| e.key == key) {
                    Some(e) if e.kind != kind => problems.push(format!(
                        "keyword {k:?} is in two lists with different actions ({what} and another); keep it in one"
                    )),
                    Some(_) => {}
                    None => entries.push(Entry {
                        cancellation: cancellation.contains(&key),
                        key,
                        display: display(k),
                        kind,
                    }),
                }
            }
        }
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        let bare_stops = entries
            .iter()
            .filter(|e| {
                e.kind == Kind::OptOut && !e.cancellation && !AMBIGUOUS.contains(&e.key.as_str())
            })
            .map(|e| e.key.clone())
            .chain(["unsub".to_owned()]);
        // A word that is both counts as a stop.
        let clause_words: FxHashMap<Box<[u8]>, bool> = FILLERS
            .iter()
            .map(|f| (f.as_bytes().into(), false))
            .chain(bare_stops.map(|k| (k.into_bytes().into_boxed_slice(), true)))
            .collect();
        let clause_shapes = WordShapes::new(clause_words.keys().map(|k| &k[..]));
        let (phrases, phrase_text, phrase_patterns) =
            compile_phrases(&lists.opt_out_phrases, &mut problems);
        let phrase_starts = PhraseStarts::new(&phrase_patterns);
        if !problems.is_empty() {
            return Err(TextError::InvalidPolicy {
                what: "keyword lists",
                problems,
            });
        }
        let by_key = (0..)
            .zip(&entries)
            .map(|(i, e)| (e.key.clone(), i))
            .collect();
        let key_lengths = entries
            .iter()
            .filter_map(|e| 1u64.checked_shl(u32::try_from(e.key.len()).ok()?))
            .fold(0, |m, bit| m | bit);
        Ok(KeywordClassifier {
            inner: Arc::new(Compiled {
                max_key: entries.iter().map(|e| e.key.len()).max().unwrap_or(0),
                lists: lists.clone(),
                entries,
                by_key,
                key_lengths,
                clause_words,
                clause_shapes,
                phrases,
                phrase_starts,
                phrase_text,
                #[cfg(test)]
                phrase_patterns,
            }),
        })
    }

    /// The lists this classifier was compiled from.
    pub fn lists(&self) -> &KeywordLists {
        &self.inner.lists
    }

    /// Classifies an inbound text (C1-C3, C5). `opted_out` is whether the
    /// sender's number is opted out now (only YES depends on it).
    pub fn classify(&self, text: &str, opted_out: bool) -> Classification {
        let ascii = text.is_ascii();
        if let Some(c) = self.whole_message(text, ascii, opted_out) {
            return c;
        }
        match self.natural_opt_out(text, ascii) {
            Some((phrase, cancellation)) => {
                let mut flags = vec![KeywordFlag::NaturalLanguageOptOut];
                if cancellation {
                    flags.push(KeywordFlag::PossibleCancellation);
                }
                Classification {
                    action: KeywordAction::OptOut,
                    review: true,
                    flags,
                    keyword: Some(phrase),
                }
            }
            None => Classification::none(),
        }
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        let length_bit = u32::try_from(key.len())
            .ok()
            .and_then(|n| 1u64.checked_shl(n))
            .unwrap_or(0);
        if self.inner.key_lengths & length_bit == 0 {
            return None;
        }
        let i = *self.inner.by_key.get(key)?;
        self.inner.entries.get(i)
    }

    /// C1, C3, C5: the whole message is a keyword.
    fn whole_message(&self, text: &str, ascii: bool, opted_out: bool) -> Option<Classification> {
        let mut buf = KeyBuf::default();
        let key = if ascii {
            buf.fill_ascii(text.as_bytes(), self.inner.max_key)?
        } else {
            buf.fill(text, self.inner.max_key)?
        };
        let e = self.entry(key)?;
        let action = match e.kind {
            Kind::OptOut => KeywordAction::OptOut,
            Kind::OptIn => KeywordAction::OptIn,
            Kind::OptInWhenOptedOut if opted_out => KeywordAction::OptIn,
            Kind::OptInWhenOptedOut => return Some(Classification::none()),
            Kind::Help => KeywordAction::Help,
        };
        let flags = if e.cancellation {
            vec![KeywordFlag::PossibleCancellation]
        } else {
            Vec::new()
        };
        Some(Classification {
            action,
            review: !flags.is_empty(),
            flags,
            keyword: Some(e.display.clone()),
        })
    }

    /// C2: a plain-language opt-out, with whether it may be a cancellation.
    /// ASCII texts (nearly every inbound text) build their word string on
    /// the stack; others are folded into a `String` first.
    fn natural_opt_out(&self, text: &str, ascii: bool) -> Option<(String, bool)> {
        if !ascii {
            return self.opt_out_in_words(&words_folded(text));
        }
        let mut stack = [0u8; STACK_WORDS];
        let mut heap = Vec::new();
        let need = words_ascii_capacity(text.len());
        let out: &mut [u8] = match stack.get_mut(..need) {
            Some(s) => s,
            None => {
                heap.resize(need, 0);
                &mut heap
            }
        };
        let n = words_ascii_into(text.as_bytes(), out);
        let w = std::str::from_utf8(out.get(..n)?).ok()?;
        self.opt_out_in_words(w)
    }

    /// C2 on the word string `w` (see [`words`]): a clause that is an
    /// opt-out on its own, else the first phrase match (by end, then by
    /// pattern, as an overlapping Aho-Corasick search reports them) that is
    /// neither negated nor continued. One walk: clauses are checked at each
    /// `|` while the automaton runs, then the rest after a phrase is found.
    fn opt_out_in_words(&self, w: &str) -> Option<(String, bool)> {
        let bytes = w.as_bytes();
        let mut i = 0usize;
        let mut clause_start = 0usize;
        let mut phrase = None;
        if let Some(dfa) = &self.inner.phrases
            && let Ok(start) = dfa.start_state(Anchored::No)
        {
            // The states right after a word separator with nothing pending:
            // from them a word that starts no phrase leads back to `start`
            // and cannot end a match (patterns end on a space or `|`), so it
            // is stepped over without the automaton.
            let fresh = dfa.next_state(Anchored::No, start, b' ');
            let fresh_bar = dfa.next_state(
                Anchored::No,
                dfa.next_state(Anchored::No, start, b'|'),
                b' ',
            );
            let mut sid = start;
            while let Some(&b) = bytes.get(i) {
                if b == b'|' {
                    if let Some(found) = self.clause_at(w, clause_start, i) {
                        return Some(found);
                    }
                    clause_start = i + 1;
                } else if b != b' '
                    && (sid == fresh || sid == fresh_bar)
                    && !self
                        .inner
                        .phrase_starts
                        .may_start(bytes.get(i..).unwrap_or(&[]))
                {
                    i = word_end(bytes, i);
                    sid = start;
                    // The space after it leads to `fresh`, as fed.
                    if bytes.get(i) == Some(&b' ') && !dfa.is_special(fresh) {
                        sid = fresh;
                        i += 1;
                    }
                    continue;
                }
                i += 1;
                sid = dfa.next_state(Anchored::No, sid, b);
                if !dfa.is_special(sid) {
                    continue;
                }
                if dfa.is_dead(sid) {
                    break;
                }
                if dfa.is_match(sid) {
                    phrase = self.first_phrase(dfa, sid, w, i);
                    if phrase.is_some() {
                        break;
                    }
                }
            }
        }
        while let Some(&b) = bytes.get(i) {
            if b == b'|' {
                if let Some(found) = self.clause_at(w, clause_start, i) {
                    return Some(found);
                }
                clause_start = i + 1;
            }
            i += 1;
        }
        if let Some(found) = self.clause_at(w, clause_start, w.len()) {
            return Some(found);
        }
        phrase.map(|p| (p.to_owned(), false))
    }

    /// [`KeywordClassifier::clause_opt_out`] on `w[start..end]`.
    #[inline]
    fn clause_at(&self, w: &str, start: usize, end: usize) -> Option<(String, bool)> {
        // Nothing between two breaks (the leading `|`): no clause.
        if end <= start {
            return None;
        }
        self.clause_opt_out(w.get(start..end)?)
    }

    /// The first pattern of match state `sid` (ending at byte `end` of `w`)
    /// that is neither negated nor continued.
    fn first_phrase(&self, dfa: &DFA, sid: StateID, w: &str, end: usize) -> Option<&str> {
        for k in 0..dfa.match_len(sid) {
            let p = dfa.match_pattern(sid, k);
            let start = end.saturating_sub(dfa.pattern_len(p));
            if negated(w, start) || continued(w, end) {
                continue;
            }
            return self.inner.phrase_text.get(p.as_usize()).map(String::as_str);
        }
        None
    }

    /// A sentence that is an opt-out keyword on its own ("Wrong number.
    /// STOP"), or "stop" with only filler words ("please stop", "stop it
    /// now").
    fn clause_opt_out(&self, clause: &str) -> Option<(String, bool)> {
        // A clause of the word string holds letters, digits and single
        // spaces: no other white space to trim.
        let clause = clause.trim_start_matches(' ').trim_end_matches(' ');
        if clause.is_empty() {
            return None;
        }
        // Words are separated by single spaces, so at least half the bytes
        // (rounded up) are letters and digits: a long clause is no key.
        if clause.len().div_ceil(2) <= self.inner.max_key {
            let mut buf = KeyBuf::default();
            let key = if clause.is_ascii() {
                buf.fill_ascii(clause.as_bytes(), self.inner.max_key)
            } else {
                buf.fill(clause, self.inner.max_key)
            };
            if let Some(key) = key
                && let Some(e) = self.entry(key).filter(|e| e.kind == Kind::OptOut)
            {
                return Some((e.display.clone(), e.cancellation));
            }
        }
        let mut stop = false;
        for word in clause.as_bytes().split(|&b| b == b' ') {
            if !self.inner.clause_shapes.may_be(word) {
                return None;
            }
            stop |= *self.inner.clause_words.get(word)?;
        }
        stop.then(|| (clause.to_owned(), false))
    }
}

/// True when a negation is among the five words before byte `at` of the
/// word string, in the same sentence. (Words are separated by spaces; a
/// `|` ends the sentence.)
fn negated(w: &str, at: usize) -> bool {
    let Some(mut rest) = w.get(..at).map(str::as_bytes) else {
        return false;
    };
    for _ in 0..5 {
        while let [head @ .., b' '] = rest {
            rest = head;
        }
        if rest.is_empty() {
            return false;
        }
        let start = rest.iter().rposition(|&b| b == b' ').map_or(0, |p| p + 1);
        let word = rest.get(start..).unwrap_or(&[]);
        if word == b"|" {
            return false;
        }
        if NEGATIONS.iter().any(|n| n.as_bytes() == word) {
            return true;
        }
        rest = rest.get(..start).unwrap_or(&[]);
    }
    false
}

/// True when the word right after byte `at` turns the phrase around.
fn continued(w: &str, at: usize) -> bool {
    // A match ends with its trailing space (or `|`); the next word follows.
    let rest = w.get(at..).map_or(&[][..], str::as_bytes);
    let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    let rest = rest.get(start..).unwrap_or(&[]);
    let next = rest.get(..word_end(rest, 0)).unwrap_or(&[]);
    CONTINUATIONS.iter().any(|c| c.as_bytes() == next)
}

/// The phrase automaton, the display text of each pattern and the patterns.
type CompiledPhrases = (Option<DFA>, Vec<String>, Vec<String>);

fn compile_phrases(entries: &[String], problems: &mut Vec<String>) -> CompiledPhrases {
    let mut patterns: Vec<String> = Vec::new();
    let mut text: Vec<String> = Vec::new();
    for entry in entries {
        let expanded = match expand(entry) {
            Ok(e) => e,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let mut produced = false;
        for phrase in expanded {
            let Some(p) = phrase_pattern(&phrase) else {
                continue;
            };
            produced = true;
            if !patterns.contains(&p) {
                text.push(p.trim_matches(|c| c == ' ' || c == '|').to_owned());
                patterns.push(p);
            }
        }
        if !produced {
            problems.push(format!("opt-out phrase {entry:?} has no words"));
        }
    }
    if patterns.is_empty() {
        return (None, text, patterns);
    }
    let dfa = DFA::builder()
        .match_kind(MatchKind::Standard)
        // Every pattern starts with a space or `|`, which every text is full
        // of: a prefilter only adds work.
        .prefilter(false)
        .build(&patterns);
    match dfa {
        Ok(dfa) => (Some(dfa), text, patterns),
        Err(e) => {
            problems.push(format!("the opt-out phrases are too many to compile: {e}"));
            (None, text, patterns)
        }
    }
}

#[cfg(test)]
mod tests;
