//! Test code: compiled only under `#[cfg(test)]` (declared by the parent module).
//! Tests for SPEC X3 (webhook authenticity and parsing) and V10 (the
//! provider id as idempotency key). Expected signatures are computed here
//! with the `hmac` crate over hand-built strings, or taken from the
//! provider's published examples, never from the code under test.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use sha1::Sha1;

use super::*;
use crate::delivery::DeliveryStatus;
use crate::phone::E164;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const BASE: &str = "https://texts.clinic.example";

/// HMAC-SHA1 over exactly `data`, base64: the oracle for every signature.
fn sign(token: &str, data: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Form-encodes pairs the way providers do (space as `+`, the rest of
/// anything outside the unreserved set as `%XX`).
fn encode(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cfg() -> WebhookConfig {
    WebhookConfig::new(TOKEN, BASE)
}

/// An inbound text as the provider posts it, in the provider's own order.
const INBOUND: &[(&str, &str)] = &[
    ("ToCountry", "US"),
    ("MessageSid", "SM1f0e8ae6ade43cb3c0ce4525424e404f"),
    ("From", "+16502530000"),
    ("To", "+14155552671"),
    ("Body", "Can I move my 3:30 appt? café"),
    ("NumMedia", "0"),
    ("NumSegments", "1"),
    ("AccountSid", "AC00000000000000000000000000000000"),
];

/// The string the provider signs for INBOUND at `/sms?org=7`, built by
/// hand: URL, then name+value sorted by name.
fn inbound_signed_string() -> String {
    [
        "https://texts.clinic.example/sms?org=7",
        "AccountSidAC00000000000000000000000000000000",
        "BodyCan I move my 3:30 appt? café",
        "From+16502530000",
        "MessageSidSM1f0e8ae6ade43cb3c0ce4525424e404f",
        "NumMedia0",
        "NumSegments1",
        "To+14155552671",
        "ToCountryUS",
    ]
    .concat()
}

// ---- signature ------------------------------------------------------------

#[test]
fn x3_independently_computed_signature_verifies() {
    let header = sign(TOKEN, &inbound_signed_string());
    let fields = authenticate(&cfg(), "/sms?org=7", &encode(INBOUND), &header).unwrap();
    assert_eq!(fields, owned(INBOUND));
    assert_eq!(
        verify_signature(&cfg(), "/sms?org=7", &encode(INBOUND), &header),
        Ok(())
    );
    assert_eq!(
        expected_signature(
            TOKEN,
            "https://texts.clinic.example/sms?org=7",
            &owned(INBOUND)
        ),
        Ok(header)
    );
}

/// The worked example of Twilio's webhook-security documentation and the
/// fixture of Twilio's helper libraries (twilio-python, twilio-node):
/// token `12345`, URL `https://mycompany.com/myapp.php?foo=1&bar=2`.
#[test]
fn x3_published_provider_examples_verify() {
    let cfg = WebhookConfig::new("12345", "https://mycompany.com");
    let examples = [
        ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc="),
        ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ];
    for (caller, expected) in examples {
        let params = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ];
        let path = "/myapp.php?foo=1&bar=2";
        assert_eq!(
            verify_signature(&cfg, path, &encode(&params), expected),
            Ok(())
        );
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(
            expected_signature("12345", url, &owned(&params)).unwrap(),
            expected
        );
        assert_eq!(
            verify_signature(&cfg, "/myapp.php?foo=1&bar=3", &encode(&params), expected)
                .unwrap_err()
                .code(),
            "signature_invalid"
        );
    }
}

/// twilio-python's fixture for a repeated name: the values are signed in
/// sorted order, whatever order the body has them in.
#[test]
fn x3_repeated_names_are_signed_in_value_order() {
    let cfg = WebhookConfig::new("12345", "https://mycompany.com");
    let params = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
    ];
    let header = "IK+Dwps556ElfBT0I3Rgjkr1wJU=";
    assert_eq!(
        verify_signature(&cfg, "/myapp.php?foo=1&bar=2", &encode(&params), header),
        Ok(())
    );
}

#[test]
fn x3_field_order_in_the_body_does_not_matter() {
    let header = sign(TOKEN, &inbound_signed_string());
    let mut reversed = INBOUND.to_vec();
    reversed.reverse();
    assert_eq!(
        verify_signature(&cfg(), "/sms?org=7", &encode(&reversed), &header),
        Ok(())
    );
}

#[test]
fn x3_tampered_body_field_is_refused() {
    let header = sign(TOKEN, &inbound_signed_string());
    let mut tampered = INBOUND.to_vec();
    tampered[4] = ("Body", "Can I move my 3:31 appt? café");
    let err = verify_signature(&cfg(), "/sms?org=7", &encode(&tampered), &header).unwrap_err();
    assert_eq!(err, WebhookError::SignatureInvalid);
    assert_eq!(err.code(), "signature_invalid");

    let mut added = INBOUND.to_vec();
    added.push(("OptOutType", "STOP"));
    assert_eq!(
        verify_signature(&cfg(), "/sms?org=7", &encode(&added), &header),
        Err(WebhookError::SignatureInvalid)
    );
    let removed = &INBOUND[1..];
    assert_eq!(
        verify_signature(&cfg(), "/sms?org=7", &encode(removed), &header),
        Err(WebhookError::SignatureInvalid)
    );
}

#[test]
fn x3_different_url_is_refused() {
    let header = sign(TOKEN, &inbound_signed_string());
    let body = encode(INBOUND);
    for path in ["/sms?org=8", "/sms", "/mms?org=7", "/sms?org=7&x=1"] {
        assert_eq!(
            verify_signature(&cfg(), path, &body, &header),
            Err(WebhookError::SignatureInvalid),
            "{path}"
        );
    }
    for base in [
        "http://texts.clinic.example",
        "https://other.clinic.example",
        "https://texts.clinic.example/api",
    ] {
        let other = WebhookConfig::new(TOKEN, base);
        assert_eq!(
            verify_signature(&other, "/sms?org=7", &body, &header),
            Err(WebhookError::SignatureInvalid),
            "{base}"
        );
    }
}

#[test]
fn x3_wrong_token_or_garbage_header_is_refused() {
    let body = encode(INBOUND);
    let other_token = sign("another-token", &inbound_signed_string());
    let good = sign(TOKEN, &inbound_signed_string());
    let truncated = STANDARD.encode(&STANDARD.decode(&good).unwrap()[..19]);
    for header in [
        other_token.as_str(),
        "not base64 at all!",
        "AAAA",
        truncated.as_str(),
    ] {
        assert_eq!(
            verify_signature(&cfg(), "/sms?org=7", &body, header),
            Err(WebhookError::SignatureInvalid),
            "{header}"
        );
    }
}

#[test]
fn x3_missing_header_is_refused() {
    for header in ["", "   "] {
        let err = verify_signature(&cfg(), "/sms?org=7", &encode(INBOUND), header).unwrap_err();
        assert_eq!(err, WebhookError::SignatureMissing);
        assert_eq!(err.code(), "signature_missing");
    }
}

#[test]
fn x3_oversized_body_is_refused_even_when_signed() {
    let mut cfg = cfg();
    let body = encode(INBOUND);
    let header = sign(TOKEN, &inbound_signed_string());
    cfg.max_body_bytes = body.len();
    assert_eq!(verify_signature(&cfg, "/sms?org=7", &body, &header), Ok(()));
    cfg.max_body_bytes = body.len() - 1;
    let err = verify_signature(&cfg, "/sms?org=7", &body, &header).unwrap_err();
    assert_eq!(
        err,
        WebhookError::BodyTooLarge {
            limit: body.len() - 1,
            actual: body.len()
        }
    );
    assert_eq!(err.code(), "body_too_large");
    let huge = vec![b'a'; DEFAULT_MAX_BODY_BYTES + 1];
    assert_eq!(
        verify_signature(
            &super::WebhookConfig::new(TOKEN, BASE),
            "/sms",
            &huge,
            &header
        )
        .unwrap_err()
        .code(),
        "body_too_large"
    );
}

#[test]
fn x3_public_base_url_is_used_not_the_host_the_server_sees() {
    // Behind a TLS-terminating proxy the server is reached at
    // http://10.0.0.5:8080/sms, but the provider signed the public URL.
    let header = sign(TOKEN, &inbound_signed_string());
    let body = encode(INBOUND);
    assert_eq!(
        verify_signature(&cfg(), "/sms?org=7", &body, &header),
        Ok(())
    );
    let as_seen = WebhookConfig::new(TOKEN, "http://10.0.0.5:8080");
    assert_eq!(
        verify_signature(&as_seen, "/sms?org=7", &body, &header),
        Err(WebhookError::SignatureInvalid)
    );
    // A proxy that strips a path prefix: configure the prefix in the base.
    let prefixed = sign(
        TOKEN,
        &inbound_signed_string().replace(".example/sms", ".example/api/sms"),
    );
    let with_prefix = WebhookConfig::new(TOKEN, "https://texts.clinic.example/api/");
    assert_eq!(
        verify_signature(&with_prefix, "/sms?org=7", &body, &prefixed),
        Ok(())
    );
}

/// twilio-python's port fixtures: a signature over the URL with the default
/// port verifies against a base without one, and a base with a port
/// verifies a signature made without it.
#[test]
fn x3_explicit_and_default_ports_are_both_tried() {
    let params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
        ("Caller", "+14158675309"),
    ];
    let path = "/myapp.php?foo=1&bar=2";
    let body = encode(&params);
    let https = WebhookConfig::new("12345", "https://mycompany.com");
    assert_eq!(
        verify_signature(&https, path, &body, "kvajT1Ptam85bY51eRf/AJRuM3w="),
        Ok(())
    );
    let https_port = WebhookConfig::new("12345", "https://mycompany.com:1234");
    assert_eq!(
        verify_signature(&https_port, path, &body, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        Ok(())
    );
    let http = WebhookConfig::new("12345", "http://mycompany.com");
    assert_eq!(
        verify_signature(&http, path, &body, "0ZXoZLH/DfblKGATFgpif+LLRf4="),
        Ok(())
    );
    let http_port = WebhookConfig::new("12345", "http://mycompany.com:1234");
    assert_eq!(
        verify_signature(&http_port, path, &body, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        Ok(())
    );
}

#[test]
fn x3_unusable_configuration_is_refused() {
    let header = sign("", &inbound_signed_string());
    let empty_token = WebhookConfig::new("  ", BASE);
    let err = verify_signature(&empty_token, "/sms?org=7", &encode(INBOUND), &header).unwrap_err();
    assert_eq!(err.code(), "webhook_config_invalid");
    assert_eq!(
        expected_signature("", BASE, &[]).unwrap_err().code(),
        "webhook_config_invalid"
    );
    let relative = WebhookConfig::new(TOKEN, "texts.clinic.example");
    assert_eq!(
        verify_signature(&relative, "/sms", b"", "x")
            .unwrap_err()
            .code(),
        "webhook_config_invalid"
    );
}

#[test]
fn x3_config_debug_redacts_the_token_and_deserializes_with_default_cap() {
    let shown = format!("{:?}", cfg());
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("redacted"));
    let cfg: WebhookConfig = serde_json::from_str(
        r#"{"auth_token": "t0k", "public_base_url": "https://texts.clinic.example"}"#,
    )
    .unwrap();
    assert_eq!(cfg.max_body_bytes, 64 * 1024);
}

// ---- form decoding --------------------------------------------------------

#[test]
fn x3_form_decodes_plus_percent_and_utf8() {
    let fields = parse_form(b"Body=caf%C3%A9+%2B+tea%26%3D&Empty=&Bare&=v&a=b=c", 1024).unwrap();
    assert_eq!(
        fields,
        owned(&[
            ("Body", "café + tea&="),
            ("Empty", ""),
            ("Bare", ""),
            ("", "v"),
            ("a", "b=c"),
        ])
    );
    // Raw (unescaped) UTF-8 is valid too, and empty pieces are skipped.
    assert_eq!(
        parse_form("&&Body=né&&".as_bytes(), 1024).unwrap(),
        owned(&[("Body", "né")])
    );
    assert_eq!(parse_form(b"", 0).unwrap(), vec![]);
}

#[test]
fn x3_form_keeps_duplicates_in_body_order() {
    assert_eq!(
        parse_form(b"Digits=5678&Digits=1234", 64).unwrap(),
        owned(&[("Digits", "5678"), ("Digits", "1234")])
    );
}

#[test]
fn x3_form_invalid_escapes_are_refused_with_their_offset() {
    let cases: &[(&[u8], usize)] = &[
        (b"Body=100%", 8),
        (b"Body=%4", 5),
        (b"Body=%zz", 5),
        (b"Body=%4g", 5),
        (b"a=1&B%x=2", 5),
        (b"a=1&Body=%%41", 9),
    ];
    for &(body, offset) in cases {
        let err = parse_form(body, 1024).unwrap_err();
        assert_eq!(err.code(), "malformed_form");
        assert_eq!(
            err,
            WebhookError::MalformedForm {
                defect: FormDefect::InvalidEscape { offset }
            },
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn x3_form_invalid_utf8_is_refused() {
    for body in [
        &b"a=1&Body=%FF"[..],
        b"a=1&Body=\xff",
        b"a=1&%C3=x",
        b"a=1&Body=%C3%28",
    ] {
        assert_eq!(
            parse_form(body, 1024),
            Err(WebhookError::MalformedForm {
                defect: FormDefect::InvalidUtf8 { offset: 4 }
            })
        );
    }
}

#[test]
fn x3_form_size_cap_is_exact() {
    assert!(parse_form(b"a=12", 4).is_ok());
    assert_eq!(
        parse_form(b"a=123", 4),
        Err(WebhookError::BodyTooLarge {
            limit: 4,
            actual: 5
        })
    );
}

// ---- inbound --------------------------------------------------------------

fn mms() -> Vec<(String, String)> {
    owned(&[
        ("MessageSid", "MM0123456789abcdef0123456789abcdef"),
        ("From", "+16502530000"),
        ("To", "(415) 555-2671"),
        ("NumMedia", "2"),
        ("MediaUrl0", "https://api.provider.example/Media/ME1"),
        ("MediaContentType0", "image/jpeg"),
        ("MediaUrl1", "https://api.provider.example/Media/ME2"),
        ("MediaContentType1", "application/pdf"),
        ("NumSegments", "3"),
    ])
}

#[test]
fn x3_inbound_sms_is_parsed() {
    let sms = parse_inbound(&owned(INBOUND)).unwrap();
    assert_eq!(sms.provider_id, "SM1f0e8ae6ade43cb3c0ce4525424e404f");
    assert_eq!(
        sms.from,
        Sender::Number(E164::parse("+16502530000").unwrap())
    );
    assert_eq!(sms.to, E164::parse("+14155552671").unwrap());
    assert_eq!(sms.body.as_str(), "Can I move my 3:30 appt? café");
    assert_eq!(sms.media, vec![]);
    assert_eq!(sms.num_segments, Some(1));
}

#[test]
fn x3_inbound_mms_media_and_missing_body() {
    let sms = parse_inbound(&mms()).unwrap();
    assert_eq!(sms.body.as_str(), "");
    assert_eq!(sms.num_segments, Some(3));
    assert_eq!(
        sms.media,
        vec![
            MediaItem {
                url: "https://api.provider.example/Media/ME1".into(),
                content_type: "image/jpeg".into()
            },
            MediaItem {
                url: "https://api.provider.example/Media/ME2".into(),
                content_type: "application/pdf".into()
            },
        ]
    );
}

fn without(fields: &[(String, String)], name: &str) -> Vec<(String, String)> {
    fields.iter().filter(|(n, _)| n != name).cloned().collect()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out = without(fields, name);
    out.push((name.to_string(), value.to_string()));
    out
}

#[test]
fn x3_inbound_missing_fields_are_named() {
    for name in ["MessageSid", "From", "To", "MediaUrl1", "MediaContentType0"] {
        assert_eq!(
            parse_inbound(&without(&mms(), name)),
            Err(WebhookError::MissingField { field: name.into() }),
            "{name}"
        );
    }
    let err = parse_inbound(&without(&mms(), "From")).unwrap_err();
    assert_eq!(err.code(), "missing_field");
    assert!(err.to_string().contains("'From'"));
}

#[test]
fn x3_inbound_invalid_fields_are_named() {
    let cases = [
        ("To", "+442079460958"),
        ("To", "not a number"),
        ("From", "  "),
        ("MessageSid", ""),
        ("MessageSid", "SM 123"),
        ("MessageSid", "SM<script>"),
        ("NumMedia", "two"),
        ("NumMedia", "-1"),
        ("NumSegments", "1.5"),
        ("MediaUrl0", "ftp://files.example/x"),
        ("MediaUrl0", "https://"),
    ];
    for (name, value) in cases {
        let err = parse_inbound(&with(&mms(), name, value)).unwrap_err();
        assert_eq!(err.code(), "invalid_field", "{name}={value}");
        assert!(
            matches!(&err, WebhookError::InvalidField { field, .. } if field == name),
            "{name}={value}: {err:?}"
        );
        assert!(!err.to_string().contains(value) || value.trim().is_empty());
    }
    let long_id = "S".repeat(65);
    assert_eq!(
        parse_inbound(&with(&mms(), "MessageSid", &long_id))
            .unwrap_err()
            .code(),
        "invalid_field"
    );
    let max_id = "S".repeat(64);
    assert!(parse_inbound(&with(&mms(), "MessageSid", &max_id)).is_ok());
}

#[test]
fn x3_inbound_accepts_the_older_sid_names_and_first_occurrence_wins() {
    let fields = with(&without(&mms(), "MessageSid"), "SmsMessageSid", "SM42");
    assert_eq!(parse_inbound(&fields).unwrap().provider_id, "SM42");
    let fields = with(&without(&mms(), "MessageSid"), "SmsSid", "SM43");
    assert_eq!(parse_inbound(&fields).unwrap().provider_id, "SM43");
    let mut twice = mms();
    twice.push(("MessageSid".into(), "SM_SECOND".into()));
    assert_eq!(
        parse_inbound(&twice).unwrap().provider_id,
        "MM0123456789abcdef0123456789abcdef"
    );
}

#[test]
fn x3_senders_are_classified() {
    let number = E164::parse("6502530000").unwrap();
    let cases = [
        ("+16502530000", Sender::Number(number)),
        ("6502530000", Sender::Number(number)),
        ("72975", Sender::ShortCode("72975".into())),
        ("+898211", Sender::ShortCode("898211".into())),
        ("CLINICRX", Sender::Other("CLINICRX".into())),
        ("+442079460958", Sender::Other("+442079460958".into())),
        ("+18765550123", Sender::Other("+18765550123".into())),
        ("1234", Sender::Other("1234".into())),
    ];
    for (raw, expected) in cases {
        let fields = with(&mms(), "From", raw);
        assert_eq!(parse_inbound(&fields).unwrap().from, expected, "{raw}");
    }
    assert_eq!(Sender::parse(" "), None);
    assert_eq!(Sender::Number(number).number(), Some(number));
    assert_eq!(Sender::ShortCode("72975".into()).number(), None);
}

#[test]
fn x3_debug_redacts_patient_data() {
    let mut fields = with(&mms(), "Body", "my dob is 1970-01-02");
    fields = with(&fields, "From", "+16502530011");
    let shown = format!("{:?}", parse_inbound(&fields).unwrap());
    for secret in ["1970-01-02", "6502530011", "415555", "api.provider.example"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let other = format!("{:?}", Sender::Other("+442079460958".into()));
    assert!(!other.contains("2079460958"), "{other}");
    assert_eq!(
        format!("{:?}", Sender::ShortCode("72975".into())),
        "ShortCode(\"72975\")"
    );
}

#[test]
fn x3_inbound_json_form() {
    let sms = parse_inbound(&mms()).unwrap();
    let json = serde_json::to_value(&sms).unwrap();
    assert_eq!(json["provider_id"], "MM0123456789abcdef0123456789abcdef");
    assert_eq!(json["from"], serde_json::json!({"number": "+16502530000"}));
    assert_eq!(json["to"], "+14155552671");
    assert_eq!(json["media"][1]["content_type"], "application/pdf");
    let back: InboundSms = serde_json::from_value(json).unwrap();
    assert_eq!(back, sms);
    let short = serde_json::to_value(Sender::ShortCode("72975".into())).unwrap();
    assert_eq!(short, serde_json::json!({"short_code": "72975"}));
}

#[test]
fn v10_a_redelivered_webhook_yields_the_same_provider_id() {
    let header = sign(TOKEN, &inbound_signed_string());
    let first = authenticate(&cfg(), "/sms?org=7", &encode(INBOUND), &header).unwrap();
    let mut reordered = INBOUND.to_vec();
    reordered.rotate_left(3);
    let again = authenticate(&cfg(), "/sms?org=7", &encode(&reordered), &header).unwrap();
    let (a, b) = (
        parse_inbound(&first).unwrap(),
        parse_inbound(&again).unwrap(),
    );
    assert_eq!(a.provider_id, b.provider_id);
    assert_eq!(a, b);
}

// ---- status callbacks -----------------------------------------------------

fn status_fields() -> Vec<(String, String)> {
    owned(&[
        ("MessageSid", "SM0000000000000000000000000000abcd"),
        ("MessageStatus", "undelivered"),
        ("ErrorCode", "30003"),
        ("To", "+16502530000"),
        ("From", "+14155552671"),
        ("AccountSid", "AC00000000000000000000000000000000"),
    ])
}

#[test]
fn x3_status_callback_is_parsed() {
    let cb = parse_status(&status_fields()).unwrap();
    assert_eq!(
        cb,
        StatusCallback {
            provider_id: "SM0000000000000000000000000000abcd".into(),
            status: DeliveryStatus::Undelivered,
            error_code: Some(30003),
            to: Some(E164::parse("+16502530000").unwrap()),
        }
    );
    let minimal = owned(&[("SmsSid", "SM1"), ("SmsStatus", "Delivered")]);
    let cb = parse_status(&minimal).unwrap();
    assert_eq!(
        (cb.status, cb.error_code, cb.to),
        (DeliveryStatus::Delivered, None, None)
    );
    for blank_code in ["", "0"] {
        let cb = parse_status(&with(&status_fields(), "ErrorCode", blank_code)).unwrap();
        assert_eq!(cb.error_code, None, "{blank_code:?}");
    }
}

#[test]
fn x3_status_callback_errors_are_named() {
    assert_eq!(
        parse_status(&without(&status_fields(), "MessageStatus")),
        Err(WebhookError::MissingField {
            field: "MessageStatus".into()
        })
    );
    assert_eq!(
        parse_status(&without(&status_fields(), "MessageSid")),
        Err(WebhookError::MissingField {
            field: "MessageSid".into()
        })
    );
    for (name, value) in [
        ("MessageStatus", "received"),
        ("MessageStatus", "exploded"),
        ("ErrorCode", "E30003"),
        ("To", "+442079460958"),
    ] {
        let err = parse_status(&with(&status_fields(), name, value)).unwrap_err();
        assert!(
            matches!(&err, WebhookError::InvalidField { field, .. } if field == name),
            "{name}={value}: {err:?}"
        );
        assert_eq!(err.code(), "invalid_field");
    }
}

#[test]
fn x3_webhook_errors_have_distinct_codes_and_forward_through_error() {
    let errors = [
        WebhookError::InvalidConfig { reason: "x" },
        WebhookError::SignatureMissing,
        WebhookError::SignatureInvalid,
        WebhookError::BodyTooLarge {
            limit: 1,
            actual: 2,
        },
        WebhookError::MalformedForm {
            defect: FormDefect::InvalidEscape { offset: 0 },
        },
        WebhookError::MissingField { field: "To".into() },
        WebhookError::InvalidField {
            field: "To".into(),
            reason: "x",
        },
    ];
    let codes: Vec<&str> = errors.iter().map(WebhookError::code).collect();
    assert_eq!(codes, WebhookError::CODES);
    for e in errors {
        let top: crate::Error = e.clone().into();
        assert_eq!(top.code(), e.code());
        assert_eq!(top.to_string(), e.to_string());
    }
}

// ---- properties -----------------------------------------------------------

/// Field names the parsers look at, plus noise, so generated fields hit
/// every branch.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "MessageSid",
            "SmsSid",
            "From",
            "To",
            "Body",
            "NumMedia",
            "NumSegments",
            "MediaUrl0",
            "MediaContentType0",
            "MediaUrl1",
            "MediaContentType1",
            "MessageStatus",
            "SmsStatus",
            "ErrorCode",
        ])
        .prop_map(String::from),
        ".{0,12}",
    ]
}

fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9+() -]{0,16}",
        prop::sample::select(vec![
            "+16502530000",
            "72975",
            "2",
            "4294967296",
            "https://m.example/1",
            "delivered",
            "failed",
            "SM123",
        ])
        .prop_map(String::from),
        ".{0,40}",
    ]
}

proptest! {
    #[test]
    fn x3_parsers_never_panic_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(fields) = parse_form(&body, 1024) {
            let _ = parse_inbound(&fields);
            let _ = parse_status(&fields);
        }
    }

    #[test]
    fn x3_parsers_never_panic_on_arbitrary_forms(body in "[A-Za-z0-9=&%+._~-]{0,200}") {
        if let Ok(fields) = parse_form(body.as_bytes(), 1024) {
            let _ = parse_inbound(&fields);
            let _ = parse_status(&fields);
        }
    }

    #[test]
    fn x3_field_parsers_never_panic(fields in prop::collection::vec((field_name(), field_value()), 0..16)) {
        let _ = parse_inbound(&fields);
        let _ = parse_status(&fields);
    }

    #[test]
    fn x3_authenticate_never_panics(
        base in ".{0,30}",
        path in ".{0,30}",
        body in prop::collection::vec(any::<u8>(), 0..128),
        header in ".{0,40}",
    ) {
        let cfg = WebhookConfig::new(TOKEN, base);
        let _ = authenticate(&cfg, &path, &body, &header);
    }

    #[test]
    fn x3_form_encoding_round_trips(pairs in prop::collection::vec((".{1,10}", ".{0,20}"), 0..8)) {
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        prop_assert_eq!(parse_form(&encode(&refs), usize::MAX).unwrap(), pairs);
    }

    #[test]
    fn x3_any_changed_value_breaks_the_signature(value in ".{0,30}", index in 0usize..8) {
        let header = sign(TOKEN, &inbound_signed_string());
        let mut changed = INBOUND.to_vec();
        let original = changed[index].1;
        changed[index].1 = value.as_str();
        let result = verify_signature(&cfg(), "/sms?org=7", &encode(&changed), &header);
        if value == original {
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert_eq!(result, Err(WebhookError::SignatureInvalid));
        }
    }
}
