//! `practicetext secure check-recipient` as a user runs it (SPEC S1, S2).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_practicetext"))
        .args(["secure", "check-recipient"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn s2_argument_lists_every_missing_item() {
    let out = run(
        &[r#"{"kind":"patient","cell_phone":"(650) 253-0000","notify":"both"}"#],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["ok"], false);
    assert_eq!(codes(v), ["missing_date_of_birth", "missing_email"]);
    assert!(
        v["missing"][0]["message"]
            .as_str()
            .unwrap()
            .contains("date of birth")
    );
    assert_eq!(v["methods"]["sms"], true);
    assert_eq!(v["methods"]["both"], false);
    assert_eq!(v["notify"], "both");
}

#[test]
fn s2_stdin_object_and_extra_fields() {
    let out = run(
        &[],
        r#"{"id":"c-9","kind":"contact","first_name":"Ann","last_name":"Lee","email":"ann@office.example"}"#,
    );
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["ok"], true);
    assert!(codes(v).is_empty());
}

#[test]
fn s1_jsonl_judges_each_line_and_survives_bad_ones() {
    let input = concat!(
        "{\"kind\":\"contact\",\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"email\":\"ann@office.example\",\"notify\":\"sms\"}\n",
        "not json\n",
        "{\"kind\":\"patient\",\"date_of_birth\":\"1980-02-03\",\"cell_phone\":\"6502530000\",\"notify\":\"sms\"}\n",
    );
    let out = run(&["--jsonl"], input);
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(codes(&lines[0]), ["missing_cell_phone"]);
    assert_eq!(lines[1]["error"]["code"], "bad_input_line");
    assert_eq!(lines[2]["ok"], true);
}

#[test]
fn bad_input_is_a_usage_error_with_a_code() {
    let out = run(&[r#"{"kind":"alien"}"#], "");
    assert_eq!(out.status.code(), Some(2));
    let v = &json_lines(&out)[0];
    assert_eq!(v["code"], "bad_input");
    assert!(v["message"].as_str().unwrap().contains("alien"));
}
