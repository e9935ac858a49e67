//! The engine: carries the core's decisions out against a store (the
//! storage ports) and a [`Transport`] (the host's SMS and email sender).
//! Hosts that want only decisions call [`crate::inbound::decide`] and
//! [`crate::send::check`] directly; hosts that want the whole job call
//! [`Engine::handle_inbound`] and [`Engine::send`].
//!
//! What the engine adds to the pure decisions is ordering and atomicity:
//! a provider message id is claimed before anything happens and completed
//! after (V10), the inbound text and any consent change are written before
//! any reply goes out (nothing acknowledged is lost), an opt-out
//! confirmation goes out only if the store says this change opted the
//! number out (C4: exactly one, even when two STOPs race), and an
//! auto-reply goes out only after its rate window was acquired atomically
//! (A2).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::autoreply::SkipReason;
use crate::consent::{
    ConsentAction, ConsentChange, ConsentScope, ConsentSource, ConsentTransition,
};
use crate::conversation::{
    Author, Conversation, ConversationStatus, Direction, Message, Participants,
};
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, OrganizationId, Username};
use crate::inbound::{
    self, Disposition, EmailAlert, InboundDecision, InboundState, InboundText, PlannedReply,
    ReplyKind, Rules, Skipped,
};
use crate::phone::E164;
use crate::policy::TextingPolicy;
use crate::ports::{Claim, Clock, Random, Store, StoreError, Timestamp};
use crate::routing::Destination;
use crate::send::{self, SendCheck, SendContext, SendRequest};
use crate::sensitive::MessageBody;
use crate::webhook::Sender;

/// An SMS the engine asks the host to send.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundSms {
    /// The organization sending.
    pub organization: OrganizationId,
    /// Our number.
    pub from: E164,
    /// The recipient.
    pub to: E164,
    /// The text.
    pub body: MessageBody,
}

impl fmt::Debug for OutboundSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundSms")
            .field("organization", &self.organization)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("body", &self.body)
            .finish()
    }
}

/// The provider's answer to an accepted SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendReceipt {
    /// The provider's message id (status callbacks refer to it).
    pub provider_id: String,
}

/// The host could not hand a message to its provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The provider refused the message (with its error code, if any).
    #[error("the provider refused the message: {message}")]
    Rejected {
        /// Provider error code, e.g. 21610.
        provider_code: Option<u32>,
        /// The provider's explanation (no patient data).
        message: String,
    },
    /// The provider could not be reached; try again later.
    #[error("the provider could not be reached: {message}")]
    Unavailable {
        /// What happened.
        message: String,
    },
}

impl TransportError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TransportError::Rejected { .. } => "transport_rejected",
            TransportError::Unavailable { .. } => "transport_unavailable",
        }
    }
}

/// How texts and emails leave: implemented by the host (a provider's API,
/// a queue, a file for tests).
pub trait Transport: Send + Sync {
    /// Sends one SMS.
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError>;
    /// Sends one email alert.
    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError>;
}

/// The result of one reply or send handed to the transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivered {
    /// Why it was sent.
    pub kind: ReplyKind,
    /// The message as recorded.
    pub message: MessageId,
    /// The provider's id, when the transport accepted it.
    pub provider_id: Option<String>,
    /// The transport's refusal, when it did not.
    pub error: Option<String>,
}

/// What [`Engine::handle_inbound`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum InboundOutcome {
    /// Handled now.
    Handled {
        /// The decision, with effects the engine could not carry out moved to
        /// `skipped` (e.g. a rate window lost to another process).
        decision: Box<InboundDecision>,
        /// The conversation the text joined or started (V1).
        conversation: ConversationId,
        /// The stored message.
        message: MessageId,
        /// Replies handed to the transport.
        sent: Vec<Delivered>,
    },
    /// The provider delivered this message id before (V10): nothing changed.
    Duplicate {
        /// True when another worker is handling it right now.
        in_progress: bool,
    },
}

/// Refusals of an engine operation (an unknown number, a store failure).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The inbound text was addressed to a number no organization owns.
    #[error("no organization owns the number {number}; check the provider's webhook configuration")]
    UnknownNumber {
        /// The number, redacted.
        number: String,
    },
}

impl EngineError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::UnknownNumber { .. } => "unknown_number",
        }
    }
}

/// What the unit of [`Engine::handle_inbound`] left: a duplicate, or the
/// recorded text with the replies to send.
enum Recorded {
    Duplicate { in_progress: bool },
    Handled(Box<RecordedText>),
}

struct RecordedText {
    org: OrganizationId,
    decision: InboundDecision,
    conversation: ConversationId,
    message: MessageId,
    replies: Vec<(PlannedReply, MessageId)>,
}

/// An automated reply as its outbound message.
fn automated(
    org: &OrganizationId,
    conversation: &ConversationId,
    id: &MessageId,
    reply: &PlannedReply,
    at: Timestamp,
    provider_id: Option<String>,
) -> Message {
    Message {
        id: id.clone(),
        organization: org.clone(),
        conversation: conversation.clone(),
        direction: Direction::Outbound,
        author: Author::Automated,
        body: reply.body.clone(),
        at,
        provider_id,
    }
}

/// How long a claimed provider message id stays claimed before another
/// worker may retry it (a worker that died mid-way).
const INBOUND_LEASE: TimeDelta = TimeDelta::seconds(60);

/// The engine over a store `S` and a transport `T`.
pub struct Engine<S, T> {
    store: S,
    transport: T,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    rules: RwLock<HashMap<OrganizationId, Arc<CompiledPolicy>>>,
}

/// An organization's policy, compiled, with the settings it came from.
struct CompiledPolicy {
    source: TextingPolicy,
    rules: Rules,
    send: crate::policy::SendRules,
}

impl<S, T> fmt::Debug for Engine<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Engine { .. }")
    }
}

impl<S: Store, T: Transport> Engine<S, T> {
    /// An engine over `store` and `transport`, with the host's clock and
    /// random source.
    pub fn new(store: S, transport: T, clock: Arc<dyn Clock>, random: Arc<dyn Random>) -> Self {
        Engine {
            store,
            transport,
            clock,
            random,
            rules: RwLock::new(HashMap::new()),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The current time from the engine's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn policy(&self, dir: &Directory) -> Result<Arc<CompiledPolicy>, Error> {
        let source = &dir.organization.settings.policy;
        if let Ok(cache) = self.rules.read()
            && let Some(p) = cache.get(&dir.organization.id)
            && &p.source == source
        {
            return Ok(Arc::clone(p));
        }
        let compiled = Arc::new(CompiledPolicy {
            source: source.clone(),
            rules: source.inbound_rules()?,
            send: source.send_rules()?,
        });
        if let Ok(mut cache) = self.rules.write() {
            cache.insert(dir.organization.id.clone(), Arc::clone(&compiled));
        }
        Ok(compiled)
    }

    fn new_id(&self, prefix: &str) -> String {
        let mut bytes = [0u8; 12];
        self.random.fill(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{prefix}_{hex}")
    }

    /// Handles one inbound text end to end (V1, V10, C1-C7, R3, R4, A1-A5,
    /// X4): claims its provider id, decides, records the message, any
    /// consent change, the rate windows and the replies, and completes the
    /// claim, all in one [`Atomic`](crate::ports::Atomic) unit; then sends the replies and alerts
    /// and reports all of it.
    ///
    /// A crash before the unit commits leaves nothing (the provider's retry
    /// handles the text afresh); after it, the text is handled for good
    /// (a retry is a duplicate). Replies go out at most once: a crash
    /// between the commit and the send leaves a reply recorded without a
    /// provider id, never a second copy.
    pub fn handle_inbound(&self, text: &InboundText) -> Result<InboundOutcome, Error> {
        let recorded = match self.store.atomically(|| self.record_inbound(text))? {
            Recorded::Duplicate { in_progress } => {
                return Ok(InboundOutcome::Duplicate { in_progress });
            }
            Recorded::Handled(r) => r,
        };
        let RecordedText {
            org,
            mut decision,
            conversation,
            message,
            replies,
        } = *recorded;
        let sent = replies
            .iter()
            .map(|(reply, id)| self.deliver(&org, &conversation, reply, id, text.received_at))
            .collect::<Result<Vec<_>, _>>()?;
        decision.replies = replies.into_iter().map(|(reply, _)| reply).collect();
        for alert in &decision.alerts {
            if let Err(e) = self.transport.send_email(alert) {
                tracing::warn!(code = e.code(), "after-hours alert email failed");
            }
        }
        Ok(InboundOutcome::Handled {
            decision: Box::new(decision),
            conversation,
            message,
            sent,
        })
    }

    /// The part of [`handle_inbound`](Self::handle_inbound) that runs in
    /// one unit. The claim's lease runs on the engine's clock, so a retry
    /// after a crashed attempt's lease can claim the text again.
    fn record_inbound(&self, text: &InboundText) -> Result<Recorded, Error> {
        let now = self.clock.now();
        if let Some(id) = &text.provider_id {
            match self.store.claim("inbound", id, INBOUND_LEASE, now)? {
                Claim::Acquired => {}
                Claim::InProgress => return Ok(Recorded::Duplicate { in_progress: true }),
                Claim::Done => return Ok(Recorded::Duplicate { in_progress: false }),
            }
        }
        let recorded = self.record_claimed(text)?;
        if let Some(id) = &text.provider_id {
            self.store.complete("inbound", id, now)?;
        }
        Ok(Recorded::Handled(Box::new(recorded)))
    }

    fn record_claimed(&self, text: &InboundText) -> Result<RecordedText, Error> {
        let owner = self
            .store
            .number(text.to)?
            .ok_or_else(|| EngineError::UnknownNumber {
                number: text.to.redacted(),
            })?;
        let org = owner.organization;
        let dir = self.store.directory(&org)?;
        let policy = self.policy(&dir)?;
        let from = text.from.number();
        let consent = match from {
            Some(n) => self.store.consent(&org, n)?,
            None => Default::default(),
        };
        let participants = match (&text.from, from) {
            (_, Some(n)) => Participants::Sms {
                our_number: text.to,
                outside_number: n,
            },
            (sender, None) => Participants::SmsUnreplyable {
                our_number: text.to,
                sender: sender.to_string(),
            },
        };
        let conversation = self.active_or_new(&org, participants, text.received_at)?;
        let previous_body = self
            .store
            .last_message(&org, &conversation.id, Direction::Inbound)?
            .map(|m| m.body);
        let (last_auto_reply_at, auto_replies_last_day) = match from {
            Some(n) => (
                self.store
                    .last_acquired(&org, &crate::autoreply::rate_key(&org, n))?,
                self.store.count_since(
                    &org,
                    &crate::autoreply::conversation_key(&org, text.to, n),
                    text.received_at - TimeDelta::hours(24),
                )?,
            ),
            None => (None, 0),
        };
        let state = InboundState {
            directory: &dir,
            consent: &consent,
            previous_body: previous_body.as_ref(),
            last_auto_reply_at,
            auto_replies_last_day,
        };
        let mut decision = inbound::decide(text, &state, &policy.rules);

        // 1. Record the text (nothing acknowledged is lost).
        let message_id = match &text.provider_id {
            Some(p) => MessageId::new(format!("in_{p}")),
            None => MessageId::new(self.new_id("in")),
        };
        self.store.put_message(&Message {
            id: message_id.clone(),
            organization: org.clone(),
            conversation: conversation.id.clone(),
            direction: Direction::Inbound,
            author: Author::Outside,
            body: text.body.clone(),
            at: text.received_at,
            provider_id: text.provider_id.clone(),
        })?;
        // 2. Record the consent change before any reply.
        let transition = match &decision.consent_change {
            Some(change) => Some(self.store.record_consent(&org, change)?),
            None => None,
        };
        // 3. Keep the replies that may still go out, and record them.
        let replies = self.keep_replies(
            &org,
            &conversation.id,
            &mut decision,
            transition.as_ref(),
            text.received_at,
        )?;
        Ok(RecordedText {
            org,
            decision,
            conversation: conversation.id,
            message: message_id,
            replies,
        })
    }

    fn active_or_new(
        &self,
        org: &OrganizationId,
        participants: Participants,
        at: Timestamp,
    ) -> Result<Conversation, Error> {
        if let Some(c) = self.store.active_conversation(org, &participants)? {
            return Ok(c);
        }
        let conversation = Conversation {
            id: ConversationId::new(self.new_id("conv")),
            organization: org.clone(),
            participants,
            status: ConversationStatus::Active,
            client: None,
            started_at: at,
        };
        match self.store.put_conversation(&conversation) {
            Ok(()) => Ok(conversation),
            // Another worker started it a moment ago: join theirs.
            Err(StoreError::Conflict { .. }) => self
                .store
                .active_conversation(org, &conversation.participants)?
                .ok_or_else(|| {
                    Error::Store(StoreError::Conflict {
                        message: "conversation vanished while being started".into(),
                    })
                }),
            Err(e) => Err(e.into()),
        }
    }

    /// The planned replies that may go out, each recorded as an outbound
    /// message (with no provider id until it is sent); the others move to
    /// `skipped` with their reason.
    fn keep_replies(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        decision: &mut InboundDecision,
        transition: Option<&ConsentTransition>,
        now: Timestamp,
    ) -> Result<Vec<(PlannedReply, MessageId)>, Error> {
        let planned = std::mem::take(&mut decision.replies);
        let mut kept = Vec::new();
        for reply in planned {
            if let Some(reason) = self.hold_back(org, &reply, transition, now)? {
                decision.skipped.push(Skipped {
                    effect: reply.kind,
                    reasons: vec![reason],
                });
                continue;
            }
            let id = MessageId::new(self.new_id("out"));
            self.store
                .put_message(&automated(org, conversation, &id, &reply, now, None))?;
            kept.push((reply, id));
        }
        Ok(kept)
    }

    /// Why a planned reply must not go out after all: C4 (the store says
    /// this change did not opt the number out just now) or A2 (the rate
    /// window was taken by another process).
    fn hold_back(
        &self,
        org: &OrganizationId,
        reply: &PlannedReply,
        transition: Option<&ConsentTransition>,
        now: Timestamp,
    ) -> Result<Option<SkipReason>, Error> {
        let fresh =
            |t: Option<&ConsentTransition>, f: fn(&ConsentTransition) -> bool| t.is_some_and(f);
        match reply.kind {
            ReplyKind::OptOutConfirmation
                if !fresh(transition, ConsentTransition::newly_opted_out) =>
            {
                return Ok(Some(SkipReason::Keyword));
            }
            ReplyKind::OptInConfirmation
                if !fresh(transition, ConsentTransition::newly_opted_in) =>
            {
                return Ok(Some(SkipReason::Keyword));
            }
            _ => {}
        }
        if let Some(rate) = &reply.rate {
            if !self.store.try_acquire(org, &rate.key, rate.window, now)? {
                return Ok(Some(SkipReason::RateLimited));
            }
            self.store
                .try_acquire(org, &rate.conversation_key, TimeDelta::zero(), now)?;
        }
        Ok(None)
    }

    /// Sends a recorded reply and records the provider's id.
    fn deliver(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        reply: &PlannedReply,
        id: &MessageId,
        now: Timestamp,
    ) -> Result<Delivered, Error> {
        let sms = OutboundSms {
            organization: org.clone(),
            from: reply.from,
            to: reply.to,
            body: reply.body.clone(),
        };
        let result = self.transport.send_sms(&sms);
        let provider_id = result.as_ref().ok().map(|r| r.provider_id.clone());
        if provider_id.is_some() {
            let sent = automated(org, conversation, id, reply, now, provider_id.clone());
            self.store.put_message(&sent)?;
        }
        Ok(Delivered {
            kind: reply.kind,
            message: id.clone(),
            provider_id,
            error: result.err().map(|e| e.to_string()),
        })
    }

    /// Checks a send request without sending (R2, R4-R7, N2, C4, C6, P1-P7):
    /// one answer per recipient, each with every reason it cannot go.
    pub fn can_send(&self, req: &SendRequest) -> Result<Vec<SendCheck>, Error> {
        let dir = self.store.directory(&req.organization)?;
        let policy = self.policy(&dir)?;
        let org = req.organization.clone();
        let store = &self.store;
        let consent = move |n: E164| store.consent(&org, n).unwrap_or_default();
        let ctx = SendContext {
            directory: &dir,
            content: &policy.send.content,
            limits: &policy.send.limits,
            consent: &consent,
        };
        Ok(send::check(req, &ctx))
    }

    /// Sends a staff member's text (R1-R7): every allowed recipient gets its
    /// own message through the transport (SMS) or the chat thread (R1),
    /// recorded in its active conversation or a new one (V2). Recipients
    /// that may not be texted are reported and skipped.
    pub fn send(&self, req: &SendRequest) -> Result<Vec<SendOutcome>, Error> {
        let checks = self.can_send(req)?;
        let now = self.clock.now();
        let mut out = Vec::with_capacity(checks.len());
        for check in checks {
            let delivered = match (&check.destination, check.from, check.allowed) {
                (Some(Destination::Sms(to)), Some(from), true) => {
                    Some(self.send_one(req, from, *to, now)?)
                }
                (Some(Destination::Chat(to)), _, true) => Some(self.chat_one(req, to, now)?),
                _ => None,
            };
            out.push(SendOutcome { check, delivered });
        }
        Ok(out)
    }

    fn send_one(
        &self,
        req: &SendRequest,
        from: E164,
        to: E164,
        now: Timestamp,
    ) -> Result<Delivered, Error> {
        let participants = Participants::Sms {
            our_number: from,
            outside_number: to,
        };
        let conversation = self.active_or_new(&req.organization, participants, now)?;
        let sms = OutboundSms {
            organization: req.organization.clone(),
            from,
            to,
            body: req.body.clone(),
        };
        let result = self.transport.send_sms(&sms);
        let id = MessageId::new(self.new_id("out"));
        let provider_id = result.as_ref().ok().map(|r| r.provider_id.clone());
        self.store.put_message(&Message {
            id: id.clone(),
            organization: req.organization.clone(),
            conversation: conversation.id,
            direction: Direction::Outbound,
            author: Author::User(req.user.clone()),
            body: req.body.clone(),
            at: now,
            provider_id: provider_id.clone(),
        })?;
        Ok(Delivered {
            kind: ReplyKind::Staff,
            message: id,
            provider_id,
            error: result.err().map(|e| e.to_string()),
        })
    }

    fn chat_one(
        &self,
        req: &SendRequest,
        to: &Username,
        now: Timestamp,
    ) -> Result<Delivered, Error> {
        let participants = Participants::chat(req.user.clone(), to.clone());
        let conversation = self.active_or_new(&req.organization, participants, now)?;
        let id = MessageId::new(self.new_id("chat"));
        self.store.put_message(&Message {
            id: id.clone(),
            organization: req.organization.clone(),
            conversation: conversation.id,
            direction: Direction::Outbound,
            author: Author::User(req.user.clone()),
            body: req.body.clone(),
            at: now,
            provider_id: None,
        })?;
        Ok(Delivered {
            kind: ReplyKind::Chat,
            message: id,
            provider_id: None,
            error: None,
        })
    }

    /// Staff block (C6) or unblock an outside number; recorded with the
    /// staff member in the consent history (C7).
    pub fn set_blocked(
        &self,
        org: &OrganizationId,
        number: E164,
        blocked: bool,
        staff: &Username,
    ) -> Result<ConsentTransition, Error> {
        let change = ConsentChange {
            at: self.clock.now(),
            number,
            action: if blocked {
                ConsentAction::Block
            } else {
                ConsentAction::Unblock
            },
            source: ConsentSource::Staff {
                username: staff.clone(),
            },
            raw_text: None,
            via: None,
            scope: ConsentScope::Organization {
                organization: org.clone(),
            },
        };
        Ok(self.store.record_consent(org, &change)?)
    }
}

/// The result of sending to one recipient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendOutcome {
    /// The check (allowed, refusals, warnings, segments).
    pub check: SendCheck,
    /// What was handed to the transport or the chat thread, if allowed.
    pub delivered: Option<Delivered>,
}

impl Disposition {
    /// True when the text was quarantined (C6).
    pub fn is_quarantined(&self) -> bool {
        matches!(self, Disposition::Quarantine)
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sender::Number(n) => write!(f, "{n}"),
            Sender::ShortCode(s) | Sender::Other(s) => f.write_str(s),
        }
    }
}
