//! The JSON contracts of `practicetext segments`, `check` and `keyword`
//! (SPEC P1-P7, C1-C5), through the real binary.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: Option<&str>) -> (i32, Vec<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_practicetext"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let values = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), values)
}

#[test]
fn p7_segments_reports_encoding_and_forced_chars() {
    let (code, v) = run(&["segments", "Hi 😀"], None);
    assert_eq!(code, 0);
    assert_eq!(v[0]["encoding"], "UCS-2");
    assert_eq!(v[0]["units"], 5);
    assert_eq!(v[0]["segments"], 1);
    assert_eq!(v[0]["remaining"], 65);
    assert_eq!(v[0]["ucs2_chars"][0]["start"], 3);
    assert_eq!(v[0]["error"], Value::Null);
}

#[test]
fn p7_segments_refuses_over_the_limit_with_a_code() {
    let long = "a".repeat(161);
    let (code, v) = run(&["segments", "--max-segments", "1", &long], None);
    assert_eq!(code, 0);
    assert_eq!(v[0]["segments"], 2);
    assert_eq!(v[0]["error"]["code"], "text_too_long");
}

#[test]
fn p1_p5_check_jsonl_with_broadcast_per_line() {
    let input = "{\"text\":\"see bit.ly/x\"}\n{\"text\":\"20% off cleanings\"}\n{\"text\":\"20% off cleanings\",\"broadcast\":true}\nnope\n";
    let (code, v) = run(&["check", "--jsonl"], Some(input));
    assert_eq!(code, 0);
    assert_eq!(v[0]["verdict"], "block");
    assert_eq!(v[0]["findings"][0]["code"], "url_shortener");
    assert_eq!(v[1]["verdict"], "warn");
    assert_eq!(v[2]["verdict"], "block");
    assert_eq!(v[3]["error"]["code"], "bad_input_line");
}

#[test]
fn p1_check_own_domain_passes() {
    let (_, v) = run(
        &[
            "check",
            "--own-domain",
            "happypaws.example",
            "Book: happypaws.example/book",
        ],
        None,
    );
    assert_eq!(v[0]["verdict"], "ok");
    assert_eq!(v[0]["segments"]["encoding"], "GSM-7");
}

#[test]
fn check_refuses_a_bad_policy_with_exit_1() {
    let (code, v) = run(&["check", "--own-domain", "bit.ly", "hi"], None);
    assert_eq!(code, 1);
    assert!(v.is_empty());
}

#[test]
fn c1_c3_c5_keyword_single_and_jsonl() {
    let (_, v) = run(&["keyword", "STOP!!"], None);
    assert_eq!(v[0]["action"], "opt_out");
    assert_eq!(v[0]["review"], false);
    let (_, v) = run(&["keyword", "--opted-out", "yes"], None);
    assert_eq!(v[0]["action"], "opt_in");
    let input = "{\"text\":\"CANCEL\"}\n{\"text\":\"yes\"}\n{\"text\":\"yes\",\"opted_out\":true}\n{\"text\":\"stop texting me\"}\n";
    let (_, v) = run(&["keyword", "--jsonl"], Some(input));
    assert_eq!(v[0]["flags"][0], "possible_cancellation");
    assert_eq!(v[1]["action"], "none");
    assert_eq!(v[2]["action"], "opt_in");
    assert_eq!(v[3]["flags"][0], "natural_language_opt_out");
}

#[test]
fn usage_error_exits_2() {
    let (code, _) = run(&["keyword"], None);
    assert_eq!(code, 2);
}
