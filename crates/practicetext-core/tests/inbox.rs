//! Inbox scenarios across modules (V1-V9), driven the way an engine drives
//! them: an inbound text, staff replies, a close, a text after the close,
//! logins, and the in-memory store's promises for the inbox ports.

use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;

use practicetext_core::conversation::{
    Author, ConversationStatus, Direction, Message, Participants, ThreadKind,
};
use practicetext_core::directory::{Client, ClientKind};
use practicetext_core::ids::{ClientId, ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::inbox::lifecycle::{self, AssignTo, OtherCellPhone};
use practicetext_core::inbox::notify::Notification;
use practicetext_core::inbox::queues::{QueueInput, QueueRules};
use practicetext_core::inbox::{state, usage};
use practicetext_core::memory::MemoryStore;
use practicetext_core::phone::E164;
use practicetext_core::ports::{
    ConversationFilter, ConversationStore, DirectoryStore, HistoryStore, InboxStore, Store,
    Timestamp,
};
use practicetext_core::sensitive::{MessageBody, PersonName};

fn org() -> OrganizationId {
    "happy-paws".into()
}
fn ours() -> E164 {
    E164::parse("6502530010").unwrap()
}
fn outside() -> E164 {
    E164::parse("4155552671").unwrap()
}
fn u(s: &str) -> Username {
    Username::from(s)
}
/// 4 March 2025, local Los Angeles time.
fn la(h: u32, m: u32) -> Timestamp {
    Los_Angeles
        .with_ymd_and_hms(2025, 3, 4, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// What an engine does with one text, inbound or sent by staff.
struct Harness {
    store: MemoryStore,
    rules: QueueRules,
    next: std::cell::Cell<u32>,
}

impl Harness {
    fn new() -> Self {
        let rules = serde_json::from_str(
            r#"[{"name": "refills", "queue": "pharmacy", "when": {"keywords": ["refill"]}},
                {"name": "rest", "queue": "front-desk"}]"#,
        )
        .unwrap();
        Harness {
            store: MemoryStore::new(),
            rules,
            next: std::cell::Cell::new(0),
        }
    }

    fn id(&self, prefix: &str) -> String {
        self.next.set(self.next.get() + 1);
        format!("{prefix}{}", self.next.get())
    }

    fn message(
        &self,
        conv: &ConversationId,
        dir: Direction,
        author: Author,
        body: &str,
        at: Timestamp,
    ) -> Message {
        let m = Message {
            id: MessageId::new(self.id("m")),
            organization: org(),
            conversation: conv.clone(),
            direction: dir,
            author,
            body: MessageBody::new(body),
            at,
            provider_id: None,
        };
        self.store.put_message(&m).unwrap();
        m
    }

    /// Inbound text to the front-desk number (a group of alice and bob).
    fn inbound(&self, body: &str, at: Timestamp) -> (ConversationId, String, Vec<Notification>) {
        let participants = Participants::Sms {
            our_number: ours(),
            outside_number: outside(),
        };
        let conv = lifecycle::conversation_for_inbound(
            &self.store,
            &org(),
            participants,
            at,
            ConversationId::new(self.id("c")),
        )
        .unwrap();
        let m = self.message(&conv.id, Direction::Inbound, Author::Outside, body, at);
        let sorted = self
            .rules
            .sort(&QueueInput {
                our_number: ours(),
                body: m.body.clone(),
                known_client: conv.client.is_some(),
                open: true,
                direction: Direction::Inbound,
            })
            .unwrap();
        let live = state::deliver(&self.store, &org(), &m, &[u("alice"), u("bob")]).unwrap();
        usage::record_text(
            &self.store,
            &org(),
            Los_Angeles,
            None,
            at,
            Direction::Inbound,
            1,
        )
        .unwrap();
        (conv.id, sorted.queue.as_str().to_owned(), live)
    }

    /// Staff `by` replies to `conv` (closed or not).
    fn reply(&self, conv: &ConversationId, by: &str, body: &str, at: Timestamp) -> ConversationId {
        let new_id = ConversationId::new(self.id("c"));
        let target =
            lifecycle::conversation_for_reply(&self.store, &org(), conv, at, new_id).unwrap();
        let m = self.message(
            &target.id,
            Direction::Outbound,
            Author::User(u(by)),
            body,
            at,
        );
        state::deliver(&self.store, &org(), &m, &[u("alice"), u("bob")]).unwrap();
        usage::record_text(
            &self.store,
            &org(),
            Los_Angeles,
            Some(&u(by)),
            at,
            Direction::Outbound,
            2,
        )
        .unwrap();
        target.id
    }
}

#[test]
fn v1_v3_v5_v6_v8_v9_a_day_in_the_inbox() {
    let h = Harness::new();
    let s = &h.store;
    // Alice is logged in, Bob is not.
    state::login(s, &org(), &u("alice"), la(8, 0)).unwrap();

    let (c1, queue, live) = h.inbound("Can I get a refill?", la(9, 0));
    assert_eq!(queue, "pharmacy");
    let notified: Vec<&str> = live.iter().map(|n| n.user().as_str()).collect();
    assert_eq!(notified, ["alice"]);

    // Alice answers in the same conversation.
    assert_eq!(h.reply(&c1, "alice", "Sure, ready at 3pm", la(9, 5)), c1);
    let (same, queue, _) = h.inbound("thanks!", la(9, 6));
    assert_eq!((same.clone(), queue.as_str()), (c1.clone(), "front-desk"));

    // Bob missed three messages (two inbound, alice's reply).
    let missed = state::login(s, &org(), &u("bob"), la(10, 0)).unwrap();
    assert_eq!(missed.total, 3);
    assert_eq!(missed.conversations.len(), 1);

    // Close: out of the inbox, into the (unassigned) history.
    let entry = lifecycle::close(s, &org(), &c1, &u("bob"), la(10, 30)).unwrap();
    assert_eq!(entry.messages.len(), 3);
    assert!(
        state::conversation_list(s, &org(), &u("alice"))
            .unwrap()
            .is_empty()
    );

    // A text after the close starts a new conversation; so does a reply to
    // the closed one (it joins the new active one).
    let (c2, _, _) = h.inbound("one more thing", la(11, 0));
    assert_ne!(c2, c1);
    assert_eq!(h.reply(&c1, "bob", "go ahead", la(11, 1)), c2);
    let list = state::conversation_list(s, &org(), &u("alice")).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].conversation, c2);
    assert_eq!(list[0].unread, 2);
    assert_eq!(list[0].kind, ThreadKind::Sms);

    // Assign the new conversation and the number to a new client: the
    // closed conversation's history follows.
    let luna = Client {
        id: ClientId::from("luna"),
        organization: org(),
        kind: ClientKind::Patient,
        first_name: PersonName::new("Luna"),
        last_name: PersonName::new("Lovegood"),
        date_of_birth: None,
        cell_phone: None,
        email: None,
    };
    let a = lifecycle::assign(
        s,
        &org(),
        &c2,
        AssignTo::New { client: luna },
        OtherCellPhone::Refuse,
    )
    .unwrap();
    assert_eq!(a.history_moved, 1);
    assert_eq!(
        s.client_history(&org(), &"luna".into()).unwrap()[0]
            .conversation
            .id,
        c1
    );

    // Usage: 3 texts in, 2 replies out (2 segments each), on 4 March local.
    let d = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
    let r = usage::report(s, &org(), d, d).unwrap();
    assert_eq!(
        (r.total.texts_in, r.total.texts_out, r.total.segments_out),
        (3, 2, 4)
    );
    let alice = r.rows.iter().find(|x| x.user == Some(u("alice"))).unwrap();
    assert_eq!(alice.texts_out, 1);
}

#[test]
fn v3_deleted_conversation_leaves_nothing_behind_but_usage_counts() {
    let h = Harness::new();
    let s = &h.store;
    let (c, _, _) = h.inbound("hello", la(9, 0));
    h.reply(&c, "alice", "hi", la(9, 1));
    lifecycle::delete(s, &org(), &c).unwrap();
    assert!(s.conversation(&org(), &c).unwrap().is_none());
    assert!(s.messages(&org(), &c).unwrap().is_empty());
    assert!(s.history_entry(&org(), &c).unwrap().is_none());
    assert!(s.unassigned_history(&org(), outside()).unwrap().is_empty());
    assert!(
        state::conversation_list(s, &org(), &u("bob"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(state::login_summary(s, &org(), &u("bob")).unwrap().total, 0);
    let d = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
    assert_eq!(usage::report(s, &org(), d, d).unwrap().total.texts_in, 1);
}

#[test]
fn v3_v4_debug_output_carries_no_patient_data() {
    let h = Harness::new();
    let s = &h.store;
    let (c, _, _) = h.inbound("my dog ate chocolate", la(9, 0));
    let client = Client {
        id: ClientId::from("rex"),
        organization: org(),
        kind: ClientKind::Patient,
        first_name: PersonName::new("Rexford"),
        last_name: PersonName::new("Barkley"),
        date_of_birth: None,
        cell_phone: None,
        email: None,
    };
    let a = lifecycle::assign(
        s,
        &org(),
        &c,
        AssignTo::New { client },
        OtherCellPhone::Refuse,
    )
    .unwrap();
    let entry = lifecycle::close(s, &org(), &c, &u("bob"), la(10, 0)).unwrap();
    let text = format!("{a:?} {entry:?}");
    for secret in [
        "chocolate",
        "Rexford",
        "Barkley",
        "4155552671",
        "555-2671",
        "555 2671",
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

// The in-memory store's promises for the inbox ports (the conformance
// suite of the other stores should check the same).

fn conv(s: &MemoryStore, org: &OrganizationId, id: &str, status: ConversationStatus) {
    let outside = E164::parse(&format!("41555526{:02}", id.len() + 10)).unwrap();
    s.put_conversation(&practicetext_core::conversation::Conversation {
        id: id.into(),
        organization: org.clone(),
        participants: Participants::Sms {
            our_number: ours(),
            outside_number: outside,
        },
        status,
        client: None,
        started_at: la(9, id.len() as u32),
    })
    .unwrap();
}

#[test]
fn v3_memory_store_conversation_filters_and_deletes_are_scoped_by_organization() {
    let s = MemoryStore::new();
    let other: OrganizationId = "other".into();
    conv(&s, &org(), "a", ConversationStatus::Active);
    conv(&s, &org(), "bb", ConversationStatus::Closed);
    conv(&s, &other, "ccc", ConversationStatus::Active);
    let ids = |f: &ConversationFilter| -> Vec<String> {
        s.conversations(&org(), f)
            .unwrap()
            .into_iter()
            .map(|c| c.id.as_str().to_owned())
            .collect()
    };
    assert_eq!(ids(&ConversationFilter::default()), ["a", "bb"]);
    assert_eq!(ids(&ConversationFilter::active()), ["a"]);
    let closed = ConversationFilter {
        status: Some(ConversationStatus::Closed),
        ..Default::default()
    };
    assert_eq!(ids(&closed), ["bb"]);
    let by_number = ConversationFilter {
        outside_number: Some(E164::parse("4155552611").unwrap()),
        ..Default::default()
    };
    assert_eq!(ids(&by_number), ["a"]);
    assert_eq!(
        s.delete_conversation(&org(), &"ccc".into())
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(s.conversation(&other, &"ccc".into()).unwrap().is_some());
    assert_eq!(
        s.delete_message(&org(), &"a".into(), &"m1".into())
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn v5_memory_store_inbox_marks_are_per_organization_and_user() {
    let s = MemoryStore::new();
    let other: OrganizationId = "other".into();
    let c: ConversationId = "c1".into();
    s.mark_delivered(&org(), &c, &"m1".into(), la(9, 0), &[u("bob")])
        .unwrap();
    s.mark_delivered(&org(), &c, &"m1".into(), la(9, 0), &[u("bob")])
        .unwrap();
    s.mark_delivered(&org(), &c, &"m2".into(), la(8, 0), &[u("bob")])
        .unwrap();
    assert_eq!(s.unread(&org(), &u("bob")).unwrap(), vec![(c.clone(), 2)]);
    // Last activity never moves back.
    assert_eq!(
        s.entries(&org(), &u("bob")).unwrap()[0].last_activity,
        Some(la(9, 0))
    );
    assert!(s.unread(&other, &u("bob")).unwrap().is_empty());
    assert!(s.unread(&org(), &u("alice")).unwrap().is_empty());
    s.set_muted(&org(), &u("bob"), &c, true).unwrap();
    assert!(s.is_muted(&org(), &u("bob"), &c).unwrap());
    assert!(!s.is_muted(&other, &u("bob"), &c).unwrap());
    s.forget_message(&org(), &c, &"m1".into()).unwrap();
    assert_eq!(s.unread(&org(), &u("bob")).unwrap(), vec![(c.clone(), 1)]);
    s.forget_conversation(&org(), &c).unwrap();
    assert!(s.entries(&org(), &u("bob")).unwrap().is_empty());
    assert!(!s.is_muted(&org(), &u("bob"), &c).unwrap());
    assert_eq!(
        s.presence(&org(), &u("bob")).unwrap(),
        state::Presence::default()
    );
}

/// The engine's bound: one store type implements every port.
#[test]
fn v1_the_memory_store_is_a_store() {
    fn needs_store<S: Store>(_: &S) {}
    needs_store(&MemoryStore::new());
    let s = MemoryStore::new();
    assert!(s.clients_by_phone(&org(), outside()).unwrap().is_empty());
}
