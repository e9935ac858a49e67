//! Conformance test code (like `#[cfg(test)]` code, a failed check panics to report).
//! Conformance checks for [`DeliveryStore`]: every promise of the trait's
//! documentation, checked the same way on every store.
//!
//! Each `pub fn` here is one check and must be listed in
//! [`delivery_store_tests!`](crate::delivery_store_tests) (a test of this
//! crate fails otherwise).

use practicetext_core::delivery::DeliveryStatus;
use practicetext_core::ids::OrganizationId;
use practicetext_core::ports::{DeliveryStore, StoreError};

use crate::broadcast_fixtures::{at, delivery};
use crate::fixtures::phone;

/// Generates one `#[test]` per [`DeliveryStore`] check in a module
/// `delivery`; see [`store_conformance_tests!`](crate::store_conformance_tests).
#[macro_export]
macro_rules! delivery_store_tests {
    ($factory:expr) => {
        $crate::conformance_section!(
            delivery,
            $factory,
            [
                delivery_round_trips_every_field,
                missing_delivery_is_none,
                put_delivery_replaces_the_record,
                delivery_lookup_needs_no_organization,
                provider_ids_are_exact_keys,
                provider_id_of_another_organization_is_a_conflict,
                concurrent_deliveries_all_land,
            ]
        );
    };
}

/// Every field of a delivery record (sub-second time included) comes back.
pub fn delivery_round_trips_every_field<S: DeliveryStore>(store: &S) {
    let record = delivery("org-a", "SM-1");
    store.put_delivery(&record).unwrap();
    assert_eq!(store.delivery("SM-1").unwrap(), Some(record));
}

/// An unknown provider message id is `None`, not an error.
pub fn missing_delivery_is_none<S: DeliveryStore>(store: &S) {
    assert_eq!(store.delivery("SM-none").unwrap(), None);
    store.put_delivery(&delivery("org-a", "SM-1")).unwrap();
    assert_eq!(store.delivery("SM-2").unwrap(), None);
}

/// Putting a record for an id its organization already has replaces it.
pub fn put_delivery_replaces_the_record<S: DeliveryStore>(store: &S) {
    let first = delivery("org-a", "SM-1");
    store.put_delivery(&first).unwrap();
    let mut later = first.clone();
    later.state.status = DeliveryStatus::Delivered;
    later.state.error_code = None;
    later.state.updated_at = at(300);
    later.to = phone(41);
    store.put_delivery(&later).unwrap();
    assert_eq!(store.delivery("SM-1").unwrap(), Some(later));
}

/// The lookup by provider id finds records of any organization (status
/// callbacks name only the message).
pub fn delivery_lookup_needs_no_organization<S: DeliveryStore>(store: &S) {
    let a = delivery("org-a", "SM-a");
    let b = delivery("org-b", "SM-b");
    store.put_delivery(&a).unwrap();
    store.put_delivery(&b).unwrap();
    assert_eq!(store.delivery("SM-a").unwrap(), Some(a));
    assert_eq!(store.delivery("SM-b").unwrap(), Some(b));
}

/// Provider ids are compared exactly: case, accents and trailing spaces
/// make different ids.
pub fn provider_ids_are_exact_keys<S: DeliveryStore>(store: &S) {
    let ids = ["SMabc", "smabc", "SMabc ", "SMäbc", "SMa\u{0308}bc"];
    for (line, id) in (40..).zip(ids) {
        let mut record = delivery("org-a", id);
        record.to = phone(line);
        store.put_delivery(&record).unwrap();
    }
    for (line, id) in (40..).zip(ids) {
        let found = store.delivery(id).unwrap().unwrap();
        assert_eq!((found.provider_id.as_str(), found.to), (id, phone(line)));
    }
}

/// A provider id recorded by one organization cannot be taken over by
/// another: a conflict, and the first organization's record is unchanged.
pub fn provider_id_of_another_organization_is_a_conflict<S: DeliveryStore>(store: &S) {
    let mine = delivery("org-a", "SM-1");
    store.put_delivery(&mine).unwrap();
    let mut theirs = delivery("org-b", "SM-1");
    theirs.state.status = DeliveryStatus::Delivered;
    let err = store.put_delivery(&theirs).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(err.code(), "conflict");
    assert!(
        !err.to_string().contains(&phone(40).to_string()),
        "the message must not show the number: {err}"
    );
    assert_eq!(store.delivery("SM-1").unwrap(), Some(mine));
    assert_eq!(theirs.organization, OrganizationId::new("org-b"));
}

/// Records written from several threads at once all land.
pub fn concurrent_deliveries_all_land<S: DeliveryStore>(store: &S) {
    const THREADS: usize = 4;
    const EACH: usize = 25;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..EACH {
                    store
                        .put_delivery(&delivery("org-a", &format!("SM-{t}-{i:02}")))
                        .unwrap();
                }
            });
        }
    });
    for t in 0..THREADS {
        for i in 0..EACH {
            let id = format!("SM-{t}-{i:02}");
            assert!(store.delivery(&id).unwrap().is_some(), "{id} is missing");
        }
    }
}
