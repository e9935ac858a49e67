//! Secure text end to end through `SecureService` over the in-memory store
//! (SPEC S1-S5, X7): tenancy, boundaries with a fixed clock, the event
//! history, concurrency, and that no secret reaches a log line.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::Once;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use practicetext_core::Error;
use practicetext_core::directory::ClientKind;
use practicetext_core::ids::{ConversationId, OrganizationId};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{Clock, SecureStore, Timestamp};
use practicetext_core::secure::{
    IdentityClaim, LinkBase, LinkToken, NewSecureConversation, NextStep, NotifyMethod, Practice,
    Recipient, SecureConfig, SecureError, SecureEventKind, SecureService, Unlocker,
};
use practicetext_core::sensitive::{DateOfBirth, EmailAddress};
use practicetext_core::testing::{FixedClock, SeededRandom};

fn t0() -> Timestamp {
    DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap()
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

fn request(org: &str, id: &str) -> NewSecureConversation {
    NewSecureConversation {
        organization: org.into(),
        id: id.into(),
        client: None,
        recipient: recipient(),
        notify: NotifyMethod::Both,
    }
}

fn claim(ok: bool) -> IdentityClaim {
    let day = if ok { 3 } else { 4 };
    IdentityClaim {
        date_of_birth: Some(DateOfBirth::new(
            NaiveDate::from_ymd_opt(1980, 2, day).unwrap(),
        )),
        last_name: Some("DOE".into()),
        first_name: None,
    }
}

struct World {
    store: MemoryStore,
    clock: FixedClock,
    random: SeededRandom,
}

impl World {
    fn new() -> World {
        World {
            store: MemoryStore::new(),
            clock: FixedClock::new(t0()),
            random: SeededRandom::new(42),
        }
    }

    fn service(&self) -> SecureService<'_> {
        SecureService::new(
            &self.store,
            &self.clock,
            &self.random,
            SecureConfig::default(),
        )
    }

    fn at(&self, h: i64, m: i64, s: i64) {
        self.clock
            .set(t0() + TimeDelta::hours(h) + TimeDelta::minutes(m) + TimeDelta::seconds(s));
    }
}

fn org(s: &str) -> OrganizationId {
    s.into()
}

fn conv(s: &str) -> ConversationId {
    s.into()
}

fn secure_err(e: Error) -> SecureError {
    match e {
        Error::Secure(s) => s,
        other => panic!("expected a secure-text error, got {other:?}"),
    }
}

fn event_kinds(w: &World, o: &str, c: &str) -> Vec<SecureEventKind> {
    w.service()
        .events(&org(o), &conv(c))
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

#[test]
fn s4_foreign_guessed_and_malformed_tokens_get_the_same_error_as_unknown() {
    let w = World::new();
    let svc = w.service();
    let a = svc.send(request("org-a", "c1"), &practice()).unwrap();
    svc.send(request("org-b", "c1"), &practice()).unwrap();
    let token_a = a.token.as_str().to_owned();
    assert!(svc.open(&org("org-a"), &token_a).is_ok());

    let unknown = LinkToken::generate(&SeededRandom::new(7))
        .as_str()
        .to_owned();
    let mut altered = token_a.clone();
    altered.replace_range(0..1, if token_a.starts_with('A') { "B" } else { "A" });
    let reference = svc.open(&org("org-b"), &unknown).unwrap_err();
    assert_eq!(reference.code(), "link_not_found");
    for (what, o, t) in [
        ("another organization's token", "org-b", token_a.as_str()),
        ("a guessed token", "org-a", unknown.as_str()),
        ("an altered token", "org-a", altered.as_str()),
        ("a truncated token", "org-a", &token_a[..42]),
        ("an empty token", "org-a", ""),
        ("a non-token", "org-a", "../../etc/passwd"),
    ] {
        let o = org(o);
        let errors = [
            svc.open(&o, t).unwrap_err(),
            svc.verify_pin(&o, t, "4071").unwrap_err(),
            svc.set_pin(&o, t, &claim(true), "4071").unwrap_err(),
            svc.reset_pin(&o, t, &claim(true), "4071").unwrap_err(),
            svc.change_pin(&o, t, "4071", "5938").unwrap_err(),
            svc.request_unlock_code(&o, t, &practice()).unwrap_err(),
            svc.redeem_unlock_code(&o, t, "123456").unwrap_err(),
        ];
        for e in errors {
            assert_eq!(e.code(), reference.code(), "{what}");
            assert_eq!(e.to_string(), reference.to_string(), "{what}");
        }
    }
    // Nothing of org-b was touched by org-a's token.
    assert_eq!(event_kinds(&w, "org-b", "c1").len(), 1);
}

#[test]
fn s1_s5_full_flow_is_recorded_in_order() {
    let w = World::new();
    let svc = w.service();
    let issued = svc.send(request("org-a", "c1"), &practice()).unwrap();
    assert!(issued.notice.sms.is_some() && issued.notice.email.is_some());
    let t = issued.token.as_str();
    let o = org("org-a");

    w.at(1, 0, 0);
    let access = svc.open(&o, t).unwrap();
    assert_eq!(access.next, NextStep::SetPin);
    svc.set_pin(&o, t, &claim(true), "4071").unwrap();
    assert_eq!(svc.open(&o, t).unwrap().next, NextStep::EnterPin);
    let wrong = secure_err(svc.verify_pin(&o, t, "9999").unwrap_err());
    assert_eq!(wrong, SecureError::PinWrong { attempts_left: 4 });
    svc.verify_pin(&o, t, "4071").unwrap();
    svc.change_pin(&o, t, "4071", "5938").unwrap();
    svc.verify_pin(&o, t, "5938").unwrap();

    let kinds = event_kinds(&w, "org-a", "c1");
    assert_eq!(
        kinds,
        vec![
            SecureEventKind::Sent {
                notify: NotifyMethod::Both,
                expires_at: t0() + TimeDelta::hours(72)
            },
            SecureEventKind::Opened,
            SecureEventKind::PinSet,
            SecureEventKind::Opened,
            SecureEventKind::PinFailed { failures: 1 },
            SecureEventKind::PinVerified,
            SecureEventKind::PinChanged,
            SecureEventKind::PinVerified,
        ]
    );
    let state = svc.conversation(&o, &conv("c1")).unwrap();
    assert_eq!(state.version, 7, "one version per saved change");
}

#[test]
fn s4_link_boundary_through_the_service() {
    let w = World::new();
    let svc = w.service();
    let t = svc.send(request("org-a", "c1"), &practice()).unwrap().token;
    let o = org("org-a");
    w.at(71, 59, 59);
    assert!(svc.open(&o, t.as_str()).is_ok());
    w.at(72, 0, 0);
    let e = secure_err(svc.open(&o, t.as_str()).unwrap_err());
    assert_eq!(e, SecureError::LinkExpired);
    assert_eq!(
        event_kinds(&w, "org-a", "c1").last(),
        Some(&SecureEventKind::LinkExpired { sent_at: t0() })
    );
    // A new link is needed after that.
    let fresh = svc
        .reissue_link(&o, &conv("c1"), &practice())
        .unwrap()
        .token;
    assert!(svc.open(&o, fresh.as_str()).is_ok());
    assert_eq!(
        secure_err(svc.open(&o, t.as_str()).unwrap_err()),
        SecureError::LinkExpired
    );
}

#[test]
fn s4_reissued_link_replaces_the_old_one_through_the_service() {
    let w = World::new();
    let svc = w.service();
    let old = svc.send(request("org-a", "c1"), &practice()).unwrap().token;
    let o = org("org-a");
    w.at(5, 0, 0);
    let new = svc
        .reissue_link(&o, &conv("c1"), &practice())
        .unwrap()
        .token;
    assert_eq!(
        secure_err(svc.open(&o, old.as_str()).unwrap_err()),
        SecureError::LinkReplaced
    );
    let access = svc.open(&o, new.as_str()).unwrap();
    assert_eq!(access.expires_at, t0() + TimeDelta::hours(77));
}

#[test]
fn s5_x7_lockout_self_service_and_staff_unlock() {
    let w = World::new();
    let svc = w.service();
    let t = svc.send(request("org-a", "c1"), &practice()).unwrap().token;
    let t = t.as_str();
    let o = org("org-a");
    w.at(1, 0, 0);
    for left in [2, 1] {
        let e = secure_err(svc.set_pin(&o, t, &claim(false), "4071").unwrap_err());
        assert_eq!(
            e,
            SecureError::IdentityMismatch {
                attempts_left: left
            }
        );
    }
    let e = secure_err(svc.set_pin(&o, t, &claim(false), "4071").unwrap_err());
    assert_eq!(e, SecureError::ResetLocked { self_unlock: true });

    let sms = svc.request_unlock_code(&o, t, &practice()).unwrap();
    assert_eq!(Some(sms.to), recipient().cell_phone);
    let body = sms.body.as_str();
    let at = body.find("code is ").unwrap() + 8;
    let code = body[at..at + 6].to_owned();
    w.at(1, 10, 0);
    let e = secure_err(svc.redeem_unlock_code(&o, t, &code).unwrap_err());
    assert_eq!(e, SecureError::UnlockCodeExpired);

    svc.request_unlock_code(&o, t, &practice()).unwrap();
    svc.staff_unlock(&o, &conv("c1"), "frontdesk".into())
        .unwrap();
    svc.set_pin(&o, t, &claim(true), "4071").unwrap();
    let kinds = event_kinds(&w, "org-a", "c1");
    assert!(kinds.contains(&SecureEventKind::ResetLocked));
    assert!(kinds.contains(&SecureEventKind::UnlockCodeExpired));
    assert!(kinds.contains(&SecureEventKind::Unlocked {
        by: Unlocker::Staff("frontdesk".into())
    }));
    assert_eq!(kinds.last(), Some(&SecureEventKind::PinSet));
}

#[test]
fn s2_send_refuses_an_incomplete_recipient_and_saves_nothing() {
    let w = World::new();
    let svc = w.service();
    let mut req = request("org-a", "c1");
    req.recipient.date_of_birth = None;
    req.recipient.email = None;
    let e = svc.send(req, &practice()).unwrap_err();
    assert_eq!(e.code(), "recipient_incomplete");
    assert!(
        w.store
            .secure_conversation(&org("org-a"), &conv("c1"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn store_refuses_duplicates_stale_writes_and_foreign_records() {
    let w = World::new();
    let svc = w.service();
    svc.send(request("org-a", "c1"), &practice()).unwrap();
    let o = org("org-a");
    let stored = w
        .store
        .secure_conversation(&o, &conv("c1"))
        .unwrap()
        .unwrap();
    // Creating it again.
    let e = w
        .store
        .save_secure_conversation(&o, &stored, None, &[])
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    // A write based on a stale read.
    let mut next = stored.clone();
    next.version = 1;
    w.store
        .save_secure_conversation(&o, &next, Some(0), &[])
        .unwrap();
    let e = w
        .store
        .save_secure_conversation(&o, &next, Some(0), &[])
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    // Written under another organization.
    let e = w
        .store
        .save_secure_conversation(&org("org-b"), &next, None, &[])
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    assert!(
        w.store
            .secure_conversation(&org("org-b"), &conv("c1"))
            .unwrap()
            .is_none()
    );
    assert!(
        w.store
            .secure_events(&org("org-b"), &conv("c1"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_concurrent_change_is_refused_not_lost() {
    let w = World::new();
    let svc = w.service();
    let t = svc.send(request("org-a", "c1"), &practice()).unwrap().token;
    let o = org("org-a");
    svc.set_pin(&o, t.as_str(), &claim(true), "4071").unwrap();
    let read = w
        .store
        .secure_conversation(&o, &conv("c1"))
        .unwrap()
        .unwrap();
    // Another process counts a wrong PIN meanwhile.
    svc.verify_pin(&o, t.as_str(), "9999").unwrap_err();
    // Saving the stale read (which would forget that failure) is refused.
    let mut stale = read.clone();
    stale.version = read.version + 1;
    let e = w
        .store
        .save_secure_conversation(&o, &stale, Some(read.version), &[])
        .unwrap_err();
    assert_eq!(e.code(), "conflict");
    let now = w
        .store
        .secure_conversation(&o, &conv("c1"))
        .unwrap()
        .unwrap();
    assert_eq!(now.pin_failures, 1);
}

/// Records every field of every event and span, formatted with `Debug`,
/// into the buffer of the thread that opened one with [`capture_logs`].
///
/// It is installed as the process-wide default, not with
/// `tracing::subscriber::with_default`: `tracing` caches each callsite's
/// interest globally, and while a single scoped subscriber exists, a callsite
/// first reached on another test's thread is judged by that thread's
/// (absent) subscriber and stays disabled for good. That made this test miss
/// events whenever another test reached the same log line first. A global
/// subscriber that is interested in everything gives every thread the same
/// answer; the thread-local buffer keeps the other tests' lines out.
struct Capture;

thread_local! {
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn with_log(f: impl FnOnce(&mut String)) {
    CAPTURED.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut()
            && let Some(log) = c.as_mut()
        {
            f(log);
        }
    });
}

/// Runs `f` with this thread's log lines captured, and returns them.
fn capture_logs(f: impl FnOnce()) -> String {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing::subscriber::set_global_default(Capture)
            .expect("no other global subscriber in this test binary");
    });
    CAPTURED.with(|c| *c.borrow_mut() = Some(String::new()));
    f();
    CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default()
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        with_log(|log| span.record(&mut Fields(log)));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        with_log(|log| values.record(&mut Fields(log)));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        with_log(|log| {
            event.record(&mut Fields(log));
            log.push('\n');
        });
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn s4_s5_x7_no_secret_reaches_the_logs_or_debug() {
    let w = World::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut debug = String::new();
    let log = capture_logs(|| {
        let svc = w.service();
        let o = org("org-a");
        let issued = svc.send(request("org-a", "c1"), &practice()).unwrap();
        let t = issued.token.as_str().to_owned();
        svc.open(&o, &t).unwrap();
        svc.set_pin(&o, &t, &claim(true), "4071").unwrap();
        svc.verify_pin(&o, &t, "4071").unwrap();
        let _ = svc.verify_pin(&o, &t, "8642");
        for _ in 0..3 {
            let _ = svc.reset_pin(&o, &t, &claim(false), "5938");
        }
        let sms = svc.request_unlock_code(&o, &t, &practice()).unwrap();
        let body = sms.body.as_str();
        let at = body.find("code is ").unwrap() + 8;
        let code = body[at..at + 6].to_owned();
        svc.redeem_unlock_code(&o, &t, &code).unwrap();
        let state = svc.conversation(&o, &conv("c1")).unwrap();
        let events = svc.events(&o, &conv("c1")).unwrap();
        write!(debug, "{issued:?} {sms:?} {state:?} {events:?} {svc:?}").unwrap();
        let phc = state.pin.as_ref().unwrap().as_str().to_owned();
        let hash_part = phc.rsplit('$').next().unwrap().to_owned();
        secrets.extend([t, code, phc, hash_part, "4071".into(), "8642".into()]);
    });
    assert!(
        log.contains("secure conversation changed"),
        "nothing was logged: {log}"
    );
    assert!(log.contains("PinFailed"), "{log}");
    for s in &secrets {
        assert!(!log.contains(s.as_str()), "a secret reached the log: {log}");
        assert!(!debug.contains(s.as_str()), "a secret reached Debug output");
    }
    for pii in ["Jane", "Doe", "6502530000", "jane@mail", "1980-02-03"] {
        assert!(!log.contains(pii) && !debug.contains(pii), "{pii} leaked");
    }
}

#[test]
fn s4_clock_from_the_port_is_used() {
    let w = World::new();
    w.clock.set(t0() + TimeDelta::days(3));
    let issued = w
        .service()
        .send(request("org-a", "c1"), &practice())
        .unwrap();
    assert_eq!(issued.expires_at, w.clock.now() + TimeDelta::hours(72));
}
