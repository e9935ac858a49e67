//! Whole-word term matching over folded text, for SPEC P2, P3 and P6.
//!
//! A text is folded once into a [`Skeleton`]: its words (runs of letters
//! and digits after [`fold`](super::fold)) concatenated, with where each
//! word starts and whether the gap before it was short (a word may be
//! split there: "C.B.D", "marij-uana") or long (a line break or more than
//! [`MAX_JOIN_GAP`] separators). Terms are matched with an anchored
//! Aho-Corasick DFA walked from each word start, and only count when they
//! end on a word end and cross no long gap.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};

use super::CharCursor;
use super::fold::{fold_non_ascii, is_inert};

/// Longest run of separators between two parts of one disguised term.
pub(crate) const MAX_JOIN_GAP: usize = 3;

/// ASCII letters and digits lower-cased; 0 for everything else (built at
/// compile time: an index out of range would not compile).
static ASCII_WORD: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() {
            t[i] = b.to_ascii_lowercase();
        }
        i += 1;
    }
    t
};

/// Where a word starts.
#[derive(Debug, Clone, Copy)]
struct Word {
    /// Offset in the skeleton.
    sk: u32,
    /// Char index in the original text.
    orig: u32,
    /// A long gap (or the start of the text) comes before it.
    hard: bool,
}

/// The folded words of a text that is not ASCII.
pub(crate) struct Skeleton {
    bytes: Vec<u8>,
    words: Vec<Word>,
    /// For texts that are not ASCII, the char index of every skeleton byte
    /// (folding may change lengths); ASCII texts map by offset.
    map: Option<Vec<u32>>,
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Skeleton {
    /// Folds `text` (any text; [`TermMatcher::find`] uses it for texts that
    /// are not ASCII).
    pub(crate) fn new(text: &str) -> Self {
        let mut sk = Skeleton {
            bytes: Vec::with_capacity(text.len()),
            words: Vec::new(),
            map: Some(Vec::with_capacity(text.len())),
        };
        let mut gap = 0usize;
        let mut hard = true;
        let mut in_word = false;
        for (ci, c) in text.chars().enumerate() {
            let ci = u32_of(ci);
            let mut push = |f: char| {
                if !f.is_alphanumeric() {
                    in_word = false;
                    gap += 1;
                    hard |= matches!(f, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
                    return;
                }
                if !in_word {
                    sk.words.push(Word {
                        sk: u32_of(sk.bytes.len()),
                        orig: ci,
                        hard: hard || gap > MAX_JOIN_GAP,
                    });
                    in_word = true;
                    gap = 0;
                    hard = false;
                }
                let mut buf = [0u8; 4];
                for b in f.encode_utf8(&mut buf).bytes() {
                    sk.bytes.push(b);
                    if let Some(m) = sk.map.as_mut() {
                        m.push(ci);
                    }
                }
            };
            if c.is_ascii() {
                push(c.to_ascii_lowercase());
            } else {
                fold_non_ascii(c, &mut push);
            }
        }
        sk
    }

    /// The char index of skeleton byte `pos`, which lies in word `w`.
    fn orig(&self, pos: usize, w: &Word) -> usize {
        match &self.map {
            Some(m) => m.get(pos).map_or(0, |&c| c as usize),
            None => w.orig as usize + pos.saturating_sub(w.sk as usize),
        }
    }
}

/// One match: the pattern and its span in chars of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub pattern: usize,
    pub start: usize,
    pub end: usize,
}

/// Compiled term keys (letters and digits only, folded).
pub(crate) struct TermMatcher {
    dfa: DFA,
    lens: Vec<usize>,
    /// The first two bytes of every key: bit `second % 64` of entry
    /// `first`. A word whose first two letters are no key's first two
    /// bytes starts no match (letters inside a word are fed one after the
    /// other), so the ASCII walk skips it.
    pairs: [u64; 256],
    /// The first three bytes of every key of three bytes or more, hashed
    /// by [`triple_bit`]. A word of three letters or more whose first
    /// three are no such key's starts no match (a shorter key cannot end
    /// inside the word), so the ASCII walk skips it.
    triples: Box<[u64; TRIPLE_WORDS]>,
    /// The keys of exactly two bytes, like [`TermMatcher::pairs`].
    two_byte_keys: Box<[u64; 256]>,
}

/// Words of 64 bits in [`TermMatcher::triples`].
const TRIPLE_WORDS: usize = 512;

/// Word and bit of [`TermMatcher::triples`] for three key bytes: the low
/// five bits of each (so digits share bits with letters: that only lets
/// a few more words through to the walk).
#[inline]
fn triple_bit(b1: u8, b2: u8, b3: u8) -> (usize, u64) {
    let h = (usize::from(b1 & 31) << 10) | (usize::from(b2 & 31) << 5) | usize::from(b3 & 31);
    (h >> 6, 1u64 << (h & 63))
}

impl TermMatcher {
    /// Compiles `keys`; the error names why the automaton could not be built.
    pub(crate) fn new(keys: &[String]) -> Result<Self, String> {
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Anchored)
            .build(keys)
            .map_err(|e| e.to_string())?;
        let mut pairs = [0u64; 256];
        let mut triples = Box::new([0u64; TRIPLE_WORDS]);
        let mut two_byte_keys = Box::new([0u64; 256]);
        for k in keys {
            if let [b1, b2, rest @ ..] = k.as_bytes() {
                pairs[usize::from(*b1)] |= 1u64 << (b2 % 64); // ok: a u8 indexes 256 entries
                if rest.is_empty() {
                    two_byte_keys[usize::from(*b1)] |= 1u64 << (b2 % 64); // ok: a u8 indexes 256 entries
                }
                if let Some(&b3) = rest.first() {
                    let (w, bit) = triple_bit(*b1, *b2, b3);
                    if let Some(t) = triples.get_mut(w) {
                        *t |= bit;
                    }
                }
            }
        }
        Ok(TermMatcher {
            dfa,
            lens: keys.iter().map(String::len).collect(),
            pairs,
            triples,
            two_byte_keys,
        })
    }

    /// Every key that equals a run of whole words of `text` not crossing a
    /// long gap, with spans in chars of `text`.
    ///
    /// `ascii_compatible` is [`TextStats::ascii_compatible`]: such texts are
    /// scanned as bytes and their spans converted to chars.
    #[cfg(test)]
    pub(crate) fn find(&self, text: &str, ascii_compatible: bool, hit: impl FnMut(Hit)) {
        self.find_known(text, text.is_ascii(), ascii_compatible, hit);
    }

    /// [`TermMatcher::find`] when whether `text` is ASCII is known
    /// ([`TextStats::ascii`]).
    pub(crate) fn find_known(
        &self,
        text: &str,
        ascii: bool,
        ascii_compatible: bool,
        mut hit: impl FnMut(Hit),
    ) {
        if ascii {
            self.find_ascii(text.as_bytes(), hit);
        } else if ascii_compatible {
            let mut cursor = CharCursor::new(text);
            self.find_ascii(text.as_bytes(), |h| {
                let start = cursor.at(h.start);
                let end = cursor.at(h.end);
                hit(Hit {
                    pattern: h.pattern,
                    start,
                    end,
                })
            });
        } else {
            self.find_folded(&Skeleton::new(text), hit);
        }
    }

    /// The ASCII path: no folded copy; an anchored walk from each word
    /// start that feeds letters and digits to the automaton and steps over
    /// short gaps.
    fn find_ascii(&self, text: &[u8], mut hit: impl FnMut(Hit)) {
        let Ok(start_sid) = self.dfa.start_state(Anchored::Yes) else {
            return;
        };
        // Word starts 64 bytes at a time, as a bit mask: no branch per byte.
        let mut carry = false;
        for (ci, chunk) in text.chunks(64).enumerate() {
            let words = word_mask(chunk);
            let mut starts = words & !((words << 1) | u64::from(carry));
            carry = chunk.last().is_some_and(|&b| is_ascii_word(b));
            while starts != 0 {
                let j = starts.trailing_zeros();
                starts &= starts - 1;
                let at = ci * 64 + j as usize;
                // Letters and digits in a row from `j`, read off the mask.
                let run = (!(words >> j)).trailing_zeros();
                let go = if j + run >= 64 {
                    self.may_start(text, at) // the word may go on in the next chunk
                } else {
                    self.may_start_run(chunk.get(j as usize..).unwrap_or(&[]), run)
                };
                if go {
                    self.walk_ascii(text, at, start_sid, &mut hit);
                }
            }
        }
    }

    /// [`TermMatcher::may_start`] for a word known to be `run` letters and
    /// digits long at the start of `word`: they are ASCII, so `| 0x20`
    /// lower-cases them (digits keep their value).
    #[inline]
    fn may_start_run(&self, word: &[u8], run: u32) -> bool {
        match (run, word) {
            // Two letters, one space and a letter: the walk would feed
            // the three in a row, unless a key is just the two.
            (2, [b1, b2, b' ', b4, ..]) if is_ascii_word(*b4) => {
                let (b1, b2) = (b1 | 0x20, b2 | 0x20);
                let (w, bit) = triple_bit(b1, b2, b4 | 0x20);
                let exact = self.two_byte_keys[usize::from(b1)] & (1u64 << (b2 % 64)) != 0; // ok: a u8 indexes 256 entries
                exact || self.triples.get(w).is_some_and(|t| t & bit != 0)
            }
            (2, [b1, b2, ..]) => {
                let bits = self.pairs[usize::from(b1 | 0x20)]; // ok: a u8 indexes 256 entries
                bits & (1u64 << ((b2 | 0x20) % 64)) != 0
            }
            (3.., [b1, b2, b3, ..]) => {
                let (w, bit) = triple_bit(b1 | 0x20, b2 | 0x20, b3 | 0x20);
                self.triples.get(w).is_some_and(|t| t & bit != 0)
            }
            _ => true,
        }
    }

    /// False when the word starting at byte `at` surely starts no match:
    /// it has three letters or digits first that start no key of three
    /// bytes or more, or it is two letters or digits long and they start
    /// no key. (One-letter words may be a disguise, "c.b.d": walked.)
    #[inline]
    fn may_start(&self, text: &[u8], at: usize) -> bool {
        let b1 = text.get(at).map_or(0, |&b| ascii_word(b));
        let b2 = text.get(at + 1).map_or(0, |&b| ascii_word(b));
        if b2 == 0 {
            return true;
        }
        let b3 = text.get(at + 2).map_or(0, |&b| ascii_word(b));
        if b3 == 0 {
            return self.pairs[usize::from(b1)] & (1u64 << (b2 % 64)) != 0; // ok: a u8 indexes 256 entries
        }
        let (w, bit) = triple_bit(b1, b2, b3);
        self.triples.get(w).is_some_and(|t| t & bit != 0)
    }

    fn walk_ascii(&self, text: &[u8], start: usize, mut sid: StateID, hit: &mut impl FnMut(Hit)) {
        let mut gap = 0usize;
        let mut fed = 0usize;
        for (pos, &b) in text.iter().enumerate().skip(start) {
            let l = ascii_word(b);
            if l == 0 {
                // Count characters, not bytes: skip UTF-8 continuation bytes.
                gap += usize::from(b & 0xC0 != 0x80);
                if gap > MAX_JOIN_GAP || b == b'\n' || b == b'\r' {
                    return;
                }
                continue;
            }
            gap = 0;
            fed += 1;
            sid = self.dfa.next_state(Anchored::Yes, sid, l);
            if self.dfa.is_dead(sid) {
                return;
            }
            if self.dfa.is_match(sid) && text.get(pos + 1).is_none_or(|&n| ascii_word(n) == 0) {
                self.report(sid, fed, start, pos + 1, hit);
            }
        }
    }

    /// Reports the patterns of match state `sid` that are exactly `fed`
    /// bytes long (so they start at the anchor).
    fn report(
        &self,
        sid: StateID,
        fed: usize,
        start: usize,
        end: usize,
        hit: &mut impl FnMut(Hit),
    ) {
        for i in 0..self.dfa.match_len(sid) {
            let p = self.dfa.match_pattern(sid, i).as_usize();
            if self.lens.get(p) == Some(&fed) {
                hit(Hit {
                    pattern: p,
                    start,
                    end,
                });
            }
        }
    }

    /// The folded path, for texts that are not ASCII.
    fn find_folded(&self, sk: &Skeleton, mut hit: impl FnMut(Hit)) {
        let Ok(start_sid) = self.dfa.start_state(Anchored::Yes) else {
            return;
        };
        for (wi, w) in sk.words.iter().enumerate() {
            let start = w.sk as usize;
            let mut sid = start_sid;
            let mut cur = w;
            let mut next = wi + 1;
            for (pos, &b) in sk.bytes.iter().enumerate().skip(start) {
                if let Some(nw) = sk.words.get(next)
                    && nw.sk as usize == pos
                {
                    if nw.hard {
                        break;
                    }
                    cur = nw;
                    next += 1;
                }
                sid = self.dfa.next_state(Anchored::Yes, sid, b);
                if self.dfa.is_dead(sid) {
                    break;
                }
                if !self.dfa.is_match(sid) {
                    continue;
                }
                let end = pos + 1;
                let at_word_end = end == sk.bytes.len()
                    || sk.words.get(next).is_some_and(|nw| nw.sk as usize == end);
                if at_word_end {
                    let (s, e) = (sk.orig(start, w), sk.orig(pos, cur) + 1);
                    self.report(sid, end - start, s, e, &mut hit);
                }
            }
        }
    }
}

/// Bit `j` set when `chunk[j]` (at most 64 bytes) is an ASCII letter or a
/// digit: eight bytes at a time in a `u64` (SWAR), no branch per byte.
fn word_mask(chunk: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// High bit of each byte set when the byte (below 0x80) is in lo..=hi.
    fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
        let ge_lo = x + ONES * u64::from(0x80 - lo);
        let le_hi = ONES * u64::from(0x80 + hi) - x;
        ge_lo & le_hi & HIGH
    }
    /// Bit `k` set when byte `k` of `raw` is a letter or digit.
    #[inline]
    fn word_bits(raw: u64) -> u64 {
        // Bytes of 0x80 and above (UTF-8 of inert characters) are never
        // letters: compute on the low seven bits, then drop them.
        let x = raw & !HIGH;
        let alnum = (in_range(x | (ONES * 0x20), b'a', b'z') | in_range(x, b'0', b'9')) & !raw;
        // Gather the eight high bits into the low byte.
        ((alnum >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }
    let (words, rest) = chunk.as_chunks::<8>();
    let mut mask = 0u64;
    for (k, word) in words.iter().enumerate() {
        mask |= word_bits(u64::from_le_bytes(*word)) << (8 * k);
    }
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        if let Some(dst) = word.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        mask |= word_bits(u64::from_le_bytes(word)) << (8 * words.len());
    }
    mask
}

/// ASCII letter or digit, branch-free.
#[inline]
fn is_ascii_word(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10)
}

#[inline]
fn ascii_word(b: u8) -> u8 {
    ASCII_WORD.get(usize::from(b)).copied().unwrap_or(0)
}

/// What one cheap pass over a text tells the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextStats {
    /// Upper-case letters.
    pub upper: usize,
    /// Lower-case letters.
    pub lower: usize,
    /// Chars.
    pub chars: usize,
    /// A `%` or `$` is present (money offers are possible).
    pub money: bool,
    /// A `.` or `:` is present, or the text is not ASCII (links are
    /// possible).
    pub maybe_link: bool,
    /// The text is ASCII apart from inert characters (see
    /// [`is_inert`]): the byte-level scanners apply.
    pub ascii_compatible: bool,
    /// The text is ASCII.
    pub ascii: bool,
    /// For an ASCII text, the GSM-7 septets it needs, or `None` when it
    /// has a character outside GSM-7 (see `segments::ascii_gsm_units`);
    /// `None` for other texts.
    pub gsm_units: Option<usize>,
}

/// Counts and flags for `text`, in one pass (for ASCII, sixteen byte
/// counters side by side so it vectorises).
pub(crate) fn text_stats(text: &str) -> TextStats {
    let ascii = text.is_ascii();
    if !ascii && !text.chars().all(|c| c.is_ascii() || is_inert(c)) {
        let (upper, lower, chars) = case_counts(text);
        return TextStats {
            upper,
            lower,
            chars,
            money: text.contains(['%', '$']),
            maybe_link: true,
            ascii_compatible: false,
            ascii: false,
            gsm_units: None,
        };
    }
    // Bytes of inert characters are 0x80 and above: no letter, no flag.
    let a = ascii_counts(text.as_bytes());
    TextStats {
        upper: a.upper,
        lower: a.lower,
        chars: if ascii {
            text.len()
        } else {
            text.chars().count()
        },
        money: a.money,
        maybe_link: a.linky,
        ascii_compatible: true,
        ascii,
        gsm_units: (ascii && !a.gsm_bad).then_some(text.len() + a.gsm_ext),
    }
}

/// Byte counts of [`ascii_counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct AsciiCounts {
    upper: usize,
    lower: usize,
    money: bool,
    linky: bool,
    /// GSM-7 extension characters `[ \ ] ^ { | } ~` and form feed.
    gsm_ext: usize,
    /// A byte outside GSM-7: controls other than LF, CR and form feed,
    /// the backtick, DEL.
    gsm_bad: bool,
}

/// Letters by case, money and link punctuation, and GSM-7 extension and
/// non-GSM bytes of `bytes`, in one pass: sixteen lanes of byte counters
/// (so it vectorises), emptied every 255 blocks before they overflow.
fn ascii_counts(bytes: &[u8]) -> AsciiCounts {
    let mut out = AsciiCounts::default();
    let (blocks, rest) = bytes.as_chunks::<16>();
    for group in blocks.chunks(255) {
        let (mut u, mut l, mut m, mut k, mut e, mut x) = (
            [0u8; 16], [0u8; 16], [0u8; 16], [0u8; 16], [0u8; 16], [0u8; 16],
        );
        for block in group {
            for i in 0..16 {
                let b = block[i]; // ok: i < 16 indexes arrays of 16
                u[i] += u8::from(b.wrapping_sub(b'A') < 26);
                l[i] += u8::from(b.wrapping_sub(b'a') < 26);
                m[i] |= u8::from((b == b'%') | (b == b'$'));
                k[i] |= u8::from((b == b'.') | (b == b':'));
                e[i] += u8::from(((b & 0xDF).wrapping_sub(0x5B) < 4) | (b == 0x0C));
                x[i] |= u8::from(
                    (b == b'`')
                        | (b == 0x7F)
                        | ((b & 0xE0 == 0) & (b != b'\n') & (b != b'\r') & (b != 0x0C)),
                );
            }
        }
        let any = |lane: [u8; 16]| u128::from_le_bytes(lane) != 0;
        out.upper += lane_sum(u);
        out.lower += lane_sum(l);
        out.money |= any(m);
        out.linky |= any(k);
        out.gsm_ext += lane_sum(e);
        out.gsm_bad |= any(x);
    }
    for &b in rest {
        out.upper += usize::from(b.wrapping_sub(b'A') < 26);
        out.lower += usize::from(b.wrapping_sub(b'a') < 26);
        out.money |= (b == b'%') | (b == b'$');
        out.linky |= (b == b'.') | (b == b':');
        out.gsm_ext +=
            usize::from((b.wrapping_sub(0x5B) < 4) | (b.wrapping_sub(0x7B) < 4) | (b == 0x0C));
        out.gsm_bad |=
            (b == b'`') | (b == 0x7F) | ((b < 0x20) & (b != b'\n') & (b != b'\r') & (b != 0x0C));
    }
    out
}

/// The sum of sixteen byte counters, without a loop: pairs of bytes added
/// into eight 16-bit lanes (at most 510 each), then the lanes summed by one
/// multiplication into the top lane (at most 4,080: no carry out).
fn lane_sum(lane: [u8; 16]) -> usize {
    const LOW_BYTES: u128 = 0x00FF_00FF_00FF_00FF_00FF_00FF_00FF_00FF;
    const ONES_16: u128 = 0x0001_0001_0001_0001_0001_0001_0001_0001;
    let v = u128::from_le_bytes(lane);
    let pairs = (v & LOW_BYTES) + ((v >> 8) & LOW_BYTES);
    let total = pairs.wrapping_mul(ONES_16) >> 112;
    usize::try_from(total).unwrap_or(0) // ok: at most 4,080
}

/// Upper-case and lower-case letters of ASCII `bytes`, and their length.
pub(crate) fn ascii_case_counts(bytes: &[u8]) -> (usize, usize, usize) {
    let (mut upper, mut lower) = (0usize, 0usize);
    for &b in bytes {
        upper += usize::from(b.wrapping_sub(b'A') < 26);
        lower += usize::from(b.wrapping_sub(b'a') < 26);
    }
    (upper, lower, bytes.len())
}

/// Upper-case letters, lower-case letters and chars of `text`.
pub(crate) fn case_counts(text: &str) -> (usize, usize, usize) {
    if text.is_ascii() {
        return ascii_case_counts(text.as_bytes());
    }
    text.chars().fold((0, 0, 0), |(u, l, n), c| {
        if c.is_uppercase() {
            (u + 1, l, n + 1)
        } else if c.is_lowercase() {
            (u, l + 1, n + 1)
        } else {
            (u, l, n + 1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(keys: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let m = TermMatcher::new(&keys.iter().map(|k| k.to_string()).collect::<Vec<_>>()).unwrap();
        let mut v = Vec::new();
        m.find(text, text_stats(text).ascii_compatible, |h| {
            v.push((h.pattern, h.start, h.end))
        });
        // The folded path gives the same answer for ASCII texts.
        let mut folded = Vec::new();
        m.find_folded(&Skeleton::new(text), |h| {
            folded.push((h.pattern, h.start, h.end))
        });
        assert_eq!(v, folded, "{text:?}");
        v
    }

    #[test]
    fn word_starts_across_64_byte_chunks() {
        let text = format!("{} cbd {}cbd cbd", "x".repeat(60), "y".repeat(58));
        let starts: Vec<usize> = spans(&["cbd"], &text).iter().map(|s| s.1).collect();
        assert_eq!(starts, vec![61, 127]);
        for b in 0u8..128 {
            assert_eq!(is_ascii_word(b), b.is_ascii_alphanumeric(), "{b}");
            for at in [0usize, 5, 7, 8, 63] {
                let mut chunk = [b' '; 64];
                chunk[at] = b;
                let expected = if b.is_ascii_alphanumeric() {
                    1u64 << at
                } else {
                    0
                };
                assert_eq!(word_mask(&chunk), expected, "{b} at {at}");
            }
        }
        assert_eq!(word_mask(b"a b"), 0b101);
    }

    /// The keys of the built-in content policy, as the checker compiles
    /// them.
    fn builtin_keys() -> Vec<String> {
        let p = crate::text::ContentPolicy::default();
        let mut keys: Vec<String> = Vec::new();
        let lists = [
            &p.cannabis_terms,
            &p.promotional_phrases,
            &p.rx_terms,
            &p.rx_offer_cues,
        ];
        for t in lists.into_iter().flatten() {
            let k: String = crate::text::fold::fold_str(t)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys
    }

    /// Texts built from the policy's vocabulary: whole terms, their words
    /// and pieces of them (prefixes of one to four letters, so the
    /// prefilters see near misses), in any case, joined by the separators
    /// that disguise or break terms.
    fn vocabulary_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let mut vocab: Vec<String> = Vec::new();
        for t in crate::text::ContentPolicy::default()
            .cannabis_terms
            .iter()
            .chain(&crate::text::ContentPolicy::default().promotional_phrases)
            .chain(&crate::text::ContentPolicy::default().rx_terms)
        {
            vocab.push(t.clone());
            for w in t.split([' ', '-']) {
                vocab.push(w.to_owned());
                for n in 1..=4 {
                    if let Some(p) = w.get(..n) {
                        vocab.push(p.to_owned());
                    }
                }
            }
        }
        vocab.extend(["happy", "paws", "555", "x", "at", "or", "to", "is", "ab"].map(String::from));
        let seps = [
            " ", ".", "-", "  ", "   ", "    ", "\n", "’", "", " . ", "\u{A0}", "😀",
        ];
        proptest::collection::vec((0..vocab.len(), 0..seps.len(), any::<bool>()), 0..14).prop_map(
            move |parts| {
                let mut s = String::new();
                for (w, sep, upper) in parts {
                    let w = &vocab[w];
                    s.push_str(&if upper { w.to_uppercase() } else { w.clone() });
                    s.push_str(seps[sep]);
                }
                s
            },
        )
    }

    fn assert_fast_agrees_with_folded(m: &TermMatcher, text: &str) {
        let mut fast = Vec::new();
        m.find(text, text_stats(text).ascii_compatible, |h| fast.push(h));
        let mut folded = Vec::new();
        m.find_folded(&Skeleton::new(text), |h| folded.push(h));
        assert_eq!(fast, folded, "{text:?}");
    }

    proptest::proptest! {
        #[test]
        fn p2_prefiltered_walk_agrees_with_folded_path_on_builtin_vocabulary(text in vocabulary_text()) {
            thread_local! {
                static M: TermMatcher = TermMatcher::new(&builtin_keys()).unwrap();
            }
            M.with(|m| assert_fast_agrees_with_folded(m, &text));
        }

        #[test]
        fn p2_prefiltered_walk_agrees_with_folded_path_on_ascii(text in "[ -~\n]{0,120}") {
            thread_local! {
                static M: TermMatcher = TermMatcher::new(&builtin_keys()).unwrap();
            }
            M.with(|m| assert_fast_agrees_with_folded(m, &text));
        }

        #[test]
        fn p2_ascii_walk_agrees_with_folded_path(text in "[a-eA-E .\\-\n’😀—\u{A0}]{0,40}") {
            spans(&["cbd", "abc", "bad", "dead", "ace", "cab"], &text);
        }
    }

    #[test]
    fn p2_whole_words_and_short_joins_only() {
        assert_eq!(spans(&["cbd"], "CBD oil"), vec![(0, 0, 3)]);
        assert_eq!(spans(&["cbd"], "a C.B.D. b"), vec![(0, 2, 7)]);
        assert_eq!(spans(&["cbd"], "x c - b - d"), vec![(0, 2, 11)]);
        assert_eq!(spans(&["cbd"], "Cbdorsey scbd"), vec![]);
        assert_eq!(spans(&["cbd"], "c\nbd"), vec![]);
        assert_eq!(spans(&["cbd"], "c    bd"), vec![]);
        assert_eq!(
            spans(&["cbd", "cbdoil"], "cbd oil"),
            vec![(0, 0, 3), (1, 0, 7)]
        );
        assert_eq!(spans(&["cbd", "bd"], "c bd"), vec![(0, 0, 4), (1, 2, 4)]);
        assert_eq!(
            spans(&["marijuana"], "ｍａｒｉｊｕａｎａ!"),
            vec![(0, 0, 9)]
        );
        assert_eq!(
            spans(&["marijuana"], "é m\u{200B}arij-uana"),
            vec![(0, 2, 13)]
        );
    }

    /// The two passes `text_stats` replaced: the old statistics loop and
    /// the segment counter's GSM-7 units.
    fn reference_stats(text: &str) -> TextStats {
        let ascii = text.is_ascii();
        let compatible = text.chars().all(|c| c.is_ascii() || is_inert(c));
        let (upper, lower, chars) = if compatible {
            let b = text.as_bytes();
            (
                b.iter().filter(|b| b.is_ascii_uppercase()).count(),
                b.iter().filter(|b| b.is_ascii_lowercase()).count(),
                text.chars().count(),
            )
        } else {
            case_counts(text)
        };
        let n = crate::text::count(text);
        TextStats {
            upper,
            lower,
            chars,
            money: text.contains(['%', '$']),
            maybe_link: !compatible || text.contains(['.', ':']),
            ascii_compatible: compatible,
            ascii,
            gsm_units: (ascii && n.encoding == crate::text::Encoding::Gsm7).then_some(n.units),
        }
    }

    proptest::proptest! {
        #[test]
        fn p4_p7_one_pass_stats_agree_with_reference_on_ascii(text in "[\\x00-\\x7f]{0,700}") {
            proptest::prop_assert_eq!(text_stats(&text), reference_stats(&text));
        }

        #[test]
        fn p4_p7_one_pass_stats_agree_with_reference_on_any_text(
            text in proptest::prop_oneof!["\\PC{0,80}", "[A-Za-z .:%$`{}\\[\\]~|^\\\\\x0c\n\r’😀—\u{A0}é\u{7f}\x01]{0,300}"]
        ) {
            proptest::prop_assert_eq!(text_stats(&text), reference_stats(&text));
        }
    }

    #[test]
    fn p4_p7_one_pass_stats_of_long_texts_do_not_overflow_lanes() {
        for unit in ["A{a.", "Zz~|$", "a\u{c}b", "x"] {
            let text = unit.repeat(5000);
            assert_eq!(text_stats(&text), reference_stats(&text), "{unit:?}");
        }
    }

    #[test]
    fn p2_prefilter_keeps_two_letter_words_that_start_or_are_keys() {
        let keys = ["ab", "abcd", "xyz", "pqrs"];
        assert_eq!(spans(&keys, "ab cd"), vec![(0, 0, 2), (1, 0, 5)]);
        assert_eq!(spans(&keys, "ab zz"), vec![(0, 0, 2)]);
        assert_eq!(spans(&keys, "AB. Cd"), vec![(0, 0, 2), (1, 0, 6)]);
        assert_eq!(spans(&keys, "xy z"), vec![(2, 0, 4)]);
        assert_eq!(spans(&keys, "p q r s, pq rs"), vec![(3, 0, 7), (3, 9, 14)]);
        assert_eq!(spans(&keys, "ab cde xyzz"), vec![(0, 0, 2)]);
    }

    #[test]
    fn text_stats_flags() {
        let st = text_stats("Save 20% at clinic.example");
        assert!(st.money && st.maybe_link);
        assert_eq!((st.upper, st.lower, st.chars), (1, 18, 26));
        let st = text_stats("Hi Bella");
        assert!(!st.money && !st.maybe_link);
        assert!(text_stats("Hi Bellá").maybe_link);
        assert!(!text_stats("Hi Bellá").ascii_compatible);
        let st = text_stats("Bella’s 🐶 — OK");
        assert!(st.ascii_compatible && !st.maybe_link);
        assert_eq!((st.upper, st.lower, st.chars), (3, 5, 14));
    }

    #[test]
    fn case_counts_ascii_and_unicode() {
        assert_eq!(case_counts("ABc 1@[`{"), (2, 1, 9));
        let long = "aB".repeat(300);
        assert_eq!(case_counts(&long), (300, 300, 600));
        assert_eq!(case_counts("ABc É"), (3, 1, 5));
    }
}
