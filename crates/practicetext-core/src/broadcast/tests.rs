//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::*;
use crate::consent::{ConsentChange, ConsentScope, ConsentSource, ConsentState};
use crate::delivery::{FailureClass, PermanentReason, TransientReason};
use crate::directory::{Directory, Role};
use crate::ids::ClientId;
use crate::memory::MemoryStore;
use crate::phone::E164;
use crate::ports::{ConsentStore, Timestamp};
use crate::testing::sample_directory;

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Monday 2026-11-23, 10:00 in New York (the sample organization's zone).
fn now() -> Timestamp {
    at("2026-11-23T15:00:00Z")
}

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

fn request(range: RangeChoice, message: &str) -> BroadcastRequest {
    BroadcastRequest {
        organization: "happy-paws".into(),
        sender: "alice".into(),
        from: None,
        range,
        message: message.into(),
        pace: Pace::default(),
        quiet_hours: Default::default(),
    }
}

fn custom(start: &str, end: &str) -> RangeChoice {
    RangeChoice::Custom {
        start: at(start),
        end: at(end),
    }
}

/// Tomorrow, as one whole day in New York.
fn tomorrow() -> RangeChoice {
    RangeChoice::WholeDays {
        first_day: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
        days: 1,
    }
}

const ALERT: &str =
    "Happy Paws: the power is out, so the clinic is closed tomorrow. We will call you to rebook.";

fn client(id: &str, first: &str, last: &str, phone: &str) -> ClientContact {
    ClientContact {
        id: id.into(),
        first_name: first.into(),
        last_name: last.into(),
        cell_phone: phone.into(),
    }
}

fn appt(id: &str, client: &str, starts: &str) -> Appointment {
    Appointment {
        id: id.into(),
        client: client.into(),
        starts_at: at(starts),
    }
}

fn refusal_codes(e: &crate::error::Error) -> Vec<&'static str> {
    match e {
        crate::error::Error::Broadcast(b) => b.refusals().iter().map(Refusal::code).collect(),
        other => panic!("expected a broadcast refusal, got {other:?}"),
    }
}

fn refused(req: &BroadcastRequest, dir: &Directory) -> Vec<&'static str> {
    let e = validate(req, dir, now()).unwrap_err();
    assert_eq!(e.code(), "broadcast_refused");
    refusal_codes(&e)
}

fn plan(
    clients: &[ClientContact],
    appointments: &[Appointment],
    consent: &dyn ConsentLookup,
) -> Preflight {
    preflight(
        &request(tomorrow(), ALERT),
        &sample_directory(),
        clients,
        appointments,
        consent,
        now(),
    )
    .unwrap()
}

fn no_consent() -> HashMap<E164, ConsentState> {
    HashMap::new()
}

fn excluded_codes(p: &Preflight) -> Vec<(&str, &'static str)> {
    p.excluded
        .iter()
        .map(|e| (e.client.as_str(), e.reason.code()))
        .collect()
}

// ---- B1, B2, P5, P7: request checks ----

#[test]
fn b1_only_an_admin_may_send() {
    let dir = sample_directory();
    let mut req = request(tomorrow(), ALERT);
    assert!(validate(&req, &dir, now()).is_ok());
    req.sender = "bob".into();
    assert_eq!(refused(&req, &dir), vec!["not_admin"]);
    req.sender = "mallory".into();
    assert_eq!(refused(&req, &dir), vec!["unknown_sender"]);
}

#[test]
fn b1_two_way_texting_must_be_enabled() {
    let mut dir = sample_directory();
    dir.organization.settings.two_way_enabled = false;
    assert_eq!(
        refused(&request(tomorrow(), ALERT), &dir),
        vec!["two_way_disabled"]
    );
}

#[test]
fn b1_b2_p5_every_refusal_is_listed_with_its_own_code() {
    let mut dir = sample_directory();
    dir.organization.settings.two_way_enabled = false;
    dir.organization.settings.sms_enabled = false;
    let mut req = request(
        custom("2026-11-24T00:00:00Z", "2026-12-02T00:00:00Z"),
        "   ",
    );
    req.sender = "bob".into();
    assert_eq!(
        refused(&req, &dir),
        vec![
            "not_admin",
            "two_way_disabled",
            "organization_sms_disabled",
            "range_too_long",
            "message_empty"
        ]
    );
}

#[test]
fn r2_the_sending_number_must_be_the_senders() {
    let dir = sample_directory();
    let mut req = request(tomorrow(), ALERT);
    req.from = Some(n("6502530002")); // bob's
    assert_eq!(refused(&req, &dir), vec!["number_not_assigned"]);
    req.from = None;
    let valid = validate(&req, &dir, now()).unwrap();
    assert_eq!(valid.from, n("6502530001"), "alice's outbound number");
}

#[test]
fn b2_seven_days_pass_and_seven_days_and_one_minute_are_refused() {
    let dir = sample_directory();
    let seven = custom("2026-11-24T00:00:00Z", "2026-12-01T00:00:00Z");
    assert!(validate(&request(seven, ALERT), &dir, now()).is_ok());
    let over = custom("2026-11-24T00:00:00Z", "2026-12-01T00:01:00Z");
    let e = validate(&request(over, ALERT), &dir, now()).unwrap_err();
    assert_eq!(refusal_codes(&e), vec!["range_too_long"]);
    assert!(e.to_string().contains("at most 7 days"), "{e}");
}

#[test]
fn b2_seven_whole_days_across_a_clock_change_pass() {
    // 2027-03-14 springs forward in New York: 7 local days are 167 hours;
    // 2026-11-01 falls back: 7 local days are 169 hours.
    let dir = sample_directory();
    for first in ["2027-03-10", "2026-10-29"] {
        let range = RangeChoice::WholeDays {
            first_day: first.parse().unwrap(),
            days: 7,
        };
        let early = at("2026-10-01T12:00:00Z");
        assert!(
            validate(&request(range, ALERT), &dir, early).is_ok(),
            "{first}"
        );
    }
    let eight = RangeChoice::WholeDays {
        first_day: "2026-11-24".parse().unwrap(),
        days: 8,
    };
    assert_eq!(
        refused(&request(eight, ALERT), &dir),
        vec!["range_too_long"]
    );
}

#[test]
fn b2_a_range_may_lie_any_distance_ahead() {
    let dir = sample_directory();
    let far = custom("2029-06-01T00:00:00Z", "2029-06-08T00:00:00Z");
    assert!(validate(&request(far, ALERT), &dir, now()).is_ok());
}

#[test]
fn b2_empty_reversed_and_past_ranges_are_refused() {
    let dir = sample_directory();
    let reversed = custom("2026-11-25T00:00:00Z", "2026-11-24T00:00:00Z");
    assert_eq!(
        refused(&request(reversed, ALERT), &dir),
        vec!["range_empty"]
    );
    let zero_days = RangeChoice::WholeDays {
        first_day: "2026-11-24".parse().unwrap(),
        days: 0,
    };
    assert_eq!(
        refused(&request(zero_days, ALERT), &dir),
        vec!["range_empty"]
    );
    let past = custom("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z");
    assert_eq!(refused(&request(past, ALERT), &dir), vec!["range_in_past"]);
}

#[test]
fn b2_presets_are_whole_days_in_the_organizations_zone() {
    let ny = chrono_tz::America::New_York;
    let rest = resolve_range(RangeChoice::RestOfToday, ny, now()).unwrap();
    assert_eq!(rest.start, now());
    assert_eq!(rest.end, at("2026-11-24T05:00:00Z"), "midnight in New York");
    let days = resolve_range(tomorrow(), ny, now()).unwrap();
    assert_eq!(
        (days.start, days.end),
        (at("2026-11-24T05:00:00Z"), at("2026-11-25T05:00:00Z"))
    );
    let chicago = resolve_range(tomorrow(), chrono_tz::America::Chicago, now()).unwrap();
    assert_eq!(chicago.start, at("2026-11-24T06:00:00Z"));
}

#[test]
fn p5_promotional_wording_blocks_a_mass_alert() {
    let dir = sample_directory();
    let e = validate(
        &request(tomorrow(), "Get 20% off all dental cleanings this week!"),
        &dir,
        now(),
    )
    .unwrap_err();
    assert_eq!(refusal_codes(&e), vec!["message_blocked"]);
    let crate::error::Error::Broadcast(BroadcastError::Refused { refusals }) = &e else {
        panic!("{e:?}");
    };
    let Refusal::MessageBlocked { findings } = &refusals[0] else {
        panic!("{refusals:?}");
    };
    assert!(
        findings.iter().any(|f| f.code == "promotional"),
        "{findings:?}"
    );
}

#[test]
fn p7_a_message_over_the_limit_is_refused() {
    let mut dir = sample_directory();
    dir.organization.settings.policy.length.max_segments = 1;
    let long = "Closed today. ".repeat(20);
    assert_eq!(
        refused(&request(tomorrow(), &long), &dir),
        vec!["text_too_long"]
    );
}

#[test]
fn b5_pace_is_one_to_sixty_a_minute_default_five() {
    assert_eq!(Pace::default().per_minute(), 5);
    assert_eq!(Pace::default().interval(), TimeDelta::seconds(12));
    assert_eq!(Pace::new(60).unwrap().interval(), TimeDelta::seconds(1));
    assert_eq!(Pace::new(0).unwrap_err().code(), "invalid_pace");
    assert_eq!(Pace::new(61).unwrap_err().code(), "invalid_pace");
    let bad = serde_json::from_str::<Pace>("0").unwrap_err();
    assert!(bad.to_string().contains("invalid_pace"), "{bad}");
    assert_eq!(serde_json::from_str::<Pace>("10").unwrap().per_minute(), 10);
}

#[test]
fn b1_request_json_round_trips_with_defaults() {
    let json = r#"{"organization":"happy-paws","sender":"alice",
        "range":{"preset":"whole_days","first_day":"2026-11-24","days":1},
        "message":"Closed tomorrow."}"#;
    let req: BroadcastRequest = serde_json::from_str(json).unwrap();
    assert_eq!(req.pace, Pace::default());
    assert_eq!(req.range, tomorrow());
    let back: BroadcastRequest =
        serde_json::from_str(&serde_json::to_string(&req).unwrap()).unwrap();
    assert_eq!(back, req);
}

// ---- B2, B3, B4, B8, X5: preflight ----

#[test]
fn b2_appointments_in_the_past_or_out_of_range_are_out() {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "Bo", "Chan", "416 253 0002"),
        client("c3", "Cy", "Diaz", "416 253 0003"),
    ];
    let p = plan(
        &clients,
        &[
            appt("a1", "c1", "2026-11-24T14:00:00Z"), // tomorrow
            appt("a2", "c2", "2026-11-23T14:00:00Z"), // past
            appt("a3", "c3", "2026-11-26T14:00:00Z"), // out of range
        ],
        &no_consent(),
    );
    let ids: Vec<&str> = p.recipients.iter().map(|r| r.client.as_str()).collect();
    assert_eq!(ids, vec!["c1"]);
    assert!(p.excluded.is_empty());
    assert_eq!(p.counts.appointments, 1);

    // "Rest of today" starts now: an appointment an hour ago is out.
    let today = preflight(
        &request(RangeChoice::RestOfToday, ALERT),
        &sample_directory(),
        &clients,
        &[
            appt("a1", "c1", "2026-11-23T14:00:00Z"),
            appt("a2", "c2", "2026-11-23T16:00:00Z"),
        ],
        &no_consent(),
        now(),
    )
    .unwrap();
    assert_eq!(today.recipients.len(), 1);
    assert_eq!(today.recipients[0].client, ClientId::from("c2"));
}

#[test]
fn b3_a_client_with_three_pets_and_two_appointments_gets_one_text() {
    let clients = [client("c1", "Ann", "Lee", "(416) 253-0001")];
    // Rex and Tom at 9:00, Bella at 14:00: three patients, two slots.
    let p = plan(
        &clients,
        &[
            appt("rex", "c1", "2026-11-24T14:00:00Z"),
            appt("tom", "c1", "2026-11-24T14:00:00Z"),
            appt("bella", "c1", "2026-11-24T19:00:00Z"),
        ],
        &no_consent(),
    );
    assert_eq!(p.recipients.len(), 1);
    assert_eq!(p.counts.recipients, 1);
    let r = &p.recipients[0];
    assert_eq!(r.appointments, 3);
    assert_eq!(r.first_appointment, at("2026-11-24T14:00:00Z"));
    assert_eq!(r.last_appointment, at("2026-11-24T19:00:00Z"));
    assert_eq!(r.name.as_str(), "Ann Lee");
}

#[test]
fn b3_client_ids_of_every_length_find_their_appointments() {
    // Ids that fit the index's inline key (up to 23 bytes) and longer ones
    // (a UUID), and ids that differ only past the inline length.
    let ids = [
        "7".to_owned(),
        "x".repeat(23),
        "x".repeat(24),
        "3f2b8c1e-9d4a-4c7b-a1e2-5f6d7c8b9a0e".to_owned(),
        format!("{}a", "y".repeat(30)),
        format!("{}b", "y".repeat(30)),
        "é".repeat(12),
    ];
    let clients: Vec<_> = (0..ids.len())
        .map(|i| client(&ids[i], "Pat", "Lee", &format!("(416) 253-00{i:02}")))
        .collect();
    let appts: Vec<_> = ids
        .iter()
        .enumerate()
        .flat_map(|(i, id)| {
            (0..=i).map(move |k| appt(&format!("a{i}-{k}"), id, "2026-11-24T15:00:00Z"))
        })
        .chain([appt("lost", &"x".repeat(25), "2026-11-24T15:00:00Z")])
        .collect();
    let p = plan(&clients, &appts, &no_consent());
    assert_eq!(p.counts.appointments_without_client, 1);
    let got: Vec<(&str, u32)> = p
        .recipients
        .iter()
        .map(|r| (r.client.as_str(), r.appointments))
        .collect();
    let want: Vec<(&str, u32)> = ids.iter().map(String::as_str).zip(1..).collect();
    assert_eq!(got, want);
}

#[test]
fn x5_two_clients_sharing_a_number_get_one_text() {
    let clients = [
        client("c1", "Ann", "Lee", "416-253-0001"),
        client("c2", "Sam", "Lee", "+1 416 253 0001"),
    ];
    let p = plan(
        &clients,
        &[
            appt("a1", "c1", "2026-11-24T18:00:00Z"),
            appt("a2", "c2", "2026-11-24T14:00:00Z"),
        ],
        &no_consent(),
    );
    assert_eq!(p.recipients.len(), 1, "one text per number");
    let r = &p.recipients[0];
    assert_eq!(r.client, ClientId::from("c2"), "the earliest appointment");
    assert_eq!(r.appointments, 2);
    assert_eq!(r.last_appointment, at("2026-11-24T18:00:00Z"));
    assert_eq!(excluded_codes(&p), vec![("c1", "shared_number")]);
    assert_eq!(
        p.excluded[0].reason,
        ExclusionReason::SharedNumber { with: "c2".into() }
    );
    assert_eq!((p.counts.clients, p.counts.excluded), (2, 1));
}

#[test]
fn b8_opted_out_blocked_and_suppressed_numbers_are_excluded_with_reasons() {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "Bo", "Chan", "416 253 0002"),
        client("c3", "Cy", "Diaz", "416 253 0003"),
        client("c4", "Di", "Eng", "416 253 0004"),
    ];
    let appointments: Vec<Appointment> = ["c1", "c2", "c3", "c4"]
        .iter()
        .enumerate()
        .map(|(i, c)| appt(&format!("a{i}"), c, "2026-11-24T15:00:00Z"))
        .collect();
    let consent = HashMap::from([
        (
            n("4162530001"),
            ConsentState {
                opted_out: true,
                ..Default::default()
            },
        ),
        (
            n("4162530002"),
            ConsentState {
                blocked: true,
                ..Default::default()
            },
        ),
        (
            n("4162530003"),
            ConsentState {
                suppressed: true,
                ..Default::default()
            },
        ),
    ]);
    let p = plan(&clients, &appointments, &consent);
    assert_eq!(p.recipients.len(), 1);
    assert_eq!(
        excluded_codes(&p),
        vec![
            ("c1", "opted_out"),
            ("c2", "blocked"),
            ("c3", "permanently_failing")
        ]
    );
}

#[test]
fn x5_a_landline_is_named_from_the_carrier_code_of_its_suppression() {
    let store = MemoryStore::new();
    let org = "happy-paws".into();
    let suppress = |number: E164, code: u32| ConsentChange {
        at: now(),
        number,
        action: crate::consent::ConsentAction::Suppress,
        source: ConsentSource::Carrier { error_code: code },
        raw_text: None,
        via: None,
        scope: ConsentScope::Organization {
            organization: "happy-paws".into(),
        },
    };
    store
        .record_consent(&org, &suppress(n("4162530001"), 30006))
        .unwrap();
    store
        .record_consent(&org, &suppress(n("4162530002"), 21211))
        .unwrap();
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "Bo", "Chan", "416 253 0002"),
    ];
    let p = plan(
        &clients,
        &[
            appt("a1", "c1", "2026-11-24T15:00:00Z"),
            appt("a2", "c2", "2026-11-24T16:00:00Z"),
        ],
        &StoreConsent {
            store: &store,
            organization: &org,
        },
    );
    assert_eq!(
        excluded_codes(&p),
        vec![("c1", "landline"), ("c2", "permanently_failing")]
    );
    assert_eq!(
        p.excluded[1].reason,
        ExclusionReason::PermanentlyFailing {
            reason: Some(PermanentReason::InvalidNumber)
        }
    );
}

#[test]
fn x5_a_household_on_an_opted_out_number_is_excluded_for_that_reason() {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "Sam", "Lee", "416 253 0001"),
    ];
    let consent = HashMap::from([(
        n("4162530001"),
        ConsentState {
            opted_out: true,
            ..Default::default()
        },
    )]);
    let p = plan(
        &clients,
        &[
            appt("a1", "c1", "2026-11-24T15:00:00Z"),
            appt("a2", "c2", "2026-11-24T16:00:00Z"),
        ],
        &consent,
    );
    assert!(p.recipients.is_empty());
    assert_eq!(
        excluded_codes(&p),
        vec![("c1", "opted_out"), ("c2", "opted_out")]
    );
}

#[test]
fn x5_missing_invalid_and_foreign_numbers_are_excluded() {
    let clients = [
        client("c1", "Ann", "Lee", ""),
        client("c2", "Bo", "Chan", "123-456-7890"),
        client("c3", "Cy", "Diaz", "+44 20 7946 0958"),
        client("c4", "Di", "Eng", "+1 876 555 1234"),
        client("c5", "Ed", "Fox", "not a phone"),
    ];
    let appointments: Vec<Appointment> = (1..=5)
        .map(|i| appt(&format!("a{i}"), &format!("c{i}"), "2026-11-24T15:00:00Z"))
        .collect();
    let p = plan(&clients, &appointments, &no_consent());
    assert!(p.recipients.is_empty());
    assert_eq!(
        excluded_codes(&p),
        vec![
            ("c1", "no_cell_phone"),
            ("c2", "invalid_number"),
            ("c3", "not_us_or_canada"),
            ("c4", "not_us_or_canada"),
            ("c5", "invalid_number"),
        ]
    );
    assert_eq!(
        p.excluded[1].reason,
        ExclusionReason::InvalidNumber {
            problem: "invalid_area_code".into()
        }
    );
    assert_eq!(p.excluded[1].phone, "123-456-7890", "kept as written");
}

#[test]
fn b4_preflight_reports_recipients_span_characters_and_counts() {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "Bo", "Chan", "416 253 0002"),
    ];
    let p = plan(
        &clients,
        &[
            appt("a1", "c1", "2026-11-24T19:00:00Z"),
            appt("a2", "c2", "2026-11-24T14:30:00Z"),
            appt("a3", "ghost", "2026-11-24T16:00:00Z"),
        ],
        &no_consent(),
    );
    assert_eq!(p.counts.recipients, 2);
    assert_eq!(p.counts.appointments, 3);
    assert_eq!(p.counts.appointments_without_client, 1);
    let span = p.span.unwrap();
    assert_eq!(
        (span.first, span.last),
        (at("2026-11-24T14:30:00Z"), at("2026-11-24T19:00:00Z"))
    );
    assert_eq!(p.segments.segments, 1);
    assert_eq!(p.segments.remaining, 160 - ALERT.chars().count());
    assert_eq!(p.from, n("6502530001"));
    let order: Vec<&str> = p.recipients.iter().map(|r| r.client.as_str()).collect();
    assert_eq!(order, vec!["c2", "c1"], "earliest appointment first");
    assert_eq!(p.token.len(), 64);
}

#[test]
fn b4_the_token_covers_what_is_sent_and_nothing_else() {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "Bo", "Chan", "416 253 0002"),
    ];
    let appts = [
        appt("a1", "c1", "2026-11-24T19:00:00Z"),
        appt("a2", "c2", "2026-11-24T14:30:00Z"),
    ];
    let base = plan(&clients, &appts, &no_consent());
    let again = plan(&clients, &appts, &no_consent());
    assert_eq!(base.token, again.token, "same inputs, same token");
    assert_eq!(confirmation_token(&base), base.token);

    let fewer = plan(&clients, &appts[..1], &no_consent());
    assert_ne!(fewer.token, base.token, "recipient list");
    let mut changed = base.clone();
    changed.message = "Closed tomorrow.".into();
    assert_ne!(confirmation_token(&changed), base.token, "message");
    let mut changed = base.clone();
    changed.pace = Pace::new(6).unwrap();
    assert_ne!(confirmation_token(&changed), base.token, "pace");
    let mut changed = base.clone();
    changed.from = n("6502530002");
    assert_ne!(confirmation_token(&changed), base.token, "sender number");
    let mut changed = base.clone();
    changed.range.end += TimeDelta::minutes(1);
    assert_ne!(confirmation_token(&changed), base.token, "range");
}

#[test]
fn b3_duplicate_client_records_count_once() {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c1", "Ann", "Lee", "416 253 0009"),
    ];
    let p = plan(
        &clients,
        &[appt("a1", "c1", "2026-11-24T19:00:00Z")],
        &no_consent(),
    );
    assert_eq!(p.recipients.len(), 1);
    assert_eq!(p.recipients[0].phone, n("4162530001"), "the first record");
}

#[test]
fn b8_client_debug_output_redacts_patient_data() {
    let c = client("c1", "Ann", "Lee", "416 253 0001");
    let p = plan(
        std::slice::from_ref(&c),
        &[appt("a1", "c1", "2026-11-24T19:00:00Z")],
        &no_consent(),
    );
    let debug = format!("{c:?} {p:?}");
    for secret in ["Ann", "Lee", "253 0001", "4162530001", "power is out"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
}

// ---- B5, X1, X5: projected finish ----

fn phones(count: u32, area: &str) -> Vec<E164> {
    (0..count)
        .map(|i| n(&format!("{area}253{:04}", i + 1000)))
        .collect()
}

#[test]
fn b5_ten_take_about_two_minutes_and_a_hundred_about_twenty() {
    let quiet = Default::default();
    let ny = chrono_tz::America::New_York;
    let ten = projected_finish(phones(10, "416"), now(), Pace::default(), &quiet, ny);
    assert_eq!(ten, Some(now() + TimeDelta::seconds(108)));
    let hundred = projected_finish(phones(100, "416"), now(), Pace::default(), &quiet, ny);
    assert_eq!(hundred, Some(now() + TimeDelta::seconds(99 * 12)));
    assert_eq!(
        projected_finish(Vec::new(), now(), Pace::default(), &quiet, ny),
        None
    );
}

#[test]
fn x1_x5_projection_waits_for_the_recipients_morning() {
    // 10:00 in Toronto, 07:00 in Los Angeles.
    let quiet = Default::default();
    let ny = chrono_tz::America::New_York;
    let mut list = phones(1, "650");
    list.extend(phones(2, "416"));
    let finish = projected_finish(list, now(), Pace::default(), &quiet, ny).unwrap();
    assert_eq!(finish, at("2026-11-23T17:00:00Z"), "09:00 in Los Angeles");
    // At 19:59 in Toronto the second of two texts falls into quiet hours.
    let late = at("2026-11-24T00:59:50Z");
    let finish = projected_finish(phones(2, "416"), late, Pace::default(), &quiet, ny).unwrap();
    assert_eq!(finish, at("2026-11-24T14:00:00Z"), "09:00 the next morning");
}

// ---- B7, X6: status and report ----

fn broadcast_of(p: &Preflight) -> (Broadcast, Vec<RecipientProgress>) {
    let b = Broadcast::from_plan("bc-1".into(), p, now());
    let rs = p
        .recipients
        .iter()
        .enumerate()
        .map(|(i, r)| RecipientProgress {
            index: i as u32,
            recipient: r.clone(),
            status: RecipientStatus::NEW,
        })
        .collect();
    (b, rs)
}

fn sample_plan() -> Preflight {
    let clients = [
        client("c1", "Ann", "Lee", "416 253 0001"),
        client("c2", "=HYPERLINK(\"x\")", "Chan", "416 253 0002"),
        client("c3", "Sam", "Lee", "416 253 0001"),
        client("c4", "Cy", "Diaz", "416 253 0004"),
        client("c5", "Di", "Eng", ""),
    ];
    let appts: Vec<Appointment> = (1..=5)
        .map(|i| {
            let start = at("2026-11-24T14:00:00Z") + TimeDelta::minutes(i64::from(i) * 10);
            Appointment {
                id: format!("a{i}").as_str().into(),
                client: format!("c{i}").as_str().into(),
                starts_at: start,
            }
        })
        .collect();
    let consent = HashMap::from([(
        n("4162530004"),
        ConsentState {
            opted_out: true,
            ..Default::default()
        },
    )]);
    plan(&clients, &appts, &consent)
}

#[test]
fn b7_status_is_all_sent_green_or_n_failed_red() {
    let p = sample_plan();
    let (b, mut rs) = broadcast_of(&p);
    assert_eq!(summarize(&b, &rs).status, BroadcastStatus::Sending);
    assert_eq!(summarize(&b, &rs).status.color(), None);
    for r in &mut rs {
        r.status = RecipientStatus::Sent {
            at: now(),
            provider_id: "SM1".into(),
        };
    }
    let s = summarize(&b, &rs);
    assert_eq!(s.status, BroadcastStatus::AllSent);
    assert_eq!(s.status.color(), Some(StatusColor::Green));
    assert_eq!(s.status.label(), "all sent");
    assert_eq!(s.excluded, 3);
    rs[0].status = RecipientStatus::Failed {
        at: now(),
        failure: SendFailure::Interrupted,
    };
    let s = summarize(&b, &rs);
    assert_eq!(s.status, BroadcastStatus::Failed { failed: 1 });
    assert_eq!(s.status.color(), Some(StatusColor::Red));
    assert_eq!(s.status.label(), "1 failed");
    assert_eq!(s.finished_at, Some(now()));
}

#[test]
fn b7_b8_x6_report_has_the_columns_every_client_and_a_next_action() {
    let p = sample_plan();
    let (b, mut rs) = broadcast_of(&p);
    rs[0].status = RecipientStatus::Sent {
        at: at("2026-11-23T15:00:12Z"),
        provider_id: "SM1".into(),
    };
    rs[1].status = RecipientStatus::Failed {
        at: at("2026-11-23T15:00:24Z"),
        failure: SendFailure::Rejected {
            provider_code: Some(30006),
            class: FailureClass::Permanent(PermanentReason::Landline),
            message: "Landline or unreachable carrier".into(),
        },
    };
    let csv = report_csv(&b, &rs);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "Client Full Name",
            "Client Phone Number",
            "SMS Status",
            "Error Details",
            "Message Text",
            "Timestamp",
            "Next Action"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 5, "every client appears: {csv}");
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
    let ann = row("Ann Lee");
    assert_eq!(
        (&ann[1][..], &ann[2][..], &ann[3][..]),
        ("+14162530001", "sent", "")
    );
    assert_eq!(ann[4], ALERT);
    assert_eq!(ann[5], "2026-11-23T15:00:12+00:00");
    let sam = row("Sam Lee");
    assert_eq!(sam[2], "sent", "covered by the text to the shared number");
    assert!(sam[3].contains("shares a cell phone number with client c1"));
    let chan = row("'=HYPERLINK(\"x\") Chan");
    assert_eq!((&chan[2][..], &chan[6][..]), ("failed", "call instead"));
    assert!(chan[3].contains("30006"), "{}", chan[3]);
    let cy = row("Cy Diaz");
    assert_eq!(
        (&cy[2][..], &cy[3][..], &cy[6][..]),
        (
            "not sent",
            "the client opted out of texts",
            "client opted out"
        )
    );
    let di = row("Di Eng");
    assert_eq!(
        (&di[1][..], &di[3][..], &di[6][..]),
        ("", "no cell phone number on file", "call instead")
    );
    assert_eq!(di[5], now().to_rfc3339(), "excluded at confirmation");
}

#[test]
fn x6_next_action_for_each_failure() {
    let rejected = |class| SendFailure::Rejected {
        provider_code: Some(1),
        class,
        message: String::new(),
    };
    let cases = [
        (
            rejected(FailureClass::Permanent(PermanentReason::Landline)),
            NextAction::CallInstead,
        ),
        (
            rejected(FailureClass::Permanent(PermanentReason::InvalidNumber)),
            NextAction::VerifyNumber,
        ),
        (
            rejected(FailureClass::Permanent(PermanentReason::UnknownSubscriber)),
            NextAction::VerifyNumber,
        ),
        (
            rejected(FailureClass::Permanent(PermanentReason::OptedOut)),
            NextAction::ClientOptedOut,
        ),
        (
            rejected(FailureClass::Transient(TransientReason::Unreachable)),
            NextAction::RetryLater,
        ),
        (
            SendFailure::Unavailable {
                attempts: 3,
                message: String::new(),
            },
            NextAction::RetryLater,
        ),
        (SendFailure::Interrupted, NextAction::VerifyBeforeResending),
    ];
    for (failure, action) in cases {
        assert_eq!(NextAction::for_failure(&failure), action, "{failure:?}");
    }
    assert_eq!(
        SendFailure::Interrupted.message(),
        "interrupted, verify before resending"
    );
    assert_eq!(
        NextAction::for_exclusion(&ExclusionReason::AppointmentPassed),
        None
    );
}

#[test]
fn b7_progress_json_is_snake_case_and_round_trips() {
    let p = sample_plan();
    let (_, mut rs) = broadcast_of(&p);
    rs[0].status = RecipientStatus::Skipped {
        at: now(),
        reason: ExclusionReason::OptedOut,
    };
    let json = serde_json::to_value(&rs[0]).unwrap();
    assert_eq!(json["status"]["state"], "skipped");
    assert_eq!(json["status"]["reason"]["code"], "opted_out");
    assert_eq!(json["client"], "c1");
    let back: RecipientProgress = serde_json::from_value(json).unwrap();
    assert_eq!(back, rs[0]);
    let plan_json = serde_json::to_string(&p).unwrap();
    let again: Preflight = serde_json::from_str(&plan_json).unwrap();
    assert_eq!(confirmation_token(&again), p.token);
}

#[test]
fn b1_staff_role_in_the_directory_is_what_counts() {
    let mut dir = sample_directory();
    dir.users[0].role = Role::Staff;
    assert_eq!(
        refused(&request(tomorrow(), ALERT), &dir),
        vec!["not_admin"]
    );
}
