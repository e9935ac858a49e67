//! Status webhooks end to end (SPEC X3 → X2, V10): a signed form post is
//! authenticated, parsed and applied to the message's delivery state, the
//! way a host's status-callback endpoint does it. Each scenario is a list
//! of callbacks in arrival order with the effects each must produce (by
//! their JSON `effect` names, the public contract).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use practicetext_core::delivery::{DeliveryState, RetryPolicy, apply_status};
use practicetext_core::webhook::{WebhookConfig, authenticate, parse_status};
use sha1::Sha1;

const TOKEN: &str = "status-callback-token";
const BASE: &str = "https://texts.clinic.example";
const PATH: &str = "/status?org=7";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 16, 0, 0).unwrap()
}

/// A status callback body and its signature, computed independently.
fn signed(status: &str, error_code: Option<&str>) -> (Vec<u8>, String) {
    let mut fields = vec![
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("MessageStatus", status),
        ("To", "+16502530000"),
    ];
    if let Some(code) = error_code {
        fields.push(("ErrorCode", code));
    }
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B")))
        .collect::<Vec<_>>()
        .join("&");
    let mut sorted = fields.clone();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(format!("{BASE}{PATH}").as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    (
        body.into_bytes(),
        STANDARD.encode(mac.finalize().into_bytes()),
    )
}

/// Runs callbacks through authenticate → parse_status → apply_status and
/// returns the effect names per callback and the final state.
fn run(callbacks: &[(&str, Option<&str>)]) -> (Vec<Vec<String>>, DeliveryState) {
    let cfg = WebhookConfig::new(TOKEN, BASE);
    let policy = RetryPolicy::default();
    let mut state = DeliveryState::queued(1, t0());
    let mut seen = Vec::new();
    for (i, (status, code)) in callbacks.iter().enumerate() {
        let now = t0() + TimeDelta::seconds(i as i64 + 1);
        let (body, header) = signed(status, *code);
        let fields = authenticate(&cfg, PATH, &body, &header).expect("authentic");
        let callback = parse_status(&fields).expect("well formed");
        let (new, effects) = apply_status(Some(&state), &callback, now, &policy);
        if let Some(new) = new {
            state = new;
        }
        seen.push(
            effects
                .iter()
                .map(|e| {
                    let json = serde_json::to_value(e).unwrap();
                    let name = json["effect"].as_str().unwrap().to_string();
                    match json.get("reason").and_then(|r| r.as_str()) {
                        Some(reason) => format!("{name}:{reason}"),
                        None => name,
                    }
                })
                .collect(),
        );
    }
    (seen, state)
}

#[test]
fn x2_v10_status_webhook_scenarios() {
    type Scenario<'a> = (
        &'a str,
        Vec<(&'a str, Option<&'a str>)>,
        Vec<Vec<&'a str>>,
        &'a str,
    );
    let scenarios: Vec<Scenario> = vec![
        (
            "in order",
            vec![("sending", None), ("sent", None), ("delivered", None)],
            vec![vec!["advanced"], vec!["advanced"], vec!["advanced"]],
            "delivered",
        ),
        (
            "late and repeated callbacks change nothing",
            vec![
                ("delivered", None),
                ("sent", None),
                ("delivered", None),
                ("delivered", None),
                ("sending", None),
            ],
            vec![
                vec!["advanced"],
                vec!["ignored:stale"],
                vec!["ignored:duplicate"],
                vec!["ignored:duplicate"],
                vec!["ignored:stale"],
            ],
            "delivered",
        ),
        (
            "opt-out at the carrier suppresses once",
            vec![
                ("sent", None),
                ("failed", Some("21610")),
                ("failed", Some("21610")),
            ],
            vec![
                vec!["advanced"],
                vec!["advanced", "suppress:opted_out"],
                vec!["ignored:duplicate"],
            ],
            "failed",
        ),
        (
            "landline",
            vec![("undelivered", Some("30006"))],
            vec![vec!["advanced", "suppress:landline"]],
            "undelivered",
        ),
        (
            "unreachable handset is retried; a late delivered does not undo it",
            vec![("undelivered", Some("30003")), ("delivered", None)],
            vec![vec!["advanced", "retry"], vec!["ignored:after_terminal"]],
            "undelivered",
        ),
        (
            "unregistered sender goes to a person",
            vec![("undelivered", Some("30034"))],
            vec![vec!["advanced", "escalate:unregistered_sender"]],
            "undelivered",
        ),
    ];
    for (name, callbacks, expected, final_status) in scenarios {
        let (seen, state) = run(&callbacks);
        assert_eq!(seen, expected, "{name}");
        assert_eq!(state.status.as_str(), final_status, "{name}");
    }
}

#[test]
fn x3_a_forged_status_callback_never_reaches_the_state() {
    let cfg = WebhookConfig::new(TOKEN, BASE);
    let (body, header) = signed("delivered", None);
    let forged = String::from_utf8(body)
        .unwrap()
        .replace("delivered", "failed&ErrorCode=21610")
        .into_bytes();
    assert_eq!(
        authenticate(&cfg, PATH, &forged, &header)
            .unwrap_err()
            .code(),
        "signature_invalid"
    );
}
