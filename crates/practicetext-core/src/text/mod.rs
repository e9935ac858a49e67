//! Text rules: what a text costs, whether carriers will block it, and
//! whether an inbound text is an opt-out. SPEC P1-P7, C1-C3, C5.
//!
//! Three pure, allocation-light functions meant to run on every keystroke of
//! a compose box and on every inbound webhook:
//!
//! - [`segments::count`] (P7): GSM-7 or UCS-2, units, segments, characters
//!   remaining, the characters that force UCS-2 and a suggested
//!   smart-encoding fix; [`segments::check_length`] refuses texts over the
//!   maximum.
//! - [`ComplianceChecker::check`] (P1-P6): URL shorteners, raw-IP links and
//!   links with credentials, cannabis terms (including disguises),
//!   promotional wording, prescription-drug offers and all capitals, each
//!   finding with a stable code, a severity, a span and an explanation.
//! - [`KeywordClassifier::classify`] (C1-C3, C5): opt-out, opt-in, help or
//!   none, with plain-language opt-outs and CANCEL flagged for staff.
//!
//! **Spans and positions** (in [`Finding`] and [`ForcedChar`]) are indices
//! of Unicode scalar values (Rust `char`s) in the *original* text, start
//! inclusive, end exclusive: `text.chars().skip(start).take(end - start)`
//! is the flagged part. They are not byte offsets and not UTF-16 units
//! (JavaScript hosts convert with `Array.from(text)`).
//!
//! ```
//! use practicetext_core::text::{self, ComplianceChecker, KeywordClassifier, Mode, Verdict};
//!
//! let n = text::count("Your pet's vaccines are due. Call 555-0123 to book.");
//! assert_eq!((n.segments, n.remaining), (1, 109));
//!
//! let checker = ComplianceChecker::default();
//! let report = checker.check("Get 20% off CBD treats: bit.ly/x", Mode::Conversation);
//! assert_eq!(report.verdict, Verdict::Block);
//!
//! let keywords = KeywordClassifier::default();
//! assert_eq!(keywords.classify("Stop.", false).action, text::KeywordAction::OptOut);
//! ```

pub mod compliance;
mod fold;
mod gsm;
pub mod keywords;
mod links;
pub mod segments;
mod terms;

pub use compliance::{
    AllCapsRule, ComplianceChecker, ComplianceReport, ContentPolicy, Finding, Mode,
    PolicyAdditions, Severity, TermRule, Verdict,
};
pub use keywords::{Classification, KeywordAction, KeywordClassifier, KeywordFlag, KeywordLists};
pub use segments::{
    Encoding, ForcedChar, LengthLimits, SegmentCount, SmartEncoding, check_length, count,
};

/// Why a text or a text policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The text is longer than the maximum (P7). Both limits are reported,
    /// whichever were exceeded.
    #[error(
        "the text is too long: it needs {segments} segments and {chars} characters, and the maximum is {max_segments} segments and {max_chars} characters; shorten it or split it into several texts"
    )]
    TooLong {
        /// Segments the text needs.
        segments: usize,
        /// User-perceived characters in the text.
        chars: usize,
        /// The segment limit.
        max_segments: usize,
        /// The character limit.
        max_chars: usize,
    },
    /// A content policy or keyword list has entries that cannot be used.
    /// Every problem found is listed.
    #[error("the {what} cannot be used: {}", problems.join("; "))]
    InvalidPolicy {
        /// Which policy: "content policy" or "keyword lists".
        what: &'static str,
        /// One sentence per bad entry.
        problems: Vec<String>,
    },
}

impl TextError {
    /// Stable machine-readable code: `"text_too_long"` or `"invalid_policy"`.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::TooLong { .. } => "text_too_long",
            TextError::InvalidPolicy { .. } => "invalid_policy",
        }
    }

    /// Every code [`TextError::code`] can return.
    pub const CODES: &'static [&'static str] = &["text_too_long", "invalid_policy"];
}

/// Converts a byte offset into `text` to a char (Unicode scalar) index.
/// Offsets past the end or inside a character count the characters that
/// start before them.
pub(crate) fn char_index(text: &str, byte: usize) -> usize {
    if text.is_ascii() {
        return byte.min(text.len());
    }
    text.char_indices().take_while(|&(b, _)| b < byte).count()
}

/// Converts many byte offsets to char indices in one walk: it moves from
/// the last answer, so offsets given in (nearly) increasing order cost the
/// distance between them, not the length of the text each time.
pub(crate) struct CharCursor<'a> {
    text: &'a str,
    byte: usize,
    ch: usize,
}

impl<'a> CharCursor<'a> {
    /// A cursor at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        CharCursor {
            text,
            byte: 0,
            ch: 0,
        }
    }

    /// The char index of byte offset `byte` (a char boundary).
    pub(crate) fn at(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        let moved = if byte >= self.byte {
            self.text
                .get(self.byte..byte)
                .map(|p| self.ch + p.chars().count())
        } else {
            self.text
                .get(byte..self.byte)
                .map(|p| self.ch.saturating_sub(p.chars().count()))
        };
        let ch = moved.unwrap_or_else(|| char_index(self.text, byte));
        self.byte = byte;
        self.ch = ch;
        ch
    }
}
