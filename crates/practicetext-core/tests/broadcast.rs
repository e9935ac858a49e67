//! Mass alerts end to end over the in-memory store: pacing with a fake
//! clock and several workers (B5), quiet hours (X1), consent re-checked at
//! send time (C4), no conversations (B6), the activity status (B7) and
//! crash safety (B9): a run that crashes after any single operation
//! resumes with nothing sent twice and no one skipped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use practicetext_core::broadcast::*;
use practicetext_core::consent::{
    ConsentAction, ConsentChange, ConsentScope, ConsentSource, ConsentState, ConsentTransition,
};
use practicetext_core::conversation::Participants;
use practicetext_core::engine::{
    Engine, InboundOutcome, OutboundSms, SendReceipt, SentLookup, Transport, TransportError,
};
use practicetext_core::ids::{BroadcastId, OrganizationId};
use practicetext_core::inbound::{EmailAlert, InboundText};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    BroadcastStore, ConsentStore, ConversationStore, DirectoryStore, RateKey, RateWindowStore,
    RecipientClaim, StoreError, Timestamp,
};
use practicetext_core::scenario::RecordingTransport;
use practicetext_core::sensitive::MessageBody;
use practicetext_core::testing::{FixedClock, SeededRandom, sample_directory};
use practicetext_core::webhook::Sender;

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Monday 2026-11-23, 10:00 in New York and Toronto, 07:00 in Los Angeles.
fn t0() -> Timestamp {
    at("2026-11-23T15:00:00Z")
}

fn org() -> OrganizationId {
    "happy-paws".into()
}

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

const ALERT: &str =
    "Happy Paws: the power is out and we are closed today. We will call you to rebook.";

/// `count` clients with Toronto numbers (area code `area`), each with one
/// appointment this afternoon.
fn clients(count: u32, area: &str) -> (Vec<ClientContact>, Vec<Appointment>) {
    (0..count)
        .map(|i| {
            let id = format!("{area}-{i:03}");
            let client = ClientContact {
                id: id.as_str().into(),
                first_name: "Client".into(),
                last_name: format!("{i}").as_str().into(),
                cell_phone: format!("{area}253{:04}", 1000 + i),
                time_zone: None,
            };
            let appointment = Appointment {
                id: format!("a-{id}").as_str().into(),
                client: id.as_str().into(),
                starts_at: at("2026-11-23T22:00:00Z") + TimeDelta::minutes(i64::from(i)),
            };
            (client, appointment)
        })
        .unzip()
}

fn request(pace: u32) -> BroadcastRequest {
    BroadcastRequest {
        organization: org(),
        sender: "alice".into(),
        from: None,
        range: RangeChoice::RestOfToday,
        message: ALERT.into(),
        pace: Pace::new(pace).unwrap(),
        quiet_hours: Default::default(),
    }
}

fn seeded_store() -> MemoryStore {
    let dir = sample_directory();
    let store = MemoryStore::new();
    store.put_organization(&dir.organization).unwrap();
    for u in &dir.users {
        store.put_user(u).unwrap();
    }
    for x in &dir.numbers {
        store.put_number(x).unwrap();
    }
    store
}

/// Preflight over `store`'s consent and start the broadcast.
fn begin<S: BroadcastStore + ConsentStore>(
    store: &S,
    clients: &[ClientContact],
    appointments: &[Appointment],
    pace: u32,
) -> Broadcast {
    let dir = sample_directory();
    let o = org();
    let consent = StoreConsent {
        store,
        organization: &o,
    };
    let plan = preflight(&request(pace), &dir, clients, appointments, &consent, t0()).unwrap();
    start(store, &dir, &plan, &plan.token, "bc-1".into(), t0()).unwrap()
}

/// Steps `runner` until it is done or fails, following its waits; returns
/// every step and the time reached.
fn drive<S, T>(
    runner: &mut BroadcastRunner<'_, S, T>,
    mut now: Timestamp,
) -> (
    Result<BroadcastSummary, String>,
    Vec<(Timestamp, Step)>,
    Timestamp,
)
where
    S: BroadcastPorts + ?Sized,
    T: Transport + ?Sized,
{
    let mut steps = Vec::new();
    for _ in 0..100_000 {
        match runner.step(now, 0) {
            Ok(Step::Done(summary)) => return (Ok(summary), steps, now),
            Ok(Step::Wait { until, .. }) => now = until,
            Ok(step) => steps.push((now, step)),
            Err(e) => return (Err(e.code().to_owned()), steps, now),
        }
    }
    panic!("the run did not finish");
}

fn sent_times(steps: &[(Timestamp, Step)]) -> Vec<Timestamp> {
    steps
        .iter()
        .filter(|(_, s)| matches!(s, Step::Sent { .. }))
        .map(|(t, _)| *t)
        .collect()
}

/// How many texts each number got.
fn per_number(transport: &RecordingTransport) -> BTreeMap<E164, usize> {
    let mut counts = BTreeMap::new();
    for sms in transport.take().0 {
        *counts.entry(sms.to).or_insert(0) += 1;
    }
    counts
}

#[test]
fn b5_ten_recipients_take_about_two_minutes_and_a_hundred_about_twenty() {
    for (count, last) in [(10u32, 108i64), (100, 99 * 12)] {
        let store = seeded_store();
        let transport = RecordingTransport::default();
        let (cs, appts) = clients(count, "416");
        let b = begin(&store, &cs, &appts, 5);
        let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
        let (summary, steps, _) = drive(&mut runner, t0());
        assert_eq!(summary.unwrap().status, BroadcastStatus::AllSent);
        let times = sent_times(&steps);
        assert_eq!(times.len(), count as usize);
        assert!(
            times
                .windows(2)
                .all(|w| w[1] - w[0] == TimeDelta::seconds(12)),
            "5 a minute"
        );
        assert_eq!(
            *times.last().unwrap() - t0(),
            TimeDelta::seconds(last),
            "about {} minutes",
            count / 5
        );
        assert_eq!(per_number(&transport).len(), count as usize);
    }
}

#[test]
fn b5_the_pace_is_configurable() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(4, "416");
    let b = begin(&store, &cs, &appts, 30);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let (_, steps, _) = drive(&mut runner, t0());
    let times = sent_times(&steps);
    assert_eq!(*times.last().unwrap() - t0(), TimeDelta::seconds(6));
}

#[test]
fn b5_several_workers_together_keep_the_pace_and_never_share_a_recipient() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(20, "416");
    let b = begin(&store, &cs, &appts, 5);
    let mut runners: Vec<_> = (0..3)
        .map(|i| BroadcastRunner::open(&store, &transport, &org(), &b.id, format!("w{i}")).unwrap())
        .collect();
    let mut now = t0();
    let mut sent = Vec::new();
    let mut done = 0;
    while done < runners.len() {
        done = 0;
        let mut wake = Vec::new();
        for r in &mut runners {
            match r.step(now, 0).unwrap() {
                Step::Sent { .. } => sent.push(now),
                Step::Wait { until, .. } => wake.push(until),
                Step::Done(_) => done += 1,
                other => panic!("{other:?}"),
            }
        }
        if let Some(next) = wake.into_iter().min() {
            now = now.max(next);
        }
    }
    assert_eq!(sent.len(), 20);
    assert!(
        sent.windows(2)
            .all(|w| w[1] - w[0] >= TimeDelta::seconds(12)),
        "three workers together still send 5 a minute: {sent:?}"
    );
    assert!(per_number(&transport).values().all(|&c| c == 1));
}

#[test]
fn b5_b9_threads_racing_at_one_instant_send_one_text() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(10, "416");
    let b = begin(&store, &cs, &appts, 5);
    let results: Vec<Step> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (store, transport, id) = (&store, &transport, b.id.clone());
                s.spawn(move || {
                    let mut r =
                        BroadcastRunner::open(store, transport, &org(), &id, format!("t{i}"))
                            .unwrap();
                    r.step(t0(), 0).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sent = results
        .iter()
        .filter(|s| matches!(s, Step::Sent { .. }))
        .count();
    assert_eq!(sent, 1, "{results:?}");
    assert_eq!(transport.take().0.len(), 1);
    let recipients = store.recipients(&org(), &b.id).unwrap();
    let pending = recipients
        .iter()
        .filter(|r| r.status == RecipientStatus::NEW)
        .count();
    assert_eq!(pending, 9, "the losers handed their claims back");
}

#[test]
fn b5_conversation_texts_go_first() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(2, "416");
    let b = begin(&store, &cs, &appts, 5);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let step = runner.step(t0(), 3).unwrap();
    assert_eq!(
        step,
        Step::Wait {
            until: t0() + CONVERSATIONS_FIRST_WAIT,
            reason: WaitReason::ConversationsFirst
        }
    );
    assert!(transport.take().0.is_empty());
    assert!(matches!(runner.step(t0(), 0).unwrap(), Step::Sent { .. }));
}

#[test]
fn x1_a_recipient_in_quiet_hours_is_deferred_to_0900_local() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (mut cs, mut appts) = clients(1, "650"); // Los Angeles: 07:00
    appts[0].starts_at = at("2026-11-23T21:00:00Z"); // the earliest: sent first
    let (toronto, toronto_appts) = clients(1, "416"); // Toronto: 10:00
    cs.extend(toronto);
    appts.extend(toronto_appts);
    let b = begin(&store, &cs, &appts, 5);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let (summary, steps, _) = drive(&mut runner, t0());
    assert_eq!(summary.unwrap().status, BroadcastStatus::AllSent);
    let nine_la = at("2026-11-23T17:00:00Z");
    assert_eq!(
        steps[0],
        (
            t0(),
            Step::Deferred {
                index: 0,
                until: nine_la
            }
        )
    );
    let sent: Vec<(Timestamp, u32)> = steps
        .iter()
        .filter_map(|(t, s)| match s {
            Step::Sent { index, .. } => Some((*t, *index)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        vec![(t0(), 1), (nine_la, 0)],
        "Toronto first, LA at 09:00 local"
    );
}

#[test]
fn x1_the_hosts_time_zone_overrides_the_area_code() {
    // A Los Angeles number (07:00 there) whose owner the practice knows
    // lives in Toronto (10:00): sent now. A Toronto number whose owner
    // lives in Los Angeles: deferred to 09:00 Los Angeles time.
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (mut cs, mut appts) = clients(1, "650");
    cs[0].time_zone = Some(chrono_tz::America::Toronto);
    let (mut moved, moved_appts) = clients(1, "416");
    moved[0].time_zone = Some(chrono_tz::America::Los_Angeles);
    appts[0].starts_at = at("2026-11-23T21:00:00Z"); // the earliest: first
    cs.extend(moved);
    appts.extend(moved_appts);
    let b = begin(&store, &cs, &appts, 5);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let (summary, steps, _) = drive(&mut runner, t0());
    assert_eq!(summary.unwrap().status, BroadcastStatus::AllSent);
    let nine_la = at("2026-11-23T17:00:00Z");
    let sent: Vec<(Timestamp, u32)> = steps
        .iter()
        .filter_map(|(t, s)| match s {
            Step::Sent { index, .. } => Some((*t, *index)),
            _ => None,
        })
        .collect();
    assert_eq!(sent, vec![(t0(), 0), (nine_la, 1)]);
}

#[test]
fn x1_the_hosts_time_zone_moves_the_projected_finish_and_the_token() {
    let dir = sample_directory();
    let (mut cs, appts) = clients(1, "416"); // Toronto number, 10:00 there
    let consent =
        std::collections::HashMap::<E164, practicetext_core::consent::ConsentState>::new();
    let plain = preflight(&request(5), &dir, &cs, &appts, &consent, t0()).unwrap();
    assert_eq!(plain.projected_finish, Some(t0()));
    cs[0].time_zone = Some(chrono_tz::America::Los_Angeles); // 07:00 there
    let moved = preflight(&request(5), &dir, &cs, &appts, &consent, t0()).unwrap();
    assert_eq!(moved.projected_finish, Some(at("2026-11-23T17:00:00Z")));
    assert_eq!(
        moved.recipients[0].time_zone,
        Some(chrono_tz::America::Los_Angeles)
    );
    assert_ne!(plain.token, moved.token, "the zone decides when it is sent");
}

#[test]
fn c4_an_opt_out_after_the_preflight_stops_the_send_and_shows_in_the_report() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(3, "416");
    let b = begin(&store, &cs, &appts, 5);
    let stop = ConsentChange {
        at: t0(),
        number: n("4162531001"),
        action: ConsentAction::OptOut,
        source: ConsentSource::Keyword {
            keyword: "STOP".into(),
        },
        raw_text: Some(MessageBody::from("STOP")),
        via: Some(n("6502530001")),
        scope: ConsentScope::Organization {
            organization: org(),
        },
    };
    store.record_consent(&org(), &stop).unwrap();
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let (summary, _, _) = drive(&mut runner, t0());
    let summary = summary.unwrap();
    assert_eq!((summary.sent, summary.skipped), (2, 1));
    assert_eq!(
        summary.status,
        BroadcastStatus::AllSent,
        "an opt-out is not a failure"
    );
    assert!(!per_number(&transport).contains_key(&n("4162531001")));
    let csv = report_csv(&b, &store.recipients(&org(), &b.id).unwrap());
    let line = csv.lines().find(|l| l.contains("+14162531001")).unwrap();
    assert!(
        line.contains(",not sent,the client opted out of texts,")
            && line.ends_with(",client opted out"),
        "{line}"
    );
}

#[test]
fn b2_a_recipient_whose_appointment_started_while_deferred_is_skipped() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, mut appts) = clients(1, "650");
    appts[0].starts_at = at("2026-11-23T16:00:00Z"); // 08:00 in Los Angeles
    let b = begin(&store, &cs, &appts, 5);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let (summary, steps, _) = drive(&mut runner, t0());
    assert_eq!(summary.unwrap().skipped, 1);
    assert!(matches!(
        steps.last().unwrap().1,
        Step::Skipped {
            reason: ExclusionReason::AppointmentPassed,
            ..
        }
    ));
    assert!(transport.take().0.is_empty());
}

#[test]
fn b6_alerts_create_no_conversation_and_a_reply_starts_one() {
    let engine = Engine::new(
        seeded_store(),
        RecordingTransport::default(),
        Arc::new(FixedClock::new(t0())),
        Arc::new(SeededRandom::new(3)),
    );
    let (cs, appts) = clients(1, "416");
    let b = begin(engine.store(), &cs, &appts, 5);
    let mut runner =
        BroadcastRunner::open(engine.store(), engine.transport(), &org(), &b.id, "w1").unwrap();
    drive(&mut runner, t0()).0.unwrap();
    let participants = Participants::Sms {
        our_number: n("6502530001"),
        outside_number: n("4162531000"),
    };
    assert_eq!(engine.transport().take().0.len(), 1, "the alert went out");
    assert!(
        engine
            .store()
            .active_conversation(&org(), &participants)
            .unwrap()
            .is_none(),
        "an alert creates no conversation"
    );
    let reply = InboundText {
        provider_id: Some("SMreply1".into()),
        from: Sender::Number(n("4162531000")),
        to: n("6502530001"),
        body: MessageBody::from("Thanks, can we come Thursday?"),
        media_count: 0,
        received_at: t0() + TimeDelta::minutes(5),
    };
    let InboundOutcome::Handled { conversation, .. } = engine.handle_inbound(&reply).unwrap()
    else {
        panic!("handled");
    };
    let active = engine
        .store()
        .active_conversation(&org(), &participants)
        .unwrap()
        .unwrap();
    assert_eq!(active.id, conversation, "the reply started an active one");
}

/// A transport that refuses some numbers with a provider code.
struct Refusing {
    inner: RecordingTransport,
    refuse: HashMap<E164, TransportError>,
}

impl Transport for Refusing {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        match self.refuse.get(&sms.to) {
            Some(e) => Err(e.clone()),
            None => self.inner.send_sms(sms),
        }
    }
    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        self.inner.send_email(email)
    }
    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        self.inner.find_sent(key)
    }
}

#[test]
fn b7_x2_x6_failures_are_reported_red_with_next_actions_and_landlines_suppressed() {
    let store = seeded_store();
    let (cs, appts) = clients(4, "416");
    let transport = Refusing {
        inner: RecordingTransport::default(),
        refuse: HashMap::from([
            (
                n("4162531000"),
                TransportError::Rejected {
                    provider_code: Some(30006),
                    message: "Landline or unreachable carrier".into(),
                },
            ),
            (
                n("4162531001"),
                TransportError::Unavailable {
                    message: "connection refused".into(),
                },
            ),
        ]),
    };
    let b = begin(&store, &cs, &appts, 5);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    let (summary, steps, _) = drive(&mut runner, t0());
    let summary = summary.unwrap();
    assert_eq!((summary.sent, summary.failed), (2, 2));
    assert_eq!(summary.status, BroadcastStatus::Failed { failed: 2 });
    assert_eq!(summary.status.color(), Some(StatusColor::Red));
    let retries = steps
        .iter()
        .filter(|(_, s)| matches!(s, Step::Deferred { index: 1, .. }))
        .count();
    assert_eq!(retries as u32, MAX_ATTEMPTS - 1, "retried before failing");

    let entries = activity(&store, &org()).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status.label(), "2 failed");

    let csv = report_csv(&b, &store.recipients(&org(), &b.id).unwrap());
    let landline = csv.lines().find(|l| l.contains("+14162531000")).unwrap();
    assert!(landline.contains(",failed,") && landline.ends_with(",call instead"));
    let down = csv.lines().find(|l| l.contains("+14162531001")).unwrap();
    assert!(
        down.contains("3 attempts") && down.ends_with(",retry later"),
        "{down}"
    );

    // X2: the landline is suppressed, and the next preflight names it.
    assert!(store.consent(&org(), n("4162531000")).unwrap().suppressed);
    let o = org();
    let consent = StoreConsent {
        store: &store,
        organization: &o,
    };
    let again = preflight(
        &request(5),
        &sample_directory(),
        &cs,
        &appts,
        &consent,
        t0(),
    )
    .unwrap();
    assert_eq!(again.excluded.len(), 1);
    assert_eq!(again.excluded[0].reason, ExclusionReason::Landline);
}

#[test]
fn b4_sending_needs_the_plans_own_confirmation_token() {
    let store = seeded_store();
    let dir = sample_directory();
    let (cs, appts) = clients(3, "416");
    let no_consent: HashMap<E164, ConsentState> = HashMap::new();
    let plan = preflight(&request(5), &dir, &cs, &appts, &no_consent, t0()).unwrap();
    let e = start(&store, &dir, &plan, "0000", "bc".into(), t0()).unwrap_err();
    assert_eq!(e.code(), "confirmation_mismatch");

    let mut tampered = plan.clone();
    tampered.recipients.pop();
    let e = start(&store, &dir, &tampered, &plan.token, "bc".into(), t0()).unwrap_err();
    assert_eq!(
        e.code(),
        "confirmation_mismatch",
        "what was confirmed is what is sent"
    );

    let first = start(&store, &dir, &plan, &plan.token, "bc".into(), t0()).unwrap();
    let again = start(&store, &dir, &plan, &plan.token, "bc".into(), t0()).unwrap();
    assert_eq!(first, again, "a double click starts it once");
    assert_eq!(store.broadcasts(&org()).unwrap().len(), 1);

    let other = preflight(&request(6), &dir, &cs, &appts, &no_consent, t0()).unwrap();
    let e = start(&store, &dir, &other, &other.token, "bc".into(), t0()).unwrap_err();
    assert_eq!(e.code(), "broadcast_exists");

    let mut demoted = dir.clone();
    demoted.users[0].role = practicetext_core::directory::Role::Staff;
    let e = start(&store, &demoted, &plan, &plan.token, "bc2".into(), t0()).unwrap_err();
    assert_eq!(
        e.code(),
        "broadcast_refused",
        "B1 is checked again at confirmation"
    );
}

#[test]
fn b9_claims_never_overlap_and_a_lapsed_claim_is_taken_over() {
    let store = seeded_store();
    let (cs, appts) = clients(2, "416");
    let b = begin(&store, &cs, &appts, 5);
    let lease = TimeDelta::minutes(5);
    let claim = |w: &str, t: Timestamp| store.claim_recipient(&org(), &b.id, w, lease, t).unwrap();
    let RecipientClaim::Claimed { recipient: a, .. } = claim("A", t0()) else {
        panic!()
    };
    let RecipientClaim::Claimed { recipient: bb, .. } = claim("B", t0()) else {
        panic!()
    };
    assert_ne!(a.index, bb.index);
    assert_eq!(
        claim("C", t0()),
        RecipientClaim::NotYet {
            until: t0() + lease
        }
    );
    let sent = RecipientStatus::Sent {
        at: t0(),
        provider_id: "SM".into(),
    };
    let e = store
        .update_recipient(&org(), &b.id, a.index, "B", &sent)
        .unwrap_err();
    assert_eq!(e.code(), "conflict", "B cannot record A's recipient");
    let RecipientClaim::Claimed {
        recipient,
        interrupted,
    } = claim("C", t0() + lease)
    else {
        panic!()
    };
    assert!(interrupted, "A's lapsed claim is handed out as interrupted");
    assert_eq!(recipient.index, a.index);
    assert!(
        store
            .update_recipient(&org(), &b.id, a.index, "A", &sent)
            .is_err(),
        "A lost it"
    );
}

/// A store and transport in one, over a shared [`MemoryStore`] and
/// [`RecordingTransport`], that dies at operation `crash_at`: before
/// running it, or right after it ran (its effect kept, its answer lost).
/// Once dead, every operation fails, as in a crashed process.
struct Crashing<'a> {
    store: &'a MemoryStore,
    transport: &'a RecordingTransport,
    crash_at: usize,
    after: bool,
    can_tell: bool,
    ops: AtomicUsize,
    dead: AtomicBool,
}

impl<'a> Crashing<'a> {
    fn new(store: &'a MemoryStore, transport: &'a RecordingTransport, crash_at: usize) -> Self {
        Crashing {
            store,
            transport,
            crash_at,
            after: false,
            can_tell: true,
            ops: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
        }
    }

    fn op<R, E>(&self, f: impl FnOnce() -> Result<R, E>, crash: impl Fn() -> E) -> Result<R, E> {
        if self.dead.load(Ordering::SeqCst) {
            return Err(crash());
        }
        if self.ops.fetch_add(1, Ordering::SeqCst) == self.crash_at {
            self.dead.store(true, Ordering::SeqCst);
            if self.after {
                let _ = f();
            }
            return Err(crash());
        }
        f()
    }
}

fn store_crash() -> StoreError {
    StoreError::Backend {
        message: "crashed".into(),
    }
}

fn transport_crash() -> TransportError {
    TransportError::Unavailable {
        message: "crashed".into(),
    }
}

impl ConsentStore for Crashing<'_> {
    fn consent(&self, org: &OrganizationId, number: E164) -> Result<ConsentState, StoreError> {
        self.op(|| self.store.consent(org, number), store_crash)
    }
    fn record_consent(
        &self,
        org: &OrganizationId,
        change: &ConsentChange,
    ) -> Result<ConsentTransition, StoreError> {
        self.op(|| self.store.record_consent(org, change), store_crash)
    }
    fn consent_history(
        &self,
        org: &OrganizationId,
        number: Option<E164>,
    ) -> Result<Vec<ConsentChange>, StoreError> {
        self.op(|| self.store.consent_history(org, number), store_crash)
    }
}

impl RateWindowStore for Crashing<'_> {
    fn try_acquire(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        window: TimeDelta,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.op(
            || self.store.try_acquire(org, key, window, now),
            store_crash,
        )
    }
    fn last_acquired(
        &self,
        org: &OrganizationId,
        key: &RateKey,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.op(|| self.store.last_acquired(org, key), store_crash)
    }
    fn count_since(
        &self,
        org: &OrganizationId,
        key: &RateKey,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        self.op(|| self.store.count_since(org, key, since), store_crash)
    }
}

impl BroadcastStore for Crashing<'_> {
    fn create_broadcast(
        &self,
        broadcast: &Broadcast,
        recipients: &[RecipientProgress],
    ) -> Result<(), StoreError> {
        self.op(
            || self.store.create_broadcast(broadcast, recipients),
            store_crash,
        )
    }
    fn broadcast(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Option<Broadcast>, StoreError> {
        self.op(|| self.store.broadcast(org, id), store_crash)
    }
    fn broadcasts(&self, org: &OrganizationId) -> Result<Vec<Broadcast>, StoreError> {
        self.op(|| self.store.broadcasts(org), store_crash)
    }
    fn recipients(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
    ) -> Result<Vec<RecipientProgress>, StoreError> {
        self.op(|| self.store.recipients(org, id), store_crash)
    }
    fn claim_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        worker: &str,
        lease: TimeDelta,
        now: Timestamp,
    ) -> Result<RecipientClaim, StoreError> {
        self.op(
            || self.store.claim_recipient(org, id, worker, lease, now),
            store_crash,
        )
    }
    fn update_recipient(
        &self,
        org: &OrganizationId,
        id: &BroadcastId,
        index: u32,
        worker: &str,
        status: &RecipientStatus,
    ) -> Result<(), StoreError> {
        self.op(
            || self.store.update_recipient(org, id, index, worker, status),
            store_crash,
        )
    }
}

impl Transport for Crashing<'_> {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        self.op(|| self.transport.send_sms(sms), transport_crash)
    }
    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        self.transport.send_email(email)
    }
    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        match self.can_tell {
            true => self.op(|| self.transport.find_sent(key), transport_crash),
            false => Ok(SentLookup::Unknown),
        }
    }
}

struct CrashRun {
    summary: BroadcastSummary,
    texts: BTreeMap<E164, usize>,
    crashed: bool,
}

/// A 50-recipient run that crashes at operation `k` (before or after it),
/// then resumes with a fresh runner as `resume_worker` over the same store.
fn crash_once(k: usize, after: bool, can_tell: bool, resume_worker: &str) -> CrashRun {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(50, "416");
    let b = begin(&store, &cs, &appts, 5);
    let mut crashing = Crashing::new(&store, &transport, k);
    crashing.after = after;
    crashing.can_tell = can_tell;
    let mut now = t0();
    let crashed = match BroadcastRunner::open(&crashing, &crashing, &org(), &b.id, "w1") {
        Ok(mut runner) => {
            let (result, _, reached) = drive(&mut runner, now);
            now = reached;
            result.is_err()
        }
        Err(_) => true,
    };
    let healthy = Crashing::new(&store, &transport, usize::MAX);
    let healthy = Crashing {
        can_tell,
        ..healthy
    };
    let resumed_at = match resume_worker {
        "w1" => now,
        _ => now + DEFAULT_LEASE,
    };
    let mut runner =
        BroadcastRunner::open(&healthy, &healthy, &org(), &b.id, resume_worker).unwrap();
    let (summary, _, _) = drive(&mut runner, resumed_at);
    CrashRun {
        summary: summary.unwrap(),
        texts: per_number(&transport),
        crashed,
    }
}

/// How many operations an uninterrupted run takes.
fn operations_in_a_full_run() -> usize {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(50, "416");
    let b = begin(&store, &cs, &appts, 5);
    let counting = Crashing::new(&store, &transport, usize::MAX);
    let mut runner = BroadcastRunner::open(&counting, &counting, &org(), &b.id, "w1").unwrap();
    drive(&mut runner, t0()).0.unwrap();
    counting.ops.load(Ordering::SeqCst)
}

#[test]
fn b9_a_crash_after_any_operation_resumes_with_no_duplicates_and_no_one_skipped() {
    let total = operations_in_a_full_run();
    assert!(total > 300, "{total} operations");
    for k in 0..total {
        for after in [false, true] {
            let run = crash_once(k, after, true, "w1");
            assert!(run.crashed, "k={k}");
            assert_eq!(run.summary.sent, 50, "k={k} after={after}: no one skipped");
            assert_eq!(run.summary.status, BroadcastStatus::AllSent);
            assert_eq!(run.texts.len(), 50, "k={k} after={after}");
            assert!(
                run.texts.values().all(|&c| c == 1),
                "k={k} after={after}: a text went out twice"
            );
        }
    }
}

#[test]
fn b9_another_worker_takes_over_a_crashed_workers_recipient_after_its_lease() {
    let total = operations_in_a_full_run();
    for k in (0..total).step_by(7) {
        let run = crash_once(k, true, true, "w2");
        assert_eq!(run.summary.sent, 50, "k={k}");
        assert!(run.texts.values().all(|&c| c == 1), "k={k}");
    }
}

#[test]
fn b9_a_transport_that_cannot_tell_gets_interrupted_never_a_silent_duplicate() {
    let total = operations_in_a_full_run();
    let mut interrupted_seen = false;
    for k in 0..total {
        let run = crash_once(k, true, false, "w1");
        assert!(run.texts.values().all(|&c| c == 1), "k={k}: sent twice");
        let s = &run.summary;
        assert_eq!(s.pending, 0, "k={k}");
        assert_eq!(s.sent + s.failed, 50, "k={k}: no one skipped");
        assert!(s.failed <= 1, "k={k}: only the interrupted one");
        interrupted_seen |= s.failed == 1;
    }
    assert!(interrupted_seen);
}

#[test]
fn b9_an_interrupted_text_is_reported_for_a_person_to_verify() {
    let store = seeded_store();
    let transport = RecordingTransport::default();
    let (cs, appts) = clients(1, "416");
    let b = begin(&store, &cs, &appts, 5);
    // The run dies right after the transport took the text: operations
    // 0 open, 1 pace, 2 claim, 3 consent, 4 pace slot, 5 send.
    let mut crashing = Crashing::new(&store, &transport, 5);
    crashing.after = true;
    let mut runner = BroadcastRunner::open(&crashing, &crashing, &org(), &b.id, "w1").unwrap();
    assert!(runner.step(t0(), 0).is_err());
    assert_eq!(transport.take().0.len(), 1, "it did go out");
    let blind = Crashing {
        can_tell: false,
        ..Crashing::new(&store, &transport, usize::MAX)
    };
    let mut runner = BroadcastRunner::open(&blind, &blind, &org(), &b.id, "w1").unwrap();
    let later = t0() + TimeDelta::seconds(12); // the pace slot was taken
    let step = runner.step(later, 0).unwrap();
    assert_eq!(
        step,
        Step::Failed {
            index: 0,
            failure: SendFailure::Interrupted
        }
    );
    let csv = report_csv(&b, &store.recipients(&org(), &b.id).unwrap());
    assert!(
        csv.contains(",failed,\"interrupted, verify before resending\","),
        "{csv}"
    );
    assert!(csv.trim_end().ends_with(",verify before resending"));
    assert!(transport.take().0.is_empty(), "not sent again");
}

/// A transport whose answer gets lost once after the text went out.
struct LosesAnswer {
    inner: RecordingTransport,
    lost: AtomicBool,
}

impl Transport for LosesAnswer {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let receipt = self.inner.send_sms(sms)?;
        match self.lost.swap(true, Ordering::SeqCst) {
            false => Err(TransportError::Indeterminate {
                message: "timed out".into(),
            }),
            true => Ok(receipt),
        }
    }
    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        self.inner.send_email(email)
    }
    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        self.inner.find_sent(key)
    }
}

#[test]
fn b9_a_lost_answer_is_looked_up_not_sent_again() {
    let store = seeded_store();
    let transport = LosesAnswer {
        inner: RecordingTransport::default(),
        lost: AtomicBool::new(false),
    };
    let (cs, appts) = clients(2, "416");
    let b = begin(&store, &cs, &appts, 5);
    let mut runner = BroadcastRunner::open(&store, &transport, &org(), &b.id, "w1").unwrap();
    assert_eq!(
        runner.step(t0(), 0).unwrap(),
        Step::Interrupted { index: 0 }
    );
    let (summary, steps, _) = drive(&mut runner, t0());
    assert_eq!(summary.unwrap().sent, 2);
    assert!(matches!(
        steps[0].1,
        Step::Sent {
            index: 0,
            recovered: true,
            ..
        }
    ));
    let texts = per_number(&transport.inner);
    assert_eq!(texts.len(), 2);
    assert!(texts.values().all(|&c| c == 1));
}
