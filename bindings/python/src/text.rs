//! The typed fast calls: phone numbers, segments, compliance and keywords,
//! single and batch. Results are frozen classes over the core's values;
//! their attributes are converted when read.

use practicetext_facade as facade;
use practicetext_facade::core::text::{
    Classification as CoreClassification, ComplianceReport as CoreReport, Finding as CoreFinding,
    ForcedChar as CoreForcedChar, SegmentCount, SmartEncoding as CoreSmart,
};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::{batch, exception, flag, raise, request, strs};

/// Strings at or above this many bytes are worked on without the GIL;
/// shorter ones take less time than releasing it would.
const DETACH_BYTES: usize = 4096;

fn run<T: Send>(py: Python<'_>, len: usize, f: impl FnOnce() -> T + Send) -> T {
    if len >= DETACH_BYTES {
        py.detach(f)
    } else {
        f()
    }
}

/// A textable US or Canadian number (SPEC N1, N2).
#[pyclass(frozen, eq, hash, module = "practicetext")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    inner: facade::Phone,
}

#[pymethods]
impl Phone {
    /// E.164, e.g. "+16502530000".
    #[getter]
    fn e164(&self) -> String {
        self.inner.e164()
    }
    /// "US", "CA" or "TOLL_FREE".
    #[getter]
    fn region(&self) -> &'static str {
        self.inner.region()
    }
    /// "(650) 253-0000".
    #[getter]
    fn national_format(&self) -> String {
        self.inner.national_format()
    }
    fn __str__(&self) -> String {
        self.inner.e164()
    }
    fn __repr__(&self) -> String {
        format!(
            "Phone('{}', region='{}')",
            self.inner.number.redacted(),
            self.inner.region()
        )
    }
}

/// Parses any common written form of a US or Canadian number (SPEC N1, N2).
/// Raises PhoneError (code "not_north_american", "invalid_area_code", ...).
#[pyfunction]
pub fn parse_phone(py: Python<'_>, number: &Bound<'_, PyAny>) -> PyResult<Phone> {
    let s = raise(py, crate::convert::text(number, "number"))?;
    raise(py, facade::parse_phone(s)).map(|inner| Phone { inner })
}

/// parse_phone over many numbers: a list in the same order, each a Phone or
/// the PhoneError (not raised) that says why not.
#[pyfunction]
pub fn parse_phones<'py>(
    py: Python<'py>,
    numbers: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let items = raise(py, crate::convert::texts(numbers, "numbers"))?;
    let strs = raise(py, strs(&items, "numbers"))?;
    batch(py, &strs, facade::parse_phones, |r| match r {
        Ok(inner) => Phone { inner }.into_bound_py_any(py),
        Err(e) => exception(py, &e),
    })
}

/// A character that forces UCS-2 (SPEC P7); start/end are code-point indices.
#[pyclass(frozen, get_all, module = "practicetext")]
pub struct ForcedChar {
    text: String,
    start: usize,
    end: usize,
    replacement: Option<String>,
}

impl From<&CoreForcedChar> for ForcedChar {
    fn from(c: &CoreForcedChar) -> Self {
        ForcedChar {
            text: c.text.clone(),
            start: c.start,
            end: c.end,
            replacement: c.replacement.clone(),
        }
    }
}

/// The smart-encoding fix suggested for a UCS-2 text (SPEC P7); never applied.
#[pyclass(frozen, get_all, module = "practicetext")]
pub struct SmartEncoding {
    text: String,
    encoding: &'static str,
    units: usize,
    segments: usize,
    remaining: usize,
    replaced: usize,
}

#[pymethods]
impl SmartEncoding {
    fn __repr__(&self) -> String {
        format!(
            "SmartEncoding(encoding='{}', segments={}, replaced={})",
            self.encoding, self.segments, self.replaced
        )
    }
}

impl From<&CoreSmart> for SmartEncoding {
    fn from(s: &CoreSmart) -> Self {
        SmartEncoding {
            text: s.text.clone(),
            encoding: s.encoding.as_str(),
            units: s.units,
            segments: s.segments,
            remaining: s.remaining,
            replaced: s.replaced,
        }
    }
}

/// What a text costs (SPEC P7): encoding, units, segments, characters remaining.
#[pyclass(frozen, module = "practicetext")]
pub struct Segments {
    inner: SegmentCount,
}

#[pymethods]
impl Segments {
    /// "GSM-7" or "UCS-2".
    #[getter]
    fn encoding(&self) -> &'static str {
        self.inner.encoding.as_str()
    }
    #[getter]
    fn units(&self) -> usize {
        self.inner.units
    }
    #[getter]
    fn segments(&self) -> usize {
        self.inner.segments
    }
    #[getter]
    fn remaining(&self) -> usize {
        self.inner.remaining
    }
    #[getter]
    fn per_segment(&self) -> usize {
        self.inner.per_segment
    }
    #[getter]
    fn characters(&self) -> usize {
        self.inner.characters
    }
    #[getter]
    fn ucs2_chars(&self) -> Vec<ForcedChar> {
        self.inner.ucs2_chars.iter().map(ForcedChar::from).collect()
    }
    #[getter]
    fn smart_encoding(&self) -> Option<SmartEncoding> {
        self.inner.smart_encoding.as_ref().map(SmartEncoding::from)
    }
    fn __repr__(&self) -> String {
        format!(
            "Segments(encoding='{}', segments={}, remaining={})",
            self.encoding(),
            self.inner.segments,
            self.inner.remaining
        )
    }
}

/// Encoding, segments and characters remaining of a text (SPEC P7).
#[pyfunction]
pub fn count_segments(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Segments> {
    let s = raise(py, crate::convert::text(text, "text"))?;
    let inner = run(py, s.len(), || facade::count_segments(s));
    Ok(Segments { inner })
}

/// count_segments over many texts.
#[pyfunction]
pub fn count_segments_batch<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let items = raise(py, crate::convert::texts(texts, "texts"))?;
    let strs = raise(py, strs(&items, "texts"))?;
    batch(py, &strs, facade::count_segments_batch, |inner| {
        Ok(Segments { inner })
    })
}

/// One problem found in a text (SPEC P6): code, severity, span, message.
#[pyclass(frozen, get_all, module = "practicetext")]
pub struct Finding {
    code: String,
    severity: &'static str,
    start: usize,
    end: usize,
    message: String,
}

impl From<&CoreFinding> for Finding {
    fn from(f: &CoreFinding) -> Self {
        use practicetext_facade::core::text::Severity;
        Finding {
            code: f.code.clone(),
            severity: match f.severity {
                Severity::Warn => "warn",
                Severity::Block => "block",
            },
            start: f.start,
            end: f.end,
            message: f.message.clone(),
        }
    }
}

/// The result of a content check (SPEC P1-P7).
#[pyclass(frozen, module = "practicetext")]
pub struct ComplianceReport {
    inner: CoreReport,
}

#[pymethods]
impl ComplianceReport {
    /// "ok", "warn" or "block".
    #[getter]
    fn verdict(&self) -> &'static str {
        use practicetext_facade::core::text::Verdict;
        match self.inner.verdict {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
    #[getter]
    fn findings(&self) -> Vec<Finding> {
        self.inner.findings.iter().map(Finding::from).collect()
    }
    #[getter]
    fn segments(&self) -> Segments {
        Segments {
            inner: self.inner.segments.clone(),
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "ComplianceReport(verdict='{}', findings={})",
            self.verdict(),
            self.inner.findings.len()
        )
    }
}

fn mode(py: Python<'_>, m: &Bound<'_, PyAny>) -> PyResult<practicetext_facade::core::text::Mode> {
    raise(
        py,
        crate::convert::text(m, "mode").and_then(facade::parse_mode),
    )
}

/// A content checker for an organization's policy (a dict or JSON str of
/// a ContentPolicy; fields left out keep the built-in lists), compiled once.
#[pyclass(frozen, module = "practicetext")]
pub struct Checker {
    inner: facade::Checker,
}

#[pymethods]
impl Checker {
    #[new]
    #[pyo3(signature = (policy = None))]
    fn new(py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let inner = match policy {
            None => facade::Checker::default(),
            Some(p) => {
                let json = raise(py, request(py, p, "policy"))?;
                raise(py, py.detach(|| facade::Checker::new(json.as_str())))?
            }
        };
        Ok(Checker { inner })
    }

    /// Checks one text (SPEC P1-P7).
    #[pyo3(signature = (text, mode = None))]
    fn check(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        mode: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ComplianceReport> {
        let s = raise(py, crate::convert::text(text, "text"))?;
        let m = mode_or_default(py, mode)?;
        let inner = run(py, s.len(), || self.inner.check(s, m));
        Ok(ComplianceReport { inner })
    }

    /// Checks many texts.
    #[pyo3(signature = (texts, mode = None))]
    fn check_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        mode: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items = raise(py, crate::convert::texts(texts, "texts"))?;
        let strs = raise(py, strs(&items, "texts"))?;
        let m = mode_or_default(py, mode)?;
        batch(
            py,
            &strs,
            |chunk| self.inner.check_batch(chunk, m),
            |inner| Ok(ComplianceReport { inner }),
        )
    }
}

fn mode_or_default(
    py: Python<'_>,
    m: Option<&Bound<'_, PyAny>>,
) -> PyResult<practicetext_facade::core::text::Mode> {
    match m {
        None => Ok(Default::default()),
        Some(m) => mode(py, m),
    }
}

/// Checks one text with the built-in content policy (SPEC P1-P7);
/// mode is "conversation" (default) or "broadcast".
#[pyfunction]
#[pyo3(signature = (text, mode = None))]
pub fn check_text(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    mode: Option<&Bound<'_, PyAny>>,
) -> PyResult<ComplianceReport> {
    Checker {
        inner: facade::Checker::default(),
    }
    .check(py, text, mode)
}

/// check_text over many texts.
#[pyfunction]
#[pyo3(signature = (texts, mode = None))]
pub fn check_texts<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    mode: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    Checker {
        inner: facade::Checker::default(),
    }
    .check_batch(py, texts, mode)
}

/// How an inbound text reads (SPEC C1-C3, C5).
#[pyclass(frozen, module = "practicetext")]
pub struct Classification {
    inner: CoreClassification,
}

#[pymethods]
impl Classification {
    /// "opt_out", "opt_in", "help" or "none".
    #[getter]
    fn action(&self) -> &'static str {
        use practicetext_facade::core::text::KeywordAction;
        match self.inner.action {
            KeywordAction::OptOut => "opt_out",
            KeywordAction::OptIn => "opt_in",
            KeywordAction::Help => "help",
            KeywordAction::None => "none",
        }
    }
    #[getter]
    fn review(&self) -> bool {
        self.inner.review
    }
    /// "natural_language_opt_out", "possible_cancellation".
    #[getter]
    fn flags(&self) -> Vec<&'static str> {
        use practicetext_facade::core::text::KeywordFlag;
        self.inner
            .flags
            .iter()
            .map(|f| match f {
                KeywordFlag::NaturalLanguageOptOut => "natural_language_opt_out",
                KeywordFlag::PossibleCancellation => "possible_cancellation",
            })
            .collect()
    }
    #[getter]
    fn keyword(&self) -> Option<String> {
        self.inner.keyword.as_deref().map(str::to_owned)
    }
    fn __repr__(&self) -> String {
        format!(
            "Classification(action='{}', review={})",
            self.action(),
            if self.inner.review { "True" } else { "False" }
        )
    }
}

/// The keyword classifier with an organization's lists added to the
/// built-in ones (a dict or JSON str of KeywordLists).
#[pyclass(frozen, module = "practicetext")]
pub struct Keywords {
    inner: facade::Keywords,
}

#[pymethods]
impl Keywords {
    #[new]
    #[pyo3(signature = (extra = None))]
    fn new(py: Python<'_>, extra: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let inner = match extra {
            None => facade::Keywords::default(),
            Some(e) => {
                let json = raise(py, request(py, e, "extra"))?;
                raise(py, py.detach(|| facade::Keywords::new(json.as_str())))?
            }
        };
        Ok(Keywords { inner })
    }

    /// Classifies one inbound text; opted_out is the sender's state.
    #[pyo3(signature = (text, opted_out = None))]
    fn classify(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        opted_out: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Classification> {
        let s = raise(py, crate::convert::text(text, "text"))?;
        let o = opted(py, opted_out)?;
        let inner = run(py, s.len(), || self.inner.classify(s, o));
        Ok(Classification { inner })
    }

    /// Classifies many texts.
    #[pyo3(signature = (texts, opted_out = None))]
    fn classify_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        opted_out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items = raise(py, crate::convert::texts(texts, "texts"))?;
        let strs = raise(py, strs(&items, "texts"))?;
        let o = opted(py, opted_out)?;
        batch(
            py,
            &strs,
            |chunk| self.inner.classify_batch(chunk, o),
            |inner| Ok(Classification { inner }),
        )
    }
}

fn opted(py: Python<'_>, o: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    match o {
        None => Ok(false),
        Some(o) => raise(py, flag(o, "opted_out")),
    }
}

/// Classifies one inbound text with the built-in lists (SPEC C1-C3, C5).
#[pyfunction]
#[pyo3(signature = (text, opted_out = None))]
pub fn classify_keyword(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    opted_out: Option<&Bound<'_, PyAny>>,
) -> PyResult<Classification> {
    Keywords {
        inner: facade::Keywords::default(),
    }
    .classify(py, text, opted_out)
}

/// classify_keyword over many texts.
#[pyfunction]
#[pyo3(signature = (texts, opted_out = None))]
pub fn classify_keywords<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    opted_out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    Keywords {
        inner: facade::Keywords::default(),
    }
    .classify_batch(py, texts, opted_out)
}
