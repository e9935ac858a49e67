//! Conformance test code (like `#[cfg(test)]` code, a failed check panics to report).
//! Sample delivery records and broadcasts with every field filled in, for
//! the [`DeliveryStore`](practicetext_core::ports::DeliveryStore) and
//! [`BroadcastStore`](practicetext_core::ports::BroadcastStore) checks and
//! the stores' migration seeds.

use chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::broadcast::{
    AppointmentRange, AppointmentSpan, Broadcast, Exclusion, ExclusionReason, Pace,
    PlannedRecipient, RecipientProgress, RecipientStatus, SendFailure,
};
use practicetext_core::delivery::{
    DeliveryState, DeliveryStatus, FailureClass, PermanentReason, TransientReason,
};
use practicetext_core::hours::QuietHours;
use practicetext_core::ids::{BroadcastId, ClientId, MessageId, OrganizationId, Username};
use practicetext_core::ports::{DeliveryRecord, Timestamp};
use practicetext_core::sensitive::{MessageBody, PersonName};

use crate::fixtures::phone;

/// 2026-11-23 15:00:00 UTC plus `seconds` (a fixed instant, never the clock).
pub fn at(seconds: i64) -> Timestamp {
    let base: DateTime<Utc> = "2026-11-23T15:00:00Z".parse().expect("a valid instant");
    base + TimeDelta::seconds(seconds)
}

/// A delivery record of `org` for provider message `provider_id`, failed
/// with an error code on its second attempt.
pub fn delivery(org: &str, provider_id: &str) -> DeliveryRecord {
    DeliveryRecord {
        organization: OrganizationId::new(org),
        provider_id: provider_id.into(),
        message: MessageId::new("m-Ü-1"),
        to: phone(40),
        state: DeliveryState {
            status: DeliveryStatus::Undelivered,
            error_code: Some(30_006),
            updated_at: at(90) + TimeDelta::nanoseconds(123_456_789),
            attempts: 2,
        },
    }
}

/// A broadcast of `org` with every field set, two exclusions among them.
pub fn broadcast(org: &str, id: &str) -> Broadcast {
    Broadcast {
        id: BroadcastId::new(id),
        organization: OrganizationId::new(org),
        sender: Username::new("amir"),
        from: phone(10),
        message: MessageBody::new("Power is out — we'll call to rebook. Zoë 🐾"),
        range: AppointmentRange {
            start: at(0),
            end: at(86_400),
        },
        span: Some(AppointmentSpan {
            first: at(3_600),
            last: at(7_200),
        }),
        pace: Pace::new(12).expect("12 a minute is allowed"),
        quiet_hours: QuietHours::default(),
        time_zone: chrono_tz::America::Chicago,
        token: "tok-0123456789abcdef".into(),
        created_at: at(-60),
        excluded: vec![
            Exclusion {
                client: ClientId::new("c-9"),
                name: PersonName::new("Ñúñez \"Ø\""),
                phone: "(650) 253-00".into(),
                reason: ExclusionReason::InvalidNumber {
                    problem: "invalid_area_code".into(),
                },
            },
            Exclusion {
                client: ClientId::new("c-8"),
                name: PersonName::new("Lee"),
                phone: "+16502530041".into(),
                reason: ExclusionReason::SharedNumber {
                    with: ClientId::new("c-1"),
                },
            },
        ],
    }
}

/// `count` new recipients (pending, indexes 0, 1, 2, ...).
pub fn recipients(count: u32) -> Vec<RecipientProgress> {
    (0..count)
        .map(|index| RecipientProgress {
            index,
            recipient: PlannedRecipient {
                client: ClientId::new(format!("c-{index:03}")),
                name: PersonName::new("Zoé 山田"),
                phone: phone(100 + (index % 9_000) as u16),
                appointments: 2,
                first_appointment: at(3_600),
                last_appointment: at(7_200),
                time_zone: None,
            },
            status: RecipientStatus::NEW,
        })
        .collect()
}

/// One recipient status of every kind, each with its fields set.
pub fn every_status() -> Vec<RecipientStatus> {
    vec![
        RecipientStatus::Pending {
            not_before: Some(at(600) + TimeDelta::nanoseconds(1)),
            retries: 2,
        },
        RecipientStatus::Sending {
            worker: "worker-ß".into(),
            lease_until: at(30),
            retries: 1,
        },
        RecipientStatus::Sent {
            at: at(5),
            provider_id: "SM-0001".into(),
        },
        RecipientStatus::Failed {
            at: at(6),
            failure: SendFailure::Rejected {
                provider_code: Some(21_610),
                class: FailureClass::Permanent(PermanentReason::OptedOut),
                message: "blocked \"quoted\"".into(),
            },
        },
        RecipientStatus::Failed {
            at: at(7),
            failure: SendFailure::Unavailable {
                attempts: 3,
                message: "timeout".into(),
            },
        },
        RecipientStatus::Failed {
            at: at(8),
            failure: SendFailure::Rejected {
                provider_code: None,
                class: FailureClass::Transient(TransientReason::Unknown),
                message: String::new(),
            },
        },
        RecipientStatus::Failed {
            at: at(9),
            failure: SendFailure::Interrupted,
        },
        RecipientStatus::Skipped {
            at: at(10),
            reason: ExclusionReason::OptedOut,
        },
    ]
}
