//! Conversions between JavaScript values and the facade's: arguments
//! (checked here, so `null`, `undefined`, a wrong type or a lone surrogate
//! becomes an error with a code, never a crash), JSON requests and answers,
//! and errors (`err.code` is the library's stable code).

use napi::bindgen_prelude::{Array, FromNapiValue, JsObjectValue, Object, Unknown, Utf16String};
use napi::{Env, JsError, JsValue, ValueType};
use practicetext_facade::FacadeError;

/// `e` as the error a `#[napi]` function throws or a Promise rejects
/// with: an `Error` whose `code` is the library's stable code, `area` the
/// error's area (`"phone"`, `"broadcast"`, ...), `message` the message, and
/// for a refusal with several reasons (`broadcast_refused`) `reasons`:
/// `[{code, message}]`.
pub fn js_error(env: &Env, e: FacadeError) -> napi::Error {
    let error =
        JsError::from(napi::Error::new(e.code(), e.message().to_owned())).into_unknown(*env);
    let with_area = error.coerce_to_object().and_then(|mut o| {
        o.set_named_property("area", e.area().as_str())?;
        if e.reasons().is_empty() {
            return Ok(());
        }
        let reasons: Vec<serde_json::Value> = e
            .reasons()
            .iter()
            .map(|r| serde_json::json!({"code": r.code, "message": r.message}))
            .collect();
        o.set_named_property("reasons", reasons)
    });
    match with_area {
        Ok(()) => napi::Error::from(error),
        // Only when the environment is going away: nobody reads it then.
        Err(_) => napi::Error::new(
            napi::Status::GenericFailure,
            format!("{}: {}", e.code(), e.message()),
        ),
    }
}

/// Raises the facade's error as a JavaScript error ([`js_error`]).
pub fn raise<T>(env: &Env, r: Result<T, FacadeError>) -> napi::Result<T> {
    r.map_err(|e| js_error(env, e))
}

fn type_name(v: &Unknown<'_>) -> &'static str {
    match v.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "a boolean",
        Ok(ValueType::Number) => "a number",
        Ok(ValueType::String) => "a string",
        Ok(ValueType::Symbol) => "a symbol",
        Ok(ValueType::Object) => "an object",
        Ok(ValueType::Function) => "a function",
        Ok(ValueType::BigInt) => "a bigint",
        _ => "an unknown value",
    }
}

fn wrong_type(v: &Unknown<'_>, what: &str, expected: &str) -> FacadeError {
    FacadeError::invalid_argument(format!("{what} must be {expected}, not {}", type_name(v)))
}

/// A string argument. JavaScript strings are UTF-16; one with a lone
/// surrogate is refused (`invalid_unicode`) instead of being silently
/// altered.
pub fn text(v: Unknown<'_>, what: &str) -> Result<String, FacadeError> {
    if v.get_type().ok() != Some(ValueType::String) {
        return Err(wrong_type(&v, what, "a string"));
    }
    let units = Utf16String::from_unknown(v).map_err(|_| wrong_type(&v, what, "a string"))?;
    String::from_utf16(&units).map_err(|_| FacadeError::invalid_unicode(what))
}

/// A string argument as UTF-16 code units, unchecked (for callers that
/// split it first and check each piece).
pub fn utf16(v: Unknown<'_>, what: &str) -> Result<Utf16String, FacadeError> {
    if v.get_type().ok() != Some(ValueType::String) {
        return Err(wrong_type(&v, what, "a string"));
    }
    Utf16String::from_unknown(v).map_err(|_| wrong_type(&v, what, "a string"))
}

/// An optional boolean argument (`undefined` is `false`).
pub fn flag(v: Option<Unknown<'_>>, what: &str) -> Result<bool, FacadeError> {
    match v {
        None => Ok(false),
        Some(v) if v.get_type().ok() == Some(ValueType::Undefined) => Ok(false),
        Some(v) if v.get_type().ok() == Some(ValueType::Boolean) => {
            bool::from_unknown(v).map_err(|_| wrong_type(&v, what, "a boolean"))
        }
        Some(v) => Err(wrong_type(&v, what, "a boolean")),
    }
}

/// An optional string argument (`undefined` is absent).
pub fn opt_text(v: Option<Unknown<'_>>, what: &str) -> Result<Option<String>, FacadeError> {
    match v {
        None => Ok(None),
        Some(v) if v.get_type().ok() == Some(ValueType::Undefined) => Ok(None),
        Some(v) => text(v, what).map(Some),
    }
}

/// An array of strings.
pub fn texts(v: Unknown<'_>, what: &str) -> Result<Vec<String>, FacadeError> {
    let not_array = || wrong_type(&v, what, "an array of strings");
    if v.get_type().ok() != Some(ValueType::Object) {
        return Err(not_array());
    }
    let array = Array::from_unknown(v).map_err(|_| not_array())?;
    (0..array.len())
        .map(|i| {
            let item = array
                .get::<Unknown>(i)
                .ok()
                .flatten()
                .ok_or_else(not_array)?;
            text(item, &format!("{what}[{i}]"))
        })
        .collect()
}

/// A JSON request: an object (or array, ...) that `JSON.stringify` writes,
/// or a string of JSON. `JSON.stringify` turns a `Date` into its ISO
/// string and a lone surrogate into an escape the parser refuses.
pub fn request(env: &Env, v: Unknown<'_>, what: &str) -> Result<String, FacadeError> {
    match v.get_type() {
        Ok(ValueType::String) => return text(v, what),
        Ok(ValueType::Object) => {}
        _ => return Err(wrong_type(&v, what, "an object or a JSON string")),
    }
    let failed = |_| {
        FacadeError::invalid_argument(format!(
            "{what} cannot be written as JSON (a cycle or a BigInt?)"
        ))
    };
    let json: Object = env
        .get_global()
        .and_then(|g| g.get_named_property("JSON"))
        .map_err(failed)?;
    let stringify: napi::bindgen_prelude::Function<Unknown, Unknown> =
        json.get_named_property("stringify").map_err(failed)?;
    let written = stringify.call(v).map_err(failed)?;
    text(written, what)
}
