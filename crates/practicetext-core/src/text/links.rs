//! Finding links in a text, with or without a scheme, for SPEC P1 (public
//! URL shorteners block, the practice's own domains pass) and the link
//! checks of compliance.md "Implications" 12 (raw-IP links and links with
//! credentials block).
//!
//! A link is either `scheme://authority...` or a bare host name with at
//! least two labels and an alphabetic top-level label (`bit.ly/x`,
//! `www.clinic.example`), or a bare dotted IPv4 address. Host names are
//! matched case-insensitively after folding full-width letters, look-alike
//! letters and ideographic full stops, and with invisible characters
//! removed, so `ＢＩＴ．ＬＹ` and `bit\u{200B}.ly` are found too. An
//! `name@host` without a password is an email address, not a link.

use std::borrow::Cow;

use super::CharCursor;
use super::fold::fold_non_ascii;

/// One link found in a text. Positions are char indices into the original
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub start: usize,
    pub end: usize,
    /// A user name or password before `@`.
    pub credentials: bool,
    /// The host is an IP address.
    pub raw_ip: bool,
    /// The public shortener domain the host is on.
    pub shortener: Option<String>,
    /// The host is one of the practice's own domains (or a subdomain).
    pub own: bool,
}

/// Prebuilt domain sets, each sorted (lower case, no trailing dot).
#[derive(Debug, Clone, Default)]
pub(crate) struct LinkRules {
    shorteners: Vec<String>,
    own: Vec<String>,
}

/// The text as scanned: ASCII texts as they are, other texts folded, with a
/// map from each byte of the view back to the original char index.
struct View<'a> {
    s: Cow<'a, str>,
    map: Option<Vec<u32>>,
    chars: usize,
    /// The text is ASCII: byte offsets are char indices.
    ascii: bool,
}

impl<'a> View<'a> {
    /// `ascii_compatible`: the text is ASCII apart from inert characters,
    /// so it is scanned as it is and byte offsets are converted to chars.
    fn new(text: &'a str, ascii: bool, ascii_compatible: bool) -> Self {
        if ascii || ascii_compatible {
            return View {
                s: Cow::Borrowed(text),
                map: None,
                chars: text.len(),
                ascii,
            };
        }
        let mut s = String::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len());
        let mut chars = 0usize;
        for (ci, c) in text.chars().enumerate() {
            chars = ci + 1;
            let ci32 = u32::try_from(ci).unwrap_or(u32::MAX);
            let mut push = |f: char| {
                s.push(f);
                map.resize(s.len(), ci32);
            };
            match c {
                '\u{3002}' | '\u{FF61}' | '\u{FE12}' => push('.'),
                c if c.is_ascii() => push(c.to_ascii_lowercase()),
                c if c.is_whitespace() => push(' '),
                c => fold_non_ascii(c, &mut push),
            }
        }
        View {
            s: Cow::Owned(s),
            map: Some(map),
            chars,
            ascii: false,
        }
    }

    /// Turns the byte spans of `links` (into the view) into char spans of
    /// the original text.
    fn to_chars(&self, links: &mut [Link]) {
        match &self.map {
            // ASCII: byte offsets are char indices.
            None if self.ascii => {}
            None => {
                let mut cursor = CharCursor::new(&self.s);
                for l in links {
                    l.start = cursor.at(l.start);
                    l.end = cursor.at(l.end);
                }
            }
            Some(m) => {
                for l in links {
                    let start = m.get(l.start).map_or(self.chars, |&c| c as usize);
                    let end = l
                        .end
                        .checked_sub(1)
                        .and_then(|b| m.get(b))
                        .map_or(start, |&c| c as usize + 1);
                    l.start = start;
                    l.end = end;
                }
            }
        }
    }
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || (!c.is_ascii() && c.is_alphanumeric())
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Characters that end a link when they are its last character.
fn is_trailing_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '>' | '\'' | '"' | '*'
    ) || (!c.is_ascii() && !c.is_alphanumeric())
}

/// Characters that end an authority.
fn ends_authority(c: char) -> bool {
    is_space(c)
        || matches!(
            c,
            '/' | '?' | '#' | '\\' | '"' | '<' | '>' | '\'' | ')' | '('
        )
}

/// The char before byte `i`. An ASCII byte is always a whole char (UTF-8
/// continuation bytes never follow one), so most texts need no decoding.
#[inline]
fn prev_char(s: &str, i: usize) -> Option<char> {
    match s.as_bytes().get(i.checked_sub(1)?) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        _ => s.get(..i)?.chars().next_back(),
    }
}

/// The char at byte `i`. An ASCII byte is always a whole char (it is never
/// part of a longer UTF-8 sequence).
#[inline]
fn next_char(s: &str, i: usize) -> Option<char> {
    match s.as_bytes().get(i) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        _ => s.get(i..)?.chars().next(),
    }
}

/// Moves left from `i` while `keep` holds.
fn scan_left(s: &str, mut i: usize, keep: impl Fn(char) -> bool) -> usize {
    while let Some(c) = prev_char(s, i) {
        if !keep(c) {
            break;
        }
        i -= c.len_utf8();
    }
    i
}

/// Moves right from `i` while `keep` holds.
fn scan_right(s: &str, mut i: usize, keep: impl Fn(char) -> bool) -> usize {
    while let Some(c) = next_char(s, i) {
        if !keep(c) {
            break;
        }
        i += c.len_utf8();
    }
    i
}

/// The end of a link whose host ends at `i`: the path, query and fragment up
/// to white space, without trailing punctuation.
fn link_end(s: &str, i: usize) -> usize {
    let mut end = i;
    if matches!(next_char(s, i), Some('/' | '?' | '#' | ':')) {
        end = scan_right(s, i, |c| !is_space(c));
    }
    while end > i {
        match prev_char(s, end) {
            Some(c) if is_trailing_punct(c) => end -= c.len_utf8(),
            _ => break,
        }
    }
    end
}

/// True when every dot-separated label is a number (decimal, or hex with
/// 0x): a host written as an IP address, as browsers read it.
fn is_numeric_host(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|l| {
            let hex = l.strip_prefix("0x").or_else(|| l.strip_prefix("0X"));
            match hex {
                Some(h) => h.chars().all(|c| c.is_ascii_hexdigit()),
                None => !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()),
            }
        })
}

/// A dotted-quad IPv4 address written without a scheme.
fn is_dotted_quad(host: &str) -> bool {
    // Only digits and dots: rules out every host name at the first letter.
    if !host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return false;
    }
    host.split('.').count() == 4
        && host.split('.').all(|l| {
            (1..=3).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_digit())
                && l.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// A host name a phone would turn into a link: two or more labels and an
/// alphabetic top-level label of at least two letters.
fn is_domain(host: &str) -> bool {
    let bytes = host.as_bytes();
    let Some(dot) = memchr::memrchr(b'.', bytes) else {
        return false;
    };
    let (Some(rest), Some(tld)) = (host.get(..dot), host.get(dot + 1..)) else {
        return false;
    };
    let tld_ok = tld.starts_with("xn--")
        || (tld.chars().nth(1).is_some() && tld.chars().all(char::is_alphabetic));
    // The label before the top-level one is not empty, nor any other.
    tld_ok && !rest.is_empty() && !rest.ends_with('.') && !bytes.windows(2).any(|w| w == b"..")
}

/// The entry of the sorted `set` that `host` is, or is a subdomain of.
fn find_suffix<'s>(set: &'s [String], host: &str) -> Option<&'s str> {
    if set.is_empty() {
        return None;
    }
    let mut h = host;
    loop {
        if let Ok(i) = set.binary_search_by(|d| d.as_str().cmp(h)) {
            return set.get(i).map(String::as_str);
        }
        h = h.split_once('.')?.1;
    }
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

impl LinkRules {
    /// Rules from lower-case domains.
    pub(crate) fn new(mut shorteners: Vec<String>, mut own: Vec<String>) -> Self {
        shorteners.sort();
        shorteners.dedup();
        own.sort();
        own.dedup();
        LinkRules { shorteners, own }
    }

    fn classify(&self, host: &str, numeric: bool) -> (bool, Option<String>, bool) {
        if numeric {
            return (true, None, false);
        }
        let own = find_suffix(&self.own, host).is_some();
        let shortener = if own {
            None
        } else {
            find_suffix(&self.shorteners, host).map(str::to_owned)
        };
        (false, shortener, own)
    }

    /// Every link in `text`, in order. (Callers skip texts with no `.` or
    /// `:` that are ASCII: they cannot hold a link.)
    #[cfg(test)]
    pub(crate) fn scan(&self, text: &str, ascii_compatible: bool) -> Vec<Link> {
        self.scan_known(text, text.is_ascii(), ascii_compatible)
    }

    /// [`LinkRules::scan`] when whether `text` is ASCII is known.
    pub(crate) fn scan_known(&self, text: &str, ascii: bool, ascii_compatible: bool) -> Vec<Link> {
        let view = View::new(text, ascii, ascii_compatible);
        let s: &str = &view.s;
        let mut links = Vec::new();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        self.scan_schemes(s, &mut links, &mut covered);
        self.scan_hosts(s, &mut links, &covered);
        links.sort_by_key(|l| l.start);
        view.to_chars(&mut links);
        links
    }

    /// Links written with `scheme://`.
    fn scan_schemes(&self, s: &str, links: &mut Vec<Link>, covered: &mut Vec<(usize, usize)>) {
        let mut from = 0usize;
        // One searcher for the whole text; colons inside a link just found
        // (before `from`) are passed over.
        for p in memchr::memchr_iter(b':', s.as_bytes()) {
            if p < from {
                continue;
            }
            from = p + 1;
            if s.get(p..p + 3) != Some("://") {
                continue;
            }
            let start = scan_left(s, p, |c| {
                c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')
            });
            let a = p + 3;
            let e = scan_right(s, a, |c| !ends_authority(c));
            let Some(authority) = s.get(a..e) else {
                continue;
            };
            let (userinfo, hostport) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(u), h),
                None => (None, authority),
            };
            let host = strip_port(hostport)
                .trim_end_matches('.')
                .to_ascii_lowercase();
            if host.is_empty() && userinfo.is_none() && !hostport.starts_with('[') {
                continue;
            }
            let numeric = hostport.starts_with('[') || is_numeric_host(&host);
            let (raw_ip, shortener, own) = self.classify(&host, numeric);
            let end = link_end(s, e).max(e);
            from = end.max(from);
            covered.push((start, end));
            links.push(Link {
                start,
                end,
                credentials: userinfo.is_some(),
                raw_ip,
                shortener,
                own,
            });
        }
    }

    /// Links written as a bare host name or IPv4 address.
    fn scan_hosts(&self, s: &str, links: &mut Vec<Link>, covered: &[(usize, usize)]) {
        let mut from = 0usize;
        // `covered` is in order and dots are visited in order.
        let mut next_cover = 0usize;
        for dot in memchr::memchr_iter(b'.', s.as_bytes()) {
            if dot < from {
                continue;
            }
            from = dot + 1;
            while covered.get(next_cover).is_some_and(|&(_, b)| b <= dot) {
                next_cover += 1;
            }
            if covered
                .get(next_cover)
                .is_some_and(|&(a, b)| dot >= a && dot < b)
            {
                continue;
            }
            if !prev_char(s, dot).is_some_and(is_host_char)
                || !next_char(s, dot + 1).is_some_and(is_host_char)
            {
                continue;
            }
            let hs = scan_left(s, dot, |c| is_host_char(c) || c == '.');
            let he = host_end(s, dot + 1);
            from = he.max(from);
            if next_char(s, he) == Some('@') {
                from = host_end(s, he + 1).max(from); // the name part of an email address
                continue;
            }
            let Some(raw_host) = s.get(hs..he) else {
                continue;
            };
            let host = lower(raw_host.trim_start_matches('.'));
            let numeric = is_dotted_quad(&host);
            if !numeric && !is_domain(&host) {
                continue;
            }
            let mut start = hs;
            let mut credentials = false;
            if prev_char(s, hs) == Some('@') {
                // ok: hs >= 1, an '@' precedes it
                let us = scan_left(s, hs - 1, |c| {
                    !is_space(c) && !matches!(c, '/' | '(' | '<' | '"' | '@')
                });
                let userinfo = s.get(us..hs - 1).unwrap_or("");
                if !userinfo.contains(':') || userinfo.to_ascii_lowercase().starts_with("mailto:") {
                    continue; // an email address
                }
                credentials = true;
                start = us;
            }
            let end = link_end(s, he);
            from = end.max(from);
            let (raw_ip, shortener, own) = self.classify(&host, numeric);
            links.push(Link {
                start,
                end,
                credentials,
                raw_ip,
                shortener,
                own,
            });
        }
    }
}

/// The end of a host name starting at `i`: host characters, and dots that
/// are followed by one.
fn host_end(s: &str, mut i: usize) -> usize {
    loop {
        i = scan_right(s, i, is_host_char);
        if next_char(s, i) == Some('.') && next_char(s, i + 1).is_some_and(is_host_char) {
            i += 1;
        } else {
            return i;
        }
    }
}

fn strip_port(hostport: &str) -> &str {
    if hostport.starts_with('[') {
        return hostport;
    }
    match hostport.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => hostport,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> LinkRules {
        LinkRules {
            shorteners: ["bit.ly", "tinyurl.com", "t.co"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            own: ["happypaws.example"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    fn one(text: &str) -> Link {
        let links = rules().scan(text, false);
        let compatible = text.is_ascii()
            || text
                .chars()
                .all(|c| c.is_ascii() || crate::text::fold::is_inert(c));
        if compatible {
            assert_eq!(rules().scan(text, true), links, "{text:?}");
        }
        assert_eq!(links.len(), 1, "{text:?}: {links:?}");
        links.into_iter().next().unwrap()
    }

    #[test]
    fn p1_finds_shorteners_with_and_without_scheme_in_any_case() {
        for text in [
            "see bit.ly/abc",
            "see https://bit.ly/abc",
            "see HTTP://BIT.LY/ABC",
            "see Bit.Ly/x.",
            "see (bit.ly/abc)",
            "see www.bit.ly/abc",
            "see ＢＩＴ．ＬＹ/x",
            "see bit\u{200B}.ly/x",
            "see bit。ly/x",
        ] {
            let l = one(text);
            assert_eq!(l.shortener.as_deref(), Some("bit.ly"), "{text:?}");
            let expected = if text.contains('(') { 5 } else { 4 };
            assert_eq!(l.start, expected, "{text:?}");
        }
        assert_eq!(one("go https://bit.ly/abc.").end, 21);
        // Inert characters around: scanned as bytes, positions in chars.
        let l = one("“see” 🐶 bit.ly/x’s — ok");
        assert_eq!((l.start, l.end), (8, 18));
        assert!(one("Max’s link: http://203.0.113.9/pay 🐾").raw_ip);
    }

    proptest::proptest! {
        #[test]
        fn p1_byte_scan_agrees_with_folded_scan(text in "[a-zA-Z0-9./:@ ’😀—-]{0,30}") {
            proptest::prop_assert_eq!(rules().scan(&text, true), rules().scan(&text, false));
        }
    }

    /// `is_domain` as it was, on split labels.
    fn reference_is_domain(host: &str) -> bool {
        let mut labels = host.split('.');
        let Some(tld) = labels.next_back() else {
            return false;
        };
        let tld_ok = tld.starts_with("xn--")
            || (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
        tld_ok && labels.next_back().is_some_and(|l| !l.is_empty()) && !host.contains("..")
    }

    proptest::proptest! {
        #[test]
        fn p1_ascii_char_reads_agree_with_decoding(text in "\\PC{0,12}|[a-z.’😀é]{0,12}", i in 0usize..40) {
            proptest::prop_assert_eq!(prev_char(&text, i), text.get(..i).and_then(|p| p.chars().next_back()));
            proptest::prop_assert_eq!(next_char(&text, i), text.get(i..).and_then(|p| p.chars().next()));
        }

        #[test]
        fn p1_domain_test_agrees_with_reference(host in "[a-z0-9.é-]{0,12}|(xn--)?[a-z.]{0,8}") {
            proptest::prop_assert_eq!(is_domain(&host), reference_is_domain(&host));
        }

    }

    #[test]
    fn p1_own_domain_passes() {
        let l = one("Book at https://book.happypaws.example/dental today");
        assert!(l.own);
        assert!(l.shortener.is_none());
    }

    #[test]
    fn raw_ip_and_credentials() {
        assert!(one("http://192.168.0.1/login").raw_ip);
        assert!(one("go to 10.0.0.7/pay now").raw_ip);
        assert!(one("http://3232235777/").raw_ip);
        assert!(one("http://[::1]/x").raw_ip);
        let l = one("https://user:pw@clinic.example/x");
        assert!(l.credentials && !l.raw_ip);
        assert!(one("user:pw@clinic.example/x").credentials);
        assert!(one("http://admin@clinic.example").credentials);
    }

    #[test]
    fn ordinary_text_has_no_links() {
        for text in [
            "Dr. Smith will see you at 10.30 a.m. on 10.12.2024, e.g. Monday.",
            "Email us at front.desk@happypaws.example or call.",
            "Max is 12.5 lbs. Thanks!",
            "version 1.2.3 ready",
        ] {
            assert_eq!(rules().scan(text, false), vec![], "{text:?}");
        }
    }
}
