//! Conformance checks for [`ConversationStore`] (SPEC V1-V7): every promise
//! of the trait's documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`conversation_store_tests!`](crate::conversation_store_tests) (a test of
//! this crate fails otherwise).

use practicetext_core::conversation::{
    Author, Conversation, ConversationStatus, Direction, Message, Participants,
};
use practicetext_core::ids::{ClientId, ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::ports::{ConversationFilter, ConversationStore, StoreError};

use crate::fixtures::{closed, conversation, message, phone, shuffled_keys, sms, sorted_keys};

/// Generates one `#[test]` per [`ConversationStore`] check in a module
/// `conversation`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! conversation_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            conversation,
            $factory,
            [
                conversation_round_trips_with_each_kind_of_participants,
                missing_conversation_is_none,
                put_conversation_replaces_same_id,
                v1_active_conversation_finds_the_active_one,
                v1_second_active_conversation_is_a_conflict_and_changes_nothing,
                v3_closing_frees_the_participants_for_a_new_conversation,
                reopening_while_another_is_active_is_a_conflict,
                replacing_the_participants_moves_the_active_slot,
                different_participants_have_their_own_active_conversation,
                message_round_trips_every_field,
                put_message_twice_replaces_it_in_place,
                a_message_put_in_another_conversation_moves_there,
                message_of_a_missing_conversation_is_not_found,
                messages_are_oldest_first,
                last_message_is_the_newest_in_that_direction,
                conversations_are_sorted_by_start_then_id,
                conversation_filters_combine,
                v3_delete_conversation_removes_it_and_its_messages,
                deleting_a_missing_conversation_is_not_found,
                v3_delete_message_removes_only_that_message,
                deleting_a_message_of_another_conversation_is_not_found,
                conversations_of_one_organization_are_invisible_to_another,
                same_ids_in_two_organizations_are_separate_records,
                v1_concurrent_starts_leave_one_active_conversation,
                concurrent_messages_all_land,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn conv_id(id: &str) -> ConversationId {
    ConversationId::new(id)
}

fn ids(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

fn conv_ids(conversations: &[Conversation]) -> Vec<&str> {
    conversations.iter().map(|c| c.id.as_str()).collect()
}

fn chat() -> Participants {
    Participants::chat(Username::new("zoe"), Username::new("amir"))
}

fn unreplyable() -> Participants {
    Participants::SmsUnreplyable {
        our_number: phone(1),
        sender: "PHARMACY ✚ 72345".into(),
    }
}

fn is_conflict(result: Result<(), StoreError>) -> bool {
    matches!(result, Err(StoreError::Conflict { .. }))
}

/// A conversation comes back as stored, for SMS, unreplyable and chat
/// participants, with a client and closed.
pub fn conversation_round_trips_with_each_kind_of_participants<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let mut with_client = conversation("org-a", "c-sms", sms(1, 30), 0);
    with_client.client = Some(ClientId::new("client-Ø"));
    let all = [
        with_client,
        conversation("org-a", "c-unreplyable", unreplyable(), 1),
        conversation("org-a", "c-chat", chat(), 2),
        closed(conversation("org-a", "c-closed", sms(2, 31), 3)),
    ];
    for c in &all {
        store.put_conversation(c).unwrap();
    }
    for c in all {
        assert_eq!(store.conversation(&org, &c.id).unwrap(), Some(c));
    }
}

/// An unknown id reads as `None`.
pub fn missing_conversation_is_none<S: ConversationStore>(store: &S) {
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    assert_eq!(
        store
            .conversation(&org_id("org-a"), &conv_id("c-2"))
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .active_conversation(&org_id("org-a"), &sms(1, 31))
            .unwrap(),
        None
    );
}

/// Putting a conversation again replaces it (a client assigned, V4).
pub fn put_conversation_replaces_same_id<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let mut c = conversation("org-a", "c-1", sms(1, 30), 0);
    store.put_conversation(&c).unwrap();
    c.client = Some(ClientId::new("client-1"));
    store.put_conversation(&c).unwrap();
    assert_eq!(store.conversation(&org, &c.id).unwrap(), Some(c.clone()));
    assert_eq!(
        store.active_conversation(&org, &c.participants).unwrap(),
        Some(c.clone())
    );
    assert_eq!(
        store
            .conversations(&org, &ConversationFilter::default())
            .unwrap(),
        vec![c]
    );
}

/// `active_conversation` finds the active conversation of the participants,
/// not a closed one (V1).
pub fn v1_active_conversation_finds_the_active_one<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let old = closed(conversation("org-a", "c-old", sms(1, 30), 0));
    store.put_conversation(&old).unwrap();
    assert_eq!(store.active_conversation(&org, &sms(1, 30)).unwrap(), None);
    let new = conversation("org-a", "c-new", sms(1, 30), 10);
    store.put_conversation(&new).unwrap();
    assert_eq!(
        store.active_conversation(&org, &sms(1, 30)).unwrap(),
        Some(new)
    );
}

/// A second active conversation for the same participants is a conflict;
/// the first stays active and the second is not stored (V1).
pub fn v1_second_active_conversation_is_a_conflict_and_changes_nothing<S: ConversationStore>(
    store: &S,
) {
    let org = org_id("org-a");
    let first = conversation("org-a", "c-1", sms(1, 30), 0);
    store.put_conversation(&first).unwrap();
    let err = store
        .put_conversation(&conversation("org-a", "c-2", sms(1, 30), 5))
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err:?}");
    assert!(!err.to_string().contains("6502530030"), "{err}");
    assert_eq!(
        store.active_conversation(&org, &sms(1, 30)).unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.conversation(&org, &conv_id("c-2")).unwrap(), None);
    assert_eq!(
        store
            .conversations(&org, &ConversationFilter::default())
            .unwrap(),
        vec![first]
    );
}

/// Closing a conversation frees its participants: a new text starts a new
/// active conversation, the closed one stays closed (V1, V3).
pub fn v3_closing_frees_the_participants_for_a_new_conversation<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let first = conversation("org-a", "c-1", sms(1, 30), 0);
    store.put_conversation(&first).unwrap();
    store.put_conversation(&closed(first.clone())).unwrap();
    assert_eq!(store.active_conversation(&org, &sms(1, 30)).unwrap(), None);
    let second = conversation("org-a", "c-2", sms(1, 30), 5);
    store.put_conversation(&second).unwrap();
    assert_eq!(
        store.active_conversation(&org, &sms(1, 30)).unwrap(),
        Some(second)
    );
    assert_eq!(
        store.conversation(&org, &first.id).unwrap(),
        Some(closed(first))
    );
}

/// Making a closed conversation active again while another conversation of
/// the same participants is active is a conflict.
pub fn reopening_while_another_is_active_is_a_conflict<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let old = closed(conversation("org-a", "c-1", sms(1, 30), 0));
    let current = conversation("org-a", "c-2", sms(1, 30), 5);
    store.put_conversation(&old).unwrap();
    store.put_conversation(&current).unwrap();
    let mut reopened = old.clone();
    reopened.status = ConversationStatus::Active;
    assert!(is_conflict(store.put_conversation(&reopened)));
    assert_eq!(store.conversation(&org, &old.id).unwrap(), Some(old));
    assert_eq!(
        store.active_conversation(&org, &sms(1, 30)).unwrap(),
        Some(current)
    );
}

/// Replacing a conversation with other participants moves its active slot:
/// the old participants may start a new one, the new ones may not.
pub fn replacing_the_participants_moves_the_active_slot<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let mut c = conversation("org-a", "c-1", sms(1, 30), 0);
    store.put_conversation(&c).unwrap();
    c.participants = sms(1, 31);
    store.put_conversation(&c).unwrap();
    assert_eq!(store.active_conversation(&org, &sms(1, 30)).unwrap(), None);
    assert_eq!(
        store.active_conversation(&org, &sms(1, 31)).unwrap(),
        Some(c)
    );
    store
        .put_conversation(&conversation("org-a", "c-2", sms(1, 30), 1))
        .unwrap();
    assert!(is_conflict(store.put_conversation(&conversation(
        "org-a",
        "c-3",
        sms(1, 31),
        2
    ))));
}

/// Participants that differ in any part (our number, outside number, kind,
/// chat users) each have their own active conversation.
pub fn different_participants_have_their_own_active_conversation<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let all = [
        sms(1, 30),
        sms(2, 30),
        sms(1, 31),
        sms(30, 1),
        unreplyable(),
        chat(),
        Participants::chat(Username::new("zoe"), Username::new("Zoe")),
    ];
    for (i, p) in all.iter().enumerate() {
        let c = conversation("org-a", &format!("c-{i}"), p.clone(), i as i64);
        store.put_conversation(&c).unwrap();
    }
    for (i, p) in all.iter().enumerate() {
        let found = store.active_conversation(&org, p).unwrap().unwrap();
        assert_eq!(found.id.as_str(), format!("c-{i}"));
    }
}

/// Every field of a message comes back as stored, for each kind of author
/// and without a provider id.
pub fn message_round_trips_every_field<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    let inbound = message("org-a", "c-1", "m-1", Direction::Inbound, 1_001);
    let staff = message("org-a", "c-1", "m-2", Direction::Outbound, 2_002);
    let mut automated = message("org-a", "c-1", "m-3", Direction::Outbound, 3_003);
    automated.author = Author::Automated;
    automated.provider_id = None;
    automated.body = "".into();
    let all = vec![inbound, staff, automated];
    for m in &all {
        store.put_message(m).unwrap();
    }
    assert_eq!(store.messages(&org, &conv_id("c-1")).unwrap(), all);
}

/// Putting a message id twice replaces the message, keeping one copy in its
/// place among the others.
pub fn put_message_twice_replaces_it_in_place<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    for (i, id) in ["m-1", "m-2", "m-3"].into_iter().enumerate() {
        store
            .put_message(&message(
                "org-a",
                "c-1",
                id,
                Direction::Inbound,
                i as i64 * 1000,
            ))
            .unwrap();
    }
    let mut changed = message("org-a", "c-1", "m-2", Direction::Inbound, 1000);
    changed.provider_id = Some("SMnew".into());
    changed.body = "edited".into();
    store.put_message(&changed).unwrap();
    let got = store.messages(&org, &conv_id("c-1")).unwrap();
    assert_eq!(ids(&got), ["m-1", "m-2", "m-3"]);
    assert_eq!(got[1], changed);
}

/// Putting a message id again with another conversation of the
/// organization moves it there.
pub fn a_message_put_in_another_conversation_moves_there<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    for (id, line) in [("c-1", 30), ("c-2", 31)] {
        store
            .put_conversation(&conversation("org-a", id, sms(1, line), 0))
            .unwrap();
    }
    store
        .put_message(&message("org-a", "c-1", "m-1", Direction::Inbound, 0))
        .unwrap();
    let moved = message("org-a", "c-2", "m-1", Direction::Inbound, 0);
    store.put_message(&moved).unwrap();
    assert_eq!(store.messages(&org, &conv_id("c-1")).unwrap(), vec![]);
    assert_eq!(store.messages(&org, &conv_id("c-2")).unwrap(), vec![moved]);
}

/// A message of a conversation the organization does not have is
/// [`StoreError::NotFound`], and is not stored.
pub fn message_of_a_missing_conversation_is_not_found<S: ConversationStore>(store: &S) {
    store
        .put_conversation(&conversation("org-b", "c-1", sms(1, 30), 0))
        .unwrap();
    let orphan = message("org-a", "c-1", "m-1", Direction::Inbound, 0);
    let err = store.put_message(&orphan).unwrap_err();
    assert_eq!(err.code(), "not_found", "{err:?}");
    assert_eq!(
        store.messages(&org_id("org-a"), &conv_id("c-1")).unwrap(),
        vec![]
    );
    assert_eq!(
        store.messages(&org_id("org-b"), &conv_id("c-1")).unwrap(),
        vec![]
    );
}

/// Messages come back oldest first by time, whatever order they were put
/// in; messages of one instant in the order they were put.
pub fn messages_are_oldest_first<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    let puts = [
        ("m-b", 2_000),
        ("m-a", 1_000),
        ("m-tie-1", 3_000),
        ("m-d", 4_000),
        ("m-tie-2", 3_000),
        ("m-0", 999),
    ];
    for (id, ms) in puts {
        store
            .put_message(&message("org-a", "c-1", id, Direction::Inbound, ms))
            .unwrap();
    }
    let got = store.messages(&org, &conv_id("c-1")).unwrap();
    assert_eq!(
        ids(&got),
        ["m-0", "m-a", "m-b", "m-tie-1", "m-tie-2", "m-d"]
    );
}

/// `last_message` is the newest message in the asked direction (the last
/// put among equal times), `None` when there is none.
pub fn last_message_is_the_newest_in_that_direction<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let c = conv_id("c-1");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    assert_eq!(
        store.last_message(&org, &c, Direction::Inbound).unwrap(),
        None
    );
    let puts = [
        ("in-2", Direction::Inbound, 2_000),
        ("in-1", Direction::Inbound, 1_000),
        ("out-9", Direction::Outbound, 9_000),
        ("in-3a", Direction::Inbound, 3_000),
        ("in-3b", Direction::Inbound, 3_000),
    ];
    for (id, d, ms) in puts {
        store
            .put_message(&message("org-a", "c-1", id, d, ms))
            .unwrap();
    }
    let last_in = store
        .last_message(&org, &c, Direction::Inbound)
        .unwrap()
        .unwrap();
    assert_eq!(last_in.id.as_str(), "in-3b");
    let last_out = store
        .last_message(&org, &c, Direction::Outbound)
        .unwrap()
        .unwrap();
    assert_eq!(
        last_out,
        message("org-a", "c-1", "out-9", Direction::Outbound, 9_000)
    );
    assert_eq!(
        store
            .last_message(&org, &conv_id("c-2"), Direction::Inbound)
            .unwrap(),
        None
    );
}

/// `conversations` is sorted by `started_at`, then by id in byte order.
pub fn conversations_are_sorted_by_start_then_id<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    for (i, id) in shuffled_keys().into_iter().enumerate() {
        let c = conversation("org-a", id, sms(1, 30 + i as u16), 100);
        store.put_conversation(&c).unwrap();
    }
    store
        .put_conversation(&conversation("org-a", "zzz-first", sms(2, 30), 50))
        .unwrap();
    store
        .put_conversation(&closed(conversation("org-a", "AAA-last", sms(2, 31), 150)))
        .unwrap();
    let got = store
        .conversations(&org, &ConversationFilter::default())
        .unwrap();
    let mut want = vec!["zzz-first"];
    want.extend(sorted_keys());
    want.push("AAA-last");
    assert_eq!(conv_ids(&got), want);
}

/// Each condition of a filter holds, alone and together; an empty filter
/// returns every conversation.
pub fn conversation_filters_combine<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let client = |c: Conversation, id: &str| Conversation {
        client: Some(ClientId::new(id)),
        ..c
    };
    let all = [
        client(conversation("org-a", "a1", sms(1, 30), 1), "k-1"),
        closed(client(conversation("org-a", "a2", sms(2, 30), 2), "k-1")),
        conversation("org-a", "a3", sms(1, 31), 3),
        closed(client(conversation("org-a", "a4", sms(1, 31), 4), "k-2")),
        conversation("org-a", "a5", chat(), 5),
        client(conversation("org-a", "a6", unreplyable(), 6), "k-1"),
    ];
    for c in &all {
        store.put_conversation(c).unwrap();
    }
    let find = |status, client: Option<&str>, outside: Option<u16>| {
        let filter = ConversationFilter {
            status,
            client: client.map(ClientId::new),
            outside_number: outside.map(phone),
        };
        let found = store.conversations(&org, &filter).unwrap();
        conv_ids(&found).join(",")
    };
    let (active, closed_) = (
        Some(ConversationStatus::Active),
        Some(ConversationStatus::Closed),
    );
    assert_eq!(find(None, None, None), "a1,a2,a3,a4,a5,a6");
    assert_eq!(find(active, None, None), "a1,a3,a5,a6");
    assert_eq!(find(closed_, None, None), "a2,a4");
    assert_eq!(find(None, Some("k-1"), None), "a1,a2,a6");
    assert_eq!(find(None, None, Some(30)), "a1,a2");
    assert_eq!(
        find(None, None, Some(1)),
        "",
        "our number is not the outside number"
    );
    assert_eq!(find(active, Some("k-1"), None), "a1,a6");
    assert_eq!(find(closed_, Some("k-2"), Some(31)), "a4");
    assert_eq!(find(active, Some("k-2"), Some(31)), "");
    assert_eq!(find(None, Some("k-3"), None), "");
}

/// Deleting a conversation removes it and every one of its messages for
/// good; its participants are free and its message ids can be used again
/// (V3).
pub fn v3_delete_conversation_removes_it_and_its_messages<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let c = conv_id("c-1");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    store
        .put_conversation(&conversation("org-a", "c-keep", sms(1, 31), 0))
        .unwrap();
    for id in ["m-1", "m-2"] {
        store
            .put_message(&message("org-a", "c-1", id, Direction::Inbound, 0))
            .unwrap();
    }
    store
        .put_message(&message("org-a", "c-keep", "m-3", Direction::Inbound, 0))
        .unwrap();
    store.delete_conversation(&org, &c).unwrap();
    assert_eq!(store.conversation(&org, &c).unwrap(), None);
    assert_eq!(store.messages(&org, &c).unwrap(), vec![]);
    assert_eq!(
        store.last_message(&org, &c, Direction::Inbound).unwrap(),
        None
    );
    assert_eq!(store.active_conversation(&org, &sms(1, 30)).unwrap(), None);
    assert_eq!(
        ids(&store.messages(&org, &conv_id("c-keep")).unwrap()),
        ["m-3"]
    );
    let again = conversation("org-a", "c-2", sms(1, 30), 9);
    store.put_conversation(&again).unwrap();
    let reused = message("org-a", "c-2", "m-1", Direction::Inbound, 9_000);
    store.put_message(&reused).unwrap();
    assert_eq!(store.messages(&org, &again.id).unwrap(), vec![reused]);
}

/// Deleting a conversation the organization does not have is
/// [`StoreError::NotFound`].
pub fn deleting_a_missing_conversation_is_not_found<S: ConversationStore>(store: &S) {
    let err = store
        .delete_conversation(&org_id("org-a"), &conv_id("c-1"))
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
}

/// Deleting a message removes only it (V3).
pub fn v3_delete_message_removes_only_that_message<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    let c = conv_id("c-1");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    for (i, id) in ["m-1", "m-2", "m-3"].into_iter().enumerate() {
        let m = message("org-a", "c-1", id, Direction::Inbound, i as i64);
        store.put_message(&m).unwrap();
    }
    store
        .delete_message(&org, &c, &MessageId::new("m-3"))
        .unwrap();
    assert_eq!(ids(&store.messages(&org, &c).unwrap()), ["m-1", "m-2"]);
    let last = store
        .last_message(&org, &c, Direction::Inbound)
        .unwrap()
        .unwrap();
    assert_eq!(last.id.as_str(), "m-2");
    let err = store
        .delete_message(&org, &c, &MessageId::new("m-3"))
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "deleted for good");
}

/// Deleting a message through a conversation it is not in (or of a
/// conversation that does not exist) is [`StoreError::NotFound`] and
/// deletes nothing.
pub fn deleting_a_message_of_another_conversation_is_not_found<S: ConversationStore>(store: &S) {
    let org = org_id("org-a");
    for (id, line) in [("c-1", 30), ("c-2", 31)] {
        store
            .put_conversation(&conversation("org-a", id, sms(1, line), 0))
            .unwrap();
    }
    store
        .put_message(&message("org-a", "c-1", "m-1", Direction::Inbound, 0))
        .unwrap();
    let m = MessageId::new("m-1");
    for c in ["c-2", "c-9"] {
        let err = store.delete_message(&org, &conv_id(c), &m).unwrap_err();
        assert_eq!(err.code(), "not_found", "{c}");
    }
    assert_eq!(
        ids(&store.messages(&org, &conv_id("c-1")).unwrap()),
        ["m-1"]
    );
}

/// Nothing of organization A is visible or deletable through calls for B.
pub fn conversations_of_one_organization_are_invisible_to_another<S: ConversationStore>(store: &S) {
    let b = org_id("org-b");
    let c = conv_id("c-1");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    store
        .put_message(&message("org-a", "c-1", "m-1", Direction::Inbound, 0))
        .unwrap();
    assert_eq!(store.conversation(&b, &c).unwrap(), None);
    assert_eq!(store.active_conversation(&b, &sms(1, 30)).unwrap(), None);
    assert_eq!(store.messages(&b, &c).unwrap(), vec![]);
    assert_eq!(
        store.last_message(&b, &c, Direction::Inbound).unwrap(),
        None
    );
    assert_eq!(
        store
            .conversations(&b, &ConversationFilter::default())
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store.delete_conversation(&b, &c).unwrap_err().code(),
        "not_found"
    );
    let err = store
        .delete_message(&b, &c, &MessageId::new("m-1"))
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let a = org_id("org-a");
    assert_eq!(ids(&store.messages(&a, &c).unwrap()), ["m-1"]);
}

/// The same conversation id, message id and participants in two
/// organizations are separate records, each active in its own organization.
pub fn same_ids_in_two_organizations_are_separate_records<S: ConversationStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let c = conv_id("c-1");
    let ca = conversation("org-a", "c-1", sms(1, 30), 0);
    let cb = Conversation {
        client: Some(ClientId::new("k-b")),
        ..conversation("org-b", "c-1", sms(1, 30), 7)
    };
    store.put_conversation(&ca).unwrap();
    store.put_conversation(&cb).unwrap();
    let ma = message("org-a", "c-1", "m-1", Direction::Inbound, 0);
    let mb = message("org-b", "c-1", "m-1", Direction::Outbound, 5);
    store.put_message(&ma).unwrap();
    store.put_message(&mb).unwrap();
    assert_eq!(
        store.active_conversation(&a, &sms(1, 30)).unwrap(),
        Some(ca)
    );
    assert_eq!(
        store.active_conversation(&b, &sms(1, 30)).unwrap(),
        Some(cb)
    );
    assert_eq!(store.messages(&a, &c).unwrap(), vec![ma.clone()]);
    assert_eq!(store.messages(&b, &c).unwrap(), vec![mb]);
    store.delete_conversation(&b, &c).unwrap();
    assert_eq!(store.messages(&a, &c).unwrap(), vec![ma]);
}

/// Workers starting a conversation for one sender at once: exactly one
/// put succeeds, the others get a conflict, and one conversation is active
/// (V1).
pub fn v1_concurrent_starts_leave_one_active_conversation<S: ConversationStore>(store: &S) {
    const THREADS: usize = 4;
    let org = org_id("org-a");
    let results: Vec<Result<(), StoreError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                s.spawn(move || {
                    store.put_conversation(&conversation("org-a", &format!("c-{i}"), sms(1, 30), 0))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| is_conflict((*r).clone())).count();
    assert_eq!((ok, conflicts), (1, THREADS - 1), "{results:?}");
    let found = store
        .conversations(&org, &ConversationFilter::active())
        .unwrap();
    assert_eq!(found.len(), 1);
}

/// Messages put from several threads all land.
pub fn concurrent_messages_all_land<S: ConversationStore>(store: &S) {
    const THREADS: usize = 4;
    const EACH: i64 = 25;
    let org = org_id("org-a");
    store
        .put_conversation(&conversation("org-a", "c-1", sms(1, 30), 0))
        .unwrap();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..EACH {
                    let m = message(
                        "org-a",
                        "c-1",
                        &format!("m-{t}-{i:02}"),
                        Direction::Inbound,
                        i,
                    );
                    store.put_message(&m).unwrap();
                }
            });
        }
    });
    let got = store.messages(&org, &conv_id("c-1")).unwrap();
    assert_eq!(got.len(), THREADS * EACH as usize);
    assert!(got.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
}
