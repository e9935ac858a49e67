//! A hash map that keeps each key's hash beside it, for the maps that grow
//! by one entry per text (message index, unread marks, idempotency keys).
//! Growing such a map rehashes every entry; with the hash kept, that reads
//! the table alone instead of each key's text elsewhere on the heap, and a
//! lookup compares a key's text only when the whole hash matches.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::FxBuildHasher;

/// One entry: the key's hash, the key and its value.
struct Slot<K, V> {
    hash: u64,
    key: K,
    value: V,
}

/// A hash map from `K` to `V` whose entries keep their key's hash.
pub(super) struct HashedMap<K, V> {
    table: HashTable<Slot<K, V>>,
}

/// A set of `K` (a [`HashedMap`] with nothing in its values).
pub(super) type HashedSet<K> = HashedMap<K, ()>;

impl<K, V> Default for HashedMap<K, V> {
    fn default() -> Self {
        Self {
            table: HashTable::new(),
        }
    }
}

fn hash_of<Q: Hash + ?Sized>(key: &Q) -> u64 {
    FxBuildHasher.hash_one(key)
}

/// Whether `slot` holds `key` (of hash `hash`): the hashes first.
fn holds<'a, K, V, Q>(hash: u64, key: &'a Q) -> impl Fn(&Slot<K, V>) -> bool + 'a
where
    K: Borrow<Q>,
    Q: Eq + ?Sized,
{
    move |slot| slot.hash == hash && slot.key.borrow() == key
}

fn rehash<K, V>(slot: &Slot<K, V>) -> u64 {
    slot.hash
}

impl<K: Hash + Eq, V> HashedMap<K, V> {
    /// How many entries the map holds.
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// Removes every entry.
    pub(super) fn clear(&mut self) {
        self.table.clear();
    }

    /// The value of `key`.
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = hash_of(key);
        self.table.find(hash, holds(hash, key)).map(|s| &s.value)
    }

    /// The value of `key`, made by `make` (with the owned key) when absent.
    pub(super) fn get_or_insert_with<Q>(&mut self, key: &Q, make: impl FnOnce() -> (K, V)) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = hash_of(key);
        let slot = match self.table.entry(hash, holds(hash, key), rehash) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                let (key, value) = make();
                v.insert(Slot { hash, key, value }).into_mut()
            }
        };
        &mut slot.value
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub(super) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = hash_of(&key);
        match self.table.entry(hash, holds(hash, &key), rehash) {
            Entry::Occupied(o) => Some(std::mem::replace(&mut o.into_mut().value, value)),
            Entry::Vacant(v) => {
                v.insert(Slot { hash, key, value });
                None
            }
        }
    }

    /// Takes `key` out; returns its value.
    pub(super) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = hash_of(key);
        let found = self.table.find_entry(hash, holds(hash, key)).ok()?;
        Some(found.remove().0.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_replaces_finds_and_removes_across_growth() {
        let mut map: HashedMap<Box<str>, u32> = HashedMap::default();
        for i in 0..1000u32 {
            assert_eq!(map.insert(i.to_string().into(), i), None);
        }
        assert_eq!(map.insert("7".into(), 70), Some(7));
        assert_eq!(map.len(), 1000);
        assert_eq!(map.get("7"), Some(&70));
        assert_eq!(map.get("999"), Some(&999));
        assert_eq!(map.get("1000"), None);
        assert_eq!(map.remove("999"), Some(999));
        assert_eq!(map.remove("999"), None);
        assert_eq!(map.get("999"), None);
        *map.get_or_insert_with("5", || unreachable!()) += 1;
        assert_eq!(map.get("5"), Some(&6));
        assert_eq!(*map.get_or_insert_with("new", || ("new".into(), 1)), 1);
        assert_eq!(map.len(), 1000);
        map.clear();
        assert_eq!((map.len(), map.get("5")), (0, None));
    }
}
