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

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock};

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
    /// Why staff should review it (a slice; compares equal to a `Vec`).
    /// Never allocated: every combination is a static list.
    pub flags: Cow<'static, [KeywordFlag]>,
    /// The list entry matched, upper case with single spaces (e.g. "STOP";
    /// "opt out" and "OPT-OUT" report the first entry with the same
    /// letters, "OPTOUT"), or for a plain-language opt-out the phrase
    /// matched in lower case (e.g. "stop texting me"). `None` for `None`.
    /// Shared with the classifier (no copy per text).
    pub keyword: Option<Arc<str>>,
}

impl Classification {
    fn none() -> Self {
        Classification {
            action: KeywordAction::None,
            review: false,
            flags: Cow::Borrowed(&[]),
            keyword: None,
        }
    }
}

/// [`Classification::flags`] of a plain-language opt-out.
const NATURAL: &[KeywordFlag] = &[KeywordFlag::NaturalLanguageOptOut];
/// [`Classification::flags`] of a plain-language opt-out that may be a
/// cancellation.
const NATURAL_CANCELLATION: &[KeywordFlag] = &[
    KeywordFlag::NaturalLanguageOptOut,
    KeywordFlag::PossibleCancellation,
];
/// [`Classification::flags`] of CANCEL (C5).
const CANCELLATION: &[KeywordFlag] = &[KeywordFlag::PossibleCancellation];

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
    display: Arc<str>,
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
    by_key: FxHashMap<Box<[u8]>, usize>,
    /// Position in `entries` plus one by key packed (see `walk::pack`),
    /// for keys of at most 16 bytes: the walk looks its keys up as they
    /// are held, without storing them.
    by_packed_key: walk::PackedTable<u32>,
    /// Bit `n` set when some key is `n` bytes long: most texts are turned
    /// away by their length alone.
    key_lengths: u64,
    /// Opt-out keys that count next to filler words (`true`) and the
    /// [`FILLERS`] (`false`), for the reference clause check in tests (the
    /// walk reads them from `vocab`).
    #[cfg(test)]
    clause_words: FxHashMap<Box<[u8]>, bool>,
    /// Every word the C2 walk looks at, and the phrase automaton.
    vocab: walk::Vocab,
    /// The display text of each phrase pattern.
    phrase_text: Vec<Arc<str>>,
    /// The automaton patterns, for the reference implementation in tests.
    #[cfg(test)]
    phrase_patterns: Vec<String>,
}

impl Compiled {
    /// The position in `entries` of the keyword `key` (folded letters and
    /// digits).
    #[inline]
    fn entry_index(&self, key: &[u8]) -> Option<usize> {
        let length_bit = u32::try_from(key.len())
            .ok()
            .and_then(|n| 1u64.checked_shl(n))
            .unwrap_or(0);
        if self.key_lengths & length_bit == 0 {
            return None;
        }
        self.by_key.get(key).copied()
    }

    /// [`Compiled::entry_index`] of the `len` bytes (1 to 16) packed in
    /// `key`.
    #[inline(always)]
    fn entry_index_packed(&self, key: u128, len: usize) -> Option<usize> {
        let i = self.by_packed_key.get(key, len);
        usize::try_from(i).ok()?.checked_sub(1)
    }
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
    /// [`KeyBuf::fill`] for text known to be ASCII, as bytes.
    fn fill_ascii_bytes(&mut self, text: &[u8], max: usize) -> Option<&[u8]> {
        let max = max.min(MAX_KEY);
        let mut n = 0usize;
        for &b in text {
            let class = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
            if class > CLASS_NON_ASCII {
                if n >= max {
                    return None;
                }
                *self.buf.get_mut(n)? = class;
                n += 1;
            }
        }
        self.len = n;
        self.buf.get(..n)
    }

    /// [`KeyBuf::fill`] for text known to be ASCII.
    fn fill_ascii(&mut self, text: &[u8], max: usize) -> Option<&str> {
        std::str::from_utf8(self.fill_ascii_bytes(text, max)?).ok()
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

/// The longest text read through [`plain_apostrophes`] (two segments).
const PLAIN_APOSTROPHES: usize = 320;

/// `text` with its curly apostrophes (’ ‘) written as ASCII ones, when
/// those are its only characters outside ASCII and it fits in `buf`. Both
/// `words_folded` and the whole-message key read them exactly as an ASCII
/// apostrophe (dropped inside a word, a separator elsewhere), so the ASCII
/// walk over the copy reads what the folded path would read.
fn plain_apostrophes<'b>(text: &str, buf: &'b mut [u8; PLAIN_APOSTROPHES]) -> Option<&'b [u8]> {
    let mut n = 0usize;
    for c in text.chars() {
        let b = match c {
            '\u{2019}' | '\u{2018}' => b'\'',
            c if c.is_ascii() => c as u8,
            _ => return None,
        };
        *buf.get_mut(n)? = b;
        n += 1;
    }
    buf.get(..n)
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

/// "do not" and the like, read as one word: the word before "not" and the
/// merged word.
const MERGE_WORDS: [(&str, &str); 5] = [
    ("do", "dont"),
    ("does", "doesnt"),
    ("did", "didnt"),
    ("can", "cant"),
    ("will", "wont"),
];

/// Turns "do not" into "dont" (and the like) when the word just finished
/// at `start` is "not". Returns where the last word now starts.
fn merge_not(out: &mut String, start: usize, prev: Option<usize>) -> usize {
    let Some(prev) = prev else { return start };
    // A pattern, not `==`: no call to memcmp for every word of every text.
    if !matches!(out.as_bytes().get(start..), Some([b'n', b'o', b't'])) {
        return start;
    }
    let before = out.get(prev..start.saturating_sub(1));
    let Some(&(_, merged)) = MERGE_WORDS.iter().find(|m| Some(m.0) == before) else {
        return start;
    };
    out.truncate(prev);
    out.push_str(merged);
    prev
}

/// [`WORD_CLASS`] of an apostrophe.
const CLASS_APOSTROPHE: u8 = 1;
/// [`WORD_CLASS`] of a clause break.
const CLASS_BREAK: u8 = 2;
/// [`WORD_CLASS`] of a byte outside ASCII. Letters and digits are above it.
const CLASS_NON_ASCII: u8 = 3;
/// What one byte of a text is to the ASCII walk: a letter or digit (its
/// lower case), an apostrophe, a clause break, a byte outside ASCII or
/// anything else (0).
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
    while i < 256 {
        t[i] = CLASS_NON_ASCII;
        i += 1;
    }
    t
};

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
                        display: display(k).into(),
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
        let (phrase_text, phrase_patterns) = compile_phrases(&lists.opt_out_phrases, &mut problems);
        let vocab = walk::Vocab::new(
            &phrase_patterns,
            clause_words.iter().map(|(w, stop)| (&w[..], *stop)),
            &mut problems,
        );
        if !problems.is_empty() {
            return Err(TextError::InvalidPolicy {
                what: "keyword lists",
                problems,
            });
        }
        let by_key = (0..)
            .zip(&entries)
            .map(|(i, e)| (e.key.as_bytes().into(), i))
            .collect();
        let packed: Vec<(u128, u32)> = (1..)
            .zip(&entries)
            .filter(|(_, e)| (1..=walk::PACKED).contains(&e.key.len()))
            .map(|(i, e)| (walk::pack(e.key.as_bytes()), i))
            .collect();
        let by_packed_key = walk::PackedTable::new(&packed);
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
                by_packed_key,
                key_lengths,
                #[cfg(test)]
                clause_words,
                vocab,
                phrase_text: phrase_text.into_iter().map(Arc::from).collect(),
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
        let natural = match walk::walk_ascii(&self.inner, text.as_bytes()) {
            walk::AsciiWalk::Whole(i) => match self.inner.entries.get(i) {
                Some(e) => return Self::keyword(e, opted_out),
                None => None,
            },
            walk::AsciiWalk::Natural(found) => found,
            walk::AsciiWalk::Clause(hit) => {
                Some(walk::answer_ascii(&self.inner, text.as_bytes(), hit))
            }
            walk::AsciiWalk::Early(hit) => {
                if let Some(c) = self.whole_message(text, false, opted_out) {
                    return c;
                }
                Some(walk::answer_ascii(&self.inner, text.as_bytes(), hit))
            }
            walk::AsciiWalk::NotAscii => return self.classify_non_ascii(text, opted_out),
        };
        Self::natural(natural)
    }

    /// The classification of a plain-language opt-out (C2), if one was
    /// found, with whether it may be a cancellation.
    fn natural(found: Option<(Arc<str>, bool)>) -> Classification {
        match found {
            Some((phrase, cancellation)) => Classification {
                action: KeywordAction::OptOut,
                review: true,
                flags: Cow::Borrowed(if cancellation {
                    NATURAL_CANCELLATION
                } else {
                    NATURAL
                }),
                keyword: Some(phrase),
            },
            None => Classification::none(),
        }
    }

    /// [`KeywordClassifier::classify`] of a text with a character outside
    /// ASCII. A phone's curly apostrophes ("don’t") are read as ASCII ones
    /// by the ASCII walk (folding reads them so too); anything else is
    /// folded first.
    fn classify_non_ascii(&self, text: &str, opted_out: bool) -> Classification {
        let mut plain = [0u8; PLAIN_APOSTROPHES];
        if let Some(ascii) = plain_apostrophes(text, &mut plain)
            && let Ok(ascii) = std::str::from_utf8(ascii)
        {
            return self.classify(ascii, opted_out);
        }
        if let Some(c) = self.whole_message(text, false, opted_out) {
            return c;
        }
        Self::natural(self.natural_opt_out(text, false))
    }

    #[cfg(test)]
    fn entry(&self, key: &str) -> Option<&Entry> {
        let i = self.inner.entry_index(key.as_bytes())?;
        self.inner.entries.get(i)
    }

    /// C1, C3, C5: the whole message is a keyword.
    fn whole_message(&self, text: &str, ascii: bool, opted_out: bool) -> Option<Classification> {
        let mut buf = KeyBuf::default();
        let key = if ascii {
            buf.fill_ascii_bytes(text.as_bytes(), self.inner.max_key)?
        } else {
            buf.fill(text, self.inner.max_key)?.as_bytes()
        };
        let e = self.inner.entries.get(self.inner.entry_index(key)?)?;
        Some(Self::keyword(e, opted_out))
    }

    /// The classification of a whole message that is keyword `e`.
    fn keyword(e: &Entry, opted_out: bool) -> Classification {
        let action = match e.kind {
            Kind::OptOut => KeywordAction::OptOut,
            Kind::OptIn => KeywordAction::OptIn,
            Kind::OptInWhenOptedOut if opted_out => KeywordAction::OptIn,
            Kind::OptInWhenOptedOut => return Classification::none(),
            Kind::Help => KeywordAction::Help,
        };
        Classification {
            action,
            review: e.cancellation,
            flags: Cow::Borrowed(if e.cancellation { CANCELLATION } else { &[] }),
            keyword: Some(e.display.clone()),
        }
    }

    /// C2: a plain-language opt-out, with whether it may be a cancellation.
    /// ASCII texts (nearly every inbound text) are walked as received;
    /// others are folded into a word string first. (`ascii` only says
    /// which the caller expects; the walk finds out itself.)
    fn natural_opt_out(&self, text: &str, ascii: bool) -> Option<(Arc<str>, bool)> {
        if ascii {
            walk::natural(&self.inner, text)
        } else {
            walk::walk_words(&self.inner, &words_folded(text))
        }
    }

    /// The reference clause check the walk is held to (tests only).
    #[cfg(test)]
    /// A sentence that is an opt-out keyword on its own ("Wrong number.
    /// STOP"), or "stop" with only filler words ("please stop", "stop it
    /// now").
    fn clause_opt_out(&self, clause: &str) -> Option<(Arc<str>, bool)> {
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
            stop |= *self.inner.clause_words.get(word)?;
        }
        stop.then(|| (clause.into(), false))
    }
}

/// The display text of each phrase pattern and the patterns, in order.
fn compile_phrases(entries: &[String], problems: &mut Vec<String>) -> (Vec<String>, Vec<String>) {
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
        let mut too_long = false;
        for phrase in expanded {
            let Some(p) = phrase_pattern(&phrase) else {
                continue;
            };
            produced = true;
            if p.split(' ').filter(|w| !w.is_empty() && *w != "|").count() > walk::MAX_PHRASE_WORDS
            {
                too_long = true;
                continue;
            }
            if !patterns.contains(&p) {
                text.push(p.trim_matches(|c| c == ' ' || c == '|').to_owned());
                patterns.push(p);
            }
        }
        if !produced {
            problems.push(format!("opt-out phrase {entry:?} has no words"));
        }
        if too_long {
            problems.push(format!(
                "opt-out phrase {entry:?} has more than {} words",
                walk::MAX_PHRASE_WORDS
            ));
        }
    }
    (text, patterns)
}

#[cfg(test)]
mod tests;
mod walk;
