//! Folding characters for matching: compatibility decomposition (full-width
//! and styled letters to plain ones), accents and invisible characters
//! dropped, look-alike Cyrillic, Greek and small-capital letters mapped to
//! the Latin letters they imitate, lower case. Used by the content checks
//! (P2) and the link scanner (P1) so disguises fold to the plain term.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Characters that render as nothing (or nearly) and are used to break up
/// words: zero-width space and joiners, soft hyphen, word joiner and other
/// format characters, variation selectors, tag characters, Hangul fillers.
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// The Latin letter a look-alike imitates, for letters compatibility
/// decomposition leaves alone.
fn look_alike(c: char) -> Option<char> {
    let l = match c {
        // Cyrillic
        'А' | 'а' => 'a',
        'В' | 'в' | 'Ь' | 'ь' => 'b',
        'С' | 'с' => 'c',
        'Ԁ' | 'ԁ' => 'd',
        'Е' | 'е' | 'Ѐ' | 'ѐ' | 'Ё' | 'ё' => 'e',
        'Н' | 'н' | 'Һ' | 'һ' => 'h',
        'І' | 'і' | 'Ї' | 'ї' => 'i',
        'Ј' | 'ј' => 'j',
        'К' | 'к' => 'k',
        'Ӏ' | 'ӏ' => 'l',
        'М' | 'м' => 'm',
        'О' | 'о' => 'o',
        'Р' | 'р' => 'p',
        'Ԛ' | 'ԛ' => 'q',
        'Ѕ' | 'ѕ' => 's',
        'Т' | 'т' => 't',
        'У' | 'у' | 'Ү' | 'ү' => 'y',
        'Ԝ' | 'ԝ' => 'w',
        'Х' | 'х' => 'x',
        // Greek
        'Α' | 'α' => 'a',
        'Β' | 'β' => 'b',
        'Ϲ' | 'ϲ' => 'c',
        'Ε' | 'ε' => 'e',
        'Η' => 'h',
        'η' => 'n',
        'Ι' | 'ι' => 'i',
        'ϳ' => 'j',
        'Κ' | 'κ' => 'k',
        'Μ' => 'm',
        'μ' => 'u',
        'Ν' => 'n',
        'ν' => 'v',
        'Ο' | 'ο' => 'o',
        'Ρ' | 'ρ' => 'p',
        'Τ' | 'τ' => 't',
        'Υ' => 'y',
        'υ' => 'u',
        'Χ' | 'χ' => 'x',
        'Ζ' => 'z',
        // Latin variants and small capitals
        'ı' | 'ɩ' | 'ɪ' => 'i',
        'ȷ' | 'ᴊ' => 'j',
        'ɑ' | 'ᴀ' => 'a',
        'ɡ' | 'ɢ' => 'g',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ꜰ' => 'f',
        'ʜ' => 'h',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        _ => return None,
    };
    Some(l)
}

/// Emits the folded form of a non-ASCII character: nothing for invisible
/// characters and combining marks, otherwise the lower-case compatibility
/// decomposition with look-alikes mapped and accents dropped ("É" → "e",
/// "ｃ" → "c", Cyrillic "с" → "c", "ﬁ" → "fi").
pub(crate) fn fold_non_ascii(c: char, emit: &mut impl FnMut(char)) {
    if is_ignorable(c) || is_combining_mark(c) {
        return;
    }
    if let Some(l) = look_alike(c) {
        emit(l);
        return;
    }
    decompose_compatible(c, |d| {
        if is_ignorable(d) || is_combining_mark(d) {
            return;
        }
        if let Some(l) = look_alike(d) {
            emit(l);
            return;
        }
        for l in d.to_lowercase() {
            emit(l);
        }
    });
}

/// True for a non-ASCII character that folding turns into nothing but
/// separators, and that no check reads as a dot or other link punctuation:
/// curly quotes, dashes, emoji, no-break spaces. A text whose non-ASCII
/// characters are all inert can be checked on its bytes (the ASCII paths
/// of the term and link scanners), with spans converted at the end.
pub(crate) fn is_inert(c: char) -> bool {
    if c.is_ascii()
        || is_ignorable(c)
        || is_combining_mark(c)
        || look_alike(c).is_some()
        || matches!(c, '\u{3002}' | '\u{FF61}' | '\u{FE12}')
    {
        return false;
    }
    let mut inert = true;
    decompose_compatible(c, |d| {
        inert &= !d.is_alphanumeric() && !is_ignorable(d) && (!d.is_ascii() || d == ' ');
    });
    inert
}

/// Folds a whole string (used for policy terms): ASCII lower-cased, other
/// characters through [`fold_non_ascii`].
pub(crate) fn fold_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            fold_non_ascii(c, &mut |f| out.push(f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_characters() {
        for c in ['’', '“', '—', '😀', '🐶', '\u{00A0}', '€'] {
            assert!(is_inert(c), "{c:?}");
        }
        for c in [
            'a', 'é', 'ｃ', 'с', '\u{200B}', '\u{301}', '．', '。', '…', 'ⓒ', '½',
        ] {
            assert!(!is_inert(c), "{c:?}");
        }
    }

    #[test]
    fn p2_disguises_fold_to_plain_letters() {
        assert_eq!(fold_str("ｃｂｄ"), "cbd");
        assert_eq!(fold_str("m\u{200B}arijuana"), "marijuana");
        assert_eq!(fold_str("сbd"), "cbd"); // Cyrillic с
        assert_eq!(fold_str("ΤΗC"), "thc"); // Greek Tau, Eta
        assert_eq!(fold_str("Marijuána"), "marijuana");
        assert_eq!(fold_str("ᴄʙᴅ"), "cbd");
        assert_eq!(fold_str("𝐂𝐁𝐃"), "cbd");
        assert_eq!(fold_str("ⓒⓑⓓ"), "cbd");
        assert_eq!(fold_str("can\u{00AD}nabis"), "cannabis");
    }
}
