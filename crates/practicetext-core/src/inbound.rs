//! The inbound decision: what happens to one text that arrives at one of
//! the organization's numbers. It ties together keyword classification
//! (C1-C3, C5), the block list (C6), routing (R3, R4), consent replies (C3,
//! C4) and the auto-responders (A1-A5, X4).
//!
//! [`decide`] is pure: the text, the state it needs and the organization's
//! compiled [`Rules`] go in; an [`InboundDecision`] comes out that lists
//! every effect (deliver, record this consent change, send these replies,
//! alert these addresses, flag this for staff) and every skipped effect with
//! its reasons. The engine carries it out; hosts may also call it directly.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::autoreply::{
    self, AfterHoursResponder, AutoReplyDecision, AutoReplyInput, AutoReplyKind, AutoReplyLimits,
    SenderKind, SkipReason,
};
use crate::consent::{ConsentAction, ConsentChange, ConsentScope, ConsentSource, ConsentState};
use crate::directory::Directory;
use crate::hours::BusinessHours;
use crate::ids::OrganizationId;
use crate::inbox::queues::{QueueInput, QueueMatch, QueueRules};
use crate::phone::E164;
use crate::ports::{RateKey, Timestamp};
use crate::routing::{self, Delivery};
use crate::sensitive::{EmailAddress, MessageBody};
use crate::text::keywords::{Classification, KeywordAction, KeywordClassifier, KeywordFlag};
use crate::webhook::Sender;

/// One inbound text, as the provider delivered it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundText {
    /// The provider's message id (the idempotency key of V10), if any.
    #[serde(default)]
    pub provider_id: Option<String>,
    /// Who sent it.
    pub from: Sender,
    /// Our number it was sent to.
    pub to: E164,
    /// The text.
    pub body: MessageBody,
    /// Number of attachments (pictures, documents) it carried.
    #[serde(default)]
    pub media_count: u32,
    /// When it arrived.
    pub received_at: Timestamp,
}

impl fmt::Debug for InboundText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundText")
            .field("provider_id", &self.provider_id)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("body", &self.body)
            .field("media_count", &self.media_count)
            .field("received_at", &self.received_at)
            .finish()
    }
}

/// The after-hours responder and the hours it keys off (A4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfterHours {
    /// The practice's business hours, in its time zone.
    pub hours: BusinessHours,
    /// The responder.
    #[serde(flatten)]
    pub responder: AfterHoursResponder,
}

/// An organization's rules for inbound texts, compiled once and shared.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Keyword lists (C1-C3), compiled.
    pub keywords: KeywordClassifier,
    /// Auto-reply limits (A2, X4).
    pub limits: AutoReplyLimits,
    /// The after-hours responder, if the organization has one (A4).
    pub after_hours: Option<AfterHours>,
    /// The reply to HELP/INFO (C3); a default naming the practice and the
    /// number is used when `None`.
    pub help_reply: Option<String>,
    /// Workflow queue rules (V8).
    pub queues: QueueRules,
}

/// What the decision needs to know besides the text.
#[derive(Debug, Clone, Copy)]
pub struct InboundState<'a> {
    /// The directory of the organization that owns the number texted.
    pub directory: &'a Directory,
    /// The sender's consent state in that organization.
    pub consent: &'a ConsentState,
    /// The sender's previous inbound text in the active conversation (X4).
    pub previous_body: Option<&'a MessageBody>,
    /// When the last auto-reply went to the sender (A2).
    pub last_auto_reply_at: Option<Timestamp>,
    /// Auto-replies in this conversation in the last 24 hours (X4).
    pub auto_replies_last_day: u32,
    /// The sender is a known client (V8 queue rules).
    pub known_client: bool,
}

/// Where the text goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Disposition {
    /// Delivered along the number's route (R3, R4).
    Deliver {
        /// To whom.
        delivery: Delivery,
    },
    /// Quarantined: the sender is blocked (C6); not routed, nobody notified.
    Quarantine,
}

/// Why a reply is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// The one confirmation after an opt-out (C4).
    OptOutConfirmation,
    /// The confirmation after opting back in (C3).
    OptInConfirmation,
    /// The answer to HELP/INFO (C3), sent even when opted out.
    Help,
    /// The personal auto-responder (A1).
    PersonalAutoReply,
    /// The after-hours responder (A4).
    AfterHoursAutoReply,
    /// A text a staff member typed (not an automated reply).
    Staff,
    /// A chat message between users (R1).
    Chat,
    /// The notice of a secure message (S3).
    SecureNotice,
}

/// A reply the engine sends (after acquiring `rate` if present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedReply {
    /// Why.
    pub kind: ReplyKind,
    /// Our number it goes out from.
    pub from: E164,
    /// The sender.
    pub to: E164,
    /// The text.
    pub body: MessageBody,
    /// For auto-replies: the rate window to acquire first (A2).
    #[serde(default)]
    pub rate: Option<RateClaim>,
}

/// A rate window an auto-reply must acquire before it is sent (A2, X4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateClaim {
    /// One auto-reply per sender per window.
    pub key: RateKey,
    /// The window.
    #[serde(with = "crate::autoreply::seconds")]
    pub window: TimeDelta,
    /// The per-conversation counter to record (X4).
    pub conversation_key: RateKey,
}

/// An effect that did not happen, and why (every reason, A1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// What was skipped.
    pub effect: ReplyKind,
    /// Stable reason codes.
    pub reasons: Vec<SkipReason>,
}

/// Something staff should look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffFlag {
    /// A plain-language opt-out was honoured; a person should confirm (C2).
    ReviewOptOut,
    /// CANCEL may also mean "cancel my appointment" (C5).
    PossibleCancellation,
}

/// An email alert (A4). Carries no message content: only that a text
/// arrived, when, and on which practice number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAlert {
    /// Recipients.
    pub to: Vec<EmailAddress>,
    /// Subject line.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// Everything that should happen because of one inbound text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundDecision {
    /// The organization that owns the number texted.
    pub organization: OrganizationId,
    /// Keyword classification (C1-C3, C5).
    pub classification: Classification,
    /// Delivered or quarantined.
    pub disposition: Disposition,
    /// The consent change to record, if any (C7).
    pub consent_change: Option<ConsentChange>,
    /// Replies to send, in order.
    pub replies: Vec<PlannedReply>,
    /// Replies not sent, with reasons.
    pub skipped: Vec<Skipped>,
    /// Email alerts to send (A4).
    pub alerts: Vec<EmailAlert>,
    /// Flags for staff (C2, C5).
    pub flags: Vec<StaffFlag>,
    /// The workflow queue the first matching rule sorts it into, and why
    /// (V8); `None` when no rule matches.
    pub queue: Option<QueueMatch>,
}

/// Decides what happens to `text` (C1-C7, R3, R4, A1-A5, X4).
pub fn decide(text: &InboundText, state: &InboundState<'_>, rules: &Rules) -> InboundDecision {
    let dir = state.directory;
    let org = dir.organization.id.clone();
    let from_number = text.from.number();
    let classification = rules
        .keywords
        .classify(text.body.as_str(), state.consent.opted_out);
    let consent_change = from_number.and_then(|n| consent_change(text, n, &classification, &org));
    let disposition = if state.consent.blocked {
        Disposition::Quarantine
    } else {
        Disposition::Deliver {
            delivery: routing::route_inbound(dir, text.to),
        }
    };
    let mut decision = InboundDecision {
        organization: org,
        classification,
        disposition,
        consent_change,
        replies: Vec::new(),
        skipped: Vec::new(),
        alerts: Vec::new(),
        flags: Vec::new(),
        queue: None,
    };
    decision.flags = flags(&decision.classification);
    keyword_reply(text, state, rules, &mut decision);
    auto_reply(text, state, rules, &mut decision);
    decision.queue = sort_into_queue(text, state, rules);
    decision
}

/// V8: the first queue rule that matches, with business hours from the
/// after-hours schedule (always open without one).
fn sort_into_queue(
    text: &InboundText,
    state: &InboundState<'_>,
    rules: &Rules,
) -> Option<QueueMatch> {
    if state.consent.blocked || rules.queues.is_empty() {
        return None;
    }
    let open = rules
        .after_hours
        .as_ref()
        .is_none_or(|ah| ah.hours.is_open(text.received_at));
    rules.queues.sort(&QueueInput {
        our_number: text.to,
        body: text.body.clone(),
        known_client: state.known_client,
        open,
        direction: crate::conversation::Direction::Inbound,
    })
}

fn consent_change(
    text: &InboundText,
    number: E164,
    c: &Classification,
    org: &OrganizationId,
) -> Option<ConsentChange> {
    let action = match c.action {
        KeywordAction::OptOut => ConsentAction::OptOut,
        KeywordAction::OptIn => ConsentAction::OptIn,
        KeywordAction::Help | KeywordAction::None => return None,
    };
    let plain_language = c.flags.contains(&KeywordFlag::NaturalLanguageOptOut);
    let source = match &c.keyword {
        Some(k) if !plain_language => ConsentSource::Keyword {
            keyword: k.to_string(),
        },
        _ => ConsentSource::PlainLanguage,
    };
    Some(ConsentChange {
        at: text.received_at,
        number,
        action,
        source,
        raw_text: Some(text.body.clone()),
        via: Some(text.to),
        scope: ConsentScope::Organization {
            organization: org.clone(),
        },
    })
}

fn flags(c: &Classification) -> Vec<StaffFlag> {
    c.flags
        .iter()
        .map(|f| match f {
            KeywordFlag::NaturalLanguageOptOut => StaffFlag::ReviewOptOut,
            KeywordFlag::PossibleCancellation => StaffFlag::PossibleCancellation,
        })
        .collect()
}

/// C3, C4: the opt-out confirmation (once, on the change), the opt-in
/// confirmation, the HELP reply (even when opted out). Never to a blocked
/// number (C6) and never when the organization or number cannot send.
fn keyword_reply(
    text: &InboundText,
    state: &InboundState<'_>,
    rules: &Rules,
    decision: &mut InboundDecision,
) {
    let c = &decision.classification;
    let (kind, already) = match c.action {
        KeywordAction::OptOut => (ReplyKind::OptOutConfirmation, state.consent.opted_out),
        KeywordAction::OptIn => (ReplyKind::OptInConfirmation, !state.consent.opted_out),
        KeywordAction::Help => (ReplyKind::Help, false),
        KeywordAction::None => return,
    };
    let dir = state.directory;
    let mut reasons = Vec::new();
    if already {
        reasons.push(SkipReason::Keyword);
    }
    if state.consent.blocked {
        reasons.push(SkipReason::SenderBlocked);
    }
    if !dir.organization.settings.sms_enabled {
        reasons.push(SkipReason::AccountSmsDisabled);
    }
    if !dir.number(text.to).is_some_and(|n| n.sms_enabled) {
        reasons.push(SkipReason::NumberSmsDisabled);
    }
    let to = match text.from {
        Sender::Number(n) if reasons.is_empty() => n,
        _ => {
            if text.from.number().is_none() {
                reasons.push(SkipReason::SenderUnreplyable);
            }
            decision.skipped.push(Skipped {
                effect: kind,
                reasons,
            });
            return;
        }
    };
    let name = &dir.organization.name;
    let body = match kind {
        ReplyKind::OptOutConfirmation => format!(
            "{name}: You're unsubscribed and will get no more texts. Reply START to resubscribe."
        ),
        ReplyKind::OptInConfirmation => {
            format!("{name}: You're subscribed again. Reply HELP for help, STOP to opt out.")
        }
        _ => rules.help_reply.clone().unwrap_or_else(|| {
            format!(
                "{name}: for help call {}. Reply STOP to opt out. Msg&data rates may apply.",
                text.to.national_format()
            )
        }),
    };
    decision.replies.push(PlannedReply {
        kind,
        from: text.to,
        to,
        body: MessageBody::new(body),
        rate: None,
    });
}

fn sender_kind(sender: &Sender, dir: &Directory) -> SenderKind {
    match sender {
        Sender::Number(n) if dir.number(*n).is_some() => SenderKind::Internal,
        Sender::Number(_) => SenderKind::Outside,
        Sender::ShortCode(_) => SenderKind::ShortCode,
        Sender::Other(_) => SenderKind::Unreplyable,
    }
}

/// A1-A5, X4 through [`autoreply::decide`].
fn auto_reply(
    text: &InboundText,
    state: &InboundState<'_>,
    rules: &Rules,
    decision: &mut InboundDecision,
) {
    let Disposition::Deliver { delivery } = &decision.disposition else {
        return;
    };
    let after_hours = rules
        .after_hours
        .as_ref()
        .map(|ah| !ah.hours.is_open(text.received_at));
    let input = AutoReplyInput {
        directory: state.directory,
        to: text.to,
        from: text.from.number(),
        sender: sender_kind(&text.from, state.directory),
        delivery,
        body: &text.body,
        is_keyword: decision.classification.action != KeywordAction::None,
        consent: state.consent,
        previous_body: state.previous_body,
        last_auto_reply_at: state.last_auto_reply_at,
        auto_replies_last_day: state.auto_replies_last_day,
        after_hours,
        after_hours_responder: rules.after_hours.as_ref().map(|a| &a.responder),
        limits: &rules.limits,
        now: text.received_at,
    };
    let AutoReplyDecision {
        reply,
        skipped,
        alert,
    } = autoreply::decide(&input);
    let kind_of = |k: AutoReplyKind| match k {
        AutoReplyKind::Personal => ReplyKind::PersonalAutoReply,
        AutoReplyKind::AfterHours => ReplyKind::AfterHoursAutoReply,
    };
    if let Some(r) = reply {
        decision.replies.push(PlannedReply {
            kind: kind_of(r.kind),
            from: r.from,
            to: r.to,
            body: r.body,
            rate: Some(RateClaim {
                key: r.rate_key,
                window: r.window,
                conversation_key: r.conversation_key,
            }),
        });
    }
    decision
        .skipped
        .extend(skipped.into_iter().map(|s| Skipped {
            effect: kind_of(s.kind),
            reasons: s.reasons,
        }));
    if !alert.is_empty() {
        decision.alerts.push(EmailAlert {
            to: alert,
            subject: format!("After-hours text for {}", state.directory.organization.name),
            body: format!(
                "A text arrived after hours on {} at {}. Open the inbox to read and answer it.",
                text.to.national_format(),
                text.received_at.to_rfc3339()
            ),
        });
    }
}
