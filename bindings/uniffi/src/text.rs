//! The typed fast calls: phone numbers (N1, N2), segments (P7), content
//! compliance (P1-P6) and keywords (C1-C3, C5), single and batch.

use std::sync::Arc;

use practicetext_facade::core::text::{
    Classification as CoreClassification, ComplianceReport as CoreReport, KeywordAction,
    KeywordFlag, Mode as CoreMode, SegmentCount, Severity, Verdict,
};
use practicetext_facade::{self as facade};

use crate::Result;

/// A textable US or Canadian number (SPEC N1, N2).
#[derive(uniffi::Record)]
pub struct Phone {
    /// E.164, e.g. "+16502530000".
    pub e164: String,
    /// "US", "CA" or "TOLL_FREE".
    pub region: String,
}

impl From<facade::Phone> for Phone {
    fn from(p: facade::Phone) -> Self {
        Phone {
            e164: p.e164(),
            region: p.region().to_owned(),
        }
    }
}

/// Parses any common written form of a US or Canadian number (SPEC N1, N2).
#[uniffi::export]
pub fn parse_phone(number: String) -> Result<Phone> {
    Ok(facade::parse_phone(&number)?.into())
}

/// One result of `parse_phones`: the number, or the refusal's code and message.
#[derive(uniffi::Record)]
pub struct PhoneResult {
    pub phone: Option<Phone>,
    pub code: Option<String>,
    pub detail: Option<String>,
}

/// `parse_phone` over many numbers, in order; refusals are results.
#[uniffi::export]
pub fn parse_phones(numbers: Vec<String>) -> Vec<PhoneResult> {
    facade::parse_phones(&numbers)
        .into_iter()
        .map(|r| match r {
            Ok(p) => PhoneResult {
                phone: Some(p.into()),
                code: None,
                detail: None,
            },
            Err(e) => PhoneResult {
                phone: None,
                code: Some(e.code().to_owned()),
                detail: Some(e.message().to_owned()),
            },
        })
        .collect()
}

/// Counts saturate at `u32::MAX`.
fn n(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// A character that forces UCS-2; start/end are code-point indices.
#[derive(uniffi::Record)]
pub struct ForcedChar {
    pub text: String,
    pub start: u32,
    pub end: u32,
    pub replacement: Option<String>,
}

/// The smart-encoding fix suggested for a UCS-2 text (never applied).
#[derive(uniffi::Record)]
pub struct SmartEncoding {
    pub text: String,
    pub encoding: String,
    pub units: u32,
    pub segments: u32,
    pub remaining: u32,
    pub replaced: u32,
}

/// What a text costs (SPEC P7).
#[derive(uniffi::Record)]
pub struct Segments {
    /// "GSM-7" or "UCS-2".
    pub encoding: String,
    pub units: u32,
    pub segments: u32,
    pub remaining: u32,
    pub per_segment: u32,
    pub characters: u32,
    pub ucs2_chars: Vec<ForcedChar>,
    pub smart_encoding: Option<SmartEncoding>,
}

impl From<SegmentCount> for Segments {
    fn from(s: SegmentCount) -> Self {
        Segments {
            encoding: s.encoding.as_str().to_owned(),
            units: n(s.units),
            segments: n(s.segments),
            remaining: n(s.remaining),
            per_segment: n(s.per_segment),
            characters: n(s.characters),
            ucs2_chars: s
                .ucs2_chars
                .into_iter()
                .map(|c| ForcedChar {
                    text: c.text,
                    start: n(c.start),
                    end: n(c.end),
                    replacement: c.replacement,
                })
                .collect(),
            smart_encoding: s.smart_encoding.map(|f| SmartEncoding {
                text: f.text,
                encoding: f.encoding.as_str().to_owned(),
                units: n(f.units),
                segments: n(f.segments),
                remaining: n(f.remaining),
                replaced: n(f.replaced),
            }),
        }
    }
}

/// Encoding, segments and characters remaining of a text (SPEC P7).
#[uniffi::export]
pub fn count_segments(text: String) -> Segments {
    facade::count_segments(&text).into()
}

/// `count_segments` over many texts.
#[uniffi::export]
pub fn count_segments_batch(texts: Vec<String>) -> Vec<Segments> {
    facade::count_segments_batch(&texts)
        .into_iter()
        .map(Segments::from)
        .collect()
}

/// What kind of send a text is checked for (SPEC P5).
#[derive(uniffi::Enum, Clone, Copy)]
pub enum Mode {
    /// A text in a conversation.
    Conversation,
    /// A mass text alert: promotional wording blocks.
    Broadcast,
}

impl From<Mode> for CoreMode {
    fn from(m: Mode) -> Self {
        match m {
            Mode::Conversation => CoreMode::Conversation,
            Mode::Broadcast => CoreMode::Broadcast,
        }
    }
}

/// One problem found in a text (SPEC P6).
#[derive(uniffi::Record)]
pub struct Finding {
    pub code: String,
    /// "warn" or "block".
    pub severity: String,
    pub start: u32,
    pub end: u32,
    pub detail: String,
}

/// The result of a content check (SPEC P1-P7).
#[derive(uniffi::Record)]
pub struct ComplianceReport {
    /// "ok", "warn" or "block".
    pub verdict: String,
    pub findings: Vec<Finding>,
    pub segments: Segments,
}

impl From<CoreReport> for ComplianceReport {
    fn from(r: CoreReport) -> Self {
        let verdict = match r.verdict {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        };
        ComplianceReport {
            verdict: verdict.to_owned(),
            findings: r
                .findings
                .into_iter()
                .map(|f| Finding {
                    code: f.code,
                    severity: match f.severity {
                        Severity::Warn => "warn",
                        Severity::Block => "block",
                    }
                    .to_owned(),
                    start: n(f.start),
                    end: n(f.end),
                    detail: f.message,
                })
                .collect(),
            segments: r.segments.into(),
        }
    }
}

/// Checks one text with the built-in content policy (SPEC P1-P7).
#[uniffi::export(default(mode = None))]
pub fn check_text(text: String, mode: Option<Mode>) -> ComplianceReport {
    let m = mode.map_or(CoreMode::Conversation, CoreMode::from);
    facade::check_text(&text, m).into()
}

/// `check_text` over many texts.
#[uniffi::export(default(mode = None))]
pub fn check_texts(texts: Vec<String>, mode: Option<Mode>) -> Vec<ComplianceReport> {
    let m = mode.map_or(CoreMode::Conversation, CoreMode::from);
    facade::check_texts(&texts, m)
        .into_iter()
        .map(ComplianceReport::from)
        .collect()
}

/// A content checker for an organization's policy (ContentPolicy JSON;
/// fields left out keep the built-in lists), compiled once.
#[derive(uniffi::Object)]
pub struct Checker {
    inner: facade::Checker,
}

#[uniffi::export]
impl Checker {
    /// Compiles the policy; refuses an unusable one (`invalid_policy`).
    #[uniffi::constructor]
    pub fn new(policy: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Checker {
            inner: facade::Checker::new(policy.as_str())?,
        }))
    }

    /// Checks one text.
    #[uniffi::method(default(mode = None))]
    pub fn check(&self, text: String, mode: Option<Mode>) -> ComplianceReport {
        let m = mode.map_or(CoreMode::Conversation, CoreMode::from);
        self.inner.check(&text, m).into()
    }

    /// Checks many texts.
    #[uniffi::method(default(mode = None))]
    pub fn check_batch(&self, texts: Vec<String>, mode: Option<Mode>) -> Vec<ComplianceReport> {
        let m = mode.map_or(CoreMode::Conversation, CoreMode::from);
        self.inner
            .check_batch(&texts, m)
            .into_iter()
            .map(ComplianceReport::from)
            .collect()
    }
}

/// How an inbound text reads (SPEC C1-C3, C5).
#[derive(uniffi::Record)]
pub struct Classification {
    /// "opt_out", "opt_in", "help" or "none".
    pub action: String,
    pub review: bool,
    /// "natural_language_opt_out", "possible_cancellation".
    pub flags: Vec<String>,
    pub keyword: Option<String>,
}

impl From<CoreClassification> for Classification {
    fn from(c: CoreClassification) -> Self {
        let action = match c.action {
            KeywordAction::OptOut => "opt_out",
            KeywordAction::OptIn => "opt_in",
            KeywordAction::Help => "help",
            KeywordAction::None => "none",
        };
        Classification {
            action: action.to_owned(),
            review: c.review,
            flags: c
                .flags
                .iter()
                .map(|f| match f {
                    KeywordFlag::NaturalLanguageOptOut => "natural_language_opt_out".to_owned(),
                    KeywordFlag::PossibleCancellation => "possible_cancellation".to_owned(),
                })
                .collect(),
            keyword: c.keyword.map(|k| k.to_string()),
        }
    }
}

/// Classifies one inbound text with the built-in lists (SPEC C1-C3, C5).
#[uniffi::export(default(opted_out = false))]
pub fn classify_keyword(text: String, opted_out: bool) -> Classification {
    facade::classify_keyword(&text, opted_out).into()
}

/// `classify_keyword` over many texts.
#[uniffi::export(default(opted_out = false))]
pub fn classify_keywords(texts: Vec<String>, opted_out: bool) -> Vec<Classification> {
    facade::classify_keywords(&texts, opted_out)
        .into_iter()
        .map(Classification::from)
        .collect()
}

/// The keyword classifier with an organization's lists (KeywordLists JSON)
/// added to the built-in ones.
#[derive(uniffi::Object)]
pub struct Keywords {
    inner: facade::Keywords,
}

#[uniffi::export]
impl Keywords {
    /// Compiles the lists; refuses unusable entries (`invalid_policy`).
    #[uniffi::constructor]
    pub fn new(extra: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Keywords {
            inner: facade::Keywords::new(extra.as_str())?,
        }))
    }

    /// Classifies one inbound text.
    #[uniffi::method(default(opted_out = false))]
    pub fn classify(&self, text: String, opted_out: bool) -> Classification {
        self.inner.classify(&text, opted_out).into()
    }

    /// Classifies many texts.
    #[uniffi::method(default(opted_out = false))]
    pub fn classify_batch(&self, texts: Vec<String>, opted_out: bool) -> Vec<Classification> {
        self.inner
            .classify_batch(&texts, opted_out)
            .into_iter()
            .map(Classification::from)
            .collect()
    }
}
