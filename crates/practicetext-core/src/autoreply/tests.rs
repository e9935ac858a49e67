//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use crate::directory::Directory;
use crate::routing::route_inbound;
use crate::testing::sample_directory;
use chrono::{DateTime, Utc};

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}
fn t(ms: i64) -> Timestamp {
    DateTime::<Utc>::from_timestamp_millis(1_790_000_000_000 + ms).unwrap()
}
const PATIENT: &str = "4162530000";
const ALICE: &str = "6502530001";

/// The sample directory with alice's responder switched on.
fn dir_with_responder() -> Directory {
    let mut dir = sample_directory();
    dir.users[0].auto_responder = Some(AutoResponder {
        enabled: true,
        text: "Alice is out today; the front desk will answer.".into(),
    });
    dir
}

struct Case {
    dir: Directory,
    to: E164,
    sender: SenderKind,
    body: MessageBody,
    keyword: bool,
    consent: ConsentState,
    previous: Option<MessageBody>,
    last: Option<Timestamp>,
    count: u32,
    after_hours: Option<bool>,
    responder: AfterHoursResponder,
    limits: AutoReplyLimits,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: dir_with_responder(),
            to: n(ALICE),
            sender: SenderKind::Outside,
            body: MessageBody::from("Is Rex ready for pickup?"),
            keyword: false,
            consent: ConsentState::default(),
            previous: None,
            last: None,
            count: 0,
            after_hours: None,
            responder: AfterHoursResponder {
                enabled: true,
                message: "We're closed; we'll reply when we open at 8am.".into(),
                alert_recipients: vec![EmailAddress::parse("vet@happypaws.example").unwrap()],
            },
            limits: AutoReplyLimits::default(),
        }
    }
    fn decide(&self, now: Timestamp) -> AutoReplyDecision {
        let delivery = route_inbound(&self.dir, self.to);
        let input = AutoReplyInput {
            directory: &self.dir,
            to: self.to,
            from: Some(n(PATIENT)),
            sender: self.sender,
            delivery: &delivery,
            body: &self.body,
            is_keyword: self.keyword,
            consent: &self.consent,
            previous_body: self.previous.as_ref(),
            last_auto_reply_at: self.last,
            auto_replies_last_day: self.count,
            after_hours: self.after_hours,
            after_hours_responder: Some(&self.responder),
            limits: &self.limits,
            now,
        };
        decide(&input)
    }
}

fn reasons(d: &AutoReplyDecision, kind: AutoReplyKind) -> Vec<SkipReason> {
    d.skipped
        .iter()
        .find(|s| s.kind == kind)
        .map(|s| s.reasons.clone())
        .unwrap_or_default()
}

#[test]
fn a1_a3_personal_reply_goes_out_from_the_users_outbound_number() {
    let mut case = Case::new();
    // Bob receives on +1 650-253-0003 but sends from ...0002 (A3).
    case.dir.users[1].auto_responder = case.dir.users[0].auto_responder.clone();
    case.to = n("6502530003");
    let d = case.decide(t(0));
    let reply = d.reply.expect("reply");
    assert_eq!(reply.kind, AutoReplyKind::Personal);
    assert_eq!(reply.from, n("6502530002"));
    assert_eq!(reply.to, n(PATIENT));
    assert!(d.skipped.is_empty());
}

#[test]
fn a1_lists_every_failed_criterion_not_just_the_first() {
    let mut case = Case::new();
    let alice = &mut case.dir.users[0];
    alice.sms_enabled = false;
    alice.outbound_number = None;
    alice.auto_responder = Some(AutoResponder {
        enabled: false,
        text: "   ".into(),
    });
    case.sender = SenderKind::Internal;
    case.last = Some(t(-1_000));
    let d = case.decide(t(0));
    assert!(d.reply.is_none());
    assert_eq!(
        reasons(&d, AutoReplyKind::Personal),
        vec![
            SkipReason::SentByInternalUser,
            SkipReason::AccountSmsDisabled,
            SkipReason::NoOutboundNumber,
            SkipReason::ResponderBlank,
            SkipReason::ResponderDisabled,
            SkipReason::RateLimited,
        ]
    );
}

#[test]
fn a1_text_to_a_group_gets_no_personal_reply() {
    let mut case = Case::new();
    case.to = n("6502530010");
    let d = case.decide(t(0));
    assert!(d.reply.is_none());
    assert_eq!(
        reasons(&d, AutoReplyKind::Personal),
        vec![SkipReason::SentToGroup]
    );
}

#[test]
fn a1_organization_sms_disabled_counts_as_account_disabled() {
    let mut case = Case::new();
    case.dir.organization.settings.sms_enabled = false;
    let d = case.decide(t(0));
    assert_eq!(
        reasons(&d, AutoReplyKind::Personal),
        vec![SkipReason::AccountSmsDisabled]
    );
}

#[test]
fn a2_window_edges_29_999_refused_30_000_allowed() {
    let mut case = Case::new();
    case.last = Some(t(0));
    let d = case.decide(t(29_999));
    assert_eq!(
        reasons(&d, AutoReplyKind::Personal),
        vec![SkipReason::RateLimited]
    );
    let d = case.decide(t(30_000));
    assert!(d.reply.is_some());
    let reply = d.reply.unwrap();
    assert_eq!(reply.window, TimeDelta::seconds(30));
    assert_eq!(reply.rate_key, rate_key(&"happy-paws".into(), n(PATIENT)));
}

#[test]
fn a2_window_length_is_configurable() {
    let mut case = Case::new();
    case.limits.window = TimeDelta::seconds(5);
    case.last = Some(t(0));
    assert!(case.decide(t(5_000)).reply.is_some());
}

#[test]
fn a4_after_hours_reply_wins_and_alerts_by_email() {
    let mut case = Case::new();
    case.after_hours = Some(true);
    let d = case.decide(t(0));
    let reply = d.reply.clone().expect("after-hours reply");
    assert_eq!(reply.kind, AutoReplyKind::AfterHours);
    // From the number texted (the practice line), to the patient.
    assert_eq!(reply.from, n(ALICE));
    assert_eq!(
        reply.body.as_str(),
        "We're closed; we'll reply when we open at 8am."
    );
    assert_eq!(d.alert.len(), 1);
    assert_eq!(
        reasons(&d, AutoReplyKind::Personal),
        vec![SkipReason::AfterHoursReplyWins]
    );
}

#[test]
fn a4_after_hours_reply_reaches_group_and_queue_numbers() {
    for number in ["6502530010", "6502530020"] {
        let mut case = Case::new();
        case.to = n(number);
        case.after_hours = Some(true);
        let reply = case.decide(t(0)).reply.expect("reply");
        assert_eq!(
            (reply.kind, reply.from),
            (AutoReplyKind::AfterHours, n(number))
        );
    }
}

#[test]
fn a4_open_practice_leaves_the_personal_responder_in_charge() {
    let mut case = Case::new();
    case.after_hours = Some(false);
    let d = case.decide(t(0));
    assert_eq!(d.reply.as_ref().unwrap().kind, AutoReplyKind::Personal);
    assert!(d.alert.is_empty());
    assert_eq!(
        reasons(&d, AutoReplyKind::AfterHours),
        vec![SkipReason::PracticeOpen]
    );
}

#[test]
fn a4_alert_goes_out_even_when_the_reply_is_rate_limited() {
    let mut case = Case::new();
    case.after_hours = Some(true);
    case.last = Some(t(0));
    let d = case.decide(t(10_000));
    assert!(d.reply.is_none());
    assert_eq!(d.alert.len(), 1);
    assert!(reasons(&d, AutoReplyKind::AfterHours).contains(&SkipReason::RateLimited));
    assert!(reasons(&d, AutoReplyKind::Personal).contains(&SkipReason::RateLimited));
}

#[test]
fn a5_keywords_opted_out_and_blocked_senders_get_no_auto_reply() {
    let mut case = Case::new();
    case.keyword = true;
    assert_eq!(
        reasons(&case.decide(t(0)), AutoReplyKind::Personal),
        vec![SkipReason::Keyword]
    );
    let mut case = Case::new();
    case.consent.opted_out = true;
    assert_eq!(
        reasons(&case.decide(t(0)), AutoReplyKind::Personal),
        vec![SkipReason::SenderOptedOut]
    );
    let mut case = Case::new();
    case.consent.blocked = true;
    case.after_hours = Some(true);
    let d = case.decide(t(0));
    assert!(d.reply.is_none());
    assert!(
        d.alert.is_empty(),
        "a blocked sender's text is quarantined, no alert"
    );
}

#[test]
fn x4_robots_get_no_auto_reply() {
    let mut case = Case::new();
    case.sender = SenderKind::ShortCode;
    assert_eq!(
        reasons(&case.decide(t(0)), AutoReplyKind::Personal),
        vec![SkipReason::ShortCodeSender]
    );

    let mut case = Case::new();
    case.body = MessageBody::from("AUTO-REPLY: I'm out of the office until Monday");
    assert_eq!(
        reasons(&case.decide(t(0)), AutoReplyKind::Personal),
        vec![SkipReason::AutomatedReplyMarker]
    );

    let mut case = Case::new();
    case.previous = Some(MessageBody::from("is  rex READY for pickup?"));
    assert_eq!(
        reasons(&case.decide(t(0)), AutoReplyKind::Personal),
        vec![SkipReason::RepeatedBody]
    );
}

#[test]
fn x4_cap_per_conversation_per_day() {
    let mut case = Case::new();
    case.count = 2;
    assert!(case.decide(t(0)).reply.is_some());
    case.count = 3;
    assert_eq!(
        reasons(&case.decide(t(0)), AutoReplyKind::Personal),
        vec![SkipReason::ConversationCapReached]
    );
}

#[test]
fn x4_markers_do_not_flag_ordinary_texts() {
    for ok in [
        "Can you reply to my question about Rex?",
        "I'll be away next week, can we move the appointment?",
        "Thanks! Out of curiosity, what time do you close?",
    ] {
        assert!(!has_auto_reply_marker(ok), "{ok}");
    }
    assert!(has_auto_reply_marker(
        "I\u{2019}m driving right now, I\u{2019}ll text you later"
    ));
}

#[test]
fn skip_reasons_serialize_as_stable_codes() {
    let json = serde_json::to_string(&SkipReason::SentByInternalUser).unwrap();
    assert_eq!(json, "\"sent_by_internal_user\"");
}

#[test]
fn x4_a_repeated_body_matches_whatever_its_case_and_spacing() {
    use super::normalized_eq;
    assert!(normalized_eq("Out of office", "out  of\toffice "));
    assert!(normalized_eq("OUT OF OFFICE", "Out of office"));
    assert!(!normalized_eq("Out of office", "Out of the office"));
    assert!(!normalized_eq("Out of office", "Out of"));
    assert!(
        !normalized_eq("   ", "   "),
        "an empty text is never a repeat"
    );
    assert!(normalized_eq("Café fermé", "CAFÉ  FERMÉ"));
    assert!(!normalized_eq("Café fermé", "Cafe ferme"));
    assert!(normalized_eq("ΟΔΟΣ", "οδος"));
}

/// A2, X4: the keys are stored by SQL stores, so their text never changes.
#[test]
fn a2_x4_rate_keys_keep_their_stored_form() {
    let org = OrganizationId::new("happy-paws");
    assert_eq!(
        rate_key(&org, n(PATIENT)).as_str(),
        "autoreply:happy-paws:+14162530000"
    );
    assert_eq!(
        conversation_key(&org, n(ALICE), n(PATIENT)).as_str(),
        "autoreply-conversation:happy-paws:+16502530001:+14162530000"
    );
    assert_eq!(
        rate_key(&org, n(PATIENT)).as_str(),
        format!("autoreply:{org}:{}", n(PATIENT))
    );
}

/// Every reason is reported once, in the order first given (A1).
#[test]
fn a1_reasons_are_deduplicated_in_order() {
    use SkipReason::*;
    assert_eq!(
        dedup(vec![
            RateLimited,
            Keyword,
            RateLimited,
            ResponderBlank,
            Keyword
        ]),
        vec![RateLimited, Keyword, ResponderBlank]
    );
}

/// The prefilter of X4 markers is sound: every marker holds four of its
/// letters.
#[test]
fn x4_every_marker_holds_marker_letters() {
    for marker in AUTO_REPLY_MARKERS {
        assert!(
            MARKER_LETTERS
                .iter()
                .any(|l| marker.as_bytes().windows(4).any(|w| w == *l)),
            "{marker}"
        );
    }
}

use proptest::prelude::*;

proptest::proptest! {
    /// X4: with its prefilter, the marker check answers as the markers
    /// alone do, on texts built from markers, their words and other text in
    /// any case, curly apostrophes included.
    #[test]
    fn x4_prefiltered_marker_check_agrees_with_the_markers(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(AUTO_REPLY_MARKERS).prop_map(str::to_owned),
                proptest::sample::select(&MARKER_LETTERS[..])
                    .prop_map(|l| String::from_utf8_lossy(l).into_owned()),
                "[a-zA-Z ,.!?'\u{2019}é🐶]{0,12}",
            ],
            0..6,
        ),
        upper in proptest::collection::vec(proptest::bool::ANY, 0..64),
        curly in proptest::bool::ANY,
    ) {
        let mut text: String = parts.concat();
        if curly {
            text = text.replace('\'', "\u{2019}");
        }
        let text: String = text
            .chars()
            .zip(upper.iter().chain(std::iter::repeat(&false)))
            .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
            .collect();
        prop_assert_eq!(has_auto_reply_marker(&text), markers_in(&text), "{:?}", text);
    }
}
