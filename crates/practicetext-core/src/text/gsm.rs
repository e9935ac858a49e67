//! The GSM 03.38 alphabet (3GPP TS 23.038) and the smart-encoding map
//! (SPEC P7; compliance.md 4.1 and 4.4).

/// Septets an ASCII byte costs in GSM-7: 1 for the basic table, 2 for the
/// extension table (escape + code), 0 when the byte is not in GSM-7
/// (control characters other than LF, CR and form feed, and the backtick).
// Built at compile time: an index out of range would not compile.
static ASCII_SEPTETS: [u8; 128] = {
    let mut t = [1u8; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 0;
        i += 1;
    }
    t[0x0A] = 1; // LF
    t[0x0D] = 1; // CR
    t[0x0C] = 2; // form feed: ESC 0x0A
    t[0x60] = 0; // backtick is not in GSM-7
    t[0x7F] = 0; // DEL
    let ext = [b'[', b'\\', b']', b'^', b'{', b'|', b'}', b'~'];
    let mut j = 0;
    while j < ext.len() {
        t[ext[j] as usize] = 2;
        j += 1;
    }
    t
};

/// Septets `c` costs in GSM-7 (1 basic, 2 extension), or 0 when `c` is not
/// in the GSM-7 alphabet.
#[inline]
pub(crate) fn septets(c: char) -> u8 {
    let u = c as u32;
    if u < 0x80 {
        return ASCII_SEPTETS[u as usize]; // ok: u < 128
    }
    match c {
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' | 'Ø' | 'ø' | 'Å' | 'å' | 'Δ' | 'Φ' | 'Γ'
        | 'Λ' | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' | 'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | 'Ä'
        | 'Ö' | 'Ñ' | 'Ü' | '§' | '¿' | 'ä' | 'ö' | 'ñ' | 'ü' | 'à' => 1,
        '€' => 2,
        _ => 0,
    }
}

/// The GSM-7 text that smart encoding puts in place of `c`, or `None` when
/// `c` is kept. An empty string means the character is removed (zero-width
/// characters). compliance.md 4.4, from Twilio's smart-encoding list, with
/// three deliberate differences: combining marks are not mapped (the
/// suggestion composes to NFC first, so "e" + U+0301 becomes "é" rather
/// than "e'"), the single angle quotes map to `<` and `>` the right way
/// round, and no-break spaces and tabs become one space.
#[inline]
pub(crate) fn smart_replacement(c: char) -> Option<&'static str> {
    if c.is_ascii() && c != '`' && c != '\t' {
        return None;
    }
    let r = match c {
        '\u{00AB}' | '\u{00BB}' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}'
        | '\u{02BA}' | '\u{02EE}' | '\u{275D}' | '\u{275E}' | '\u{301D}' | '\u{301E}'
        | '\u{FF02}' => "\"",
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02B9}' | '\u{02BB}' | '\u{02BC}'
        | '\u{02BD}' | '\u{02C8}' | '\u{02CA}' | '\u{02CB}' | '\u{00B4}' | '`' | '\u{275B}'
        | '\u{275C}' | '\u{FF07}' | '\u{FE10}' | '\u{FE11}' => "'",
        '\u{201A}' | '\u{3001}' | '\u{FE50}' | '\u{FE51}' | '\u{FF64}' => ",",
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2043}' | '\u{2212}' | '\u{FE63}' | '\u{2022}' | '\u{23BC}' | '\u{23BD}' => "-",
        '\u{2026}' => "...",
        '\u{203C}' => "!!",
        '\u{00BD}' => "1/2",
        '\u{00BC}' => "1/4",
        '\u{00BE}' => "3/4",
        '\u{00F7}' | '\u{2044}' | '\u{2215}' | '\u{29F8}' => "/",
        '\u{29F5}' | '\u{29F9}' | '\u{FE68}' => "\\",
        '\u{2017}' => "_",
        '\u{2223}' | '\u{23B8}' | '\u{23B9}' | '\u{23D0}' => "|",
        '\u{02DC}' | '\u{02F7}' | '\u{223C}' => "~",
        '\u{02C6}' => "^",
        '\u{2039}' => "<",
        '\u{203A}' => ">",
        '\u{2768}' | '\u{276A}' | '\u{FE59}' | '\u{27EE}' | '\u{2985}' => "(",
        '\u{2769}' | '\u{276B}' | '\u{FE5A}' | '\u{27EF}' | '\u{2986}' => ")",
        '\u{2774}' | '\u{FE5B}' => "{",
        '\u{2775}' | '\u{FE5C}' => "}",
        '\u{204E}' | '\u{2217}' | '\u{2731}' | '\u{FE61}' => "*",
        '\u{02D6}' | '\u{FE62}' => "+",
        '\u{3002}' | '\u{FE52}' | '\u{FF61}' => ".",
        '\u{02D0}' | '\u{02F8}' | '\u{A789}' | '\u{FE13}' => ":",
        '\u{204F}' | '\u{FE14}' | '\u{FE54}' => ";",
        '\u{FE64}' => "<",
        '\u{FE65}' => ">",
        '\u{FE66}' | '\u{A78A}' => "=",
        '\u{FE15}' | '\u{FE57}' | '\u{01C3}' => "!",
        '\u{FE16}' | '\u{FE56}' => "?",
        '\u{FE5F}' => "#",
        '\u{FE60}' => "&",
        '\u{FE69}' => "$",
        '\u{FE6A}' => "%",
        '\u{FE6B}' => "@",
        '\t'
        | '\u{00A0}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{3000}'
        | '\u{2028}'
        | '\u{2029}' => " ",
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' => "",
        // Full-width ASCII U+FF01..U+FF5E: the same character at offset 0xFEE0.
        '\u{FF01}'..='\u{FF5E}' => return fullwidth_ascii(c),
        _ => return None,
    };
    Some(r)
}

/// The ASCII character a full-width form stands for, as a static string.
fn fullwidth_ascii(c: char) -> Option<&'static str> {
    const PRINTABLE: &str = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    let i = (c as usize).checked_sub(0xFF01)?;
    let r = PRINTABLE.get(i..i + 1)?;
    // The full-width backtick maps to an apostrophe, like the ASCII one.
    Some(if r == "`" { "'" } else { r })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p7_basic_and_extension_tables() {
        for c in "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCXYZÄÖÑÜ§¿abcxyzäöñüà".chars() {
            assert_eq!(septets(c), 1, "{c:?}");
        }
        for c in "\u{000C}^{}\\[~]|€".chars() {
            assert_eq!(septets(c), 2, "{c:?}");
        }
        for c in "`\tçáíóúâêÀ’“—…😀\u{1B}\u{0}".chars() {
            assert_eq!(septets(c), 0, "{c:?}");
        }
    }

    #[test]
    fn p7_smart_replacements_are_gsm() {
        for c in '\u{0}'..='\u{FFFF}' {
            if let Some(r) = smart_replacement(c) {
                assert!(r.chars().all(|x| septets(x) > 0), "{c:?} -> {r:?}");
            }
        }
        assert_eq!(smart_replacement('’'), Some("'"));
        assert_eq!(smart_replacement('—'), Some("-"));
        assert_eq!(smart_replacement('…'), Some("..."));
        assert_eq!(smart_replacement('ｂ'), Some("b"));
        assert_eq!(smart_replacement('\u{200B}'), Some(""));
        assert_eq!(smart_replacement('é'), None);
    }
}
