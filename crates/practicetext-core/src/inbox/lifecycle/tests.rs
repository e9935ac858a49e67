//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use crate::inbox::fixture::*;
use crate::inbox::state;
use crate::memory::MemoryStore;
use crate::ports::ConversationFilter;

fn cid(s: &str) -> ConversationId {
    ConversationId::from(s)
}

fn inbound_conv(s: &MemoryStore, outside: E164, id: &str, now: Timestamp) -> Conversation {
    conversation_for_inbound(s, &org(), sms(outside), now, cid(id)).unwrap()
}

#[test]
fn v1_inbound_joins_the_active_conversation() {
    let s = store();
    let first = inbound_conv(&s, stranger(), "c1", at(10, 0));
    let second = inbound_conv(&s, stranger(), "c2", at(10, 5));
    assert_eq!(first.id, cid("c1"));
    assert_eq!(second.id, cid("c1"));
    assert_eq!(second.started_at, at(10, 0));
    assert_eq!(
        s.conversations(&org(), &ConversationFilter::default())
            .unwrap()
            .len(),
        1
    );
    // Another outside number gets its own conversation.
    let other = inbound_conv(&s, rex_cell(), "c3", at(10, 6));
    assert_eq!(other.id, cid("c3"));
}

#[test]
fn v1_inbound_from_a_clients_number_is_assigned_to_that_client() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    assert_eq!(c.client, Some(ClientId::from("rex")));
    let unknown = inbound_conv(&s, stranger(), "c2", at(10, 0));
    assert_eq!(unknown.client, None);
}

#[test]
fn v1_a_number_shared_by_two_clients_is_left_for_a_person_to_assign() {
    let s = store();
    s.put_client(&client("rex-sister", Some(rex_cell())))
        .unwrap();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    assert_eq!(c.client, None);
}

#[test]
fn v1_v3_close_then_inbound_starts_a_new_conversation() {
    let s = store();
    let c1 = inbound_conv(&s, stranger(), "c1", at(10, 0));
    inbound(&s, &c1.id, "m1", at(10, 0));
    close(&s, &org(), &c1.id, &user("alice"), at(11, 0)).unwrap();
    let c2 = inbound_conv(&s, stranger(), "c2", at(12, 0));
    assert_eq!(c2.id, cid("c2"));
    assert_eq!(c2.status, ConversationStatus::Active);
    assert_eq!(c2.started_at, at(12, 0));
    let old = s.conversation(&org(), &c1.id).unwrap().unwrap();
    assert_eq!(old.status, ConversationStatus::Closed);
    assert!(s.messages(&org(), &c2.id).unwrap().is_empty());
}

#[test]
fn v1_v3_close_then_reply_starts_a_new_conversation_with_the_same_client() {
    let s = store();
    let c1 = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    close(&s, &org(), &c1.id, &user("alice"), at(11, 0)).unwrap();
    let target = conversation_for_reply(&s, &org(), &c1.id, at(12, 0), cid("c2")).unwrap();
    assert_eq!(target.id, cid("c2"));
    assert_eq!(target.participants, c1.participants);
    assert_eq!(target.client, Some(ClientId::from("rex")));
    assert_eq!(target.status, ConversationStatus::Active);
    // A second reply to the closed one joins the new active conversation.
    let again = conversation_for_reply(&s, &org(), &c1.id, at(12, 5), cid("c3")).unwrap();
    assert_eq!(again.id, cid("c2"));
    // A reply to the active one stays in it.
    let same = conversation_for_reply(&s, &org(), &cid("c2"), at(12, 6), cid("c4")).unwrap();
    assert_eq!(same.id, cid("c2"));
}

/// A store whose first `active_conversation` answer is stale: another
/// worker starts the conversation between the look-up and the write.
struct Racy {
    inner: MemoryStore,
    stale: AtomicBool,
}

impl ConversationStore for Racy {
    fn active_conversation(
        &self,
        org: &OrganizationId,
        p: &Participants,
    ) -> Result<Option<Conversation>, StoreError> {
        if self.stale.swap(false, Ordering::SeqCst) {
            return Ok(None);
        }
        self.inner.active_conversation(org, p)
    }
    fn conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.inner.conversation(org, id)
    }
    fn put_conversation(&self, c: &Conversation) -> Result<(), StoreError> {
        self.inner.put_conversation(c)
    }
    fn put_message(&self, m: &Message) -> Result<(), StoreError> {
        self.inner.put_message(m)
    }
    fn messages(
        &self,
        org: &OrganizationId,
        c: &ConversationId,
    ) -> Result<Vec<Message>, StoreError> {
        self.inner.messages(org, c)
    }
    fn last_message(
        &self,
        org: &OrganizationId,
        c: &ConversationId,
        d: crate::conversation::Direction,
    ) -> Result<Option<Message>, StoreError> {
        self.inner.last_message(org, c, d)
    }
    fn conversations(
        &self,
        org: &OrganizationId,
        f: &ConversationFilter,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.inner.conversations(org, f)
    }
    fn delete_conversation(
        &self,
        org: &OrganizationId,
        id: &ConversationId,
    ) -> Result<(), StoreError> {
        self.inner.delete_conversation(org, id)
    }
    fn delete_message(
        &self,
        org: &OrganizationId,
        c: &ConversationId,
        m: &MessageId,
    ) -> Result<(), StoreError> {
        self.inner.delete_message(org, c, m)
    }
}

#[test]
fn v1_a_lost_race_joins_the_winners_conversation() {
    let racy = Racy {
        inner: store(),
        stale: AtomicBool::new(false),
    };
    active_or_new(
        &racy,
        &org(),
        sms(stranger()),
        None,
        at(10, 0),
        cid("winner"),
    )
    .unwrap();
    racy.stale.store(true, Ordering::SeqCst);
    let c = active_or_new(
        &racy,
        &org(),
        sms(stranger()),
        None,
        at(10, 0),
        cid("loser"),
    )
    .unwrap();
    assert_eq!(c.id, cid("winner"));
    assert!(
        racy.inner
            .conversation(&org(), &cid("loser"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn v2_staff_start_from_the_inbox_finds_the_client_by_number() {
    let s = store();
    let c = start(
        &s,
        &org(),
        ours(),
        rex_cell(),
        None,
        &user("alice"),
        at(9, 0),
        cid("c1"),
    )
    .unwrap();
    assert_eq!(c.id, cid("c1"));
    assert_eq!(c.client, Some(ClientId::from("rex")));
    assert_eq!(c.participants.kind(), ThreadKind::Sms);
    let fresh = start(
        &s,
        &org(),
        ours(),
        stranger(),
        None,
        &user("alice"),
        at(9, 0),
        cid("c2"),
    )
    .unwrap();
    assert_eq!(fresh.client, None);
}

#[test]
fn v2_staff_start_from_a_client_profile_assigns_the_client() {
    let s = store();
    let tom = Some(ClientId::from("tom"));
    let c = start(
        &s,
        &org(),
        ours(),
        stranger(),
        tom.clone(),
        &user("bob"),
        at(9, 0),
        cid("c1"),
    )
    .unwrap();
    assert_eq!(c.client, tom);
    assert_eq!(
        s.conversation(&org(), &cid("c1")).unwrap().unwrap().client,
        tom
    );
}

#[test]
fn v2_starting_an_active_conversation_returns_it_and_assigns_an_unassigned_one() {
    let s = store();
    let first = inbound_conv(&s, stranger(), "c1", at(8, 0));
    assert_eq!(first.client, None);
    let tom = Some(ClientId::from("tom"));
    let again = start(
        &s,
        &org(),
        ours(),
        stranger(),
        tom.clone(),
        &user("bob"),
        at(9, 0),
        cid("c2"),
    )
    .unwrap();
    assert_eq!(again.id, cid("c1"));
    assert_eq!(again.client, tom);
    assert_eq!(again.started_at, at(8, 0));
    // An assigned conversation keeps its client.
    let rex = Some(ClientId::from("rex"));
    let third = start(
        &s,
        &org(),
        ours(),
        stranger(),
        rex,
        &user("bob"),
        at(9, 1),
        cid("c3"),
    )
    .unwrap();
    assert_eq!(third.client, tom);
}

#[test]
fn v2_starting_from_an_unknown_or_foreign_client_is_refused() {
    let s = store();
    let other = MemoryStore::new();
    let mut foreign = client("rex", None);
    foreign.organization = other_org();
    other.put_client(&foreign).unwrap();
    let e = start(
        &s,
        &org(),
        ours(),
        stranger(),
        Some("nobody".into()),
        &user("bob"),
        at(9, 0),
        cid("c1"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "client_not_found");
    // A client id of another organization is unknown in this one.
    s.put_client(&foreign).unwrap();
    s.put_client(&client("tom", None)).unwrap();
    let e = start(
        &s,
        &other_org(),
        ours(),
        stranger(),
        Some("tom".into()),
        &user("bob"),
        at(9, 0),
        cid("c1"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "client_not_found");
    assert!(s.conversation(&org(), &cid("c1")).unwrap().is_none());
}

#[test]
fn v3_close_saves_the_conversation_to_the_clients_history() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    inbound(&s, &c.id, "m1", at(10, 0));
    reply(&s, &c.id, "m2", "alice", at(10, 1));
    let entry = close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    assert_eq!(entry.client, Some(ClientId::from("rex")));
    assert_eq!(entry.closed_by, user("alice"));
    assert_eq!(entry.closed_at, at(11, 0));
    assert_eq!(entry.conversation.status, ConversationStatus::Closed);
    let ids: Vec<_> = entry.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2"]);
    let history = s.client_history(&org(), &ClientId::from("rex")).unwrap();
    assert_eq!(history, vec![entry]);
    // It left the inbox.
    assert!(
        s.active_conversation(&org(), &sms(rex_cell()))
            .unwrap()
            .is_none()
    );
    let active = s
        .conversations(&org(), &ConversationFilter::active())
        .unwrap();
    assert!(active.is_empty());
}

#[test]
fn v3_close_without_client_saves_to_the_numbers_unassigned_history() {
    let s = store();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    inbound(&s, &c.id, "m1", at(10, 0));
    let entry = close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    assert_eq!(entry.client, None);
    assert_eq!(entry.outside_number(), Some(stranger()));
    assert_eq!(
        s.unassigned_history(&org(), stranger()).unwrap(),
        vec![entry]
    );
    assert!(s.unassigned_history(&org(), rex_cell()).unwrap().is_empty());
    assert!(
        s.unassigned_history(&other_org(), stranger())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn v3_closing_twice_is_refused_and_saves_nothing_more() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    let e = close(&s, &org(), &c.id, &user("bob"), at(12, 0)).unwrap_err();
    assert_eq!(e.code(), "conversation_closed");
    let history = s.client_history(&org(), &ClientId::from("rex")).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].closed_by, user("alice"));
}

#[test]
fn v3_close_clears_unread_so_it_leaves_every_users_inbox() {
    let s = store();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    let m = inbound(&s, &c.id, "m1", at(10, 0));
    state::deliver(&s, &org(), &m, &[user("alice"), user("bob")]).unwrap();
    close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    assert!(
        state::conversation_list(&s, &org(), &user("bob"))
            .unwrap()
            .is_empty()
    );
    assert!(s.unread(&org(), &user("bob")).unwrap().is_empty());
}

#[test]
fn v3_delete_is_permanent_and_saves_nothing() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    let m = inbound(&s, &c.id, "m1", at(10, 0));
    reply(&s, &c.id, "m2", "alice", at(10, 1));
    state::deliver(&s, &org(), &m, &[user("bob")]).unwrap();
    let deleted = delete(&s, &org(), &c.id).unwrap();
    assert_eq!(deleted.messages, 2);
    assert!(s.conversation(&org(), &c.id).unwrap().is_none());
    assert!(s.messages(&org(), &c.id).unwrap().is_empty());
    assert!(
        s.client_history(&org(), &ClientId::from("rex"))
            .unwrap()
            .is_empty()
    );
    assert!(s.unassigned_history(&org(), rex_cell()).unwrap().is_empty());
    assert!(s.history_entry(&org(), &c.id).unwrap().is_none());
    assert!(s.entries(&org(), &user("bob")).unwrap().is_empty());
    // It cannot be closed, deleted or replied to any more.
    assert_eq!(
        close(&s, &org(), &c.id, &user("alice"), at(11, 0))
            .unwrap_err()
            .code(),
        "conversation_not_found"
    );
    assert_eq!(
        delete(&s, &org(), &c.id).unwrap_err().code(),
        "conversation_not_found"
    );
    assert_eq!(
        conversation_for_reply(&s, &org(), &c.id, at(11, 0), cid("c2"))
            .unwrap_err()
            .code(),
        "conversation_not_found"
    );
    // The message ids are free again: nothing of the old thread is kept.
    let c2 = inbound_conv(&s, rex_cell(), "c2", at(12, 0));
    inbound(&s, &c2.id, "m1", at(12, 0));
    assert_eq!(s.messages(&org(), &c2.id).unwrap().len(), 1);
}

#[test]
fn v3_deleting_a_closed_conversation_removes_it_from_the_history_too() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    inbound(&s, &c.id, "m1", at(10, 0));
    close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    let keep = inbound_conv(&s, rex_cell(), "c2", at(12, 0));
    close(&s, &org(), &keep.id, &user("alice"), at(13, 0)).unwrap();
    delete(&s, &org(), &c.id).unwrap();
    let history = s.client_history(&org(), &ClientId::from("rex")).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].conversation.id, cid("c2"));
}

#[test]
fn v3_another_organization_cannot_close_or_delete() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    assert_eq!(
        delete(&s, &other_org(), &c.id).unwrap_err().code(),
        "conversation_not_found"
    );
    assert_eq!(
        close(&s, &other_org(), &c.id, &user("eve"), at(11, 0))
            .unwrap_err()
            .code(),
        "conversation_not_found"
    );
    assert!(s.conversation(&org(), &c.id).unwrap().is_some());
}

#[test]
fn v3_delete_a_single_message() {
    let s = store();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    let m1 = inbound(&s, &c.id, "m1", at(10, 0));
    let m2 = inbound(&s, &c.id, "m2", at(10, 1));
    state::deliver(&s, &org(), &m1, &[user("bob")]).unwrap();
    state::deliver(&s, &org(), &m2, &[user("bob")]).unwrap();
    delete_message(&s, &org(), &c.id, &m1.id).unwrap();
    let left: Vec<_> = s
        .messages(&org(), &c.id)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, vec![m2.id.clone()]);
    assert_eq!(
        s.unread(&org(), &user("bob")).unwrap(),
        vec![(c.id.clone(), 1)]
    );
    let e = delete_message(&s, &org(), &c.id, &m1.id).unwrap_err();
    assert_eq!(e.code(), "message_not_found");
    // In a closed conversation the history copy loses it too.
    close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    delete_message(&s, &org(), &c.id, &m2.id).unwrap();
    let entry = s.history_entry(&org(), &c.id).unwrap().unwrap();
    assert!(entry.messages.is_empty());
    assert!(s.messages(&org(), &c.id).unwrap().is_empty());
}

#[test]
fn v3_a_message_of_another_conversation_is_not_found() {
    let s = store();
    let a = inbound_conv(&s, rex_cell(), "a", at(10, 0));
    let b = inbound_conv(&s, stranger(), "b", at(10, 0));
    let m = inbound(&s, &a.id, "m1", at(10, 0));
    let e = delete_message(&s, &org(), &b.id, &m.id).unwrap_err();
    assert_eq!(e.code(), "message_not_found");
    assert_eq!(s.messages(&org(), &a.id).unwrap().len(), 1);
}

#[test]
fn v4_assign_to_a_new_client_gives_the_client_the_number() {
    let s = store();
    // An earlier conversation from the number was closed unassigned.
    let old = inbound_conv(&s, stranger(), "c0", at(8, 0));
    close(&s, &org(), &old.id, &user("alice"), at(8, 30)).unwrap();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    let new = client("luna", None);
    let a = assign(
        &s,
        &org(),
        &c.id,
        AssignTo::New { client: new },
        OtherCellPhone::Refuse,
    )
    .unwrap();
    assert_eq!(a.cell_phone, CellPhoneChange::Set);
    assert_eq!(a.client.cell_phone, Some(stranger()));
    assert_eq!(a.conversation.client, Some(ClientId::from("luna")));
    assert_eq!(a.history_moved, 1);
    let saved = s.client(&org(), &ClientId::from("luna")).unwrap().unwrap();
    assert_eq!(saved.cell_phone, Some(stranger()));
    assert_eq!(
        s.conversation(&org(), &c.id).unwrap().unwrap().client,
        Some(ClientId::from("luna"))
    );
    // The old conversation moved into the client's history.
    let history = s.client_history(&org(), &ClientId::from("luna")).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].conversation.id, cid("c0"));
    assert!(s.unassigned_history(&org(), stranger()).unwrap().is_empty());
    // The next conversation from the number is the client's from the start.
    close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    let next = inbound_conv(&s, stranger(), "c2", at(12, 0));
    assert_eq!(next.client, Some(ClientId::from("luna")));
}

#[test]
fn v4_assign_to_an_existing_client_without_a_cell_phone() {
    let s = store();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    let a = assign(
        &s,
        &org(),
        &c.id,
        AssignTo::Existing {
            client: "tom".into(),
        },
        OtherCellPhone::Refuse,
    )
    .unwrap();
    assert_eq!(a.cell_phone, CellPhoneChange::Set);
    let tom = s.client(&org(), &ClientId::from("tom")).unwrap().unwrap();
    assert_eq!(tom.cell_phone, Some(stranger()));
    assert_eq!(tom.first_name.as_str(), "Jo");
}

#[test]
fn v4_a_client_with_another_cell_phone_is_refused_unless_told_to_replace_or_keep() {
    let s = store();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    let rex = || AssignTo::Existing {
        client: "rex".into(),
    };
    let e = assign(&s, &org(), &c.id, rex(), OtherCellPhone::Refuse).unwrap_err();
    assert_eq!(e.code(), "client_has_other_cell_phone");
    assert_eq!(s.conversation(&org(), &c.id).unwrap().unwrap().client, None);
    assert_eq!(
        s.client(&org(), &"rex".into()).unwrap().unwrap().cell_phone,
        Some(rex_cell())
    );

    let kept = assign(&s, &org(), &c.id, rex(), OtherCellPhone::Keep).unwrap();
    assert_eq!(kept.cell_phone, CellPhoneChange::Kept);
    assert_eq!(kept.conversation.client, Some(ClientId::from("rex")));
    assert_eq!(
        s.client(&org(), &"rex".into()).unwrap().unwrap().cell_phone,
        Some(rex_cell())
    );

    let replaced = assign(&s, &org(), &c.id, rex(), OtherCellPhone::Replace).unwrap();
    assert_eq!(replaced.cell_phone, CellPhoneChange::Replaced);
    assert_eq!(
        s.client(&org(), &"rex".into()).unwrap().unwrap().cell_phone,
        Some(stranger())
    );
}

#[test]
fn v4_assigning_the_clients_own_number_changes_nothing_on_the_client() {
    let s = store();
    s.put_client(&client("rex-sister", Some(rex_cell())))
        .unwrap();
    let c = inbound_conv(&s, rex_cell(), "c1", at(10, 0));
    assert_eq!(c.client, None);
    let a = assign(
        &s,
        &org(),
        &c.id,
        AssignTo::Existing {
            client: "rex".into(),
        },
        OtherCellPhone::Refuse,
    )
    .unwrap();
    assert_eq!(a.cell_phone, CellPhoneChange::Unchanged);
    // The sister keeps the shared number too.
    assert_eq!(s.clients_by_phone(&org(), rex_cell()).unwrap().len(), 2);
}

#[test]
fn v4_assigning_a_closed_conversation_moves_its_history_entry() {
    let s = store();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    close(&s, &org(), &c.id, &user("alice"), at(11, 0)).unwrap();
    let a = assign(
        &s,
        &org(),
        &c.id,
        AssignTo::Existing {
            client: "rex".into(),
        },
        OtherCellPhone::Keep,
    )
    .unwrap();
    assert_eq!(a.history_moved, 1);
    let history = s.client_history(&org(), &ClientId::from("rex")).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].conversation.client, Some(ClientId::from("rex")));
    assert!(s.unassigned_history(&org(), stranger()).unwrap().is_empty());
}

#[test]
fn v4_refusals_have_codes() {
    let s = store();
    let c = inbound_conv(&s, stranger(), "c1", at(10, 0));
    let code = |to, other| assign(&s, &org(), &c.id, to, other).unwrap_err().code();
    assert_eq!(
        code(
            AssignTo::Existing {
                client: "nobody".into()
            },
            OtherCellPhone::Replace
        ),
        "client_not_found"
    );
    assert_eq!(
        code(
            AssignTo::New {
                client: client("tom", None)
            },
            OtherCellPhone::Replace
        ),
        "client_exists"
    );
    let mut foreign = client("new", None);
    foreign.organization = other_org();
    assert_eq!(
        code(AssignTo::New { client: foreign }, OtherCellPhone::Replace),
        "foreign_client"
    );
    let missing = assign(
        &s,
        &org(),
        &cid("nope"),
        AssignTo::Existing {
            client: "tom".into(),
        },
        OtherCellPhone::Refuse,
    );
    assert_eq!(missing.unwrap_err().code(), "conversation_not_found");

    let chat = active_or_new(
        &s,
        &org(),
        Participants::chat(user("bob"), user("alice")),
        None,
        at(10, 0),
        cid("chat"),
    )
    .unwrap();
    let e = assign(
        &s,
        &org(),
        &chat.id,
        AssignTo::Existing {
            client: "tom".into(),
        },
        OtherCellPhone::Refuse,
    )
    .unwrap_err();
    assert_eq!(e.code(), "conversation_not_assignable");
    let robot = Participants::SmsUnreplyable {
        our_number: ours(),
        sender: "ACME".into(),
    };
    let r = active_or_new(&s, &org(), robot, None, at(10, 0), cid("robot")).unwrap();
    let e = assign(
        &s,
        &org(),
        &r.id,
        AssignTo::Existing {
            client: "tom".into(),
        },
        OtherCellPhone::Refuse,
    )
    .unwrap_err();
    assert_eq!(e.code(), "conversation_not_assignable");
    assert!(e.to_string().contains("unreplyable_sender"));
    // Nothing was changed by any refusal.
    assert_eq!(
        s.client(&org(), &"tom".into()).unwrap().unwrap().cell_phone,
        None
    );
    assert!(s.client(&org(), &"new".into()).unwrap().is_none());
}

#[test]
fn v7_threads_are_tagged_chat_or_sms_and_keep_the_tag_in_history() {
    let s = store();
    let chat = active_or_new(
        &s,
        &org(),
        Participants::chat(user("bob"), user("alice")),
        None,
        at(10, 0),
        cid("chat"),
    )
    .unwrap();
    let text = inbound_conv(&s, stranger(), "sms", at(10, 0));
    assert_eq!(chat.participants.kind(), ThreadKind::Chat);
    assert_eq!(text.participants.kind(), ThreadKind::Sms);
    // (b, a) is the same chat as (a, b).
    let again = active_or_new(
        &s,
        &org(),
        Participants::chat(user("alice"), user("bob")),
        None,
        at(10, 1),
        cid("x"),
    )
    .unwrap();
    assert_eq!(again.id, chat.id);
    let entry = close(&s, &org(), &chat.id, &user("bob"), at(11, 0)).unwrap();
    assert_eq!(entry.kind(), ThreadKind::Chat);
    assert_eq!(entry.outside_number(), None);
    let sms_entry = close(&s, &org(), &text.id, &user("bob"), at(11, 0)).unwrap();
    assert_eq!(sms_entry.kind(), ThreadKind::Sms);
    let json = serde_json::to_value(&sms_entry).unwrap();
    assert_eq!(json["conversation"]["participants"]["kind"], "sms");
    assert_eq!(json["conversation"]["status"], "closed");
}

#[test]
fn v4_take_number_is_the_cell_phone_rule() {
    let c = client("x", None);
    let (c, change) = take_number(c, stranger(), OtherCellPhone::Refuse).unwrap();
    assert_eq!(
        (c.cell_phone, change),
        (Some(stranger()), CellPhoneChange::Set)
    );
    let (c, change) = take_number(c, stranger(), OtherCellPhone::Refuse).unwrap();
    assert_eq!(
        (c.cell_phone, change),
        (Some(stranger()), CellPhoneChange::Unchanged)
    );
    let e = take_number(c.clone(), rex_cell(), OtherCellPhone::Refuse).unwrap_err();
    assert_eq!(e.code(), "client_has_other_cell_phone");
    let (k, change) = take_number(c.clone(), rex_cell(), OtherCellPhone::Keep).unwrap();
    assert_eq!(
        (k.cell_phone, change),
        (Some(stranger()), CellPhoneChange::Kept)
    );
    let (r, change) = take_number(c, rex_cell(), OtherCellPhone::Replace).unwrap();
    assert_eq!(
        (r.cell_phone, change),
        (Some(rex_cell()), CellPhoneChange::Replaced)
    );
}

#[test]
fn v4_assign_to_json_contract() {
    let to: AssignTo = serde_json::from_str(r#"{"to":"existing","client":"rex"}"#).unwrap();
    assert_eq!(
        to,
        AssignTo::Existing {
            client: "rex".into()
        }
    );
    let other: OtherCellPhone = serde_json::from_str(r#""replace""#).unwrap();
    assert_eq!(other, OtherCellPhone::Replace);
    assert_eq!(OtherCellPhone::default(), OtherCellPhone::Refuse);
}
