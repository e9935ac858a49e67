//! Auto-replies: SPEC A1 (the personal auto-responder answers only when all
//! seven criteria hold, and the decision lists every one that failed), A2 (at
//! most one auto-reply per outside number per 30 seconds), A3 (sent from the
//! user's outbound number), A4 (the after-hours responder), A5 (never to a
//! keyword, a blocked or opted-out number or another robot; at most one
//! auto-reply per inbound text, after-hours wins) and X4 (loop breaker:
//! short codes, auto-reply markers, repeated bodies, a cap per conversation).
//!
//! [`decide`] is pure: the caller passes what it knows (route, consent,
//! robot signals, the last auto-reply time, counts) and gets back the reply
//! to send, with the rate window it must acquire atomically before sending,
//! or the reasons it was skipped.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::consent::ConsentState;
use crate::directory::{Directory, Organization, User};
use crate::ids::OrganizationId;
use crate::phone::E164;
use crate::ports::{RateKey, Timestamp};
use crate::routing::Delivery;
use crate::sensitive::{EmailAddress, MessageBody};

/// A user's personal auto-responder (A1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoResponder {
    /// Switched on.
    pub enabled: bool,
    /// The reply text.
    pub text: String,
}

/// Limits that keep auto-replies from looping (A2, X4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoReplyLimits {
    /// One auto-reply per outside number per this window (A2): 30 s.
    #[serde(with = "seconds")]
    pub window: TimeDelta,
    /// At most this many auto-replies per conversation per rolling 24 hours
    /// (X4): 3.
    pub per_conversation_per_day: u32,
}

impl Default for AutoReplyLimits {
    fn default() -> Self {
        AutoReplyLimits {
            window: TimeDelta::seconds(30),
            per_conversation_per_day: 3,
        }
    }
}

/// Serde for a `TimeDelta` as (fractional) seconds.
pub(crate) mod seconds {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.num_milliseconds() as f64 / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let secs = f64::deserialize(d)?;
        if !secs.is_finite() || !(0.0..=31_536_000.0).contains(&secs) {
            return Err(serde::de::Error::custom(
                "a duration must be between 0 and 31536000 seconds",
            ));
        }
        Ok(TimeDelta::milliseconds((secs * 1000.0).round() as i64))
    }
}

/// Which responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoReplyKind {
    /// The user's personal auto-responder (A1).
    Personal,
    /// The organization's after-hours responder (A4).
    AfterHours,
}

/// Who sent the inbound text, as far as auto-replies care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    /// An outside mobile or landline number.
    Outside,
    /// One of the organization's own numbers: another internal user (A1).
    Internal,
    /// A short code: an automated sender (X4).
    ShortCode,
    /// An alphanumeric or foreign sender that cannot be replied to.
    Unreplyable,
}

/// A reason an auto-reply was not sent. Serialised as its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A1: the text was sent to a group (or a queue), not directly to a user.
    SentToGroup,
    /// A1: the text came from another internal user.
    SentByInternalUser,
    /// A1: the user's account is not SMS enabled (or the organization's).
    AccountSmsDisabled,
    /// A1: the user has no outbound SMS number.
    NoOutboundNumber,
    /// A1: the responder text is blank.
    ResponderBlank,
    /// A1: the responder is switched off (or not configured).
    ResponderDisabled,
    /// A1/A2: an auto-reply went to this number less than the window ago.
    RateLimited,
    /// A5: the text is an opt-out, opt-in or help keyword.
    Keyword,
    /// A5: the sender is opted out.
    SenderOptedOut,
    /// A5/C6: the sender is blocked.
    SenderBlocked,
    /// X2: the sender's number is suppressed after a permanent failure.
    SenderSuppressed,
    /// A5/X4: the sender is a short code.
    ShortCodeSender,
    /// A5/X4: the text carries an auto-reply marker ("out of office", ...).
    AutomatedReplyMarker,
    /// X4: the same body as the sender's previous text.
    RepeatedBody,
    /// X4: the conversation reached its auto-replies-per-day cap.
    ConversationCapReached,
    /// The sender cannot receive texts (alphanumeric, non-NANP).
    SenderUnreplyable,
    /// A5: the after-hours reply answers this text instead (one auto-reply
    /// per inbound text).
    AfterHoursReplyWins,
    /// A4: the practice is open, so the after-hours responder stays quiet.
    PracticeOpen,
    /// A4: the number the text came in on cannot send SMS.
    NumberSmsDisabled,
}

/// The after-hours responder of an organization (A4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AfterHoursResponder {
    /// Switched on.
    pub enabled: bool,
    /// The default after-hours message.
    pub message: String,
    /// Who gets an email alert for every after-hours text.
    pub alert_recipients: Vec<EmailAddress>,
}

/// Everything [`decide`] needs to know about one inbound text.
#[derive(Debug, Clone)]
pub struct AutoReplyInput<'a> {
    /// The directory of the organization the text came to.
    pub directory: &'a Directory,
    /// Our number the text came in on.
    pub to: E164,
    /// The sender's number, when it has one we could reply to.
    pub from: Option<E164>,
    /// What kind of sender it is.
    pub sender: SenderKind,
    /// Where routing delivers it.
    pub delivery: &'a Delivery,
    /// The text.
    pub body: &'a MessageBody,
    /// True when the text is an opt-out, opt-in or help keyword (A5).
    pub is_keyword: bool,
    /// The sender's consent state.
    pub consent: &'a ConsentState,
    /// The body of the sender's previous inbound text in this conversation.
    pub previous_body: Option<&'a MessageBody>,
    /// When the last auto-reply went to this sender (any responder).
    pub last_auto_reply_at: Option<Timestamp>,
    /// Auto-replies in this conversation in the last 24 hours.
    pub auto_replies_last_day: u32,
    /// `Some(true)` when the practice is closed now, `Some(false)` when open,
    /// `None` when it has no after-hours responder.
    pub after_hours: Option<bool>,
    /// The organization's after-hours responder.
    pub after_hours_responder: Option<&'a AfterHoursResponder>,
    /// The limits.
    pub limits: &'a AutoReplyLimits,
    /// The current time.
    pub now: Timestamp,
}

/// A reply to send, once its rate window is acquired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAutoReply {
    /// Which responder.
    pub kind: AutoReplyKind,
    /// The number it goes out from (A3: the user's outbound number for a
    /// personal reply; the number texted for an after-hours reply).
    pub from: E164,
    /// The sender of the inbound text.
    pub to: E164,
    /// The reply text.
    pub body: MessageBody,
    /// The window to acquire atomically first (A2); if it cannot be
    /// acquired the reply is skipped as `rate_limited`.
    pub rate_key: RateKey,
    /// The window length.
    #[serde(with = "seconds")]
    pub window: TimeDelta,
    /// The per-conversation counter to record when sent (X4).
    pub conversation_key: RateKey,
}

/// An auto-reply that was not sent, with every reason (A1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedAutoReply {
    /// Which responder.
    pub kind: AutoReplyKind,
    /// Every failed criterion, in the order of SPEC A1 then A5/X4.
    pub reasons: Vec<SkipReason>,
}

/// What the responders decided for one inbound text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoReplyDecision {
    /// The one reply to send, if any (A5: at most one).
    pub reply: Option<PlannedAutoReply>,
    /// Responders that stayed quiet, and why.
    pub skipped: Vec<SkippedAutoReply>,
    /// After-hours email alert recipients (A4), when the text arrived after
    /// hours: sent whether or not the reply went out.
    pub alert: Vec<EmailAddress>,
}

/// The rate window key for auto-replies to `from` in `org` (A2):
/// `autoreply:{org}:{from}`.
pub fn rate_key(org: &OrganizationId, from: E164) -> RateKey {
    key("autoreply", org, &[from])
}

/// The per-conversation auto-reply counter key (X4):
/// `autoreply-conversation:{org}:{our}:{from}`.
pub fn conversation_key(org: &OrganizationId, our: E164, from: E164) -> RateKey {
    key("autoreply-conversation", org, &[our, from])
}

/// `{kind}:{org}` and `:{number}` for each number, built in one allocation.
fn key(kind: &str, org: &OrganizationId, numbers: &[E164]) -> RateKey {
    let org = org.as_str();
    let mut k = String::with_capacity(kind.len() + 1 + org.len() + 13 * numbers.len());
    k.push_str(kind);
    k.push(':');
    k.push_str(org);
    for n in numbers {
        k.push(':');
        n.push_to(&mut k);
    }
    RateKey::new(k)
}

/// Decides the auto-reply for one inbound text (A1-A5, X4).
pub fn decide(input: &AutoReplyInput<'_>) -> AutoReplyDecision {
    let mut out = AutoReplyDecision::default();
    let common = common_reasons(input);
    let after_hours = evaluate_after_hours(input, &common, &mut out);
    if let Some(user) = direct_user(input) {
        let mut reasons = personal_reasons(input, user);
        reasons.extend(common.iter().copied());
        if after_hours {
            reasons.push(SkipReason::AfterHoursReplyWins);
        }
        match (reasons.is_empty(), user.outbound_number, input.from) {
            (true, Some(from_number), Some(to)) => {
                out.reply = Some(plan(
                    input,
                    AutoReplyKind::Personal,
                    from_number,
                    to,
                    &user_text(user),
                ));
            }
            _ => out.skipped.push(SkippedAutoReply {
                kind: AutoReplyKind::Personal,
                reasons: dedup(reasons),
            }),
        }
    } else if let Some(reasons) = personal_skip_without_user(input) {
        out.skipped.push(SkippedAutoReply {
            kind: AutoReplyKind::Personal,
            reasons,
        });
    }
    out
}

fn user_text(user: &User) -> String {
    user.auto_responder
        .as_ref()
        .map(|r| r.text.trim().to_owned())
        .unwrap_or_default()
}

/// The user the text is routed directly to, if any.
fn direct_user<'a>(input: &AutoReplyInput<'a>) -> Option<&'a User> {
    match input.delivery {
        Delivery::User { username } => input.directory.user(username),
        _ => None,
    }
}

/// For a group or queue route, the personal responder is skipped only when
/// some member has one configured; otherwise there is nothing to report.
fn personal_skip_without_user(input: &AutoReplyInput<'_>) -> Option<Vec<SkipReason>> {
    match input.delivery {
        Delivery::Group { members, .. } => members
            .iter()
            .filter_map(|m| input.directory.user(m))
            .any(|u| u.auto_responder.as_ref().is_some_and(|r| r.enabled))
            .then(|| vec![SkipReason::SentToGroup]),
        _ => None,
    }
}

/// A1's user-specific criteria, in SPEC order.
fn personal_reasons(input: &AutoReplyInput<'_>, user: &User) -> Vec<SkipReason> {
    let org = &input.directory.organization;
    let (text_blank, enabled) = user
        .auto_responder
        .as_ref()
        .map_or((true, false), |r| (r.text.trim().is_empty(), r.enabled));
    let checks = [
        (
            input.sender == SenderKind::Internal,
            SkipReason::SentByInternalUser,
        ),
        (
            !user.sms_enabled || !org.settings.sms_enabled,
            SkipReason::AccountSmsDisabled,
        ),
        (user.outbound_number.is_none(), SkipReason::NoOutboundNumber),
        (text_blank, SkipReason::ResponderBlank),
        (!enabled, SkipReason::ResponderDisabled),
    ];
    checks
        .into_iter()
        .filter_map(|(failed, reason)| failed.then_some(reason))
        .collect()
}

/// Criteria every responder shares: rate limit (A2), A5 and X4.
fn common_reasons(input: &AutoReplyInput<'_>) -> Vec<SkipReason> {
    let c = input.consent;
    let rate_limited = input
        .last_auto_reply_at
        .is_some_and(|t| input.now < t + input.limits.window);
    let repeated = input
        .previous_body
        .is_some_and(|p| normalized_eq(p.as_str(), input.body.as_str()));
    let checks = [
        (rate_limited, SkipReason::RateLimited),
        (input.is_keyword, SkipReason::Keyword),
        (c.opted_out, SkipReason::SenderOptedOut),
        (c.blocked, SkipReason::SenderBlocked),
        (c.suppressed, SkipReason::SenderSuppressed),
        (
            input.sender == SenderKind::ShortCode,
            SkipReason::ShortCodeSender,
        ),
        (
            input.sender == SenderKind::Unreplyable || input.from.is_none(),
            SkipReason::SenderUnreplyable,
        ),
        (
            has_auto_reply_marker(input.body.as_str()),
            SkipReason::AutomatedReplyMarker,
        ),
        (repeated, SkipReason::RepeatedBody),
        (
            input.auto_replies_last_day >= input.limits.per_conversation_per_day,
            SkipReason::ConversationCapReached,
        ),
    ];
    checks
        .into_iter()
        .filter_map(|(failed, reason)| failed.then_some(reason))
        .collect()
}

/// A4. Returns true when the after-hours reply is planned (so it wins).
fn evaluate_after_hours(
    input: &AutoReplyInput<'_>,
    common: &[SkipReason],
    out: &mut AutoReplyDecision,
) -> bool {
    let (Some(closed), Some(responder)) = (input.after_hours, input.after_hours_responder) else {
        return false;
    };
    if !responder.enabled {
        return false;
    }
    if !closed {
        out.skipped.push(SkippedAutoReply {
            kind: AutoReplyKind::AfterHours,
            reasons: vec![SkipReason::PracticeOpen],
        });
        return false;
    }
    if !input.consent.blocked {
        out.alert = responder.alert_recipients.clone();
    }
    let org: &Organization = &input.directory.organization;
    let number_ok = input
        .directory
        .number(input.to)
        .is_some_and(|n| n.sms_enabled);
    let mut reasons = Vec::new();
    if input.sender == SenderKind::Internal {
        reasons.push(SkipReason::SentByInternalUser);
    }
    if !org.settings.sms_enabled {
        reasons.push(SkipReason::AccountSmsDisabled);
    }
    if !number_ok {
        reasons.push(SkipReason::NumberSmsDisabled);
    }
    if responder.message.trim().is_empty() {
        reasons.push(SkipReason::ResponderBlank);
    }
    reasons.extend(common.iter().copied());
    match input.from {
        Some(to) if reasons.is_empty() => {
            out.reply = Some(plan(
                input,
                AutoReplyKind::AfterHours,
                input.to,
                to,
                responder.message.trim(),
            ));
            true
        }
        _ => {
            out.skipped.push(SkippedAutoReply {
                kind: AutoReplyKind::AfterHours,
                reasons: dedup(reasons),
            });
            false
        }
    }
}

fn plan(
    input: &AutoReplyInput<'_>,
    kind: AutoReplyKind,
    from: E164,
    to: E164,
    text: &str,
) -> PlannedAutoReply {
    let org = &input.directory.organization.id;
    PlannedAutoReply {
        kind,
        from,
        to,
        body: MessageBody::new(text),
        rate_key: rate_key(org, to),
        window: input.limits.window,
        conversation_key: conversation_key(org, input.to, to),
    }
}

fn dedup(mut reasons: Vec<SkipReason>) -> Vec<SkipReason> {
    let mut seen = 0u64;
    reasons.retain(|r| {
        // One bit per reason: fewer than 64 of them.
        let bit = 1u64 << (*r as u32 % 64);
        let first = seen & bit == 0;
        seen |= bit;
        first
    });
    reasons
}

/// Markers of automated replies (X4), matched case-insensitively anywhere.
const AUTO_REPLY_MARKERS: &[&str] = &[
    "auto-reply",
    "autoreply",
    "auto reply",
    "automatic reply",
    "automated reply",
    "automated message",
    "automated response",
    "auto-response",
    "autoresponse",
    "auto response",
    "this is an automated",
    "do not reply to this",
    "please do not reply",
    "no-reply",
    "noreply",
    "out of office",
    "out of the office",
    "i am currently away",
    "i'm currently away",
    "away message",
    "i'm driving",
    "i am driving",
    "replying automatically",
];

static MARKERS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(AUTO_REPLY_MARKERS)
        .ok()
});

/// Four letters one of which every marker holds (a test checks it): a
/// text with none of them, ignoring ASCII case, carries no marker.
const MARKER_LETTERS: [&[u8; 4]; 5] = [b"auto", b"repl", b"offi", b"away", b"driv"];

/// True when `body` may hold a marker: it holds one of [`MARKER_LETTERS`],
/// ignoring ASCII case (four bytes compared at each place, no automaton).
fn may_hold_marker(body: &str) -> bool {
    let letters = MARKER_LETTERS.map(|l| u32::from_le_bytes(*l));
    // Setting bit 5 of each byte lowercases ASCII letters; another byte
    // may then read as a letter, which only sends the text on to the
    // full check.
    const LOWER: u32 = 0x2020_2020;
    body.as_bytes()
        .windows(4)
        .filter_map(|w| <[u8; 4]>::try_from(w).ok())
        .any(|w| letters.contains(&(u32::from_le_bytes(w) | LOWER)))
}

/// True when `body` looks like another system's automated reply (X4).
pub fn has_auto_reply_marker(body: &str) -> bool {
    may_hold_marker(body) && markers_in(body)
}

/// [`has_auto_reply_marker`] without the marker-word prefilter.
fn markers_in(body: &str) -> bool {
    // Curly apostrophes read as straight ones; copy the text only then
    // (an ASCII text, nearly every one, has none: skip the char search).
    let curly = !body.is_ascii() && body.contains(['\u{2019}', '\u{2018}']);
    let body: std::borrow::Cow<'_, str> = if curly {
        body.replace(['\u{2019}', '\u{2018}'], "'").into()
    } else {
        body.into()
    };
    MARKERS.as_ref().is_some_and(|m| m.is_match(body.as_ref()))
}

/// X4: the same text again, ignoring case and white space.
fn normalized_eq(a: &str, b: &str) -> bool {
    if a.trim().is_empty() {
        return false;
    }
    // A robot repeating itself sends the very same bytes.
    if a == b {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return ascii_words_eq(a, b);
    }
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// [`normalized_eq`] for ASCII texts, word by word without copying them.
fn ascii_words_eq(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (a.split_ascii_whitespace(), b.split_ascii_whitespace());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.eq_ignore_ascii_case(q) => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests;
