//! JSON in and out of the rich calls. A request comes as text (Python,
//! Kotlin, Swift) or as an already-built [`Value`] (Node converts JavaScript
//! objects directly); answers are [`Value`]s, which `to_string()` writes as
//! compact JSON.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::FacadeError;

/// A JSON request: text, or a value already built by the binding.
#[derive(Debug, Clone)]
pub enum JsonIn<'a> {
    /// JSON text.
    Text(&'a str),
    /// A JSON value.
    Value(Value),
}

impl<'a> From<&'a str> for JsonIn<'a> {
    fn from(s: &'a str) -> Self {
        JsonIn::Text(s)
    }
}

impl<'a> From<&'a String> for JsonIn<'a> {
    fn from(s: &'a String) -> Self {
        JsonIn::Text(s)
    }
}

impl From<Value> for JsonIn<'_> {
    fn from(v: Value) -> Self {
        JsonIn::Value(v)
    }
}

/// Reads `input` as a `T`; `what` names it in the `bad_input` error.
pub fn parse<T: DeserializeOwned>(input: JsonIn<'_>, what: &str) -> Result<T, FacadeError> {
    match input {
        JsonIn::Text(s) => serde_json::from_str(s),
        JsonIn::Value(v) => serde_json::from_value(v),
    }
    .map_err(|e| FacadeError::bad_input(what, &e))
}

/// Writes an answer as a JSON value.
pub fn to_value<T: serde::Serialize>(answer: &T) -> Result<Value, FacadeError> {
    serde_json::to_value(answer).map_err(|e| {
        FacadeError::new(
            crate::error::codes::ANSWER_NOT_SERIALIZABLE,
            crate::error::ErrorArea::Host,
            format!("the answer could not be written as JSON: {e}"),
        )
    })
}
