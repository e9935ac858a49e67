//! Workflow queues: SPEC V8 (rules sort incoming texts and staff replies
//! into queues).
//!
//! Rules are data ([`QueueRule`], serde) and are checked once
//! ([`QueueRules::new`]) before use. A rule's conditions all have to hold
//! (an unset condition always holds; a rule with no condition is a
//! catch-all):
//! - `our_numbers`: the number the text came in on (or goes out from) is
//!   one of these;
//! - `keywords`: the body contains one of these words or phrases as whole
//!   words, ignoring case and Unicode compatibility forms ("Refill!" matches
//!   `refill`; "refills" and "prefill" do not; `lab results` matches
//!   "LAB  results?");
//! - `known_client`: the sender is (true) or is not (false) a known client;
//! - `open`: the text arrived while the practice was open (true) or closed
//!   (false); the caller passes the business-hours answer in;
//! - `direction`: `inbound` (an incoming text) or `outbound` (a staff reply).
//!
//! Rules are tried in order; the first one whose conditions all hold wins,
//! and the [`QueueMatch`] names the rule and the conditions that held. No
//! matching rule gives `None`. Checking refuses a blank rule name or queue
//! and empty or word-less keywords, listing every problem; an empty rule
//! set is fine and sorts nothing, and a queue no route mentions is fine.
//! Unknown fields in the JSON are refused, so a misspelt condition cannot
//! silently turn a rule into a catch-all.
//!
//! ```
//! use practicetext_core::inbox::queues::*;
//! use practicetext_core::conversation::Direction;
//! let rules: QueueRules = serde_json::from_str(r#"[
//!   {"name": "refills", "queue": "pharmacy", "when": {"keywords": ["refill", "prescription"]}},
//!   {"name": "everything else", "queue": "front-desk"}
//! ]"#)?;
//! let input = QueueInput {
//!     our_number: "+16502530020".parse()?,
//!     body: "Can I get a REFILL?".into(),
//!     known_client: true,
//!     open: true,
//!     direction: Direction::Inbound,
//! };
//! let m = rules.sort(&input).ok_or("no queue rule matched")?;
//! assert_eq!((m.queue.as_str(), m.rule_index), ("pharmacy", 0));
//! assert_eq!(m.matched, vec!["keyword:refill".to_string()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::InboxError;
use crate::conversation::Direction;
use crate::ids::QueueId;
use crate::phone::E164;
use crate::sensitive::MessageBody;

/// Longest keyword accepted, in characters.
pub const MAX_KEYWORD_CHARS: usize = 100;

/// One workflow rule (V8): when all conditions hold, the text goes to
/// `queue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueRule {
    /// Name shown in explanations, e.g. "refill requests".
    pub name: String,
    /// The queue the text goes to.
    pub queue: QueueId,
    /// The conditions; none at all makes a catch-all.
    #[serde(default)]
    pub when: QueueConditions,
}

/// The conditions of a [`QueueRule`]; every one that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConditions {
    /// Our number is one of these (empty: any number).
    pub our_numbers: Vec<E164>,
    /// The body contains one of these words or phrases (empty: any body).
    pub keywords: Vec<String>,
    /// The sender is a known client (true) or not (false).
    pub known_client: Option<bool>,
    /// The practice is open (true) or closed (false).
    pub open: Option<bool>,
    /// Incoming text (`inbound`) or staff reply (`outbound`).
    pub direction: Option<Direction>,
}

impl QueueConditions {
    /// True when no condition is set: the rule matches every text.
    pub fn is_catch_all(&self) -> bool {
        self == &QueueConditions::default()
    }
}

/// What the rules look at in one text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueInput {
    /// Our number: the one the text came in on, or the one a reply goes out
    /// from.
    pub our_number: E164,
    /// The text.
    pub body: MessageBody,
    /// The outside party is a known client.
    pub known_client: bool,
    /// The practice is open now (the business-hours answer).
    pub open: bool,
    /// Incoming text or staff reply.
    pub direction: Direction,
}

/// The queue a text was sorted into, and why (V8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMatch {
    /// The queue.
    pub queue: QueueId,
    /// The position of the winning rule, from 0.
    pub rule_index: usize,
    /// The winning rule's name.
    pub rule_name: String,
    /// The conditions that held, in condition order: `our_number`,
    /// `keyword:<the keyword as written>`, `known_client` or
    /// `unknown_sender`, `open` or `closed`, `direction:inbound` or
    /// `direction:outbound`; `catch_all` for a rule with no condition.
    pub matched: Vec<String>,
}

/// A problem with one rule; [`InboxError::InvalidQueueRules`] lists them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum QueueRuleProblem {
    /// The rule has no name.
    #[error("rule {rule_index} has no name; name it so explanations can say which rule matched")]
    BlankRuleName {
        /// Position of the rule.
        rule_index: usize,
    },
    /// The rule names no queue.
    #[error("rule {rule_index} has no queue; say which queue its texts go to")]
    BlankQueue {
        /// Position of the rule.
        rule_index: usize,
    },
    /// An empty keyword (it would match nothing, or everything).
    #[error("rule {rule_index} has an empty keyword; remove it or write the word to look for")]
    EmptyKeyword {
        /// Position of the rule.
        rule_index: usize,
    },
    /// A keyword with no letters or digits (only punctuation or emoji).
    #[error(
        "rule {rule_index} has the keyword '{keyword}', which has no word in it; keywords match whole words"
    )]
    KeywordWithoutWords {
        /// Position of the rule.
        rule_index: usize,
        /// The keyword.
        keyword: String,
    },
    /// A keyword over [`MAX_KEYWORD_CHARS`] characters.
    #[error("rule {rule_index} has a keyword over {max} characters; use a shorter word or phrase")]
    KeywordTooLong {
        /// Position of the rule.
        rule_index: usize,
        /// The limit.
        max: usize,
    },
}

impl QueueRuleProblem {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            QueueRuleProblem::BlankRuleName { .. } => "blank_rule_name",
            QueueRuleProblem::BlankQueue { .. } => "blank_queue",
            QueueRuleProblem::EmptyKeyword { .. } => "empty_keyword",
            QueueRuleProblem::KeywordWithoutWords { .. } => "keyword_without_words",
            QueueRuleProblem::KeywordTooLong { .. } => "keyword_too_long",
        }
    }
}

/// Every problem of `rules`, in rule order (empty when they are fine).
pub fn problems(rules: &[QueueRule]) -> Vec<QueueRuleProblem> {
    rules
        .iter()
        .enumerate()
        .flat_map(|(i, r)| rule_problems(i, r))
        .collect()
}

fn rule_problems(rule_index: usize, rule: &QueueRule) -> Vec<QueueRuleProblem> {
    let mut out = Vec::new();
    if rule.name.trim().is_empty() {
        out.push(QueueRuleProblem::BlankRuleName { rule_index });
    }
    if rule.queue.as_str().trim().is_empty() {
        out.push(QueueRuleProblem::BlankQueue { rule_index });
    }
    for keyword in &rule.when.keywords {
        if let Some(p) = keyword_problem(rule_index, keyword) {
            out.push(p);
        }
    }
    out
}

fn keyword_problem(rule_index: usize, keyword: &str) -> Option<QueueRuleProblem> {
    if keyword.trim().is_empty() {
        return Some(QueueRuleProblem::EmptyKeyword { rule_index });
    }
    if keyword.chars().count() > MAX_KEYWORD_CHARS {
        return Some(QueueRuleProblem::KeywordTooLong {
            rule_index,
            max: MAX_KEYWORD_CHARS,
        });
    }
    if words(keyword).is_empty() {
        return Some(QueueRuleProblem::KeywordWithoutWords {
            rule_index,
            keyword: keyword.to_owned(),
        });
    }
    None
}

/// The words of `text`, in compatibility form and lower case.
fn words(text: &str) -> Vec<String> {
    // NFKC leaves ASCII as it is: skip it for the common text.
    let folded: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.nfkc().collect::<String>().to_lowercase()
    };
    folded.unicode_words().map(str::to_owned).collect()
}

/// A rule with its keywords split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CompiledRule {
    rule: QueueRule,
    /// Each keyword as written, with its words (never empty).
    keywords: Vec<(String, Vec<String>)>,
}

/// Checked, ready-to-use workflow rules (V8). Serde reads and writes the
/// plain list of [`QueueRule`]s; reading checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<QueueRule>", into = "Vec<QueueRule>")]
pub struct QueueRules {
    rules: Vec<CompiledRule>,
}

impl QueueRules {
    /// True when there are no rules (nothing is ever sorted into a queue).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Checks `rules`; refuses with `invalid_queue_rules` listing every
    /// problem.
    pub fn new(rules: Vec<QueueRule>) -> Result<QueueRules, InboxError> {
        let problems = problems(&rules);
        if !problems.is_empty() {
            return Err(InboxError::InvalidQueueRules { problems });
        }
        let rules = rules
            .into_iter()
            .map(|rule| CompiledRule {
                keywords: rule
                    .when
                    .keywords
                    .iter()
                    .map(|k| (k.clone(), words(k)))
                    .collect(),
                rule,
            })
            .collect();
        Ok(QueueRules { rules })
    }

    /// The rules, in order.
    pub fn rules(&self) -> impl Iterator<Item = &QueueRule> {
        self.rules.iter().map(|r| &r.rule)
    }

    /// The queue of the first rule whose conditions all hold for `input`,
    /// with the reasons; `None` when no rule matches (V8).
    pub fn sort(&self, input: &QueueInput) -> Option<QueueMatch> {
        if self.rules.is_empty() {
            return None;
        }
        // The body's words only when a rule has keywords to look for.
        let body_words = std::cell::OnceCell::new();
        let body_words = || -> &[String] { body_words.get_or_init(|| words(input.body.as_str())) };
        self.rules
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.matches(input, &body_words).map(|m| (i, r, m)))
            .map(|(rule_index, r, matched)| QueueMatch {
                queue: r.rule.queue.clone(),
                rule_index,
                rule_name: r.rule.name.clone(),
                matched,
            })
    }
}

impl CompiledRule {
    /// The conditions that held, or `None` when one did not.
    fn matches<'w>(
        &self,
        input: &QueueInput,
        body_words: &impl Fn() -> &'w [String],
    ) -> Option<Vec<String>> {
        let when = &self.rule.when;
        if when.is_catch_all() {
            return Some(vec!["catch_all".to_owned()]);
        }
        let mut matched = Vec::new();
        if !when.our_numbers.is_empty() {
            when.our_numbers.contains(&input.our_number).then_some(())?;
            matched.push("our_number".to_owned());
        }
        if !self.keywords.is_empty() {
            let (keyword, _) = self
                .keywords
                .iter()
                .find(|(_, seq)| contains_sequence(body_words(), seq))?;
            matched.push(format!("keyword:{keyword}"));
        }
        if let Some(known) = when.known_client {
            (known == input.known_client).then_some(())?;
            matched.push(
                if known {
                    "known_client"
                } else {
                    "unknown_sender"
                }
                .to_owned(),
            );
        }
        if let Some(open) = when.open {
            (open == input.open).then_some(())?;
            matched.push(if open { "open" } else { "closed" }.to_owned());
        }
        if let Some(direction) = when.direction {
            (direction == input.direction).then_some(())?;
            matched.push(match direction {
                Direction::Inbound => "direction:inbound".to_owned(),
                Direction::Outbound => "direction:outbound".to_owned(),
            });
        }
        Some(matched)
    }
}

/// True when `needle` (non-empty) occurs as consecutive words of `haystack`.
fn contains_sequence(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

impl TryFrom<Vec<QueueRule>> for QueueRules {
    type Error = InboxError;
    fn try_from(rules: Vec<QueueRule>) -> Result<Self, Self::Error> {
        QueueRules::new(rules)
    }
}

impl From<QueueRules> for Vec<QueueRule> {
    fn from(rules: QueueRules) -> Self {
        rules.rules.into_iter().map(|r| r.rule).collect()
    }
}

#[cfg(test)]
mod tests;
