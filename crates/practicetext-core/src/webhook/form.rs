//! `application/x-www-form-urlencoded` decoding (SPEC X3).
//!
//! Follows the WHATWG URL standard's parser (split on `&`, skip empty
//! pieces, split each at the first `=`, `+` is a space, `%XX` is a byte)
//! except that it refuses instead of guessing: a `%` without two hex digits
//! and bytes that are not UTF-8 once decoded are errors, not replacement
//! characters. Crates like `form_urlencoded` repair both silently, and a
//! repaired field would no longer match the provider's signature or the
//! patient's text.

use super::{FormDefect, WebhookError};

/// Decodes a form body into its `(name, value)` pairs, in body order,
/// duplicates kept.
///
/// Refuses bodies over `max_bytes` (`body_too_large`) before looking at
/// them, and invalid `%` escapes or non-UTF-8 fields (`malformed_form`).
///
/// ```
/// use practicetext_core::webhook::parse_form;
/// let fields = parse_form(b"Body=caf%C3%A9+au+lait&To=%2B1650", 1024)?;
/// assert_eq!(fields[0], ("Body".to_string(), "café au lait".to_string()));
/// assert_eq!(fields[1], ("To".to_string(), "+1650".to_string()));
/// assert_eq!(parse_form(b"Body=100%", 1024).unwrap_err().code(), "malformed_form");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_form(body: &[u8], max_bytes: usize) -> Result<Vec<(String, String)>, WebhookError> {
    if body.len() > max_bytes {
        return Err(WebhookError::BodyTooLarge {
            limit: max_bytes,
            actual: body.len(),
        });
    }
    let mut fields = Vec::new();
    let mut offset = 0usize;
    for piece in body.split(|&b| b == b'&') {
        let start = offset;
        // ok: offsets stay within body.len() + 1, far below usize::MAX.
        offset = offset.saturating_add(piece.len()).saturating_add(1);
        if piece.is_empty() {
            continue;
        }
        fields.push(decode_pair(piece, start)?);
    }
    Ok(fields)
}

/// Splits `name=value` at the first `=` and decodes both halves.
fn decode_pair(piece: &[u8], start: usize) -> Result<(String, String), WebhookError> {
    let mut halves = piece.splitn(2, |&b| b == b'=');
    let name = halves.next().unwrap_or_default();
    let value = halves.next().unwrap_or_default();
    let value_start = start.saturating_add(name.len()).saturating_add(1);
    let name = decode(name, start)?;
    let value = decode(value, value_start)?;
    let utf8 = |bytes: Vec<u8>| {
        String::from_utf8(bytes).map_err(|_| WebhookError::MalformedForm {
            defect: FormDefect::InvalidUtf8 { offset: start },
        })
    };
    Ok((utf8(name)?, utf8(value)?))
}

/// Percent-decodes one name or value, `+` as a space.
fn decode(raw: &[u8], start: usize) -> Result<Vec<u8>, WebhookError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().enumerate();
    while let Some((i, &b)) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(|(_, &h)| hex_value(h));
                let lo = bytes.next().and_then(|(_, &l)| hex_value(l));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => {
                        return Err(WebhookError::MalformedForm {
                            defect: FormDefect::InvalidEscape {
                                offset: start.saturating_add(i),
                            },
                        });
                    }
                }
            }
            _ => out.push(b),
        }
    }
    Ok(out)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
