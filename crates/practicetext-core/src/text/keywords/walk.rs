//! The C2 walk: plain-language opt-outs read from an inbound text in one
//! pass, word by word.
//!
//! Each word is looked up once, by its bytes packed into a `u128`, in the
//! vocabulary of every word the lists use: phrase words get a token id,
//! fillers, bare stops, negations and continuations get flags. The phrase
//! automaton (aho-corasick) runs over the token ids (two bytes per word)
//! rather than over the letters, and a word no phrase uses sends it straight
//! back to its start state. What it finds is what an overlapping search of
//! the phrase patterns over the word string (see `words`) finds: the tests
//! hold it to that reference.
//!
//! On an ASCII text (nearly every inbound text) the same pass also counts
//! the whole message's letters and each clause's: only a text or clause
//! short enough to be a keyword (C1, C3, C5) is read again for its key, with
//! one load when it is one word ("Stop."), and keys of up to 16 bytes are
//! looked up packed, as held. A text with a byte outside ASCII is folded
//! first and takes the word-string path.

use std::sync::Arc;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};
use rustc_hash::FxHashMap;

use super::{
    CLASS_APOSTROPHE, CLASS_BREAK, CLASS_NON_ASCII, CONTINUATIONS, Compiled, Kind, MAX_KEY,
    MERGE_WORDS, NEGATIONS, WORD_CLASS, words_ascii,
};

/// The token id of a word no phrase uses.
const OTHER: u16 = 0;
/// The token id of a clause break (`|` in the word string).
const BREAK: u16 = 1;
/// The most token ids: an id is written as two bytes, `0x80 | id >> 7`
/// then `id & 0x7f`, so a pattern can only match from a word's first byte.
const MAX_IDS: usize = 1 << 14;
/// The most words one opt-out phrase may have.
pub(super) const MAX_PHRASE_WORDS: usize = 32;
/// Flags of the last tokens kept for the negation look-back: a power of
/// two at least the longest pattern (words and two breaks) plus five.
const HISTORY: usize = 64;
const _: () = assert!(HISTORY >= MAX_PHRASE_WORDS + 2 + 5 && HISTORY.is_power_of_two());

/// A clause break.
const F_BREAK: u8 = 1;
/// A negation ("dont", "never", ...).
const F_NEGATION: u8 = 2;
/// A word that turns a phrase before it around ("to", "stop", ...).
const F_CONTINUATION: u8 = 4;
/// A word a bare "stop" may stand with: a filler ("please", "now", ...)
/// or a stop itself.
const F_CLAUSE: u8 = 8;
/// An opt-out keyword that counts next to filler words ("stop").
const F_STOP: u8 = 16;
/// A word that "not" may join ("do" + "not" → "dont").
const F_MERGES: u8 = 32;

/// What the walk knows of one word.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Info {
    id: u16,
    flags: u8,
}

/// Bytes of a word packed into its `u128` key.
pub(super) const PACKED: usize = 16;

/// The first [`PACKED`] bytes of `bytes`, little-endian, zero-padded.
///
/// Read with loads that overlap rather than copied into a padded buffer:
/// a wide load of bytes just copied (stored in smaller pieces) waits for
/// those stores to be written, and short texts ("Stop.") come here.
#[inline(always)]
pub(super) fn pack(bytes: &[u8]) -> u128 {
    let n = bytes.len();
    let le8 = |at: usize| {
        bytes
            .get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map_or(0, |b| u64::from_le_bytes(*b))
    };
    let le4 = |at: usize| {
        bytes
            .get(at..)
            .and_then(<[u8]>::first_chunk::<4>)
            .map_or(0, |b| u64::from(u32::from_le_bytes(*b)))
    };
    let byte = |at: usize| bytes.get(at).map_or(0, |&b| u64::from(b));
    if let Some(all) = bytes.first_chunk::<PACKED>() {
        u128::from_le_bytes(*all)
    } else if n >= 8 {
        // Bytes 8.. are the top of the last eight, shifted down.
        let hi = le8(n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0);
        u128::from(le8(0)) | (u128::from(hi) << 64)
    } else if n >= 4 {
        let hi = le4(n - 4) >> (8 * (8 - n));
        u128::from(le4(0) | (hi << 32))
    } else if n > 0 {
        u128::from(byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1))))
    } else {
        0
    }
}

/// "not", packed.
const NOT: u128 = u128::from_le_bytes(*b"not\0\0\0\0\0\0\0\0\0\0\0\0\0");

/// [`MERGE_WORDS`] packed: the word before "not", the merged word and its
/// length.
const MERGES: [(u128, u128, usize); MERGE_WORDS.len()] = {
    const fn p(s: &[u8]) -> u128 {
        let mut b = [0u8; PACKED];
        let mut i = 0;
        while i < s.len() && i < PACKED {
            b[i] = s[i];
            i += 1;
        }
        u128::from_le_bytes(b)
    }
    let mut out = [(0, 0, 0); MERGE_WORDS.len()];
    let mut i = 0;
    while i < MERGE_WORDS.len() {
        let (word, merged) = MERGE_WORDS[i];
        out[i] = (p(word.as_bytes()), p(merged.as_bytes()), merged.len());
        i += 1;
    }
    out
};

/// Every word the walk looks at, and the phrase automaton over token ids.
pub(super) struct Vocab {
    /// Words of at most [`PACKED`] bytes, by packed bytes.
    short: PackedTable<Info>,
    /// Longer words (none in the built-in lists).
    long: FxHashMap<Box<[u8]>, Info>,
    dfa: Option<DFA>,
    /// The automaton's start state and its state after the break every
    /// text starts with.
    start: StateID,
    after_break: StateID,
}

impl Vocab {
    /// Compiles the phrase `patterns` (as `phrase_pattern` writes them,
    /// in order) and the clause words (`true` for a bare stop).
    pub(super) fn new<'a>(
        patterns: &[String],
        clause_words: impl Iterator<Item = (&'a [u8], bool)>,
        problems: &mut Vec<String>,
    ) -> Self {
        let mut infos: FxHashMap<Vec<u8>, Info> = FxHashMap::default();
        let mut next_id = usize::from(BREAK) + 1;
        let mut token_patterns: Vec<Vec<u8>> = Vec::with_capacity(patterns.len());
        for p in patterns {
            let mut bytes = Vec::new();
            for part in p.split(' ').filter(|s| !s.is_empty()) {
                let id = if part == "|" {
                    BREAK
                } else {
                    let info = infos.entry(part.as_bytes().to_vec()).or_default();
                    if info.id == OTHER {
                        match u16::try_from(next_id).ok().filter(|_| next_id < MAX_IDS) {
                            Some(id) => info.id = id,
                            None => {
                                problems.push(format!(
                                    "the opt-out phrases use more than {} different words",
                                    MAX_IDS - 2
                                ));
                                return Vocab::empty();
                            }
                        }
                        next_id += 1;
                    }
                    info.id
                };
                bytes.extend(token_bytes(id));
            }
            token_patterns.push(bytes);
        }
        for (w, stop) in clause_words {
            infos.entry(w.to_vec()).or_default().flags |=
                if stop { F_CLAUSE | F_STOP } else { F_CLAUSE };
        }
        let merging: Vec<&str> = MERGE_WORDS.iter().map(|m| m.0).collect();
        for (list, flag) in [
            (NEGATIONS, F_NEGATION),
            (CONTINUATIONS, F_CONTINUATION),
            (&merging[..], F_MERGES),
        ] {
            for w in list {
                infos.entry(w.as_bytes().to_vec()).or_default().flags |= flag;
            }
        }
        let mut short = Vec::new();
        let mut long = FxHashMap::default();
        for (w, info) in &infos {
            if w.len() <= PACKED {
                short.push((pack(w), *info));
            } else {
                long.insert(w.clone().into_boxed_slice(), *info);
            }
        }
        let short = PackedTable::new(&short);
        let dfa = if token_patterns.is_empty() {
            None
        } else {
            let built = DFA::builder()
                .match_kind(MatchKind::Standard)
                // Every text is full of the two-byte tokens patterns start
                // with: a prefilter only adds work.
                .prefilter(false)
                .build(&token_patterns);
            match built {
                Ok(dfa) => Some(dfa),
                Err(e) => {
                    problems.push(format!("the opt-out phrases are too many to compile: {e}"));
                    None
                }
            }
        };
        let (start, after_break) = dfa
            .as_ref()
            .and_then(|d| {
                let start = d.start_state(Anchored::No).ok()?;
                let [hi, lo] = token_bytes(BREAK);
                let after = d.next_state(Anchored::No, d.next_state(Anchored::No, start, hi), lo);
                // No pattern is a break alone, so this is no match state.
                Some((start, after))
            })
            .unwrap_or_default();
        Vocab {
            short,
            long,
            dfa,
            start,
            after_break,
        }
    }

    fn empty() -> Self {
        Vocab {
            short: PackedTable::new(&[]),
            long: FxHashMap::default(),
            dfa: None,
            start: StateID::default(),
            after_break: StateID::default(),
        }
    }

    /// What the lists make of a word of `src` (which is read only for a
    /// word longer than [`PACKED`] bytes).
    #[inline(always)]
    fn info<'s>(&self, w: Word, src: impl FnOnce() -> Source<'s>) -> Info {
        if w.len <= PACKED {
            return self.short.get(w.packed, w.len);
        }
        if self.long.is_empty() {
            return Info::default();
        }
        self.long_info(&w, src())
    }

    #[cold]
    fn long_info(&self, w: &Word, src: Source<'_>) -> Info {
        self.long
            .get(&long_word_bytes(src, w)[..])
            .copied()
            .unwrap_or_default()
    }
}

/// Words of at most [`PACKED`] bytes by their packed bytes: open
/// addressing with linear probing, at most a quarter full, so a word that
/// is not there is usually told by its first probe. (A packed word is never
/// 0, which marks an empty slot.)
pub(super) struct PackedTable<V> {
    /// Bit `len` of entry `first` is set when a word of `len` bytes
    /// starting with byte `first` is in the table: most words of a text
    /// are turned away by this alone.
    shapes: Box<[u32; 256]>,
    keys: Box<[u128]>,
    infos: Box<[V]>,
    /// 64 minus the log2 of the number of slots.
    shift: u32,
}

impl<V: Copy + Default> PackedTable<V> {
    /// A table of `entries`: packed words (not 0) and their values.
    pub(super) fn new(entries: &[(u128, V)]) -> Self {
        let size = entries.len().saturating_mul(4).next_power_of_two().max(16);
        let mut keys = vec![0u128; size].into_boxed_slice();
        let mut infos = vec![V::default(); size].into_boxed_slice();
        let shift = 64 - size.trailing_zeros();
        let mut shapes = Box::new([0u32; 256]);
        for &(k, info) in entries {
            let len = PACKED - (k.leading_zeros() / 8) as usize;
            if let Some(bits) = shapes.get_mut(usize::from(k as u8)) {
                *bits |= 1 << len;
            }
            let mut i = Self::slot(k, shift);
            while keys.get(i).is_some_and(|&x| x != 0 && x != k) {
                i = (i + 1) & (size - 1);
            }
            if let (Some(key), Some(slot)) = (keys.get_mut(i), infos.get_mut(i)) {
                *key = k;
                *slot = info;
            }
        }
        PackedTable {
            shapes,
            keys,
            infos,
            shift,
        }
    }

    #[inline(always)]
    fn slot(k: u128, shift: u32) -> usize {
        let x = (k as u64) ^ ((k >> 64) as u64).rotate_left(29);
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
    }

    /// What the table holds for `k`, a word of `len` bytes (at most
    /// [`PACKED`]), or nothing (the default).
    #[inline(always)]
    pub(super) fn get(&self, k: u128, len: usize) -> V {
        let shape = self.shapes[usize::from(k as u8)]; // ok: a u8 indexes 256 entries
        if shape & 1u32.wrapping_shl(len as u32) == 0 {
            return V::default();
        }
        let mask = self.keys.len() - 1;
        let mut i = Self::slot(k, self.shift);
        // The table always has empty slots: the probe ends.
        while let Some(&key) = self.keys.get(i) {
            if key == k {
                return self.infos.get(i).copied().unwrap_or_default();
            }
            if key == 0 {
                break;
            }
            i = (i + 1) & mask;
        }
        V::default()
    }
}

/// The two bytes of token `id`.
fn token_bytes(id: u16) -> [u8; 2] {
    // `id` < MAX_IDS: the high part fits in 7 bits.
    [0x80 | (id >> 7) as u8, (id & 0x7f) as u8]
}

/// A word of the text being walked: its first [`PACKED`] bytes packed (see
/// [`pack`]), its length in bytes and its span in the source.
#[derive(Debug, Clone, Copy)]
struct Word {
    packed: u128,
    len: usize,
    start: usize,
    end: usize,
}

/// What the words are read from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// An ASCII text, as received.
    Ascii(&'a [u8]),
    /// The word string of a folded text (see `words_folded`).
    Folded(&'a str),
}

impl Source<'_> {
    /// All the bytes of a word (long words only: short ones are packed).
    fn word_bytes(&self, w: &Word) -> Vec<u8> {
        match self {
            Source::Ascii(t) => t
                .get(w.start..w.end)
                .unwrap_or(&[])
                .iter()
                .map(|&b| WORD_CLASS[usize::from(b)]) // ok: a u8 indexes 256 entries
                .filter(|&c| c > CLASS_NON_ASCII)
                .collect(),
            Source::Folded(s) => s.as_bytes().get(w.start..w.end).unwrap_or(&[]).to_vec(),
        }
    }

    /// The normalised words from `start` to `end` (one clause), single
    /// spaces between.
    fn clause_text(&self, start: usize, end: usize) -> Arc<str> {
        let trim = |w: &str| Arc::from(w.trim_matches(|c| c == '|' || c == ' '));
        match self {
            Source::Ascii(t) => trim(&words_ascii(t.get(start..end).unwrap_or(&[]))),
            Source::Folded(s) => trim(s.get(start..end).unwrap_or("")),
        }
    }
}

/// A clause that is an opt-out on its own.
pub(super) enum Hit {
    /// The clause is this opt-out keyword (an index of `entries`).
    Keyword(usize),
    /// "stop" with filler words: the clause's span in the source, and
    /// whether "not" joined a word of it.
    Fillers(usize, usize, bool),
}

/// The clause being read.
struct Clause {
    /// Bytes of its words so far (0: no word yet).
    letters: usize,
    /// Flags every word has.
    all: u8,
    /// Flags some word has.
    any: u8,
    /// Where it starts in the source (just after the break before it).
    from: usize,
    /// Whether "not" joined a word of it ("do not" → "dont"): its key is
    /// then not the letters of the source as they stand.
    merged: bool,
}

struct Walk<'a> {
    c: &'a Compiled,
    /// `c.max_key`.
    max_key: usize,
    src: Source<'a>,
    dfa: Option<&'a DFA>,
    start: StateID,
    sid: StateID,
    /// Flags of the last tokens, by token number modulo [`HISTORY`].
    history: [u8; HISTORY],
    /// Tokens fed so far.
    n: usize,
    /// A word "not" may join, held back until the next word.
    pending: Option<(Word, Info)>,
    clause: Clause,
    /// A phrase that matched and is not negated, waiting for the next
    /// token (a continuation word turns it around).
    candidate: Option<usize>,
    /// The first phrase found.
    phrase: Option<usize>,
    /// How many letters and digits the whole text has so far, as read
    /// (before "do not" is merged): while at most `max_key`, the whole
    /// message may still be a keyword (C1).
    whole_len: usize,
    /// The whole message was looked up as a keyword (C1) and is none.
    whole_is_no_keyword: bool,
}

impl<'a> Walk<'a> {
    #[inline(always)]
    fn new(c: &'a Compiled, src: Source<'a>) -> Self {
        let v = &c.vocab;
        let mut history = [0; HISTORY];
        history[0] = F_BREAK;
        // Every text starts with a break, fed here.
        Walk {
            c,
            max_key: c.max_key,
            src,
            dfa: v.dfa.as_ref(),
            start: v.start,
            sid: v.after_break,
            history,
            n: 1,
            pending: None,
            clause: Clause {
                letters: 0,
                all: u8::MAX,
                any: 0,
                from: 0,
                merged: false,
            },
            candidate: None,
            phrase: None,
            whole_len: 0,
            whole_is_no_keyword: false,
        }
    }

    /// The next word of the text. ("do not" and the like were merged in
    /// a folded word string already; merging again finds nothing.)
    #[inline(always)]
    fn word(&mut self, w: Word) {
        // Sums of word lengths stay within the text's length: no overflow.
        self.whole_len += w.len;
        if let Some((p, p_info)) = self.pending {
            self.pending = None;
            if w.packed == NOT
                && let Some(&(_, merged, len)) = MERGES.iter().find(|m| m.0 == p.packed)
            {
                let m = Word {
                    packed: merged,
                    len,
                    start: p.start,
                    end: w.end,
                };
                let info = self.c.vocab.info(m, || self.src);
                self.clause.merged = true;
                self.emit(&m, info);
                return;
            }
            self.emit(&p, p_info);
        }
        let info = self.c.vocab.info(w, || self.src);
        if info.flags & F_MERGES != 0 {
            self.pending = Some((w, info));
            return;
        }
        self.emit(&w, info);
    }

    /// A clause break at byte `at` of the source (consecutive breaks count
    /// once).
    #[inline(always)]
    fn brk(&mut self, at: usize) -> Option<Hit> {
        if let Some((p, info)) = self.pending {
            self.pending = None;
            self.emit(&p, info);
        }
        let last = self.n.checked_sub(1).map_or(0, |i| self.flags_of(i));
        if self.n > 0 && last & F_BREAK != 0 {
            return None;
        }
        let hit = if self.clause.letters > 0 {
            self.end_clause(at)
        } else {
            None
        };
        let cl = &mut self.clause;
        cl.letters = 0;
        cl.all = u8::MAX;
        cl.any = 0;
        cl.from = at.saturating_add(1);
        cl.merged = false;
        self.feed(BREAK, F_BREAK);
        hit
    }

    /// The end of the text (`len` bytes of source): the first clause
    /// opt-out, else the first phrase.
    #[inline(always)]
    fn finish(&mut self, len: usize) -> Option<(Arc<str>, bool)> {
        if let Some(hit) = self.brk(len) {
            return Some(self.answer(hit));
        }
        let p = self.phrase.or(self.candidate)?;
        Some((self.c.phrase_text.get(p)?.clone(), false))
    }

    #[inline(always)]
    fn answer(&self, hit: Hit) -> (Arc<str>, bool) {
        answer(self.c, self.src, hit)
    }

    #[inline(always)]
    fn flags_of(&self, token: usize) -> u8 {
        self.history[token % HISTORY] // ok: `% HISTORY` is in range
    }

    #[inline(always)]
    fn emit(&mut self, w: &Word, info: Info) {
        let cl = &mut self.clause;
        cl.all &= info.flags;
        cl.any |= info.flags;
        cl.letters += w.len;
        self.feed(info.id, info.flags);
    }

    /// Ends the clause being read at byte `at`: an opt-out keyword on its
    /// own, or "stop" with filler words.
    #[inline(always)]
    fn end_clause(&self, at: usize) -> Option<Hit> {
        let cl = &self.clause;
        if cl.letters <= self.max_key
            && let Some(i) = self.clause_keyword(at)
            && self
                .c
                .entries
                .get(i)
                .is_some_and(|e| e.kind == Kind::OptOut)
        {
            return Some(Hit::Keyword(i));
        }
        (cl.all & F_CLAUSE != 0 && cl.any & F_STOP != 0)
            .then_some(Hit::Fillers(cl.from, at, cl.merged))
    }

    /// The keyword (an index of `entries`) that the clause ending at byte
    /// `at` is as a whole, read from the source once the clause is short
    /// enough to be one.
    #[inline(always)]
    fn clause_keyword(&self, at: usize) -> Option<usize> {
        let from = self.clause.from;
        if self.whole_is_no_keyword && from == 0 && !self.clause.merged {
            // The clause is the whole text ("please stop"), its key the
            // whole message's.
            return None;
        }
        if let Source::Ascii(t) = self.src
            && !self.clause.merged
            && let Some(key) = one_run_key(t, from, at, self.clause.letters)
        {
            return self.c.entry_index_packed(key, self.clause.letters);
        }
        let mut key = ShortKey::default();
        if self.clause_key_bytes(at, |b| key.push(b))? {
            key.lookup(self.c)
        } else {
            self.long_clause_keyword(at)
        }
    }

    /// [`Walk::clause_keyword`] of a clause of more than 16 letters (only
    /// an organization's own keyword is that long).
    #[cold]
    #[inline(never)]
    fn long_clause_keyword(&self, at: usize) -> Option<usize> {
        let mut key = Vec::new();
        self.clause_key_bytes(at, |b| {
            key.push(b);
            true
        })?;
        self.c.entry_index(&key)
    }

    /// Gives `put` the key bytes of the clause ending at byte `at`, while
    /// it returns true: the letters and digits of an ASCII clause as
    /// received, else those of its words (with "not" joined). Whether
    /// `put` took them all; `None` for a span outside the source.
    #[inline(always)]
    fn clause_key_bytes(&self, at: usize, mut put: impl FnMut(u8) -> bool) -> Option<bool> {
        let from = self.clause.from;
        let all = match self.src {
            Source::Ascii(t) if !self.clause.merged => t
                .get(from..at)?
                .iter()
                .map(|&b| WORD_CLASS[usize::from(b)]) // ok: a u8 indexes 256 entries
                .filter(|&class| class > CLASS_NON_ASCII)
                .all(put),
            Source::Ascii(_) => self
                .src
                .clause_text(from, at)
                .bytes()
                .filter(|&b| b != b' ' && b != b'|')
                .all(put),
            Source::Folded(w) => w
                .as_bytes()
                .get(from..at)?
                .iter()
                .copied()
                .filter(|&b| b != b' ' && b != b'|')
                .all(&mut put),
        };
        Some(all)
    }

    /// Feeds one token to the phrase automaton.
    #[inline(always)]
    fn feed(&mut self, id: u16, flags: u8) {
        if let Some(p) = self.candidate {
            self.candidate = None;
            if flags & F_CONTINUATION == 0 {
                self.phrase = Some(p);
                self.dfa = None;
            }
        }
        self.history[self.n % HISTORY] = flags; // ok: `% HISTORY` is in range
        self.n += 1;
        let Some(dfa) = self.dfa else { return };
        if id == OTHER {
            // No pattern holds an unknown word: back to the start.
            self.sid = self.start;
            return;
        }
        self.step(dfa, id);
    }

    /// Steps the automaton over a phrase word or a break.
    #[inline(always)]
    fn step(&mut self, dfa: &DFA, id: u16) {
        let [hi, lo] = token_bytes(id);
        self.sid = dfa.next_state(Anchored::No, self.sid, hi);
        self.sid = dfa.next_state(Anchored::No, self.sid, lo);
        if !dfa.is_special(self.sid) || !dfa.is_match(self.sid) {
            return;
        }
        for k in 0..dfa.match_len(self.sid) {
            let p = dfa.match_pattern(self.sid, k);
            let len = dfa.pattern_len(p) / 2;
            if !self.negated(self.n.saturating_sub(len)) {
                self.candidate = Some(p.as_usize());
                return;
            }
        }
    }

    /// True when one of the five tokens before token `start` is a negation
    /// and no break comes first.
    #[inline(always)]
    fn negated(&self, start: usize) -> bool {
        for back in 1..=5 {
            let Some(t) = start.checked_sub(back) else {
                return false;
            };
            let f = self.flags_of(t);
            if f & F_BREAK != 0 {
                return false;
            }
            if f & F_NEGATION != 0 {
                return true;
            }
        }
        false
    }
}

/// `MASKS[n]`: the low `n` bytes of a `u128` set.
static MASKS: [u128; PACKED + 1] = {
    let mut m = [0u128; PACKED + 1];
    let mut n = 1;
    while n <= PACKED {
        m[n] = (m[n - 1] << 8) | 0xff;
        n += 1;
    }
    m
};

/// Bit 5 of every byte: set, it lowers an ASCII letter and leaves a digit
/// as it is.
const LOWER: u128 = 0x2020_2020_2020_2020_2020_2020_2020_2020;

/// The 16 bytes of `text` from `start`, little-endian, zeros past its
/// end: one 16-byte load where the text allows it.
#[inline(always)]
fn load_ascii(text: &[u8], start: usize) -> u128 {
    if let Some(chunk) = text.get(start..).and_then(<[u8]>::first_chunk::<PACKED>) {
        u128::from_le_bytes(*chunk)
    } else if let Some(tail) = text.last_chunk::<PACKED>() {
        // Within 16 bytes of the end (else the first load fits): the last
        // 16 bytes shifted down to `start`, by less than 128 bits.
        let skip = start.wrapping_sub(text.len() - PACKED) as u32;
        u128::from_le_bytes(*tail).wrapping_shr(skip.wrapping_mul(8))
    } else {
        pack(text.get(start..).unwrap_or(&[]))
    }
}

/// The packed lower-case bytes of `text[start..end]`, a run of ASCII
/// letters and digits.
#[inline(always)]
fn pack_ascii(text: &[u8], start: usize, end: usize) -> u128 {
    (load_ascii(text, start) | LOWER) & MASKS[(end - start).min(PACKED)] // ok: at most PACKED
}

/// Byte `b` in every byte of a `u64`.
const fn splat(b: u8) -> u64 {
    (b as u64) * 0x0101_0101_0101_0101
}

/// The high bit of every byte of a `u64`.
const HIGH: u64 = splat(0x80);

/// The high bit of each byte of `x` that is an ASCII letter or digit, the
/// eight bytes at once: a byte's low seven bits are compared by additions
/// that never carry into the next byte (at most 0x7f plus at most 0x80).
#[inline(always)]
fn alnum_bytes(x: u64) -> u64 {
    let y = x & !HIGH;
    let digit = y.wrapping_add(splat(0x80 - b'0')) & !y.wrapping_add(splat(0x7f - b'9'));
    let l = y | splat(0x20);
    let letter = l.wrapping_add(splat(0x80 - b'a')) & !l.wrapping_add(splat(0x7f - b'z'));
    (digit | letter) & !x & HIGH
}

/// How many bytes of `raw` (as [`load_ascii`] reads them), from the first,
/// are ASCII letters or digits: [`PACKED`] when all are.
#[inline(always)]
fn alnum_run(raw: u128) -> usize {
    // The first byte that is not has the lowest high bit of the inverse.
    let lo = !alnum_bytes(raw as u64) & HIGH;
    if lo != 0 {
        return (lo.trailing_zeros() / 8) as usize;
    }
    let hi = !alnum_bytes((raw >> 64) as u64) & HIGH;
    8 + (hi.trailing_zeros() / 8) as usize
}

/// A word of an ASCII text with apostrophes in it ("don't" → "dont"):
/// its first run of letters and digits is `text[start..run_end]`. Returns
/// the word and where it ends. (Out of line: the common word has none.)
#[cold]
#[inline(never)]
fn apostrophe_word(text: &[u8], start: usize, run_end: usize) -> (Word, usize) {
    let class_at = |i: usize| text.get(i).map_or(0, |&b| WORD_CLASS[usize::from(b)]); // ok: a u8 indexes 256 entries
    let mut packed = pack_ascii(text, start, run_end);
    let mut len = run_end - start;
    let mut i = run_end;
    loop {
        while class_at(i) == CLASS_APOSTROPHE {
            i += 1;
        }
        if class_at(i) <= CLASS_NON_ASCII {
            break;
        }
        let run = i;
        while class_at(i) > CLASS_NON_ASCII {
            i += 1;
        }
        if len < PACKED {
            // The run's bytes after the word's so far (those past 16 fall
            // off the top).
            packed |= pack_ascii(text, run, i).wrapping_shl((len * 8) as u32);
        }
        len += i - run;
    }
    let word = Word {
        packed,
        len,
        start,
        end: i,
    };
    (word, i)
}

/// What [`walk_ascii`] found.
pub(super) enum AsciiWalk {
    /// The text is not ASCII: fold it first.
    NotAscii,
    /// The whole message is this keyword (an index of `entries`, C1).
    Whole(usize),
    /// The whole text was read and is no keyword: C2's answer.
    Natural(Option<(Arc<str>, bool)>),
    /// A clause opt-out (C2; read it with [`answer_ascii`]), the whole
    /// message no keyword.
    Clause(Hit),
    /// A clause opt-out (C2) found before a byte outside ASCII: whether
    /// the whole message is a keyword (C1) is still to be checked.
    Early(Hit),
}

/// C1 and C2 on a text, read as received while it is ASCII.
pub(super) fn walk_ascii(c: &Compiled, text: &[u8]) -> AsciiWalk {
    walk_ascii_with(c, text, true)
}

/// [`walk_ascii`], C2 alone when `whole` is false (never
/// [`AsciiWalk::Whole`]).
#[inline(always)]
fn walk_ascii_with(c: &Compiled, text: &[u8], whole: bool) -> AsciiWalk {
    let mut walk = Walk::new(c, Source::Ascii(text));
    let class_at = |i: usize| text.get(i).map_or(0, |&b| WORD_CLASS[usize::from(b)]); // ok: a u8 indexes 256 entries
    let mut i = 0usize;
    while i < text.len() {
        let class = class_at(i);
        if class > CLASS_NON_ASCII {
            // A word: runs of letters and digits, joined by apostrophes.
            let start = i;
            i += 1;
            let mut ended = false;
            if let Some(chunk) = text.get(start..).and_then(<[u8]>::first_chunk::<PACKED>) {
                // Most words end within 16 bytes: no bounds to check.
                let end = chunk
                    .iter()
                    .skip(1)
                    .position(|&b| WORD_CLASS[usize::from(b)] <= CLASS_NON_ASCII); // ok: a u8 indexes 256 entries
                i = start + end.map_or(PACKED, |k| k + 1);
                ended = end.is_some();
            }
            if !ended {
                // A long word, or near the end of the text.
                while class_at(i) > CLASS_NON_ASCII {
                    i += 1;
                }
            }
            let w = if class_at(i) == CLASS_APOSTROPHE {
                let (w, end) = apostrophe_word(text, start, i);
                i = end;
                w
            } else {
                Word {
                    packed: pack_ascii(text, start, i),
                    len: i - start,
                    start,
                    end: i,
                }
            };
            walk.word(w);
            // The usual space after a word: nothing to do.
            if text.get(i) == Some(&b' ') {
                i += 1;
            }
            continue;
        }
        if class == CLASS_BREAK {
            if let Some(hit) = walk.brk(i) {
                if !whole {
                    return AsciiWalk::Early(hit);
                }
                return rest_of_whole(c, text, i, walk.whole_len, hit);
            }
        } else if class == CLASS_NON_ASCII {
            return AsciiWalk::NotAscii;
        }
        i += 1;
    }
    if whole && walk.whole_len <= c.max_key {
        match whole_keyword(c, text, walk.whole_len) {
            Some(i) => return AsciiWalk::Whole(i),
            None => walk.whole_is_no_keyword = true,
        }
    }
    AsciiWalk::Natural(walk.finish(text.len()))
}

/// The whole-message keyword (C1) of an ASCII text with `letters`
/// letters and digits, an index of `entries`.
#[inline(always)]
fn whole_keyword(c: &Compiled, text: &[u8], letters: usize) -> Option<usize> {
    if let Some(key) = one_run_key(text, 0, text.len(), letters) {
        return c.entry_index_packed(key, letters);
    }
    read_whole_keyword(c, text).ok().flatten()
}

/// A byte outside ASCII came before a text had too many letters to be a
/// keyword: the folded text decides.
struct NotAscii;

/// The whole-message keyword (C1) of `text` read letter by letter, an
/// index of `entries`.
#[inline(always)]
fn read_whole_keyword(c: &Compiled, text: &[u8]) -> Result<Option<usize>, NotAscii> {
    Ok(match whole_key(c, text) {
        WholeKey::Short(key) => key.lookup(c),
        WholeKey::Long => long_whole_keyword(c, text),
        WholeKey::TooLong => None,
        WholeKey::NotAscii => return Err(NotAscii),
    })
}

/// The key of `text[from..to]`, which has `letters` letters and digits
/// (at most 16), when they are one run (one word, as in "Stop."): read
/// with one load.
#[inline(always)]
fn one_run_key(text: &[u8], from: usize, to: usize, letters: usize) -> Option<u128> {
    if letters == 0 || letters > PACKED {
        return None;
    }
    let mut start = from;
    while start < to
        && text
            .get(start)
            .is_some_and(|&b| WORD_CLASS[usize::from(b)] <= CLASS_NON_ASCII)
    {
        // ok: a u8 indexes 256 entries
        start += 1;
    }
    // `letters` letters and digits from `start` on are all there are.
    let raw = load_ascii(text, start);
    (alnum_run(raw) >= letters).then(|| (raw | LOWER) & MASKS[letters]) // ok: at most PACKED
}

/// [`whole_keyword`] of a text of more than 16 letters (only an
/// organization's own keyword is that long).
#[cold]
#[inline(never)]
fn long_whole_keyword(c: &Compiled, text: &[u8]) -> Option<usize> {
    let key: Vec<u8> = text
        .iter()
        .map(|&b| WORD_CLASS[usize::from(b)]) // ok: a u8 indexes 256 entries
        .filter(|&class| class > CLASS_NON_ASCII)
        .collect();
    c.entry_index(&key)
}

/// The letters and digits of a whole text, for C1.
enum WholeKey {
    /// Up to 16, lower case.
    Short(ShortKey),
    /// More than 16, up to the longest keyword's length.
    Long,
    /// More than any keyword has.
    TooLong,
    /// A byte outside ASCII before there were too many.
    NotAscii,
}

/// [`WholeKey`] of `text`, read while it may still be a keyword.
#[inline(always)]
fn whole_key(c: &Compiled, text: &[u8]) -> WholeKey {
    let max = c.max_key.min(MAX_KEY);
    let mut key = ShortKey::default();
    let mut letters = 0usize;
    for &b in text {
        let class = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
        if class > CLASS_NON_ASCII {
            letters += 1;
            if letters > max {
                return WholeKey::TooLong;
            }
            key.push(class);
        } else if class == CLASS_NON_ASCII {
            return WholeKey::NotAscii;
        }
    }
    if letters > PACKED {
        WholeKey::Long
    } else {
        WholeKey::Short(key)
    }
}

/// A key of up to 16 bytes gathered one byte at a time, held packed (see
/// [`pack`]) for [`Compiled::entry_index_packed`].
///
/// It never goes through memory: a lookup that read a key stored one byte
/// at a time (or copied) several bytes at once could not take them from
/// the stores still in flight, and would wait for them to be written
/// (10-15 ns on "Stop.").
#[derive(Default, Clone, Copy)]
struct ShortKey {
    /// The bytes pushed, the latest in the top byte.
    held: u128,
    /// How many (at most 16).
    n: usize,
}

impl ShortKey {
    /// Adds byte `b`; false (and nothing added) when it holds 16 already.
    #[inline(always)]
    fn push(&mut self, b: u8) -> bool {
        if self.n == PACKED {
            return false;
        }
        // In at the top: shifts by a constant.
        self.held = (self.held >> 8) | (u128::from(b) << 120);
        self.n += 1;
        true
    }

    /// The keyword it is, an index of `entries`.
    #[inline(always)]
    fn lookup(&self, c: &Compiled) -> Option<usize> {
        if self.n == 0 {
            return c.entry_index(&[]);
        }
        // Down from the top, by less than 128 bits.
        c.entry_index_packed(self.held >> (8 * (PACKED - self.n)), self.n)
    }
}

/// All the bytes of a long word of `src` (out of line: rare).
#[cold]
fn long_word_bytes(src: Source<'_>, w: &Word) -> Vec<u8> {
    src.word_bytes(w)
}

/// What a clause opt-out of `src` says: the keyword's display form, or the
/// clause's words.
#[cold]
fn answer(c: &Compiled, src: Source<'_>, hit: Hit) -> (Arc<str>, bool) {
    match hit {
        Hit::Keyword(i) => c
            .entries
            .get(i)
            .map_or_else(Default::default, |e| (e.display.clone(), e.cancellation)),
        Hit::Fillers(start, end, merged) => {
            if let Source::Ascii(t) = src
                && !merged
                && let Some(words) = ascii_clause_words(t, start, end)
            {
                return (words, false);
            }
            (src.clause_text(start, end), false)
        }
    }
}

/// The words of the ASCII clause `t[start..end]`, in which "not" joined
/// no word, as `words_ascii` writes them (lower case, apostrophes dropped,
/// single spaces), built on the stack: the answer's is the one allocation.
/// `None` for a clause of more than 64 bytes.
fn ascii_clause_words(t: &[u8], start: usize, end: usize) -> Option<Arc<str>> {
    let mut buf = [0u8; 64];
    let mut n = 0usize;
    let mut space = false;
    for &b in t.get(start..end)? {
        let class = WORD_CLASS[usize::from(b)]; // ok: a u8 indexes 256 entries
        if class > CLASS_NON_ASCII {
            if space && n > 0 {
                *buf.get_mut(n)? = b' ';
                n += 1;
            }
            space = false;
            *buf.get_mut(n)? = class;
            n += 1;
        } else if class != CLASS_APOSTROPHE {
            // An apostrophe joins the runs of a word ("don't") or is
            // nothing; anything else ends a word.
            space = true;
        }
    }
    Some(Arc::from(std::str::from_utf8(buf.get(..n)?).ok()?))
}

/// What [`AsciiWalk::Early`] found in `text`.
pub(super) fn answer_ascii(c: &Compiled, text: &[u8], hit: Hit) -> (Arc<str>, bool) {
    answer(c, Source::Ascii(text), hit)
}

/// After a clause opt-out found in `text`: whether the whole message is
/// a keyword (C1 comes first), or a byte outside ASCII leaves that to the
/// folded text.
#[cold]
fn rest_of_whole(c: &Compiled, text: &[u8], at: usize, letters: usize, hit: Hit) -> AsciiWalk {
    // Usually nothing but punctuation follows ("Stop."): the key is the
    // `letters` before `at`.
    let rest = text.get(at..).unwrap_or(&[]);
    if rest.iter().all(|&b| WORD_CLASS[usize::from(b)] < CLASS_NON_ASCII) // ok: a u8 indexes 256 entries
        && let Some(key) = one_run_key(text, 0, at, letters)
    {
        return match c.entry_index_packed(key, letters) {
            Some(i) => AsciiWalk::Whole(i),
            None => AsciiWalk::Clause(hit),
        };
    }
    match read_whole_keyword(c, text) {
        Ok(Some(i)) => AsciiWalk::Whole(i),
        Ok(None) => AsciiWalk::Clause(hit),
        Err(NotAscii) => AsciiWalk::Early(hit),
    }
}

/// C2 alone on any text: ASCII read as received, others folded first.
pub(super) fn natural(c: &Compiled, text: &str) -> Option<(Arc<str>, bool)> {
    match walk_ascii_with(c, text.as_bytes(), false) {
        AsciiWalk::Natural(found) => found,
        AsciiWalk::Early(hit) | AsciiWalk::Clause(hit) => {
            Some(answer_ascii(c, text.as_bytes(), hit))
        }
        AsciiWalk::NotAscii => walk_words(c, &super::words_folded(text)),
        AsciiWalk::Whole(_) => None,
    }
}

/// C2 on the word string of a folded text (see `words_folded`).
pub(super) fn walk_words(c: &Compiled, w: &str) -> Option<(Arc<str>, bool)> {
    let mut walk = Walk::new(c, Source::Folded(w));
    let bytes = w.as_bytes();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'|' {
            if let Some(hit) = walk.brk(i) {
                return Some(walk.answer(hit));
            }
            i += 1;
            continue;
        }
        if b == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|&b| b != b' ' && b != b'|') {
            i += 1;
        }
        let word = bytes.get(start..i).unwrap_or(&[]);
        let w = Word {
            packed: pack(word),
            len: word.len(),
            start,
            end: i,
        };
        walk.word(w);
    }
    walk.finish(w.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn c1_alnum_bytes_agrees_with_the_class_table_for_every_byte_anywhere() {
        for b in 0..=255u8 {
            let alnum = WORD_CLASS[usize::from(b)] > CLASS_NON_ASCII;
            for at in 0..8 {
                // The byte among others of every kind.
                for other in [0u8, b' ', b'a', b'Z', b'9', 0x7f, 0x80, 0xff] {
                    let mut bytes = [other; 8];
                    bytes[at] = b;
                    let got = alnum_bytes(u64::from_le_bytes(bytes)) >> (8 * at + 7) & 1;
                    assert_eq!(got == 1, alnum, "byte {b:#x} at {at} among {other:#x}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn c1_alnum_run_counts_the_leading_letters_and_digits(
            bytes in proptest::collection::vec(
                prop_oneof![3 => proptest::sample::select(b"aZ09qz".to_vec()), 1 => proptest::num::u8::ANY],
                16,
            ),
        ) {
            let raw = pack(&bytes);
            let expected = bytes.iter().take_while(|&&b| WORD_CLASS[usize::from(b)] > CLASS_NON_ASCII).count();
            prop_assert_eq!(alnum_run(raw), expected);
        }

        #[test]
        fn c2_pack_is_the_zero_padded_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..24)) {
            let mut padded = [0u8; PACKED];
            for (d, s) in padded.iter_mut().zip(&bytes) {
                *d = *s;
            }
            prop_assert_eq!(pack(&bytes), u128::from_le_bytes(padded));
        }

        #[test]
        fn c2_packed_table_agrees_with_a_hash_map(
            words in proptest::collection::hash_set("[a-z0-9]{1,16}", 0..300),
            probes in proptest::collection::vec("[a-z0-9]{1,16}", 0..50),
        ) {
            let entries: Vec<(u128, Info)> = words
                .iter()
                .zip(1u16..)
                .map(|(w, id)| (pack(w.as_bytes()), Info { id, flags: (id % 64) as u8 }))
                .collect();
            let table = PackedTable::new(&entries);
            let map: FxHashMap<u128, Info> = entries.iter().copied().collect();
            for w in words.iter().chain(&probes) {
                let k = pack(w.as_bytes());
                prop_assert_eq!(table.get(k, w.len()), map.get(&k).copied().unwrap_or_default(), "{}", w);
            }
        }
    }
}
