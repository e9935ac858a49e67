//! The `practicetext phone` JSON contract (SPEC N1, N2) and exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_practicetext"))
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("stdout is one JSON object")
}

#[test]
fn n1_phone_prints_the_e164_contract() {
    let out = bin().args(["phone", "(650) 253-0000"]).output().unwrap();
    assert!(out.status.success());
    let v = json(&out.stdout);
    assert_eq!(v["input"], "(650) 253-0000");
    assert_eq!(v["valid"], true);
    assert_eq!(v["e164"], "+16502530000");
    assert_eq!(v["region"], "US");
    assert!(v["error"].is_null());
}

#[test]
fn n2_refusal_is_judged_with_exit_zero_and_a_code() {
    let out = bin().args(["phone", "+1 876 555 1234"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out.stdout);
    assert_eq!(v["valid"], false);
    assert!(v["e164"].is_null());
    assert!(v["region"].is_null());
    assert_eq!(v["error"]["code"], "not_us_or_canada");
    assert!(v["error"]["message"].as_str().unwrap().contains("876"));
}

#[test]
fn usage_error_exits_two() {
    let out = bin().arg("phone").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["phone", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn jsonl_batch_keeps_order_and_survives_bad_lines() {
    let mut child = bin()
        .args(["phone", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"input\":\"416-253-0000\"}\nnot json\n\n{\"input\":\"\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(json)
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["region"], "CA");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["error"]["code"], "bad_input_line");
    assert_eq!(lines[2]["error"]["code"], "empty");
}
