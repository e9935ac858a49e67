//! The SQLite store runs the conformance suite: once on a private in-memory
//! database and once on a file (WAL) per test; on a file, the concurrent
//! claim check runs each worker on its own `SqliteStore` of that file.

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
        path: std::path::PathBuf,
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
        let path = dir.path().join("practicetext.db");
        let store = SqliteStore::open(&path).expect("open");
        FileStore {
            store,
            path,
            _dir: dir,
        }
    }

    /// Three more stores on the same file: each worker of the concurrency
    /// check claims through a connection of its own.
    fn more_handles(fixture: &FileStore) -> Vec<SqliteStore> {
        (0..3)
            .map(|_| SqliteStore::open(&fixture.path).expect("open again"))
            .collect()
    }

    practicetext_store_tests::store_conformance_tests!(file_store, handles = more_handles);
    practicetext_store_tests::atomic_store_tests!(file_store);
}
