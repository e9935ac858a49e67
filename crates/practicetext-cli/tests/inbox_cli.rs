//! `practicetext webhook verify`, `inbox` and `replay` (SPEC X3, V5, V6).

use std::io::Write;
use std::process::{Command, Stdio};

use practicetext_core::webhook::{expected_signature, parse_form};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_practicetext"))
}

fn scenarios() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios")
}

fn verify(body: &str, signature: &str, path: &str) -> serde_json::Value {
    let mut child = bin()
        .args([
            "webhook",
            "verify",
            "--auth-token",
            "secret-token",
            "--public-url",
            "https://texts.clinic.example",
            "--path",
            path,
            "--signature",
            signature,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

const BODY: &str = "From=%2B14162530000&To=%2B16502530001&Body=STOP&MessageSid=SM1";

fn signature() -> String {
    let fields = parse_form(BODY.as_bytes(), 65536).unwrap();
    expected_signature("secret-token", "https://texts.clinic.example/sms", &fields).unwrap()
}

#[test]
fn x3_webhook_verify_accepts_a_signed_inbound_text() {
    let v = verify(BODY, &signature(), "/sms");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["kind"], "inbound");
    assert_eq!(v["event"]["provider_id"], "SM1");
}

#[test]
fn x3_webhook_verify_refuses_a_tampered_body_and_a_wrong_url() {
    let tampered = BODY.replace("STOP", "START");
    let v = verify(&tampered, &signature(), "/sms");
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["code"], "signature_invalid");
    let v = verify(BODY, &signature(), "/other");
    assert_eq!(v["error"]["code"], "signature_invalid");
    let v = verify(BODY, "", "/sms");
    assert_eq!(v["error"]["code"], "signature_missing");
}

#[test]
fn v5_inbox_shows_unread_after_a_scenario() {
    let out = bin()
        .arg("inbox")
        .arg(scenarios().join("v5_reading_clears_unread.json"))
        .args(["--user", "bob"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["conversations"][0]["unread"], 1);
    assert_eq!(v["missed"]["total"], 1);
}

#[test]
fn replay_prints_one_line_per_step_and_exits_zero_when_all_match() {
    let out = bin()
        .arg("replay")
        .arg(scenarios().join("c4_exactly_one_confirmation_then_silence.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["mismatch"].is_null()));
}

#[test]
fn replay_exits_three_on_a_mismatch() {
    let path = std::env::temp_dir().join(format!("pt-bad-{}.json", std::process::id()));
    let mut s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scenarios().join("c1_stop_with_punctuation_opts_out.json"))
            .unwrap(),
    )
    .unwrap();
    s["events"][0]["expect"] = serde_json::json!({"sent": []});
    std::fs::write(&path, s.to_string()).unwrap();
    let out = bin().arg("replay").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(3));
}
