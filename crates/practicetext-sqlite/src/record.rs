//! Records as JSON text, and SQLite errors as [`StoreError`]s. Neither
//! message ever quotes a stored value: serde's messages can (`invalid
//! value: string "..."`), so only the kind and position of a JSON error is
//! kept; SQLite's own messages name tables and columns, never bound values.

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
    serde_json::from_str(text).map_err(|e| unreadable(what, &e))
}

/// A record that could not be read back, without the value serde quotes.
fn unreadable(what: &str, e: &serde_json::Error) -> StoreError {
    StoreError::Backend {
        message: format!(
            "a stored {what} record could not be read ({:?} error at line {} column {}); \
             it was changed by hand or written by another version",
            e.classify(),
            e.line(),
            e.column()
        ),
    }
}

/// A record read back from its JSON text, as SQLite's bytes (read in
/// place, not copied into a `String`).
pub(crate) fn from_json_bytes<T: DeserializeOwned>(
    what: &str,
    text: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(text).map_err(|e| unreadable(what, &e))
}

/// A SQLite failure as a [`StoreError::Backend`].
pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend {
        message: describe(&e),
    }
}

/// SQLite's description of a failure, without any bound value.
pub(crate) fn describe(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(code, Some(message)) => {
            format!("sqlite: {message} ({code})")
        }
        rusqlite::Error::SqliteFailure(code, None) => format!("sqlite: {code}"),
        rusqlite::Error::FromSqlConversionFailure(column, kind, _) => {
            format!("sqlite: column {column} holds an unreadable {kind} value")
        }
        other => format!("sqlite: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use practicetext_core::sensitive::PersonName;

    #[test]
    fn unreadable_record_message_quotes_no_stored_value() {
        let err = from_json::<u32>("client", r#""Jane Doe""#).unwrap_err();
        assert_eq!(err.code(), "store_backend");
        assert!(!err.to_string().contains("Jane"), "{err}");
        assert!(err.to_string().contains("client record"), "{err}");
    }

    #[test]
    fn records_round_trip_through_json_text() {
        let name = PersonName::new("Zoë");
        let text = to_json("client", &name).unwrap();
        assert_eq!(from_json::<PersonName>("client", &text).unwrap(), name);
    }
}
