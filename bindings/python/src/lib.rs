//! `practicetext._practicetext`: the Python binding. A list of conversions
//! over `practicetext-facade`; nothing of a rule lives here.
//!
//! - arguments: `str`, `bool` and JSON requests (a dict or a JSON `str`),
//!   checked here so that a wrong type, `None` or a lone surrogate raises
//!   `practicetext.InputError` with a code, never a crash;
//! - errors: each facade error raises the class of its area (defined in
//!   `practicetext/errors.py`) with `.code` and `.message`;
//! - threads: batch calls, long texts and every store-backed call run
//!   without the GIL (`py.detach`).

mod convert;
mod practice;
mod text;

use practicetext_facade as facade;
use pyo3::prelude::*;

use convert::{answer, raise, request};

/// Can this recipient get a secure message, and how (SPEC S1, S2)? A dict
/// or JSON str like the CLI's `secure check-recipient` input.
#[pyfunction]
fn check_recipient(py: Python<'_>, recipient: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let json = raise(py, request(py, recipient, "recipient"))?;
    let value = raise(py, facade::check_recipient(json.as_str()))?;
    answer(py, &value)
}

/// Runs a scenario (a dict or the JSON text of a tests/scenarios file) on
/// a fresh in-memory store: one report per step, with "actual".
#[pyfunction]
fn replay_scenario(py: Python<'_>, scenario: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let json = raise(py, request(py, scenario, "scenario"))?;
    let value = raise(py, py.detach(|| facade::replay_scenario(json.as_str())))?;
    answer(py, &value)
}

/// The example practice (happy-paws) as a Directory dict.
#[pyfunction]
fn sample_directory(py: Python<'_>) -> PyResult<Py<PyAny>> {
    answer(py, &facade::sample_directory())
}

#[pymodule]
fn _practicetext(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<text::Phone>()?;
    m.add_class::<text::Segments>()?;
    m.add_class::<text::ForcedChar>()?;
    m.add_class::<text::SmartEncoding>()?;
    m.add_class::<text::Finding>()?;
    m.add_class::<text::ComplianceReport>()?;
    m.add_class::<text::Checker>()?;
    m.add_class::<text::Classification>()?;
    m.add_class::<text::Keywords>()?;
    m.add_class::<practice::Practice>()?;
    m.add_function(wrap_pyfunction!(text::parse_phone, m)?)?;
    m.add_function(wrap_pyfunction!(text::parse_phones, m)?)?;
    m.add_function(wrap_pyfunction!(text::count_segments, m)?)?;
    m.add_function(wrap_pyfunction!(text::count_segments_batch, m)?)?;
    m.add_function(wrap_pyfunction!(text::check_text, m)?)?;
    m.add_function(wrap_pyfunction!(text::check_texts, m)?)?;
    m.add_function(wrap_pyfunction!(text::classify_keyword, m)?)?;
    m.add_function(wrap_pyfunction!(text::classify_keywords, m)?)?;
    m.add_function(wrap_pyfunction!(check_recipient, m)?)?;
    m.add_function(wrap_pyfunction!(replay_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(sample_directory, m)?)?;
    Ok(())
}
