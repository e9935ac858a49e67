//! Conversions between Python values and the facade's: arguments (str,
//! bool, JSON requests), answers (JSON values), and errors (one exception
//! class per error area, defined in `practicetext/errors.py`).

use practicetext_facade::{ErrorArea, FacadeError};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyList, PyString};
use serde_json::Value;

/// The exception class of each area, in `practicetext.errors`.
fn class_name(area: ErrorArea) -> &'static str {
    match area {
        ErrorArea::Phone => "PhoneError",
        ErrorArea::Email => "EmailError",
        ErrorArea::Directory => "DirectoryError",
        ErrorArea::Hours => "HoursError",
        ErrorArea::Engine => "EngineError",
        ErrorArea::Scenario => "ScenarioError",
        ErrorArea::Store => "StoreError",
        ErrorArea::Webhook => "WebhookError",
        ErrorArea::Secure => "SecureError",
        ErrorArea::Text => "TextError",
        ErrorArea::Inbox => "InboxError",
        ErrorArea::Broadcast => "BroadcastError",
        ErrorArea::Input => "InputError",
        ErrorArea::Host => "HostError",
    }
}

/// The exception instance for `e` (not raised): `SomeAreaError(code, message)`.
pub fn exception<'py>(py: Python<'py>, e: &FacadeError) -> PyResult<Bound<'py, PyAny>> {
    static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module =
        ERRORS.get_or_try_init(py, || py.import("practicetext.errors").map(Bound::unbind))?;
    let instance = module
        .bind(py)
        .getattr(class_name(e.area()))?
        .call1((e.code(), e.message()))?;
    if !e.reasons().is_empty() {
        let reasons = e
            .reasons()
            .iter()
            .map(|r| {
                let d = pyo3::types::PyDict::new(py);
                d.set_item("code", r.code)?;
                d.set_item("message", &r.message)?;
                Ok(d)
            })
            .collect::<PyResult<Vec<_>>>()?;
        instance.setattr("reasons", reasons)?;
    }
    Ok(instance)
}

/// `e` as a Python exception to raise.
pub fn to_py_err(py: Python<'_>, e: FacadeError) -> PyErr {
    match exception(py, &e) {
        Ok(instance) => PyErr::from_value(instance),
        Err(failed) => failed,
    }
}

/// Runs `f` and raises its error as the area's exception.
pub fn raise<T>(py: Python<'_>, r: Result<T, FacadeError>) -> PyResult<T> {
    r.map_err(|e| to_py_err(py, e))
}

/// A `str` argument, borrowed (no copy): anything else is `invalid_argument`,
/// a `str` with lone surrogates `invalid_unicode`.
pub fn text<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> Result<&'a str, FacadeError> {
    let s = obj
        .cast::<PyString>()
        .map_err(|_| wrong_type(obj, what, "a str"))?;
    s.to_str().map_err(|_| FacadeError::invalid_unicode(what))
}

/// A `bool` argument (not a truthy object).
pub fn flag(obj: &Bound<'_, PyAny>, what: &str) -> Result<bool, FacadeError> {
    obj.cast::<PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| wrong_type(obj, what, "a bool"))
}

/// Every item of an iterable of `str` (a list, a tuple, a generator).
pub fn texts<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
) -> Result<Vec<Bound<'py, PyString>>, FacadeError> {
    if obj.is_instance_of::<PyString>() {
        return Err(FacadeError::invalid_argument(format!(
            "{what} must be an iterable of str, not a single str"
        )));
    }
    let items = obj
        .try_iter()
        .map_err(|_| wrong_type(obj, what, "an iterable of str"))?;
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
    for (i, item) in items.enumerate() {
        let item = item.map_err(|_| wrong_type(obj, what, "an iterable of str"))?;
        let s = item
            .cast_into::<PyString>()
            .map_err(|e| wrong_type(e.into_inner().as_any(), &format!("{what}[{i}]"), "a str"))?;
        out.push(s);
    }
    Ok(out)
}

/// Borrows each string of [`texts`] as UTF-8.
pub fn strs<'a>(items: &'a [Bound<'_, PyString>], what: &str) -> Result<Vec<&'a str>, FacadeError> {
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.to_str()
                .map_err(|_| FacadeError::invalid_unicode(&format!("{what}[{i}]")))
        })
        .collect()
}

/// Items a batch works on between two conversions: small enough to stay in
/// cache, large enough that releasing the GIL costs nothing per item.
const CHUNK: usize = 512;

/// A batch call: `work` runs on each chunk of `items` without the GIL, and
/// each chunk's results become Python objects (`convert`) while it is still
/// in cache. Answers the list of them, in order.
pub fn batch<'py, 'a, T, O>(
    py: Python<'py>,
    items: &'a [&'a str],
    work: impl Fn(&'a [&'a str]) -> Vec<T> + Sync,
    convert: impl Fn(T) -> PyResult<O>,
) -> PyResult<Bound<'py, PyList>>
where
    T: Send,
    O: IntoPyObject<'py>,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(CHUNK) {
        let results = py.detach(|| work(chunk));
        for r in results {
            out.push(convert(r)?.into_bound_py_any(py)?);
        }
    }
    PyList::new(py, out)
}

/// A JSON request: a `str` of JSON, or a dict/list/... that `json.dumps`
/// writes. `None` is `invalid_argument`.
pub fn request(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str) -> Result<String, FacadeError> {
    if obj.is_none() {
        return Err(FacadeError::invalid_argument(format!(
            "{what} must be a dict or a JSON str, not None"
        )));
    }
    if obj.is_instance_of::<PyString>() {
        return text(obj, what).map(str::to_owned);
    }
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let written = DUMPS
        .import(py, "json", "dumps")
        .and_then(|dumps| dumps.call1((obj,)))
        .and_then(|s| s.extract::<String>());
    written.map_err(|_| {
        FacadeError::invalid_argument(format!(
            "{what} must be JSON data (dict, list, str, int, float, bool, None); a {} cannot be written as JSON",
            type_name(obj)
        ))
    })
}

/// A JSON answer as Python data (dicts, lists, str, int, float, bool, None).
pub fn answer(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(LOADS
        .import(py, "json", "loads")?
        .call1((value.to_string(),))?
        .unbind())
}

fn wrong_type(obj: &Bound<'_, PyAny>, what: &str, expected: &str) -> FacadeError {
    FacadeError::invalid_argument(format!("{what} must be {expected}, not {}", type_name(obj)))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}
