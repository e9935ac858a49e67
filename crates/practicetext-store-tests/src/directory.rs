//! Conformance test code (like `#[cfg(test)]` code, a failed check panics to report).
//! Conformance checks for [`DirectoryStore`]: every promise of the trait's
//! documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`directory_store_tests!`](crate::directory_store_tests) (a test of this
//! crate fails otherwise).

use practicetext_core::directory::{Directory, Organization, Route};
use practicetext_core::ids::{ClientId, GroupId, OrganizationId, Username};
use practicetext_core::ports::{DirectoryStore, StoreError, find_group};

use crate::fixtures::{
    bare_client, bare_user, client, every_route, group, organization, owned_number, phone,
    shuffled_keys, sorted_keys, user,
};

/// Generates one `#[test]` per [`DirectoryStore`] check in a module
/// `directory`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! directory_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            directory,
            $factory,
            [
                organization_round_trips_every_field,
                organization_with_default_settings_round_trips,
                missing_organization_is_none,
                put_organization_replaces,
                user_round_trips_every_field,
                user_with_empty_fields_round_trips,
                missing_user_is_none,
                put_user_replaces_same_username,
                users_are_sorted_by_username,
                group_round_trips_every_field,
                group_without_extension_round_trips,
                put_group_replaces_same_id,
                groups_are_sorted_by_id,
                find_group_finds_by_id,
                number_round_trips_with_each_route,
                number_lookup_needs_no_organization,
                missing_number_is_none,
                owner_may_replace_its_number,
                numbers_are_sorted,
                number_of_another_organization_is_a_conflict,
                client_round_trips_every_field,
                client_with_no_optional_fields_round_trips,
                missing_client_is_none,
                put_client_replaces_same_id,
                clients_by_phone_finds_every_client_sorted_by_id,
                clients_by_phone_without_match_is_empty,
                directory_is_a_snapshot_of_the_organization,
                directory_of_empty_organization_has_no_records,
                directory_of_missing_organization_is_not_found,
                number_with_directory_is_the_owner_and_its_directory,
                number_with_shared_directory_follows_every_write,
                records_of_one_organization_are_invisible_to_another,
                same_keys_in_two_organizations_are_separate_records,
                clients_by_phone_is_scoped_to_the_organization,
                concurrent_writes_all_land,
            ]
        );
    };
}

fn org_id(id: &str) -> OrganizationId {
    OrganizationId::new(id)
}

/// Every field of an organization, settings included, comes back as stored.
pub fn organization_round_trips_every_field<S: DirectoryStore>(store: &S) {
    let org = organization("org-a");
    store.put_organization(&org).unwrap();
    assert_eq!(store.organization(&org.id).unwrap(), Some(org));
}

/// An organization with default settings comes back equal.
pub fn organization_with_default_settings_round_trips<S: DirectoryStore>(store: &S) {
    let mut org = organization("org-a");
    org.settings = Default::default();
    org.name = String::new();
    store.put_organization(&org).unwrap();
    assert_eq!(store.organization(&org.id).unwrap(), Some(org));
}

/// An unknown organization id reads as `None`, not an error.
pub fn missing_organization_is_none<S: DirectoryStore>(store: &S) {
    store.put_organization(&organization("org-a")).unwrap();
    assert_eq!(store.organization(&org_id("org-b")).unwrap(), None);
}

/// Putting an organization again replaces it.
pub fn put_organization_replaces<S: DirectoryStore>(store: &S) {
    let mut org = organization("org-a");
    store.put_organization(&org).unwrap();
    org.name = "Renamed Practice".into();
    org.settings.sms_enabled = true;
    org.settings.policy.own_domains.clear();
    store.put_organization(&org).unwrap();
    assert_eq!(store.organization(&org.id).unwrap(), Some(org));
}

/// Every field of a user (lists, options, role) comes back as stored.
pub fn user_round_trips_every_field<S: DirectoryStore>(store: &S) {
    let u = user("org-a", "amir");
    store.put_user(&u).unwrap();
    assert_eq!(store.user(&u.organization, &u.username).unwrap(), Some(u));
}

/// A user with empty lists and no outbound number comes back equal.
pub fn user_with_empty_fields_round_trips<S: DirectoryStore>(store: &S) {
    let u = bare_user("org-a", "amir");
    store.put_user(&u).unwrap();
    assert_eq!(store.user(&u.organization, &u.username).unwrap(), Some(u));
}

/// An unknown username reads as `None`.
pub fn missing_user_is_none<S: DirectoryStore>(store: &S) {
    store.put_user(&user("org-a", "amir")).unwrap();
    let found = store
        .user(&org_id("org-a"), &Username::new("Amir"))
        .unwrap();
    assert_eq!(found, None, "usernames are case-sensitive keys");
}

/// Putting a user with the same username replaces it; no duplicate appears.
pub fn put_user_replaces_same_username<S: DirectoryStore>(store: &S) {
    let mut u = user("org-a", "amir");
    store.put_user(&u).unwrap();
    u.display_name = "Amir K.".into();
    u.extensions.pop();
    u.outbound_number = None;
    store.put_user(&u).unwrap();
    assert_eq!(
        store.user(&u.organization, &u.username).unwrap(),
        Some(u.clone())
    );
    assert_eq!(store.users(&u.organization).unwrap(), vec![u]);
}

/// `users` is sorted by username in byte order, whatever the insertion order.
pub fn users_are_sorted_by_username<S: DirectoryStore>(store: &S) {
    for name in shuffled_keys() {
        store.put_user(&bare_user("org-a", name)).unwrap();
    }
    let names: Vec<String> = store
        .users(&org_id("org-a"))
        .unwrap()
        .into_iter()
        .map(|u| u.username.to_string())
        .collect();
    assert_eq!(names, sorted_keys());
}

/// Every field of a group, member order included, comes back as stored.
pub fn group_round_trips_every_field<S: DirectoryStore>(store: &S) {
    let g = group("org-a", "front-desk");
    store.put_group(&g).unwrap();
    assert_eq!(store.groups(&g.organization).unwrap(), vec![g]);
}

/// A group without extension or members comes back equal.
pub fn group_without_extension_round_trips<S: DirectoryStore>(store: &S) {
    let mut g = group("org-a", "front-desk");
    g.extension = None;
    g.members.clear();
    g.name = String::new();
    store.put_group(&g).unwrap();
    assert_eq!(store.groups(&g.organization).unwrap(), vec![g]);
}

/// Putting a group with the same id replaces it.
pub fn put_group_replaces_same_id<S: DirectoryStore>(store: &S) {
    let mut g = group("org-a", "front-desk");
    store.put_group(&g).unwrap();
    g.members.reverse();
    g.extension = None;
    store.put_group(&g).unwrap();
    assert_eq!(store.groups(&g.organization).unwrap(), vec![g]);
}

/// `groups` is sorted by id in byte order.
pub fn groups_are_sorted_by_id<S: DirectoryStore>(store: &S) {
    for id in shuffled_keys() {
        store.put_group(&group("org-a", id)).unwrap();
    }
    let ids: Vec<String> = store
        .groups(&org_id("org-a"))
        .unwrap()
        .into_iter()
        .map(|g| g.id.to_string())
        .collect();
    assert_eq!(ids, sorted_keys());
}

/// [`find_group`] finds a group by id within its organization only.
pub fn find_group_finds_by_id<S: DirectoryStore>(store: &S) {
    store.put_group(&group("org-a", "front-desk")).unwrap();
    store.put_group(&group("org-a", "vets")).unwrap();
    let found = find_group(store, &org_id("org-a"), &GroupId::new("vets")).unwrap();
    assert_eq!(found, Some(group("org-a", "vets")));
    let other = find_group(store, &org_id("org-b"), &GroupId::new("vets")).unwrap();
    assert_eq!(other, None);
}

/// A number comes back with its route, for every kind of route and none.
pub fn number_round_trips_with_each_route<S: DirectoryStore>(store: &S) {
    for (i, route) in every_route().into_iter().enumerate() {
        let mut n = owned_number("org-a", phone(10 + i as u16), route);
        n.sms_enabled = i % 2 == 0;
        store.put_number(&n).unwrap();
        assert_eq!(store.number(n.number).unwrap(), Some(n));
    }
}

/// `number` finds the owner record without being told the organization
/// (inbound webhooks are addressed to a number).
pub fn number_lookup_needs_no_organization<S: DirectoryStore>(store: &S) {
    let a = owned_number("org-a", phone(10), None);
    let b = owned_number("org-b", phone(20), None);
    store.put_number(&a).unwrap();
    store.put_number(&b).unwrap();
    assert_eq!(store.number(phone(10)).unwrap(), Some(a));
    assert_eq!(store.number(phone(20)).unwrap(), Some(b));
}

/// A number nobody owns reads as `None`.
pub fn missing_number_is_none<S: DirectoryStore>(store: &S) {
    store
        .put_number(&owned_number("org-a", phone(10), None))
        .unwrap();
    assert_eq!(store.number(phone(11)).unwrap(), None);
}

/// The owner may put its number again to change its route.
pub fn owner_may_replace_its_number<S: DirectoryStore>(store: &S) {
    let mut n = owned_number("org-a", phone(10), None);
    store.put_number(&n).unwrap();
    n.route = Some(Route::Group(GroupId::new("vets")));
    n.sms_enabled = false;
    store.put_number(&n).unwrap();
    assert_eq!(store.number(n.number).unwrap(), Some(n.clone()));
    assert_eq!(store.numbers(&n.organization).unwrap(), vec![n]);
}

/// `numbers` is sorted by number.
pub fn numbers_are_sorted<S: DirectoryStore>(store: &S) {
    let lines = [42u16, 7, 9999, 100, 8];
    for line in lines {
        store
            .put_number(&owned_number("org-a", phone(line), None))
            .unwrap();
    }
    let got: Vec<_> = store
        .numbers(&org_id("org-a"))
        .unwrap()
        .into_iter()
        .map(|n| n.number)
        .collect();
    let mut want: Vec<_> = lines.iter().map(|&l| phone(l)).collect();
    want.sort();
    assert_eq!(got, want);
}

/// A number owned by one organization cannot be claimed by another: the
/// claim is a conflict and the owner's record is unchanged.
pub fn number_of_another_organization_is_a_conflict<S: DirectoryStore>(store: &S) {
    let mine = owned_number("org-a", phone(10), Some(Route::User(Username::new("amir"))));
    store.put_number(&mine).unwrap();
    let claim = owned_number("org-b", phone(10), None);
    let err = store.put_number(&claim).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(err.code(), "conflict");
    assert!(
        !err.to_string().contains(&phone(10).to_string()),
        "the message must not show the full number: {err}"
    );
    assert_eq!(store.number(phone(10)).unwrap(), Some(mine.clone()));
    assert_eq!(store.numbers(&org_id("org-a")).unwrap(), vec![mine]);
    assert_eq!(store.numbers(&org_id("org-b")).unwrap(), vec![]);
}

/// Every field of a client (patient data, unicode names) comes back as stored.
pub fn client_round_trips_every_field<S: DirectoryStore>(store: &S) {
    let c = client("org-a", "c-1", Some(phone(30)));
    store.put_client(&c).unwrap();
    assert_eq!(store.client(&c.organization, &c.id).unwrap(), Some(c));
}

/// A client with no phone, email or date of birth comes back equal.
pub fn client_with_no_optional_fields_round_trips<S: DirectoryStore>(store: &S) {
    let c = bare_client("org-a", "c-1", None);
    store.put_client(&c).unwrap();
    assert_eq!(store.client(&c.organization, &c.id).unwrap(), Some(c));
}

/// An unknown client id reads as `None`.
pub fn missing_client_is_none<S: DirectoryStore>(store: &S) {
    store.put_client(&client("org-a", "c-1", None)).unwrap();
    let found = store
        .client(&org_id("org-a"), &ClientId::new("c-2"))
        .unwrap();
    assert_eq!(found, None);
}

/// Putting a client with the same id replaces it, and phone lookups follow
/// the new phone number.
pub fn put_client_replaces_same_id<S: DirectoryStore>(store: &S) {
    let org = org_id("org-a");
    let mut c = client("org-a", "c-1", Some(phone(30)));
    store.put_client(&c).unwrap();
    c.cell_phone = Some(phone(31));
    c.email = None;
    store.put_client(&c).unwrap();
    assert_eq!(store.client(&org, &c.id).unwrap(), Some(c.clone()));
    assert_eq!(store.clients_by_phone(&org, phone(30)).unwrap(), vec![]);
    assert_eq!(store.clients_by_phone(&org, phone(31)).unwrap(), vec![c]);
}

/// Every client sharing a phone (a family) is found, sorted by id; clients
/// with another phone or none are not.
pub fn clients_by_phone_finds_every_client_sorted_by_id<S: DirectoryStore>(store: &S) {
    for id in shuffled_keys() {
        store
            .put_client(&client("org-a", id, Some(phone(30))))
            .unwrap();
    }
    store
        .put_client(&client("org-a", "other", Some(phone(31))))
        .unwrap();
    store.put_client(&client("org-a", "none", None)).unwrap();
    let ids: Vec<String> = store
        .clients_by_phone(&org_id("org-a"), phone(30))
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(ids, sorted_keys());
}

/// A phone no client has finds nobody.
pub fn clients_by_phone_without_match_is_empty<S: DirectoryStore>(store: &S) {
    store
        .put_client(&client("org-a", "c-1", Some(phone(30))))
        .unwrap();
    let found = store.clients_by_phone(&org_id("org-a"), phone(39)).unwrap();
    assert_eq!(found, vec![]);
}

/// `directory` holds the organization with its users, groups and numbers,
/// each sorted as the list methods sort them.
pub fn directory_is_a_snapshot_of_the_organization<S: DirectoryStore>(store: &S) {
    let org = organization("org-a");
    store.put_organization(&org).unwrap();
    for name in ["zoe", "amir"] {
        store.put_user(&user("org-a", name)).unwrap();
    }
    for id in ["vets", "front-desk"] {
        store.put_group(&group("org-a", id)).unwrap();
    }
    for line in [12u16, 11] {
        store
            .put_number(&owned_number("org-a", phone(line), None))
            .unwrap();
    }
    store
        .put_client(&client("org-a", "c-1", Some(phone(30))))
        .unwrap();
    let want = Directory {
        organization: org.clone(),
        users: vec![user("org-a", "amir"), user("org-a", "zoe")],
        groups: vec![group("org-a", "front-desk"), group("org-a", "vets")],
        numbers: vec![
            owned_number("org-a", phone(11), None),
            owned_number("org-a", phone(12), None),
        ],
    };
    assert_eq!(store.directory(&org.id).unwrap(), want);
}

/// An organization with no records has an empty directory.
pub fn directory_of_empty_organization_has_no_records<S: DirectoryStore>(store: &S) {
    let org = organization("org-a");
    store.put_organization(&org).unwrap();
    let want = Directory {
        organization: org.clone(),
        users: vec![],
        groups: vec![],
        numbers: vec![],
    };
    assert_eq!(store.directory(&org.id).unwrap(), want);
}

/// The directory of an unknown organization is `NotFound` (with the id),
/// even when records name it.
pub fn directory_of_missing_organization_is_not_found<S: DirectoryStore>(store: &S) {
    store.put_user(&user("org-x", "amir")).unwrap();
    let err = store.directory(&org_id("org-x")).unwrap_err();
    assert_eq!(
        err,
        StoreError::NotFound {
            what: "organization",
            id: "org-x".into()
        }
    );
    assert_eq!(err.code(), "not_found");
}

/// Records of organization A are never visible through calls for B.
pub fn records_of_one_organization_are_invisible_to_another<S: DirectoryStore>(store: &S) {
    store.put_organization(&organization("org-a")).unwrap();
    store.put_organization(&organization("org-b")).unwrap();
    store.put_user(&user("org-a", "amir")).unwrap();
    store.put_group(&group("org-a", "vets")).unwrap();
    store
        .put_number(&owned_number("org-a", phone(10), None))
        .unwrap();
    store
        .put_client(&client("org-a", "c-1", Some(phone(30))))
        .unwrap();
    let b = org_id("org-b");
    assert_eq!(store.user(&b, &Username::new("amir")).unwrap(), None);
    assert_eq!(store.users(&b).unwrap(), vec![]);
    assert_eq!(store.groups(&b).unwrap(), vec![]);
    assert_eq!(store.numbers(&b).unwrap(), vec![]);
    assert_eq!(store.client(&b, &ClientId::new("c-1")).unwrap(), None);
    assert_eq!(store.clients_by_phone(&b, phone(30)).unwrap(), vec![]);
    let dir = store.directory(&b).unwrap();
    assert_eq!(
        (dir.users.len(), dir.groups.len(), dir.numbers.len()),
        (0, 0, 0)
    );
}

/// The same username, group id and client id in two organizations are two
/// records: writing B's never touches A's.
pub fn same_keys_in_two_organizations_are_separate_records<S: DirectoryStore>(store: &S) {
    let (ua, ga, ca) = (
        user("org-a", "amir"),
        group("org-a", "vets"),
        client("org-a", "c-1", Some(phone(30))),
    );
    store.put_user(&ua).unwrap();
    store.put_group(&ga).unwrap();
    store.put_client(&ca).unwrap();
    let (ub, gb, cb) = (
        bare_user("org-b", "amir"),
        group("org-b", "vets"),
        bare_client("org-b", "c-1", Some(phone(31))),
    );
    store.put_user(&ub).unwrap();
    store.put_group(&gb).unwrap();
    store.put_client(&cb).unwrap();
    let (a, b) = (org_id("org-a"), org_id("org-b"));
    let amir = Username::new("amir");
    assert_eq!(store.user(&a, &amir).unwrap(), Some(ua));
    assert_eq!(store.user(&b, &amir).unwrap(), Some(ub));
    assert_eq!(store.groups(&a).unwrap(), vec![ga]);
    assert_eq!(store.groups(&b).unwrap(), vec![gb]);
    assert_eq!(store.client(&a, &ca.id).unwrap(), Some(ca));
    assert_eq!(store.client(&b, &cb.id).unwrap(), Some(cb));
}

/// `clients_by_phone` finds only the asking organization's clients, even
/// when another organization has a client with the same phone.
pub fn clients_by_phone_is_scoped_to_the_organization<S: DirectoryStore>(store: &S) {
    let ca = client("org-a", "c-a", Some(phone(30)));
    let cb = bare_client("org-b", "c-b", Some(phone(30)));
    store.put_client(&ca).unwrap();
    store.put_client(&cb).unwrap();
    assert_eq!(
        store.clients_by_phone(&org_id("org-a"), phone(30)).unwrap(),
        vec![ca]
    );
    assert_eq!(
        store.clients_by_phone(&org_id("org-b"), phone(30)).unwrap(),
        vec![cb]
    );
}

/// Writes from several threads at once all land (stores are `Send + Sync`
/// and synchronise inside).
pub fn concurrent_writes_all_land<S: DirectoryStore>(store: &S) {
    const THREADS: usize = 4;
    const EACH: usize = 25;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..EACH {
                    let c = bare_client("org-a", &format!("t{t}-{i:02}"), Some(phone(30)));
                    store.put_client(&c).unwrap();
                    store
                        .put_user(&bare_user("org-a", &format!("u{t}-{i:02}")))
                        .unwrap();
                }
            });
        }
    });
    let org = org_id("org-a");
    let clients = store.clients_by_phone(&org, phone(30)).unwrap();
    assert_eq!(clients.len(), THREADS * EACH);
    assert_eq!(store.users(&org).unwrap().len(), THREADS * EACH);
}

/// `number_with_directory` is the owner record and its organization's
/// directory; `None` for a number nobody owns; `NotFound` when the owner's
/// organization has no record.
pub fn number_with_directory_is_the_owner_and_its_directory<S: DirectoryStore>(store: &S) {
    let org = organization("org-a");
    store.put_organization(&org).unwrap();
    store.put_user(&user("org-a", "amir")).unwrap();
    let owned = owned_number("org-a", phone(10), Some(Route::User(Username::new("amir"))));
    store.put_number(&owned).unwrap();
    let found = store.number_with_directory(phone(10)).unwrap();
    assert_eq!(found, Some((owned, store.directory(&org.id).unwrap())));
    assert_eq!(store.number_with_directory(phone(11)).unwrap(), None);
    store
        .put_number(&owned_number("org-x", phone(12), None))
        .unwrap();
    let err = store.number_with_directory(phone(12)).unwrap_err();
    assert_eq!(err.code(), "not_found");
}

/// `number_with_shared_directory` answers as `number_with_directory` does,
/// and a write to the organization (its record, a user, a group, a number)
/// shows in the next answer: a store that shares a snapshot rebuilds it.
/// Another organization's writes and clients leave it as it was.
pub fn number_with_shared_directory_follows_every_write<S: DirectoryStore>(store: &S) {
    let org = organization("org-a");
    store.put_organization(&org).unwrap();
    store.put_organization(&organization("org-b")).unwrap();
    let owned = owned_number("org-a", phone(10), Some(Route::User(Username::new("amir"))));
    store.put_number(&owned).unwrap();
    let same = |store: &S| {
        let shared = store.number_with_shared_directory(phone(10)).unwrap();
        let shared = shared.map(|(owner, dir)| (owner, Directory::clone(&dir)));
        assert_eq!(shared, store.number_with_directory(phone(10)).unwrap());
        let (owner, dir) = shared.unwrap();
        assert_eq!(owner, owned);
        assert_eq!(dir, store.directory(&org.id).unwrap());
        dir
    };
    assert!(same(store).users.is_empty());
    store.put_user(&user("org-a", "amir")).unwrap();
    assert_eq!(same(store).users, vec![user("org-a", "amir")]);
    store.put_group(&group("org-a", "front-desk")).unwrap();
    assert_eq!(same(store).groups, vec![group("org-a", "front-desk")]);
    store
        .put_number(&owned_number("org-a", phone(11), None))
        .unwrap();
    assert_eq!(same(store).numbers.len(), 2);
    let renamed = Organization {
        name: "Renamed".into(),
        ..org.clone()
    };
    store.put_organization(&renamed).unwrap();
    assert_eq!(same(store).organization, renamed);
    store.put_user(&user("org-b", "zoe")).unwrap();
    store
        .put_client(&client("org-a", "c-1", Some(phone(30))))
        .unwrap();
    assert_eq!(same(store).users, vec![user("org-a", "amir")]);
    assert_eq!(store.number_with_shared_directory(phone(12)).unwrap(), None);
}
