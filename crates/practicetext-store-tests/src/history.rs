//! Conformance checks for [`HistoryStore`] (SPEC V3, V4): every promise of
//! the trait's documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`history_store_tests!`](crate::history_store_tests) (a test of this
//! crate fails otherwise).

use practicetext_core::conversation::{Participants, ThreadKind};
use practicetext_core::ids::{ClientId, ConversationId, OrganizationId, Username};
use practicetext_core::inbox::lifecycle::HistoryEntry;
use practicetext_core::ports::HistoryStore;

use crate::fixtures::{conversation, history_entry, phone, sms};

/// Generates one `#[test]` per [`HistoryStore`] check in a module
/// `history`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! history_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            history,
            $factory,
            [
                v3_history_entry_round_trips_every_field,
                missing_history_entry_is_none,
                put_history_replaces_the_entry_of_the_conversation,
                client_history_is_oldest_closed_first_then_by_conversation,
                client_history_has_only_that_clients_entries,
                v4_unassigned_history_finds_entries_without_client_by_number,
                v4_assigning_an_entry_moves_it_to_the_client_history,
                v3_delete_history_removes_the_entry,
                history_is_scoped_to_the_organization,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

fn client(id: &str) -> ClientId {
    ClientId::new(id)
}

fn entry(
    org: &str,
    id: &str,
    participants: Participants,
    client: Option<&str>,
    closed: i64,
) -> HistoryEntry {
    history_entry(conversation(org, id, participants, 0), client, closed)
}

fn conv_ids(entries: &[HistoryEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.conversation.id.as_str()).collect()
}

/// An entry comes back whole: the closed conversation with its participants
/// (so its chat or SMS tag, V7), who closed it when, and its messages.
pub fn v3_history_entry_round_trips_every_field<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    let sms_entry = entry("org-a", "c-1", sms(1, 30), Some("k-1"), 100);
    let chat = Participants::chat(Username::new("zoe"), Username::new("amir"));
    let chat_entry = entry("org-a", "c-2", chat, None, 200);
    store.put_history(&sms_entry).unwrap();
    store.put_history(&chat_entry).unwrap();
    let got = store
        .history_entry(&org, &sms_entry.conversation.id)
        .unwrap();
    assert_eq!(got, Some(sms_entry));
    let got = store
        .history_entry(&org, &chat_entry.conversation.id)
        .unwrap()
        .unwrap();
    assert_eq!(got.kind(), ThreadKind::Chat);
    assert_eq!(got, chat_entry);
}

/// A conversation that left no entry reads as `None`.
pub fn missing_history_entry_is_none<S: HistoryStore>(store: &S) {
    store
        .put_history(&entry("org-a", "c-1", sms(1, 30), None, 1))
        .unwrap();
    let found = store
        .history_entry(&org_id("org-a"), &ConversationId::new("c-2"))
        .unwrap();
    assert_eq!(found, None);
}

/// Putting an entry for the same conversation again replaces it: one entry
/// per conversation.
pub fn put_history_replaces_the_entry_of_the_conversation<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    let first = entry("org-a", "c-1", sms(1, 30), Some("k-1"), 100);
    store.put_history(&first).unwrap();
    let mut second = first.clone();
    second.messages.pop();
    second.closed_at = first.closed_at + chrono::TimeDelta::seconds(5);
    second.closed_by = Username::new("zoe");
    store.put_history(&second).unwrap();
    assert_eq!(
        store.history_entry(&org, &first.conversation.id).unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store.client_history(&org, &client("k-1")).unwrap(),
        vec![second]
    );
}

/// A client's history is oldest `closed_at` first, entries closed at the
/// same instant by conversation id.
pub fn client_history_is_oldest_closed_first_then_by_conversation<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    let puts = [
        ("c-b", 300),
        ("c-z", 100),
        ("c-a", 300),
        ("c-m", 200),
        ("C-a", 300),
    ];
    for (i, (id, closed)) in puts.into_iter().enumerate() {
        let e = entry("org-a", id, sms(1, 30 + i as u16), Some("k-1"), closed);
        store.put_history(&e).unwrap();
    }
    let got = store.client_history(&org, &client("k-1")).unwrap();
    assert_eq!(conv_ids(&got), ["c-z", "c-m", "C-a", "c-a", "c-b"]);
}

/// A client's history holds only entries of that client.
pub fn client_history_has_only_that_clients_entries<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    store
        .put_history(&entry("org-a", "c-1", sms(1, 30), Some("k-1"), 1))
        .unwrap();
    store
        .put_history(&entry("org-a", "c-2", sms(1, 30), Some("k-2"), 2))
        .unwrap();
    store
        .put_history(&entry("org-a", "c-3", sms(1, 30), None, 3))
        .unwrap();
    assert_eq!(
        conv_ids(&store.client_history(&org, &client("k-1")).unwrap()),
        ["c-1"]
    );
    assert_eq!(store.client_history(&org, &client("k-3")).unwrap(), vec![]);
}

/// Entries without a client are found by their outside number, oldest
/// `closed_at` first; entries with a client, chat entries, unreplyable
/// senders and other numbers are not (V4).
pub fn v4_unassigned_history_finds_entries_without_client_by_number<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    let unreplyable = Participants::SmsUnreplyable {
        our_number: phone(1),
        sender: phone(30).to_string(),
    };
    let chat = Participants::chat(Username::new("zoe"), Username::new("amir"));
    let entries = [
        entry("org-a", "late", sms(2, 30), None, 500),
        entry("org-a", "early", sms(1, 30), None, 100),
        entry("org-a", "assigned", sms(1, 30), Some("k-1"), 200),
        entry("org-a", "other-number", sms(1, 31), None, 300),
        entry("org-a", "our-number", sms(30, 1), None, 300),
        entry("org-a", "unreplyable", unreplyable, None, 300),
        entry("org-a", "chat", chat, None, 300),
    ];
    for e in &entries {
        store.put_history(e).unwrap();
    }
    let got = store.unassigned_history(&org, phone(30)).unwrap();
    assert_eq!(got, vec![entries[1].clone(), entries[0].clone()]);
    assert_eq!(store.unassigned_history(&org, phone(39)).unwrap(), vec![]);
}

/// Putting an unassigned entry again with a client (V4: the number was
/// assigned) moves it from the number's list to the client's history.
pub fn v4_assigning_an_entry_moves_it_to_the_client_history<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    let unassigned = entry("org-a", "c-1", sms(1, 30), None, 100);
    store.put_history(&unassigned).unwrap();
    let assigned = entry("org-a", "c-1", sms(1, 30), Some("k-1"), 100);
    store.put_history(&assigned).unwrap();
    assert_eq!(store.unassigned_history(&org, phone(30)).unwrap(), vec![]);
    assert_eq!(
        store.client_history(&org, &client("k-1")).unwrap(),
        vec![assigned]
    );
}

/// Deleting removes the entry from every view; deleting an entry that does
/// not exist is no error (V3).
pub fn v3_delete_history_removes_the_entry<S: HistoryStore>(store: &S) {
    let org = org_id("org-a");
    let kept = entry("org-a", "c-2", sms(1, 31), None, 2);
    store
        .put_history(&entry("org-a", "c-1", sms(1, 30), Some("k-1"), 1))
        .unwrap();
    store
        .put_history(&entry("org-a", "c-3", sms(1, 30), None, 3))
        .unwrap();
    store.put_history(&kept).unwrap();
    for id in ["c-1", "c-3"] {
        store
            .delete_history(&org, &ConversationId::new(id))
            .unwrap();
        assert_eq!(
            store.history_entry(&org, &ConversationId::new(id)).unwrap(),
            None
        );
    }
    assert_eq!(store.client_history(&org, &client("k-1")).unwrap(), vec![]);
    assert_eq!(store.unassigned_history(&org, phone(30)).unwrap(), vec![]);
    store
        .delete_history(&org, &ConversationId::new("c-1"))
        .unwrap();
    store
        .delete_history(&org, &ConversationId::new("never"))
        .unwrap();
    assert_eq!(
        store.unassigned_history(&org, phone(31)).unwrap(),
        vec![kept]
    );
}

/// Entries of organization A are invisible to B, and B's delete of the same
/// conversation id leaves A's entry.
pub fn history_is_scoped_to_the_organization<S: HistoryStore>(store: &S) {
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let ea = entry("org-a", "c-1", sms(1, 30), Some("k-1"), 1);
    let ea2 = entry("org-a", "c-2", sms(1, 30), None, 2);
    store.put_history(&ea).unwrap();
    store.put_history(&ea2).unwrap();
    let c = ConversationId::new("c-1");
    assert_eq!(store.history_entry(&b, &c).unwrap(), None);
    assert_eq!(store.client_history(&b, &client("k-1")).unwrap(), vec![]);
    assert_eq!(store.unassigned_history(&b, phone(30)).unwrap(), vec![]);
    let eb = entry("org-b", "c-1", sms(1, 30), None, 3);
    store.put_history(&eb).unwrap();
    store.delete_history(&b, &c).unwrap();
    assert_eq!(store.history_entry(&a, &c).unwrap(), Some(ea));
    assert_eq!(store.unassigned_history(&a, phone(30)).unwrap(), vec![ea2]);
}
