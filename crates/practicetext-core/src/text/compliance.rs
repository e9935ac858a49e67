//! Content compliance: SPEC P1-P6, with the length refusal of P7.
//!
//! A [`ContentPolicy`] is plain data (built-in lists, extendable per
//! organization); a [`ComplianceChecker`] compiles it once into automata and
//! checks texts in one pass each:
//!
//! | code | severity | rule |
//! |---|---|---|
//! | `url_shortener` | block | P1: a link through a public URL shortener (with or without a scheme, any case); the practice's own domains pass |
//! | `raw_ip_link` | block | a link to a bare IP address (compliance.md Implications 12) |
//! | `link_credentials` | block | a link with a user name or password before `@` (Implications 12) |
//! | `cannabis` | block | P2: cannabis terms, including disguised forms |
//! | `promotional` | warn, block in [`Mode::Broadcast`] | P3, P5: promotional wording |
//! | `rx_offer` | warn, block in [`Mode::Broadcast`] | P3, P5: a prescription medicine named together with offer wording |
//! | `all_caps` | warn | P4: a text mostly in capital letters |
//! | `text_too_long` | block | P7: over the policy's [`LengthLimits`] |
//!
//! Organizations add their own rules with [`TermRule`] (their own code,
//! severity and explanation).
//!
//! **How terms are matched (P2).** The text is folded once: compatibility
//! forms (full-width, styled letters) to plain letters, look-alike Cyrillic
//! and Greek letters to Latin, accents dropped, lower case, and invisible
//! characters (zero-width space and joiners, soft hyphen, word joiner,
//! variation selectors) removed. Letters and digits then form words; a term
//! matches when it equals one word, or a run of consecutive words joined by
//! short gaps of spaces or punctuation (at most 3 characters, no line
//! break). So "C.B.D", "c b d", "ｃｂｄ", "m\u{200B}arijuana" and
//! "marij-uana" match `cbd` and `marijuana`, while words that merely
//! contain the letters ("Cbdorsey", "scanning", "McBride") do not, because
//! a match must start and end on word edges.
//!
//! Spans are char indices into the original text (see [`super`]).
//!
//! ```
//! use practicetext_core::text::{ComplianceChecker, ContentPolicy, Mode, Verdict};
//!
//! let policy = ContentPolicy::default().with_own_domains(["happypaws.example"]);
//! let checker = ComplianceChecker::new(&policy)?;
//!
//! let ok = checker.check("Your pet's vaccines are due: happypaws.example/book", Mode::Conversation);
//! assert_eq!(ok.verdict, Verdict::Ok);
//!
//! let r = checker.check("Ask us about C.B.D oil", Mode::Conversation);
//! assert_eq!(r.verdict, Verdict::Block);
//! assert_eq!(r.findings[0].code, "cannabis");
//! assert_eq!((r.findings[0].start, r.findings[0].end), (13, 18));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::fold::fold_str;
use super::links::{Link, LinkRules};
use super::segments::{LengthLimits, SegmentCount, count, count_ascii};
use super::terms::{TermMatcher, TextStats, ascii_case_counts, case_counts, text_stats};
use super::{TextError, char_index};

/// Stable codes of the built-in findings.
pub mod codes {
    /// P1: a public URL shortener.
    pub const URL_SHORTENER: &str = "url_shortener";
    /// A link to a bare IP address.
    pub const RAW_IP_LINK: &str = "raw_ip_link";
    /// A link with a user name or password.
    pub const LINK_CREDENTIALS: &str = "link_credentials";
    /// P2: a cannabis term.
    pub const CANNABIS: &str = "cannabis";
    /// P3, P5: promotional wording.
    pub const PROMOTIONAL: &str = "promotional";
    /// P3, P5: an offer for a prescription medicine.
    pub const RX_OFFER: &str = "rx_offer";
    /// P4: all capitals.
    pub const ALL_CAPS: &str = "all_caps";
    /// P7: over the maximum length.
    pub const TEXT_TOO_LONG: &str = "text_too_long";
    /// Every built-in code.
    pub const ALL: &[&str] = &[
        URL_SHORTENER,
        RAW_IP_LINK,
        LINK_CREDENTIALS,
        CANNABIS,
        PROMOTIONAL,
        RX_OFFER,
        ALL_CAPS,
        TEXT_TOO_LONG,
    ];
}

/// How serious a finding is (P6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The text may be sent, but carriers may filter it or the number.
    Warn,
    /// The text must not be sent.
    Block,
}

/// The overall answer: the most serious finding, or `Ok` when there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing found.
    Ok,
    /// Only warnings.
    Warn,
    /// At least one blocking finding.
    Block,
}

/// What kind of send is checked (P5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A text in a conversation, typed by staff or sent by an automation.
    #[default]
    Conversation,
    /// A mass text alert: informational only, so promotional wording and
    /// prescription offers block (P5).
    Broadcast,
}

/// One problem found in a text (P6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule code, e.g. `"url_shortener"` (see [`codes`]) or an
    /// organization's own [`TermRule::code`].
    pub code: String,
    /// Block or warn.
    pub severity: Severity,
    /// First char index of the flagged part of the original text.
    pub start: usize,
    /// Char index after the flagged part (exclusive).
    pub end: usize,
    /// What is wrong and what to do, for the person writing the text.
    pub message: String,
}

/// The result of a check (P6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceReport {
    /// `Block` if any finding blocks, `Warn` if there are only warnings,
    /// otherwise `Ok`.
    pub verdict: Verdict,
    /// The findings, in order of position.
    pub findings: Vec<Finding>,
    /// What the text costs (P7), counted on the way.
    pub segments: SegmentCount,
}

/// The all-capitals rule (P4): warn when the text has at least
/// `min_letters` cased letters (outside links) and more than
/// `max_uppercase_percent` of them are capitals. The defaults (20 letters,
/// 50%) are compliance.md Implications 12; no carrier publishes a
/// threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AllCapsRule {
    /// Fewest cased letters before the rule applies.
    pub min_letters: usize,
    /// Largest share of capitals, in percent, that still passes.
    pub max_uppercase_percent: u8,
}

impl Default for AllCapsRule {
    fn default() -> Self {
        AllCapsRule {
            min_letters: 20,
            max_uppercase_percent: 50,
        }
    }
}

/// An organization's own term rule (P6): its terms are matched like the
/// built-in ones and produce findings with this code, severity and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermRule {
    /// Stable snake_case code, different from the built-in [`codes`].
    pub code: String,
    /// Block or warn.
    pub severity: Severity,
    /// The terms (words or phrases).
    pub terms: Vec<String>,
    /// The explanation shown to the writer.
    pub message: String,
}

/// The content rules as data (P1-P6): built-in lists by default, every list
/// replaceable (serde: a field left out keeps the built-in list) or
/// extendable with [`ContentPolicy::extend`].
///
/// Terms and phrases are matched as whole words after folding (see the
/// [module documentation](self)); domains match themselves and their
/// subdomains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentPolicy {
    /// Public URL shorteners (P1): compliance.md 3.2, the 26 domains of
    /// Text-Em-All's list plus t.co, buff.ly, shorturl.at, goo.gl, tr.im
    /// and similar.
    pub shortener_domains: Vec<String>,
    /// The practice's own domains (P1): links to them and their subdomains
    /// pass. Empty by default.
    pub own_domains: Vec<String>,
    /// Cannabis terms (P2).
    pub cannabis_terms: Vec<String>,
    /// Promotional words and phrases (P3, P5).
    pub promotional_phrases: Vec<String>,
    /// Prescription medicines (P3): named together with offer wording they
    /// make an `rx_offer`.
    pub rx_terms: Vec<String>,
    /// Offer wording that, next to a prescription medicine, makes an
    /// `rx_offer` (any promotional phrase counts too).
    pub rx_offer_cues: Vec<String>,
    /// The all-capitals rule (P4).
    pub all_caps: AllCapsRule,
    /// The maximum length (P7).
    pub limits: LengthLimits,
    /// The organization's own rules.
    pub custom_rules: Vec<TermRule>,
}

/// Lists to add to a [`ContentPolicy`] (what an organization stores to
/// extend the built-in policy rather than replace it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyAdditions {
    /// More public URL shorteners.
    pub shortener_domains: Vec<String>,
    /// The practice's own domains.
    pub own_domains: Vec<String>,
    /// More cannabis terms.
    pub cannabis_terms: Vec<String>,
    /// More promotional phrases.
    pub promotional_phrases: Vec<String>,
    /// More prescription medicines.
    pub rx_terms: Vec<String>,
    /// More offer wording.
    pub rx_offer_cues: Vec<String>,
    /// More rules of the organization's own.
    pub custom_rules: Vec<TermRule>,
}

const SHORTENERS: &[&str] = &[
    "9qr.de",
    "alturl.com",
    "app.link",
    "bc.vc",
    "bit.do",
    "bit.ly",
    "bitly.com",
    "bitly.ws",
    "budurl.com",
    "clicky.me",
    "cutt.ly",
    "is.gd",
    "lc.chat",
    "linki.la",
    "lnkd.in",
    "minm.xyz",
    "ow.ly",
    "rb.gy",
    "rebrand.ly",
    "s2r.co",
    "serveirc.com",
    "shrtco.de",
    "soo.gd",
    "t.ly",
    "tiny.cc",
    "tinyurl.com",
    "t.co",
    "buff.ly",
    "shorturl.at",
    "goo.gl",
    "tr.im",
    "v.gd",
    "tiny.one",
    "rebrandly.com",
    "short.io",
    "shorte.st",
    "adf.ly",
    "bl.ink",
    "qrco.de",
];

/// Built-in cannabis terms. "weed", "pot", "420" and "mary jane" are left
/// out on purpose: they are everyday words, numbers and names in clinic
/// texts ("weed killer", "420 Main St"); an organization can add them.
const CANNABIS: &[&str] = &[
    "cannabis",
    "cannabinoid",
    "cannabinoids",
    "cannabidiol",
    "marijuana",
    "marihuana",
    "mmj",
    "cbd",
    "thc",
    "thca",
    "releaf",
    "hemp",
    "ganja",
    "delta 8",
    "delta 9",
    "delta-8 thc",
    "pre-roll",
    "pre-rolls",
];

/// Built-in promotional wording (P3, P5). Chosen so that ordinary clinic
/// wording ("feel free to call", "special instructions", "your order is
/// ready") does not match.
const PROMOTIONAL: &[&str] = &[
    "discount",
    "discounts",
    "discounted",
    "coupon",
    "coupons",
    "promo",
    "promo code",
    "promotion",
    "promotions",
    "bogo",
    "buy one get one",
    "buy 1 get 1",
    "clearance",
    "limited time",
    "act now",
    "buy now",
    "shop now",
    "order now",
    "today only",
    "while supplies last",
    "don't miss out",
    "special offer",
    "exclusive offer",
    "special pricing",
    "special deal",
    "great deal",
    "best deal",
    "lowest price",
    "lowest prices",
    "best price",
    "half off",
    "half price",
    "percent off",
    "save big",
    "huge savings",
    "free gift",
    "free trial",
    "free sample",
    "free samples",
    "for free",
    "get one free",
    "giveaway",
    "sweepstakes",
    "you've won",
    "you have won",
    "winner",
    "cash prize",
    "gift card",
    "gift cards",
    "rebate",
    "rebates",
    "flash sale",
    "on sale",
    "sale ends",
    "big sale",
    "cheap",
    "cheapest",
];

/// Built-in prescription medicines often offered in spam or promotions,
/// human and veterinary.
const RX: &[&str] = &[
    "viagra",
    "cialis",
    "levitra",
    "sildenafil",
    "tadalafil",
    "vardenafil",
    "xanax",
    "alprazolam",
    "valium",
    "diazepam",
    "klonopin",
    "clonazepam",
    "ativan",
    "lorazepam",
    "ambien",
    "zolpidem",
    "oxycodone",
    "oxycontin",
    "percocet",
    "hydrocodone",
    "vicodin",
    "codeine",
    "tramadol",
    "fentanyl",
    "adderall",
    "ritalin",
    "modafinil",
    "phentermine",
    "ozempic",
    "wegovy",
    "mounjaro",
    "zepbound",
    "semaglutide",
    "tirzepatide",
    "saxenda",
    "finasteride",
    "propecia",
    "isotretinoin",
    "accutane",
    "botox",
    "heartgard",
    "nexgard",
    "simparica",
    "bravecto",
    "credelio",
    "revolution plus",
    "apoquel",
    "cytopoint",
    "librela",
    "solensia",
    "rimadyl",
    "carprofen",
    "galliprant",
    "metacam",
    "meloxicam",
    "proheart",
    "interceptor",
    "trifexis",
    "comfortis",
    "sentinel spectrum",
    "gabapentin",
    "trazodone",
];

/// Built-in offer wording for `rx_offer`.
const RX_CUES: &[&str] = &[
    "buy",
    "purchase",
    "sale",
    "deal",
    "deals",
    "offer",
    "offers",
    "save",
    "savings",
    "no prescription",
    "without prescription",
    "without a prescription",
    "no rx",
    "order online",
    "online pharmacy",
];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for ContentPolicy {
    fn default() -> Self {
        ContentPolicy {
            shortener_domains: strings(SHORTENERS),
            own_domains: Vec::new(),
            cannabis_terms: strings(CANNABIS),
            promotional_phrases: strings(PROMOTIONAL),
            rx_terms: strings(RX),
            rx_offer_cues: strings(RX_CUES),
            all_caps: AllCapsRule::default(),
            limits: LengthLimits::default(),
            custom_rules: Vec::new(),
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

impl ContentPolicy {
    /// A policy with no lists at all (only the length limit and the
    /// all-capitals rule), to build an organization's own from scratch.
    pub fn empty() -> Self {
        ContentPolicy {
            shortener_domains: Vec::new(),
            own_domains: Vec::new(),
            cannabis_terms: Vec::new(),
            promotional_phrases: Vec::new(),
            rx_terms: Vec::new(),
            rx_offer_cues: Vec::new(),
            all_caps: AllCapsRule::default(),
            limits: LengthLimits::default(),
            custom_rules: Vec::new(),
        }
    }

    /// Adds the practice's own domains (P1).
    pub fn with_own_domains<S: Into<String>>(
        mut self,
        domains: impl IntoIterator<Item = S>,
    ) -> Self {
        add_unique(
            &mut self.own_domains,
            domains.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Adds an organization's lists to this policy (P6), skipping entries
    /// already present.
    pub fn extend(&mut self, more: PolicyAdditions) {
        add_unique(&mut self.shortener_domains, more.shortener_domains);
        add_unique(&mut self.own_domains, more.own_domains);
        add_unique(&mut self.cannabis_terms, more.cannabis_terms);
        add_unique(&mut self.promotional_phrases, more.promotional_phrases);
        add_unique(&mut self.rx_terms, more.rx_terms);
        add_unique(&mut self.rx_offer_cues, more.rx_offer_cues);
        for rule in more.custom_rules {
            if !self.custom_rules.contains(&rule) {
                self.custom_rules.push(rule);
            }
        }
    }
}

/// What a matched term stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Cannabis,
    Promotional,
    Rx,
    RxCue,
    Custom(usize),
}

/// One policy term behind an automaton pattern.
#[derive(Debug, Clone)]
struct TermRef {
    category: Category,
    term: String,
}

/// The compiled policy.
struct Compiled {
    policy: ContentPolicy,
    terms: Option<TermMatcher>,
    /// Per automaton pattern, the policy terms it stands for.
    refs: Vec<Vec<TermRef>>,
    links: LinkRules,
}

/// A [`ContentPolicy`] compiled for fast checks (P1-P7). Cheap to clone and
/// share between threads (`Send + Sync`, one `Arc` inside).
#[derive(Clone)]
pub struct ComplianceChecker {
    inner: Arc<Compiled>,
}

impl fmt::Debug for ComplianceChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComplianceChecker")
            .field("patterns", &self.inner.refs.len())
            .field("own_domains", &self.inner.policy.own_domains)
            .finish_non_exhaustive()
    }
}

static DEFAULT_CHECKER: LazyLock<ComplianceChecker> = LazyLock::new(|| {
    ComplianceChecker::new(&ContentPolicy::default()).expect("the built-in content policy is valid") // ok: proven by p6_builtin_policy_compiles
});

impl Default for ComplianceChecker {
    /// The checker for the built-in policy (compiled once per process).
    fn default() -> Self {
        DEFAULT_CHECKER.clone()
    }
}

static MONEY_OFFER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\d+(?:[.,]\d+)?\s?%\s*(?:off|discount|savings?)\b|\$\s?\d+(?:[.,]\d{2})?\s*(?:off|discount|savings?|rebate)\b|\bsave\s+(?:up\s+to\s+)?(?:\$\s?\d+|\d+\s?%)",
    )
    .ok()
});

impl ComplianceChecker {
    /// Compiles `policy`. Refuses it with [`TextError::InvalidPolicy`]
    /// (code `"invalid_policy"`) listing every unusable entry: terms without
    /// letters or digits or shorter than two, domains that are not host
    /// names, an own domain that is a public shortener, custom rules with a
    /// bad or built-in code or no message, impossible thresholds.
    pub fn new(policy: &ContentPolicy) -> Result<Self, TextError> {
        let mut problems = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut refs: Vec<Vec<TermRef>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut add = |category: Category, what: &str, term: &str, problems: &mut Vec<String>| {
            let key = term_key(term);
            if key.chars().count() < 2 {
                problems.push(format!(
                    "{what} {term:?} needs at least two letters or digits"
                ));
                return;
            }
            let i = *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                refs.push(Vec::new());
                refs.len() - 1
            });
            if let Some(r) = refs.get_mut(i) {
                r.push(TermRef {
                    category,
                    term: term.trim().to_owned(),
                });
            }
        };
        let lists: [(Category, &str, &[String]); 4] = [
            (Category::Cannabis, "cannabis term", &policy.cannabis_terms),
            (
                Category::Promotional,
                "promotional phrase",
                &policy.promotional_phrases,
            ),
            (Category::Rx, "prescription medicine", &policy.rx_terms),
            (Category::RxCue, "offer cue", &policy.rx_offer_cues),
        ];
        for (category, what, list) in lists {
            for t in list {
                add(category, what, t, &mut problems);
            }
        }
        for (i, rule) in policy.custom_rules.iter().enumerate() {
            problems.extend(rule_problems(rule));
            for t in &rule.terms {
                add(Category::Custom(i), "term", t, &mut problems);
            }
        }
        let links = link_rules(policy, &mut problems);
        if policy.all_caps.max_uppercase_percent > 100 || policy.all_caps.min_letters == 0 {
            problems.push(
                "the all-capitals rule needs at least 1 letter and a percentage of at most 100"
                    .into(),
            );
        }
        if policy.limits.max_segments == 0 || policy.limits.max_chars == 0 {
            problems.push("the length limits must allow at least 1 segment and 1 character".into());
        }
        let terms = if patterns.is_empty() {
            None
        } else {
            match TermMatcher::new(&patterns) {
                Ok(m) => Some(m),
                Err(e) => {
                    problems.push(format!("the term lists are too large to compile: {e}"));
                    None
                }
            }
        };
        if !problems.is_empty() {
            return Err(TextError::InvalidPolicy {
                what: "content policy",
                problems,
            });
        }
        Ok(ComplianceChecker {
            inner: Arc::new(Compiled {
                policy: policy.clone(),
                terms,
                refs,
                links,
            }),
        })
    }

    /// The policy this checker was compiled from.
    pub fn policy(&self) -> &ContentPolicy {
        &self.inner.policy
    }

    /// Checks `text` for a send in `mode` (P1-P7). Never panics; any text
    /// gets a report.
    pub fn check(&self, text: &str, mode: Mode) -> ComplianceReport {
        let c = &*self.inner;
        let stats = text_stats(text);
        let segments = if stats.ascii {
            count_ascii(text, stats.gsm_units)
        } else {
            count(text)
        };
        let mut findings = Vec::new();
        if let Some(e) = c.policy.limits.refusal(&segments) {
            findings.push(Finding {
                code: codes::TEXT_TOO_LONG.into(),
                severity: Severity::Block,
                start: 0,
                end: text.chars().count(),
                message: e.to_string(),
            });
        }
        let links = if stats.maybe_link {
            c.links
                .scan_known(text, stats.ascii, stats.ascii_compatible)
        } else {
            Vec::new()
        };
        link_findings(&links, &mut findings);
        self.term_findings(text, mode, &stats, &mut findings);
        all_caps_finding(text, &stats, &links, &c.policy.all_caps, &mut findings);
        findings.sort_by(|a, b| (a.start, a.end, &a.code).cmp(&(b.start, b.end, &b.code)));
        let verdict = findings
            .iter()
            .map(|f| match f.severity {
                Severity::Warn => Verdict::Warn,
                Severity::Block => Verdict::Block,
            })
            .max()
            .unwrap_or(Verdict::Ok);
        ComplianceReport {
            verdict,
            findings,
            segments,
        }
    }

    fn term_findings(
        &self,
        text: &str,
        mode: Mode,
        stats: &TextStats,
        findings: &mut Vec<Finding>,
    ) {
        let c = &*self.inner;
        let promo_severity = match mode {
            Mode::Conversation => Severity::Warn,
            Mode::Broadcast => Severity::Block,
        };
        let mut hits: Vec<(Category, usize, usize, &str)> = Vec::new();
        if let Some(m) = &c.terms {
            m.find_known(text, stats.ascii, stats.ascii_compatible, |h| {
                for r in c.refs.get(h.pattern).into_iter().flatten() {
                    hits.push((r.category, h.start, h.end, &r.term));
                }
            });
        }
        if stats.money
            && let Some(re) = &*MONEY_OFFER
        {
            for m in re.find_iter(text) {
                let start = char_index(text, m.start());
                let end = char_index(text, m.end());
                hits.push((Category::Promotional, start, end, m.as_str()));
            }
        }
        let hits = drop_contained(hits);
        let cue = hits
            .iter()
            .any(|h| matches!(h.0, Category::RxCue | Category::Promotional));
        for (category, start, end, term) in hits {
            let (code, severity, message) = match category {
                Category::Cannabis => (
                    codes::CANNABIS.to_owned(),
                    Severity::Block,
                    cannabis_message(term),
                ),
                Category::Promotional => (
                    codes::PROMOTIONAL.to_owned(),
                    promo_severity,
                    promo_message(mode),
                ),
                Category::Rx if cue => {
                    (codes::RX_OFFER.to_owned(), promo_severity, rx_message(term))
                }
                Category::Rx | Category::RxCue => continue,
                Category::Custom(i) => match c.policy.custom_rules.get(i) {
                    Some(rule) => (rule.code.clone(), rule.severity, rule.message.clone()),
                    None => continue,
                },
            };
            findings.push(Finding {
                code,
                severity,
                start,
                end,
                message,
            });
        }
    }
}

/// Keeps, per category, only matches not inside a longer one of the same
/// category ("promo" inside "promo code").
fn drop_contained(
    mut hits: Vec<(Category, usize, usize, &str)>,
) -> Vec<(Category, usize, usize, &str)> {
    if hits.len() < 2 {
        return hits;
    }
    hits.sort_by_key(|a| (a.1, std::cmp::Reverse(a.2)));
    // Hits come by start, longest first: one is inside an earlier one of its
    // category exactly when it ends no later than the furthest end so far.
    let mut furthest: Vec<(Category, usize)> = Vec::new();
    let mut kept = Vec::with_capacity(hits.len());
    for h in hits {
        match furthest.iter_mut().find(|(c, _)| *c == h.0) {
            Some((_, end)) if h.2 <= *end => continue,
            Some((_, end)) => *end = h.2,
            None => furthest.push((h.0, h.2)),
        }
        kept.push(h);
    }
    kept
}

fn cannabis_message(term: &str) -> String {
    format!(
        "Cannabis terms such as \"{term}\" are not allowed in texts: carriers block them and can fine the sender (SPEC P2). Remove the term."
    )
}

fn promo_message(mode: Mode) -> String {
    match mode {
        Mode::Conversation => "Promotional wording may get this text filtered and your number blocked by carriers (SPEC P3). Keep texts informational.".into(),
        Mode::Broadcast => "A mass text alert must be informational: promotional wording is not allowed (SPEC P5). Remove the offer.".into(),
    }
}

fn rx_message(term: &str) -> String {
    format!(
        "Offers for prescription medicines such as \"{term}\" may get this text filtered and your number blocked by carriers (SPEC P3). Texts about prescriptions must not contain offers."
    )
}

fn link_findings(links: &[Link], findings: &mut Vec<Finding>) {
    for l in links {
        let mut push = |code: &str, message: String| {
            findings.push(Finding {
                code: code.to_owned(),
                severity: Severity::Block,
                start: l.start,
                end: l.end,
                message,
            })
        };
        if l.credentials {
            push(
                codes::LINK_CREDENTIALS,
                "Links with a user name or password before \"@\" are blocked as likely phishing. Remove the credentials from the link.".into(),
            );
        }
        if l.raw_ip {
            push(
                codes::RAW_IP_LINK,
                "Links to a bare IP address are blocked by carriers as likely phishing. Link to a page on your practice's own domain.".into(),
            );
        }
        if let Some(domain) = &l.shortener {
            push(
                codes::URL_SHORTENER,
                format!(
                    "Links through public URL shorteners such as {domain} are blocked by carriers (SPEC P1). Use the full link on your practice's own domain."
                ),
            );
        }
    }
}

fn all_caps_finding(
    text: &str,
    stats: &TextStats,
    links: &[Link],
    rule: &AllCapsRule,
    findings: &mut Vec<Finding>,
) {
    let (mut upper, mut lower, chars) = (stats.upper, stats.lower, stats.chars);
    if upper == 0 {
        return;
    }
    for l in links {
        let (u, lo, _) = match text.get(l.start..l.end).filter(|_| stats.ascii) {
            Some(part) => ascii_case_counts(part.as_bytes()),
            None => case_counts(
                &text
                    .chars()
                    .skip(l.start)
                    .take(l.end.saturating_sub(l.start))
                    .collect::<String>(),
            ),
        };
        upper = upper.saturating_sub(u);
        lower = lower.saturating_sub(lo);
    }
    let cased = upper + lower;
    if cased < rule.min_letters || upper * 100 <= usize::from(rule.max_uppercase_percent) * cased {
        return;
    }
    findings.push(Finding {
        code: codes::ALL_CAPS.into(),
        severity: Severity::Warn,
        start: 0,
        end: chars,
        message: format!(
            "{upper} of the {cased} letters are capitals; carriers treat texts in all capitals as spam (SPEC P4). Use normal capitalization."
        ),
    });
}

/// The matching form of a term: folded, letters and digits only.
fn term_key(term: &str) -> String {
    fold_str(term)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn rule_problems(rule: &TermRule) -> Vec<String> {
    let mut p = Vec::new();
    let code_ok = rule
        .code
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase())
        && rule
            .code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !code_ok {
        p.push(format!(
            "rule code {:?} must be snake_case (a-z, 0-9, _)",
            rule.code
        ));
    }
    if codes::ALL.contains(&rule.code.as_str()) {
        p.push(format!(
            "rule code {:?} is a built-in code; choose another",
            rule.code
        ));
    }
    if rule.message.trim().is_empty() {
        p.push(format!(
            "rule {:?} needs a message for the writer",
            rule.code
        ));
    }
    if rule.terms.is_empty() {
        p.push(format!("rule {:?} has no terms", rule.code));
    }
    p
}

/// A domain from a policy list in matching form: lower case, no scheme, no
/// trailing slash or dot; `None` when it is not a host name.
fn domain_key(domain: &str) -> Option<String> {
    let d = domain.trim().to_ascii_lowercase();
    let d = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))
        .unwrap_or(&d);
    let d = d.trim_end_matches('/').trim_end_matches('.');
    let d = fold_str(d);
    let labels_ok = d.split('.').count() >= 2
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        });
    labels_ok.then_some(d)
}

fn link_rules(policy: &ContentPolicy, problems: &mut Vec<String>) -> LinkRules {
    let mut shorteners = Vec::new();
    for d in &policy.shortener_domains {
        match domain_key(d) {
            Some(k) => shorteners.push(k),
            None => problems.push(format!(
                "shortener domain {d:?} is not a host name like bit.ly"
            )),
        }
    }
    let mut own = Vec::new();
    for d in &policy.own_domains {
        match domain_key(d) {
            Some(k) if shorteners.contains(&k) => problems.push(format!(
                "own domain {d:?} is a public URL shortener; carriers block it whoever uses it"
            )),
            Some(k) => own.push(k.strip_prefix("www.").map(str::to_owned).unwrap_or(k)),
            None => problems.push(format!(
                "own domain {d:?} is not a host name like clinic.example"
            )),
        }
    }
    LinkRules::new(shorteners, own)
}

#[cfg(test)]
mod tests;
