//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
//! Shared test fixtures for the inbox: one practice in a memory store, a few
//! numbers, clients and fixed instants.

use chrono::{TimeZone, Utc};

use crate::conversation::{Author, Direction, Message, Participants};
use crate::directory::{Client, ClientKind};
use crate::ids::{ClientId, ConversationId, MessageId, OrganizationId, Username};
use crate::memory::MemoryStore;
use crate::phone::E164;
use crate::ports::{ConversationStore, DirectoryStore, Timestamp};
use crate::sensitive::{MessageBody, PersonName};

pub fn org() -> OrganizationId {
    OrganizationId::from("happy-paws")
}
pub fn other_org() -> OrganizationId {
    OrganizationId::from("other-practice")
}
pub fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}
/// Our number.
pub fn ours() -> E164 {
    n("6502530001")
}
/// An outside number that belongs to no client.
pub fn stranger() -> E164 {
    n("4155552671")
}
/// Rex's owner's cell phone.
pub fn rex_cell() -> E164 {
    n("4155559876")
}
pub fn user(s: &str) -> Username {
    Username::from(s)
}
/// 2025-03-04 at `h:m` UTC.
pub fn at(h: u32, m: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 3, 4, h, m, 0).unwrap()
}
pub fn sms(outside: E164) -> Participants {
    Participants::Sms {
        our_number: ours(),
        outside_number: outside,
    }
}
pub fn client(id: &str, cell: Option<E164>) -> Client {
    Client {
        id: ClientId::from(id),
        organization: org(),
        kind: ClientKind::Patient,
        first_name: PersonName::new("Jo"),
        last_name: PersonName::new("Doe"),
        date_of_birth: None,
        cell_phone: cell,
        email: None,
    }
}
/// A store with client `rex` (cell [`rex_cell`]) and `tom` (no cell).
pub fn store() -> MemoryStore {
    let s = MemoryStore::new();
    s.put_client(&client("rex", Some(rex_cell()))).unwrap();
    s.put_client(&client("tom", None)).unwrap();
    s
}
pub fn message(
    conv: &ConversationId,
    id: &str,
    direction: Direction,
    author: Author,
    at: Timestamp,
) -> Message {
    Message {
        id: MessageId::from(id),
        organization: org(),
        conversation: conv.clone(),
        direction,
        author,
        body: MessageBody::new(format!("text {id}")),
        at,
        provider_id: None,
    }
}
/// Stores an inbound message from the outside party and returns it.
pub fn inbound(s: &MemoryStore, conv: &ConversationId, id: &str, at: Timestamp) -> Message {
    let m = message(conv, id, Direction::Inbound, Author::Outside, at);
    s.put_message(&m).unwrap();
    m
}
/// Stores an outbound message by `by` and returns it.
pub fn reply(s: &MemoryStore, conv: &ConversationId, id: &str, by: &str, at: Timestamp) -> Message {
    let m = message(conv, id, Direction::Outbound, Author::User(user(by)), at);
    s.put_message(&m).unwrap();
    m
}
