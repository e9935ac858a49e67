//! Test doubles for the ports (feature `test-util`): a clock that only
//! moves when told to and a deterministic random source. Never use
//! [`SeededRandom`] for real tokens: it is predictable by design.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

use crate::ports::{Clock, Random, Timestamp};

/// A clock that returns a set instant until moved.
#[derive(Debug)]
pub struct FixedClock {
    millis: AtomicI64,
}

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> Self {
        FixedClock {
            millis: AtomicI64::new(at.timestamp_millis()),
        }
    }
    /// Moves the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.millis.store(at.timestamp_millis(), Ordering::SeqCst);
    }
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: TimeDelta) {
        self.millis
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        let ms = self.millis.load(Ordering::SeqCst);
        DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// A deterministic random source (SplitMix64) for tests.
#[derive(Debug)]
pub struct SeededRandom {
    state: AtomicU64,
    lock: Mutex<()>,
}

impl SeededRandom {
    /// A source that always produces the same bytes for the same seed.
    pub fn new(seed: u64) -> Self {
        SeededRandom {
            state: AtomicU64::new(seed),
            lock: Mutex::new(()),
        }
    }

    fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Random for SeededRandom {
    fn fill(&self, dest: &mut [u8]) {
        let _guard = self.lock.lock();
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// A small veterinary practice for tests and examples:
/// - org `happy-paws` ("Happy Paws Veterinary"), SMS and two-way enabled;
/// - `alice` (ext 101, admin) sends from and receives on +1 650-253-0001;
/// - `bob` (ext 102) sends from +1 650-253-0002, which routes to him; he is
///   also assigned +1 650-253-0003 (which routes to him too);
/// - group `front-desk` (ext 200: alice, bob) receives +1 650-253-0010;
/// - queue `refills` receives +1 650-253-0020;
/// - +1 650-253-0030 is owned but routed nowhere.
pub fn sample_directory() -> crate::directory::Directory {
    use crate::directory::*;
    use crate::ids::*;
    let org = OrganizationId::from("happy-paws");
    let n = |s: &str| crate::phone::E164::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")); // ok: fixed test data
    let ext = |s: &str| Extension::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")); // ok: fixed test data
    let user = |name: &str, e: &str, role: Role, out: &str, assigned: &[&str]| User {
        username: Username::from(name),
        organization: org.clone(),
        display_name: name.to_owned(),
        extensions: vec![ext(e)],
        role,
        sms_enabled: true,
        outbound_number: Some(n(out)),
        assigned_numbers: assigned.iter().map(|s| n(s)).collect(),
        auto_responder: None,
    };
    let number = |s: &str, route: Option<Route>| OwnedNumber {
        number: n(s),
        organization: org.clone(),
        sms_enabled: true,
        route,
    };
    Directory {
        organization: Organization {
            id: org.clone(),
            name: "Happy Paws Veterinary".into(),
            settings: OrganizationSettings::default(),
        },
        users: vec![
            user("alice", "101", Role::Admin, "6502530001", &["6502530001"]),
            user(
                "bob",
                "102",
                Role::Staff,
                "6502530002",
                &["6502530002", "6502530003"],
            ),
        ],
        groups: vec![Group {
            id: GroupId::from("front-desk"),
            organization: org.clone(),
            name: "Front desk".into(),
            extension: Some(ext("200")),
            members: vec![Username::from("alice"), Username::from("bob")],
        }],
        numbers: vec![
            number("6502530001", Some(Route::User(Username::from("alice")))),
            number("6502530002", Some(Route::User(Username::from("bob")))),
            number("6502530003", Some(Route::User(Username::from("bob")))),
            number(
                "6502530010",
                Some(Route::Group(GroupId::from("front-desk"))),
            ),
            number("6502530020", Some(Route::Queue(QueueId::from("refills")))),
            number("6502530030", None),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let t0 = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let c = FixedClock::new(t0);
        assert_eq!(c.now(), t0);
        c.advance(TimeDelta::milliseconds(29_999));
        assert_eq!((c.now() - t0).num_milliseconds(), 29_999);
    }

    #[test]
    fn seeded_random_is_repeatable_and_not_constant() {
        let (a, b) = (SeededRandom::new(7), SeededRandom::new(7));
        let (mut x, mut y) = ([0u8; 20], [0u8; 20]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        let mut z = [0u8; 20];
        a.fill(&mut z);
        assert_ne!(x, z);
    }
}
