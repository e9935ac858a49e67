//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use crate::directory::Attachments;
use crate::testing::sample_directory;
use crate::text::compliance::ComplianceChecker;

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

struct Fixture {
    dir: Directory,
    content: ComplianceChecker,
    limits: LengthLimits,
    opted_out: Vec<E164>,
    blocked: Vec<E164>,
    suppressed: Vec<E164>,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: sample_directory(),
            content: ComplianceChecker::default(),
            limits: LengthLimits::default(),
            opted_out: vec![],
            blocked: vec![],
            suppressed: vec![],
        }
    }
    fn check(&self, req: &SendRequest) -> Vec<SendCheck> {
        let consent = |x: E164| ConsentState {
            opted_out: self.opted_out.contains(&x),
            blocked: self.blocked.contains(&x),
            suppressed: self.suppressed.contains(&x),
            updated_at: None,
        };
        let ctx = SendContext {
            directory: &self.dir,
            content: &self.content,
            limits: &self.limits,
            consent: &consent,
        };
        check(req, &ctx)
    }
    fn one(&self, req: &SendRequest) -> SendCheck {
        let mut all = self.check(req);
        assert_eq!(all.len(), 1);
        all.remove(0)
    }
}

fn req(user: &str, to: &str, body: &str) -> SendRequest {
    SendRequest {
        organization: "happy-paws".into(),
        user: user.into(),
        to: vec![Recipient::Typed(to.into())],
        from: None,
        reply_on: None,
        body: MessageBody::from(body),
        attachments: vec![],
    }
}

fn codes(c: &SendCheck) -> Vec<&'static str> {
    c.refusals.iter().map(SendRefusal::code).collect()
}

#[test]
fn r2_sends_from_the_users_outbound_number() {
    let f = Fixture::new();
    let c = f.one(&req("bob", "416-253-0000", "Rex is ready for pickup."));
    assert!(c.allowed, "{:?}", c.refusals);
    assert_eq!(c.from, Some(n("6502530002")));
    assert_eq!(c.destination, Some(Destination::Sms(n("4162530000"))));
    assert!(c.segments.is_some());
}

#[test]
fn r2_user_may_pick_an_assigned_number_but_no_other() {
    let f = Fixture::new();
    let mut r = req("bob", "416-253-0000", "Hello");
    r.from = Some(n("6502530003"));
    assert!(f.one(&r).allowed);
    r.from = Some(n("6502530001"));
    let c = f.one(&r);
    assert!(!c.allowed);
    assert_eq!(codes(&c), vec!["number_not_assigned"]);
}

#[test]
fn r4_group_member_replies_from_the_number_the_text_came_in_on() {
    let f = Fixture::new();
    let mut r = req("bob", "416-253-0000", "We got your message.");
    r.reply_on = Some(n("6502530010"));
    let c = f.one(&r);
    assert!(c.allowed, "{:?}", c.refusals);
    assert_eq!(c.from, Some(n("6502530010")));
    // Not a member of a group behind the refills queue number: own number.
    r.reply_on = Some(n("6502530020"));
    assert_eq!(f.one(&r).from, Some(n("6502530002")));
}

#[test]
fn r6_every_missing_enablement_level_is_listed() {
    let mut f = Fixture::new();
    f.dir.organization.settings.sms_enabled = false;
    f.dir.users[1].sms_enabled = false;
    f.dir.numbers[1].sms_enabled = false; // bob's outbound number
    let c = f.one(&req("bob", "416-253-0000", "Hello"));
    assert_eq!(
        codes(&c),
        vec![
            "organization_sms_disabled",
            "user_sms_disabled",
            "number_sms_disabled"
        ]
    );
    let mut f = Fixture::new();
    f.dir.users[1].outbound_number = None;
    f.dir.users[1].assigned_numbers.clear();
    assert_eq!(
        codes(&f.one(&req("bob", "416-253-0000", "Hi"))),
        vec!["no_sms_number_assigned"]
    );
}

#[test]
fn r6_refusal_messages_say_what_to_do() {
    let mut f = Fixture::new();
    f.dir.users[1].sms_enabled = false;
    let c = f.one(&req("bob", "416-253-0000", "Hello"));
    assert!(c.refusals[0].to_string().contains("administrator"));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["refusals"][0]["code"], "user_sms_disabled");
}

#[test]
fn r5_each_recipient_gets_its_own_answer() {
    let mut f = Fixture::new();
    f.opted_out.push(n("2122530000"));
    let mut r = req("alice", "416-253-0000", "Clinic closes at noon today.");
    r.to.push(Recipient::Typed("212-253-0000".into()));
    r.to.push(Recipient::Typed("+44 20 7946 0958".into()));
    let all = f.check(&r);
    assert_eq!(all.len(), 3);
    assert!(all[0].allowed);
    assert_eq!(codes(&all[1]), vec!["recipient_opted_out"]);
    assert_eq!(codes(&all[2]), vec!["not_north_american"]);
}

#[test]
fn c4_c6_x2_opted_out_blocked_and_suppressed_numbers_are_refused_by_name() {
    let mut f = Fixture::new();
    let to = n("4162530000");
    f.opted_out.push(to);
    f.blocked.push(to);
    f.suppressed.push(to);
    let c = f.one(&req("alice", "416-253-0000", "Hi"));
    assert_eq!(
        codes(&c),
        vec![
            "recipient_opted_out",
            "recipient_blocked",
            "recipient_suppressed"
        ]
    );
}

#[test]
fn r7_attachments_only_where_enabled() {
    let mut f = Fixture::new();
    let mut r = req("alice", "416-253-0000", "Here is the invoice");
    r.attachments = vec![AttachmentKind::Image, AttachmentKind::Document];
    assert_eq!(
        codes(&f.one(&r)),
        vec!["attachments_not_enabled", "attachments_not_enabled"]
    );
    f.dir.organization.settings.attachments = Attachments {
        images: true,
        documents: false,
    };
    let c = f.one(&r);
    assert_eq!(codes(&c), vec!["attachments_not_enabled"]);
    assert!(c.refusals[0].to_string().contains("Document"));
    // Emoji are text (R7).
    assert!(
        f.one(&req("alice", "416-253-0000", "See you soon 🐶"))
            .allowed
    );
}

#[test]
fn p1_content_that_carriers_block_refuses_the_send() {
    let f = Fixture::new();
    let c = f.one(&req("alice", "416-253-0000", "Book here: bit.ly/abc123"));
    assert!(!c.allowed);
    assert_eq!(codes(&c), vec!["content_blocked"]);
}

#[test]
fn p7_too_long_is_refused_but_still_counted() {
    let f = Fixture::new();
    let c = f.one(&req("alice", "416-253-0000", &"a".repeat(1601)));
    assert!(!c.allowed);
    assert_eq!(codes(&c), vec!["text_too_long"]);
    assert!(c.segments.is_some());
}

#[test]
fn r1_chat_needs_no_sms_enablement() {
    let mut f = Fixture::new();
    f.dir.organization.settings.sms_enabled = false;
    let c = f.one(&req("alice", ":102:", "Can you cover my 3pm?"));
    assert!(c.allowed);
    assert_eq!(c.destination, Some(Destination::Chat("bob".into())));
    assert_eq!(c.from, None);
}

#[test]
fn unknown_sender_and_empty_text_are_refused() {
    let f = Fixture::new();
    assert_eq!(
        codes(&f.one(&req("ghost", "416-253-0000", "Hi"))),
        vec!["unknown_sender"]
    );
    assert_eq!(
        codes(&f.one(&req("alice", "416-253-0000", "   "))),
        vec!["empty_message"]
    );
}
