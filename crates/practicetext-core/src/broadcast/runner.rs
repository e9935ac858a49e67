//! Carrying a confirmed broadcast out: SPEC B4 (only a confirmed plan is
//! sent), B5 (pace, conversation texts first), B6 (no conversations), B7
//! (progress and status), B9 (crash-safe: claim before send, record after,
//! look up what a crash left unclear), X1 (quiet hours) and C4 (consent
//! re-checked right before each send).
//!
//! [`BroadcastRunner::step`] is a step function over the store and the
//! transport, driven by the `now` it is given (it reads no clock): a
//! host's worker loop, a test with a fake clock and several workers
//! sharing one store all behave the same. Each call moves at most one
//! recipient and says when to call again.

use chrono::TimeDelta;
use serde::Serialize;

use crate::consent::{ConsentAction, ConsentChange, ConsentScope, ConsentSource};
use crate::delivery::{DeliveryStatus, FailureClass, classify_failure};
use crate::directory::Directory;
use crate::engine::{OutboundSms, SendReceipt, SentLookup, Transport, TransportError};
use crate::error::Error;
use crate::ids::{BroadcastId, OrganizationId};
use crate::ports::{
    BroadcastStore, ConsentStore, RateWindowStore, RecipientClaim, StoreError, Timestamp,
};

use super::BroadcastError;
use super::pace::pace_key;
use super::preflight::{
    ExclusionReason, Preflight, StoreConsent, confirmation_token, consent_exclusion,
};
use super::progress::{
    Broadcast, BroadcastSummary, RecipientProgress, RecipientStatus, SendFailure, summarize,
};
use super::request::sender_refusals;

/// The ports a broadcast runs on: consent (re-checked before each send),
/// rate windows (the pace) and the broadcast progress. Every
/// [`crate::ports::Store`] that also implements [`BroadcastStore`] has them.
pub trait BroadcastPorts: ConsentStore + RateWindowStore + BroadcastStore {}

impl<T: ConsentStore + RateWindowStore + BroadcastStore + ?Sized> BroadcastPorts for T {}

/// How long a claimed recipient stays with its worker by default before
/// another worker may take it over: far longer than a transport call.
pub const DEFAULT_LEASE: TimeDelta = TimeDelta::minutes(5);

/// How often the transport may be unreachable for one text before it is
/// reported as failed.
pub const MAX_ATTEMPTS: u32 = 3;

/// The first wait after an unreachable transport; it doubles each time.
pub const RETRY_AFTER: TimeDelta = TimeDelta::minutes(1);

/// How long a broadcast waits for conversation texts before asking again.
pub const CONVERSATIONS_FIRST_WAIT: TimeDelta = TimeDelta::seconds(1);

/// Starts a confirmed broadcast (SPEC B4): checks that `confirmation` is
/// the plan's token and that the token matches the plan (what was
/// confirmed is what is sent), checks again that the sender may send (B1,
/// against `directory` as it is now), and stores the broadcast with every
/// recipient pending. Starting the same confirmed plan twice under one id
/// returns the stored broadcast (a double click sends nothing twice); a
/// different plan under an existing id is refused (`broadcast_exists`).
pub fn start<S: BroadcastStore + ?Sized>(
    store: &S,
    directory: &Directory,
    plan: &Preflight,
    confirmation: &str,
    id: BroadcastId,
    now: Timestamp,
) -> Result<Broadcast, Error> {
    if confirmation != plan.token || confirmation_token(plan) != plan.token {
        return Err(BroadcastError::ConfirmationMismatch.into());
    }
    let refusals = sender_refusals(&plan.organization, &plan.sender, directory);
    if !refusals.is_empty() {
        return Err(BroadcastError::Refused { refusals }.into());
    }
    if let Some(existing) = store.broadcast(&plan.organization, &id)? {
        return match existing.token == plan.token {
            true => Ok(existing),
            false => Err(BroadcastError::AlreadyExists { id }.into()),
        };
    }
    let broadcast = Broadcast::from_plan(id, plan, now);
    let recipients: Vec<RecipientProgress> = plan
        .recipients
        .iter()
        .enumerate()
        .map(|(i, r)| RecipientProgress {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            recipient: r.clone(),
            status: RecipientStatus::NEW,
        })
        .collect();
    match store.create_broadcast(&broadcast, &recipients) {
        Ok(()) => Ok(broadcast),
        Err(StoreError::Conflict { .. }) => {
            Err(BroadcastError::AlreadyExists { id: broadcast.id }.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The activity section (SPEC B7): one entry per broadcast of `org`,
/// newest first, each with its status line.
pub fn activity<S: BroadcastStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
) -> Result<Vec<BroadcastSummary>, Error> {
    let mut out = Vec::new();
    for b in store.broadcasts(org)?.iter().rev() {
        out.push(summarize(b, &store.recipients(org, &b.id)?));
    }
    Ok(out)
}

/// Why a runner asks to be called again later (SPEC B5, X1, B9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// The pace: the last alert from this number went out less than one
    /// interval ago (B5).
    Pace,
    /// Conversation texts are waiting to go out from this number; they go
    /// first (B5).
    ConversationsFirst,
    /// Every recipient left is deferred (quiet hours or a retry) or held by
    /// another worker.
    NothingDue,
}

/// What one [`BroadcastRunner::step`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The recipient's text went out.
    Sent {
        /// The recipient.
        index: u32,
        /// The provider's message id.
        provider_id: String,
        /// True when a crash had left it unclear and the transport found it
        /// sent (B9): recorded, not sent again.
        recovered: bool,
    },
    /// The recipient's text failed for good.
    Failed {
        /// The recipient.
        index: u32,
        /// Why.
        failure: SendFailure,
    },
    /// The recipient is not texted after all (opted out since the
    /// preflight, or the appointment started).
    Skipped {
        /// The recipient.
        index: u32,
        /// Why.
        reason: ExclusionReason,
    },
    /// The recipient is in quiet hours (X1) or the transport was
    /// unreachable: deferred, not dropped.
    Deferred {
        /// The recipient.
        index: u32,
        /// Until when.
        until: Timestamp,
    },
    /// The transport's answer was lost; the next step looks the text up.
    Interrupted {
        /// The recipient.
        index: u32,
    },
    /// Nothing to do before `until`.
    Wait {
        /// When to call again.
        until: Timestamp,
        /// Why.
        reason: WaitReason,
    },
    /// Every recipient is done.
    Done(BroadcastSummary),
}

/// A worker carrying out one broadcast (SPEC B5, B7, B9, X1). Each worker
/// (thread or process) has its own runner with its own worker id; runners
/// over one store share the pace and never claim the same recipient.
/// A fresh runner with the id of a worker that crashed takes its
/// interrupted recipients back at once; with another id it waits for
/// their lease to end.
pub struct BroadcastRunner<'a, S: ?Sized, T: ?Sized> {
    store: &'a S,
    transport: &'a T,
    broadcast: Broadcast,
    worker: String,
    lease: TimeDelta,
}

impl<S: ?Sized, T: ?Sized> std::fmt::Debug for BroadcastRunner<'_, S, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BroadcastRunner")
            .field("broadcast", &self.broadcast.id)
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

/// A claimed recipient's transition, before it is stored.
enum Outcome {
    /// Store this status (final, or pending to hand it back).
    Store(RecipientStatus, Step),
    /// Keep it claimed: the next step looks it up.
    Hold(Step),
}

impl<'a, S, T> BroadcastRunner<'a, S, T>
where
    S: BroadcastPorts + ?Sized,
    T: Transport + ?Sized,
{
    /// A runner for broadcast `id` of `org` as worker `worker`.
    pub fn open(
        store: &'a S,
        transport: &'a T,
        org: &OrganizationId,
        id: &BroadcastId,
        worker: impl Into<String>,
    ) -> Result<Self, Error> {
        let broadcast = store
            .broadcast(org, id)?
            .ok_or_else(|| BroadcastError::NotFound { id: id.clone() })?;
        Ok(BroadcastRunner {
            store,
            transport,
            broadcast,
            worker: worker.into(),
            lease: DEFAULT_LEASE,
        })
    }

    /// Sets how long a claim lasts before another worker may take it over
    /// ([`DEFAULT_LEASE`]); it must be longer than any transport call.
    pub fn with_lease(mut self, lease: TimeDelta) -> Self {
        self.lease = lease;
        self
    }

    /// The broadcast.
    pub fn broadcast(&self) -> &Broadcast {
        &self.broadcast
    }

    /// The activity entry as it stands (B7).
    pub fn summary(&self) -> Result<BroadcastSummary, Error> {
        let b = &self.broadcast;
        Ok(summarize(
            b,
            &self.store.recipients(&b.organization, &b.id)?,
        ))
    }

    /// Moves at most one recipient forward at `now` (SPEC B5, B9, X1, C4)
    /// and says what happened. `conversations_waiting` is how many
    /// conversation texts the host has queued on this broadcast's number:
    /// while there are any, alerts wait (B5).
    ///
    /// In order: wait for conversation texts and for the pace; claim a
    /// recipient; if a crash left it in `sending`, ask the transport by its
    /// idempotency key (found: recorded as sent; cannot tell: failed with
    /// "interrupted, verify before resending"; not sent: go on); defer it to
    /// its local sending window (X1); skip it if every appointment has
    /// started (B2) or its number opted out, was blocked or suppressed
    /// since the preflight (C4, C6, X2); take the pace slot (B5); hand it to
    /// the transport with its idempotency key; record the result.
    ///
    /// Takes `&mut self`: a runner is one worker and is not shared between
    /// threads. An error (a store or transport failure) leaves the
    /// recipient claimed by this worker; the next step takes it up again.
    pub fn step(&mut self, now: Timestamp, conversations_waiting: usize) -> Result<Step, Error> {
        if conversations_waiting > 0 {
            return Ok(Step::Wait {
                until: now + CONVERSATIONS_FIRST_WAIT,
                reason: WaitReason::ConversationsFirst,
            });
        }
        if let Some(until) = self.pace_free_at(now)? {
            return Ok(Step::Wait {
                until,
                reason: WaitReason::Pace,
            });
        }
        let b = &self.broadcast;
        let claim =
            self.store
                .claim_recipient(&b.organization, &b.id, &self.worker, self.lease, now)?;
        let (recipient, interrupted) = match claim {
            RecipientClaim::Claimed {
                recipient,
                interrupted,
            } => (recipient, interrupted),
            RecipientClaim::NotYet { until } => {
                return Ok(Step::Wait {
                    until: until.max(now),
                    reason: WaitReason::NothingDue,
                });
            }
            RecipientClaim::Finished => return Ok(Step::Done(self.summary()?)),
        };
        let outcome = self.advance(&recipient, interrupted, now)?;
        self.record(&recipient, outcome)
    }

    /// When the pace allows the next alert, if not now (B5).
    fn pace_free_at(&self, now: Timestamp) -> Result<Option<Timestamp>, Error> {
        let b = &self.broadcast;
        let last = self
            .store
            .last_acquired(&b.organization, &pace_key(b.from))?;
        Ok(last
            .map(|t| t + b.pace.interval())
            .filter(|&free| free > now))
    }

    fn record(&self, r: &RecipientProgress, outcome: Outcome) -> Result<Step, Error> {
        let b = &self.broadcast;
        let (status, step) = match outcome {
            Outcome::Store(status, step) => (status, step),
            Outcome::Hold(step) => return Ok(step),
        };
        self.store
            .update_recipient(&b.organization, &b.id, r.index, &self.worker, &status)?;
        Ok(step)
    }

    /// Decides and carries out one claimed recipient's transition.
    fn advance(
        &self,
        r: &RecipientProgress,
        interrupted: bool,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        if interrupted {
            let key = self.broadcast.idempotency_key(&r.recipient);
            match self.transport.find_sent(&key).map_err(transport_error)? {
                SentLookup::Sent(receipt) => return Ok(sent(r, receipt, now, true)),
                SentLookup::Unknown => {
                    return Ok(failed(r, SendFailure::Interrupted, now));
                }
                SentLookup::NotSent => {}
            }
        }
        let p = &r.recipient;
        let b = &self.broadcast;
        let tz = p.quiet_hours_zone(b.time_zone);
        let allowed = b.quiet_hours.next_allowed(now, tz);
        if allowed > now {
            return Ok(back(
                r,
                Some(allowed),
                Step::Deferred {
                    index: r.index,
                    until: allowed,
                },
            ));
        }
        if let Some(reason) = self.hold_back(r, now)? {
            let step = Step::Skipped {
                index: r.index,
                reason: reason.clone(),
            };
            return Ok(Outcome::Store(
                RecipientStatus::Skipped { at: now, reason },
                step,
            ));
        }
        let key = pace_key(b.from);
        if !self
            .store
            .try_acquire(&b.organization, &key, b.pace.interval(), now)?
        {
            let until = self.pace_free_at(now)?.unwrap_or(now + b.pace.interval());
            let wait = Step::Wait {
                until,
                reason: WaitReason::Pace,
            };
            return Ok(back(r, None, wait));
        }
        self.send(r, now)
    }

    /// B2, C4, C6, X2: a reason not to text this recipient after all.
    fn hold_back(
        &self,
        r: &RecipientProgress,
        now: Timestamp,
    ) -> Result<Option<ExclusionReason>, Error> {
        if now >= r.recipient.last_appointment {
            return Ok(Some(ExclusionReason::AppointmentPassed));
        }
        let lookup = StoreConsent {
            store: self.store,
            organization: &self.broadcast.organization,
        };
        Ok(consent_exclusion(&lookup, r.recipient.phone)?)
    }

    /// Hands the text to the transport and reads its answer (B9, X2).
    fn send(&self, r: &RecipientProgress, now: Timestamp) -> Result<Outcome, Error> {
        let b = &self.broadcast;
        let sms = OutboundSms {
            organization: b.organization.clone(),
            from: b.from,
            to: r.recipient.phone,
            body: b.message.clone(),
            idempotency_key: Some(b.idempotency_key(&r.recipient)),
        };
        match self.transport.send_sms(&sms) {
            Ok(receipt) => Ok(sent(r, receipt, now, false)),
            Err(TransportError::Rejected {
                provider_code,
                message,
            }) => {
                let class = classify_failure(provider_code, DeliveryStatus::Failed).unwrap_or(
                    FailureClass::Transient(crate::delivery::TransientReason::Unknown),
                );
                self.suppress_if_permanent(r, provider_code, class, now)?;
                let failure = SendFailure::Rejected {
                    provider_code,
                    class,
                    message,
                };
                Ok(failed(r, failure, now))
            }
            Err(TransportError::Unavailable { message }) => Ok(self.retry(r, message, now)),
            Err(TransportError::Indeterminate { .. }) => {
                Ok(Outcome::Hold(Step::Interrupted { index: r.index }))
            }
        }
    }

    /// X2: a permanent failure with a carrier code suppresses the number
    /// until a person verifies it.
    fn suppress_if_permanent(
        &self,
        r: &RecipientProgress,
        code: Option<u32>,
        class: FailureClass,
        now: Timestamp,
    ) -> Result<(), Error> {
        let (Some(error_code), FailureClass::Permanent(_)) = (code, class) else {
            return Ok(());
        };
        let change = ConsentChange {
            at: now,
            number: r.recipient.phone,
            action: ConsentAction::Suppress,
            source: ConsentSource::Carrier { error_code },
            raw_text: None,
            via: Some(self.broadcast.from),
            scope: ConsentScope::Organization {
                organization: self.broadcast.organization.clone(),
            },
        };
        self.store
            .record_consent(&self.broadcast.organization, &change)?;
        Ok(())
    }

    /// An unreachable transport: try again later, a few times (nothing was
    /// handed over, so nothing can be sent twice).
    fn retry(&self, r: &RecipientProgress, message: String, now: Timestamp) -> Outcome {
        let retries = match r.status {
            RecipientStatus::Sending { retries, .. } => retries,
            _ => 0,
        }
        .saturating_add(1);
        if retries >= MAX_ATTEMPTS {
            let failure = SendFailure::Unavailable {
                attempts: retries,
                message,
            };
            return failed(r, failure, now);
        }
        let until = now + RETRY_AFTER * (1 << retries.min(8));
        let status = RecipientStatus::Pending {
            not_before: Some(until),
            retries,
        };
        Outcome::Store(
            status,
            Step::Deferred {
                index: r.index,
                until,
            },
        )
    }
}

fn transport_error(e: TransportError) -> Error {
    BroadcastError::LookupFailed {
        message: format!("{}: {e}", e.code()),
    }
    .into()
}

fn sent(r: &RecipientProgress, receipt: SendReceipt, now: Timestamp, recovered: bool) -> Outcome {
    let step = Step::Sent {
        index: r.index,
        provider_id: receipt.provider_id.clone(),
        recovered,
    };
    let status = RecipientStatus::Sent {
        at: now,
        provider_id: receipt.provider_id,
    };
    Outcome::Store(status, step)
}

fn failed(r: &RecipientProgress, failure: SendFailure, now: Timestamp) -> Outcome {
    let step = Step::Failed {
        index: r.index,
        failure: failure.clone(),
    };
    Outcome::Store(RecipientStatus::Failed { at: now, failure }, step)
}

/// Hands a claimed recipient back as pending, deferred until `until`.
fn back(r: &RecipientProgress, until: Option<Timestamp>, step: Step) -> Outcome {
    let retries = match r.status {
        RecipientStatus::Sending { retries, .. } => retries,
        _ => 0,
    };
    let status = RecipientStatus::Pending {
        not_before: until,
        retries,
    };
    Outcome::Store(status, step)
}
