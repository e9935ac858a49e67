//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
use super::*;
use crate::directory::{OwnedNumber, Route};
use crate::testing::sample_directory;

fn n(s: &str) -> E164 {
    E164::parse(s).unwrap()
}
fn u(s: &str) -> Username {
    Username::from(s)
}
fn typed(s: &str) -> Recipient {
    Recipient::Typed(s.into())
}

#[test]
fn r1_extension_alias_becomes_the_username() {
    let dir = sample_directory();
    let d = resolve_recipient(&dir, &u("alice"), &typed(":102:")).unwrap();
    assert_eq!(d, Destination::Chat(u("bob")));
    let d = resolve_recipient(&dir, &u("alice"), &typed(":bob:")).unwrap();
    assert_eq!(d, Destination::Chat(u("bob")));
    let d = resolve_recipient(&dir, &u("alice"), &typed("bob")).unwrap();
    assert_eq!(d, Destination::Chat(u("bob")));
}

#[test]
fn r1_users_are_never_texted_over_sms() {
    let dir = sample_directory();
    let d = resolve_recipient(&dir, &u("bob"), &typed(":101:")).unwrap();
    assert!(matches!(d, Destination::Chat(_)), "{d:?}");
}

#[test]
fn r1_unknown_and_malformed_aliases_are_refused() {
    let dir = sample_directory();
    let e = resolve_recipient(&dir, &u("alice"), &typed(":999:")).unwrap_err();
    assert_eq!(e.code(), "unknown_user");
    for bad in ["::", ":12 34:", ":<script>:"] {
        let e = resolve_recipient(&dir, &u("alice"), &typed(bad)).unwrap_err();
        assert_eq!(e.code(), "malformed_alias", "{bad}");
    }
    let e = resolve_recipient(&dir, &u("alice"), &typed(":101:")).unwrap_err();
    assert_eq!(e.code(), "self_chat");
}

#[test]
fn r1_chat_never_crosses_organizations() {
    let dir = sample_directory();
    let r = Recipient::User {
        organization: "other-clinic".into(),
        username: u("bob"),
    };
    let e = resolve_recipient(&dir, &u("alice"), &r).unwrap_err();
    assert_eq!(e.code(), "cross_organization_chat");
    let r = Recipient::User {
        organization: "happy-paws".into(),
        username: u("bob"),
    };
    assert_eq!(
        resolve_recipient(&dir, &u("alice"), &r).unwrap(),
        Destination::Chat(u("bob"))
    );
}

#[test]
fn r1_typed_numbers_become_sms_and_bad_ones_keep_the_phone_code() {
    let dir = sample_directory();
    let d = resolve_recipient(&dir, &u("alice"), &typed("(416) 253-0000")).unwrap();
    assert_eq!(d, Destination::Sms(n("4162530000")));
    let e = resolve_recipient(&dir, &u("alice"), &typed("+44 20 7946 0958")).unwrap_err();
    assert_eq!(e.code(), "not_north_american");
}

#[test]
fn r5_several_recipients_are_individual_messages_without_duplicates() {
    let dir = sample_directory();
    let out = resolve_recipients(
        &dir,
        &u("alice"),
        &[
            typed("416-253-0000"),
            typed("(416) 253-0000"),
            typed("212 253 0000"),
            typed("nope"),
        ],
    );
    assert_eq!(out.len(), 3);
    assert_eq!(out[0], Ok(Destination::Sms(n("4162530000"))));
    assert_eq!(out[1], Ok(Destination::Sms(n("2122530000"))));
    assert!(out[2].is_err());
}

#[test]
fn r3_inbound_follows_the_route_of_the_number() {
    let dir = sample_directory();
    assert_eq!(
        route_inbound(&dir, n("6502530001")),
        Delivery::User {
            username: u("alice")
        }
    );
    // Many numbers may route to one user.
    assert_eq!(
        route_inbound(&dir, n("6502530003")),
        Delivery::User { username: u("bob") }
    );
    assert_eq!(
        route_inbound(&dir, n("6502530020")),
        Delivery::Queue {
            queue: "refills".into()
        }
    );
    assert_eq!(
        route_inbound(&dir, n("6502530030")),
        Delivery::Unrouted {
            reason: UnroutedReason::NoRoute
        }
    );
    assert_eq!(
        route_inbound(&dir, n("2122530000")),
        Delivery::Unrouted {
            reason: UnroutedReason::NoRoute
        }
    );
}

#[test]
fn r4_group_route_reaches_every_member() {
    let dir = sample_directory();
    assert_eq!(
        route_inbound(&dir, n("6502530010")),
        Delivery::Group {
            group: "front-desk".into(),
            members: vec![u("alice"), u("bob")]
        }
    );
}

#[test]
fn r3_route_to_missing_user_or_group_is_unrouted() {
    let mut dir = sample_directory();
    dir.numbers.push(OwnedNumber {
        number: n("6502530040"),
        organization: "happy-paws".into(),
        sms_enabled: true,
        route: Some(Route::User(u("ghost"))),
    });
    dir.numbers.push(OwnedNumber {
        number: n("6502530050"),
        organization: "happy-paws".into(),
        sms_enabled: true,
        route: Some(Route::Group("nobody".into())),
    });
    assert_eq!(
        route_inbound(&dir, n("6502530040")),
        Delivery::Unrouted {
            reason: UnroutedReason::MissingUser
        }
    );
    assert_eq!(
        route_inbound(&dir, n("6502530050")),
        Delivery::Unrouted {
            reason: UnroutedReason::MissingGroup
        }
    );
}

#[test]
fn r3_lint_of_the_sample_directory_finds_only_the_unrouted_number() {
    let dir = sample_directory();
    assert_eq!(
        lint(&dir),
        vec![LintFinding::NumberRoutedNowhere {
            number: n("6502530030"),
            reason: UnroutedReason::NoRoute
        }]
    );
}

#[test]
fn r3_lint_warns_when_outbound_number_does_not_route_back() {
    let mut dir = sample_directory();
    // Bob now sends from the front-desk queue number, which routes to refills.
    dir.users[1].outbound_number = Some(n("6502530020"));
    dir.users[1].assigned_numbers.push(n("6502530020"));
    let findings = lint(&dir);
    assert!(findings.iter().any(|f| matches!(f,
        LintFinding::OutboundNotRoutedBack { username, routes_to: Delivery::Queue { .. }, .. } if username == &u("bob"))),
        "{findings:?}");
    // Sending from a group number the user belongs to does route back.
    dir.users[1].outbound_number = Some(n("6502530010"));
    dir.users[1].assigned_numbers.push(n("6502530010"));
    assert!(
        !lint(&dir)
            .iter()
            .any(|f| matches!(f, LintFinding::OutboundNotRoutedBack { .. }))
    );
}

#[test]
fn r3_lint_reports_unowned_unassigned_and_missing_members() {
    let mut dir = sample_directory();
    dir.users[0].outbound_number = Some(n("2122530000"));
    dir.users[1].outbound_number = Some(n("6502530001"));
    dir.groups[0].members.push(u("ghost"));
    dir.users.push(crate::directory::User {
        username: u("dora"),
        organization: "happy-paws".into(),
        display_name: String::new(),
        extensions: vec![],
        role: Default::default(),
        sms_enabled: true,
        outbound_number: None,
        assigned_numbers: vec![],
        auto_responder: None,
    });
    let codes: Vec<String> = lint(&dir)
        .iter()
        .map(|f| {
            serde_json::to_value(f).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for want in [
        "outbound_not_owned",
        "outbound_not_assigned",
        "group_member_missing",
        "sms_user_without_number",
        "outbound_not_routed_back",
    ] {
        assert!(
            codes.iter().any(|c| c == want),
            "{want} missing in {codes:?}"
        );
    }
}
