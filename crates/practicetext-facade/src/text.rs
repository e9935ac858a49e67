//! The typed fast calls for the hot paths: phone numbers (N1, N2),
//! segments (P7), content compliance (P1-P6) and keywords (C1-C3, C5), one
//! item at a time or in batches over slices (so a host that normalises
//! 100,000 numbers crosses the language boundary once).
//!
//! Each returns the core's own types; bindings convert them field by field.

use practicetext_core::phone::{E164, Region};
use practicetext_core::text::{
    self, Classification, ComplianceChecker, ComplianceReport, ContentPolicy, KeywordClassifier,
    KeywordLists, Mode, SegmentCount,
};

use crate::error::FacadeError;
use crate::json::{JsonIn, parse};

/// A parsed, textable number (N1, N2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone {
    /// The number.
    pub number: E164,
}

impl Phone {
    /// E.164, e.g. `"+16502530000"`.
    pub fn e164(&self) -> String {
        self.number.to_string()
    }
    /// `"US"`, `"CA"` or `"TOLL_FREE"`.
    pub fn region(&self) -> &'static str {
        self.number.region().as_str()
    }
    /// The region as the core's enum.
    pub fn region_enum(&self) -> Region {
        self.number.region()
    }
    /// Written for people: `(650) 253-0000`.
    pub fn national_format(&self) -> String {
        self.number.national_format()
    }
}

/// Parses and checks one number (SPEC N1, N2); the error carries the
/// core's code (`invalid_area_code`, `not_north_american`, ...).
pub fn parse_phone(input: &str) -> Result<Phone, FacadeError> {
    E164::parse(input)
        .map(|number| Phone { number })
        .map_err(FacadeError::from)
}

/// [`parse_phone`] over many inputs, one result each, in order.
pub fn parse_phones<S: AsRef<str>>(inputs: &[S]) -> Vec<Result<Phone, FacadeError>> {
    inputs.iter().map(|s| parse_phone(s.as_ref())).collect()
}

/// Encoding, segments and characters remaining (SPEC P7).
pub fn count_segments(text: &str) -> SegmentCount {
    text::count(text)
}

/// [`count_segments`] over many texts.
pub fn count_segments_batch<S: AsRef<str>>(texts: &[S]) -> Vec<SegmentCount> {
    texts.iter().map(|t| text::count(t.as_ref())).collect()
}

/// `"conversation"` or `"broadcast"` (SPEC P5) as a [`Mode`].
pub fn parse_mode(mode: &str) -> Result<Mode, FacadeError> {
    match mode {
        "conversation" => Ok(Mode::Conversation),
        "broadcast" => Ok(Mode::Broadcast),
        _ => Err(FacadeError::invalid_argument(
            "mode must be \"conversation\" or \"broadcast\"",
        )),
    }
}

/// The content checker (P1-P6): the built-in policy, or an organization's
/// compiled once from its JSON ([`ContentPolicy`]: a field left out keeps
/// the built-in list).
#[derive(Debug, Clone, Default)]
pub struct Checker {
    inner: ComplianceChecker,
}

impl Checker {
    /// A checker for `policy` (JSON of a [`ContentPolicy`]); refuses an
    /// unusable policy with `invalid_policy`, listing every problem.
    pub fn new<'a>(policy: impl Into<JsonIn<'a>>) -> Result<Self, FacadeError> {
        let policy: ContentPolicy = parse(policy.into(), "the content policy")?;
        Ok(Checker {
            inner: ComplianceChecker::new(&policy)?,
        })
    }

    /// Checks one text (SPEC P1-P7).
    pub fn check(&self, text: &str, mode: Mode) -> ComplianceReport {
        self.inner.check(text, mode)
    }

    /// Checks many texts.
    pub fn check_batch<S: AsRef<str>>(&self, texts: &[S], mode: Mode) -> Vec<ComplianceReport> {
        texts
            .iter()
            .map(|t| self.inner.check(t.as_ref(), mode))
            .collect()
    }
}

/// Checks one text against the built-in content policy (SPEC P1-P7).
pub fn check_text(text: &str, mode: Mode) -> ComplianceReport {
    ComplianceChecker::default().check(text, mode)
}

/// [`check_text`] over many texts.
pub fn check_texts<S: AsRef<str>>(texts: &[S], mode: Mode) -> Vec<ComplianceReport> {
    Checker::default().check_batch(texts, mode)
}

/// The keyword classifier (C1-C3, C5): the built-in lists, or extended by
/// an organization's ([`KeywordLists`] JSON; its lists are added to the
/// built-in ones).
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    inner: KeywordClassifier,
}

impl Keywords {
    /// The built-in lists plus `extra` (JSON of a [`KeywordLists`]);
    /// refuses unusable entries with `invalid_policy`.
    pub fn new<'a>(extra: impl Into<JsonIn<'a>>) -> Result<Self, FacadeError> {
        let extra: KeywordLists = parse(extra.into(), "the keyword lists")?;
        let mut lists = KeywordLists::default();
        lists.extend(extra);
        Ok(Keywords {
            inner: KeywordClassifier::new(&lists)?,
        })
    }

    /// Classifies one inbound text; `opted_out` is the sender's state (YES
    /// opts in only an opted-out number, C3).
    pub fn classify(&self, text: &str, opted_out: bool) -> Classification {
        self.inner.classify(text, opted_out)
    }

    /// Classifies many texts.
    pub fn classify_batch<S: AsRef<str>>(
        &self,
        texts: &[S],
        opted_out: bool,
    ) -> Vec<Classification> {
        texts
            .iter()
            .map(|t| self.inner.classify(t.as_ref(), opted_out))
            .collect()
    }
}

/// Classifies one inbound text with the built-in lists (C1-C3, C5).
pub fn classify_keyword(text: &str, opted_out: bool) -> Classification {
    KeywordClassifier::default().classify(text, opted_out)
}

/// [`classify_keyword`] over many texts.
pub fn classify_keywords<S: AsRef<str>>(texts: &[S], opted_out: bool) -> Vec<Classification> {
    Keywords::default().classify_batch(texts, opted_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use practicetext_core::text::{Encoding, KeywordAction, Verdict};

    #[test]
    fn n1_n2_phone_forms_and_refusals_carry_core_codes() {
        let p = parse_phone("(650) 253-0000").unwrap();
        assert_eq!((p.e164().as_str(), p.region()), ("+16502530000", "US"));
        assert_eq!(parse_phone("1-416-253-0000").unwrap().region(), "CA");
        let e = parse_phone("+44 20 7946 0958").unwrap_err();
        assert_eq!(e.code(), "not_north_american");
        let batch = parse_phones(&["650.253.0000", "", "911"]);
        assert!(batch[0].is_ok());
        assert_eq!(batch[1].as_ref().unwrap_err().code(), "empty");
        assert_eq!(batch[2].as_ref().unwrap_err().code(), "too_short");
    }

    #[test]
    fn p7_segments_single_and_batch_agree() {
        let texts = ["hi", "Max’s visit", &"a".repeat(161)];
        let batch = count_segments_batch(&texts);
        for (t, b) in texts.iter().zip(&batch) {
            assert_eq!(&count_segments(t), b);
        }
        assert_eq!(batch[1].encoding, Encoding::Ucs2);
        assert_eq!(batch[2].segments, 2);
    }

    #[test]
    fn p1_check_blocks_shorteners_and_custom_policy_passes_own_domain() {
        let r = check_text("See bit.ly/x", Mode::Conversation);
        assert_eq!(r.verdict, Verdict::Block);
        let c = Checker::new(r#"{"own_domains": ["happypaws.example"]}"#).unwrap();
        let r = c.check("Book at https://happypaws.example/b", Mode::Conversation);
        assert_eq!(r.verdict, Verdict::Ok);
        assert_eq!(check_texts(&["hi", "bit.ly/x"], Mode::Broadcast).len(), 2);
        let bad = Checker::new(r#"{"cannabis_terms": ["!"]}"#).unwrap_err();
        assert_eq!(bad.code(), "invalid_policy");
    }

    #[test]
    fn c1_c3_keywords_and_extension() {
        assert_eq!(
            classify_keyword("Stop.", false).action,
            KeywordAction::OptOut
        );
        assert_eq!(classify_keyword("YES", false).action, KeywordAction::None);
        assert_eq!(classify_keyword("YES", true).action, KeywordAction::OptIn);
        let k = Keywords::new(r#"{"opt_out": ["DETENER"]}"#).unwrap();
        assert_eq!(k.classify("detener", false).action, KeywordAction::OptOut);
        assert_eq!(k.classify("STOP", false).action, KeywordAction::OptOut);
        let all = classify_keywords(&["stop", "hello"], false);
        assert_eq!(all[1].action, KeywordAction::None);
    }

    #[test]
    fn mode_names() {
        assert_eq!(parse_mode("broadcast").unwrap(), Mode::Broadcast);
        assert_eq!(
            parse_mode("BROADCAST").unwrap_err().code(),
            "invalid_argument"
        );
    }
}
