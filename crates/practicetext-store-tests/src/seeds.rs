//! The records the SQL stores' upgrade tests seed from schema version 2 on
//! (besides the directory of version 1): one of each kind the engine,
//! secure text and the inbox keep. [`write_engine_records`] writes them
//! through the ports (how a seed file was produced once, from a database
//! at that version); [`check_engine_records`] reads them back as the
//! current code must. Seed files stand for databases already written:
//! never regenerate one, add a new one for a new version.

use chrono::{NaiveDate, TimeDelta};
use practicetext_core::consent::{ConsentAction, ConsentState};
use practicetext_core::conversation::{Conversation, Direction};
use practicetext_core::ids::{ClientId, ConversationId, OrganizationId, Username};
use practicetext_core::inbox::state::{InboxEntry, Presence};
use practicetext_core::inbox::usage::UsageRow;
use practicetext_core::ports::{
    Claim, ConsentStore, ConversationFilter, ConversationStore, DirectoryStore, HistoryStore,
    IdempotencyStore, InboxStore, RateKey, RateWindowStore, SecureStore, UsageStore,
};

use crate::fixtures::{
    at, closed, consent_change, conversation, history_entry, message, phone, secure_conversation,
    sms,
};

/// The organization every seed writes.
pub const ORG: &str = "seed-org";

fn org() -> OrganizationId {
    OrganizationId::new(ORG)
}

fn rate_key() -> RateKey {
    RateKey::new(format!("autoreply:{ORG}:{}", phone(30)))
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("a real day")
}

fn active() -> Conversation {
    Conversation {
        client: Some(ClientId::new("c-1")),
        ..conversation(ORG, "conv-1", sms(10, 30), 60)
    }
}

/// Writes one record of each kind for [`ORG`].
pub fn write_engine_records<
    S: DirectoryStore
        + ConsentStore
        + RateWindowStore
        + IdempotencyStore
        + ConversationStore
        + HistoryStore
        + InboxStore
        + UsageStore
        + SecureStore,
>(
    store: &S,
) {
    let org = org();
    let (secure, events) = secure_conversation(ORG, "secure-1", 1);
    store
        .save_secure_conversation(&org, &secure, None, &events)
        .unwrap();
    let stop = consent_change(ORG, phone(30), ConsentAction::OptOut, 1);
    store.record_consent(&org, &stop).unwrap();
    assert!(
        store
            .try_acquire(&org, &rate_key(), TimeDelta::seconds(30), at(2))
            .unwrap()
    );
    store
        .claim("inbound", "SMseed", TimeDelta::seconds(60), at(2))
        .unwrap();
    store.complete("inbound", "SMseed", at(2)).unwrap();
    store
        .claim("inbound", "SMheld", TimeDelta::seconds(60), at(2))
        .unwrap();
    let old = history_entry(conversation(ORG, "conv-0", sms(10, 30), 0), Some("c-1"), 30);
    store
        .put_conversation(&closed(old.conversation.clone()))
        .unwrap();
    store.put_history(&old).unwrap();
    store.put_conversation(&active()).unwrap();
    store
        .put_message(&message(ORG, "conv-1", "m-1", Direction::Inbound, 61_000))
        .unwrap();
    store
        .put_message(&message(ORG, "conv-1", "m-2", Direction::Outbound, 62_000))
        .unwrap();
    let conv = ConversationId::new("conv-1");
    let staff = [Username::new("amir"), Username::new("zoe")];
    store
        .mark_delivered(&org, &conv, &"m-1".into(), at(61), &staff)
        .unwrap();
    store.set_muted(&org, &staff[1], &conv, true).unwrap();
    let online = Presence {
        online: true,
        last_login: Some(at(3)),
    };
    store.set_presence(&org, &staff[0], &online).unwrap();
    store
        .record(&org, Some(&staff[0]), day(), Direction::Inbound, 1)
        .unwrap();
    store
        .record(&org, None, day(), Direction::Outbound, 2)
        .unwrap();
}

/// Reads every record [`write_engine_records`] wrote and checks it.
pub fn check_engine_records<
    S: DirectoryStore
        + ConsentStore
        + RateWindowStore
        + IdempotencyStore
        + ConversationStore
        + HistoryStore
        + InboxStore
        + UsageStore
        + SecureStore,
>(
    store: &S,
) {
    let org = org();
    let (secure, events) = secure_conversation(ORG, "secure-1", 1);
    assert_eq!(
        store.secure_conversation(&org, &secure.id).unwrap(),
        Some(secure.clone())
    );
    assert_eq!(store.secure_events(&org, &secure.id).unwrap(), events);
    let hash = secure.links[0].token_hash;
    assert_eq!(
        store.secure_conversation_by_link(&org, &hash).unwrap(),
        Some(secure)
    );

    let stop = consent_change(ORG, phone(30), ConsentAction::OptOut, 1);
    let state = ConsentState {
        opted_out: true,
        blocked: false,
        suppressed: false,
        updated_at: Some(at(1)),
    };
    assert_eq!(store.consent(&org, phone(30)).unwrap(), state);
    assert_eq!(
        store.consent_history(&org, Some(phone(30))).unwrap(),
        vec![stop]
    );

    assert_eq!(store.last_acquired(&org, &rate_key()).unwrap(), Some(at(2)));
    assert!(
        !store
            .try_acquire(&org, &rate_key(), TimeDelta::seconds(30), at(31))
            .unwrap()
    );
    let lease = TimeDelta::seconds(60);
    assert_eq!(
        store.claim("inbound", "SMseed", lease, at(100)).unwrap(),
        Claim::Done
    );
    assert_eq!(
        store.claim("inbound", "SMheld", lease, at(61)).unwrap(),
        Claim::InProgress
    );

    let old = history_entry(conversation(ORG, "conv-0", sms(10, 30), 0), Some("c-1"), 30);
    assert_eq!(
        store.client_history(&org, &ClientId::new("c-1")).unwrap(),
        vec![old.clone()]
    );
    assert_eq!(
        store.active_conversation(&org, &sms(10, 30)).unwrap(),
        Some(active())
    );
    let all = store
        .conversations(&org, &ConversationFilter::default())
        .unwrap();
    assert_eq!(all, vec![closed(old.conversation), active()]);
    let conv = ConversationId::new("conv-1");
    let messages = vec![
        message(ORG, "conv-1", "m-1", Direction::Inbound, 61_000),
        message(ORG, "conv-1", "m-2", Direction::Outbound, 62_000),
    ];
    assert_eq!(store.messages(&org, &conv).unwrap(), messages);
    let last = store.last_message(&org, &conv, Direction::Inbound).unwrap();
    assert_eq!(last.as_ref(), messages.first());

    let entry = |muted| {
        vec![InboxEntry {
            conversation: conv.clone(),
            unread: 1,
            last_activity: Some(at(61)),
            muted,
        }]
    };
    assert_eq!(
        store.entries(&org, &Username::new("amir")).unwrap(),
        entry(false)
    );
    assert_eq!(
        store.entries(&org, &Username::new("zoe")).unwrap(),
        entry(true)
    );
    let online = Presence {
        online: true,
        last_login: Some(at(3)),
    };
    assert_eq!(
        store.presence(&org, &Username::new("amir")).unwrap(),
        online
    );

    let rows = vec![
        UsageRow {
            texts_out: 1,
            segments_out: 2,
            ..UsageRow::empty(day(), None)
        },
        UsageRow {
            texts_in: 1,
            segments_in: 1,
            ..UsageRow::empty(day(), Some(Username::new("amir")))
        },
    ];
    assert_eq!(store.usage(&org, day(), day()).unwrap(), rows);
}

/// Writes on top of the seeded records and checks they keep their order:
/// the store's counters (history and message sequence numbers) continue
/// after the seeded rows.
pub fn extend_engine_records<
    S: DirectoryStore
        + ConsentStore
        + RateWindowStore
        + IdempotencyStore
        + ConversationStore
        + HistoryStore
        + InboxStore
        + UsageStore
        + SecureStore,
>(
    store: &S,
) {
    let org = org();
    let start = consent_change(ORG, phone(30), ConsentAction::OptIn, 5);
    assert!(store.record_consent(&org, &start).unwrap().newly_opted_in());
    let history = store.consent_history(&org, Some(phone(30))).unwrap();
    assert_eq!(history.last(), Some(&start));
    assert_eq!(history.len(), 2);
    let tie = message(ORG, "conv-1", "m-0", Direction::Outbound, 62_000);
    store.put_message(&tie).unwrap();
    let conv = ConversationId::new("conv-1");
    let ids: Vec<String> = store
        .messages(&org, &conv)
        .unwrap()
        .into_iter()
        .map(|m| m.id.to_string())
        .collect();
    assert_eq!(
        ids,
        ["m-1", "m-2", "m-0"],
        "put after the seeded m-2, at its instant"
    );
}
