//! A confirmed broadcast and its progress: SPEC B7 (an activity entry whose
//! status says all sent or how many failed), B8 (every recipient and every
//! exclusion kept with its reason), B9 (each recipient's state is stored,
//! so a crashed run resumes), X6 (a next action per failure).

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::delivery::{FailureClass, PermanentReason};
use crate::hours::QuietHours;
use crate::ids::{BroadcastId, OrganizationId, Username};
use crate::phone::E164;
use crate::ports::Timestamp;
use crate::sensitive::MessageBody;

use super::preflight::{AppointmentSpan, Exclusion, ExclusionReason, PlannedRecipient, Preflight};
use super::request::{AppointmentRange, Pace};

/// A confirmed mass alert (SPEC B4, B7): the plan that was confirmed,
/// without its recipients, which are stored one by one with their progress
/// ([`RecipientProgress`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Broadcast {
    /// Its id.
    pub id: BroadcastId,
    /// The organization.
    pub organization: OrganizationId,
    /// The administrator who sent it.
    pub sender: Username,
    /// Our number it goes out from.
    pub from: E164,
    /// The text.
    pub message: MessageBody,
    /// The appointment range.
    pub range: AppointmentRange,
    /// The appointments covered.
    pub span: Option<AppointmentSpan>,
    /// The pace (B5).
    pub pace: Pace,
    /// The recipient-local sending window (X1).
    pub quiet_hours: QuietHours,
    /// The organization's time zone (fallback for recipients' zones).
    pub time_zone: Tz,
    /// The confirmation token it was started with (B4).
    pub token: String,
    /// When it was confirmed.
    pub created_at: Timestamp,
    /// Clients in range who get no text of their own, with the reason (B8).
    pub excluded: Vec<Exclusion>,
}

impl Broadcast {
    /// The broadcast a confirmed plan becomes.
    pub fn from_plan(id: BroadcastId, plan: &Preflight, now: Timestamp) -> Broadcast {
        Broadcast {
            id,
            organization: plan.organization.clone(),
            sender: plan.sender.clone(),
            from: plan.from,
            message: plan.message.clone(),
            range: plan.range,
            span: plan.span,
            pace: plan.pace,
            quiet_hours: plan.quiet_hours,
            time_zone: plan.time_zone,
            token: plan.token.clone(),
            created_at: now,
            excluded: plan.excluded.clone(),
        }
    }

    /// The idempotency key of the text to one recipient (B9): the same on
    /// every attempt, different for every recipient and broadcast.
    pub fn idempotency_key(&self, recipient: &PlannedRecipient) -> String {
        format!("{}:{}", self.id, recipient.client)
    }
}

/// One recipient of a broadcast and where its text stands (SPEC B7, B9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipientProgress {
    /// Position in send order, from 0.
    pub index: u32,
    /// Who and where.
    #[serde(flatten)]
    pub recipient: PlannedRecipient,
    /// Where the text stands.
    pub status: RecipientStatus,
}

/// Where one recipient's text stands (SPEC B9): pending → sending → sent,
/// failed or skipped. A recipient is claimed (pending → sending, with the
/// worker and a lease) before its text is handed to the transport and
/// recorded after, so a crash leaves it in `sending` and the resumed run
/// looks it up instead of sending blindly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RecipientStatus {
    /// Not sent yet.
    Pending {
        /// Deferred until then (quiet hours, X1, or a retry).
        #[serde(default)]
        not_before: Option<Timestamp>,
        /// Attempts the transport could not take so far.
        #[serde(default)]
        retries: u32,
    },
    /// Claimed by a worker, which may be handing it to the transport.
    Sending {
        /// The worker's id.
        worker: String,
        /// Another worker may take it over from then on.
        lease_until: Timestamp,
        /// Attempts the transport could not take so far.
        #[serde(default)]
        retries: u32,
    },
    /// The provider accepted it.
    Sent {
        /// When.
        at: Timestamp,
        /// The provider's message id.
        provider_id: String,
    },
    /// It could not be sent.
    Failed {
        /// When.
        at: Timestamp,
        /// Why.
        failure: SendFailure,
    },
    /// Not sent on purpose: the client opted out after the preflight, or
    /// the appointment had started (B2, C4).
    Skipped {
        /// When.
        at: Timestamp,
        /// Why.
        reason: ExclusionReason,
    },
}

impl RecipientStatus {
    /// A new recipient's status.
    pub const NEW: RecipientStatus = RecipientStatus::Pending {
        not_before: None,
        retries: 0,
    };

    /// True for sent, failed and skipped.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            RecipientStatus::Sent { .. }
                | RecipientStatus::Failed { .. }
                | RecipientStatus::Skipped { .. }
        )
    }
}

/// Why a text could not be sent (SPEC B7, X2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendFailure {
    /// The provider refused it.
    Rejected {
        /// The provider's error code, if any.
        provider_code: Option<u32>,
        /// The failure class of that code (X2).
        class: FailureClass,
        /// The provider's explanation.
        message: String,
    },
    /// The provider could not be reached, several times.
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        message: String,
    },
    /// The run stopped while the text was being handed over and the
    /// transport cannot tell whether it went out (B9): never sent a second
    /// time without a person checking.
    Interrupted,
}

impl SendFailure {
    /// The failure in words, for the report's "Error Details".
    pub fn message(&self) -> String {
        match self {
            SendFailure::Rejected {
                provider_code: Some(code),
                message,
                ..
            } => format!("the provider refused the text (error {code}): {message}"),
            SendFailure::Rejected { message, .. } => {
                format!("the provider refused the text: {message}")
            }
            SendFailure::Unavailable { attempts, message } => {
                format!("the provider could not be reached ({attempts} attempts): {message}")
            }
            SendFailure::Interrupted => "interrupted, verify before resending".into(),
        }
    }
}

/// What a person should do about a recipient who did not get the text
/// (SPEC X6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    /// A landline or no cell phone: call (or email) instead.
    CallInstead,
    /// The number is wrong or out of service: verify it with the client.
    VerifyNumber,
    /// The client opted out: do not text; reach them another way.
    ClientOptedOut,
    /// A passing problem: send again later.
    RetryLater,
    /// Our sending number or account was refused: an administrator must fix
    /// it before texts can go out.
    CheckSender,
    /// The run was interrupted mid-send: check whether it arrived before
    /// sending again.
    VerifyBeforeResending,
}

impl NextAction {
    /// The action in words, for the report.
    pub fn label(self) -> &'static str {
        match self {
            NextAction::CallInstead => "call instead",
            NextAction::VerifyNumber => "verify the number",
            NextAction::ClientOptedOut => "client opted out",
            NextAction::RetryLater => "retry later",
            NextAction::CheckSender => "check the sending number",
            NextAction::VerifyBeforeResending => "verify before resending",
        }
    }

    /// The next action for a failed send (X6).
    pub fn for_failure(failure: &SendFailure) -> NextAction {
        match failure {
            SendFailure::Rejected { class, .. } => match class {
                FailureClass::Permanent(r) => NextAction::for_permanent(*r),
                FailureClass::Transient(_) => NextAction::RetryLater,
                FailureClass::Sender(_) => NextAction::CheckSender,
            },
            SendFailure::Unavailable { .. } => NextAction::RetryLater,
            SendFailure::Interrupted => NextAction::VerifyBeforeResending,
        }
    }

    /// The next action for a client who got no text (X6); `None` when
    /// nothing is to be done (the number is shared with someone who got
    /// it, or the appointment is over).
    pub fn for_exclusion(reason: &ExclusionReason) -> Option<NextAction> {
        match reason {
            ExclusionReason::NoCellPhone
            | ExclusionReason::NotUsOrCanada
            | ExclusionReason::Landline => Some(NextAction::CallInstead),
            ExclusionReason::InvalidNumber { .. } | ExclusionReason::Blocked => {
                Some(NextAction::VerifyNumber)
            }
            ExclusionReason::PermanentlyFailing { reason } => Some(match reason {
                Some(r) => NextAction::for_permanent(*r),
                None => NextAction::VerifyNumber,
            }),
            ExclusionReason::OptedOut => Some(NextAction::ClientOptedOut),
            ExclusionReason::SharedNumber { .. } | ExclusionReason::AppointmentPassed => None,
        }
    }

    fn for_permanent(reason: PermanentReason) -> NextAction {
        match reason {
            PermanentReason::Landline => NextAction::CallInstead,
            PermanentReason::OptedOut => NextAction::ClientOptedOut,
            PermanentReason::InvalidNumber
            | PermanentReason::UnknownSubscriber
            | PermanentReason::Blocked => NextAction::VerifyNumber,
        }
    }
}

/// The status line of a broadcast's activity entry (SPEC B7). JSON:
/// `{"status": "sending"}`, `{"status": "all_sent"}`, `{"status":
/// "failed", "failed": 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BroadcastStatus {
    /// Some texts are not sent yet.
    Sending,
    /// Every text went out (green).
    AllSent,
    /// Done, and this many texts did not go through (red).
    Failed {
        /// How many.
        failed: usize,
    },
}

/// The colour of a finished broadcast's status line (SPEC B7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusColor {
    /// All sent.
    Green,
    /// At least one failed.
    Red,
}

impl BroadcastStatus {
    /// Green when all were sent, red when some failed, none while sending.
    pub fn color(self) -> Option<StatusColor> {
        match self {
            BroadcastStatus::Sending => None,
            BroadcastStatus::AllSent => Some(StatusColor::Green),
            BroadcastStatus::Failed { .. } => Some(StatusColor::Red),
        }
    }

    /// The status line: "sending", "all sent", "3 failed".
    pub fn label(self) -> String {
        match self {
            BroadcastStatus::Sending => "sending".into(),
            BroadcastStatus::AllSent => "all sent".into(),
            BroadcastStatus::Failed { failed } => format!("{failed} failed"),
        }
    }
}

/// A broadcast's entry in the activity section (SPEC B7), derived from its
/// recipients' states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BroadcastSummary {
    /// The broadcast.
    pub id: BroadcastId,
    /// Who sent it.
    pub sender: Username,
    /// When it was confirmed.
    pub created_at: Timestamp,
    /// Texts planned (one per recipient).
    pub recipients: usize,
    /// Sent.
    pub sent: usize,
    /// Failed.
    pub failed: usize,
    /// Not sent on purpose after confirmation (opted out since, or the
    /// appointment had started).
    pub skipped: usize,
    /// Not done yet (pending or sending).
    pub pending: usize,
    /// Clients excluded at the preflight.
    pub excluded: usize,
    /// The status line.
    pub status: BroadcastStatus,
    /// When the last text was done, once all are.
    pub finished_at: Option<Timestamp>,
}

/// The activity entry of `broadcast` given its recipients (SPEC B7).
/// Skipped texts are not failures: they were held back on purpose and the
/// report says why.
pub fn summarize(broadcast: &Broadcast, recipients: &[RecipientProgress]) -> BroadcastSummary {
    let (mut sent, mut failed, mut skipped, mut pending) = (0, 0, 0, 0);
    let mut finished_at: Option<Timestamp> = None;
    for r in recipients {
        let at = match &r.status {
            RecipientStatus::Sent { at, .. } => {
                sent += 1;
                *at
            }
            RecipientStatus::Failed { at, .. } => {
                failed += 1;
                *at
            }
            RecipientStatus::Skipped { at, .. } => {
                skipped += 1;
                *at
            }
            RecipientStatus::Pending { .. } | RecipientStatus::Sending { .. } => {
                pending += 1;
                continue;
            }
        };
        finished_at = finished_at.max(Some(at));
    }
    let status = match (pending, failed) {
        (0, 0) => BroadcastStatus::AllSent,
        (0, failed) => BroadcastStatus::Failed { failed },
        _ => BroadcastStatus::Sending,
    };
    BroadcastSummary {
        id: broadcast.id.clone(),
        sender: broadcast.sender.clone(),
        created_at: broadcast.created_at,
        recipients: recipients.len(),
        sent,
        failed,
        skipped,
        pending,
        excluded: broadcast.excluded.len(),
        status,
        finished_at: finished_at.filter(|_| pending == 0),
    }
}
