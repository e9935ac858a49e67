//! Phone numbers: SPEC N1 (any common written form in, E.164 out) and N2
//! (only United States and Canada numbers can be texted).
//!
//! [`E164::parse`] accepts the forms people actually type (`(650) 253-0000`,
//! `650.253.0000`, `+1 650 253 0000`, `1-650-253-0000`, `011 1 650 253 0000`,
//! non-breaking spaces and Unicode dashes pasted from documents) and refuses
//! everything else with a [`PhoneError`] whose [`code`](PhoneError::code)
//! names the reason. The area-code classes come from libphonenumber's
//! metadata through `tools/gen-area-codes` (see [`AREA_CODE_SOURCE`]).
//!
//! ```
//! use practicetext_core::phone::{E164, Region};
//! let n = E164::parse("(650) 253-0000")?;
//! assert_eq!(n.to_string(), "+16502530000");
//! assert_eq!(n.region(), Region::US);
//! assert_eq!(E164::parse("+44 20 7946 0958").unwrap_err().code(), "not_north_american");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod area_codes;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where the libphonenumber metadata behind the area-code table came from,
/// and when the table was generated (`tools/gen-area-codes`).
pub const AREA_CODE_SOURCE: (&str, &str) = (area_codes::SOURCE, area_codes::GENERATED);

/// Longest input [`E164::parse`] looks at; anything longer is `too_long`
/// without being scanned (a phone number written out never needs more).
pub const MAX_INPUT_LEN: usize = 64;

/// A North American number that can be texted (N2), stored as its ten
/// national digits and written as E.164 (`+1NXXNXXXXXX`).
///
/// `Display` and serde give the full E.164 string (that is what a provider
/// needs); `Debug` redacts all but the last two digits, because a phone
/// number is patient data.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164 {
    national: u64,
}

/// The country of a number, from its area code (N2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Region {
    /// A geographic area code of the United States (the 50 states and DC).
    US,
    /// A geographic area code of Canada.
    CA,
    /// A toll-free code (800, 833, 844, 855, 866, 877, 888) shared by the
    /// United States and Canada; practices text from and to these.
    #[serde(rename = "TOLL_FREE")]
    TollFree,
}

impl Region {
    /// The stable string form: `"US"`, `"CA"` or `"TOLL_FREE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::US => "US",
            Region::CA => "CA",
            Region::TollFree => "TOLL_FREE",
        }
    }
}

/// Why a text could not be read as a textable North American number (N1, N2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but white space was given.
    #[error("the phone number is empty; enter a 10-digit US or Canadian number")]
    Empty,
    /// Letters or symbols that are not part of a written phone number.
    #[error(
        "this is not a phone number: only digits, spaces, dashes, dots, parentheses and a leading + are allowed"
    )]
    NotANumber,
    /// Fewer digits than a North American number has.
    #[error(
        "the number has {digits} digits; a US or Canadian number has 10 digits including the area code"
    )]
    TooShort {
        /// Digits found.
        digits: usize,
    },
    /// More digits than a North American number has.
    #[error(
        "the number is too long ({digits} digits); a US or Canadian number has 10 digits, or 11 starting with 1"
    )]
    TooLong {
        /// Digits found (counting stops a little past the limit).
        digits: usize,
    },
    /// A country code other than +1.
    #[error("only US and Canadian numbers (+1) can be texted; this number is in another country")]
    NotNorthAmerican,
    /// A +1 number of another NANP country or a US territory (Caribbean, Guam, ...).
    #[error(
        "area code {area_code} belongs to a North American Numbering Plan country outside the US and Canada; only US and Canadian numbers can be texted"
    )]
    NotUsOrCanada {
        /// The area code.
        area_code: u16,
    },
    /// An area code that cannot exist (starts with 0 or 1, N11, or N9X).
    #[error(
        "{area_code} cannot be an area code (area codes start with 2-9, are not N11 and have no 9 in the middle); check the number"
    )]
    InvalidAreaCode {
        /// The area code.
        area_code: u16,
    },
    /// A well-formed area code that is not in service in the US or Canada.
    #[error("area code {area_code} is not in service in the US or Canada; check the number")]
    UnassignedAreaCode {
        /// The area code.
        area_code: u16,
    },
    /// A premium-rate, personal or other non-geographic service code.
    #[error(
        "area code {area_code} is a premium-rate or special service code, which cannot receive texts"
    )]
    NonGeographic {
        /// The area code.
        area_code: u16,
    },
    /// An exchange (the three digits after the area code) that cannot exist.
    #[error(
        "{exchange} cannot be an exchange (the three digits after the area code start with 2-9 and are not a service code like 411 or 911); check the number"
    )]
    InvalidExchange {
        /// The exchange.
        exchange: u16,
    },
    /// 555-0100 to 555-0199, reserved for films and examples.
    #[error("555-01XX numbers are reserved for fiction and examples and never reach a phone")]
    Fictional,
}

impl PhoneError {
    /// Stable machine-readable code; bindings and the CLI map errors by it.
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "empty",
            PhoneError::NotANumber => "not_a_number",
            PhoneError::TooShort { .. } => "too_short",
            PhoneError::TooLong { .. } => "too_long",
            PhoneError::NotNorthAmerican => "not_north_american",
            PhoneError::NotUsOrCanada { .. } => "not_us_or_canada",
            PhoneError::InvalidAreaCode { .. } => "invalid_area_code",
            PhoneError::UnassignedAreaCode { .. } => "unassigned_area_code",
            PhoneError::NonGeographic { .. } => "non_geographic_number",
            PhoneError::InvalidExchange { .. } => "invalid_exchange",
            PhoneError::Fictional => "fictional_number",
        }
    }

    /// Every code [`PhoneError::code`] can return, for documentation and bindings.
    pub const CODES: &'static [&'static str] = &[
        "empty",
        "not_a_number",
        "too_short",
        "too_long",
        "not_north_american",
        "not_us_or_canada",
        "invalid_area_code",
        "unassigned_area_code",
        "non_geographic_number",
        "invalid_exchange",
        "fictional_number",
    ];
}

/// The class the generated table gives an area code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AreaCodeClass {
    Unassigned,
    Us,
    Ca,
    TollFree,
    OtherNanp,
    NonGeographic,
}

fn area_code_class(npa: u16) -> AreaCodeClass {
    match area_codes::NPA_CLASS.get(usize::from(npa)).copied() {
        Some(1) => AreaCodeClass::Us,
        Some(2) => AreaCodeClass::Ca,
        Some(3) => AreaCodeClass::TollFree,
        Some(4) => AreaCodeClass::OtherNanp,
        Some(5) => AreaCodeClass::NonGeographic,
        _ => AreaCodeClass::Unassigned,
    }
}

/// Characters people put between digits. ASCII first; the Unicode ones come
/// from pasting out of word processors and web pages.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '.' | '(' | ')' | '/' | '\t'
            | '\u{00A0}' // no-break space
            | '\u{2000}'..='\u{200B}' // typographic spaces, zero-width space
            | '\u{2010}'..='\u{2015}' // hyphens and dashes
            | '\u{202F}' // narrow no-break space
            | '\u{2060}' // word joiner
            | '\u{2212}' // minus sign
            | '\u{3000}' // ideographic space
            | '\u{FEFF}' // byte-order mark
    )
}

/// Up to this many digits are collected; one more than the longest valid
/// input (`011` + `1` + 10 digits = 14) so "too long" can be told apart.
const DIGIT_CAP: usize = 15;

impl E164 {
    /// Parses any common written form of a US or Canadian number (N1) and
    /// checks that it can be texted (N2).
    ///
    /// Refuses, each with its own [`PhoneError`] code: empty input, letters
    /// or symbols (`not_a_number`), fewer or more digits than a NANP number
    /// (`too_short`, `too_long`), another country code (`not_north_american`),
    /// another NANP country (`not_us_or_canada`), impossible or unassigned
    /// area codes, premium/special codes, impossible exchanges and the
    /// fictional 555-01XX range.
    pub fn parse(input: &str) -> Result<E164, PhoneError> {
        let digits = collect_digits(input)?;
        let national = national_digits(&digits)?;
        Self::from_national_digits(&national)
    }

    /// Builds a number from its ten national digits, applying the same checks.
    fn from_national_digits(d: &[u8; 10]) -> Result<E164, PhoneError> {
        let npa = u16::from(d[0]) * 100 + u16::from(d[1]) * 10 + u16::from(d[2]);
        let nxx = u16::from(d[3]) * 100 + u16::from(d[4]) * 10 + u16::from(d[5]);
        let line =
            u16::from(d[6]) * 1000 + u16::from(d[7]) * 100 + u16::from(d[8]) * 10 + u16::from(d[9]);
        if d[0] < 2 || (d[1] == 1 && d[2] == 1) || d[1] == 9 {
            return Err(PhoneError::InvalidAreaCode { area_code: npa });
        }
        match area_code_class(npa) {
            AreaCodeClass::Us | AreaCodeClass::Ca | AreaCodeClass::TollFree => {}
            AreaCodeClass::Unassigned => {
                return Err(PhoneError::UnassignedAreaCode { area_code: npa });
            }
            AreaCodeClass::OtherNanp => return Err(PhoneError::NotUsOrCanada { area_code: npa }),
            AreaCodeClass::NonGeographic => {
                return Err(PhoneError::NonGeographic { area_code: npa });
            }
        }
        if d[3] < 2 || (d[4] == 1 && d[5] == 1) {
            return Err(PhoneError::InvalidExchange { exchange: nxx });
        }
        if nxx == 555 && (100..=199).contains(&line) {
            return Err(PhoneError::Fictional);
        }
        let national = d.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x));
        Ok(E164 { national })
    }

    /// The ten national digits as a number, e.g. `6502530000`.
    pub fn national(self) -> u64 {
        self.national
    }

    /// The area code (NPA), e.g. `650`.
    pub fn area_code(self) -> u16 {
        (self.national / 10_000_000) as u16 // ok: ten digits, so < 1000
    }

    /// The exchange (central-office code, NXX), e.g. `253`.
    pub fn exchange(self) -> u16 {
        ((self.national / 10_000) % 1000) as u16 // ok: < 1000
    }

    /// The last four digits, e.g. `0000`.
    pub fn line(self) -> u16 {
        (self.national % 10_000) as u16 // ok: < 10000
    }

    /// The country the area code belongs to (N2).
    pub fn region(self) -> Region {
        match area_code_class(self.area_code()) {
            AreaCodeClass::Ca => Region::CA,
            AreaCodeClass::TollFree => Region::TollFree,
            _ => Region::US,
        }
    }

    /// The number written for people: `(650) 253-0000`.
    pub fn national_format(self) -> String {
        format!(
            "({:03}) {:03}-{:04}",
            self.area_code(),
            self.exchange(),
            self.line()
        )
    }

    /// The number with all but its last two digits masked, for logs and
    /// `Debug`: `+1********00`.
    pub fn redacted(self) -> String {
        format!("+1********{:02}", self.national % 100)
    }

    /// Appends the E.164 form (`+16502530000`, as `Display` writes it) to
    /// `out` without the formatting machinery: rate keys are built from it
    /// for every inbound text.
    pub(crate) fn push_to(self, out: &mut String) {
        if self.national >= 10_000_000_000 {
            // A parsed number has ten digits; anything else is written in full.
            out.push_str(&format!("+1{:010}", self.national));
            return;
        }
        out.reserve(12);
        out.push_str("+1");
        // Two digits at a time from a table, most significant pair first.
        let mut divisor = 100_000_000;
        while divisor > 0 {
            let pair = (self.national / divisor % 100) as usize; // ok: divisor > 0
            out.push_str(DIGIT_PAIRS.get(pair * 2..pair * 2 + 2).unwrap_or("00"));
            divisor /= 100;
        }
    }
}

/// Digits of `input` after checking that everything else is a separator.
struct Digits {
    buf: [u8; DIGIT_CAP],
    len: usize,
    /// Written with a leading `+`.
    plus: bool,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len.min(DIGIT_CAP)]
    }
}

fn collect_digits(input: &str) -> Result<Digits, PhoneError> {
    let s = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    if s.len() > MAX_INPUT_LEN {
        return Err(PhoneError::TooLong {
            digits: s.bytes().filter(u8::is_ascii_digit).count(),
        });
    }
    let mut out = Digits {
        buf: [0; DIGIT_CAP],
        len: 0,
        plus: false,
    };
    for (i, c) in s.char_indices() {
        match c {
            '0'..='9' => {
                if out.len < DIGIT_CAP {
                    out.buf[out.len] = c as u8 - b'0';
                }
                out.len += 1;
            }
            '+' | '\u{FF0B}' if i == 0 => out.plus = true,
            c if is_separator(c) => {}
            _ => return Err(PhoneError::NotANumber),
        }
    }
    if out.len == 0 {
        return Err(PhoneError::NotANumber);
    }
    Ok(out)
}

/// Strips the country code or international prefix and returns the ten
/// national digits.
fn national_digits(d: &Digits) -> Result<[u8; 10], PhoneError> {
    let all = d.as_slice();
    let rest: &[u8] = if d.plus {
        // +CC...: the first digit is the country code's; NANP's is 1.
        match all.first() {
            Some(1) => &all[1..],
            _ => return Err(PhoneError::NotNorthAmerican),
        }
    } else if all.starts_with(&[0, 1, 1]) {
        // 011 is the NANP international call prefix.
        match all.get(3) {
            Some(1) => &all[4..],
            _ => return Err(PhoneError::NotNorthAmerican),
        }
    } else if d.len == 11 && all[0] == 1 {
        &all[1..]
    } else {
        all
    };
    let consumed = all.len() - rest.len();
    let national_len = d.len - consumed;
    match national_len {
        10 => {
            let mut out = [0u8; 10];
            out.copy_from_slice(&rest[..10]);
            Ok(out)
        }
        n if n < 10 => Err(PhoneError::TooShort { digits: d.len }),
        _ => Err(PhoneError::TooLong { digits: d.len }),
    }
}

/// "00" to "99", for [`E164::push_to`].
const DIGIT_PAIRS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839\
                           40414243444546474849505152535455565758596061626364656667686970717273747576777879\
                           8081828384858687888990919293949596979899";

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(12);
        self.push_to(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.redacted())
    }
}

impl FromStr for E164 {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        E164::parse(s)
    }
}

impl Serialize for E164 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for E164 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        E164::parse(&s).map_err(|e| serde::de::Error::custom(format!("{}: {e}", e.code())))
    }
}

#[cfg(test)]
mod tests;
