//! Conformance checks for [`InboxStore`] (SPEC V5, V6): every promise of
//! the trait's documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`inbox_store_tests!`](crate::inbox_store_tests) (a test of this crate
//! fails otherwise).

use practicetext_core::ids::{ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::inbox::state::{InboxEntry, Presence};
use practicetext_core::ports::{InboxStore, Recipient};

use crate::fixtures::{at, at_ms, shuffled_keys, sorted_keys};

/// Generates one `#[test]` per [`InboxStore`] check in a module `inbox`;
/// see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! inbox_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            inbox,
            $factory,
            [
                v5_mark_delivered_marks_the_message_unread_for_each_user,
                marking_a_message_twice_changes_nothing,
                last_activity_only_moves_forward,
                touch_moves_last_activity_without_marking_unread,
                v5_mark_read_clears_only_that_users_conversation,
                v3_forget_conversation_removes_every_users_marks_and_mutes,
                v3_forget_message_removes_it_from_every_users_unread,
                v5_mute_turns_notifications_off_and_on,
                v6_presence_round_trips_and_defaults_to_offline,
                v5_v6_mark_delivered_to_marks_and_reads_presence_and_mutes,
                entries_are_sorted_by_conversation,
                unread_lists_only_conversations_with_unread_messages,
                inbox_is_scoped_to_the_organization,
                concurrent_deliveries_all_count,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn user(name: &str) -> Username {
    Username::new(name)
}

fn conv(id: &str) -> ConversationId {
    ConversationId::new(id)
}

fn msg(id: &str) -> MessageId {
    MessageId::new(id)
}

fn entry(conversation: &str, unread: u32, last_secs: Option<i64>, muted: bool) -> InboxEntry {
    InboxEntry {
        conversation: conv(conversation),
        unread,
        last_activity: last_secs.map(at),
        muted,
    }
}

/// A delivered message is unread for each user it was delivered to, and
/// their last activity there is its time (V5).
pub fn v5_mark_delivered_marks_the_message_unread_for_each_user<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let users = [user("amir"), user("zoe")];
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-1"), at(10), &users)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-2"), at(20), &users[..1])
        .unwrap();
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![entry("c-1", 2, Some(20), false)]
    );
    assert_eq!(
        store.entries(&org, &user("zoe")).unwrap(),
        vec![entry("c-1", 1, Some(10), false)]
    );
    assert_eq!(store.entries(&org, &user("bob")).unwrap(), vec![]);
}

/// Marking the same message twice (a retried delivery) changes nothing.
pub fn marking_a_message_twice_changes_nothing<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let users = [user("amir")];
    for _ in 0..3 {
        store
            .mark_delivered(&org, &conv("c-1"), &msg("m-1"), at(10), &users)
            .unwrap();
    }
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![entry("c-1", 1, Some(10), false)]
    );
}

/// A message or touch older than the last activity never moves it back.
pub fn last_activity_only_moves_forward<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let users = [user("amir")];
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-2"), at_ms(20_500), &users)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-1"), at(10), &users)
        .unwrap();
    store
        .touch(&org, &user("amir"), &conv("c-1"), at(15))
        .unwrap();
    let got = store.entries(&org, &user("amir")).unwrap();
    assert_eq!(got[0].last_activity, Some(at_ms(20_500)));
    assert_eq!(got[0].unread, 2);
    store
        .touch(&org, &user("amir"), &conv("c-1"), at(30))
        .unwrap();
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap()[0].last_activity,
        Some(at(30))
    );
}

/// `touch` moves the author's last activity (creating the entry) without
/// marking anything unread.
pub fn touch_moves_last_activity_without_marking_unread<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    store
        .touch(&org, &user("amir"), &conv("c-1"), at(5))
        .unwrap();
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![entry("c-1", 0, Some(5), false)]
    );
    assert_eq!(store.unread(&org, &user("amir")).unwrap(), vec![]);
}

/// Reading clears the user's unread marks of that conversation only; the
/// entry and its last activity stay.
pub fn v5_mark_read_clears_only_that_users_conversation<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let users = [user("amir"), user("zoe")];
    for c in ["c-1", "c-2"] {
        store
            .mark_delivered(&org, &conv(c), &msg(&format!("{c}-m")), at(1), &users)
            .unwrap();
    }
    store.mark_read(&org, &user("amir"), &conv("c-1")).unwrap();
    store
        .mark_read(&org, &user("amir"), &conv("c-never"))
        .unwrap();
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![
            entry("c-1", 0, Some(1), false),
            entry("c-2", 1, Some(1), false)
        ]
    );
    assert_eq!(
        store.unread(&org, &user("zoe")).unwrap(),
        vec![(conv("c-1"), 1), (conv("c-2"), 1)]
    );
}

/// Forgetting a conversation (closed or deleted) removes every user's
/// marks there, mutes included, and nothing elsewhere.
pub fn v3_forget_conversation_removes_every_users_marks_and_mutes<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let users = [user("amir"), user("zoe")];
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-1"), at(1), &users)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-2"), &msg("m-2"), at(2), &users)
        .unwrap();
    store
        .set_muted(&org, &user("zoe"), &conv("c-1"), true)
        .unwrap();
    store.forget_conversation(&org, &conv("c-1")).unwrap();
    for u in &users {
        assert_eq!(
            store.entries(&org, u).unwrap(),
            vec![entry("c-2", 1, Some(2), false)]
        );
    }
    assert!(!store.is_muted(&org, &user("zoe"), &conv("c-1")).unwrap());
    store.forget_conversation(&org, &conv("c-never")).unwrap();
}

/// Forgetting a message (deleted, V3) removes it from every user's unread
/// marks of its conversation only.
pub fn v3_forget_message_removes_it_from_every_users_unread<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let users = [user("amir"), user("zoe")];
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-1"), at(1), &users)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-2"), at(2), &users)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-2"), &msg("m-1"), at(3), &users)
        .unwrap();
    store
        .forget_message(&org, &conv("c-1"), &msg("m-1"))
        .unwrap();
    for u in &users {
        assert_eq!(
            store.unread(&org, u).unwrap(),
            vec![(conv("c-1"), 1), (conv("c-2"), 1)],
            "{u:?}"
        );
    }
}

/// `mark_delivered_to` marks as `mark_delivered` does and reads each
/// user's presence and mute of the conversation, in the users' order
/// (V5, V6): the online, the muted and the never-seen users each as they
/// stand; another conversation's mute and another organization's presence
/// do not count.
pub fn v5_v6_mark_delivered_to_marks_and_reads_presence_and_mutes<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let online = Presence {
        online: true,
        last_login: Some(at(1)),
    };
    store.set_presence(&org, &user("zoe"), &online).unwrap();
    store
        .set_presence(&org_id("org-b"), &user("amir"), &online)
        .unwrap();
    store
        .set_muted(&org, &user("amir"), &conv("c-1"), true)
        .unwrap();
    store
        .set_muted(&org, &user("zoe"), &conv("c-2"), true)
        .unwrap();
    let users = [user("zoe"), user("amir"), user("new")];
    let reached = store
        .mark_delivered_to(&org, &conv("c-1"), &msg("m-1"), at(10), &users)
        .unwrap();
    let r = |online, muted| Recipient { online, muted };
    assert_eq!(
        reached,
        vec![r(true, false), r(false, true), r(false, false)]
    );
    for (u, muted) in [("zoe", false), ("amir", true), ("new", false)] {
        let entries = store.entries(&org, &user(u)).unwrap();
        assert_eq!(
            entries.iter().find(|e| e.conversation == conv("c-1")),
            Some(&entry("c-1", 1, Some(10), muted)),
            "{u}"
        );
    }
    let again = store
        .mark_delivered_to(&org, &conv("c-1"), &msg("m-1"), at(10), &users[1..])
        .unwrap();
    assert_eq!(again, vec![r(false, true), r(false, false)]);
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![entry("c-1", 1, Some(10), true)]
    );
    assert_eq!(
        store
            .mark_delivered_to(&org, &conv("c-1"), &msg("m-2"), at(11), &[])
            .unwrap(),
        vec![]
    );
}

/// A mute is per user and conversation; unmuting turns notifications back
/// on; never muted reads as not muted (V5).
pub fn v5_mute_turns_notifications_off_and_on<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    assert!(!store.is_muted(&org, &user("amir"), &conv("c-1")).unwrap());
    store
        .mark_delivered(&org, &conv("c-1"), &msg("m-1"), at(1), &[user("amir")])
        .unwrap();
    store
        .set_muted(&org, &user("amir"), &conv("c-1"), true)
        .unwrap();
    assert!(store.is_muted(&org, &user("amir"), &conv("c-1")).unwrap());
    assert!(!store.is_muted(&org, &user("zoe"), &conv("c-1")).unwrap());
    assert!(!store.is_muted(&org, &user("amir"), &conv("c-2")).unwrap());
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![entry("c-1", 1, Some(1), true)]
    );
    store
        .set_muted(&org, &user("amir"), &conv("c-1"), false)
        .unwrap();
    assert!(!store.is_muted(&org, &user("amir"), &conv("c-1")).unwrap());
    assert_eq!(
        store.entries(&org, &user("amir")).unwrap(),
        vec![entry("c-1", 1, Some(1), false)]
    );
}

/// Presence comes back as recorded; a user never recorded is offline and
/// never logged in (V6).
pub fn v6_presence_round_trips_and_defaults_to_offline<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    assert_eq!(
        store.presence(&org, &user("amir")).unwrap(),
        Presence::default()
    );
    let online = Presence {
        online: true,
        last_login: Some(at_ms(1_234)),
    };
    store.set_presence(&org, &user("amir"), &online).unwrap();
    assert_eq!(store.presence(&org, &user("amir")).unwrap(), online);
    let offline = Presence {
        online: false,
        ..online
    };
    store.set_presence(&org, &user("amir"), &offline).unwrap();
    assert_eq!(store.presence(&org, &user("amir")).unwrap(), offline);
    assert_eq!(
        store.presence(&org, &user("zoe")).unwrap(),
        Presence::default()
    );
}

/// `entries` is sorted by conversation id in byte order.
pub fn entries_are_sorted_by_conversation<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    for (i, c) in shuffled_keys().into_iter().enumerate() {
        store
            .mark_delivered(&org, &conv(c), &msg("m"), at(i as i64), &[user("amir")])
            .unwrap();
    }
    let got: Vec<String> = store
        .entries(&org, &user("amir"))
        .unwrap()
        .into_iter()
        .map(|e| e.conversation.to_string())
        .collect();
    assert_eq!(got, sorted_keys());
}

/// `unread` lists only conversations with unread messages, with their
/// counts, sorted by conversation.
pub fn unread_lists_only_conversations_with_unread_messages<S: InboxStore>(store: &S) {
    let org = org_id("org-a");
    let amir = [user("amir")];
    store
        .mark_delivered(&org, &conv("c-b"), &msg("m-1"), at(1), &amir)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-b"), &msg("m-2"), at(2), &amir)
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-a"), &msg("m-3"), at(3), &amir)
        .unwrap();
    store
        .touch(&org, &user("amir"), &conv("c-c"), at(4))
        .unwrap();
    store
        .mark_delivered(&org, &conv("c-d"), &msg("m-4"), at(5), &amir)
        .unwrap();
    store.mark_read(&org, &user("amir"), &conv("c-d")).unwrap();
    assert_eq!(
        store.unread(&org, &user("amir")).unwrap(),
        vec![(conv("c-a"), 1), (conv("c-b"), 2)]
    );
}

/// Marks, mutes and presence of organization A are invisible to B, and B's
/// forgetting leaves A's marks.
pub fn inbox_is_scoped_to_the_organization<S: InboxStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let amir = user("amir");
    store
        .mark_delivered(
            &a,
            &conv("c-1"),
            &msg("m-1"),
            at(1),
            std::slice::from_ref(&amir),
        )
        .unwrap();
    store.set_muted(&a, &amir, &conv("c-1"), true).unwrap();
    store
        .set_presence(
            &a,
            &amir,
            &Presence {
                online: true,
                last_login: Some(at(1)),
            },
        )
        .unwrap();
    assert_eq!(store.entries(&b, &amir).unwrap(), vec![]);
    assert!(!store.is_muted(&b, &amir, &conv("c-1")).unwrap());
    assert_eq!(store.presence(&b, &amir).unwrap(), Presence::default());
    store.forget_message(&b, &conv("c-1"), &msg("m-1")).unwrap();
    store.mark_read(&b, &amir, &conv("c-1")).unwrap();
    store.forget_conversation(&b, &conv("c-1")).unwrap();
    assert_eq!(
        store.entries(&a, &amir).unwrap(),
        vec![entry("c-1", 1, Some(1), true)]
    );
    // B's conversation of the same id is its own: marks, mutes, reads and
    // forgetting there leave A's as they are.
    for m in ["m-2", "m-3"] {
        store
            .mark_delivered(
                &b,
                &conv("c-1"),
                &msg(m),
                at(2),
                std::slice::from_ref(&amir),
            )
            .unwrap();
    }
    assert_eq!(
        store.entries(&b, &amir).unwrap(),
        vec![entry("c-1", 2, Some(2), false)]
    );
    assert!(store.is_muted(&a, &amir, &conv("c-1")).unwrap());
    assert!(!store.is_muted(&b, &amir, &conv("c-1")).unwrap());
    store.forget_message(&b, &conv("c-1"), &msg("m-1")).unwrap();
    store.mark_read(&b, &amir, &conv("c-1")).unwrap();
    assert_eq!(
        store.entries(&b, &amir).unwrap(),
        vec![entry("c-1", 0, Some(2), false)]
    );
    store.forget_conversation(&b, &conv("c-1")).unwrap();
    assert_eq!(store.entries(&b, &amir).unwrap(), vec![]);
    assert_eq!(
        store.entries(&a, &amir).unwrap(),
        vec![entry("c-1", 1, Some(1), true)]
    );
}

/// Deliveries from several threads to one user and conversation all count.
pub fn concurrent_deliveries_all_count<S: InboxStore>(store: &S) {
    const THREADS: usize = 4;
    const EACH: i64 = 25;
    let org = org_id("org-a");
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let org = org.clone();
            s.spawn(move || {
                for i in 0..EACH {
                    let m = msg(&format!("m-{t}-{i}"));
                    store
                        .mark_delivered(&org, &conv("c-1"), &m, at(i), &[user("amir")])
                        .unwrap();
                }
            });
        }
    });
    let got = store.entries(&org, &user("amir")).unwrap();
    assert_eq!(
        got,
        vec![entry(
            "c-1",
            (THREADS as i64 * EACH) as u32,
            Some(EACH - 1),
            false
        )]
    );
}
