//! `practicetext demo` runs the clinic day end to end.

use std::process::Command;

#[test]
fn demo_json_shows_every_capability() {
    let out = Command::new(env!("CARGO_BIN_EXE_practicetext"))
        .args(["demo", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps: Vec<serde_json::Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert!(steps.len() >= 20);
    let all = serde_json::to_string(&steps).unwrap();
    for want in [
        "\"kind\":\"group\"",
        "\"kind\":\"queue\"",
        "personal_auto_reply",
        "after_hours_auto_reply",
        "\"rate_limited\"",
        "opt_out_confirmation",
        "opt_in_confirmation",
        "\"kind\":\"help\"",
        "\"quarantine\"",
        "content_blocked",
        "secure_notice",
        "possible_cancellation",
    ] {
        assert!(all.contains(want), "the demo never shows {want}");
    }
}
