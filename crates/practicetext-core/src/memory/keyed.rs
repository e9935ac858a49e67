//! A hash map for the maps that grow by one entry per text (message
//! index, unread marks, idempotency keys). The entries sit in one array in
//! the order they came (a removal moves the last entry into the gap); a
//! separate table of small slots (part of the key's hash and the entry's
//! place, 8 bytes; a new table is zeroed memory) finds them, probing
//! linearly. Growing moves only the
//! slots, placed by the hash they carry: the entries stay where they are
//! and no key is hashed again. A lookup reads an entry's key only when the
//! slot's hash matches.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use rustc_hash::FxBuildHasher;

/// One place of the table: the low half of the key's hash in the low 32
/// bits, one more than its entry's index in the high 32 (0 for a free
/// place, so a new table is zeroed memory, which needs no writing).
type Slot = u64;

/// A free place.
const FREE: Slot = 0;

/// The most entries a map holds: an index plus one fits in 32 bits.
const MAX_LEN: usize = u32::MAX as usize - 1;

fn slot(hash: u32, index: usize) -> Slot {
    u64::from(hash) | ((index as u64 + 1) << 32)
}

fn slot_hash(s: Slot) -> u32 {
    s as u32
}

/// The entry index of a full place.
fn slot_index(s: Slot) -> Option<usize> {
    ((s >> 32) as usize).checked_sub(1)
}

/// The most slots a table has: every hash is 32 bits.
const MAX_SLOTS: u64 = 1 << 32;

/// A hash map from `K` to `V`.
pub(super) struct HashedMap<K, V> {
    /// The entries, in no particular order.
    entries: Vec<(K, V)>,
    /// Empty, or a power of two long; at most three quarters full (less
    /// only at `MAX_SLOTS`), so a probe always ends at a free place.
    slots: Vec<Slot>,
}

/// A set of `K` (a [`HashedMap`] with nothing in its values).
pub(super) type HashedSet<K> = HashedMap<K, ()>;

/// The length of a table's first array.
const FIRST_LEN: usize = 16;

impl<K, V> Default for HashedMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            slots: Vec::new(),
        }
    }
}

/// The half of `key`'s hash a slot keeps (the low bits place it).
fn hash_of<Q: Hash + ?Sized>(key: &Q) -> u32 {
    FxBuildHasher.hash_one(key) as u32
}

impl<K: Hash + Eq, V> HashedMap<K, V> {
    /// How many entries the map holds.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Removes every entry.
    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.slots.clear();
    }

    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// `Ok` with the place of `key` (of hash `hash`), or `Err` with the
    /// free place where it would go; `None` in an empty table.
    fn place<Q>(&self, hash: u32, key: &Q) -> Option<Result<usize, usize>>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        loop {
            let s = *self.slots.get(i)?;
            let Some(index) = slot_index(s) else {
                return Some(Err(i));
            };
            if slot_hash(s) == hash
                && self
                    .entries
                    .get(index)
                    .is_some_and(|(k, _)| k.borrow() == key)
            {
                return Some(Ok(i));
            }
            i = (i + 1) & mask;
        }
    }

    /// The value of `key`.
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.place(hash_of(key), key)?.ok()?;
        let index = slot_index(*self.slots.get(i)?)?;
        self.entries.get(index).map(|(_, v)| v)
    }

    /// Makes room for one more entry: keeps the table at most three
    /// quarters full, moving every slot to the doubled table (by the hash
    /// it carries). Panics past `u32::MAX - 1` entries (tens of gigabytes).
    fn reserve_one(&mut self) {
        assert!(
            self.entries.len() < MAX_LEN,
            "an in-memory map holds at most {MAX_LEN} entries"
        );
        let cap = self.slots.len();
        if (self.entries.len() + 1) * 4 <= cap * 3 || cap as u64 >= MAX_SLOTS {
            return;
        }
        let new_cap = (cap * 2).max(FIRST_LEN);
        let old = std::mem::replace(&mut self.slots, vec![FREE; new_cap]);
        let mask = self.mask();
        for slot in old.into_iter().filter(|&s| s != FREE) {
            let mut i = slot_hash(slot) as usize & mask;
            while self.slots.get(i).is_some_and(|&s| s != FREE) {
                i = (i + 1) & mask;
            }
            if let Some(free) = self.slots.get_mut(i) {
                *free = slot;
            }
        }
    }

    /// Puts a new entry at the free place `i`; returns its value.
    fn push(&mut self, i: usize, hash: u32, key: K, value: V) -> &mut V {
        let index = self.entries.len();
        if let Some(free) = self.slots.get_mut(i) {
            // ok: `reserve_one` keeps the count below `MAX_LEN`.
            *free = slot(hash, index);
        }
        self.entries.push((key, value));
        &mut self.entries[index].1 // ok: just pushed
    }

    /// The value of `key`, made by `make` (with the owned key) when absent.
    pub(super) fn get_or_insert_with<Q>(&mut self, key: &Q, make: impl FnOnce() -> (K, V)) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = hash_of(key);
        self.reserve_one();
        // ok: `reserve_one` made the table non-empty.
        match self.place(hash, key).unwrap_or(Err(0)) {
            Ok(i) => {
                let index = slot_index(self.slots[i]).unwrap_or(usize::MAX); // ok: `place` gave a full place of the table
                &mut self.entries[index].1 // ok: a full slot points at an entry
            }
            Err(i) => {
                let (key, value) = make();
                self.push(i, hash, key, value)
            }
        }
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub(super) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = hash_of(&key);
        self.reserve_one();
        // ok: `reserve_one` made the table non-empty.
        match self.place(hash, &key).unwrap_or(Err(0)) {
            Ok(i) => {
                let index = slot_index(self.slots[i]).unwrap_or(usize::MAX); // ok: `place` gave a full place of the table
                Some(std::mem::replace(&mut self.entries[index].1, value)) // ok: a full slot points at an entry
            }
            Err(i) => {
                self.push(i, hash, key, value);
                None
            }
        }
    }

    /// Takes `key` out; returns its value. The slots after it in its run
    /// move back into the gap when their own place allows (no tombstones);
    /// the last entry moves into the removed entry's place.
    pub(super) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut gap = self.place(hash_of(key), key)?.ok()?;
        let index = slot_index(std::mem::replace(self.slots.get_mut(gap)?, FREE))?;
        let mask = self.mask();
        let mut j = gap;
        loop {
            j = (j + 1) & mask;
            let Some(s) = self.slots.get(j).copied().filter(|&s| s != FREE) else {
                break;
            };
            let home = slot_hash(s) as usize & mask;
            // The slot at `j` may fill the gap if the gap lies between its
            // own place and `j` (cyclically).
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(gap) & mask) {
                self.slots[gap] = s; // ok: `gap` is a place of the table
                self.slots[j] = FREE; // ok: `j` too
                gap = j;
            }
        }
        let (_, value) = self.entries.swap_remove(index);
        // The entry that was last now sits at `index`: repoint its slot.
        let moved = self.entries.len();
        if index < moved {
            let hash = hash_of(&self.entries[index].0); // ok: index < len
            let mut i = hash as usize & mask;
            while let Some(s) = self.slots.get_mut(i) {
                if slot_index(*s) == Some(moved) {
                    *s = slot(hash, index);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        Some(value)
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
