//! Store selection by a spec string, the way hosts configure it (an
//! environment variable, a settings file):
//!
//! | spec | store |
//! | --- | --- |
//! | `memory` | the in-memory store (nothing kept after the process) |
//! | `sqlite::memory:` | a private SQLite database in memory |
//! | `sqlite:PATH` or a plain path | the SQLite file at `PATH` (created if missing) |
//! | `postgres://...`, `postgresql://...` | PostgreSQL (feature `postgres`) |
//!
//! Anything else with `://` is refused with `invalid_store_spec`.

use std::path::PathBuf;

use crate::error::{ErrorArea, FacadeError, codes};

/// A parsed store spec.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// The in-memory store.
    Memory,
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (kept whole: it may carry a password).
    Postgres(String),
}

impl std::fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Memory => f.write_str("Memory"),
            StoreSpec::SqliteMemory => f.write_str("SqliteMemory"),
            StoreSpec::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            StoreSpec::Postgres(_) => f.write_str("Postgres(<url redacted>)"),
        }
    }
}

impl StoreSpec {
    /// Reads a spec (see the [module documentation](self)).
    pub fn parse(spec: &str) -> Result<StoreSpec, FacadeError> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(invalid("the store spec is empty"));
        }
        if spec == "memory" {
            return Ok(StoreSpec::Memory);
        }
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            return Ok(StoreSpec::Postgres(spec.to_owned()));
        }
        let path = spec
            .strip_prefix("sqlite://")
            .or_else(|| spec.strip_prefix("sqlite:"));
        match path {
            Some(":memory:") => Ok(StoreSpec::SqliteMemory),
            Some("") => Err(invalid(
                "sqlite: needs a file path, e.g. sqlite:practice.db",
            )),
            Some(p) => Ok(StoreSpec::Sqlite(PathBuf::from(p))),
            None if spec.contains("://") => Err(invalid(
                "unknown store URL scheme; use memory, sqlite:PATH or postgresql://...",
            )),
            None => Ok(StoreSpec::Sqlite(PathBuf::from(spec))),
        }
    }

    /// `"memory"`, `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreSpec::Memory => "memory",
            StoreSpec::SqliteMemory | StoreSpec::Sqlite(_) => "sqlite",
            StoreSpec::Postgres(_) => "postgres",
        }
    }
}

fn invalid(message: &str) -> FacadeError {
    FacadeError::new(codes::INVALID_STORE_SPEC, ErrorArea::Store, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(StoreSpec::parse("memory").unwrap(), StoreSpec::Memory);
        assert_eq!(
            StoreSpec::parse("sqlite::memory:").unwrap(),
            StoreSpec::SqliteMemory
        );
        assert_eq!(
            StoreSpec::parse("sqlite:/tmp/p.db").unwrap(),
            StoreSpec::Sqlite("/tmp/p.db".into())
        );
        assert_eq!(
            StoreSpec::parse("practice.db").unwrap(),
            StoreSpec::Sqlite("practice.db".into())
        );
        assert_eq!(
            StoreSpec::parse("postgresql://u@h/db").unwrap().kind(),
            "postgres"
        );
        for bad in ["", "  ", "sqlite:", "mysql://x"] {
            assert_eq!(
                StoreSpec::parse(bad).unwrap_err().code(),
                "invalid_store_spec",
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_postgres_passwords() {
        let s = StoreSpec::parse("postgresql://u:secret@h/db").unwrap();
        assert!(!format!("{s:?}").contains("secret"));
    }
}
