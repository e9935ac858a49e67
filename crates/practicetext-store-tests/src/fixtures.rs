//! Conformance test code (like `#[cfg(test)]` code, a failed check panics to report).
//! Sample records with every field filled in, for the checks and for the
//! stores' own tests (migration seeds compare against these).

use chrono::NaiveDate;
use practicetext_core::autoreply::AutoResponder;
use practicetext_core::directory::{
    Attachments, Client, ClientKind, Extension, Group, Organization, OrganizationSettings,
    OwnedNumber, Role, Route, User,
};
use practicetext_core::ids::{ClientId, GroupId, OrganizationId, QueueId, Username};
use practicetext_core::phone::E164;
use practicetext_core::policy::TextingPolicy;
use practicetext_core::sensitive::{DateOfBirth, EmailAddress, PersonName};

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
