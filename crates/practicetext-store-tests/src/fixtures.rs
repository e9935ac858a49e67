//! Conformance test code (like `#[cfg(test)]` code, a failed check panics to report).
//! Sample records with every field filled in, for the checks and for the
//! stores' own tests (migration seeds compare against these).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::consent::{ConsentAction, ConsentChange, ConsentScope, ConsentSource};
use practicetext_core::conversation::{
    Author, Conversation, ConversationStatus, Direction, Message, Participants,
};
use practicetext_core::directory::{
    Attachments, Client, ClientKind, Extension, Group, Organization, OrganizationSettings,
    OwnedNumber, Role, Route, User,
};
use practicetext_core::ids::{
    ClientId, ConversationId, GroupId, MessageId, OrganizationId, QueueId, Username,
};
use practicetext_core::inbox::lifecycle::HistoryEntry;
use practicetext_core::phone::E164;
use practicetext_core::policy::TextingPolicy;
use practicetext_core::ports::Timestamp;
use practicetext_core::secure::{
    self, LinkBase, NewSecureConversation, NotifyMethod, Practice, Recipient, SecureConfig,
    SecureConversation, SecureEvent, SecureEventKind,
};
use practicetext_core::sensitive::{DateOfBirth, EmailAddress, MessageBody, PersonName};
use practicetext_core::testing::SeededRandom;

/// The number `+1 650 253 NNNN` (a valid, textable US number).
pub fn phone(line: u16) -> E164 {
    E164::parse(&format!("+1650253{:04}", line % 10_000)).expect("650-253 numbers are valid")
}

/// An extension from its digits.
pub fn extension(digits: &str) -> Extension {
    Extension::parse(digits).expect("fixture extensions are 2 to 10 digits")
}

/// An organization whose settings all differ from the defaults.
pub fn organization(id: &str) -> Organization {
    Organization {
        id: OrganizationId::new(id),
        name: "Clínica Veterinária Zoë & Søn 🐾".into(),
        settings: OrganizationSettings {
            sms_enabled: false,
            two_way_enabled: false,
            time_zone: chrono_tz::America::Chicago,
            attachments: Attachments {
                images: true,
                documents: true,
            },
            policy: TextingPolicy {
                own_domains: vec!["happypaws.example".into(), "bücher.example".into()],
                help_reply: Some("Zoë & Søn: call us. Reply STOP to opt out.".into()),
                ..Default::default()
            },
        },
    }
}

/// A user with every field set: two extensions, admin, an outbound number
/// and two assigned numbers.
pub fn user(org: &str, username: &str) -> User {
    User {
        username: Username::new(username),
        organization: OrganizationId::new(org),
        display_name: "Dr. Ŝtefan \"Steve\" O'Brien-Nguyễn".into(),
        extensions: vec![extension("1234"), extension("0099887766")],
        role: Role::Admin,
        sms_enabled: true,
        outbound_number: Some(phone(1)),
        assigned_numbers: vec![phone(1), phone(2)],
        auto_responder: Some(AutoResponder {
            enabled: true,
            text: "Out today — back tomorrow ✨".into(),
        }),
    }
}

/// A user with only its keys set: empty lists, no outbound number.
pub fn bare_user(org: &str, username: &str) -> User {
    User {
        username: Username::new(username),
        organization: OrganizationId::new(org),
        display_name: String::new(),
        extensions: Vec::new(),
        role: Role::Staff,
        sms_enabled: false,
        outbound_number: None,
        assigned_numbers: Vec::new(),
        auto_responder: None,
    }
}

/// A group with an extension and members in a deliberate (unsorted) order.
pub fn group(org: &str, id: &str) -> Group {
    Group {
        id: GroupId::new(id),
        organization: OrganizationId::new(org),
        name: "Front desk — 受付".into(),
        extension: Some(extension("500")),
        members: vec![
            Username::new("zoe"),
            Username::new("amir"),
            Username::new("Émile"),
        ],
    }
}

/// An owned number of `org` with SMS on and the given route.
pub fn owned_number(org: &str, number: E164, route: Option<Route>) -> OwnedNumber {
    OwnedNumber {
        number,
        organization: OrganizationId::new(org),
        sms_enabled: true,
        route,
    }
}

/// One route of each kind, and no route.
pub fn every_route() -> Vec<Option<Route>> {
    vec![
        Some(Route::User(Username::new("amir"))),
        Some(Route::Group(GroupId::new("front-desk"))),
        Some(Route::Queue(QueueId::new("refills"))),
        None,
    ]
}

/// A contact with every field set, names in several scripts (with a
/// combining accent that must not be normalised away).
pub fn client(org: &str, id: &str, cell_phone: Option<E164>) -> Client {
    Client {
        id: ClientId::new(id),
        organization: OrganizationId::new(org),
        kind: ClientKind::Contact,
        first_name: PersonName::new("Zoe\u{0301} 山田"),
        last_name: PersonName::new("Ñúñez-Øberg \\ \"quoted\"\ttab"),
        date_of_birth: Some(DateOfBirth::new(
            NaiveDate::from_ymd_opt(1947, 2, 28).expect("a real date"),
        )),
        cell_phone,
        email: Some(EmailAddress::parse("zoe.yamada+pets@clinic.example").expect("valid")),
    }
}

/// A patient with only its keys and a phone.
pub fn bare_client(org: &str, id: &str, cell_phone: Option<E164>) -> Client {
    Client {
        id: ClientId::new(id),
        organization: OrganizationId::new(org),
        kind: ClientKind::Patient,
        first_name: PersonName::default(),
        last_name: PersonName::default(),
        date_of_birth: None,
        cell_phone,
        email: None,
    }
}

/// Keys in deliberately shuffled order whose byte order (the order every
/// store promises, as Rust's `str` ordering) differs from dictionary order:
/// capitals before lower case, accented letters after `z`.
pub fn shuffled_keys() -> Vec<&'static str> {
    vec![
        "émile", "bob", "Zed", "alice", "Émile", "zoe", "10", "9", "Alice",
    ]
}

/// [`shuffled_keys`] sorted the way stores must sort them.
pub fn sorted_keys() -> Vec<&'static str> {
    let mut keys = shuffled_keys();
    keys.sort_unstable();
    keys
}

/// The checks' clock: 2026-11-23 15:00:00 UTC plus `millis` milliseconds
/// (stores promise millisecond precision or better).
pub fn at_ms(millis: i64) -> Timestamp {
    let start = DateTime::<Utc>::from_timestamp(1_795_446_000, 0).expect("a real instant");
    start + TimeDelta::milliseconds(millis)
}

/// [`at_ms`] in whole seconds.
pub fn at(secs: i64) -> Timestamp {
    at_ms(secs * 1000)
}

/// SMS between our number `+1 650 253 <our>` and the outside number
/// `+1 650 253 <outside>`.
pub fn sms(our: u16, outside: u16) -> Participants {
    Participants::Sms {
        our_number: phone(our),
        outside_number: phone(outside),
    }
}

/// An active conversation of `org` with no client, started at `at(started)`.
pub fn conversation(org: &str, id: &str, participants: Participants, started: i64) -> Conversation {
    Conversation {
        id: ConversationId::new(id),
        organization: OrganizationId::new(org),
        participants,
        status: ConversationStatus::Active,
        client: None,
        started_at: at(started),
    }
}

/// The same conversation, closed.
pub fn closed(mut conversation: Conversation) -> Conversation {
    conversation.status = ConversationStatus::Closed;
    conversation
}

/// A message of `conversation` at `at_ms(millis)`: inbound from the outside
/// party, or outbound by the user `amir`; a body in several scripts.
pub fn message(
    org: &str,
    conversation: &str,
    id: &str,
    direction: Direction,
    millis: i64,
) -> Message {
    let author = match direction {
        Direction::Inbound => Author::Outside,
        Direction::Outbound => Author::User(Username::new("amir")),
    };
    Message {
        id: MessageId::new(id),
        organization: OrganizationId::new(org),
        conversation: ConversationId::new(conversation),
        direction,
        author,
        body: MessageBody::new(format!("Is Rex ready? 🐕 Zoë — 山田 \"{id}\"")),
        at: at_ms(millis),
        provider_id: Some(format!("SM{id}")),
    }
}

/// A keyword change of `number` in `org` at `at(secs)`, received on our
/// number `+1 650 253 0001`, with the raw text kept.
pub fn consent_change(org: &str, number: E164, action: ConsentAction, secs: i64) -> ConsentChange {
    let keyword = match action {
        ConsentAction::OptIn => "START",
        _ => "STOP",
    };
    ConsentChange {
        at: at(secs),
        number,
        action,
        source: ConsentSource::Keyword {
            keyword: keyword.into(),
        },
        raw_text: Some(MessageBody::new(format!("{keyword} please — Zoë"))),
        via: Some(phone(1)),
        scope: ConsentScope::Organization {
            organization: OrganizationId::new(org),
        },
    }
}

/// What closing `conversation` at `at(closed_secs)` leaves in the history,
/// with two messages and the given client.
pub fn history_entry(
    conversation: Conversation,
    client: Option<&str>,
    closed_secs: i64,
) -> HistoryEntry {
    let org = conversation.organization.as_str().to_owned();
    let id = conversation.id.as_str().to_owned();
    let messages = vec![
        message(&org, &id, &format!("{id}-in"), Direction::Inbound, 1_000),
        message(&org, &id, &format!("{id}-out"), Direction::Outbound, 2_000),
    ];
    HistoryEntry {
        client: client.map(ClientId::new),
        conversation: Conversation {
            status: ConversationStatus::Closed,
            client: client.map(ClientId::new),
            ..conversation
        },
        closed_at: at(closed_secs),
        closed_by: Username::new("amir"),
        messages,
    }
}

/// A new secure conversation of `org` (version 0, one link, sent at
/// `at(0)`) and its `sent` event. `seed` varies the link's token.
pub fn secure_conversation(
    org: &str,
    id: &str,
    seed: u64,
) -> (SecureConversation, Vec<SecureEvent>) {
    let request = NewSecureConversation {
        organization: OrganizationId::new(org),
        id: ConversationId::new(id),
        client: Some(ClientId::new("c-1")),
        recipient: Recipient {
            kind: ClientKind::Patient,
            first_name: PersonName::new("Zoe\u{0301}"),
            last_name: PersonName::new("Ñúñez"),
            date_of_birth: Some(DateOfBirth::new(
                NaiveDate::from_ymd_opt(1980, 2, 3).expect("a real date"),
            )),
            cell_phone: Some(phone(30)),
            email: Some(EmailAddress::parse("zoe@clinic.example").expect("valid")),
        },
        notify: NotifyMethod::Both,
    };
    let started = secure::start(
        request,
        &practice(),
        at(0),
        &SeededRandom::new(seed),
        &SecureConfig::default(),
    )
    .expect("a complete recipient");
    (started.conversation, started.events)
}

/// The practice that sends the checks' secure messages.
pub fn practice() -> Practice {
    Practice {
        name: "Happy Paws".into(),
        link_base: LinkBase::parse("https://portal.happypaws.example/s/").expect("valid"),
    }
}

/// An event of a secure conversation at `at(secs)`.
pub fn secure_event(org: &str, id: &str, secs: i64, kind: SecureEventKind) -> SecureEvent {
    SecureEvent {
        organization: OrganizationId::new(org),
        conversation: ConversationId::new(id),
        at: at(secs),
        kind,
    }
}
