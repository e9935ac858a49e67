//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
//! Tests for SPEC X2 (delivery status only moves forward; failures are
//! classified; permanent ones suppress, transient ones retry) and V10
//! (a repeated status callback changes nothing).

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::webhook::StatusCallback;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 4, 15, 0, 0).unwrap()
}

fn cb(status: DeliveryStatus, error_code: Option<u32>) -> StatusCallback {
    StatusCallback {
        provider_id: "SM0000000000000000000000000000abcd".into(),
        status,
        error_code,
        to: None,
    }
}

fn state(status: DeliveryStatus, error_code: Option<u32>, attempts: u32) -> DeliveryState {
    DeliveryState {
        status,
        error_code,
        updated_at: t0(),
        attempts,
    }
}

use DeliveryStatus::*;

#[test]
fn x2_statuses_move_forward_in_order() {
    let policy = RetryPolicy::default();
    let mut current = DeliveryState::queued(1, t0());
    let mut now = t0();
    for next in [Sending, Sent, Delivered] {
        now += TimeDelta::seconds(2);
        let (new, effects) = apply_status(Some(&current), &cb(next, None), now, &policy);
        assert_eq!(
            effects,
            vec![StatusEffect::Advanced {
                from: Some(current.status),
                to: next
            }]
        );
        let new = new.expect("a forward move returns the new state");
        assert_eq!((new.status, new.updated_at, new.attempts), (next, now, 1));
        current = new;
    }
}

#[test]
fn x2_statuses_may_skip_ahead() {
    let (new, effects) = apply_status(
        Some(&state(Accepted, None, 1)),
        &cb(Delivered, None),
        t0(),
        &RetryPolicy::default(),
    );
    assert_eq!(new.unwrap().status, Delivered);
    assert_eq!(
        effects,
        vec![StatusEffect::Advanced {
            from: Some(Accepted),
            to: Delivered
        }]
    );
}

#[test]
fn x2_first_callback_for_a_message_without_state_is_attempt_one() {
    let (new, effects) = apply_status(None, &cb(Sent, None), t0(), &RetryPolicy::default());
    assert_eq!(new, Some(state(Sent, None, 1)));
    assert_eq!(
        effects,
        vec![StatusEffect::Advanced {
            from: None,
            to: Sent
        }]
    );
}

#[test]
fn x2_out_of_order_delivered_then_sent_stays_delivered() {
    let policy = RetryPolicy::default();
    let (delivered, _) = apply_status(None, &cb(Delivered, None), t0(), &policy);
    let delivered = delivered.unwrap();
    for late in [Sent, Sending, Queued, Accepted, Scheduled] {
        let (new, effects) = apply_status(Some(&delivered), &cb(late, None), t0(), &policy);
        assert_eq!(new, None, "{late}");
        assert_eq!(
            effects,
            vec![StatusEffect::Ignored {
                reason: IgnoreReason::Stale
            }]
        );
    }
    let sending = state(Sending, None, 1);
    let (new, effects) = apply_status(Some(&sending), &cb(Queued, None), t0(), &policy);
    assert_eq!(new, None);
    assert_eq!(
        effects,
        vec![StatusEffect::Ignored {
            reason: IgnoreReason::Stale
        }]
    );
}

#[test]
fn x2_final_statuses_are_final() {
    let policy = RetryPolicy::default();
    let cases = [
        (state(Failed, Some(30003), 1), cb(Delivered, None)),
        (state(Undelivered, Some(30005), 1), cb(Delivered, None)),
        (state(Delivered, None, 1), cb(Failed, Some(30008))),
        (state(Delivered, None, 1), cb(Undelivered, Some(30003))),
        (
            state(Undelivered, Some(30003), 1),
            cb(Undelivered, Some(30005)),
        ),
        (state(Canceled, None, 1), cb(Delivered, None)),
    ];
    for (current, callback) in cases {
        let (new, effects) = apply_status(Some(&current), &callback, t0(), &policy);
        assert_eq!(new, None, "{current:?} <- {callback:?}");
        assert_eq!(
            effects,
            vec![StatusEffect::Ignored {
                reason: IgnoreReason::AfterTerminal
            }],
            "{current:?} <- {callback:?}"
        );
    }
}

#[test]
fn v10_the_same_callback_two_to_five_times_changes_state_once() {
    let policy = RetryPolicy::default();
    for callback in [
        cb(Sent, None),
        cb(Delivered, None),
        cb(Undelivered, Some(30003)),
        cb(Failed, Some(21610)),
    ] {
        for times in 2..=5 {
            let start = DeliveryState::queued(1, t0());
            let (first, first_effects) = apply_status(Some(&start), &callback, t0(), &policy);
            let stored = first.expect("the first delivery changes the state");
            assert!(matches!(first_effects[0], StatusEffect::Advanced { .. }));
            for _ in 1..times {
                let later = t0() + TimeDelta::minutes(3);
                let (again, effects) = apply_status(Some(&stored), &callback, later, &policy);
                assert_eq!(again, None, "{callback:?} x{times}");
                assert_eq!(
                    effects,
                    vec![StatusEffect::Ignored {
                        reason: IgnoreReason::Duplicate
                    }]
                );
            }
        }
    }
}

/// The classes expected per code, written out here rather than read back
/// from `KNOWN_ERROR_CODES`.
#[test]
fn x2_each_error_code_gets_its_class() {
    use FailureClass::*;
    let expected = [
        (21211, Permanent(PermanentReason::InvalidNumber)),
        (21610, Permanent(PermanentReason::OptedOut)),
        (21614, Permanent(PermanentReason::Landline)),
        (21635, Permanent(PermanentReason::Landline)),
        (30004, Permanent(PermanentReason::Blocked)),
        (30005, Permanent(PermanentReason::UnknownSubscriber)),
        (30006, Permanent(PermanentReason::Landline)),
        (30001, Transient(TransientReason::QueueOverflow)),
        (30003, Transient(TransientReason::Unreachable)),
        (30008, Transient(TransientReason::Unknown)),
        (30017, Transient(TransientReason::CarrierCongestion)),
        (30500, Transient(TransientReason::ProviderError)),
        (30002, Sender(SenderReason::AccountSuspended)),
        (30007, Sender(SenderReason::ContentFiltered)),
        (30032, Sender(SenderReason::UnregisteredSender)),
        (30034, Sender(SenderReason::UnregisteredSender)),
    ];
    for (code, class) in expected {
        for status in [Failed, Undelivered] {
            assert_eq!(
                classify_failure(Some(code), status),
                Some(class),
                "{code} {status}"
            );
        }
    }
    assert_eq!(KNOWN_ERROR_CODES.len(), expected.len());
    let mut codes: Vec<u32> = KNOWN_ERROR_CODES.iter().map(|(c, _, _)| *c).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), KNOWN_ERROR_CODES.len(), "no code listed twice");
}

#[test]
fn x2_unknown_or_missing_codes_are_transient() {
    for code in [None, Some(12345), Some(30009), Some(u32::MAX)] {
        assert_eq!(
            classify_failure(code, Undelivered),
            Some(FailureClass::Transient(TransientReason::Unknown)),
            "{code:?}"
        );
    }
}

#[test]
fn x2_only_failures_are_classified() {
    for status in DeliveryStatus::ALL {
        let class = classify_failure(Some(30003), status);
        assert_eq!(
            class.is_some(),
            matches!(status, Failed | Undelivered),
            "{status}"
        );
    }
}

#[test]
fn x2_permanent_failures_suppress_the_number() {
    let cases = [
        (21610, PermanentReason::OptedOut),
        (21211, PermanentReason::InvalidNumber),
        (21614, PermanentReason::Landline),
        (30005, PermanentReason::UnknownSubscriber),
        (30006, PermanentReason::Landline),
        (30004, PermanentReason::Blocked),
    ];
    for (code, reason) in cases {
        let current = DeliveryState::queued(1, t0());
        let (new, effects) = apply_status(
            Some(&current),
            &cb(Undelivered, Some(code)),
            t0(),
            &RetryPolicy::default(),
        );
        let new = new.unwrap();
        assert_eq!((new.status, new.error_code), (Undelivered, Some(code)));
        assert_eq!(
            effects,
            vec![
                StatusEffect::Advanced {
                    from: Some(Queued),
                    to: Undelivered
                },
                StatusEffect::Suppress { reason },
            ],
            "{code}"
        );
    }
}

#[test]
fn x2_sender_failures_escalate_without_retry_or_suppression() {
    for (code, reason) in [
        (30002, SenderReason::AccountSuspended),
        (30007, SenderReason::ContentFiltered),
        (30034, SenderReason::UnregisteredSender),
    ] {
        let (_, effects) = apply_status(
            Some(&DeliveryState::queued(1, t0())),
            &cb(Failed, Some(code)),
            t0(),
            &RetryPolicy::default(),
        );
        assert_eq!(effects.get(1), Some(&StatusEffect::Escalate { reason }));
        assert_eq!(effects.len(), 2);
    }
}

/// 1 min, 5 min, 30 min, 2 h after each failure, then give up after the
/// fifth attempt.
#[test]
fn x2_transient_failures_follow_the_retry_schedule_then_give_up() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_attempts(), 5);
    let waits = [
        TimeDelta::minutes(1),
        TimeDelta::minutes(5),
        TimeDelta::minutes(30),
        TimeDelta::hours(2),
    ];
    let mut attempt = DeliveryState::queued(1, t0());
    let mut failed_at = t0() + TimeDelta::seconds(20);
    for (n, wait) in (1u32..).zip(waits) {
        let (new, effects) = apply_status(
            Some(&attempt),
            &cb(Undelivered, Some(30003)),
            failed_at,
            &policy,
        );
        assert_eq!(new.unwrap().attempts, n);
        let expected_at = failed_at + wait;
        assert_eq!(
            effects.get(1),
            Some(&StatusEffect::Retry {
                at: expected_at,
                attempt: n + 1
            }),
            "attempt {n}"
        );
        attempt = attempt.next_attempt(expected_at);
        assert_eq!((attempt.status, attempt.attempts), (Queued, n + 1));
        failed_at = expected_at + TimeDelta::seconds(20);
    }
    let (_, effects) = apply_status(Some(&attempt), &cb(Failed, Some(30001)), failed_at, &policy);
    assert_eq!(effects.get(1), Some(&StatusEffect::GiveUp { attempts: 5 }));
}

#[test]
fn x2_retry_policy_variants() {
    let none = RetryPolicy { delays: vec![] };
    assert_eq!(none.max_attempts(), 1);
    let (_, effects) = apply_status(None, &cb(Failed, None), t0(), &none);
    assert_eq!(effects.get(1), Some(&StatusEffect::GiveUp { attempts: 1 }));

    let exp = RetryPolicy::exponential(TimeDelta::minutes(1), 3, 4);
    assert_eq!(exp.delays, [1, 3, 9, 27].map(TimeDelta::minutes).to_vec());
    let huge = RetryPolicy::exponential(TimeDelta::MAX, 2, 2);
    assert_eq!(huge.delays, vec![TimeDelta::MAX, TimeDelta::MAX]);
    assert_eq!(huge.next_retry(1, t0()), None, "overflowing time gives up");

    let negative = RetryPolicy {
        delays: vec![TimeDelta::minutes(-5)],
    };
    assert_eq!(negative.next_retry(1, t0()), Some(t0()));
    assert_eq!(
        negative.next_retry(0, t0()),
        Some(t0()),
        "attempt 0 counts as 1"
    );
    assert_eq!(negative.next_retry(2, t0()), None);
}

#[test]
fn x2_retry_policy_json_is_in_seconds() {
    let json = serde_json::to_value(RetryPolicy::default()).unwrap();
    assert_eq!(json, serde_json::json!({"delays": [60, 300, 1800, 7200]}));
    let back: RetryPolicy = serde_json::from_value(json).unwrap();
    assert_eq!(back, RetryPolicy::default());
    let empty: RetryPolicy = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, RetryPolicy::default());
    assert!(serde_json::from_str::<RetryPolicy>(r#"{"delays": [-1]}"#).is_err());
}

#[test]
fn x2_provider_status_strings() {
    for status in DeliveryStatus::ALL {
        assert_eq!(DeliveryStatus::from_provider(status.as_str()), Some(status));
        let upper = status.as_str().to_uppercase();
        assert_eq!(DeliveryStatus::from_provider(&upper), Some(status));
        let json = serde_json::to_value(status).unwrap();
        assert_eq!(json, status.as_str());
        assert_eq!(status.to_string(), status.as_str());
    }
    assert_eq!(DeliveryStatus::from_provider(" read "), Some(Delivered));
    assert_eq!(DeliveryStatus::from_provider("cancelled"), Some(Canceled));
    for unknown in [
        "",
        "received",
        "receiving",
        "partially_delivered",
        "bounced",
    ] {
        assert_eq!(DeliveryStatus::from_provider(unknown), None, "{unknown}");
    }
}

#[test]
fn x2_json_forms_of_decisions() {
    assert_eq!(
        serde_json::to_value(FailureClass::Permanent(PermanentReason::OptedOut)).unwrap(),
        serde_json::json!({"class": "permanent", "reason": "opted_out"})
    );
    assert_eq!(
        serde_json::to_value(StatusEffect::Retry {
            at: t0(),
            attempt: 2
        })
        .unwrap(),
        serde_json::json!({"effect": "retry", "at": "2025-03-04T15:00:00Z", "attempt": 2})
    );
    assert_eq!(
        serde_json::to_value(StatusEffect::Ignored {
            reason: IgnoreReason::AfterTerminal
        })
        .unwrap(),
        serde_json::json!({"effect": "ignored", "reason": "after_terminal"})
    );
    let state = DeliveryState::queued(1, t0());
    let back: DeliveryState =
        serde_json::from_value(serde_json::to_value(&state).unwrap()).unwrap();
    assert_eq!(back, state);
}

fn any_status() -> impl Strategy<Value = DeliveryStatus> {
    prop::sample::select(DeliveryStatus::ALL.to_vec())
}

fn any_code() -> impl Strategy<Value = Option<u32>> {
    prop::option::of(prop::sample::select(vec![
        0, 21211, 21610, 30001, 30002, 30003, 30005, 30008, 99999,
    ]))
}

proptest! {
    /// Whatever order callbacks arrive in, and however often, the stored
    /// status never moves back, a final status never changes, and each
    /// repeat of the callback just applied is a duplicate.
    #[test]
    fn x2_status_never_moves_back(
        callbacks in prop::collection::vec((any_status(), any_code()), 1..20)
    ) {
        let policy = RetryPolicy::default();
        let mut current: Option<DeliveryState> = None;
        for (status, code) in callbacks {
            let callback = cb(status, code);
            let (new, effects) = apply_status(current.as_ref(), &callback, t0(), &policy);
            match (&current, new) {
                (Some(old), Some(new)) => {
                    prop_assert!(!old.status.is_final());
                    prop_assert!(new.status.stage() > old.status.stage());
                    current = Some(new);
                }
                (None, Some(new)) => current = Some(new),
                (_, None) => {
                    prop_assert_eq!(effects.len(), 1);
                    prop_assert!(matches!(effects[0], StatusEffect::Ignored { .. }), "ignored");
                    continue;
                }
            }
            let failure_effects = effects.len() - 1;
            prop_assert_eq!(failure_effects, usize::from(status.is_failure()));
            let (again, effects) = apply_status(current.as_ref(), &callback, t0(), &policy);
            prop_assert_eq!(again, None);
            prop_assert_eq!(effects, vec![StatusEffect::Ignored { reason: IgnoreReason::Duplicate }]);
        }
    }
}
