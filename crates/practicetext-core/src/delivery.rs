//! Delivery status of outbound messages: SPEC X2 (statuses only move
//! forward; failures are permanent, transient or the sender's own) and the
//! status half of V10 (a repeated callback changes nothing).
//!
//! Rules:
//! - A status moves only forward along scheduled → accepted → queued →
//!   sending → sent → a final status (delivered, undelivered, failed,
//!   canceled). A callback for an earlier status (sent after delivered) is
//!   `stale`, one repeating the current status a `duplicate`; both are
//!   ignored.
//! - Final statuses are final: the first one reported wins, and any later,
//!   different final callback (delivered after failed, failed after
//!   delivered, the same failure with another error code) is ignored as
//!   `after_terminal`. When two final reports disagree, the first is the
//!   one a retry, a suppression or the failure report was already based
//!   on; keeping it keeps them consistent. (A delivered message that later
//!   reports failure was still delivered; a failed one that was retried
//!   has a new attempt whose own callbacks decide.)
//! - A failure is classified by the provider's error code
//!   ([`classify_failure`]): permanent ones (invalid number, opted out at
//!   the carrier, landline, unknown subscriber, blocked) suppress the number
//!   until a person verifies it; transient ones (unreachable, carrier
//!   congestion, queue overflow, unknown) are retried on a fixed backoff
//!   schedule ([`RetryPolicy`]) until it runs out; failures caused by our
//!   own sender (suspended account, unregistered number, filtered content)
//!   neither suppress the patient's number nor retry: they go to a person.
//!
//! One [`DeliveryState`] belongs to one provider message (one attempt). A
//! retry is a new provider message with its own state
//! ([`DeliveryState::next_attempt`]), so late callbacks for the old attempt
//! land on the old, final state and are ignored.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use practicetext_core::delivery::*;
//! use practicetext_core::webhook::StatusCallback;
//! let now = Utc.with_ymd_and_hms(2025, 3, 4, 15, 0, 0).single().ok_or("a valid time")?;
//! let cb = |status, error_code| StatusCallback {
//!     provider_id: "SM1".into(), status, error_code, to: None,
//! };
//! let policy = RetryPolicy::default();
//! let sent = DeliveryState::queued(1, now);
//! let (state, effects) = apply_status(Some(&sent), &cb(DeliveryStatus::Undelivered, Some(30003)), now, &policy);
//! assert_eq!(state.map(|s| s.status), Some(DeliveryStatus::Undelivered));
//! assert!(matches!(effects[1], StatusEffect::Retry { attempt: 2, .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::webhook::StatusCallback;

/// Where an outbound message is in its delivery (SPEC X2), in lifecycle
/// order. Serde and [`DeliveryStatus::as_str`] use the provider's
/// snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Held by the provider for sending at a later time.
    Scheduled,
    /// Accepted by the provider's messaging service, sender not yet chosen.
    Accepted,
    /// Waiting in the provider's queue.
    Queued,
    /// Being handed to the carrier.
    Sending,
    /// Handed to the carrier; no receipt yet.
    Sent,
    /// The carrier confirmed delivery to the handset (final).
    Delivered,
    /// The carrier could not deliver it (final; see the error code).
    Undelivered,
    /// The provider could not send it (final; see the error code).
    Failed,
    /// A scheduled message was canceled before it was sent (final).
    Canceled,
}

impl DeliveryStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [DeliveryStatus; 9] = [
        DeliveryStatus::Scheduled,
        DeliveryStatus::Accepted,
        DeliveryStatus::Queued,
        DeliveryStatus::Sending,
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Undelivered,
        DeliveryStatus::Failed,
        DeliveryStatus::Canceled,
    ];

    /// Reads a provider's status string (case-insensitive). `read` (a read
    /// receipt) counts as `delivered`, `cancelled` as `canceled`; inbound
    /// statuses (`receiving`, `received`) and anything unknown give `None`.
    ///
    /// ```
    /// use practicetext_core::delivery::DeliveryStatus;
    /// assert_eq!(DeliveryStatus::from_provider("Undelivered"), Some(DeliveryStatus::Undelivered));
    /// assert_eq!(DeliveryStatus::from_provider("read"), Some(DeliveryStatus::Delivered));
    /// assert_eq!(DeliveryStatus::from_provider("received"), None);
    /// ```
    pub fn from_provider(raw: &str) -> Option<DeliveryStatus> {
        let s = raw.trim();
        let is = |name: &str| s.eq_ignore_ascii_case(name);
        let status = if is("read") {
            DeliveryStatus::Delivered
        } else if is("cancelled") {
            DeliveryStatus::Canceled
        } else {
            *DeliveryStatus::ALL.iter().find(|st| is(st.as_str()))?
        };
        Some(status)
    }

    /// The snake_case name, e.g. `"undelivered"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Scheduled => "scheduled",
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Undelivered => "undelivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Canceled => "canceled",
        }
    }

    /// True for the statuses nothing moves on from (SPEC X2).
    pub fn is_final(self) -> bool {
        self.stage() == FINAL_STAGE
    }

    /// True for `undelivered` and `failed`.
    pub fn is_failure(self) -> bool {
        matches!(self, DeliveryStatus::Undelivered | DeliveryStatus::Failed)
    }

    /// Position in the lifecycle; final statuses share the last stage.
    fn stage(self) -> u8 {
        match self {
            DeliveryStatus::Scheduled => 0,
            DeliveryStatus::Accepted => 1,
            DeliveryStatus::Queued => 2,
            DeliveryStatus::Sending => 3,
            DeliveryStatus::Sent => 4,
            DeliveryStatus::Delivered
            | DeliveryStatus::Undelivered
            | DeliveryStatus::Failed
            | DeliveryStatus::Canceled => FINAL_STAGE,
        }
    }
}

const FINAL_STAGE: u8 = 5;

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a number cannot receive texts until a person checks it (SPEC X2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermanentReason {
    /// Not a valid phone number (21211).
    InvalidNumber,
    /// The recipient opted out at the carrier or provider, e.g. by replying
    /// STOP (21610).
    OptedOut,
    /// A landline or another line that cannot receive texts (30006, 21614,
    /// 21635).
    Landline,
    /// The number is unknown to the carrier or no longer in service (30005).
    UnknownSubscriber,
    /// The number is blocked from receiving this sender's messages (30004).
    Blocked,
}

/// Why a delivery may succeed if tried again later (SPEC X2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransientReason {
    /// The handset is off, out of coverage or roaming (30003).
    Unreachable,
    /// The carrier refused for congestion (30017).
    CarrierCongestion,
    /// The provider's send queue overflowed (30001).
    QueueOverflow,
    /// The provider failed internally (30500).
    ProviderError,
    /// The carrier gave no reason (30008), or the code is not one the
    /// library knows, or there was none.
    Unknown,
}

/// Why a delivery failed through a fault of our own sender: neither the
/// patient's number nor a retry can fix it; a person must (SPEC X2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderReason {
    /// The provider account is suspended (30002).
    AccountSuspended,
    /// The carrier filtered the content or the sender as spam (30007).
    ContentFiltered,
    /// The sending number is not registered for application-to-person
    /// texting: unregistered 10DLC (30034) or unverified toll-free (30032).
    UnregisteredSender,
}

/// What kind of failure a failed delivery was (SPEC X2). Serde form:
/// `{"class": "permanent", "reason": "opted_out"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "class", content = "reason")]
pub enum FailureClass {
    /// The number cannot receive texts: suppress it until verified.
    Permanent(PermanentReason),
    /// May succeed later: retry with backoff.
    Transient(TransientReason),
    /// Our sender's fault: tell a person; do not retry or suppress.
    Sender(SenderReason),
}

/// The provider error codes the library classifies (SPEC X2), with the
/// provider's title. Sources: Twilio's error dictionary,
/// `https://www.twilio.com/docs/api/errors/<code>`. Codes not listed are
/// [`TransientReason::Unknown`].
pub const KNOWN_ERROR_CODES: &[(u32, &str, FailureClass)] = &[
    (
        21211,
        "Invalid 'To' Phone Number",
        FailureClass::Permanent(PermanentReason::InvalidNumber),
    ),
    (
        21610,
        "Attempt to send to unsubscribed recipient",
        FailureClass::Permanent(PermanentReason::OptedOut),
    ),
    (
        21614,
        "'To' number is not a valid mobile number",
        FailureClass::Permanent(PermanentReason::Landline),
    ),
    (
        21635,
        "'To' number cannot be a landline",
        FailureClass::Permanent(PermanentReason::Landline),
    ),
    (
        30001,
        "Queue overflow",
        FailureClass::Transient(TransientReason::QueueOverflow),
    ),
    (
        30002,
        "Account suspended",
        FailureClass::Sender(SenderReason::AccountSuspended),
    ),
    (
        30003,
        "Unreachable destination handset",
        FailureClass::Transient(TransientReason::Unreachable),
    ),
    (
        30004,
        "Message blocked",
        FailureClass::Permanent(PermanentReason::Blocked),
    ),
    (
        30005,
        "Unknown destination handset",
        FailureClass::Permanent(PermanentReason::UnknownSubscriber),
    ),
    (
        30006,
        "Landline or unreachable carrier",
        FailureClass::Permanent(PermanentReason::Landline),
    ),
    (
        30007,
        "Message filtered",
        FailureClass::Sender(SenderReason::ContentFiltered),
    ),
    (
        30008,
        "Unknown error",
        FailureClass::Transient(TransientReason::Unknown),
    ),
    (
        30017,
        "Carrier network congestion",
        FailureClass::Transient(TransientReason::CarrierCongestion),
    ),
    (
        30032,
        "Toll-Free Number Has Not Been Verified",
        FailureClass::Sender(SenderReason::UnregisteredSender),
    ),
    (
        30034,
        "US A2P 10DLC - Message from an Unregistered Number",
        FailureClass::Sender(SenderReason::UnregisteredSender),
    ),
    (
        30500,
        "Twilio Internal Error",
        FailureClass::Transient(TransientReason::ProviderError),
    ),
];

/// Classifies a failed delivery by the provider's error code (SPEC X2).
///
/// `None` unless `status` is a failure (`undelivered`, `failed`). Codes in
/// [`KNOWN_ERROR_CODES`] get their class; a missing or unknown code is
/// transient ([`TransientReason::Unknown`]), so it is retried a bounded
/// number of times rather than suppressing a patient's number on a guess.
/// Hosts can classify a send refused by the provider's API the same way,
/// with `status` `failed`.
///
/// ```
/// use practicetext_core::delivery::*;
/// assert_eq!(
///     classify_failure(Some(21610), DeliveryStatus::Failed),
///     Some(FailureClass::Permanent(PermanentReason::OptedOut))
/// );
/// assert_eq!(classify_failure(Some(30003), DeliveryStatus::Delivered), None);
/// ```
pub fn classify_failure(error_code: Option<u32>, status: DeliveryStatus) -> Option<FailureClass> {
    if !status.is_failure() {
        return None;
    }
    let known = error_code.and_then(|code| {
        KNOWN_ERROR_CODES
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, _, class)| *class)
    });
    Some(known.unwrap_or(FailureClass::Transient(TransientReason::Unknown)))
}

/// The delivery state of one provider message (one attempt) (SPEC X2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    /// The furthest status reported.
    pub status: DeliveryStatus,
    /// The error code that came with it, if any.
    pub error_code: Option<u32>,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
    /// Which attempt this provider message is: 1 for the first send, 2 for
    /// the first retry, ...
    pub attempts: u32,
}

impl DeliveryState {
    /// The state of a message just handed to the provider as attempt
    /// `attempt` (1 for the first send).
    pub fn queued(attempt: u32, now: DateTime<Utc>) -> Self {
        DeliveryState {
            status: DeliveryStatus::Queued,
            error_code: None,
            updated_at: now,
            attempts: attempt.max(1),
        }
    }

    /// The state of the new provider message that retries this one.
    pub fn next_attempt(&self, now: DateTime<Utc>) -> Self {
        DeliveryState::queued(self.attempts.saturating_add(1), now)
    }
}

/// Why a status callback changed nothing (SPEC X2, V10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// It reports a status the message has already moved past.
    Stale,
    /// It repeats the current status.
    Duplicate,
    /// The message already has a final status and this callback reports
    /// another final outcome (delivered after failed, a second error code).
    AfterTerminal,
}

/// What a status callback asks the host to do (SPEC X2). Serde form:
/// `{"effect": "retry", "at": "...", "attempt": 2}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "effect")]
pub enum StatusEffect {
    /// The status moved forward; store the new state.
    Advanced {
        /// The previous status (`None` when the message had no state yet).
        from: Option<DeliveryStatus>,
        /// The new status.
        to: DeliveryStatus,
    },
    /// Nothing changed.
    Ignored {
        /// Why.
        reason: IgnoreReason,
    },
    /// Suppress the recipient's number until a person verifies it.
    Suppress {
        /// Why it cannot receive texts.
        reason: PermanentReason,
    },
    /// Send the message again at `at` as attempt `attempt` (a host applying
    /// quiet hours, X1, may push `at` later, never earlier).
    Retry {
        /// When to send again.
        at: DateTime<Utc>,
        /// The attempt number of the new send.
        attempt: u32,
    },
    /// A transient failure on the last attempt the policy allows: report it
    /// as failed.
    GiveUp {
        /// Attempts made.
        attempts: u32,
    },
    /// The sender is at fault: tell an administrator; the message is not
    /// retried and the recipient is not suppressed.
    Escalate {
        /// What is wrong with the sender.
        reason: SenderReason,
    },
}

/// When to retry a transiently failed message (SPEC X2): a fixed,
/// jitter-free schedule, so the same failure at the same time always gives
/// the same plan. Attempt `n` (1-based) that fails is retried after
/// `delays[n - 1]`; when the delays run out the message is given up.
/// Serde form: `{"delays": [60, 300, 1800, 7200]}` (seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Wait before each retry, in order. Negative delays count as zero.
    #[serde(with = "delay_seconds")]
    pub delays: Vec<TimeDelta>,
}

impl Default for RetryPolicy {
    /// 1 minute, 5 minutes, 30 minutes, 2 hours: five attempts in all.
    fn default() -> Self {
        RetryPolicy {
            delays: vec![
                TimeDelta::minutes(1),
                TimeDelta::minutes(5),
                TimeDelta::minutes(30),
                TimeDelta::hours(2),
            ],
        }
    }
}

impl RetryPolicy {
    /// `retries` delays starting at `first`, each `factor` times the one
    /// before (saturating at the largest representable delay).
    pub fn exponential(first: TimeDelta, factor: i32, retries: usize) -> Self {
        let delays = std::iter::successors(Some(first), |d| {
            let next = d
                .checked_mul(factor)
                .filter(|n| (TimeDelta::MIN..=TimeDelta::MAX).contains(n));
            Some(next.unwrap_or(TimeDelta::MAX))
        })
        .take(retries)
        .collect();
        RetryPolicy { delays }
    }

    /// Attempts in all: the first send plus one per delay.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    /// When to retry after attempt `attempt` (1-based) failed at `now`;
    /// `None` once the schedule is used up.
    pub fn next_retry(&self, attempt: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let index = usize::try_from(attempt.max(1) - 1).ok()?; // ok: max(1) - 1 >= 0
        let delay = (*self.delays.get(index)?).max(TimeDelta::zero());
        now.checked_add_signed(delay)
    }
}

/// Applies a status callback to a message's delivery state (SPEC X2, V10).
///
/// Returns the new state when it changed (store it) and the effects to
/// carry out. `current` is `None` for a message with no state yet (it is
/// taken as attempt 1). A callback that does not move the status forward
/// returns no state and one [`StatusEffect::Ignored`]; so the same callback
/// delivered any number of times changes the state once. A forward move
/// returns [`StatusEffect::Advanced`], followed for a failure by exactly
/// one of `Suppress` (permanent), `Retry` or `GiveUp` (transient, per
/// `policy`) or `Escalate` (sender), per [`classify_failure`].
pub fn apply_status(
    current: Option<&DeliveryState>,
    cb: &StatusCallback,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
) -> (Option<DeliveryState>, Vec<StatusEffect>) {
    if let Some(reason) = current.and_then(|state| ignore_reason(state, cb)) {
        return (None, vec![StatusEffect::Ignored { reason }]);
    }
    let attempts = current.map_or(1, |state| state.attempts.max(1));
    let state = DeliveryState {
        status: cb.status,
        error_code: cb.error_code,
        updated_at: now,
        attempts,
    };
    let mut effects = vec![StatusEffect::Advanced {
        from: current.map(|state| state.status),
        to: cb.status,
    }];
    if let Some(class) = classify_failure(cb.error_code, cb.status) {
        effects.push(failure_effect(class, attempts, now, policy));
    }
    (Some(state), effects)
}

/// Why `cb` must not change `state`, if it must not.
fn ignore_reason(state: &DeliveryState, cb: &StatusCallback) -> Option<IgnoreReason> {
    let repeated = cb.status == state.status
        && (!state.status.is_final() || cb.error_code == state.error_code);
    if repeated {
        Some(IgnoreReason::Duplicate)
    } else if cb.status.stage() < state.status.stage() {
        Some(IgnoreReason::Stale)
    } else if state.status.is_final() {
        Some(IgnoreReason::AfterTerminal)
    } else {
        None
    }
}

fn failure_effect(
    class: FailureClass,
    attempts: u32,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
) -> StatusEffect {
    match class {
        FailureClass::Permanent(reason) => StatusEffect::Suppress { reason },
        FailureClass::Sender(reason) => StatusEffect::Escalate { reason },
        FailureClass::Transient(_) => match policy.next_retry(attempts, now) {
            Some(at) => StatusEffect::Retry {
                at,
                attempt: attempts.saturating_add(1),
            },
            None => StatusEffect::GiveUp { attempts },
        },
    }
}

/// Serde for `Vec<TimeDelta>` as whole seconds (negative refused on input).
mod delay_seconds {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(delays: &[TimeDelta], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(delays.iter().map(TimeDelta::num_seconds))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<TimeDelta>, D::Error> {
        let seconds = Vec::<u32>::deserialize(d)?;
        Ok(seconds
            .into_iter()
            .map(|s| TimeDelta::seconds(i64::from(s)))
            .collect())
    }
}

#[cfg(test)]
mod tests;
