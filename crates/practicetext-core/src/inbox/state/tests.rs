//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use crate::conversation::Participants;
use crate::inbox::fixture::*;
use crate::inbox::lifecycle::{active_or_new, close, conversation_for_inbound};
use crate::memory::MemoryStore;

fn conv(s: &MemoryStore, outside: crate::phone::E164, id: &str) -> ConversationId {
    conversation_for_inbound(s, &org(), sms(outside), at(9, 0), ConversationId::from(id))
        .unwrap()
        .id
}

fn names(list: &[ListedConversation]) -> Vec<&str> {
    list.iter().map(|l| l.conversation.as_str()).collect()
}

#[test]
fn v5_a_delivered_message_is_unread_for_each_recipient_but_not_its_author() {
    let s = store();
    let c = conv(&s, stranger(), "c1");
    let m = reply(&s, &c, "m1", "alice", at(10, 0));
    deliver(&s, &org(), &m, &[user("alice"), user("bob"), user("carol")]).unwrap();
    assert_eq!(
        s.unread(&org(), &user("bob")).unwrap(),
        vec![(c.clone(), 1)]
    );
    assert_eq!(
        s.unread(&org(), &user("carol")).unwrap(),
        vec![(c.clone(), 1)]
    );
    assert!(s.unread(&org(), &user("alice")).unwrap().is_empty());
    // The author still sees the conversation in their list.
    let alice = conversation_list(&s, &org(), &user("alice")).unwrap();
    assert_eq!(names(&alice), ["c1"]);
    assert!(!alice[0].has_new);
    assert_eq!(alice[0].last_activity, Some(at(10, 0)));
}

#[test]
fn v5_reading_clears_unread_and_replying_counts_as_reading() {
    let s = store();
    let c = conv(&s, stranger(), "c1");
    let m1 = inbound(&s, &c, "m1", at(10, 0));
    let m2 = inbound(&s, &c, "m2", at(10, 1));
    deliver(&s, &org(), &m1, &[user("alice"), user("bob")]).unwrap();
    deliver(&s, &org(), &m2, &[user("alice"), user("bob")]).unwrap();
    // Delivering the same message twice counts it once.
    deliver(&s, &org(), &m2, &[user("alice")]).unwrap();
    assert_eq!(
        s.unread(&org(), &user("alice")).unwrap(),
        vec![(c.clone(), 2)]
    );
    read(&s, &org(), &user("alice"), &c).unwrap();
    assert!(s.unread(&org(), &user("alice")).unwrap().is_empty());
    assert_eq!(
        s.unread(&org(), &user("bob")).unwrap(),
        vec![(c.clone(), 2)]
    );
    // Bob replies: his unread marks go, Alice gets his reply unread.
    let r = reply(&s, &c, "m3", "bob", at(10, 5));
    deliver(&s, &org(), &r, &[user("alice"), user("bob")]).unwrap();
    assert!(s.unread(&org(), &user("bob")).unwrap().is_empty());
    assert_eq!(
        s.unread(&org(), &user("alice")).unwrap(),
        vec![(c.clone(), 1)]
    );
    let e = read(&s, &org(), &user("alice"), &ConversationId::from("nope")).unwrap_err();
    assert_eq!(e.code(), "conversation_not_found");
}

#[test]
fn v5_the_list_marks_new_messages_and_sorts_by_last_activity() {
    let s = store();
    let a = conv(&s, stranger(), "a");
    let b = conv(&s, rex_cell(), "b");
    let chat = active_or_new(
        &s,
        &org(),
        Participants::chat(user("alice"), user("bob")),
        None,
        at(9, 0),
        ConversationId::from("chat"),
    )
    .unwrap()
    .id;
    let ma = inbound(&s, &a, "ma", at(10, 0));
    let mb = inbound(&s, &b, "mb", at(11, 0));
    let mc = reply(&s, &chat, "mc", "alice", at(10, 30));
    deliver(&s, &org(), &ma, &[user("bob")]).unwrap();
    deliver(&s, &org(), &mb, &[user("bob")]).unwrap();
    deliver(&s, &org(), &mc, &[user("bob")]).unwrap();
    read(&s, &org(), &user("bob"), &b).unwrap();
    let list = conversation_list(&s, &org(), &user("bob")).unwrap();
    assert_eq!(names(&list), ["b", "chat", "a"]);
    let new: Vec<bool> = list.iter().map(|l| l.has_new).collect();
    assert_eq!(new, [false, true, true]);
    assert_eq!(list[0].client, Some("rex".into()));
    assert_eq!(list[1].kind, ThreadKind::Chat);
    assert_eq!(list[2].kind, ThreadKind::Sms);
    // New activity moves a conversation to the top.
    let ma2 = inbound(&s, &a, "ma2", at(12, 0));
    deliver(&s, &org(), &ma2, &[user("bob")]).unwrap();
    let list = conversation_list(&s, &org(), &user("bob")).unwrap();
    assert_eq!(names(&list), ["a", "b", "chat"]);
    assert_eq!(list[0].unread, 2);
    // Someone else's list is their own.
    assert!(
        conversation_list(&s, &org(), &user("carol"))
            .unwrap()
            .is_empty()
    );
    assert!(
        conversation_list(&s, &other_org(), &user("bob"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn v5_a_muted_conversation_counts_unread_but_notifies_nobody_live() {
    let s = store();
    let c = conv(&s, stranger(), "c1");
    login(&s, &org(), &user("bob"), at(8, 0)).unwrap();
    login(&s, &org(), &user("alice"), at(8, 0)).unwrap();
    set_muted(&s, &org(), &user("bob"), &c, true).unwrap();
    let m = inbound(&s, &c, "m1", at(10, 0));
    let live = deliver(&s, &org(), &m, &[user("alice"), user("bob")]).unwrap();
    let notified: Vec<&str> = live.iter().map(|n| n.user().as_str()).collect();
    assert_eq!(notified, ["alice"]);
    assert_eq!(
        s.unread(&org(), &user("bob")).unwrap(),
        vec![(c.clone(), 1)]
    );
    let list = conversation_list(&s, &org(), &user("bob")).unwrap();
    assert!(list[0].muted && list[0].has_new);
    // Unmuted, the next message notifies again.
    set_muted(&s, &org(), &user("bob"), &c, false).unwrap();
    let m2 = inbound(&s, &c, "m2", at(10, 1));
    let live = deliver(&s, &org(), &m2, &[user("bob")]).unwrap();
    assert_eq!(live.len(), 1);
    let e = set_muted(&s, &org(), &user("bob"), &"nope".into(), true).unwrap_err();
    assert_eq!(e.code(), "conversation_not_found");
}

#[test]
fn v6_online_users_are_notified_live_offline_users_get_a_summary_at_login() {
    let s = store();
    let a = conv(&s, stranger(), "a");
    let b = conv(&s, rex_cell(), "b");
    login(&s, &org(), &user("alice"), at(8, 0)).unwrap();
    // Bob has never logged in: offline.
    let m1 = inbound(&s, &a, "m1", at(10, 0));
    let live = deliver(&s, &org(), &m1, &[user("alice"), user("bob")]).unwrap();
    assert_eq!(live.len(), 1);
    assert!(matches!(
        &live[0],
        Notification::Live { user: u, conversation, sound: true, browser: true, highlight: true }
            if u.as_str() == "alice" && conversation == &a
    ));
    let m2 = inbound(&s, &b, "m2", at(10, 5));
    let m3 = inbound(&s, &b, "m3", at(10, 6));
    assert!(deliver(&s, &org(), &m2, &[user("bob")]).unwrap().is_empty());
    assert!(deliver(&s, &org(), &m3, &[user("bob")]).unwrap().is_empty());

    let summary = login(&s, &org(), &user("bob"), at(12, 0)).unwrap();
    let listed: Vec<(&str, u32)> = summary
        .conversations
        .iter()
        .map(|c| (c.conversation.as_str(), c.unread))
        .collect();
    assert_eq!(listed, [("b", 2), ("a", 1)]);
    assert_eq!(summary.total, 3);
    assert_eq!(summary.muted_unread, 0);
    let presence = s.presence(&org(), &user("bob")).unwrap();
    assert!(presence.online);
    assert_eq!(presence.last_login, Some(at(12, 0)));
    // Now online, Bob is notified live.
    let m4 = inbound(&s, &a, "m4", at(12, 1));
    assert_eq!(deliver(&s, &org(), &m4, &[user("bob")]).unwrap().len(), 1);
    // Logged out, he is not, and keeps his last login.
    logout(&s, &org(), &user("bob")).unwrap();
    let m5 = inbound(&s, &a, "m5", at(13, 0));
    assert!(deliver(&s, &org(), &m5, &[user("bob")]).unwrap().is_empty());
    let presence = s.presence(&org(), &user("bob")).unwrap();
    assert_eq!(
        presence,
        Presence {
            online: false,
            last_login: Some(at(12, 0))
        }
    );
}

#[test]
fn v6_the_login_summary_leaves_out_muted_read_and_closed_conversations() {
    let s = store();
    let a = conv(&s, stranger(), "a");
    let b = conv(&s, rex_cell(), "b");
    let c = conv(&s, crate::inbox::fixture::n("6502530099"), "c");
    for (conv, id) in [(&a, "m1"), (&b, "m2"), (&c, "m3"), (&c, "m4")] {
        let m = inbound(&s, conv, id, at(10, 0));
        deliver(&s, &org(), &m, &[user("bob")]).unwrap();
    }
    set_muted(&s, &org(), &user("bob"), &c, true).unwrap();
    close(&s, &org(), &a, &user("alice"), at(11, 0)).unwrap();
    let summary = login_summary(&s, &org(), &user("bob")).unwrap();
    let listed: Vec<&str> = summary
        .conversations
        .iter()
        .map(|c| c.conversation.as_str())
        .collect();
    assert_eq!(listed, ["b"]);
    assert_eq!(summary.total, 1);
    assert_eq!(summary.muted_unread, 2);
    // The summary alone changes nothing.
    assert!(!s.presence(&org(), &user("bob")).unwrap().online);
    read(&s, &org(), &user("bob"), &b).unwrap();
    assert_eq!(login_summary(&s, &org(), &user("bob")).unwrap().total, 0);
}

#[test]
fn v6_missed_summary_json_contract() {
    let summary = MissedSummary {
        conversations: vec![MissedConversation {
            conversation: "c1".into(),
            unread: 2,
        }],
        total: 2,
        muted_unread: 0,
    };
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["conversations"][0]["conversation"], "c1");
    assert_eq!(json["conversations"][0]["unread"], 2);
    assert_eq!(json["total"], 2);
}
