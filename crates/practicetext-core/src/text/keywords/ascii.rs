//! C2 on an ASCII text in one pass over its bytes (nearly every inbound
//! text), without writing its word string: the words are found with
//! [`WORD_CLASS`] (case folded, apostrophes dropped), fed to the phrase
//! automaton as the word string would be (`| w1 w2 | w3 |`), and counted
//! for the clause checks. A word that starts no phrase costs one table
//! probe; a clause that can be no opt-out (too long for a key, and a word
//! that is neither a filler nor a stop) is never looked at again. Only
//! the rare events go the long way: a phrase match (its negation and
//! continuation are read from the word string, written then), a clause
//! that may be an opt-out (its words are written then), and "do not".
//!
//! The result is the same as [`KeywordClassifier::opt_out_in_words`] on
//! the word string; the tests compare them.

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;

use super::{
    CLASS_APOSTROPHE, CLASS_BREAK, CONTINUATIONS, Compiled, KeywordClassifier, NEGATIONS,
    STACK_WORDS, WORD_CLASS, negated_bytes, words_ascii_capacity, words_ascii_into,
};

/// The phrase automaton's start state and the states right after a word
/// separator with nothing pending: from those a word that starts no phrase
/// leads back to `start` and cannot end a match (patterns end on a space
/// or `|`), so it is stepped over without the automaton (see
/// [`KeywordClassifier::opt_out_in_words`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct WalkStates {
    start: StateID,
    fresh: StateID,
    fresh_bar: StateID,
}

impl WalkStates {
    pub(super) fn new(dfa: &DFA) -> Option<Self> {
        let start = dfa.start_state(Anchored::No).ok()?;
        let fresh = dfa.next_state(Anchored::No, start, b' ');
        let fresh_bar = dfa.next_state(
            Anchored::No,
            dfa.next_state(Anchored::No, start, b'|'),
            b' ',
        );
        Some(WalkStates {
            start,
            fresh,
            fresh_bar,
        })
    }
}

/// The word string of the text, written the first time a phrase match
/// needs it (only when too many negations were seen to keep).
struct WordString<'t> {
    text: &'t [u8],
    buf: Vec<u8>,
    len: Option<usize>,
}

impl<'t> WordString<'t> {
    fn new(text: &'t [u8]) -> Self {
        WordString {
            text,
            buf: Vec::new(),
            len: None,
        }
    }

    fn get(&mut self) -> &[u8] {
        let len = match self.len {
            Some(len) => len,
            None => {
                self.buf.resize(words_ascii_capacity(self.text.len()), 0);
                let len = words_ascii_into(self.text, &mut self.buf);
                self.len = Some(len);
                len
            }
        };
        self.buf.get(..len).unwrap_or(&[])
    }
}

/// What the walk of the phrase automaton needs that does not change.
struct PhraseWalk<'a> {
    inner: &'a Compiled,
    dfa: &'a DFA,
    states: WalkStates,
}

/// Where the walk is: the state after `fed` bytes of the word string.
#[derive(Clone, Copy)]
struct At {
    sid: StateID,
    fed: usize,
}

/// Why a walk stopped.
enum Stop<'a> {
    /// The automaton died: no phrase.
    Dead,
    /// The first phrase that is neither negated nor continued.
    Phrase(&'a str),
}

impl<'a> Stop<'a> {
    fn phrase(self) -> Option<&'a str> {
        match self {
            Stop::Dead => None,
            Stop::Phrase(p) => Some(p),
        }
    }
}

impl<'a> PhraseWalk<'a> {
    fn new(inner: &'a Compiled) -> Option<Self> {
        Some(PhraseWalk {
            inner,
            dfa: inner.phrases.as_ref()?,
            states: inner.walk_states?,
        })
    }

    /// Feeds byte `b` (the next of the word string).
    #[inline(always)]
    fn step(
        &self,
        at: &mut At,
        b: u8,
        words: &mut WordString<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Stop<'a>> {
        at.sid = self.dfa.next_state(Anchored::No, at.sid, b);
        at.fed += 1;
        if self.dfa.is_special(at.sid) {
            return self.special(at, words, ctx);
        }
        Ok(())
    }

    /// A dead or match state. A match counts unless a negation is among
    /// the five words before it in its sentence ([`negated_bytes`]) or the
    /// word after it continues it ([`continued_bytes`]), read from the
    /// tokens seen so far and the text ahead.
    #[inline(never)]
    fn special(
        &self,
        at: &At,
        words: &mut WordString<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Stop<'a>> {
        if self.dfa.is_dead(at.sid) {
            return Err(Stop::Dead);
        }
        if !self.dfa.is_match(at.sid) {
            return Ok(());
        }
        let continued = ctx.continued();
        for k in 0..self.dfa.match_len(at.sid) {
            let p = self.dfa.match_pattern(at.sid, k);
            if continued {
                continue;
            }
            let negated = match self
                .inner
                .phrase_tokens
                .get(p.as_usize())
                .and_then(|&n| ctx.negated(n))
            {
                Some(negated) => negated,
                None => {
                    // Too many negations to have kept: the word string.
                    let start = at.fed.saturating_sub(self.dfa.pattern_len(p));
                    negated_bytes(words.get(), start)
                }
            };
            if negated {
                continue;
            }
            if let Some(p) = self.inner.phrase_text.get(p.as_usize()) {
                return Err(Stop::Phrase(p));
            }
        }
        Ok(())
    }

    /// True when the word starting with `first_two` can be stepped over
    /// from `at` (right after a separator, starting no phrase).
    #[inline(always)]
    fn skips(&self, at: &At, first_two: (u8, u8)) -> bool {
        (at.sid == self.states.fresh || at.sid == self.states.fresh_bar)
            && !self
                .inner
                .phrase_starts
                .may_start_with(first_two.0, first_two.1)
    }

    /// Feeds the word `text[from..to]` (its `n` letters and digits,
    /// folded, or `merged` for "do not" and the like) and the space after
    /// it.
    #[inline(never)]
    fn word(
        &self,
        at: &mut At,
        word: Word<'_>,
        words: &mut WordString<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Stop<'a>> {
        if self.skips(at, word.first_two) {
            at.sid = self.states.start;
            at.fed += word.n;
        } else if let Some(m) = word.merged {
            for &b in m {
                self.step(at, b, words, ctx)?;
            }
        } else {
            for &b in word.raw {
                let c = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
                if c > CLASS_BREAK {
                    self.step(at, c, words, ctx)?;
                }
            }
        }
        self.step(at, b' ', words, ctx)
    }
}

/// Negations kept for [`Context::negated`]; more fall back to the word
/// string.
const MAX_NEGATIONS: usize = 16;

/// The tokens (words and `|`) read so far, counted from the `|` that
/// starts the word string (token 0).
struct Tokens {
    /// The token being fed.
    tok: usize,
    /// The `|` that opened the clause being read, and the one before.
    clause_bar: usize,
    prev_bar: usize,
    /// The tokens that are negations ("dont", "never", ...), in order.
    negations: [usize; MAX_NEGATIONS],
    count: usize,
}

impl Tokens {
    fn push_negation(&mut self) {
        if let Some(x) = self.negations.get_mut(self.count) {
            *x = self.tok;
        }
        self.count += 1;
    }
}

/// What a match needs to know about where it is.
struct Context<'c> {
    text: &'c [u8],
    tokens: &'c Tokens,
    /// Where the text goes on after the token being fed.
    ahead: usize,
    /// The token being fed is a `|`.
    at_bar: bool,
}

impl Context<'_> {
    /// [`negated_bytes`] for a match of `n` tokens ending at the token
    /// being fed: a negation among the five tokens before it, back to a
    /// `|`. `None` when too many negations were seen to tell.
    fn negated(&self, n: usize) -> Option<bool> {
        let t = self.tokens;
        if t.count > MAX_NEGATIONS {
            return None;
        }
        let Some(start) = (t.tok + 1).checked_sub(n) else {
            return Some(false);
        };
        let bar = if start > t.clause_bar {
            t.clause_bar
        } else if start == t.clause_bar {
            if start == 0 {
                return Some(false);
            }
            t.prev_bar
        } else {
            return None;
        };
        let low = start.saturating_sub(5).max(bar + 1);
        Some(
            t.negations
                .get(..t.count)
                .unwrap_or(&[])
                .iter()
                .any(|&k| k >= low && k < start),
        )
    }

    /// [`continued_bytes`]: the word after the token being fed turns the
    /// phrase around ("... to stop"). After a word, a clause break ends the
    /// search; after a `|` the next word counts.
    fn continued(&self) -> bool {
        let mut i = self.ahead;
        loop {
            let Some(&b) = self.text.get(i) else {
                return false;
            };
            let c = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
            if c > CLASS_BREAK {
                break;
            }
            if c == CLASS_BREAK && !self.at_bar {
                return false;
            }
            i += 1;
        }
        let (end, n) = scan_word(self.text, i);
        let (w, _) = word_bytes::<9>(self.text, i, end);
        let w = w.get(..n).unwrap_or(&[]);
        CONTINUATIONS.iter().any(|c| c.as_bytes() == w)
    }
}

/// The first byte and length of every negation, as
/// [`super::WordShapes`]: words that may be one are not stepped over while
/// phrases are sought.
static NEGATION_SHAPES: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut k = 0;
    while k < NEGATIONS.len() {
        let w = NEGATIONS[k].as_bytes(); // ok: k < len
        t[w[0] as usize] |= 1u64 << w.len(); // ok: negations are 1 to 63 bytes; a u8 indexes 256 entries
        k += 1;
    }
    t
};

/// A word of `n` letters starting with `first` may be a negation.
#[inline(always)]
fn may_be_negation(first: u8, n: usize) -> bool {
    NEGATION_SHAPES[usize::from(first)] & (1u64 << n.min(63)) != 0 // ok: a u8 indexes 256 entries
}

/// The next word after `i` (across separators that are no clause break)
/// may be "not" of "do not": it starts with an "n" or an apostrophe comes
/// first.
#[inline(always)]
fn not_may_follow(text: &[u8], mut i: usize) -> bool {
    while let Some(&b) = text.get(i) {
        match WORD_CLASS[usize::from(b)] {
            // ok: a u8 indexes 256 entries
            0 => i += 1,
            c => return c == CLASS_APOSTROPHE || c == b'n',
        }
    }
    false
}

/// The word `w` (folded letters and digits) is a negation.
fn is_negation(w: &[u8]) -> bool {
    NEGATIONS.iter().any(|n| n.as_bytes() == w)
}

/// One word of the text.
struct Word<'t> {
    /// Its bytes in the text (letters, digits and apostrophes).
    raw: &'t [u8],
    /// How many letters and digits (after "do not" becomes "dont").
    n: usize,
    /// Its first two bytes, folded (a space second for a one-byte word).
    first_two: (u8, u8),
    /// "dont" for "do not" and the like.
    merged: Option<&'static [u8]>,
}

/// The folded letters of the word `text[from..to]`, up to `N`.
fn word_bytes<const N: usize>(text: &[u8], from: usize, to: usize) -> ([u8; N], usize) {
    let mut buf = [0u8; N];
    let mut n = 0;
    for &b in text.get(from..to).unwrap_or(&[]) {
        let c = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
        if c > CLASS_BREAK {
            if let Some(x) = buf.get_mut(n) {
                *x = c;
            }
            n += 1;
        }
    }
    (buf, n)
}

/// The end of the word (letters and digits joined by apostrophes) that
/// starts at `i`, and its number of letters and digits.
#[inline(always)]
fn scan_word(text: &[u8], mut i: usize) -> (usize, usize) {
    let class_at = |i: usize| text.get(i).map_or(0, |&b| WORD_CLASS[usize::from(b)]); // ok: a u8 indexes 256 entries
    let mut n = 0usize;
    loop {
        let mut c = class_at(i);
        while c > CLASS_BREAK {
            n += 1;
            i += 1;
            c = class_at(i);
        }
        if c != CLASS_APOSTROPHE {
            return (i, n);
        }
        let mut j = i;
        while c == CLASS_APOSTROPHE {
            j += 1;
            c = class_at(j);
        }
        if c <= CLASS_BREAK {
            return (i, n);
        }
        i = j;
    }
}

/// "do not" (and "does", "did", "can", "will"): when the word
/// `text[from..to]` (of `n` letters) is one of those and the next word of
/// the same clause is "not", the merged word ("dont") and where the "not"
/// ends.
#[inline(never)]
fn merge_ahead(text: &[u8], from: usize, to: usize, n: usize) -> Option<(&'static [u8], usize)> {
    let (w, _) = word_bytes::<4>(text, from, to);
    let merged: &'static [u8] = match w.get(..n)? {
        b"do" => b"dont",
        b"does" => b"doesnt",
        b"did" => b"didnt",
        b"can" => b"cant",
        b"will" => b"wont",
        _ => return None,
    };
    // The next word, unless a clause break comes first.
    let mut i = to;
    loop {
        let c = WORD_CLASS[usize::from(*text.get(i)?)]; // ok: a u8 indexes 256 entries
        if c == CLASS_BREAK {
            return None;
        }
        if c > CLASS_BREAK {
            break;
        }
        i += 1;
    }
    let (end, len) = scan_word(text, i);
    let (next, _) = word_bytes::<3>(text, i, end);
    (len == 3 && &next == b"not").then_some((merged, end))
}

/// Words stepped over by [`skip_words`].
struct Skipped {
    /// Where the first word not stepped over (or the clause break) is.
    end: usize,
    words: usize,
    letters: usize,
}

/// Steps over the plain words from `i` up to the next clause break:
/// letters and digits only, no "do", "does", "did", "can" or "will" right
/// before an "n" (of "do not"), and, when `starts` is given, starting no
/// phrase. Each word's shape is checked against `shapes` into
/// `shape_state` (every word before the last, the last).
#[inline(never)]
fn skip_words(
    text: &[u8],
    mut i: usize,
    starts: Option<&super::PhraseStarts>,
    shapes: &super::WordShapes,
    shape_state: &mut (bool, bool),
) -> Skipped {
    let class_at = |i: usize| text.get(i).map_or(0, |&b| WORD_CLASS[usize::from(b)]); // ok: a u8 indexes 256 entries
    let mut skipped = Skipped {
        end: i,
        words: 0,
        letters: 0,
    };
    loop {
        let c = class_at(i);
        if c > CLASS_BREAK {
            let next = class_at(i + 1);
            if next == CLASS_APOSTROPHE {
                return skipped;
            }
            let second = if next > CLASS_BREAK { next } else { b' ' };
            if starts.is_some_and(|s| s.may_start_with(c, second)) {
                return skipped;
            }
            let from = i;
            i += 1;
            while class_at(i) > CLASS_BREAK {
                i += 1;
            }
            let n = i - from;
            if class_at(i) == CLASS_APOSTROPHE {
                return skipped;
            }
            if (starts.is_some() && may_be_negation(c, n))
                || ((2..=4).contains(&n)
                    && matches!(c, b'd' | b'c' | b'w')
                    && not_may_follow(text, i))
            {
                return skipped;
            }
            skipped.words += 1;
            skipped.letters += n;
            skipped.end = i;
            shape_state.0 &= shape_state.1;
            shape_state.1 = shape_state.0 && shapes.may_be_shaped(c, n);
            continue;
        }
        if c == CLASS_BREAK || i >= text.len() {
            return skipped;
        }
        i += 1;
        skipped.end = i;
    }
}

impl KeywordClassifier {
    /// C2 on an ASCII text: the same as
    /// [`KeywordClassifier::opt_out_in_words`] on its word string.
    pub(super) fn natural_ascii(&self, text: &[u8]) -> Option<(String, bool)> {
        let inner = &*self.inner;
        let class_at = |i: usize| text.get(i).map_or(0, |&b| WORD_CLASS[usize::from(b)]); // ok: a u8 indexes 256 entries
        let mut words = WordString::new(text);
        // The automaton, while `walking`: it has read the word string up to
        // the space before the next word.
        let automaton = PhraseWalk::new(inner);
        let mut phrase: Option<&str> = None;
        let mut walking = automaton.is_some();
        let (fresh, fresh_bar, fresh_plain) =
            automaton
                .as_ref()
                .map_or((StateID::ZERO, StateID::ZERO, false), |a| {
                    (
                        a.states.fresh,
                        a.states.fresh_bar,
                        !a.dfa.is_special(a.states.fresh),
                    )
                });
        let mut at = At {
            sid: automaton.as_ref().map_or(StateID::ZERO, |a| a.states.start),
            fed: 0,
        };
        let mut tokens = Tokens {
            tok: 0,
            clause_bar: 0,
            prev_bar: 0,
            negations: [0; MAX_NEGATIONS],
            count: 0,
        };
        if let Some(a) = &automaton {
            let ctx = Context {
                text,
                tokens: &tokens,
                ahead: 0,
                at_bar: true,
            };
            if let Err(stop) = a
                .step(&mut at, b'|', &mut words, &ctx)
                .and_then(|()| a.step(&mut at, b' ', &mut words, &ctx))
            {
                phrase = stop.phrase();
                walking = false;
            }
        }
        // The clause being read: where it starts in `text`, its words and
        // their letters (after "do not" becomes "dont"), and whether every
        // word before the last / the last has the shape of a clause word
        // (a filler or a bare stop).
        let mut clause_start = 0usize;
        let mut clause_words = 0usize;
        let mut clause_letters = 0usize;
        let mut shapes_before_last = true;
        let mut last_shape = true;
        let mut i = 0usize;
        loop {
            if !walking || (fresh_plain && (at.sid == fresh || at.sid == fresh_bar)) {
                // Between words, with the automaton where a word that
                // starts no phrase is stepped over: plain words are only
                // counted.
                let mut shape_state = (shapes_before_last, last_shape);
                let skipped = skip_words(
                    text,
                    i,
                    walking.then_some(&inner.phrase_starts),
                    &inner.clause_shapes,
                    &mut shape_state,
                );
                if skipped.words > 0 {
                    tokens.tok += skipped.words;
                    clause_words += skipped.words;
                    clause_letters += skipped.letters;
                    at.fed += skipped.letters + skipped.words;
                    if walking {
                        at.sid = fresh;
                    }
                    (shapes_before_last, last_shape) = shape_state;
                }
                i = skipped.end;
            }
            let class = class_at(i);
            if class > CLASS_BREAK {
                let from = i;
                let (to, mut n) = scan_word(text, i);
                i = to;
                let second = if n < 2 {
                    b' '
                } else {
                    match class_at(from + 1) {
                        c if c > CLASS_BREAK => c,
                        _ => word_bytes::<2>(text, from, to)
                            .0
                            .get(1)
                            .copied()
                            .unwrap_or(b' '),
                    }
                };
                let mut first_two = (class, second);
                let mut merged = None;
                if (2..=4).contains(&n)
                    && matches!(class, b'd' | b'c' | b'w')
                    && not_may_follow(text, to)
                    && let Some((m, end)) = merge_ahead(text, from, to, n)
                {
                    merged = Some(m);
                    n = m.len();
                    first_two = (
                        m.first().copied().unwrap_or(b' '),
                        m.get(1).copied().unwrap_or(b' '),
                    );
                    i = end;
                }
                tokens.tok += 1;
                if walking {
                    if may_be_negation(first_two.0, n)
                        && match merged {
                            Some(m) => is_negation(m),
                            None => {
                                let (w, _) = word_bytes::<9>(text, from, to);
                                is_negation(w.get(..n).unwrap_or(&[]))
                            }
                        }
                    {
                        tokens.push_negation();
                    }
                    if fresh_plain
                        && (at.sid == fresh || at.sid == fresh_bar)
                        && !inner.phrase_starts.may_start_with(first_two.0, first_two.1)
                    {
                        // Back to `start`, and the space after it to `fresh`.
                        at.sid = fresh;
                        at.fed += n + 1;
                    } else if let Some(a) = &automaton {
                        let word = Word {
                            raw: text.get(from..to).unwrap_or(&[]),
                            n,
                            first_two,
                            merged,
                        };
                        let ctx = Context {
                            text,
                            tokens: &tokens,
                            ahead: i,
                            at_bar: false,
                        };
                        if let Err(stop) = a.word(&mut at, word, &mut words, &ctx) {
                            phrase = stop.phrase();
                            walking = false;
                        }
                    }
                }
                clause_words += 1;
                clause_letters += n;
                shapes_before_last &= last_shape;
                last_shape =
                    shapes_before_last && inner.clause_shapes.may_be_shaped(first_two.0, n);
                continue;
            }
            let end = i >= text.len();
            if (class == CLASS_BREAK || end) && clause_words > 0 {
                // " w1 w2 " between the bars: the words take
                // `letters + words - 1` bytes; a clause of more than twice
                // the longest key is no key.
                let words_len = clause_letters + clause_words - 1;
                if ((shapes_before_last && last_shape) || words_len.div_ceil(2) <= inner.max_key)
                    && let Some(found) = self.clause_ascii(text.get(clause_start..i).unwrap_or(&[]))
                {
                    return Some(found);
                }
                // The space before the `|` was fed after the last word; the
                // one after it is fed now (harmless at the end: no pattern
                // ends with "| ").
                tokens.tok += 1;
                if walking && let Some(a) = &automaton {
                    let ctx = Context {
                        text,
                        tokens: &tokens,
                        ahead: i,
                        at_bar: true,
                    };
                    if let Err(stop) = a
                        .step(&mut at, b'|', &mut words, &ctx)
                        .and_then(|()| a.step(&mut at, b' ', &mut words, &ctx))
                    {
                        phrase = stop.phrase();
                        walking = false;
                    }
                }
                tokens.prev_bar = tokens.clause_bar;
                tokens.clause_bar = tokens.tok;
                clause_words = 0;
                clause_letters = 0;
                shapes_before_last = true;
                last_shape = true;
            }
            if end {
                break;
            }
            if class == CLASS_BREAK {
                clause_start = i + 1;
            }
            i += 1;
        }
        phrase.map(|p| (p.to_owned(), false))
    }

    /// [`KeywordClassifier::clause_opt_out`] on the clause `raw` of an
    /// ASCII text (no clause breaks in it).
    #[inline(never)]
    fn clause_ascii(&self, raw: &[u8]) -> Option<(String, bool)> {
        let mut stack = [0u8; STACK_WORDS];
        let mut heap = Vec::new();
        let need = words_ascii_capacity(raw.len());
        let out: &mut [u8] = match stack.get_mut(..need) {
            Some(s) => s,
            None => {
                heap.resize(need, 0);
                &mut heap
            }
        };
        let n = words_ascii_into(raw, out);
        // "| w1 w2 |": the clause is between the bars.
        let clause = out.get(1..n.saturating_sub(1)).unwrap_or(&[]);
        self.clause_opt_out(std::str::from_utf8(clause).ok()?)
    }
}
