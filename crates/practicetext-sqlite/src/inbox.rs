//! [`InboxStore`] on `inbox` and `inbox_conversations` (migration 5) and
//! `presence`. Each conversation with marks has a number
//! (`inbox_conversations`, given on its first mark), and its marks and
//! unread messages for every user sit together in `inbox` under that
//! number: short keys, so delivering a text searches and splits pages
//! cheaply. Each call is one statement or one transaction (inside a unit,
//! the unit's), so marks written by several processes at once all land.

use practicetext_core::ids::{ConversationId, MessageId, OrganizationId, Username};
use practicetext_core::inbox::state::{InboxEntry, Presence};
use practicetext_core::ports::{InboxStore, Marking, Recipient, StoreError, Timestamp};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use crate::SqliteStore;
use crate::record::{backend, from_json_bytes, to_json};
use crate::sql::{from_micros, micros, one, value, write};

/// The number of a conversation of an organization, if it has one.
const KEY: &str =
    "SELECT key FROM inbox_conversations WHERE organization_id = ?1 AND conversation_id = ?2";
/// Numbers a conversation.
const NEW_KEY: &str =
    "INSERT INTO inbox_conversations (organization_id, conversation_id) VALUES (?1, ?2)";
/// Moves the last activity of the marks row of user `?2` in conversation
/// number `?1` forward to `?3` (creating it, for organization `?4` and
/// conversation `?5`, if missing).
const TOUCH: &str = "INSERT INTO inbox (conversation_key, username, unread, message_id, \
     last_activity, muted, organization_id, conversation_id) \
     VALUES (?1, ?2, 0, '', ?3, 0, ?4, ?5) \
     ON CONFLICT (conversation_key, username, unread, message_id) DO UPDATE SET \
     last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity)";
/// For every user of the JSON array `?4`: the marks row touched at `?3`
/// and the message `?2` unread, in conversation number `?1` (of
/// organization `?5`, conversation `?6`), in one statement (two rows per
/// user; the update applies to marks rows only, an unread row stays as it
/// is).
const DELIVER: &str = "INSERT INTO inbox (conversation_key, username, unread, message_id, \
     last_activity, muted, organization_id, conversation_id) \
     SELECT ?1, u.value, k.unread, k.message_id, CASE WHEN k.unread = 0 THEN ?3 END, 0, \
         CASE WHEN k.unread = 0 THEN ?5 END, CASE WHEN k.unread = 0 THEN ?6 END \
     FROM json_each(?4) AS u, (SELECT 0 AS unread, '' AS message_id UNION ALL SELECT 1, ?2) AS k \
     WHERE true \
     ON CONFLICT (conversation_key, username, unread, message_id) DO UPDATE SET \
     last_activity = max(coalesce(last_activity, excluded.last_activity), excluded.last_activity) \
     WHERE unread = 0";
const READ: &str = "DELETE FROM inbox WHERE conversation_key = ?1 AND username = ?2 AND unread = 1";
const FORGET_CONVERSATION: &str = "DELETE FROM inbox WHERE conversation_key = ?1";
const FORGET_KEY: &str = "DELETE FROM inbox_conversations WHERE key = ?1";
/// Searches the key of each user with marks in the conversation.
const FORGET_MESSAGE: &str = "DELETE FROM inbox \
     WHERE conversation_key = ?1 AND unread = 1 AND message_id = ?2 \
     AND username IN (SELECT username FROM inbox WHERE conversation_key = ?1 AND unread = 0)";
const SET_MUTED: &str = "INSERT INTO inbox (conversation_key, username, unread, message_id, \
     last_activity, muted, organization_id, conversation_id) \
     VALUES (?1, ?2, 0, '', NULL, ?3, ?4, ?5) \
     ON CONFLICT (conversation_key, username, unread, message_id) \
     DO UPDATE SET muted = excluded.muted";
const IS_MUTED: &str = "SELECT muted FROM inbox \
     WHERE conversation_key = ?1 AND username = ?2 AND unread = 0 AND message_id = ''";
/// For every user of the JSON array `?2`: its place in the array and
/// whether it muted conversation number `?1` (the marks row, if any). A
/// left join, so the plan walks the array and searches each user's row.
const MUTED_IN: &str = "SELECT u.key, coalesce(m.muted, 0) FROM json_each(?2) AS u \
     LEFT JOIN inbox m ON m.conversation_key = ?1 \
         AND m.username = u.value AND m.unread = 0 AND m.message_id = ''";
const PUT_PRESENCE: &str = "INSERT INTO presence (organization_id, username, record) \
     VALUES (?1, ?2, ?3) ON CONFLICT (organization_id, username) DO UPDATE SET record = excluded.record";
const PRESENCE: &str = "SELECT record FROM presence WHERE organization_id = ?1 AND username = ?2";
/// Names its index: without statistics SQLite would rather walk the
/// whole table.
const ENTRIES: &str = "SELECT m.conversation_id, \
     (SELECT count(*) FROM inbox u WHERE u.conversation_key = m.conversation_key \
         AND u.username = m.username AND u.unread = 1), \
     m.last_activity, m.muted \
     FROM inbox m INDEXED BY inbox_marks_by_user \
     WHERE m.organization_id = ?1 AND m.username = ?2 AND m.unread = 0 \
     ORDER BY m.conversation_id";

/// The number of a conversation, if it has marks.
fn key_of(
    conn: &Connection,
    org: &OrganizationId,
    conversation: &ConversationId,
) -> Result<Option<i64>, StoreError> {
    value(conn, KEY, [org.as_str(), conversation.as_str()])
}

/// The number of a conversation, given now if it had none. Only in a
/// write: a number given to a conversation whose marks then fail stays
/// unused, which nothing can tell.
fn key_for(
    conn: &Connection,
    org: &OrganizationId,
    conversation: &ConversationId,
) -> Result<i64, StoreError> {
    if let Some(key) = key_of(conn, org, conversation)? {
        return Ok(key);
    }
    write(conn, NEW_KEY, [org.as_str(), conversation.as_str()])?;
    Ok(conn.last_insert_rowid())
}

/// The recipient at place `key` of a users list.
fn place(reached: &mut [Recipient], key: i64) -> Result<&mut Recipient, StoreError> {
    usize::try_from(key)
        .ok()
        .and_then(|k| reached.get_mut(k))
        .ok_or_else(|| StoreError::Backend {
            message: "the recipients' read answered a place outside the list".into(),
        })
}

/// A presence column that holds no text.
fn not_text() -> StoreError {
    StoreError::Backend {
        message: "a stored presence record is not text; it was changed by hand".into(),
    }
}

/// The users as the JSON array of names the statements take.
fn names(users: &[Username]) -> Result<String, StoreError> {
    let names: Vec<&str> = users.iter().map(|u| u.as_str()).collect();
    to_json("username list", &names)
}

impl SqliteStore {
    /// Marks each of `markings` (numbering its conversation if needed) and
    /// returns each one's conversation number, `None` for a marking
    /// without users (nothing written).
    fn deliver(
        &self,
        markings: &[Marking<'_>],
        names: &[String],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        // Each marking's statements change nothing if they fail, but for
        // a conversation number no row uses (see `key_for`).
        self.one_write_tx(|conn| {
            let mut deliver = conn.prepare_cached(DELIVER).map_err(backend)?;
            markings
                .iter()
                .zip(names)
                .map(|(m, names)| {
                    if m.users.is_empty() {
                        return Ok(None);
                    }
                    let key = key_for(conn, m.org, m.conversation)?;
                    let params = params![
                        key,
                        m.message.as_str(),
                        micros(m.at),
                        names,
                        m.org.as_str(),
                        m.conversation.as_str()
                    ];
                    deliver.execute(params).map_err(backend)?;
                    Ok(Some(key))
                })
                .collect()
        })
    }
}

impl InboxStore for SqliteStore {
    fn mark_delivered(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<(), StoreError> {
        let marking = Marking {
            org,
            conversation,
            message,
            at,
            users,
        };
        self.deliver(&[marking], &[names(users)?])?;
        Ok(())
    }

    /// [`mark_delivered_to_all`](Self::mark_delivered_to_all) of one.
    fn mark_delivered_to(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
        at: Timestamp,
        users: &[Username],
    ) -> Result<Vec<Recipient>, StoreError> {
        let marking = Marking {
            org,
            conversation,
            message,
            at,
            users,
        };
        let mut reached = self.mark_delivered_to_all(&[marking])?;
        reached.pop().ok_or_else(|| StoreError::Backend {
            message: "a marking got no answer".into(),
        })
    }

    /// Every marking's marks with one prepared statement, then the mutes
    /// with a second, and each user's presence read once for all (marks
    /// change neither mutes nor presence, so reading them after every
    /// marking answers as reading after each). Not one `INSERT ...
    /// RETURNING`: SQLite buffers what it returns in a temporary table,
    /// which costs more than the second statement.
    fn mark_delivered_to_all(
        &self,
        markings: &[Marking<'_>],
    ) -> Result<Vec<Vec<Recipient>>, StoreError> {
        let names = markings
            .iter()
            .map(|m| names(m.users))
            .collect::<Result<Vec<String>, _>>()?;
        let keys = self.deliver(markings, &names)?;
        self.with_conn(|conn| {
            let mut mutes = conn.prepare_cached(MUTED_IN).map_err(backend)?;
            let mut presence = conn.prepare_cached(PRESENCE).map_err(backend)?;
            // Who is online, by organization and user, read once each.
            let mut online: Vec<(&str, &str, bool)> = Vec::new();
            let mut out = Vec::with_capacity(markings.len());
            for ((m, names), key) in markings.iter().zip(&names).zip(keys) {
                let mut reached = vec![Recipient::default(); m.users.len()];
                if let Some(key) = key {
                    let mut rows = mutes.query(params![key, names]).map_err(backend)?;
                    while let Some(row) = rows.next().map_err(backend)? {
                        let place_in_list: i64 = row.get(0).map_err(backend)?;
                        let muted: bool = row.get(1).map_err(backend)?;
                        place(&mut reached, place_in_list)?.muted = muted;
                    }
                }
                for (r, user) in reached.iter_mut().zip(m.users) {
                    let (org, user) = (m.org.as_str(), user.as_str());
                    let known = online.iter().find(|(o, u, _)| *o == org && *u == user);
                    r.online = match known {
                        Some((_, _, on)) => *on,
                        None => {
                            let mut rows = presence.query([org, user]).map_err(backend)?;
                            let on = match rows.next().map_err(backend)? {
                                None => false,
                                Some(row) => match row.get_ref(0).map_err(backend)? {
                                    ValueRef::Text(p) => {
                                        from_json_bytes::<Presence>("presence", p)?.online
                                    }
                                    _ => return Err(not_text()),
                                },
                            };
                            online.push((org, user, on));
                            on
                        }
                    };
                }
                out.push(reached);
            }
            Ok(out)
        })
    }

    fn touch(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.one_write_tx(|conn| {
            let key = key_for(conn, org, conversation)?;
            let params = params![
                key,
                user.as_str(),
                micros(at),
                org.as_str(),
                conversation.as_str()
            ];
            write(conn, TOUCH, params)
        })?;
        Ok(())
    }

    fn mark_read(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        self.one_write_tx(|conn| match key_of(conn, org, conversation)? {
            Some(key) => write(conn, READ, params![key, user.as_str()]),
            None => Ok(0),
        })?;
        Ok(())
    }

    fn forget_conversation(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
    ) -> Result<(), StoreError> {
        self.write_tx(|conn| {
            if let Some(key) = key_of(conn, org, conversation)? {
                write(conn, FORGET_CONVERSATION, [key])?;
                write(conn, FORGET_KEY, [key])?;
            }
            Ok(())
        })
    }

    fn forget_message(
        &self,
        org: &OrganizationId,
        conversation: &ConversationId,
        message: &MessageId,
    ) -> Result<(), StoreError> {
        self.one_write_tx(|conn| match key_of(conn, org, conversation)? {
            Some(key) => write(conn, FORGET_MESSAGE, params![key, message.as_str()]),
            None => Ok(0),
        })?;
        Ok(())
    }

    fn set_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
        muted: bool,
    ) -> Result<(), StoreError> {
        self.one_write_tx(|conn| {
            let key = key_for(conn, org, conversation)?;
            let params = params![
                key,
                user.as_str(),
                muted,
                org.as_str(),
                conversation.as_str()
            ];
            write(conn, SET_MUTED, params)
        })?;
        Ok(())
    }

    fn is_muted(
        &self,
        org: &OrganizationId,
        user: &Username,
        conversation: &ConversationId,
    ) -> Result<bool, StoreError> {
        let muted: Option<bool> = self.read_tx(|conn| match key_of(conn, org, conversation)? {
            Some(key) => value(conn, IS_MUTED, params![key, user.as_str()]),
            None => Ok(None),
        })?;
        Ok(muted.unwrap_or(false))
    }

    fn set_presence(
        &self,
        org: &OrganizationId,
        user: &Username,
        presence: &Presence,
    ) -> Result<(), StoreError> {
        let record = to_json("presence", presence)?;
        let params = params![org.as_str(), user.as_str(), record];
        self.with_conn(|conn| write(conn, PUT_PRESENCE, params))?;
        Ok(())
    }

    fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
        let params = [org.as_str(), user.as_str()];
        let found = self.with_conn(|conn| one(conn, "presence", PRESENCE, params))?;
        Ok(found.unwrap_or_default())
    }

    fn entries(
        &self,
        org: &OrganizationId,
        user: &Username,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare_cached(ENTRIES).map_err(backend)?;
            let rows = stmt
                .query_map([org.as_str(), user.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, bool>(3)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|row| {
                let (conversation, unread, last, muted) = row.map_err(backend)?;
                Ok(InboxEntry {
                    conversation: ConversationId::new(conversation),
                    unread: u32::try_from(unread).unwrap_or(u32::MAX),
                    last_activity: last.map(from_micros).transpose()?,
                    muted,
                })
            })
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::plans::assert_searches;

    /// Every read (and every delete's search) goes through an index, in
    /// the promised order, with no full scan and no sort.
    #[test]
    fn every_read_searches_an_index_and_needs_no_sort() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let conn = &session.conn;
        for (sql, index) in [
            (IS_MUTED, "PRIMARY KEY"),
            (PRESENCE, "PRIMARY KEY"),
            (ENTRIES, "inbox_marks_by_user"),
            (READ, "PRIMARY KEY"),
            (FORGET_CONVERSATION, "PRIMARY KEY"),
            (FORGET_MESSAGE, "PRIMARY KEY"),
            (KEY, "sqlite_autoindex_inbox_conversations_1"),
            (FORGET_KEY, "INTEGER PRIMARY KEY"),
        ] {
            assert_searches(conn, sql, index);
        }
    }

    /// The mutes' read walks the name list and finds each user's marks
    /// by primary key: no other scan, no sort.
    #[test]
    fn the_mutes_read_searches_by_primary_key() {
        let store = SqliteStore::open_in_memory().unwrap();
        let guard = store.lock();
        let session = guard.borrow();
        let plan = crate::sql::plans::plan(&session.conn, MUTED_IN);
        let searches: Vec<_> = plan.iter().filter(|s| s.starts_with("SEARCH")).collect();
        assert_eq!(searches.len(), 1, "{plan:?}");
        assert!(searches[0].contains("PRIMARY KEY"), "{plan:?}");
        for step in plan.iter().filter(|s| s.starts_with("SCAN")) {
            assert!(step.contains("VIRTUAL TABLE"), "{plan:?}");
        }
        assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
    }

    /// The store's inbox methods as they are, and `mark_delivered_to` as
    /// the trait's default runs it (one read per user after the marks):
    /// the reference the one-statement answer is compared with.
    struct Reference<'a>(&'a SqliteStore);

    impl InboxStore for Reference<'_> {
        fn mark_delivered(
            &self,
            org: &OrganizationId,
            conversation: &ConversationId,
            message: &MessageId,
            at: Timestamp,
            users: &[Username],
        ) -> Result<(), StoreError> {
            self.0.mark_delivered(org, conversation, message, at, users)
        }
        fn touch(
            &self,
            org: &OrganizationId,
            user: &Username,
            conversation: &ConversationId,
            at: Timestamp,
        ) -> Result<(), StoreError> {
            self.0.touch(org, user, conversation, at)
        }
        fn mark_read(
            &self,
            org: &OrganizationId,
            user: &Username,
            conversation: &ConversationId,
        ) -> Result<(), StoreError> {
            self.0.mark_read(org, user, conversation)
        }
        fn forget_conversation(
            &self,
            org: &OrganizationId,
            conversation: &ConversationId,
        ) -> Result<(), StoreError> {
            self.0.forget_conversation(org, conversation)
        }
        fn forget_message(
            &self,
            org: &OrganizationId,
            conversation: &ConversationId,
            message: &MessageId,
        ) -> Result<(), StoreError> {
            self.0.forget_message(org, conversation, message)
        }
        fn set_muted(
            &self,
            org: &OrganizationId,
            user: &Username,
            conversation: &ConversationId,
            muted: bool,
        ) -> Result<(), StoreError> {
            self.0.set_muted(org, user, conversation, muted)
        }
        fn is_muted(
            &self,
            org: &OrganizationId,
            user: &Username,
            conversation: &ConversationId,
        ) -> Result<bool, StoreError> {
            self.0.is_muted(org, user, conversation)
        }
        fn set_presence(
            &self,
            org: &OrganizationId,
            user: &Username,
            presence: &Presence,
        ) -> Result<(), StoreError> {
            self.0.set_presence(org, user, presence)
        }
        fn presence(&self, org: &OrganizationId, user: &Username) -> Result<Presence, StoreError> {
            self.0.presence(org, user)
        }
        fn entries(
            &self,
            org: &OrganizationId,
            user: &Username,
        ) -> Result<Vec<InboxEntry>, StoreError> {
            self.0.entries(org, user)
        }
    }

    /// One step of the model test.
    #[derive(Debug, Clone)]
    enum Step {
        Presence {
            org: u8,
            user: u8,
            online: bool,
        },
        Mute {
            user: u8,
            conversation: u8,
            muted: bool,
        },
        Read {
            user: u8,
            conversation: u8,
        },
        Deliver {
            conversation: u8,
            message: u8,
            at: i64,
            users: Vec<u8>,
        },
        /// Several deliveries in one `mark_delivered_to_all`: (organization,
        /// conversation, message, at, users) each.
        DeliverAll {
            markings: Vec<(u8, u8, u8, i64, Vec<u8>)>,
        },
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (0..2u8, 0..5u8, any::<bool>()).prop_map(|(org, user, online)| Step::Presence {
                org,
                user,
                online
            }),
            (0..5u8, 0..3u8, any::<bool>()).prop_map(|(user, conversation, muted)| Step::Mute {
                user,
                conversation,
                muted
            }),
            (0..5u8, 0..3u8).prop_map(|(user, conversation)| Step::Read { user, conversation }),
            (
                0..3u8,
                0..4u8,
                0..5i64,
                proptest::collection::vec(0..5u8, 0..7)
            )
                .prop_map(|(conversation, message, at, users)| Step::Deliver {
                    conversation,
                    message,
                    at,
                    users
                }),
            proptest::collection::vec(
                (
                    0..2u8,
                    0..3u8,
                    0..4u8,
                    0..5i64,
                    proptest::collection::vec(0..5u8, 0..7)
                ),
                0..6
            )
            .prop_map(|markings| Step::DeliverAll { markings }),
        ]
    }

    proptest::proptest! {
        /// Two stores go through the same steps; each delivery's answer and
        /// every user's inbox afterwards are the same whether the marks and
        /// the recipients' read are one statement or the default's
        /// `1 + 2n` (users repeated, muted, online, in another
        /// organization, or with the message already unread included), and
        /// whether several deliveries are marked at once or one by one.
        #[test]
        fn marks_with_the_recipients_read_answer_as_the_default(
            steps in proptest::collection::vec(step(), 1..40)
        ) {
            let (fast, slow) = (
                SqliteStore::open_in_memory().unwrap(),
                SqliteStore::open_in_memory().unwrap(),
            );
            let reference = Reference(&slow);
            let orgs = [OrganizationId::new("org-a"), OrganizationId::new("org-b")];
            let user = |u: u8| Username::new(format!("user-{u}"));
            let conv = |c: u8| ConversationId::new(format!("c-{c}"));
            let at = |s: i64| Timestamp::from_timestamp(1_800_000_000 + s, 0).unwrap();
            for step in steps {
                match step {
                    Step::Presence { org, user: u, online } => {
                        let p = Presence { online, last_login: None };
                        let o = &orgs[usize::from(org)];
                        fast.set_presence(o, &user(u), &p).unwrap();
                        reference.set_presence(o, &user(u), &p).unwrap();
                    }
                    Step::Mute { user: u, conversation, muted } => {
                        fast.set_muted(&orgs[0], &user(u), &conv(conversation), muted).unwrap();
                        reference.set_muted(&orgs[0], &user(u), &conv(conversation), muted).unwrap();
                    }
                    Step::Read { user: u, conversation } => {
                        fast.mark_read(&orgs[0], &user(u), &conv(conversation)).unwrap();
                        reference.mark_read(&orgs[0], &user(u), &conv(conversation)).unwrap();
                    }
                    Step::Deliver { conversation, message, at: s, users } => {
                        let users: Vec<Username> = users.into_iter().map(user).collect();
                        let m = MessageId::new(format!("m-{message}"));
                        let c = conv(conversation);
                        let got = fast.mark_delivered_to(&orgs[0], &c, &m, at(s), &users).unwrap();
                        let want =
                            reference.mark_delivered_to(&orgs[0], &c, &m, at(s), &users).unwrap();
                        proptest::prop_assert_eq!(got, want);
                    }
                    Step::DeliverAll { markings } => {
                        let owned: Vec<_> = markings
                            .into_iter()
                            .map(|(o, c, m, s, users)| {
                                let users: Vec<Username> = users.into_iter().map(user).collect();
                                (o, conv(c), MessageId::new(format!("m-{m}")), at(s), users)
                            })
                            .collect();
                        let markings: Vec<Marking<'_>> = owned
                            .iter()
                            .map(|(o, c, m, at, users)| Marking {
                                org: &orgs[usize::from(*o)],
                                conversation: c,
                                message: m,
                                at: *at,
                                users,
                            })
                            .collect();
                        let got = fast.mark_delivered_to_all(&markings).unwrap();
                        let want = reference.mark_delivered_to_all(&markings).unwrap();
                        proptest::prop_assert_eq!(got, want);
                    }
                }
            }
            for o in &orgs {
                for u in 0..5 {
                    proptest::prop_assert_eq!(
                        fast.entries(o, &user(u)).unwrap(),
                        slow.entries(o, &user(u)).unwrap()
                    );
                }
            }
        }
    }
}
