//! The request for a mass alert and its checks: SPEC B1 (who may send),
//! B2 (the appointment range), P5 and P7 (the message), B5 (the pace).

use std::fmt;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize, Serializer};

use crate::directory::{Directory, Role};
use crate::error::Error;
use crate::hours::{QuietHours, instant_at, local_time};
use crate::ids::{OrganizationId, Username};
use crate::phone::E164;
use crate::ports::Timestamp;
use crate::send::{SendRefusal, sending_number};
use crate::sensitive::MessageBody;
use crate::text::TextError;
use crate::text::compliance::{Finding, Mode, Severity, codes};
use crate::text::segments::{self, SegmentCount};

use super::BroadcastError;

/// The longest range of appointment start times one alert may cover
/// (SPEC B2).
pub const MAX_RANGE: TimeDelta = TimeDelta::days(7);

/// An administrator's request for a mass text alert (SPEC B1-B5, X1).
///
/// JSON: `{"organization": "happy-paws", "sender": "alice", "range":
/// {"preset": "whole_days", "first_day": "2026-11-24", "days": 1},
/// "message": "...", "pace": 5}`; `from`, `pace` and `quiet_hours` may be
/// left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BroadcastRequest {
    /// The organization sending.
    pub organization: OrganizationId,
    /// The administrator sending it (B1).
    pub sender: Username,
    /// One of the sender's SMS numbers to send from; the sender's outbound
    /// number when absent (R2, R6).
    #[serde(default)]
    pub from: Option<E164>,
    /// Which appointments' clients get it (B2).
    pub range: RangeChoice,
    /// The text (P5, P7).
    pub message: MessageBody,
    /// How fast it goes out (B5); 5 a minute by default.
    #[serde(default)]
    pub pace: Pace,
    /// The recipient-local window it may go out in (X1); 09:00-20:00 by
    /// default.
    #[serde(default)]
    pub quiet_hours: QuietHours,
}

/// How the appointment range is chosen (SPEC B2): the presets of the seed
/// ("rest of today" and whole days, in the organization's time zone) or a
/// custom range. Serde: `{"preset": "rest_of_today"}`, `{"preset":
/// "whole_days", "first_day": "2026-11-24", "days": 2}`, `{"preset":
/// "custom", "start": "...", "end": "..."}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "preset", rename_all = "snake_case")]
pub enum RangeChoice {
    /// From now until midnight in the organization's time zone.
    RestOfToday,
    /// `days` whole days (1 to 7) from midnight of `first_day` in the
    /// organization's time zone.
    WholeDays {
        /// The first day.
        first_day: NaiveDate,
        /// How many days.
        days: u32,
    },
    /// Any range of start times, `start` inclusive, `end` exclusive.
    Custom {
        /// First instant covered.
        start: Timestamp,
        /// First instant no longer covered.
        end: Timestamp,
    },
}

/// A resolved range of appointment start times, `[start, end)` (SPEC B2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentRange {
    /// First instant covered.
    pub start: Timestamp,
    /// First instant no longer covered.
    pub end: Timestamp,
}

impl AppointmentRange {
    /// True when `t` lies in the range.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// How many alerts a minute go out (SPEC B5): 1 to 60, default 5 (so 10
/// recipients take about 2 minutes and 100 about 20). The rest of the
/// sending number's capacity is left to conversation texts. JSON: a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Pace(u32);

impl Pace {
    /// The default: 5 a minute (B5).
    pub const DEFAULT: Pace = Pace(5);
    /// The fastest pace allowed: one a second, the usual limit of a single
    /// long-code number, which must still carry conversation texts.
    pub const MAX_PER_MINUTE: u32 = 60;

    /// A pace of `per_minute` alerts a minute; refuses 0 and more than
    /// [`Pace::MAX_PER_MINUTE`] with `invalid_pace`.
    pub fn new(per_minute: u32) -> Result<Pace, BroadcastError> {
        if (1..=Self::MAX_PER_MINUTE).contains(&per_minute) {
            Ok(Pace(per_minute))
        } else {
            Err(BroadcastError::InvalidPace { per_minute })
        }
    }
    /// Alerts a minute.
    pub fn per_minute(self) -> u32 {
        self.0
    }
    /// The time between two alerts: 12 s at 5 a minute.
    pub fn interval(self) -> TimeDelta {
        TimeDelta::milliseconds(60_000 / i64::from(self.0.max(1)))
    }
}

impl Default for Pace {
    fn default() -> Self {
        Pace::DEFAULT
    }
}

impl TryFrom<u32> for Pace {
    type Error = String;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        Pace::new(n).map_err(|e| format!("{}: {e}", e.code()))
    }
}

impl From<Pace> for u32 {
    fn from(p: Pace) -> u32 {
        p.0
    }
}

/// One reason a mass alert may not be sent as requested (SPEC B1, B2, P5,
/// P7, R6). [`validate`] returns every one that applies. JSON:
/// `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// The directory given is another organization's.
    #[error("the request is for another organization than the directory given")]
    OrganizationMismatch,
    /// The sender is not a user of the organization.
    #[error("'{username}' is not a user of this organization")]
    UnknownSender {
        /// The username given.
        username: Username,
    },
    /// B1: only an administrator may send a mass alert.
    #[error("only a user with the Admin role can send a mass text alert")]
    NotAdmin,
    /// B1: the organization has two-way texting switched off.
    #[error(
        "mass text alerts need two-way texting, which is not enabled for this organization; an administrator can enable it"
    )]
    TwoWayDisabled,
    /// R2, R6: the sending number or an enablement level is missing (the
    /// code is the send check's, e.g. `organization_sms_disabled`).
    #[error("{0}")]
    Sending(SendRefusal),
    /// B2: the range ends where it starts, or before.
    #[error("the appointment range is empty: its end must come after its start")]
    RangeEmpty,
    /// B2: the range covers more than 7 days.
    #[error(
        "the appointment range covers {hours} hours; a mass alert may cover at most 7 days (168 hours)"
    )]
    RangeTooLong {
        /// How long the range is, in whole hours (rounded up).
        hours: i64,
    },
    /// B2: the range is over: no appointment in it lies in the future.
    #[error(
        "the appointment range is in the past; only clients with upcoming appointments can get an alert"
    )]
    RangeInPast,
    /// The message is blank.
    #[error("the message is empty; write the alert")]
    MessageEmpty,
    /// P5 (and P1, P2): wording carriers block, or promotional wording,
    /// which a mass alert may not carry.
    #[error("the message cannot go out as a mass alert: {}", summary(.findings))]
    MessageBlocked {
        /// The blocking findings, each with its rule code and span.
        findings: Vec<Finding>,
    },
    /// P7: the message is longer than the organization allows.
    #[error("{0}")]
    MessageTooLong(TextError),
}

fn summary(findings: &[Finding]) -> String {
    let parts: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    parts.join("; ")
}

impl Refusal {
    /// Stable machine-readable code, one per refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::OrganizationMismatch => "organization_mismatch",
            Refusal::UnknownSender { .. } => "unknown_sender",
            Refusal::NotAdmin => "not_admin",
            Refusal::TwoWayDisabled => "two_way_disabled",
            Refusal::Sending(r) => r.code(),
            Refusal::RangeEmpty => "range_empty",
            Refusal::RangeTooLong { .. } => "range_too_long",
            Refusal::RangeInPast => "range_in_past",
            Refusal::MessageEmpty => "message_empty",
            Refusal::MessageBlocked { .. } => "message_blocked",
            Refusal::MessageTooLong(e) => e.code(),
        }
    }
}

impl Serialize for Refusal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::send::Reason {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
        .serialize(s)
    }
}

/// A request that passed [`validate`]: what the checks resolved.
#[derive(Clone, PartialEq)]
pub struct ValidRequest {
    /// Our number the alert goes out from.
    pub from: E164,
    /// The resolved appointment range.
    pub range: AppointmentRange,
    /// The organization's time zone.
    pub time_zone: Tz,
    /// Encoding, segments and characters remaining (P7, B4).
    pub segments: SegmentCount,
    /// Content warnings that do not stop it (P4).
    pub warnings: Vec<Finding>,
}

impl fmt::Debug for ValidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidRequest")
            .field("from", &self.from)
            .field("range", &self.range)
            .field("time_zone", &self.time_zone)
            .field("segments", &self.segments.segments)
            .finish_non_exhaustive()
    }
}

/// Checks a mass-alert request against the organization's directory at
/// `now` (SPEC B1, B2, P5, P7, R6) and lists every refusal that applies:
/// the sender must be an admin of an organization with two-way texting;
/// the sending number must be the sender's and SMS-enabled; the range must
/// end after it starts, lie at least partly in the future and span at most
/// 7 days; the message must not be blank, carry blocked or promotional
/// wording, or exceed the length limit.
///
/// A range spans at most 7 days when either its elapsed time or its
/// wall-clock span in the organization's time zone is at most 7 days, so 7
/// whole days across a daylight-saving change (169 or 167 hours) pass and
/// 7 days and 1 minute do not.
pub fn validate(
    request: &BroadcastRequest,
    directory: &Directory,
    now: Timestamp,
) -> Result<ValidRequest, Error> {
    let mut refusals = sender_refusals(&request.organization, &request.sender, directory);
    let org = &directory.organization;
    let user = directory.user(&request.sender);
    let (from, sending) = match user {
        Some(user) => sending_number(directory, user, request.from, None),
        None => (None, Vec::new()),
    };
    refusals.extend(sending.into_iter().map(Refusal::Sending));
    let time_zone = org.settings.time_zone;
    let range = resolve_range(request.range, time_zone, now);
    refusals.extend(range_refusals(range, time_zone, now));
    let policy = org.settings.policy.send_rules()?;
    let (segments, warnings, message) = message_checks(request, &policy);
    refusals.extend(message);
    match (from, range) {
        (Some(from), Some(range)) if refusals.is_empty() => Ok(ValidRequest {
            from,
            range,
            time_zone,
            segments,
            warnings,
        }),
        _ => Err(BroadcastError::Refused { refusals }.into()),
    }
}

/// B1: `sender` is an admin of `org`, which has two-way texting on.
pub(crate) fn sender_refusals(
    org: &OrganizationId,
    sender: &Username,
    directory: &Directory,
) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    if org != &directory.organization.id {
        refusals.push(Refusal::OrganizationMismatch);
    }
    match directory.user(sender) {
        None => refusals.push(Refusal::UnknownSender {
            username: sender.clone(),
        }),
        Some(u) if u.role != Role::Admin => refusals.push(Refusal::NotAdmin),
        Some(_) => {}
    }
    if !directory.organization.settings.two_way_enabled {
        refusals.push(Refusal::TwoWayDisabled);
    }
    refusals
}

/// The instants a range choice stands for in `tz` at `now`; `None` when
/// it is empty (`days` of 0) or cannot be represented.
pub fn resolve_range(choice: RangeChoice, tz: Tz, now: Timestamp) -> Option<AppointmentRange> {
    let midnight = |date: NaiveDate| instant_at(tz, date.and_time(NaiveTime::MIN));
    match choice {
        RangeChoice::RestOfToday => {
            let tomorrow = local_time(now, tz)?.date().succ_opt()?;
            Some(AppointmentRange {
                start: now,
                end: midnight(tomorrow)?,
            })
        }
        RangeChoice::WholeDays { first_day, days } => {
            let last = first_day.checked_add_days(chrono::Days::new(u64::from(days)))?;
            let range = AppointmentRange {
                start: midnight(first_day)?,
                end: midnight(last)?,
            };
            (days > 0).then_some(range)
        }
        RangeChoice::Custom { start, end } => Some(AppointmentRange { start, end }),
    }
}

/// B2: not empty, not over, at most 7 days.
fn range_refusals(range: Option<AppointmentRange>, tz: Tz, now: Timestamp) -> Vec<Refusal> {
    let Some(r) = range else {
        return vec![Refusal::RangeEmpty];
    };
    if r.end <= r.start {
        return vec![Refusal::RangeEmpty];
    }
    let mut refusals = Vec::new();
    let elapsed = r.end - r.start;
    let wall = match (local_time(r.start, tz), local_time(r.end, tz)) {
        (Some(a), Some(b)) => b - a,
        _ => elapsed,
    };
    if elapsed.min(wall) > MAX_RANGE {
        let minutes = elapsed.num_minutes();
        refusals.push(Refusal::RangeTooLong {
            hours: minutes / 60 + i64::from(minutes % 60 != 0),
        });
    }
    if r.end <= now {
        refusals.push(Refusal::RangeInPast);
    }
    refusals
}

/// P5, P7: blank, blocked or too long; the cost and the warnings.
fn message_checks(
    request: &BroadcastRequest,
    rules: &crate::policy::SendRules,
) -> (SegmentCount, Vec<Finding>, Vec<Refusal>) {
    let text = request.message.as_str();
    let mut refusals = Vec::new();
    if request.message.is_blank() {
        refusals.push(Refusal::MessageEmpty);
    }
    let report = rules.content.check(text, Mode::Broadcast);
    // Length is refused once, with the organization's own limits (P7).
    let (blocking, warnings): (Vec<Finding>, Vec<Finding>) = report
        .findings
        .into_iter()
        .filter(|f| f.code != codes::TEXT_TOO_LONG)
        .partition(|f| f.severity == Severity::Block);
    if !blocking.is_empty() {
        refusals.push(Refusal::MessageBlocked { findings: blocking });
    }
    if let Err(e) = segments::check_length(text, &rules.limits) {
        refusals.push(Refusal::MessageTooLong(e));
    }
    (report.segments, warnings, refusals)
}
