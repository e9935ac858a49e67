//! The engine over the in-memory store: ordering and atomicity promises
//! that the pure decisions cannot make alone (A2, C4, V10, "nothing lost").

use std::sync::Arc;

use chrono::{DateTime, Utc};
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::engine::{
    Engine, InboundOutcome, OutboundSms, SendReceipt, Transport, TransportError,
};
use practicetext_core::inbound::{EmailAlert, InboundText, ReplyKind};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    Claim, ConsentStore, ConversationStore, DirectoryStore, IdempotencyStore,
};
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

fn engine_with<T: Transport>(transport: T, responder: bool) -> Engine<MemoryStore, T> {
    let mut dir = sample_directory();
    if responder {
        dir.users[0].auto_responder = Some(AutoResponder {
            enabled: true,
            text: "Alice is away.".into(),
        });
    }
    let store = MemoryStore::new();
    store.put_organization(&dir.organization).unwrap();
    for u in &dir.users {
        store.put_user(u).unwrap();
    }
    for g in &dir.groups {
        store.put_group(g).unwrap();
    }
    for x in &dir.numbers {
        store.put_number(x).unwrap();
    }
    Engine::new(
        store,
        transport,
        Arc::new(FixedClock::new(t0())),
        Arc::new(SeededRandom::new(1)),
    )
}

fn text(body: &str, provider_id: Option<&str>) -> InboundText {
    InboundText {
        provider_id: provider_id.map(str::to_owned),
        from: Sender::Number(n("4162530000")),
        to: n("6502530001"),
        body: MessageBody::from(body),
        media_count: 0,
        received_at: t0(),
    }
}

fn sms_count(e: &Engine<MemoryStore, RecordingTransport>) -> usize {
    e.transport().take().0.len()
}

#[test]
fn a2_four_threads_same_sender_same_instant_exactly_one_auto_reply() {
    let e = engine_with(RecordingTransport::default(), true);
    std::thread::scope(|s| {
        for i in 0..4 {
            let e = &e;
            s.spawn(move || {
                let id = format!("SM{i}");
                e.handle_inbound(&text(&format!("question {i}"), Some(&id)))
                    .unwrap();
            });
        }
    });
    assert_eq!(
        sms_count(&e),
        1,
        "exactly one auto-reply in the 30 s window"
    );
}

#[test]
fn v10_one_webhook_delivered_to_four_threads_is_handled_once() {
    let e = engine_with(RecordingTransport::default(), true);
    let outcomes: Vec<InboundOutcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let e = &e;
                s.spawn(move || {
                    e.handle_inbound(&text("Is Rex ready?", Some("SMsame")))
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let handled = outcomes
        .iter()
        .filter(|o| matches!(o, InboundOutcome::Handled { .. }))
        .count();
    assert_eq!(handled, 1);
    assert_eq!(sms_count(&e), 1);
    let conv = match outcomes
        .iter()
        .find(|o| matches!(o, InboundOutcome::Handled { .. }))
    {
        Some(InboundOutcome::Handled { conversation, .. }) => conversation.clone(),
        _ => unreachable!(),
    };
    let inbound = e
        .store()
        .messages(&"happy-paws".into(), &conv)
        .unwrap()
        .into_iter()
        .filter(|m| m.provider_id.as_deref() == Some("SMsame"))
        .count();
    assert_eq!(inbound, 1, "the text is stored once");
}

#[test]
fn c4_two_racing_stops_send_exactly_one_confirmation() {
    let e = engine_with(RecordingTransport::default(), false);
    std::thread::scope(|s| {
        for i in 0..2 {
            let e = &e;
            s.spawn(move || {
                e.handle_inbound(&text("STOP", Some(&format!("SMstop{i}"))))
                    .unwrap()
            });
        }
    });
    let (sms, _) = e.transport().take();
    assert_eq!(sms.len(), 1);
    assert!(sms[0].body.as_str().contains("unsubscribed"));
    let history = e
        .store()
        .consent_history(&"happy-paws".into(), None)
        .unwrap();
    assert_eq!(history.len(), 2, "both STOPs are on record (C7)");
}

struct FailingTransport;

impl Transport for FailingTransport {
    fn send_sms(&self, _: &OutboundSms) -> Result<SendReceipt, TransportError> {
        Err(TransportError::Unavailable {
            message: "provider down".into(),
        })
    }
    fn send_email(&self, _: &EmailAlert) -> Result<(), TransportError> {
        Err(TransportError::Unavailable {
            message: "smtp down".into(),
        })
    }
}

#[test]
fn nothing_lost_when_the_transport_fails() {
    let e = engine_with(FailingTransport, false);
    let out = e.handle_inbound(&text("STOP", Some("SMx"))).unwrap();
    let InboundOutcome::Handled {
        sent, conversation, ..
    } = out
    else {
        panic!("expected handled");
    };
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind, ReplyKind::OptOutConfirmation);
    assert!(sent[0].error.as_deref().unwrap().contains("provider down"));
    let org = "happy-paws".into();
    assert!(e.store().consent(&org, n("4162530000")).unwrap().opted_out);
    let stored = e.store().messages(&org, &conversation).unwrap();
    assert_eq!(
        stored.len(),
        2,
        "the STOP and the attempted confirmation are recorded"
    );
}

#[test]
fn unknown_number_is_a_typed_error() {
    let e = engine_with(RecordingTransport::default(), false);
    let mut t = text("hello", None);
    t.to = n("2125551234");
    let err = e.handle_inbound(&t).unwrap_err();
    assert_eq!(err.code(), "unknown_number");
    assert!(!err.to_string().contains("2125551234"), "{err}");
}

#[test]
fn inbound_text_debug_redacts_patient_data() {
    let t = text("Rex has a fever", Some("SM1"));
    let shown = format!("{t:?}");
    assert!(!shown.contains("fever"), "{shown}");
    assert!(!shown.contains("4162530000"), "{shown}");
}

fn notice(to: &str) -> practicetext_core::secure::SecureNotice {
    use practicetext_core::secure::{EmailNotice, SecureNotice, SmsNotice};
    SecureNotice {
        sms: Some(SmsNotice {
            to: n(to),
            body: MessageBody::from(
                "Happy Paws Veterinary: You have a secure message: https://secure.happypaws.example/s/abc Reply STOP to opt out.",
            ),
        }),
        email: Some(EmailNotice {
            to: practicetext_core::sensitive::EmailAddress::parse("pat@mail.example").unwrap(),
            subject: "Happy Paws Veterinary: secure message".into(),
            body: MessageBody::from("You have a secure message."),
        }),
    }
}

#[test]
fn s3_secure_notice_goes_through_consent_and_content_checks() {
    let e = engine_with(RecordingTransport::default(), false);
    let org = "happy-paws".into();
    let out = e
        .send_secure_notice(&org, n("6502530001"), &notice("4162530000"))
        .unwrap();
    let sms = out.sms.unwrap();
    assert!(sms.check.allowed, "{:?}", sms.check.refusals);
    assert!(sms.delivered.is_some());
    assert!(out.email_sent);
    let (sent, emails) = e.transport().take();
    assert_eq!((sent.len(), emails.len()), (1, 1));

    // An opted-out patient gets no notice text (C4); the email still goes.
    e.handle_inbound(&text("STOP", Some("SMstop"))).unwrap();
    let _ = e.transport().take();
    let out = e
        .send_secure_notice(&org, n("6502530001"), &notice("4162530000"))
        .unwrap();
    let sms = out.sms.unwrap();
    assert!(!sms.check.allowed);
    assert_eq!(sms.check.refusals[0].code(), "recipient_opted_out");
    assert!(sms.delivered.is_none());
    let (sent, emails) = e.transport().take();
    assert_eq!((sent.len(), emails.len()), (0, 1));
}

#[test]
fn v10_a_batch_records_each_text_once_and_refuses_only_the_unknown_number() {
    let e = engine_with(RecordingTransport::default(), false);
    let mut unknown = text("hello", Some("SMb2"));
    unknown.to = n("2125551234");
    let texts = [
        text("Is Rex ready?", Some("SMb1")),
        unknown,
        text("STOP", Some("SMb3")),
        text("Is Rex ready?", Some("SMb1")),
    ];
    let out = e.handle_inbound_batch(&texts).unwrap();
    assert!(matches!(out[0], Ok(InboundOutcome::Handled { .. })));
    assert_eq!(out[1].as_ref().unwrap_err().code(), "unknown_number");
    assert!(matches!(out[2], Ok(InboundOutcome::Handled { .. })));
    assert!(matches!(
        out[3],
        Ok(InboundOutcome::Duplicate { in_progress: false })
    ));
    let lease = chrono::TimeDelta::seconds(60);
    let claim = e.store().claim("inbound", "SMb2", lease, t0()).unwrap();
    assert_eq!(claim, Claim::Acquired, "the refused text left nothing");
    let (sms, _) = e.transport().take();
    assert_eq!(sms.len(), 1, "one STOP confirmation");
    let org = "happy-paws".into();
    assert!(e.store().consent(&org, n("4162530000")).unwrap().opted_out);
}

#[test]
fn v1_new_ids_are_the_prefix_and_24_lowercase_hex_digits() {
    let e = engine_with(RecordingTransport::default(), false);
    let out = e.handle_inbound(&text("Hi", None)).unwrap();
    let InboundOutcome::Handled {
        conversation,
        message,
        ..
    } = out
    else {
        panic!("expected a handled text, got {out:?}");
    };
    for (id, prefix) in [(conversation.as_str(), "conv_"), (message.as_str(), "in_")] {
        let hex = id
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{id} lacks {prefix}"));
        assert_eq!(hex.len(), 24, "{id}");
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{id}"
        );
    }
    let again = e.handle_inbound(&text("Hi again", None)).unwrap();
    let InboundOutcome::Handled {
        message: second, ..
    } = again
    else {
        panic!("expected a handled text");
    };
    assert_ne!(message, second);
}
