//! Webhook signatures (SPEC X3): `base64(HMAC-SHA1(auth_token, url +
//! sorted fields))`, compared in constant time.
//!
//! The scheme is the one documented in Twilio's "Secure webhooks"
//! (<https://www.twilio.com/docs/usage/webhooks/webhooks-security>): start
//! from the full URL the provider requested, query string included; append
//! every POST field as name then value, sorted by name (and by value for
//! repeated names, as the official helper libraries do); HMAC-SHA1 that with
//! the account's auth token and base64 the digest. Like those libraries, a
//! URL with an explicit port is also tried without it, and one without a
//! port also with the scheme's default port, because providers differ in
//! whether the port is part of the signed URL.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::{WebhookConfig, WebhookError, parse_form};

/// The header that carries the signature (HTTP header names are
/// case-insensitive; hosts look it up however their framework does).
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

type HmacSha1 = Hmac<Sha1>;

/// Checks a webhook's size, form and signature, and returns its fields
/// (SPEC X3).
///
/// `path_and_query` is the request target as received (`/sms?org=7`); it is
/// appended to [`WebhookConfig::public_base_url`] to rebuild the URL the
/// provider signed. `signature_header` is the [`SIGNATURE_HEADER`] value,
/// or `""` when the request had none.
///
/// Refuses, in this order: an unusable configuration
/// (`webhook_config_invalid`), a missing or blank header
/// (`signature_missing`), a body over the cap (`body_too_large`), a body
/// that is not a valid form (`malformed_form`), and a signature that does
/// not match (`signature_invalid`: a changed field, another URL, another
/// token, or a header that is not base64 all look the same from here).
pub fn authenticate(
    cfg: &WebhookConfig,
    path_and_query: &str,
    form_body: &[u8],
    signature_header: &str,
) -> Result<Vec<(String, String)>, WebhookError> {
    check_token(&cfg.auth_token)?;
    let url = public_url(cfg, path_and_query)?;
    let header = signature_header.trim();
    if header.is_empty() {
        return Err(WebhookError::SignatureMissing);
    }
    let fields = parse_form(form_body, cfg.max_body_bytes)?;
    let tag = STANDARD
        .decode(header)
        .map_err(|_| WebhookError::SignatureInvalid)?;
    let mut matched = false;
    for candidate in std::iter::once(url.clone()).chain(port_variant(&url)) {
        let mac = signing_mac(&cfg.auth_token, &candidate, &fields)?;
        // verify_slice compares in constant time (subtle).
        matched |= mac.verify_slice(&tag).is_ok();
    }
    if matched {
        Ok(fields)
    } else {
        Err(WebhookError::SignatureInvalid)
    }
}

/// [`authenticate`] without the fields: `Ok(())` when the webhook is
/// authentic (SPEC X3).
pub fn verify_signature(
    cfg: &WebhookConfig,
    path_and_query: &str,
    form_body: &[u8],
    signature_header: &str,
) -> Result<(), WebhookError> {
    authenticate(cfg, path_and_query, form_body, signature_header).map(|_| ())
}

/// The signature a provider would put on a request to `url` with these
/// fields (SPEC X3), for tools and for hosts that sign their own test
/// requests. Refuses an empty token.
pub fn expected_signature(
    auth_token: &str,
    url: &str,
    fields: &[(String, String)],
) -> Result<String, WebhookError> {
    let mac = signing_mac(auth_token, url, fields)?;
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// The HMAC over `url` and the sorted fields, ready to finalize or verify.
fn signing_mac(
    auth_token: &str,
    url: &str,
    fields: &[(String, String)],
) -> Result<HmacSha1, WebhookError> {
    check_token(auth_token)?;
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).map_err(|_| {
        WebhookError::InvalidConfig {
            reason: "auth_token cannot be used as an HMAC key",
        }
    })?;
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    Ok(mac)
}

/// An empty token would let anyone sign: refuse it.
fn check_token(auth_token: &str) -> Result<(), WebhookError> {
    if auth_token.trim().is_empty() {
        return Err(WebhookError::InvalidConfig {
            reason: "auth_token is empty; set it to the provider account's primary auth token",
        });
    }
    Ok(())
}

/// The URL the provider signed: the configured public base URL (one
/// trailing `/` dropped) followed by the request's path and query.
fn public_url(cfg: &WebhookConfig, path_and_query: &str) -> Result<String, WebhookError> {
    let base = cfg.public_base_url.trim();
    if !is_usable_base(base) {
        return Err(WebhookError::InvalidConfig {
            reason: "public_base_url must be an absolute http(s) URL without query or fragment, e.g. https://texts.clinic.example",
        });
    }
    let base = base.strip_suffix('/').unwrap_or(base);
    let joiner = match path_and_query.as_bytes().first() {
        None | Some(b'/') | Some(b'?') => "",
        Some(_) => "/",
    };
    Ok(format!("{base}{joiner}{path_and_query}"))
}

fn is_usable_base(base: &str) -> bool {
    let Some((scheme, rest)) = base.split_once("://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or_default();
    (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
        && !host.is_empty()
        && !base.contains(['?', '#'])
        && !base.contains(char::is_whitespace)
}

/// The same URL with its explicit port removed, or with the scheme's
/// default port added when it has none.
fn port_variant(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at_checked(authority_len)?;
    let host_start = authority.rfind('@').map_or(0, |at| at.saturating_add(1));
    let (userinfo, host_port) = authority.split_at_checked(host_start)?;
    // A ':' after the last ']' (IPv6 literals contain colons) starts the port.
    let port_colon = host_port
        .rfind(':')
        .filter(|&colon| host_port.get(colon..).is_some_and(|p| !p.contains(']')));
    match port_colon {
        Some(colon) => {
            let host = host_port.get(..colon)?;
            Some(format!("{scheme}://{userinfo}{host}{tail}"))
        }
        None => {
            let port = if scheme.eq_ignore_ascii_case("https") {
                443
            } else if scheme.eq_ignore_ascii_case("http") {
                80
            } else {
                return None;
            };
            Some(format!("{scheme}://{userinfo}{host_port}:{port}{tail}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x3_port_variant_adds_or_removes_the_port() {
        assert_eq!(
            port_variant("https://a.example/sms?x=1").as_deref(),
            Some("https://a.example:443/sms?x=1")
        );
        assert_eq!(
            port_variant("http://a.example:8080/sms").as_deref(),
            Some("http://a.example/sms")
        );
        assert_eq!(
            port_variant("https://[::1]/sms").as_deref(),
            Some("https://[::1]:443/sms")
        );
        assert_eq!(
            port_variant("https://[::1]:8443").as_deref(),
            Some("https://[::1]")
        );
        assert_eq!(port_variant("ftp://a.example/x"), None);
    }

    #[test]
    fn x3_public_url_joins_base_and_path() {
        let cfg = |base: &str| WebhookConfig::new("t", base);
        let url = |base: &str, p: &str| public_url(&cfg(base), p).unwrap();
        assert_eq!(
            url("https://h.example", "/sms?a=1"),
            "https://h.example/sms?a=1"
        );
        assert_eq!(url("https://h.example/", "/sms"), "https://h.example/sms");
        assert_eq!(
            url("https://h.example/api", "/sms"),
            "https://h.example/api/sms"
        );
        assert_eq!(url("https://h.example", "sms"), "https://h.example/sms");
        for bad in [
            "",
            "h.example",
            "ftp://h.example",
            "https://",
            "https://h?x=1",
            "https://h .example",
        ] {
            assert_eq!(
                public_url(&cfg(bad), "/sms").unwrap_err().code(),
                "webhook_config_invalid",
                "{bad}"
            );
        }
    }
}
