//! A hash map that keeps each key's hash beside it, for the maps that grow
//! by one entry per text (message index, unread marks, idempotency keys).
//! Open addressing with linear probing over one array of entries: a new
//! key costs one look at one place of a large table (a bucket table with
//! separate control bytes costs two), growing reads the entries in order
//! without touching the keys' text elsewhere on the heap, and a lookup
//! compares a key's text only when the whole hash matches.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use rustc_hash::FxBuildHasher;

/// One entry: the key's hash, the key and its value.
struct Slot<K, V> {
    hash: u64,
    key: K,
    value: V,
}

/// A hash map from `K` to `V` whose entries keep their key's hash.
pub(super) struct HashedMap<K, V> {
    /// Empty, or a power of two long; at most three quarters full, so a
    /// probe always ends at an empty place.
    slots: Vec<Option<Slot<K, V>>>,
    len: usize,
}

/// A set of `K` (a [`HashedMap`] with nothing in its values).
pub(super) type HashedSet<K> = HashedMap<K, ()>;

/// The length of a table's first array.
const FIRST_LEN: usize = 16;

impl<K, V> Default for HashedMap<K, V> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            len: 0,
        }
    }
}

fn hash_of<Q: Hash + ?Sized>(key: &Q) -> u64 {
    FxBuildHasher.hash_one(key)
}

impl<K: Hash + Eq, V> HashedMap<K, V> {
    /// How many entries the map holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Removes every entry.
    pub(super) fn clear(&mut self) {
        self.slots.clear();
        self.len = 0;
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Where `key` (of hash `hash`) is, or the empty place where it would
    /// go; `None` in an empty array.
    fn place<Q>(&self, hash: u64, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        loop {
            match self.slots.get(i)? {
                Some(s) if s.hash != hash || s.key.borrow() != key => i = (i + 1) & mask,
                _ => return Some(i),
            }
        }
    }

    /// The value of `key`.
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.place(hash_of(key), key)?;
        self.slots.get(i)?.as_ref().map(|s| &s.value)
    }

    /// Makes room for one more entry (keeping the array at most three
    /// quarters full), moving every entry to the doubled array.
    fn reserve_one(&mut self) {
        let cap = self.slots.len();
        if (self.len + 1) * 4 <= cap * 3 {
            return;
        }
        let new_cap = (cap * 2).max(FIRST_LEN);
        let mut old = std::mem::take(&mut self.slots);
        self.slots.resize_with(new_cap, || None);
        let mask = self.mask();
        for slot in old.drain(..).flatten() {
            let mut i = slot.hash as usize & mask;
            while self.slots.get(i).is_some_and(Option::is_some) {
                i = (i + 1) & mask;
            }
            if let Some(free) = self.slots.get_mut(i) {
                *free = Some(slot);
            }
        }
    }

    /// The value of `key`, made by `make` (with the owned key) when absent.
    pub(super) fn get_or_insert_with<Q>(&mut self, key: &Q, make: impl FnOnce() -> (K, V)) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = hash_of(key);
        self.reserve_one();
        let i = self.place(hash, key).unwrap_or(0);
        let cell = &mut self.slots[i]; // ok: `place` gave an index of the non-empty array
        let slot = match cell {
            Some(slot) => slot,
            None => {
                self.len += 1;
                let (key, value) = make();
                cell.insert(Slot { hash, key, value })
            }
        };
        &mut slot.value
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub(super) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = hash_of(&key);
        self.reserve_one();
        let i = self.place(hash, &key).unwrap_or(0);
        let cell = &mut self.slots[i]; // ok: `place` gave an index of the non-empty array
        match cell {
            Some(slot) => Some(std::mem::replace(&mut slot.value, value)),
            None => {
                self.len += 1;
                *cell = Some(Slot { hash, key, value });
                None
            }
        }
    }

    /// Takes `key` out; returns its value. The entries after it in its run
    /// move back into the gap when their own place allows (no tombstones).
    pub(super) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut gap = self.place(hash_of(key), key)?;
        let removed = self.slots.get_mut(gap)?.take()?;
        self.len -= 1;
        let mask = self.mask();
        let mut j = gap;
        loop {
            j = (j + 1) & mask;
            let Some(home) = self
                .slots
                .get(j)
                .and_then(|s| s.as_ref())
                .map(|s| s.hash as usize & mask)
            else {
                break;
            };
            // The entry at `j` may fill the gap if the gap lies between its
            // own place and `j` (cyclically).
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(gap) & mask) {
                let moved = self.slots.get_mut(j).and_then(Option::take);
                if let Some(cell) = self.slots.get_mut(gap) {
                    *cell = moved;
                }
                gap = j;
            }
        }
        Some(removed.value)
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

    /// Inserts and removes (with backward shifts) agree with std's map
    /// over a long pseudo-random run on few keys (long probe runs).
    #[test]
    fn agrees_with_std_hash_map_over_inserts_and_removes() {
        let mut map: HashedMap<Box<str>, u64> = HashedMap::default();
        let mut model = std::collections::HashMap::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for step in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = (x % 3_000).to_string();
            match x >> 60 {
                0..=5 => assert_eq!(
                    map.insert(key.clone().into(), step),
                    model.insert(key, step)
                ),
                6..=10 => assert_eq!(map.remove(key.as_str()), model.remove(&key)),
                11 | 12 => {
                    let got = *map.get_or_insert_with(key.as_str(), || (key.as_str().into(), step));
                    assert_eq!(got, *model.entry(key).or_insert(step));
                }
                _ => assert_eq!(map.get(key.as_str()), model.get(&key)),
            }
            assert_eq!(map.len(), model.len());
        }
        for (k, v) in &model {
            assert_eq!(map.get(k.as_str()), Some(v));
        }
    }
}
