//! The SQLite store runs the conformance suite: once on a private in-memory
//! database and once on a file (WAL) per test.

use practicetext_sqlite::SqliteStore;

mod in_memory {
    use super::*;
    practicetext_store_tests::store_conformance_tests!(|| Box::new(
        SqliteStore::open_in_memory().expect("open in memory")
    ));
    practicetext_store_tests::atomic_store_tests!(|| Box::new(
        SqliteStore::open_in_memory().expect("open in memory")
    ));
}

mod on_file {
    use super::*;

    /// A store on a file in a temporary directory, removed when dropped.
    struct FileStore {
        store: SqliteStore,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for FileStore {
        type Target = SqliteStore;
        fn deref(&self) -> &SqliteStore {
            &self.store
        }
    }

    fn file_store() -> FileStore {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(dir.path().join("practicetext.db")).expect("open");
        FileStore { store, _dir: dir }
    }

    practicetext_store_tests::store_conformance_tests!(file_store);
    practicetext_store_tests::atomic_store_tests!(file_store);
}
