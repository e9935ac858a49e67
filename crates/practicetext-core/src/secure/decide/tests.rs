//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::directory::ClientKind;
use crate::phone::E164;
use crate::secure::{LinkBase, Missing};
use crate::sensitive::{DateOfBirth, EmailAddress};
use crate::testing::SeededRandom;

fn t0() -> Timestamp {
    DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap()
}

fn at(h: i64, m: i64, s: i64) -> Timestamp {
    t0() + TimeDelta::hours(h) + TimeDelta::minutes(m) + TimeDelta::seconds(s)
}

fn practice() -> Practice {
    Practice {
        name: "Happy Paws Clinic".into(),
        link_base: LinkBase::parse("https://portal.happypaws.example/s/").unwrap(),
    }
}

fn dob() -> DateOfBirth {
    DateOfBirth::new(NaiveDate::from_ymd_opt(1980, 2, 3).unwrap())
}

fn recipient() -> Recipient {
    Recipient {
        kind: ClientKind::Patient,
        first_name: "Jane".into(),
        last_name: "Doe".into(),
        date_of_birth: Some(dob()),
        cell_phone: Some(E164::parse("650-253-0000").unwrap()),
        email: Some(EmailAddress::parse("jane@mail.example").unwrap()),
    }
}

fn request(recipient: Recipient, notify: NotifyMethod) -> NewSecureConversation {
    NewSecureConversation {
        organization: "org-1".into(),
        id: "conv-1".into(),
        client: Some("client-1".into()),
        recipient,
        notify,
    }
}

fn cfg() -> SecureConfig {
    SecureConfig::default()
}

/// A conversation just sent by SMS at t0, with the hash of its link.
fn sent(rng: &SeededRandom) -> (SecureConversation, TokenHash, Issued) {
    let s = start(
        request(recipient(), NotifyMethod::Sms),
        &practice(),
        t0(),
        rng,
        &cfg(),
    )
    .unwrap();
    let hash = s.issued.token.hash();
    (s.conversation, hash, s.issued)
}

fn good_claim() -> IdentityClaim {
    IdentityClaim {
        date_of_birth: Some(dob()),
        last_name: Some(" doe ".into()),
        first_name: None,
    }
}

fn bad_claim() -> IdentityClaim {
    IdentityClaim {
        date_of_birth: Some(DateOfBirth::new(
            NaiveDate::from_ymd_opt(1980, 3, 2).unwrap(),
        )),
        ..good_claim()
    }
}

fn kinds(events: &[SecureEvent]) -> Vec<SecureEventKind> {
    events.iter().map(|e| e.kind.clone()).collect()
}

/// A conversation with PIN 4071 set.
fn with_pin(rng: &SeededRandom) -> (SecureConversation, TokenHash) {
    let (c, h, _) = sent(rng);
    let s = set_pin(&c, &h, &good_claim(), "4071", at(1, 0, 0), rng, &cfg());
    assert_eq!(s.outcome, Ok(()));
    (s.conversation, h)
}

/// A conversation whose reset is locked by three failed verifications.
fn reset_locked(rng: &SeededRandom) -> (SecureConversation, TokenHash) {
    let (mut c, h, _) = sent(rng);
    for _ in 0..3 {
        c = set_pin(&c, &h, &bad_claim(), "4071", at(1, 0, 0), rng, &cfg()).conversation;
    }
    assert!(c.reset_locked());
    (c, h)
}

// ---- S1, S2: sending ----

#[test]
fn s2_start_refuses_listing_every_missing_item() {
    let r = Recipient {
        date_of_birth: None,
        cell_phone: None,
        ..recipient()
    };
    let e = start(
        request(r, NotifyMethod::Both),
        &practice(),
        t0(),
        &SeededRandom::new(1),
        &cfg(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        SecureError::RecipientIncomplete {
            missing: vec![Missing::MissingDateOfBirth, Missing::MissingCellPhone]
        }
    );
    assert_eq!(e.code(), "recipient_incomplete");
    assert!(e.to_string().contains("date of birth") && e.to_string().contains("SMS"));
}

#[test]
fn s1_start_notifies_by_the_chosen_method() {
    let rng = SeededRandom::new(1);
    for (method, sms, email) in [
        (NotifyMethod::Sms, true, false),
        (NotifyMethod::Email, false, true),
        (NotifyMethod::Both, true, true),
    ] {
        let s = start(
            request(recipient(), method),
            &practice(),
            t0(),
            &rng,
            &cfg(),
        )
        .unwrap();
        assert_eq!(s.issued.notice.sms.is_some(), sms, "{method:?}");
        assert_eq!(s.issued.notice.email.is_some(), email, "{method:?}");
        assert_eq!(s.conversation.notify, method);
    }
}

#[test]
fn s4_start_records_sent_with_a_72_hour_link() {
    let (c, h, issued) = sent(&SeededRandom::new(1));
    assert_eq!(issued.expires_at, at(72, 0, 0));
    assert_eq!(c.links.len(), 1);
    assert_eq!(c.links[0].token_hash, h);
    assert_eq!(c.version, 0);
    let s = start(
        request(recipient(), NotifyMethod::Sms),
        &practice(),
        t0(),
        &SeededRandom::new(1),
        &cfg(),
    )
    .unwrap();
    assert_eq!(
        kinds(&s.events),
        vec![SecureEventKind::Sent {
            notify: NotifyMethod::Sms,
            expires_at: at(72, 0, 0)
        }]
    );
    let body = issued.notice.sms.unwrap().body;
    assert!(body.as_str().contains(issued.token.as_str()));
}

// ---- S4: links ----

#[test]
fn s4_link_works_at_71_59_59_and_expires_at_72_00_00() {
    let (c, h, _) = sent(&SeededRandom::new(1));
    let open = open_link(&c, &h, at(71, 59, 59), &cfg());
    assert_eq!(open.outcome.as_ref().unwrap().expires_at, at(72, 0, 0));
    assert_eq!(kinds(&open.events), vec![SecureEventKind::Opened]);
    let last_ms = at(72, 0, 0) - TimeDelta::milliseconds(1);
    assert!(open_link(&c, &h, last_ms, &cfg()).outcome.is_ok());

    let expired = open_link(&c, &h, at(72, 0, 0), &cfg());
    assert_eq!(expired.outcome, Err(SecureError::LinkExpired));
    assert_eq!(
        kinds(&expired.events),
        vec![SecureEventKind::LinkExpired { sent_at: t0() }]
    );
    // Recorded once: presenting it again changes nothing.
    let again = open_link(&expired.conversation, &h, at(80, 0, 0), &cfg());
    assert_eq!(again.outcome, Err(SecureError::LinkExpired));
    assert!(again.events.is_empty());
}

#[test]
fn s4_a_shorter_configured_lifetime_applies() {
    let config = cfg().with_link_ttl(TimeDelta::hours(24)).unwrap();
    let rng = SeededRandom::new(1);
    let s = start(
        request(recipient(), NotifyMethod::Email),
        &practice(),
        t0(),
        &rng,
        &config,
    )
    .unwrap();
    let h = s.issued.token.hash();
    assert!(
        s.issued
            .notice
            .email
            .unwrap()
            .body
            .as_str()
            .contains("24 hours")
    );
    assert!(
        open_link(&s.conversation, &h, at(23, 59, 59), &config)
            .outcome
            .is_ok()
    );
    assert_eq!(
        open_link(&s.conversation, &h, at(24, 0, 0), &config).outcome,
        Err(SecureError::LinkExpired)
    );
}

#[test]
fn s4_expired_link_refuses_pin_operations_too() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let s = verify_pin(&c, &h, "4071", at(72, 0, 0), &cfg());
    assert_eq!(s.outcome, Err(SecureError::LinkExpired));
    let s = reset_pin(&c, &h, &good_claim(), "5938", at(72, 0, 0), &rng, &cfg());
    assert_eq!(s.outcome, Err(SecureError::LinkExpired));
}

#[test]
fn s4_reissue_replaces_the_old_link_at_once() {
    let rng = SeededRandom::new(1);
    let (c, old, _) = sent(&rng);
    let r = reissue_link(&c, &practice(), at(10, 0, 0), &rng, &cfg());
    let issued = r.outcome.unwrap();
    let new = issued.token.hash();
    assert_ne!(new, old);
    assert_eq!(issued.expires_at, at(82, 0, 0));
    assert_eq!(
        kinds(&r.events),
        vec![SecureEventKind::LinkReissued {
            replaced: 1,
            expires_at: at(82, 0, 0)
        }]
    );
    let c = r.conversation;
    assert_eq!(
        open_link(&c, &old, at(10, 0, 1), &cfg()).outcome,
        Err(SecureError::LinkReplaced)
    );
    assert!(open_link(&c, &new, at(81, 59, 59), &cfg()).outcome.is_ok());
    assert!(
        issued
            .notice
            .sms
            .unwrap()
            .body
            .as_str()
            .contains(issued.token.as_str())
    );
}

#[test]
fn s4_reissue_after_expiry_gives_a_working_link() {
    let rng = SeededRandom::new(1);
    let (c, old, _) = sent(&rng);
    let r = reissue_link(&c, &practice(), at(100, 0, 0), &rng, &cfg());
    let new = r.outcome.as_ref().unwrap().token.hash();
    assert!(matches!(
        r.events[0].kind,
        SecureEventKind::LinkReissued { replaced: 0, .. }
    ));
    assert_eq!(
        open_link(&r.conversation, &old, at(100, 0, 1), &cfg()).outcome,
        Err(SecureError::LinkExpired)
    );
    assert!(
        open_link(&r.conversation, &new, at(100, 0, 1), &cfg())
            .outcome
            .is_ok()
    );
}

#[test]
fn s4_a_failed_reissue_changes_nothing() {
    let rng = SeededRandom::new(1);
    let (c, h, _) = sent(&rng);
    let bad = Practice {
        name: "✓".into(),
        ..practice()
    };
    let r = reissue_link(&c, &bad, at(1, 0, 0), &rng, &cfg());
    assert_eq!(r.outcome.unwrap_err().code(), "practice_name_missing");
    assert!(r.events.is_empty());
    assert_eq!(r.conversation, c);
    assert!(
        open_link(&r.conversation, &h, at(1, 0, 1), &cfg())
            .outcome
            .is_ok()
    );
}

#[test]
fn s4_an_unknown_token_is_refused_as_not_found() {
    let rng = SeededRandom::new(1);
    let (c, _, _) = sent(&rng);
    let guess = LinkToken::generate(&SeededRandom::new(999)).hash();
    let s = open_link(&c, &guess, at(1, 0, 0), &cfg());
    assert_eq!(s.outcome, Err(SecureError::LinkNotFound));
    assert!(s.events.is_empty());
}

// ---- S5: PIN ----

#[test]
fn s5_first_pin_needs_identity() {
    let rng = SeededRandom::new(1);
    let (c, h, _) = sent(&rng);
    let open = open_link(&c, &h, at(1, 0, 0), &cfg()).outcome.unwrap();
    assert_eq!(open.next, NextStep::SetPin);
    assert_eq!(
        open.identity_fields,
        vec![IdentityField::DateOfBirth, IdentityField::LastName]
    );
    let s = set_pin(&c, &h, &good_claim(), "4071", at(1, 0, 0), &rng, &cfg());
    assert_eq!(s.outcome, Ok(()));
    assert_eq!(kinds(&s.events), vec![SecureEventKind::PinSet]);
    let pin = s.conversation.pin.as_ref().unwrap();
    assert!(pin.as_str().starts_with("$argon2id$"));
    let again = set_pin(
        &s.conversation,
        &h,
        &good_claim(),
        "5938",
        at(1, 0, 0),
        &rng,
        &cfg(),
    );
    assert_eq!(again.outcome, Err(SecureError::PinAlreadySet));
    assert!(again.events.is_empty());
}

#[test]
fn s5_new_pin_format_is_checked_before_identity_costs_an_attempt() {
    let rng = SeededRandom::new(1);
    let (c, h, _) = sent(&rng);
    for (pin, code) in [("12", "pin_format"), ("1234", "pin_too_simple")] {
        let s = set_pin(&c, &h, &bad_claim(), pin, at(1, 0, 0), &rng, &cfg());
        assert_eq!(s.outcome.unwrap_err().code(), code);
        assert!(s.events.is_empty());
        assert_eq!(s.conversation.identity_failures, 0);
    }
}

#[test]
fn s5_third_identity_failure_locks_the_reset_second_does_not() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let now = at(2, 0, 0);
    let first = reset_pin(&c, &h, &bad_claim(), "5938", now, &rng, &cfg());
    assert_eq!(
        first.outcome,
        Err(SecureError::IdentityMismatch { attempts_left: 2 })
    );
    let second = reset_pin(
        &first.conversation,
        &h,
        &bad_claim(),
        "5938",
        now,
        &rng,
        &cfg(),
    );
    assert_eq!(
        second.outcome,
        Err(SecureError::IdentityMismatch { attempts_left: 1 })
    );
    assert!(
        !second.conversation.reset_locked(),
        "the second failure must not lock"
    );
    assert_eq!(
        kinds(&second.events),
        vec![SecureEventKind::IdentityFailed { failures: 2 }]
    );
    let third = reset_pin(
        &second.conversation,
        &h,
        &bad_claim(),
        "5938",
        now,
        &rng,
        &cfg(),
    );
    assert_eq!(
        third.outcome,
        Err(SecureError::ResetLocked { self_unlock: true })
    );
    assert!(third.conversation.reset_locked(), "the third failure locks");
    assert_eq!(
        kinds(&third.events),
        vec![
            SecureEventKind::IdentityFailed { failures: 3 },
            SecureEventKind::ResetLocked
        ]
    );
    // Locked: even the right answers are refused, and nothing is counted.
    let fourth = reset_pin(
        &third.conversation,
        &h,
        &good_claim(),
        "5938",
        now,
        &rng,
        &cfg(),
    );
    assert_eq!(fourth.outcome.unwrap_err().code(), "reset_locked");
    assert!(fourth.events.is_empty());
    // The PIN itself still works: the lock is on the reset.
    let v = verify_pin(&third.conversation, &h, "4071", now, &cfg());
    assert_eq!(v.outcome, Ok(()));
}

#[test]
fn s5_a_success_clears_earlier_identity_failures() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let now = at(2, 0, 0);
    let mut c = c;
    for _ in 0..2 {
        c = reset_pin(&c, &h, &bad_claim(), "5938", now, &rng, &cfg()).conversation;
    }
    let ok = reset_pin(&c, &h, &good_claim(), "5938", now, &rng, &cfg());
    assert_eq!(ok.outcome, Ok(()));
    assert_eq!(kinds(&ok.events), vec![SecureEventKind::PinReset]);
    assert_eq!(ok.conversation.identity_failures, 0);
    let one = reset_pin(
        &ok.conversation,
        &h,
        &bad_claim(),
        "6048",
        now,
        &rng,
        &cfg(),
    );
    assert_eq!(
        one.outcome,
        Err(SecureError::IdentityMismatch { attempts_left: 2 })
    );
}

#[test]
fn s5_verify_pin_counts_wrong_pins_and_locks_entry() {
    let rng = SeededRandom::new(1);
    let (mut c, h) = with_pin(&rng);
    let now = at(2, 0, 0);
    for n in 1..=4u32 {
        let s = verify_pin(&c, &h, "9999", now, &cfg());
        assert_eq!(
            s.outcome,
            Err(SecureError::PinWrong {
                attempts_left: 5 - n
            })
        );
        assert_eq!(
            kinds(&s.events),
            vec![SecureEventKind::PinFailed { failures: n }]
        );
        c = s.conversation;
    }
    let fifth = verify_pin(&c, &h, "9999", now, &cfg());
    assert_eq!(fifth.outcome, Err(SecureError::PinLocked));
    assert_eq!(
        kinds(&fifth.events),
        vec![
            SecureEventKind::PinFailed { failures: 5 },
            SecureEventKind::PinLocked
        ]
    );
    let c = fifth.conversation;
    // Locked: the right PIN is refused too, without counting.
    let right = verify_pin(&c, &h, "4071", now, &cfg());
    assert_eq!(right.outcome, Err(SecureError::PinLocked));
    assert!(right.events.is_empty());
    let open = open_link(&c, &h, now, &cfg()).outcome.unwrap();
    assert_eq!(open.next, NextStep::ResetPin);
    // Forgot PIN unlocks entry with a new PIN.
    let reset = reset_pin(&c, &h, &good_claim(), "5938", now, &rng, &cfg());
    assert_eq!(reset.outcome, Ok(()));
    let c = reset.conversation;
    assert_eq!(verify_pin(&c, &h, "5938", now, &cfg()).outcome, Ok(()));
    assert!(verify_pin(&c, &h, "4071", now, &cfg()).outcome.is_err());
}

#[test]
fn s5_right_pin_is_recorded_and_resets_the_count() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let now = at(2, 0, 0);
    let wrong = verify_pin(&c, &h, "9999", now, &cfg());
    let right = verify_pin(&wrong.conversation, &h, "4071", now, &cfg());
    assert_eq!(right.outcome, Ok(()));
    assert_eq!(kinds(&right.events), vec![SecureEventKind::PinVerified]);
    assert_eq!(right.conversation.pin_failures, 0);
}

#[test]
fn s5_malformed_pin_entry_is_refused_without_counting() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let s = verify_pin(&c, &h, "40x1", at(2, 0, 0), &cfg());
    assert_eq!(s.outcome, Err(SecureError::PinFormat));
    assert!(s.events.is_empty());
}

#[test]
fn s5_verify_without_a_pin_is_refused() {
    let rng = SeededRandom::new(1);
    let (c, h, _) = sent(&rng);
    let s = verify_pin(&c, &h, "4071", at(1, 0, 0), &cfg());
    assert_eq!(s.outcome, Err(SecureError::PinNotSet));
}

#[test]
fn s5_change_pin_needs_the_current_pin() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let now = at(2, 0, 0);
    let wrong = change_pin(&c, &h, "9999", "5938", now, &rng, &cfg());
    assert_eq!(
        wrong.outcome,
        Err(SecureError::PinWrong { attempts_left: 4 })
    );
    assert_eq!(wrong.conversation.pin, c.pin);
    let ok = change_pin(&wrong.conversation, &h, "4071", "5938", now, &rng, &cfg());
    assert_eq!(ok.outcome, Ok(()));
    assert_eq!(kinds(&ok.events), vec![SecureEventKind::PinChanged]);
    let c = ok.conversation;
    assert_eq!(c.pin_failures, 0);
    assert_eq!(verify_pin(&c, &h, "5938", now, &cfg()).outcome, Ok(()));
    let simple = change_pin(&c, &h, "5938", "0000", now, &rng, &cfg());
    assert_eq!(simple.outcome, Err(SecureError::PinTooSimple));
}

#[test]
fn s5_staff_unlock_lifts_every_lock() {
    let rng = SeededRandom::new(1);
    let (c, h) = reset_locked(&rng);
    let now = at(2, 0, 0);
    let u = staff_unlock(&c, "frontdesk".into(), now, &cfg());
    assert_eq!(u.outcome, Ok(()));
    assert_eq!(
        kinds(&u.events),
        vec![SecureEventKind::Unlocked {
            by: Unlocker::Staff("frontdesk".into())
        }]
    );
    let c = u.conversation;
    assert!(!c.reset_locked());
    assert_eq!(
        set_pin(&c, &h, &good_claim(), "4071", now, &rng, &cfg()).outcome,
        Ok(())
    );
    let again = staff_unlock(&c, "frontdesk".into(), now, &cfg());
    assert_eq!(again.outcome, Err(SecureError::NotLocked));
    assert!(again.events.is_empty());
}

#[test]
fn s5_staff_unlock_lifts_a_pin_entry_lock() {
    let rng = SeededRandom::new(1);
    let (mut c, h) = with_pin(&rng);
    for _ in 0..5 {
        c = verify_pin(&c, &h, "9999", at(2, 0, 0), &cfg()).conversation;
    }
    let u = staff_unlock(&c, "frontdesk".into(), at(2, 0, 0), &cfg());
    assert_eq!(u.outcome, Ok(()));
    assert_eq!(
        verify_pin(&u.conversation, &h, "4071", at(2, 0, 0), &cfg()).outcome,
        Ok(())
    );
}

#[test]
fn s5_next_step_follows_the_state() {
    let rng = SeededRandom::new(1);
    let (c, h) = reset_locked(&rng);
    let open = open_link(&c, &h, at(2, 0, 0), &cfg()).outcome.unwrap();
    assert_eq!(open.next, NextStep::Locked { self_unlock: true });
    let (c, h) = with_pin(&rng);
    let open = open_link(&c, &h, at(2, 0, 0), &cfg()).outcome.unwrap();
    assert_eq!(open.next, NextStep::EnterPin);
}

#[test]
fn s5_contact_identity_is_first_and_last_name() {
    let rng = SeededRandom::new(1);
    let contact = Recipient {
        kind: ClientKind::Contact,
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        date_of_birth: None,
        cell_phone: None,
        email: Some(EmailAddress::parse("ann@office.example").unwrap()),
    };
    let s = start(
        request(contact, NotifyMethod::Email),
        &practice(),
        t0(),
        &rng,
        &cfg(),
    )
    .unwrap();
    let h = s.issued.token.hash();
    let claim = IdentityClaim {
        first_name: Some("ANN".into()),
        last_name: Some("lee".into()),
        date_of_birth: None,
    };
    let r = set_pin(
        &s.conversation,
        &h,
        &claim,
        "4071",
        at(1, 0, 0),
        &rng,
        &cfg(),
    );
    assert_eq!(r.outcome, Ok(()));
}

// ---- X7: self-service unlock ----

fn code_in(notice: &SmsNotice) -> String {
    let body = notice.body.as_str();
    let start = body.find("code is ").unwrap() + "code is ".len();
    body[start..start + 6].to_owned()
}

#[test]
fn x7_code_goes_to_the_same_mobile_and_unlocks() {
    let rng = SeededRandom::new(1);
    let (c, h) = reset_locked(&rng);
    let now = at(2, 0, 0);
    let r = request_unlock_code(&c, &h, &practice(), now, &rng, &cfg());
    let notice = r.outcome.unwrap();
    assert_eq!(Some(notice.to), recipient().cell_phone);
    assert_eq!(
        kinds(&r.events),
        vec![SecureEventKind::UnlockCodeSent {
            expires_at: at(2, 10, 0)
        }]
    );
    let code = code_in(&notice);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let c = r.conversation;
    let u = redeem_unlock_code(&c, &h, &code, at(2, 9, 59));
    assert_eq!(u.outcome, Ok(()));
    assert_eq!(
        kinds(&u.events),
        vec![SecureEventKind::Unlocked {
            by: Unlocker::SelfService
        }]
    );
    let c = u.conversation;
    assert!(!c.reset_locked());
    assert!(c.unlock_code.is_none());
    // The code is single use.
    let again = redeem_unlock_code(&c, &h, &code, at(2, 9, 59));
    assert_eq!(again.outcome, Err(SecureError::UnlockCodeInvalid));
    // And the patient can now reset the PIN.
    let reset = set_pin(&c, &h, &good_claim(), "4071", at(2, 9, 59), &rng, &cfg());
    assert_eq!(reset.outcome, Ok(()));
}

#[test]
fn x7_code_expires_after_ten_minutes() {
    let rng = SeededRandom::new(1);
    let (c, h) = reset_locked(&rng);
    let r = request_unlock_code(&c, &h, &practice(), at(2, 0, 0), &rng, &cfg());
    let code = code_in(r.outcome.as_ref().unwrap());
    let c = r.conversation;
    assert_eq!(
        redeem_unlock_code(&c, &h, &code, at(2, 9, 59)).outcome,
        Ok(())
    );
    let late = redeem_unlock_code(&c, &h, &code, at(2, 10, 0));
    assert_eq!(late.outcome, Err(SecureError::UnlockCodeExpired));
    assert_eq!(
        kinds(&late.events),
        vec![SecureEventKind::UnlockCodeExpired]
    );
    assert!(late.conversation.reset_locked());
    assert!(late.conversation.unlock_code.is_none());
}

#[test]
fn x7_fifth_wrong_code_voids_it_fourth_does_not() {
    let rng = SeededRandom::new(1);
    let (c, h) = reset_locked(&rng);
    let now = at(2, 0, 0);
    let r = request_unlock_code(&c, &h, &practice(), now, &rng, &cfg());
    let code = code_in(r.outcome.as_ref().unwrap());
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let mut c = r.conversation;
    for n in 1..=4u32 {
        let s = redeem_unlock_code(&c, &h, wrong, now);
        assert_eq!(
            s.outcome,
            Err(SecureError::UnlockCodeWrong { tries_left: 5 - n })
        );
        c = s.conversation;
    }
    assert!(
        c.unlock_code.is_some(),
        "the fourth failure must not void the code"
    );
    let fifth = redeem_unlock_code(&c, &h, wrong, now);
    assert_eq!(fifth.outcome, Err(SecureError::UnlockCodeExhausted));
    assert_eq!(
        kinds(&fifth.events),
        vec![
            SecureEventKind::UnlockCodeFailed { tries_left: 0 },
            SecureEventKind::UnlockCodeExhausted
        ]
    );
    let c = fifth.conversation;
    assert!(c.unlock_code.is_none());
    assert_eq!(
        redeem_unlock_code(&c, &h, &code, now).outcome,
        Err(SecureError::UnlockCodeInvalid)
    );
    assert!(c.reset_locked());
}

#[test]
fn x7_codes_per_lock_are_capped_until_staff_unlock() {
    let rng = SeededRandom::new(1);
    let (mut c, h) = reset_locked(&rng);
    let now = at(2, 0, 0);
    for _ in 0..3 {
        let r = request_unlock_code(&c, &h, &practice(), now, &rng, &cfg());
        assert!(r.outcome.is_ok());
        c = r.conversation;
    }
    let fourth = request_unlock_code(&c, &h, &practice(), now, &rng, &cfg());
    assert_eq!(fourth.outcome, Err(SecureError::UnlockCodesExhausted));
    assert!(fourth.events.is_empty());
    let open = open_link(&c, &h, now, &cfg()).outcome.unwrap();
    assert_eq!(open.next, NextStep::Locked { self_unlock: false });
    let c = staff_unlock(&c, "frontdesk".into(), now, &cfg()).conversation;
    assert_eq!(c.unlock_codes_sent, 0);
}

#[test]
fn x7_a_new_code_replaces_the_old_one() {
    let rng = SeededRandom::new(1);
    let (c, h) = reset_locked(&rng);
    let now = at(2, 0, 0);
    let first = request_unlock_code(&c, &h, &practice(), now, &rng, &cfg());
    let old = code_in(first.outcome.as_ref().unwrap());
    let second = request_unlock_code(&first.conversation, &h, &practice(), now, &rng, &cfg());
    let new = code_in(second.outcome.as_ref().unwrap());
    assert_ne!(old, new);
    let c = second.conversation;
    assert!(redeem_unlock_code(&c, &h, &old, now).outcome.is_err());
    assert_eq!(redeem_unlock_code(&c, &h, &new, now).outcome, Ok(()));
}

#[test]
fn x7_code_needs_a_lock_and_a_mobile() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let r = request_unlock_code(&c, &h, &practice(), at(2, 0, 0), &rng, &cfg());
    assert_eq!(r.outcome, Err(SecureError::NotLocked));
    let no_cell = Recipient {
        cell_phone: None,
        ..recipient()
    };
    let s = start(
        request(no_cell, NotifyMethod::Email),
        &practice(),
        t0(),
        &rng,
        &cfg(),
    )
    .unwrap();
    let h = s.issued.token.hash();
    let mut c = s.conversation;
    for _ in 0..3 {
        c = set_pin(&c, &h, &bad_claim(), "4071", at(1, 0, 0), &rng, &cfg()).conversation;
    }
    let open = open_link(&c, &h, at(1, 0, 0), &cfg()).outcome.unwrap();
    assert_eq!(open.next, NextStep::Locked { self_unlock: false });
    let r = request_unlock_code(&c, &h, &practice(), at(2, 0, 0), &rng, &cfg());
    assert_eq!(r.outcome, Err(SecureError::NoMobileForCode));
}

// ---- Cross-cutting ----

/// Every change of state is recorded; a right PIN is recorded too (an
/// access), and a refusal that changes nothing records nothing.
#[test]
fn every_state_change_comes_with_an_event() {
    let rng = SeededRandom::new(1);
    let (c, h) = with_pin(&rng);
    let now = at(2, 0, 0);
    let steps: Vec<(SecureConversation, Vec<SecureEvent>)> = vec![
        {
            let s = verify_pin(&c, &h, "9999", now, &cfg());
            (s.conversation, s.events)
        },
        {
            let s = verify_pin(&c, &h, "4071", now, &cfg());
            (s.conversation, s.events)
        },
        {
            let s = verify_pin(&c, &h, "40", now, &cfg());
            (s.conversation, s.events)
        },
        {
            let s = open_link(&c, &h, at(72, 0, 0), &cfg());
            (s.conversation, s.events)
        },
        {
            let s = reset_pin(&c, &h, &bad_claim(), "5938", now, &rng, &cfg());
            (s.conversation, s.events)
        },
        {
            let s = reissue_link(&c, &practice(), now, &rng, &cfg());
            (s.conversation, s.events)
        },
        {
            let s = staff_unlock(&c, "x".into(), now, &cfg());
            (s.conversation, s.events)
        },
    ];
    for (after, events) in steps {
        if after != c {
            assert!(!events.is_empty(), "unrecorded change: {after:?}");
        }
        assert!(events.iter().all(|e| e.at == now || e.at == at(72, 0, 0)));
        assert!(
            events
                .iter()
                .all(|e| e.organization.as_str() == "org-1" && e.conversation.as_str() == "conv-1")
        );
    }
}

#[test]
fn secrets_never_show_in_debug() {
    let rng = SeededRandom::new(1);
    let (c, h, issued) = sent(&rng);
    let s = set_pin(&c, &h, &good_claim(), "4071", at(1, 0, 0), &rng, &cfg());
    let c = s.conversation.clone();
    let mut locked = c.clone();
    for _ in 0..3 {
        locked =
            reset_pin(&locked, &h, &bad_claim(), "5938", at(1, 0, 0), &rng, &cfg()).conversation;
    }
    let r = request_unlock_code(&locked, &h, &practice(), at(1, 0, 0), &rng, &cfg());
    let code = code_in(r.outcome.as_ref().unwrap());
    let shown = format!("{issued:?} {s:?} {c:?} {r:?} {h:?}");
    let pin_hash = c.pin.as_ref().unwrap().as_str().to_owned();
    let phc_hash = pin_hash.rsplit('$').next().unwrap().to_owned();
    for secret in [
        issued.token.as_str(),
        "4071",
        pin_hash.as_str(),
        phc_hash.as_str(),
        code.as_str(),
        "Jane",
        "Doe",
        "1980",
        "6502530000",
        "jane@",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    let json = serde_json::to_string(&r.conversation).unwrap();
    assert!(
        !json.contains(code.as_str()),
        "the code is stored only hashed"
    );
    assert!(
        !json.contains(issued.token.as_str()),
        "the token is stored only hashed"
    );
}
