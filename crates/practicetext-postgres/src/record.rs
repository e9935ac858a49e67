//! Records as JSON text, and PostgreSQL errors as [`StoreError`]s. Neither
//! message ever quotes a stored value: serde's messages can (`invalid
//! value: string "..."`), so only the kind and position of a JSON error is
//! kept; of a server error only its message and SQLSTATE are kept, never
//! its DETAIL (`Key (number)=(+1...) already exists`).

use practicetext_core::ports::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A record as the JSON text stored in its `record` column.
pub(crate) fn to_json<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend {
        message: format!(
            "could not encode a {what} record ({:?} error)",
            e.classify()
        ),
    })
}

/// A record read back from its JSON text.
pub(crate) fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Backend {
        message: format!(
            "a stored {what} record could not be read ({:?} error at line {} column {}); \
             it was changed by hand or written by another version",
            e.classify(),
            e.line(),
            e.column()
        ),
    })
}

/// A PostgreSQL failure as a [`StoreError::Backend`].
pub(crate) fn backend(e: postgres::Error) -> StoreError {
    StoreError::Backend {
        message: describe(&e),
    }
}

/// The failure's description, without DETAIL or any bound value.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("postgres: {} (SQLSTATE {})", db.message(), db.code().code()),
        None => format!("postgres: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_record_message_quotes_no_stored_value() {
        let err = from_json::<u32>("client", r#""Jane Doe""#).unwrap_err();
        assert_eq!(err.code(), "store_backend");
        assert!(!err.to_string().contains("Jane"), "{err}");
        assert!(err.to_string().contains("client record"), "{err}");
    }
}
