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

use std::fmt;
use std::sync::{Arc, RwLock};

use chrono::TimeDelta;
use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::autoreply::SkipReason;
use crate::consent::{
    ConsentAction, ConsentChange, ConsentScope, ConsentSource, ConsentTransition,
};
use crate::conversation::{
    Author, Conversation, ConversationStatus, Direction, Message, Participants,
};
use crate::delivery::{self, DeliveryState, StatusEffect};
use crate::directory::Directory;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, OrganizationId, Username};
use crate::inbound::{
    self, Disposition, EmailAlert, InboundDecision, InboundState, InboundText, PlannedReply,
    ReplyKind, Rules, Skipped,
};
use crate::inbox::lifecycle;
use crate::inbox::notify::Notification;
use crate::inbox::state as inbox_state;
use crate::inbox::usage;
use crate::phone::E164;
use crate::policy::TextingPolicy;
use crate::ports::DeliveryRecord;
use crate::ports::{Claim, Clock, InboundQuery, Random, Store, StoreError, Timestamp};
use crate::routing::Delivery;
use crate::routing::Destination;
use crate::secure::SecureNotice;
use crate::send::{self, SendCheck, SendContext, SendRequest};
use crate::sensitive::MessageBody;
use crate::text::segments;
use crate::webhook::Sender;
use crate::webhook::{self as webhook, StatusCallback, WebhookConfig};

mod batch;

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
    /// A key that stays the same however often this one text is attempted
    /// (a mass alert uses its broadcast id and the recipient, SPEC B9).
    /// A transport that supports it hands it to the provider (so a repeated
    /// request is not sent twice) and answers [`Transport::find_sent`] by
    /// it. `None` for texts that are never retried after a crash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

impl fmt::Debug for OutboundSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundSms")
            .field("organization", &self.organization)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("body", &self.body)
            .field("idempotency_key", &self.idempotency_key)
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
    /// The provider could not be reached; nothing was handed over, so the
    /// text may be tried again later.
    #[error("the provider could not be reached: {message}")]
    Unavailable {
        /// What happened.
        message: String,
    },
    /// The request may or may not have reached the provider (a timeout, a
    /// connection lost after the request was written). Sending again could
    /// send twice; a mass alert looks the text up with
    /// [`Transport::find_sent`] first (SPEC B9).
    #[error("the provider's answer was lost; the text may or may not have been sent: {message}")]
    Indeterminate {
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
            TransportError::Indeterminate { .. } => "transport_indeterminate",
        }
    }
}

/// What a transport knows about an earlier attempt to send a text with a
/// given idempotency key (SPEC B9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum SentLookup {
    /// The provider accepted it.
    Sent(SendReceipt),
    /// The transport knows for certain that it was never handed over, so
    /// sending it now sends it once.
    NotSent,
    /// The transport cannot tell (the default): sending again could send
    /// twice.
    Unknown,
}

/// How texts and emails leave: implemented by the host (a provider's API,
/// a queue, a file for tests).
pub trait Transport: Send + Sync {
    /// Sends one SMS.
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError>;
    /// Sends one email alert.
    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError>;
    /// Looks up an SMS sent earlier with [`OutboundSms::idempotency_key`]
    /// `key`: how a mass alert resumed after a crash learns whether a text
    /// left in "sending" went out (SPEC B9). The default cannot tell
    /// ([`SentLookup::Unknown`]); such a text is then reported as
    /// interrupted, never sent a second time.
    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        let _ = key;
        Ok(SentLookup::Unknown)
    }
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
        /// Live notifications for the users who are online (V6).
        notifications: Vec<Notification>,
    },
    /// The provider delivered this message id before (V10): nothing changed.
    Duplicate {
        /// True when another worker is handling it right now.
        in_progress: bool,
    },
}

/// What a status callback did (X2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusOutcome {
    /// The message it is about.
    pub message: MessageId,
    /// Its delivery state now.
    pub state: DeliveryState,
    /// What follows: advanced, ignored (and why), suppress, retry at, give up.
    pub effects: Vec<StatusEffect>,
}

/// What a webhook turned out to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "webhook", content = "outcome")]
pub enum WebhookOutcome {
    /// An inbound text.
    Inbound(InboundOutcome),
    /// A delivery status callback.
    Status(StatusOutcome),
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
    /// A status callback for a message this library did not send.
    #[error("no message with provider id '{provider_id}' was sent through this library")]
    UnknownMessage {
        /// The provider's message id.
        provider_id: String,
    },
}

impl EngineError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::UnknownNumber { .. } => "unknown_number",
            EngineError::UnknownMessage { .. } => "unknown_message",
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
    decision: InboundDecision,
    conversation: ConversationId,
    message: MessageId,
    replies: Vec<(PlannedReply, Message)>,
    notifications: Vec<Notification>,
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
    rules: RwLock<FxHashMap<OrganizationId, Arc<CompiledPolicy>>>,
}

/// An organization's policy, compiled, with the settings it came from.
struct CompiledPolicy {
    /// The shared directory it was compiled from, when read shared: the
    /// same snapshot again needs no comparison of the settings.
    directory: Option<Arc<Directory>>,
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
            rules: RwLock::new(FxHashMap::default()),
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
        self.compiled_policy(dir, None)
    }

    /// [`policy`](Self::policy) of a shared directory: the snapshot the
    /// cached policy was compiled from is known to hold the same settings.
    fn shared_policy(&self, dir: &Arc<Directory>) -> Result<Arc<CompiledPolicy>, Error> {
        self.compiled_policy(dir, Some(dir))
    }

    fn compiled_policy(
        &self,
        dir: &Directory,
        shared: Option<&Arc<Directory>>,
    ) -> Result<Arc<CompiledPolicy>, Error> {
        let source = &dir.organization.settings.policy;
        if let Ok(cache) = self.rules.read()
            && let Some(p) = cache.get(&dir.organization.id)
        {
            let same_snapshot =
                matches!((&p.directory, shared), (Some(a), Some(b)) if Arc::ptr_eq(a, b));
            if same_snapshot || &p.source == source {
                return Ok(Arc::clone(p));
            }
        }
        let compiled = Arc::new(CompiledPolicy {
            directory: shared.cloned(),
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
        let mut id = String::with_capacity(prefix.len() + 1 + 2 * bytes.len());
        id.push_str(prefix);
        id.push('_');
        for b in bytes {
            for nibble in [b >> 4, b & 0xf] {
                id.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        id
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
        let recorded = self.store.atomically(|| self.record_inbound(text))?;
        self.finish_inbound(recorded)
    }

    /// Handles several inbound texts as [`handle_inbound`](Self::handle_inbound)
    /// handles each, in order, but records them all in one unit: one
    /// transaction and one commit for the batch (a host that receives
    /// webhooks at a high rate acknowledges each after the batch returns).
    /// The replies go out after the commit.
    ///
    /// A text the engine refuses (addressed to a number nobody owns, an
    /// invalid texting policy) gets its error in its place and leaves
    /// nothing behind (each text is a unit nested in the batch's); the
    /// others are handled. A store failure fails the whole batch: nothing
    /// of it is kept, and every text may be retried.
    ///
    /// When no two texts of the batch share a provider id or a sender (and
    /// each has both), the batch's reads and writes go to the store in one
    /// call per kind; the outcome and what the store holds
    /// afterwards are those of handling the texts one by one.
    pub fn handle_inbound_batch(
        &self,
        texts: &[InboundText],
    ) -> Result<Vec<Result<InboundOutcome, Error>>, Error> {
        let recorded = self.store.atomically(|| self.record_batch(texts))?;
        Ok(recorded
            .into_iter()
            .map(|r| r.and_then(|r| self.finish_inbound(r)))
            .collect())
    }

    /// The reference of [`handle_inbound_batch`](Self::handle_inbound_batch)
    /// (its texts recorded one by one, never in bulk), for tests comparing
    /// the two.
    #[doc(hidden)]
    pub fn handle_inbound_batch_one_by_one(
        &self,
        texts: &[InboundText],
    ) -> Result<Vec<Result<InboundOutcome, Error>>, Error> {
        let recorded = self.store.atomically(|| self.record_one_by_one(texts))?;
        Ok(recorded
            .into_iter()
            .map(|r| r.and_then(|r| self.finish_inbound(r)))
            .collect())
    }

    /// Records each text in a unit nested in the batch's, in order (the
    /// reference the bulk path is held to).
    fn record_one_by_one(
        &self,
        texts: &[InboundText],
    ) -> Result<Vec<Result<Recorded, Error>>, Error> {
        texts.iter().map(|text| self.record_nested(text)).collect()
    }

    /// One text of a batch in a unit nested in the batch's: its refusal
    /// or failure in its place (nothing of it kept), except a store failure,
    /// which fails the batch.
    fn record_nested(&self, text: &InboundText) -> Result<Result<Recorded, Error>, Error> {
        match self.store.atomically(|| self.record_inbound(text)) {
            Err(Error::Store(e)) => Err(Error::Store(e)),
            other => Ok(other),
        }
    }

    /// Sends the replies and alerts of a recorded text and reports it.
    fn finish_inbound(&self, recorded: Recorded) -> Result<InboundOutcome, Error> {
        let recorded = match recorded {
            Recorded::Duplicate { in_progress } => {
                return Ok(InboundOutcome::Duplicate { in_progress });
            }
            Recorded::Handled(r) => r,
        };
        let RecordedText {
            mut decision,
            conversation,
            message,
            replies,
            notifications,
        } = *recorded;
        let mut sent = Vec::with_capacity(replies.len());
        for (reply, recorded) in replies {
            sent.push(self.deliver(&reply, recorded)?);
            decision.replies.push(reply);
        }
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
            notifications,
        })
    }

    /// The part of [`handle_inbound`](Self::handle_inbound) that runs in
    /// one unit. Everything that can refuse the text (the number, the
    /// policy) is read before the claim, so a refusal writes nothing. The
    /// claim's lease runs on the engine's clock, so a retry after a crashed
    /// attempt's lease can claim the text again.
    fn record_inbound(&self, text: &InboundText) -> Result<Recorded, Error> {
        let (owner, dir) = self
            .store
            .number_with_shared_directory(text.to)?
            .ok_or_else(|| EngineError::UnknownNumber {
                number: text.to.redacted(),
            })?;
        let org = owner.organization;
        let policy = self.shared_policy(&dir)?;
        let now = self.clock.now();
        if let Some(id) = &text.provider_id {
            match self.store.claim("inbound", id, INBOUND_LEASE, now)? {
                Claim::Acquired => {}
                Claim::InProgress => return Ok(Recorded::Duplicate { in_progress: true }),
                Claim::Done => return Ok(Recorded::Duplicate { in_progress: false }),
            }
        }
        let recorded = self.record_claimed(text, org, &dir, &policy)?;
        if let Some(id) = &text.provider_id {
            self.store.complete("inbound", id, now)?;
        }
        Ok(Recorded::Handled(Box::new(recorded)))
    }

    fn record_claimed(
        &self,
        text: &InboundText,
        org: OrganizationId,
        dir: &Directory,
        policy: &CompiledPolicy,
    ) -> Result<RecordedText, Error> {
        let from = text.from.number();
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
        let keys = from.map(|n| {
            (
                crate::autoreply::rate_key(&org, n),
                crate::autoreply::conversation_key(&org, text.to, n),
            )
        });
        let (context, previous_body) = self.store.inbound_context_with_body(&InboundQuery {
            organization: &org,
            from,
            participants: &participants,
            rate_key: keys.as_ref().map(|k| &k.0),
            conversation_key: keys.as_ref().map(|k| &k.1),
            since: text
                .received_at
                .checked_sub_signed(TimeDelta::hours(24))
                .unwrap_or(Timestamp::MIN_UTC),
        })?;
        let (conversation, previous_body) = match context.conversation {
            Some(c) => (c, previous_body),
            None => self.start_conversation(&org, participants, text.received_at)?,
        };
        let known_client = match from {
            Some(n) => !self.store.clients_by_phone(&org, n)?.is_empty(),
            None => false,
        };
        let state = InboundState {
            directory: dir,
            consent: &context.consent,
            previous_body: previous_body.as_ref(),
            last_auto_reply_at: context.last_acquired,
            auto_replies_last_day: context.count_since,
            known_client,
        };
        let mut decision = inbound::decide(text, &state, &policy.rules);

        // 1. Record the text (nothing acknowledged is lost).
        let message_id = match &text.provider_id {
            Some(p) => MessageId::new(["in_", p.as_str()].concat()),
            None => MessageId::new(self.new_id("in")),
        };
        let message = Message {
            id: message_id.clone(),
            organization: org.clone(),
            conversation: conversation.id.clone(),
            direction: Direction::Inbound,
            author: Author::Outside,
            body: text.body.clone(),
            at: text.received_at,
            provider_id: text.provider_id.clone(),
        };
        self.store.put_message(&message)?;
        let recipients = recipients(&decision.disposition);
        let notifications = inbox_state::deliver(&self.store, &org, &message, recipients)?;
        let routed_user = match recipients {
            [one] => Some(one),
            _ => None,
        };
        usage::record_text(
            &self.store,
            &org,
            dir.organization.settings.time_zone,
            routed_user,
            text.received_at,
            Direction::Inbound,
            segments_of(&text.body),
        )?;
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
            dir.organization.settings.time_zone,
        )?;
        Ok(RecordedText {
            decision,
            conversation: conversation.id,
            message: message_id,
            replies,
            notifications,
        })
    }

    /// Starts the active conversation of an inbound text's participants
    /// (assigned to the sender's client, V1), or joins the one another
    /// worker started a moment ago (with its last inbound message).
    fn start_conversation(
        &self,
        org: &OrganizationId,
        participants: Participants,
        at: Timestamp,
    ) -> Result<(Conversation, Option<MessageBody>), Error> {
        let conversation = lifecycle::conversation_for_inbound(
            &self.store,
            org,
            participants,
            at,
            ConversationId::new(self.new_id("conv")),
        )?;
        let previous = self
            .store
            .last_message(org, &conversation.id, Direction::Inbound)?
            .map(|m| m.body);
        Ok((conversation, previous))
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
        time_zone: Tz,
    ) -> Result<Vec<(PlannedReply, Message)>, Error> {
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
            let o = Outbound {
                org,
                conversation,
                from: reply.from,
                to: reply.to,
                body: &reply.body,
                author: Author::Automated,
                now,
                time_zone,
            };
            let message = self.record_outbound(&o, &id, None)?;
            kept.push((reply, message));
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

    /// Records one outbound text before it is handed over: the message in
    /// its conversation (with no provider id yet), its place in the inbox
    /// (V5) and usage (V9).
    fn record_outbound(
        &self,
        o: &Outbound<'_>,
        id: &MessageId,
        provider_id: Option<String>,
    ) -> Result<Message, Error> {
        let message = Message {
            id: id.clone(),
            organization: o.org.clone(),
            conversation: o.conversation.clone(),
            direction: Direction::Outbound,
            author: o.author.clone(),
            body: o.body.clone(),
            at: o.now,
            provider_id,
        };
        self.store.put_message(&message)?;
        inbox_state::deliver(&self.store, o.org, &message, &[])?;
        let author = match &o.author {
            Author::User(u) => Some(u),
            _ => None,
        };
        usage::record_text(
            &self.store,
            o.org,
            o.time_zone,
            author,
            o.now,
            Direction::Outbound,
            segments_of(o.body),
        )?;
        Ok(message)
    }

    /// Hands one SMS to the transport.
    fn hand_over(
        &self,
        org: &OrganizationId,
        from: E164,
        to: E164,
        body: &MessageBody,
    ) -> Result<SendReceipt, TransportError> {
        self.transport.send_sms(&OutboundSms {
            organization: org.clone(),
            from,
            to,
            body: body.clone(),
            idempotency_key: None,
        })
    }

    /// The delivery record of a text the provider accepted (X2).
    fn put_sent(&self, message: &Message, to: E164, provider_id: &str) -> Result<(), Error> {
        self.store.put_delivery(&DeliveryRecord {
            organization: message.organization.clone(),
            provider_id: provider_id.to_string(),
            message: message.id.clone(),
            to,
            state: DeliveryState::queued(1, message.at),
        })?;
        Ok(())
    }

    /// Sends a reply recorded by the inbound unit, then records the
    /// provider's id on its message and its delivery state in one unit.
    fn deliver(&self, reply: &PlannedReply, message: Message) -> Result<Delivered, Error> {
        let result = self.hand_over(&message.organization, reply.from, reply.to, &reply.body);
        let provider_id = result.as_ref().ok().map(|r| r.provider_id.clone());
        if let Some(pid) = &provider_id {
            let sent = Message {
                provider_id: Some(pid.clone()),
                ..message.clone()
            };
            self.store.atomically(|| {
                self.store.put_message(&sent)?;
                self.put_sent(&sent, reply.to, pid)
            })?;
        }
        Ok(Delivered {
            kind: reply.kind,
            message: message.id,
            provider_id,
            error: result.err().map(|e| e.to_string()),
        })
    }

    /// Hands one SMS to the transport and records it in one unit: the
    /// message in its conversation, its delivery state (X2) and usage (V9).
    fn send_and_record(
        &self,
        o: &Outbound<'_>,
    ) -> Result<(MessageId, Option<String>, Option<String>), Error> {
        let result = self.hand_over(o.org, o.from, o.to, o.body);
        let id = MessageId::new(self.new_id("out"));
        let provider_id = result.as_ref().ok().map(|r| r.provider_id.clone());
        self.store.atomically(|| {
            let message = self.record_outbound(o, &id, provider_id.clone())?;
            match &provider_id {
                Some(pid) => self.put_sent(&message, o.to, pid),
                None => Ok(()),
            }
        })?;
        Ok((id, provider_id, result.err().map(|e| e.to_string())))
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
        let conversation = lifecycle::conversation_for_inbound(
            &self.store,
            &req.organization,
            participants,
            now,
            ConversationId::new(self.new_id("conv")),
        )?;
        let outbound = Outbound {
            org: &req.organization,
            conversation: &conversation.id,
            from,
            to,
            body: &req.body,
            author: Author::User(req.user.clone()),
            now,
            time_zone: self
                .store
                .organization(&req.organization)?
                .map(|org| org.settings.time_zone)
                .unwrap_or(chrono_tz::UTC),
        };
        let (message, provider_id, error) = self.send_and_record(&outbound)?;
        Ok(Delivered {
            kind: ReplyKind::Staff,
            message,
            provider_id,
            error,
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
        let message = Message {
            id: id.clone(),
            organization: req.organization.clone(),
            conversation: conversation.id,
            direction: Direction::Outbound,
            author: Author::User(req.user.clone()),
            body: req.body.clone(),
            at: now,
            provider_id: None,
        };
        self.store.put_message(&message)?;
        inbox_state::deliver(
            &self.store,
            &req.organization,
            &message,
            std::slice::from_ref(to),
        )?;
        Ok(Delivered {
            kind: ReplyKind::Chat,
            message: id,
            provider_id: None,
            error: None,
        })
    }

    /// Applies a provider status callback (X2, V10): statuses only move
    /// forward, repeats and late callbacks change nothing, a permanent
    /// failure suppresses the number until a person verifies it (recorded in
    /// the consent history), a transient one comes back with its retry time.
    pub fn handle_status(
        &self,
        callback: &StatusCallback,
        now: Timestamp,
    ) -> Result<StatusOutcome, Error> {
        let record = self.store.delivery(&callback.provider_id)?.ok_or_else(|| {
            EngineError::UnknownMessage {
                provider_id: callback.provider_id.chars().take(64).collect(),
            }
        })?;
        let dir = self.store.directory(&record.organization)?;
        let policy = self.policy(&dir)?;
        let (new_state, effects) =
            delivery::apply_status(Some(&record.state), callback, now, &policy.source.retry);
        if let Some(state) = &new_state {
            self.store.put_delivery(&DeliveryRecord {
                state: state.clone(),
                ..record.clone()
            })?;
        }
        for effect in &effects {
            if let StatusEffect::Suppress { .. } = effect {
                self.store.record_consent(
                    &record.organization,
                    &ConsentChange {
                        at: now,
                        number: record.to,
                        action: ConsentAction::Suppress,
                        source: ConsentSource::Carrier {
                            error_code: callback.error_code.unwrap_or_default(),
                        },
                        raw_text: None,
                        via: None,
                        scope: ConsentScope::Organization {
                            organization: record.organization.clone(),
                        },
                    },
                )?;
            }
        }
        Ok(StatusOutcome {
            message: record.message,
            state: new_state.unwrap_or(record.state),
            effects,
        })
    }

    /// Handles one provider webhook end to end (X3, V10): verifies the
    /// signature against the configured public URL, parses the form and
    /// dispatches it as an inbound text or a status callback. `now` is the
    /// time of receipt.
    pub fn handle_webhook(
        &self,
        config: &WebhookConfig,
        path_and_query: &str,
        body: &[u8],
        signature: &str,
        now: Timestamp,
    ) -> Result<WebhookOutcome, Error> {
        let fields = webhook::authenticate(config, path_and_query, body, signature)?;
        let is_status = fields.iter().any(|(k, _)| k == "MessageStatus");
        if is_status {
            let cb = webhook::parse_status(&fields)?;
            return Ok(WebhookOutcome::Status(self.handle_status(&cb, now)?));
        }
        let sms = webhook::parse_inbound(&fields)?;
        let text = InboundText {
            provider_id: Some(sms.provider_id),
            from: sms.from,
            to: sms.to,
            body: sms.body,
            media_count: u32::try_from(sms.media.len()).unwrap_or(u32::MAX),
            received_at: now,
        };
        Ok(WebhookOutcome::Inbound(self.handle_inbound(&text)?))
    }

    /// Sends the notice of a secure message (S1, S3) from the
    /// organization's number `from`: the SMS only when it passes the checks
    /// every text passes (R6, C4, C6, X2, P1-P7, [`send::check_system`]);
    /// the email as built. The notice carries no health information by
    /// construction ([`crate::secure`]).
    pub fn send_secure_notice(
        &self,
        org: &OrganizationId,
        from: E164,
        notice: &SecureNotice,
    ) -> Result<NoticeOutcome, Error> {
        let now = self.clock.now();
        let mut outcome = NoticeOutcome::default();
        if let Some(sms) = &notice.sms {
            let dir = self.store.directory(org)?;
            let policy = self.policy(&dir)?;
            let store = &self.store;
            let consent = |n: E164| store.consent(org, n).unwrap_or_default();
            let ctx = SendContext {
                directory: &dir,
                content: &policy.send.content,
                limits: &policy.send.limits,
                consent: &consent,
            };
            let check = send::check_system(&ctx, from, sms.to, &sms.body);
            let delivered = if check.allowed {
                let conversation = lifecycle::conversation_for_inbound(
                    &self.store,
                    org,
                    Participants::Sms {
                        our_number: from,
                        outside_number: sms.to,
                    },
                    now,
                    ConversationId::new(self.new_id("conv")),
                )?;
                let o = Outbound {
                    org,
                    conversation: &conversation.id,
                    from,
                    to: sms.to,
                    body: &sms.body,
                    author: Author::Automated,
                    now,
                    time_zone: dir.organization.settings.time_zone,
                };
                let (message, provider_id, error) = self.send_and_record(&o)?;
                Some(Delivered {
                    kind: ReplyKind::SecureNotice,
                    message,
                    provider_id,
                    error,
                })
            } else {
                None
            };
            outcome.sms = Some(SendOutcome { check, delivered });
        }
        if let Some(email) = &notice.email {
            let alert = EmailAlert {
                to: vec![email.to.clone()],
                subject: email.subject.clone(),
                body: email.body.as_str().to_owned(),
            };
            outcome.email_error = self
                .transport
                .send_email(&alert)
                .err()
                .map(|e| e.to_string());
            outcome.email_sent = outcome.email_error.is_none();
        }
        Ok(outcome)
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

/// What [`Engine::send_secure_notice`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NoticeOutcome {
    /// The SMS: its checks and, when allowed, what was handed over.
    pub sms: Option<SendOutcome>,
    /// The email was handed to the transport.
    pub email_sent: bool,
    /// The transport's refusal of the email.
    pub email_error: Option<String>,
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

/// One outbound SMS to send and record.
struct Outbound<'a> {
    org: &'a OrganizationId,
    conversation: &'a ConversationId,
    from: E164,
    to: E164,
    body: &'a MessageBody,
    author: Author,
    now: Timestamp,
    time_zone: Tz,
}

/// The users an inbound text is delivered to (R3, R4); none when it is
/// quarantined (C6), goes to a queue or is unrouted.
fn recipients(disposition: &Disposition) -> &[Username] {
    match disposition {
        Disposition::Deliver {
            delivery: Delivery::User { username },
        } => std::slice::from_ref(username),
        Disposition::Deliver {
            delivery: Delivery::Group { members, .. },
        } => members,
        _ => &[],
    }
}

fn segments_of(body: &MessageBody) -> u32 {
    u32::try_from(segments::count(body.as_str()).segments).unwrap_or(u32::MAX)
}
