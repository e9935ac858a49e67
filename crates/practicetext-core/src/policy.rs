//! An organization's texting policy: the rules it can change, as data
//! (SPEC C1 "the lists are data an organization can extend", P6 "the term
//! lists are data", A2 window, A4 after-hours responder, P7 limits, X4 cap).
//! Stored with the organization's settings; compiled once into matchers by
//! [`TextingPolicy::inbound_rules`] and [`TextingPolicy::send_rules`].

use serde::{Deserialize, Serialize};

use crate::autoreply::AutoReplyLimits;
use crate::delivery::RetryPolicy;
use crate::error::Error;
use crate::inbound::{AfterHours, Rules};
use crate::inbox::queues::QueueRules;
use crate::text::compliance::{ComplianceChecker, ContentPolicy, PolicyAdditions};
use crate::text::keywords::{KeywordClassifier, KeywordLists};
use crate::text::segments::LengthLimits;

/// What an organization configures about texting. The default adds
/// nothing to the built-in lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextingPolicy {
    /// The after-hours responder and business hours (A4).
    pub after_hours: Option<AfterHours>,
    /// Auto-reply window and per-conversation cap (A2, X4).
    pub auto_reply: AutoReplyLimits,
    /// The reply to HELP/INFO (C3); a default names the practice and number.
    pub help_reply: Option<String>,
    /// Keywords added to the built-in lists (C1, C3).
    pub extra_keywords: KeywordLists,
    /// Terms and domains added to the built-in content rules (P6).
    pub extra_content: PolicyAdditions,
    /// The practice's own web domains: links to them pass (P1).
    pub own_domains: Vec<String>,
    /// Maximum length (P7).
    pub length: LengthLimits,
    /// Workflow rules that sort texts into queues (V8).
    pub queues: QueueRules,
    /// Retries of transient delivery failures (X2).
    pub retry: RetryPolicy,
}

impl Default for TextingPolicy {
    fn default() -> Self {
        TextingPolicy {
            after_hours: None,
            auto_reply: AutoReplyLimits::default(),
            help_reply: None,
            extra_keywords: KeywordLists::empty(),
            extra_content: PolicyAdditions::default(),
            own_domains: Vec::new(),
            length: LengthLimits::default(),
            queues: QueueRules::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// The compiled rules for outbound texts.
#[derive(Debug, Clone)]
pub struct SendRules {
    /// Content checks (P1-P6).
    pub content: ComplianceChecker,
    /// Length limits (P7).
    pub limits: LengthLimits,
}

impl TextingPolicy {
    /// Compiles the inbound rules; refuses invalid keyword lists or
    /// business hours with their own error codes.
    pub fn inbound_rules(&self) -> Result<Rules, Error> {
        let mut lists = KeywordLists::default();
        lists.extend(self.extra_keywords.clone());
        if let Some(ah) = &self.after_hours {
            ah.hours.validate()?;
        }
        Ok(Rules {
            keywords: KeywordClassifier::new(&lists)?,
            limits: self.auto_reply.clone(),
            after_hours: self.after_hours.clone(),
            help_reply: self.help_reply.clone(),
            queues: self.queues.clone(),
        })
    }

    /// Compiles the outbound rules.
    pub fn send_rules(&self) -> Result<SendRules, Error> {
        let mut content = ContentPolicy::default().with_own_domains(self.own_domains.clone());
        content.extend(self.extra_content.clone());
        Ok(SendRules {
            content: ComplianceChecker::new(&content)?,
            limits: self.length,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_default_policy_adds_nothing_and_extensions_extend_the_built_in_lists() {
        let p = TextingPolicy::default();
        assert_eq!(p.extra_keywords, KeywordLists::empty());
        let json: TextingPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(json, p);
        let mut extended = TextingPolicy::default();
        extended.extra_keywords.opt_out.push("DETENER".into());
        let rules = extended.inbound_rules().unwrap();
        assert_eq!(
            rules.keywords.classify("detener", false).action,
            crate::text::keywords::KeywordAction::OptOut
        );
        // The built-in keywords still work.
        assert_eq!(
            rules.keywords.classify("STOP", false).action,
            crate::text::keywords::KeywordAction::OptOut
        );
        let plain = TextingPolicy::default().inbound_rules().unwrap();
        assert_eq!(
            plain.keywords.classify("detener", false).action,
            crate::text::keywords::KeywordAction::None
        );
    }

    #[test]
    fn p1_own_domains_pass_and_extra_terms_block() {
        let p = TextingPolicy {
            own_domains: vec!["happypaws.example".into()],
            ..Default::default()
        };
        let rules = p.send_rules().unwrap();
        let r = rules.content.check(
            "Book at https://happypaws.example/book",
            crate::text::compliance::Mode::Conversation,
        );
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }
}
