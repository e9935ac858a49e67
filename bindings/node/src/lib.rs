//! `@practicetext/node`: the Node.js binding. A list of conversions over
//! `practicetext-facade`; nothing of a rule lives here.
//!
//! - typed fast calls (phone numbers, segments, compliance, keywords) and
//!   their batch forms return plain objects with camelCase fields;
//! - `Practice` calls take and return JSON-shaped objects (the library's
//!   JSON contract, snake_case keys) and run on the libuv thread pool,
//!   returning Promises;
//! - every error is a JavaScript `Error` whose `code` is the library's
//!   stable code (`invalid_area_code`, `bad_input`, ...).

mod convert;
mod practice;

use napi::Env;
use napi::bindgen_prelude::{Float64ArraySlice, Uint8ArraySlice, Uint32ArraySlice, Unknown};
use napi_derive::napi;
use practicetext_facade as facade;
use practicetext_facade::core::phone::Region;
use practicetext_facade::core::text::{
    Classification as CoreClassification, ComplianceReport as CoreReport, KeywordAction,
    KeywordFlag, Mode, SegmentCount, Severity, Verdict,
};

use convert::{flag, opt_text, raise, request};

pub use practice::Practice;

/// A textable US or Canadian number (SPEC N1, N2).
#[napi(object, object_from_js = false)]
pub struct Phone {
    /// E.164, e.g. "+16502530000".
    pub e164: String,
    /// "US", "CA" or "TOLL_FREE".
    #[napi(ts_type = "'US' | 'CA' | 'TOLL_FREE'")]
    pub region: String,
}

impl From<facade::Phone> for Phone {
    fn from(p: facade::Phone) -> Self {
        Phone {
            e164: p.e164(),
            region: p.region().to_owned(),
        }
    }
}

/// Parses any common written form of a US or Canadian number (SPEC N1, N2).
/// Throws an Error whose `code` says why not ("not_north_american", ...).
#[napi(ts_args_type = "number: string")]
pub fn parse_phone(env: Env, number: Unknown) -> napi::Result<Phone> {
    let s = raise(&env, convert::text(number, "number"))?;
    raise(&env, facade::parse_phone(&s)).map(Phone::from)
}

/// The region codes `_parsePhoneInto` and `_parsePhonesInto` write.
fn region_index(p: &facade::Phone) -> u8 {
    match p.region_enum() {
        Region::US => 0,
        Region::CA => 1,
        Region::TollFree => 2,
    }
}

/// The fast path of `parsePhone` used by practicetext.js: answers the E.164
/// string and writes the region's index (US, CA, TOLL_FREE) into `out[0]`.
#[napi(
    js_name = "_parsePhoneInto",
    ts_args_type = "number: string, out: Uint8Array"
)]
pub fn parse_phone_into(
    env: Env,
    number: Unknown,
    mut out: Uint8ArraySlice,
) -> napi::Result<String> {
    let s = raise(&env, convert::text(number, "number"))?;
    let p = raise(&env, facade::parse_phone(&s))?;
    // SAFETY: a synchronous call on the JavaScript thread: no JavaScript
    // runs while the slice is written.
    let slot = unsafe { out.as_mut() }
        .first_mut()
        .ok_or_else(|| short_buffer(&env))?;
    *slot = region_index(&p);
    Ok(p.e164())
}

/// The fast path of `parsePhones` used by practicetext.js: the numbers
/// arrive as one string with their UTF-16 lengths; for each, `national`
/// gets its ten national digits (0 when refused) and `region` its region's
/// index. Refusals are read again one by one for their code and message.
#[napi(
    js_name = "_parsePhonesInto",
    ts_args_type = "joined: string, lengths: Uint32Array, national: Float64Array, region: Uint8Array"
)]
pub fn parse_phones_into(
    env: Env,
    joined: Unknown,
    lengths: Uint32ArraySlice,
    mut national: Float64ArraySlice,
    mut region: Uint8ArraySlice,
) -> napi::Result<()> {
    let units = raise(&env, convert::utf16(joined, "numbers"))?;
    // SAFETY: as in `_parsePhoneInto`.
    let (national, region) = unsafe { (national.as_mut(), region.as_mut()) };
    if national.len() < lengths.len() || region.len() < lengths.len() {
        return Err(short_buffer(&env));
    }
    let mut start = 0usize;
    for (i, ((len, n), r)) in lengths.iter().zip(national).zip(region).enumerate() {
        let end = start.saturating_add(*len as usize); // ok: u32 to usize widens
        let piece = units.get(start..end).ok_or_else(|| {
            convert::js_error(
                &env,
                facade::FacadeError::invalid_argument(
                    "the lengths do not add up to the joined numbers",
                ),
            )
        })?;
        let text = String::from_utf16(piece).map_err(|_| {
            convert::js_error(
                &env,
                facade::FacadeError::invalid_unicode(&format!("numbers[{i}]")),
            )
        })?;
        (*n, *r) = match facade::parse_phone(&text) {
            Ok(p) => (p.number.national() as f64, region_index(&p)), // ok: ten digits are exact in f64
            Err(_) => (0.0, 0),
        };
        start = end;
    }
    Ok(())
}

/// One result of `parsePhones`: the number, or the refusal's code and message.
#[napi(object, object_from_js = false)]
pub struct PhoneResult {
    /// E.164, when the number was accepted.
    pub e164: Option<String>,
    /// "US", "CA" or "TOLL_FREE", when accepted.
    pub region: Option<String>,
    /// The refusal's code, when refused.
    pub code: Option<String>,
    /// The refusal's message, when refused.
    pub message: Option<String>,
}

/// `parsePhone` over many numbers, in order; refusals are results, not throws.
#[napi(ts_args_type = "numbers: string[]")]
pub fn parse_phones(env: Env, numbers: Unknown) -> napi::Result<Vec<PhoneResult>> {
    let all = raise(&env, convert::texts(numbers, "numbers"))?;
    Ok(facade::parse_phones(&all)
        .into_iter()
        .map(|r| match r {
            Ok(p) => PhoneResult {
                e164: Some(p.e164()),
                region: Some(p.region().to_owned()),
                code: None,
                message: None,
            },
            Err(e) => PhoneResult {
                e164: None,
                region: None,
                code: Some(e.code().to_owned()),
                message: Some(e.message().to_owned()),
            },
        })
        .collect())
}

/// A character that forces UCS-2 (SPEC P7); start/end are code-point indices
/// (use `Array.from(text)` to index them).
#[napi(object, object_from_js = false)]
pub struct ForcedChar {
    pub text: String,
    pub start: u32,
    pub end: u32,
    /// The GSM-7 replacement the smart-encoding fix would use.
    pub replacement: Option<String>,
}

/// The smart-encoding fix suggested for a UCS-2 text (never applied).
#[napi(object, object_from_js = false)]
pub struct SmartEncoding {
    pub text: String,
    pub encoding: String,
    pub units: u32,
    pub segments: u32,
    pub remaining: u32,
    pub replaced: u32,
}

/// What a text costs (SPEC P7).
#[napi(object, object_from_js = false)]
pub struct Segments {
    /// "GSM-7" or "UCS-2".
    #[napi(ts_type = "'GSM-7' | 'UCS-2'")]
    pub encoding: &'static str,
    pub units: u32,
    pub segments: u32,
    /// Units left in the last segment: the compose box's "characters remaining".
    pub remaining: u32,
    pub per_segment: u32,
    pub characters: u32,
    pub ucs2_chars: Vec<ForcedChar>,
    pub smart_encoding: Option<SmartEncoding>,
}

/// Counts saturate at `u32::MAX` (a text of four billion characters).
fn n(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

impl From<SegmentCount> for Segments {
    fn from(s: SegmentCount) -> Self {
        Segments {
            encoding: s.encoding.as_str(),
            units: n(s.units),
            segments: n(s.segments),
            remaining: n(s.remaining),
            per_segment: n(s.per_segment),
            characters: n(s.characters),
            ucs2_chars: s
                .ucs2_chars
                .into_iter()
                .map(|c| ForcedChar {
                    text: c.text,
                    start: n(c.start),
                    end: n(c.end),
                    replacement: c.replacement,
                })
                .collect(),
            smart_encoding: s.smart_encoding.map(|f| SmartEncoding {
                text: f.text,
                encoding: f.encoding.as_str().to_owned(),
                units: n(f.units),
                segments: n(f.segments),
                remaining: n(f.remaining),
                replaced: n(f.replaced),
            }),
        }
    }
}

/// Encoding, segments and characters remaining of a text (SPEC P7).
#[napi(ts_args_type = "text: string")]
pub fn count_segments(env: Env, text: Unknown) -> napi::Result<Segments> {
    let s = raise(&env, convert::text(text, "text"))?;
    Ok(facade::count_segments(&s).into())
}

/// Numbers `_countSegmentsInto` writes per text: needs-details flag,
/// units, segments, remaining, perSegment, characters.
const SEGMENT_FIELDS: usize = 6;

/// Writes `s` into `out` (SEGMENT_FIELDS numbers); false when `out` is too
/// short. The flag is 1 when the text has characters forcing UCS-2 or a
/// smart-encoding fix, which only the object form carries.
fn write_segments(s: &SegmentCount, out: &mut [u32]) -> bool {
    let Some(slots) = out.get_mut(..SEGMENT_FIELDS) else {
        return false;
    };
    let detailed = !s.ucs2_chars.is_empty() || s.smart_encoding.is_some();
    let fields = [
        u32::from(detailed),
        n(s.units),
        n(s.segments),
        n(s.remaining),
        n(s.per_segment),
        n(s.characters),
    ];
    slots.copy_from_slice(&fields);
    true
}

fn short_buffer(env: &Env) -> napi::Error {
    convert::js_error(
        env,
        facade::FacadeError::invalid_argument("the output buffer is too short"),
    )
}

/// The fast path of `countSegments` used by practicetext.js: the numbers go
/// into `out` instead of a new object (creating an object with eight
/// properties through Node-API costs more than counting). Answers true
/// when the text needs the object form (UCS-2 details).
#[napi(
    js_name = "_countSegmentsInto",
    ts_args_type = "text: string, out: Uint32Array"
)]
pub fn count_segments_into(
    env: Env,
    text: Unknown,
    mut out: Uint32ArraySlice,
) -> napi::Result<bool> {
    let s = raise(&env, convert::text(text, "text"))?;
    let count = facade::count_segments(&s);
    // SAFETY: a synchronous call on the JavaScript thread: no JavaScript
    // runs while the slice is written.
    let slots = unsafe { out.as_mut() };
    if !write_segments(&count, slots) {
        return Err(short_buffer(&env));
    }
    Ok(slots.first() == Some(&1))
}

/// The fast path of `countSegmentsBatch` used by practicetext.js: the texts
/// arrive as one string with their UTF-16 lengths (one crossing instead of
/// one per text), the numbers go into `out`, SEGMENT_FIELDS per text.
#[napi(
    js_name = "_countSegmentsBatchInto",
    ts_args_type = "joined: string, lengths: Uint32Array, out: Uint32Array"
)]
pub fn count_segments_batch_into(
    env: Env,
    joined: Unknown,
    lengths: Uint32ArraySlice,
    mut out: Uint32ArraySlice,
) -> napi::Result<()> {
    let units = raise(&env, convert::utf16(joined, "texts"))?;
    // SAFETY: as in `_countSegmentsInto`.
    let slots = unsafe { out.as_mut() };
    if slots.len() < lengths.len().saturating_mul(SEGMENT_FIELDS) {
        return Err(short_buffer(&env));
    }
    let mut start = 0usize;
    for (i, (len, slot)) in lengths
        .iter()
        .zip(slots.chunks_mut(SEGMENT_FIELDS))
        .enumerate()
    {
        let end = start.saturating_add(*len as usize); // ok: u32 to usize widens
        let text = piece(&env, &units, start, end, "texts", i)?;
        if !write_segments(&facade::count_segments(&text), slot) {
            return Err(short_buffer(&env));
        }
        start = end;
    }
    Ok(())
}

/// `countSegments` over many texts.
#[napi(ts_args_type = "texts: string[]")]
pub fn count_segments_batch(env: Env, texts: Unknown) -> napi::Result<Vec<Segments>> {
    let all = raise(&env, convert::texts(texts, "texts"))?;
    Ok(facade::count_segments_batch(&all)
        .into_iter()
        .map(Segments::from)
        .collect())
}

/// One problem found in a text (SPEC P6).
#[napi(object, object_from_js = false)]
pub struct Finding {
    pub code: String,
    /// "warn" or "block".
    #[napi(ts_type = "'warn' | 'block'")]
    pub severity: &'static str,
    pub start: u32,
    pub end: u32,
    pub message: String,
}

/// The result of a content check (SPEC P1-P7).
#[napi(object, object_from_js = false)]
pub struct ComplianceReport {
    /// "ok", "warn" or "block".
    #[napi(ts_type = "'ok' | 'warn' | 'block'")]
    pub verdict: &'static str,
    pub findings: Vec<Finding>,
    pub segments: Segments,
}

impl From<CoreReport> for ComplianceReport {
    fn from(r: CoreReport) -> Self {
        ComplianceReport {
            verdict: match r.verdict {
                Verdict::Ok => "ok",
                Verdict::Warn => "warn",
                Verdict::Block => "block",
            },
            findings: r
                .findings
                .into_iter()
                .map(|f| Finding {
                    code: f.code,
                    severity: match f.severity {
                        Severity::Warn => "warn",
                        Severity::Block => "block",
                    },
                    start: n(f.start),
                    end: n(f.end),
                    message: f.message,
                })
                .collect(),
            segments: r.segments.into(),
        }
    }
}

fn mode(env: &Env, m: Option<Unknown>) -> napi::Result<Mode> {
    match raise(env, opt_text(m, "mode"))? {
        None => Ok(Mode::Conversation),
        Some(m) => raise(env, facade::parse_mode(&m)),
    }
}

/// A content checker for an organization's policy (a ContentPolicy object
/// or JSON string; fields left out keep the built-in lists), compiled once.
#[napi]
pub struct Checker {
    inner: facade::Checker,
}

#[napi]
impl Checker {
    #[napi(constructor, ts_args_type = "policy?: object | string")]
    pub fn new(env: Env, policy: Option<Unknown>) -> napi::Result<Self> {
        let inner = match policy {
            None => facade::Checker::default(),
            Some(p) => raise(
                &env,
                request(&env, p, "policy").and_then(|j| facade::Checker::new(&j)),
            )?,
        };
        Ok(Checker { inner })
    }

    /// Checks one text; mode is "conversation" (default) or "broadcast".
    #[napi(ts_args_type = "text: string, mode?: 'conversation' | 'broadcast'")]
    pub fn check(
        &self,
        env: Env,
        text: Unknown,
        mode: Option<Unknown>,
    ) -> napi::Result<ComplianceReport> {
        let s = raise(&env, convert::text(text, "text"))?;
        Ok(self.inner.check(&s, self::mode(&env, mode)?).into())
    }

    /// Checks many texts.
    #[napi(ts_args_type = "texts: string[], mode?: 'conversation' | 'broadcast'")]
    pub fn check_batch(
        &self,
        env: Env,
        texts: Unknown,
        mode: Option<Unknown>,
    ) -> napi::Result<Vec<ComplianceReport>> {
        let all = raise(&env, convert::texts(texts, "texts"))?;
        let m = self::mode(&env, mode)?;
        Ok(self
            .inner
            .check_batch(&all, m)
            .into_iter()
            .map(ComplianceReport::from)
            .collect())
    }
}

/// Checks one text with the built-in content policy (SPEC P1-P7).
#[napi(ts_args_type = "text: string, mode?: 'conversation' | 'broadcast'")]
pub fn check_text(
    env: Env,
    text: Unknown,
    mode: Option<Unknown>,
) -> napi::Result<ComplianceReport> {
    let s = raise(&env, convert::text(text, "text"))?;
    Ok(facade::check_text(&s, self::mode(&env, mode)?).into())
}

/// The fast path of `checkTexts` used by practicetext.js: like
/// `_countSegmentsBatchInto`, with the flag set also when the text has
/// findings (only those, and UCS-2 details, need the native object; a text
/// without findings is "ok").
#[napi(
    js_name = "_checkTextsInto",
    ts_args_type = "joined: string, lengths: Uint32Array, mode: 'conversation' | 'broadcast' | undefined, out: Uint32Array"
)]
pub fn check_texts_into(
    env: Env,
    joined: Unknown,
    lengths: Uint32ArraySlice,
    mode: Option<Unknown>,
    mut out: Uint32ArraySlice,
) -> napi::Result<()> {
    let m = self::mode(&env, mode)?;
    let units = raise(&env, convert::utf16(joined, "texts"))?;
    let checker = facade::Checker::default();
    // SAFETY: a synchronous call on the JavaScript thread: no JavaScript
    // runs while the slice is written.
    let slots = unsafe { out.as_mut() };
    if slots.len() < lengths.len().saturating_mul(SEGMENT_FIELDS) {
        return Err(short_buffer(&env));
    }
    let mut start = 0usize;
    for (i, (len, slot)) in lengths
        .iter()
        .zip(slots.chunks_mut(SEGMENT_FIELDS))
        .enumerate()
    {
        let end = start.saturating_add(*len as usize); // ok: u32 to usize widens
        let text = piece(&env, &units, start, end, "texts", i)?;
        let report = checker.check(&text, m);
        if !write_segments(&report.segments, slot) {
            return Err(short_buffer(&env));
        }
        if !report.findings.is_empty()
            && let Some(flag) = slot.first_mut()
        {
            *flag = 1;
        }
        start = end;
    }
    Ok(())
}

/// The text `units[start..end]` of a joined batch, checked.
fn piece(
    env: &Env,
    units: &[u16],
    start: usize,
    end: usize,
    what: &str,
    i: usize,
) -> napi::Result<String> {
    let slice = units.get(start..end).ok_or_else(|| {
        convert::js_error(
            env,
            facade::FacadeError::invalid_argument(format!(
                "the lengths do not add up to the joined {what}"
            )),
        )
    })?;
    String::from_utf16(slice).map_err(|_| {
        convert::js_error(
            env,
            facade::FacadeError::invalid_unicode(&format!("{what}[{i}]")),
        )
    })
}

/// `checkText` over many texts.
#[napi(ts_args_type = "texts: string[], mode?: 'conversation' | 'broadcast'")]
pub fn check_texts(
    env: Env,
    texts: Unknown,
    mode: Option<Unknown>,
) -> napi::Result<Vec<ComplianceReport>> {
    let all = raise(&env, convert::texts(texts, "texts"))?;
    let m = self::mode(&env, mode)?;
    Ok(facade::check_texts(&all, m)
        .into_iter()
        .map(ComplianceReport::from)
        .collect())
}

/// How an inbound text reads (SPEC C1-C3, C5).
#[napi(object, object_from_js = false)]
pub struct Classification {
    /// "opt_out", "opt_in", "help" or "none".
    #[napi(ts_type = "'opt_out' | 'opt_in' | 'help' | 'none'")]
    pub action: &'static str,
    pub review: bool,
    /// "natural_language_opt_out", "possible_cancellation".
    #[napi(ts_type = "Array<'natural_language_opt_out' | 'possible_cancellation'>")]
    pub flags: Vec<&'static str>,
    pub keyword: Option<String>,
}

impl From<CoreClassification> for Classification {
    fn from(c: CoreClassification) -> Self {
        Classification {
            action: match c.action {
                KeywordAction::OptOut => "opt_out",
                KeywordAction::OptIn => "opt_in",
                KeywordAction::Help => "help",
                KeywordAction::None => "none",
            },
            review: c.review,
            flags: c
                .flags
                .iter()
                .map(|f| match f {
                    KeywordFlag::NaturalLanguageOptOut => "natural_language_opt_out",
                    KeywordFlag::PossibleCancellation => "possible_cancellation",
                })
                .collect(),
            keyword: c.keyword.map(|k| k.to_string()),
        }
    }
}

/// The keyword classifier with an organization's lists added to the
/// built-in ones (a KeywordLists object or JSON string).
#[napi]
pub struct Keywords {
    inner: facade::Keywords,
}

#[napi]
impl Keywords {
    #[napi(constructor, ts_args_type = "extra?: object | string")]
    pub fn new(env: Env, extra: Option<Unknown>) -> napi::Result<Self> {
        let inner = match extra {
            None => facade::Keywords::default(),
            Some(e) => raise(
                &env,
                request(&env, e, "extra").and_then(|j| facade::Keywords::new(&j)),
            )?,
        };
        Ok(Keywords { inner })
    }

    /// Classifies one inbound text; `optedOut` is the sender's state.
    #[napi(ts_args_type = "text: string, optedOut?: boolean")]
    pub fn classify(
        &self,
        env: Env,
        text: Unknown,
        opted_out: Option<Unknown>,
    ) -> napi::Result<Classification> {
        let s = raise(&env, convert::text(text, "text"))?;
        let o = raise(&env, flag(opted_out, "optedOut"))?;
        Ok(self.inner.classify(&s, o).into())
    }

    /// Classifies many texts.
    #[napi(ts_args_type = "texts: string[], optedOut?: boolean")]
    pub fn classify_batch(
        &self,
        env: Env,
        texts: Unknown,
        opted_out: Option<Unknown>,
    ) -> napi::Result<Vec<Classification>> {
        let all = raise(&env, convert::texts(texts, "texts"))?;
        let o = raise(&env, flag(opted_out, "optedOut"))?;
        Ok(self
            .inner
            .classify_batch(&all, o)
            .into_iter()
            .map(Classification::from)
            .collect())
    }
}

/// Classifies one inbound text with the built-in lists (SPEC C1-C3, C5).
#[napi(ts_args_type = "text: string, optedOut?: boolean")]
pub fn classify_keyword(
    env: Env,
    text: Unknown,
    opted_out: Option<Unknown>,
) -> napi::Result<Classification> {
    let s = raise(&env, convert::text(text, "text"))?;
    let o = raise(&env, flag(opted_out, "optedOut"))?;
    Ok(facade::classify_keyword(&s, o).into())
}

/// `classifyKeyword` over many texts.
#[napi(ts_args_type = "texts: string[], optedOut?: boolean")]
pub fn classify_keywords(
    env: Env,
    texts: Unknown,
    opted_out: Option<Unknown>,
) -> napi::Result<Vec<Classification>> {
    let all = raise(&env, convert::texts(texts, "texts"))?;
    let o = raise(&env, flag(opted_out, "optedOut"))?;
    Ok(facade::classify_keywords(&all, o)
        .into_iter()
        .map(Classification::from)
        .collect())
}

/// Can this recipient get a secure message, and how (SPEC S1, S2)? The
/// CLI's `secure check-recipient` input, as an object or JSON string.
#[napi(ts_args_type = "recipient: object | string", ts_return_type = "any")]
pub fn check_recipient(env: Env, recipient: Unknown) -> napi::Result<serde_json::Value> {
    raise(
        &env,
        request(&env, recipient, "recipient").and_then(|j| facade::check_recipient(&j)),
    )
}

/// Runs a scenario (an object or the JSON text of a tests/scenarios file)
/// on a fresh in-memory store: one report per step, with `actual`.
#[napi(ts_args_type = "scenario: object | string", ts_return_type = "any[]")]
pub fn replay_scenario(env: Env, scenario: Unknown) -> napi::Result<serde_json::Value> {
    raise(
        &env,
        request(&env, scenario, "scenario").and_then(|j| facade::replay_scenario(&j)),
    )
}

/// The example practice (happy-paws) as a Directory object.
#[napi(ts_return_type = "any")]
pub fn sample_directory() -> serde_json::Value {
    facade::sample_directory()
}
