//! `Engine::handle_inbound_batch` on SQLite (the store's bulk ports:
//! contexts, claims, messages, inbox marks, usage and completions in one
//! call each) against its reference, `handle_inbound_batch_one_by_one`
//! (each text in its own nested unit, through the single-text ports): the
//! same outcomes, replies and alerts, and the same store contents
//! afterwards, for random sequences of batches.

use chrono::TimeDelta;
use practicetext_core::ids::OrganizationId;
use practicetext_core::ports::{ConversationStore, IdempotencyStore};
use practicetext_sqlite::SqliteStore;
use practicetext_store_tests::engine_batch::{
    batches, batches_agree, plain_texts_to_the_group_agree, t0,
};
use proptest::prelude::*;

fn store() -> SqliteStore {
    SqliteStore::open_in_memory().expect("an in-memory SQLite store")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_batch_records_what_one_by_one_records(batches in batches()) {
        batches_agree(store, &batches);
    }
}

#[test]
fn plain_texts_to_the_group_record_as_one_by_one() {
    plain_texts_to_the_group_agree(store);
}

/// The bulk ports' edges on SQLite: repeated keys, keys already done or
/// held, keys completed in the open unit, a message whose conversation is
/// missing, a message put again.
#[test]
fn bulk_claims_and_messages_answer_as_one_by_one() {
    use Claim::*;
    use practicetext_core::conversation::{Author, Direction, Message};
    use practicetext_core::ids::{ConversationId, MessageId};
    use practicetext_core::ports::{Atomic, Claim, StoreError};

    let store = SqliteStore::open_in_memory().unwrap();
    let t = t0();
    let lease = TimeDelta::seconds(60);
    assert_eq!(store.claim("inbound", "held", lease, t), Ok(Acquired));
    assert_eq!(store.claim("inbound", "done", lease, t), Ok(Acquired));
    store.complete("inbound", "done", t).unwrap();
    let claims = store.claim_all("inbound", &["new", "held", "done", "other"], lease, t);
    assert_eq!(claims, Ok(vec![Acquired, InProgress, Done, Acquired]));
    let repeated = store.claim_all("inbound", &["again", "again"], lease, t);
    assert_eq!(repeated, Ok(vec![Acquired, InProgress]));
    let zero = store.claim_all("inbound", &["zero", "zero"], TimeDelta::zero(), t);
    assert_eq!(zero, Ok(vec![Acquired, Acquired]));
    store
        .complete_all("inbound", &["new", "new", "other"], t)
        .unwrap();
    let after = store.claim_all("inbound", &["new", "other"], lease, t);
    assert_eq!(after, Ok(vec![Done, Done]));
    // Inside a unit: completions kept for the commit count as done.
    let inside: Result<Vec<Claim>, StoreError> = store.atomically(|| {
        store.claim_all("inbound", &["u1", "u2"], lease, t)?;
        store.complete_all("inbound", &["u1"], t)?;
        store.complete_all("other-scope", &["u2"], t + lease)?;
        store.claim_all("inbound", &["u1", "u2", "u3"], lease, t)
    });
    assert_eq!(inside, Ok(vec![Done, InProgress, Acquired]));
    let later = t + TimeDelta::hours(1);
    let after_unit = store.claim_all("inbound", &["u1", "u2", "u3"], lease, later);
    assert_eq!(after_unit, Ok(vec![Done, Acquired, Acquired]));
    assert_eq!(store.claim("other-scope", "u2", lease, later), Ok(Done));

    let message = |id: &str, conversation: &str, body: &str| Message {
        id: MessageId::new(id),
        organization: "org-a".into(),
        conversation: ConversationId::new(conversation),
        direction: Direction::Inbound,
        author: Author::Outside,
        body: body.into(),
        at: t,
        provider_id: None,
    };
    let err = store
        .put_messages(&[
            message("m1", "missing", "Hi"),
            message("m2", "missing", "Hi"),
        ])
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
    let conversation = practicetext_store_tests::fixtures::conversation(
        "org-a",
        "c-1",
        practicetext_store_tests::fixtures::sms(1, 30),
        0,
    );
    store.put_conversation(&conversation).unwrap();
    let (a, b) = (message("m1", "c-1", "Hi"), message("m2", "c-1", "Hello"));
    let again = message("m1", "c-1", "Hi again");
    store.put_messages(&[a, b.clone(), again.clone()]).unwrap();
    let org = OrganizationId::from("org-a");
    let stored = store.messages(&org, &"c-1".into()).unwrap();
    assert_eq!(stored, vec![again, b]);
}
