//! Encoding and segments: SPEC P7 ("the caller can always ask how many
//! characters remain, which encoding the text needs and how many segments
//! it costs; a text over the maximum length is refused").
//!
//! Counts the way Twilio's open-source message-segment-calculator does
//! (compliance.md 4.5):
//!
//! - **GSM-7** when every character is in the GSM 03.38 alphabet: basic
//!   characters cost 1 septet, extension characters (`^ { } \ [ ~ ] |
//!   €` and form feed) 2. One segment holds 160 septets; in a concatenated
//!   text each segment holds 153 (a 6-octet header takes the rest).
//! - **UCS-2** otherwise, counted in UTF-16 code units: a character outside
//!   the Basic Multilingual Plane (most emoji) is a surrogate pair and
//!   costs 2. One segment holds 70 units, concatenated segments 67.
//! - Segments fill character by character and never split an escape pair,
//!   a surrogate pair or a user-perceived character (extended grapheme
//!   cluster; CR LF counts as two characters, as in the calculator), so a
//!   UCS-2 segment may carry 66 units when a pair does not fit. A single
//!   cluster too large for a segment on its own (hundreds of combining
//!   marks) is split between code points, never inside a surrogate pair.
//! - The empty text is one GSM-7 segment with 160 characters remaining.
//!
//! The smart-encoding substitution (curly quotes, dashes, ellipses and the
//! like to GSM-7, compliance.md 4.4) is *suggested* with its own count in
//! [`SegmentCount::smart_encoding`]; it is never applied silently.
//!
//! ```
//! use practicetext_core::text::{count, Encoding};
//! let n = count("Reminder: Max’s dental is Tue 9:30.");
//! assert_eq!(n.encoding, Encoding::Ucs2);
//! assert_eq!(n.ucs2_chars[0].text, "’");
//! assert_eq!((n.ucs2_chars[0].start, n.ucs2_chars[0].end), (13, 14));
//! let fix = n.smart_encoding.ok_or("no smart-encoding fix offered")?;
//! assert_eq!(fix.encoding, Encoding::Gsm7);
//! assert_eq!(fix.text, "Reminder: Max's dental is Tue 9:30.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::TextError;
use super::gsm::{septets, smart_replacement};

/// The encoding a text needs (P7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// The GSM 03.38 7-bit alphabet: 160 septets in one segment, 153 per
    /// segment when concatenated.
    #[serde(rename = "GSM-7")]
    Gsm7,
    /// UCS-2 (UTF-16 code units): 70 in one segment, 67 per segment when
    /// concatenated.
    #[serde(rename = "UCS-2")]
    Ucs2,
}

impl Encoding {
    /// Units that fit in a text of one segment: 160 or 70.
    pub fn single_segment(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }
    /// Units per segment of a concatenated text: 153 or 67.
    pub fn per_segment(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }
    /// The stable name: `"GSM-7"` or `"UCS-2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "GSM-7",
            Encoding::Ucs2 => "UCS-2",
        }
    }
}

/// A user-perceived character that is not in GSM-7 and so forces the whole
/// text into UCS-2 (P7). `Debug` redacts the character (a text in another
/// script is made of nothing else).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForcedChar {
    /// The character (one grapheme cluster, possibly several code points).
    pub text: String,
    /// Index of its first Unicode scalar in the text (inclusive).
    pub start: usize,
    /// Index after its last Unicode scalar (exclusive).
    pub end: usize,
    /// The GSM-7 text the smart-encoding fix would put in its place (empty
    /// when the fix removes it, e.g. a zero-width space); `None` when the
    /// fix has no GSM-7 equivalent (emoji, most accented letters).
    pub replacement: Option<String>,
}

/// The smart-encoding fix suggested for a UCS-2 text (P7, compliance.md
/// 4.4): the text with curly quotes, dashes, ellipses, full-width letters
/// and similar replaced by GSM-7 equivalents and decomposed accents
/// composed, and what it would cost. `Debug` redacts the text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartEncoding {
    /// The suggested text.
    pub text: String,
    /// Its encoding (GSM-7 unless something without an equivalent, like an
    /// emoji, remains).
    pub encoding: Encoding,
    /// Its units.
    pub units: usize,
    /// Its segments.
    pub segments: usize,
    /// Units remaining in its last segment.
    pub remaining: usize,
    /// How many characters of the original the fix replaces or removes.
    pub replaced: usize,
}

impl fmt::Debug for ForcedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForcedChar")
            .field("text", &"<redacted>")
            .field("start", &self.start)
            .field("end", &self.end)
            .field("has_replacement", &self.replacement.is_some())
            .finish()
    }
}

impl fmt::Debug for SmartEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmartEncoding")
            .field(
                "text",
                &format_args!("<{} chars redacted>", self.text.chars().count()),
            )
            .field("encoding", &self.encoding)
            .field("units", &self.units)
            .field("segments", &self.segments)
            .field("remaining", &self.remaining)
            .field("replaced", &self.replaced)
            .finish()
    }
}

/// What a text costs (P7). See the [module documentation](self) for how it
/// is counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCount {
    /// GSM-7 or UCS-2.
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) the text needs.
    pub units: usize,
    /// Segments the text is billed as (at least 1).
    pub segments: usize,
    /// Units that still fit in the current (last) segment before the text
    /// costs one more: what a compose box shows as "characters remaining".
    pub remaining: usize,
    /// Units one segment holds at the current length: 160 or 70 while the
    /// text fits in one segment, 153 or 67 once it is concatenated.
    pub per_segment: usize,
    /// User-perceived characters (grapheme clusters, CR LF as two).
    pub characters: usize,
    /// The characters that force UCS-2, in order, with their positions
    /// (empty for GSM-7).
    pub ucs2_chars: Vec<ForcedChar>,
    /// The suggested smart-encoding fix, when the text is UCS-2 and the fix
    /// changes it. Never applied by this library.
    pub smart_encoding: Option<SmartEncoding>,
}

/// The maximum length of a text (P7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LengthLimits {
    /// Most segments a text may cost (default 10; Telnyx refuses more).
    pub max_segments: usize,
    /// Most user-perceived characters a text may have (default 1,600;
    /// Twilio refuses longer bodies with error 21617).
    pub max_chars: usize,
}

impl Default for LengthLimits {
    fn default() -> Self {
        LengthLimits {
            max_segments: 10,
            max_chars: 1600,
        }
    }
}

impl LengthLimits {
    /// The refusal for `n`, or `None` when it is within both limits (P7).
    pub fn refusal(&self, n: &SegmentCount) -> Option<TextError> {
        (n.segments > self.max_segments || n.characters > self.max_chars).then_some(
            TextError::TooLong {
                segments: n.segments,
                chars: n.characters,
                max_segments: self.max_segments,
                max_chars: self.max_chars,
            },
        )
    }
}

/// Counts encoding, units, segments and characters remaining (P7), with the
/// characters that force UCS-2 and a suggested smart-encoding fix.
pub fn count(text: &str) -> SegmentCount {
    count_inner(text, true)
}

/// [`count`], refusing a text over `limits` with
/// [`TextError::TooLong`] (code `"text_too_long"`, P7).
///
/// ```
/// use practicetext_core::text::{check_length, LengthLimits};
/// let limits = LengthLimits { max_segments: 1, max_chars: 1600 };
/// assert!(check_length(&"a".repeat(160), &limits).is_ok());
/// let e = check_length(&"a".repeat(161), &limits).unwrap_err();
/// assert_eq!(e.code(), "text_too_long");
/// ```
pub fn check_length(text: &str, limits: &LengthLimits) -> Result<SegmentCount, TextError> {
    let n = count(text);
    match limits.refusal(&n) {
        Some(e) => Err(e),
        None => Ok(n),
    }
}

/// [`count`] of an ASCII `text` whose GSM-7 septets are known
/// (`None`: a character outside GSM-7), as the compliance check's one pass
/// over the text finds them.
pub(crate) fn count_ascii(text: &str, gsm_units: Option<usize>) -> SegmentCount {
    match gsm_units {
        Some(units) => count_gsm_chars(text, units, text.len()),
        None => count_ucs2(text, true),
    }
}

/// Counts without the smart-encoding suggestion when `suggest` is false.
pub(crate) fn count_inner(text: &str, suggest: bool) -> SegmentCount {
    match gsm_units(text) {
        Some(units) => count_gsm(text, units),
        None => count_ucs2(text, suggest),
    }
}

/// Septets `text` needs, or `None` when a character is not in GSM-7. Every
/// GSM-7 character is a grapheme cluster of its own (none of them combine),
/// so this per-character test is the calculator's per-grapheme test.
fn gsm_units(text: &str) -> Option<usize> {
    if text.is_ascii() {
        ascii_gsm_units(text.as_bytes())
    } else {
        gsm_units_unicode(text)
    }
}

/// [`gsm_units`] for ASCII, written without branches so it vectorises:
/// every byte is one septet, the extension characters `[ \ ] ^ { | } ~`
/// and form feed one more; controls other than LF, CR and form feed, the
/// backtick and DEL are not GSM-7.
fn ascii_gsm_units(bytes: &[u8]) -> Option<usize> {
    let mut ext = 0usize;
    let mut bad = false;
    for chunk in bytes.chunks(255) {
        let mut e = 0u8;
        let mut x = false;
        for &b in chunk {
            e += u8::from(b.wrapping_sub(0x5B) < 4 || b.wrapping_sub(0x7B) < 4 || b == 0x0C);
            x |= b == b'`' || b == 0x7F || (b < 0x20 && b != b'\n' && b != b'\r' && b != 0x0C);
        }
        ext += usize::from(e);
        bad |= x;
    }
    (!bad).then_some(bytes.len() + ext)
}

fn gsm_units_unicode(text: &str) -> Option<usize> {
    text.chars().try_fold(0usize, |acc, c| match septets(c) {
        0 => None,
        s => Some(acc + usize::from(s)),
    })
}

/// Fills segments one character at a time.
struct Packer {
    cap: usize,
    concatenated: bool,
    segments: usize,
    used: usize,
}

impl Packer {
    fn new(total: usize, encoding: Encoding) -> Self {
        let single = encoding.single_segment();
        let concatenated = total > single;
        Packer {
            cap: if concatenated {
                encoding.per_segment()
            } else {
                single
            },
            concatenated,
            segments: 1,
            used: if concatenated { 0 } else { total },
        }
    }

    /// Adds one unsplittable character of `units`.
    #[inline]
    fn push(&mut self, units: usize) {
        if !self.concatenated {
            return;
        }
        if self.used + units > self.cap && self.used > 0 {
            self.segments += 1;
            self.used = 0;
        }
        self.used += units;
    }

    /// Adds `n` characters of one unit each.
    fn push_ones(&mut self, mut n: usize) {
        if !self.concatenated {
            return;
        }
        while n > 0 {
            if self.used >= self.cap {
                self.segments += 1;
                self.used = 0;
            }
            let take = n.min(self.cap - self.used); // ok: used < cap here
            self.used += take;
            n -= take;
        }
    }

    fn remaining(&self) -> usize {
        self.cap.saturating_sub(self.used)
    }
}

fn count_gsm(text: &str, units: usize) -> SegmentCount {
    let characters = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    count_gsm_chars(text, units, characters)
}

/// [`count_gsm`] when the characters of `text` are known.
fn count_gsm_chars(text: &str, units: usize, characters: usize) -> SegmentCount {
    let mut packer = Packer::new(units, Encoding::Gsm7);
    if packer.concatenated {
        for c in text.chars() {
            packer.push(usize::from(septets(c)));
        }
    }
    SegmentCount {
        encoding: Encoding::Gsm7,
        units,
        segments: packer.segments,
        remaining: packer.remaining(),
        per_segment: packer.cap,
        characters,
        ucs2_chars: Vec::new(),
        smart_encoding: None,
    }
}

fn count_ucs2(text: &str, suggest: bool) -> SegmentCount {
    let units: usize = text.chars().map(char::len_utf16).sum();
    let mut packer = Packer::new(units, Encoding::Ucs2);
    let mut characters = 0usize;
    let mut forced = Vec::new();
    let forced_char = |g: String, start: usize, end: usize| ForcedChar {
        replacement: suggest.then(|| gsm_replacement(&g)).flatten(),
        text: g,
        start,
        end,
    };
    for_each_character(text, |cluster, start, len| {
        if let Cluster::Run(run) = cluster {
            characters += len;
            packer.push_ones(len);
            for (i, c) in run.chars().enumerate() {
                if septets(c) == 0 {
                    forced.push(forced_char(c.to_string(), start + i, start + i + 1));
                }
            }
            return;
        }
        characters += 1;
        let (g_units, gsm) = match cluster {
            Cluster::One(c) => (c.len_utf16(), septets(c) > 0),
            Cluster::Many(g) | Cluster::Run(g) => {
                (g.chars().map(char::len_utf16).sum(), is_gsm_character(g))
            }
        };
        if g_units <= packer.cap {
            packer.push(g_units);
        } else if let Cluster::Many(g) = cluster {
            g.chars().for_each(|c| packer.push(c.len_utf16()));
        }
        if !gsm {
            forced.push(forced_char(cluster.to_string(), start, start + len));
        }
    });
    let smart_encoding = if suggest {
        suggest_smart_encoding(text, &forced)
    } else {
        None
    };
    SegmentCount {
        encoding: Encoding::Ucs2,
        units,
        segments: packer.segments,
        remaining: packer.remaining(),
        per_segment: packer.cap,
        characters,
        ucs2_chars: forced,
        smart_encoding,
    }
}

fn is_gsm_character(g: &str) -> bool {
    let mut chars = g.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if septets(c) > 0)
}

/// The smart-encoding text of `g` when it is all GSM-7 and differs from `g`.
fn gsm_replacement(g: &str) -> Option<String> {
    let r = smart_text(g);
    (r != g && r.chars().all(|c| septets(c) > 0)).then_some(r)
}

/// `text` composed to NFC, with every character that has a smart-encoding
/// replacement replaced.
fn smart_text(text: &str) -> String {
    let composed: Cow<'_, str> = if unicode_normalization::is_nfc_quick(text.chars())
        == unicode_normalization::IsNormalized::Yes
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    let mut out = String::with_capacity(composed.len());
    let mut kept = 0usize;
    for (i, c) in composed.char_indices() {
        if let Some(r) = smart_replacement(c) {
            out.push_str(composed.get(kept..i).unwrap_or(""));
            out.push_str(r);
            kept = i + c.len_utf8();
        }
    }
    out.push_str(composed.get(kept..).unwrap_or(""));
    out
}

fn suggest_smart_encoding(text: &str, forced: &[ForcedChar]) -> Option<SmartEncoding> {
    let replaced = forced.iter().filter(|f| f.replacement.is_some()).count();
    if replaced == 0 {
        return None;
    }
    let fixed = smart_text(text);
    if fixed == text {
        return None;
    }
    let n = count_inner(&fixed, false);
    Some(SmartEncoding {
        text: fixed,
        encoding: n.encoding,
        units: n.units,
        segments: n.segments,
        remaining: n.remaining,
        replaced,
    })
}

/// True for characters whose grapheme-cluster break property is Other or
/// Control and that take part in no multi-character rule: the break
/// between two of them is always a boundary, whatever surrounds them.
/// Covers ASCII, Latin, Greek, Cyrillic letters and common punctuation;
/// anything else goes through the full segmentation.
#[inline]
fn is_simple(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{02FF}'
        | '\u{0370}'..='\u{0482}'
        | '\u{2010}'..='\u{2027}'
        | '\u{2030}'..='\u{205E}'
        | '\u{20A0}'..='\u{20C0}')
}

/// User-perceived characters handed to [`for_each_character`]'s callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cluster<'a> {
    /// A single Unicode scalar.
    One(char),
    /// A grapheme cluster of several scalars.
    Many(&'a str),
    /// A run of simple characters (see [`is_simple`]), each a character
    /// of its own and one UTF-16 unit long.
    Run(&'a str),
}

impl fmt::Display for Cluster<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cluster::One(c) => fmt::Display::fmt(c, f),
            Cluster::Many(s) | Cluster::Run(s) => f.write_str(s),
        }
    }
}

/// Calls `f(cluster, start, len)` for the user-perceived characters of
/// `text` (extended grapheme clusters, CR LF as two), with the start and
/// length in Unicode scalars; runs of simple characters come as one
/// [`Cluster::Run`] and skip the full segmentation algorithm.
pub(crate) fn for_each_character(text: &str, mut f: impl FnMut(Cluster<'_>, usize, usize)) {
    let mut chunk_byte = 0usize;
    let mut chunk_char = 0usize;
    let mut run: Option<(usize, usize)> = None;
    let mut prev_simple = true;
    let mut prev = '\0';
    let mut total = 0usize;
    let flush_run = |run: &mut Option<(usize, usize)>,
                     end_byte: usize,
                     end_char: usize,
                     f: &mut dyn FnMut(Cluster<'_>, usize, usize)| {
        if let Some((rb, rc)) = run.take() {
            f(
                Cluster::Run(text.get(rb..end_byte).unwrap_or("")),
                rc,
                end_char - rc,
            );
        }
    };
    let bytes = text.as_bytes();
    let (mut bi, mut ci) = (0usize, 0usize);
    while let Some(&b) = bytes.get(bi) {
        let c = if b < 0x80 {
            char::from(b)
        } else {
            text.get(bi..)
                .and_then(|r| r.chars().next())
                .unwrap_or('\u{FFFD}')
        };
        let simple = is_simple(c);
        if simple && prev_simple && bi > chunk_byte {
            // ok: chunk_char <= ci and rc <= chunk_char always (indices only grow)
            if ci - chunk_char == 1 {
                run.get_or_insert((chunk_byte, chunk_char));
            } else {
                flush_run(&mut run, chunk_byte, chunk_char, &mut f);
                emit_chunk(text.get(chunk_byte..bi).unwrap_or(""), chunk_char, &mut f);
            }
            chunk_byte = bi;
            chunk_char = ci;
        }
        prev_simple = simple;
        prev = c;
        bi += c.len_utf8();
        ci += 1;
        // Fast path: after an ASCII character, every following ASCII
        // character closes a one-character chunk, which joins the run.
        if b < 0x80 {
            let ascii = bytes
                .get(bi..)
                .map_or(0, |r| r.iter().take_while(|x| x.is_ascii()).count());
            if ascii > 0 {
                // The next character is ASCII: the chunk holding `c` closes.
                if ci - chunk_char == 1 {
                    run.get_or_insert((chunk_byte, chunk_char));
                } else {
                    flush_run(&mut run, chunk_byte, chunk_char, &mut f);
                    emit_chunk(text.get(chunk_byte..bi).unwrap_or(""), chunk_char, &mut f);
                }
                if ascii > 1 {
                    run.get_or_insert((bi, ci));
                }
                let last = bi + ascii - 1;
                chunk_byte = last;
                chunk_char = ci + ascii - 1;
                prev = bytes.get(last).map_or('\0', |&x| char::from(x));
                bi += ascii;
                ci += ascii;
            }
        }
        total = ci;
    }
    if text.len() > chunk_byte {
        if total - chunk_char == 1 && is_simple(prev) {
            run.get_or_insert((chunk_byte, chunk_char));
            flush_run(&mut run, text.len(), total, &mut f);
        } else {
            flush_run(&mut run, chunk_byte, chunk_char, &mut f);
            if total - chunk_char == 1 {
                f(Cluster::One(prev), chunk_char, 1);
            } else {
                emit_chunk(text.get(chunk_byte..).unwrap_or(""), chunk_char, &mut f);
            }
        }
    } else {
        flush_run(&mut run, text.len(), total, &mut f);
    }
}

fn emit_chunk(chunk: &str, mut start: usize, f: &mut dyn FnMut(Cluster<'_>, usize, usize)) {
    for g in chunk.graphemes(true) {
        let mut chars = g.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(c), None, _) => {
                f(Cluster::One(c), start, 1);
                start += 1;
            }
            (Some('\r'), Some('\n'), None) => {
                f(Cluster::One('\r'), start, 1);
                f(Cluster::One('\n'), start + 1, 1);
                start += 2;
            }
            _ => {
                let len = g.chars().count();
                f(Cluster::Many(g), start, len);
                start += len;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clusters(text: &str) -> Vec<(String, usize, usize)> {
        let mut v = Vec::new();
        for_each_character(text, |g, s, l| match g {
            Cluster::Run(run) => {
                for (i, c) in run.chars().enumerate() {
                    v.push((c.to_string(), s + i, 1));
                }
                assert_eq!(run.chars().count(), l);
            }
            g => v.push((g.to_string(), s, l)),
        });
        v
    }

    fn full_clusters(text: &str) -> Vec<(String, usize, usize)> {
        let mut v = Vec::new();
        let mut s = 0;
        for g in text.graphemes(true) {
            if g == "\r\n" {
                v.push(("\r".into(), s, 1));
                v.push(("\n".into(), s + 1, 1));
                s += 2;
                continue;
            }
            let l = g.chars().count();
            v.push((g.to_owned(), s, l));
            s += l;
        }
        v
    }

    proptest::proptest! {
        #[test]
        fn p7_fast_clusters_agree_with_full_segmentation_on_any_text(
            text in "(\\PC|[\u{300}-\u{36F}\u{200D}\u{FE0F}\u{1F1E6}-\u{1F1FF}\u{1F3FB}-\u{1F3FF}\r\n\u{1100}-\u{11FF}\u{AC00}-\u{AC10}]){0,40}"
        ) {
            proptest::prop_assert_eq!(clusters(&text), full_clusters(&text));
        }
    }

    #[test]
    fn p7_fast_clusters_agree_with_full_segmentation() {
        for text in [
            "",
            "abc",
            "e\u{301}x",
            "a\r\nb",
            "👨‍👩‍👧 hi 🇨🇦🇺🇸!",
            "©\u{FE0F}x",
            "Ελλάδα και Россия",
            "नमस्ते",
            "한국어 텍스트",
            "a\u{200D}b",
            "x\u{0308}\u{0301}y’z",
        ] {
            let expected: Vec<(String, usize, usize)> = {
                let mut v = Vec::new();
                let mut s = 0;
                for g in text.graphemes(true) {
                    if g == "\r\n" {
                        v.push(("\r".into(), s, 1));
                        v.push(("\n".into(), s + 1, 1));
                        s += 2;
                        continue;
                    }
                    let l = g.chars().count();
                    v.push((g.to_owned(), s, l));
                    s += l;
                }
                v
            };
            assert_eq!(clusters(text), expected, "{text:?}");
        }
    }

    #[test]
    fn p7_ascii_fast_path_agrees_with_the_table() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            let expected = match septets(c) {
                0 => None,
                s => Some(usize::from(s) * 3),
            };
            let text = c.to_string().repeat(3);
            assert_eq!(ascii_gsm_units(text.as_bytes()), expected, "{c:?}");
        }
        assert_eq!(ascii_gsm_units(&[b'{'; 600]), Some(1200));
    }

    #[test]
    fn p7_empty_text_is_one_gsm_segment() {
        let n = count("");
        assert_eq!(n.encoding, Encoding::Gsm7);
        assert_eq!(
            (n.units, n.segments, n.remaining, n.characters),
            (0, 1, 160, 0)
        );
        assert!(n.smart_encoding.is_none());
    }

    #[test]
    fn p7_gsm_boundaries() {
        let n = count(&"a".repeat(160));
        assert_eq!((n.segments, n.remaining, n.per_segment), (1, 0, 160));
        let n = count(&"a".repeat(161));
        assert_eq!((n.segments, n.remaining, n.per_segment), (2, 145, 153));
        let n = count(&"a".repeat(306));
        assert_eq!((n.segments, n.remaining), (2, 0));
        let n = count(&"a".repeat(307));
        assert_eq!((n.segments, n.remaining), (3, 152));
    }

    #[test]
    fn p7_escape_pair_is_never_split() {
        // 152 septets then "€" (2) does not fit in 153: it moves.
        let text = format!("{}{}", "a".repeat(152), "€".repeat(5));
        let n = count(&text);
        assert_eq!(n.units, 162);
        assert_eq!(n.segments, 2);
        assert_eq!(n.remaining, 153 - 10);
    }

    #[test]
    fn p7_surrogate_pair_is_never_split() {
        // 66 units of "é"-free UCS-2 text then an emoji (2 units): 67 is not
        // enough, the emoji starts segment 2.
        let text = format!("ç{}😀{}", "a".repeat(65), "b".repeat(10));
        let n = count(&text);
        assert_eq!(n.encoding, Encoding::Ucs2);
        assert_eq!(n.units, 78);
        assert_eq!(n.segments, 2);
        assert_eq!(n.remaining, 67 - 12);
    }

    #[test]
    fn p7_reports_forced_characters_with_char_positions() {
        let n = count("Hi 😀 José’s");
        let got: Vec<_> = n
            .ucs2_chars
            .iter()
            .map(|f| (f.text.as_str(), f.start, f.end))
            .collect();
        assert_eq!(got, vec![("😀", 3, 4), ("’", 9, 10)]);
        assert_eq!(n.ucs2_chars[1].replacement.as_deref(), Some("'"));
        assert_eq!(n.ucs2_chars[0].replacement, None);
        let fix = n.smart_encoding.unwrap();
        assert_eq!(fix.text, "Hi 😀 José's");
        assert_eq!(fix.encoding, Encoding::Ucs2);
        assert_eq!(fix.replaced, 1);
    }

    #[test]
    fn p7_smart_encoding_composes_decomposed_accents() {
        let n = count("Cafe\u{301} at 10");
        assert_eq!(n.encoding, Encoding::Ucs2);
        assert_eq!(n.ucs2_chars[0].text, "e\u{301}");
        assert_eq!(n.ucs2_chars[0].replacement.as_deref(), Some("é"));
        let fix = n.smart_encoding.unwrap();
        assert_eq!(
            (fix.text.as_str(), fix.encoding),
            ("Café at 10", Encoding::Gsm7)
        );
    }

    #[test]
    fn p7_smart_encoding_debug_redacts_text() {
        let n = count("Bella’s rabies shot");
        let shown = format!("{n:?}");
        assert!(!shown.contains("rabies"), "{shown}");
        let n = count("Беллa, прививка");
        let shown = format!("{n:?}");
        assert!(!shown.contains("прив") && !shown.contains('Б'), "{shown}");
    }

    #[test]
    fn p7_length_limits_report_both_reasons() {
        let limits = LengthLimits {
            max_segments: 2,
            max_chars: 100,
        };
        let e = check_length(&"a".repeat(400), &limits).unwrap_err();
        assert_eq!(e.code(), "text_too_long");
        assert_eq!(
            e,
            TextError::TooLong {
                segments: 3,
                chars: 400,
                max_segments: 2,
                max_chars: 100
            }
        );
        let msg = e.to_string();
        assert!(
            msg.contains("3 segments") && msg.contains("400 characters"),
            "{msg}"
        );
        assert!(check_length(&"a".repeat(100), &limits).is_ok());
        assert!(check_length(&"a".repeat(101), &limits).is_err());
    }

    #[test]
    fn p7_default_limit_is_ten_segments() {
        let ok = "a".repeat(1530);
        assert_eq!(
            check_length(&ok, &LengthLimits::default())
                .unwrap()
                .segments,
            10
        );
        let long = "a".repeat(1531);
        assert!(check_length(&long, &LengthLimits::default()).is_err());
    }

    #[test]
    fn p7_giant_cluster_is_split_between_code_points() {
        let text = format!("a{}", "\u{301}".repeat(201));
        let n = count(&text);
        assert_eq!(n.characters, 1);
        assert_eq!(n.units, 202);
        assert_eq!((n.segments, n.remaining), (4, 66));
    }
}
