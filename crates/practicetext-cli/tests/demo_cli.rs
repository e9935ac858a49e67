//! `practicetext demo` runs the clinic day end to end: every capability
//! of issue 10 appears in the transcript and as a decision in `--json`,
//! so removing one from the demo fails a test here.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn demo(dir: &Path, json: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practicetext"));
    cmd.arg("demo")
        .arg("--db")
        .arg(dir.join("day.db"))
        .arg("--report")
        .arg(dir.join("report.csv"));
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn steps(dir: &Path) -> Vec<Value> {
    demo(dir, true)
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

/// The first step whose title contains `title`.
fn step<'a>(steps: &'a [Value], title: &str) -> &'a Value {
    steps
        .iter()
        .find(|s| s["title"].as_str().unwrap_or("").contains(title))
        .unwrap_or_else(|| panic!("no step titled {title:?}"))
}

fn decision(s: &Value) -> &Value {
    &s["result"]["decision"]
}

fn skipped(s: &Value) -> Vec<(String, Vec<String>)> {
    decision(s)["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let reasons = k["reasons"].as_array().unwrap();
            (
                k["effect"].as_str().unwrap().to_owned(),
                reasons
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn sent_bodies(s: &Value) -> Vec<&str> {
    s["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["body"].as_str().unwrap())
        .collect()
}

#[test]
fn r3_r4_demo_routes_inbound_texts_to_a_user_a_group_and_a_queue() {
    let tmp = tempfile::tempdir().unwrap();
    let all = steps(tmp.path());
    let delivery = |t: &str| decision(step(&all, t))["disposition"]["delivery"].clone();
    assert_eq!(delivery("Hi, is Rex ready")["username"], "alice");
    let group = delivery("Are you open Saturday");
    assert_eq!(group["kind"], "group");
    assert_eq!(group["members"], serde_json::json!(["alice", "bob"]));
    assert_eq!(delivery("insulin")["queue"], "refills");
    assert_eq!(delivery("Dr Chen")["username"], "dr_chen");
}

#[test]
fn a1_a2_a4_demo_shows_personal_and_after_hours_replies_with_the_30_second_window() {
    let tmp = tempfile::tempdir().unwrap();
    let all = steps(tmp.path());
    let first = step(&all, "Hi, is Rex ready");
    assert!(sent_bodies(first)[0].contains("in surgery"));
    let ten_seconds_later = step(&all, "flea meds");
    assert!(sent_bodies(ten_seconds_later).is_empty());
    assert!(
        skipped(ten_seconds_later)
            .iter()
            .any(|(e, r)| e == "personal_auto_reply" && r.contains(&"rate_limited".to_owned()))
    );
    let after_window = step(&all, "Anyone there");
    assert!(sent_bodies(after_window)[0].contains("in surgery"));
    let night = step(&all, "limping");
    assert!(sent_bodies(night)[0].contains("closed"));
    assert_eq!(
        night["emails"][0]["to"][0], "oncall@happypaws.example",
        "after-hours email alert"
    );
}

#[test]
fn c1_c3_c5_c6_demo_shows_stop_start_help_and_a_blocked_spammer() {
    let tmp = tempfile::tempdir().unwrap();
    let all = steps(tmp.path());
    let stop = step(&all, "\"Stop.\"");
    assert_eq!(decision(stop)["consent_change"]["action"], "opt_out");
    assert!(sent_bodies(stop)[0].contains("unsubscribed"));
    let again = step(&all, "\"STOP\"");
    assert!(
        sent_bodies(again).is_empty(),
        "one confirmation, then silence"
    );
    let refused = step(&all, "Your appointment is tomorrow");
    assert_eq!(
        refused["result"][0]["check"]["refusals"][0]["code"],
        "recipient_opted_out"
    );
    let help = step(&all, "\"HELP\"");
    assert_eq!(decision(help)["classification"]["action"], "help");
    assert!(sent_bodies(help)[0].contains("for help call"));
    let start = step(&all, "\"START\"");
    assert_eq!(decision(start)["consent_change"]["action"], "opt_in");
    let cancel = step(&all, "\"CANCEL\"");
    assert_eq!(
        decision(cancel)["classification"]["flags"][0],
        "possible_cancellation"
    );
    let spam = step(&all, "free cruise");
    assert_eq!(decision(spam)["disposition"]["action"], "quarantine");
    assert!(sent_bodies(spam).is_empty());
}

#[test]
fn p1_v3_s1_demo_shows_a_refusal_explained_a_closed_conversation_and_a_secure_notice() {
    let tmp = tempfile::tempdir().unwrap();
    let all = steps(tmp.path());
    let short = step(&all, "bit.ly");
    let refusal = &short["result"][0]["check"]["refusals"][0];
    assert_eq!(refusal["code"], "content_blocked");
    assert!(refusal["message"].as_str().unwrap().contains("shortener"));
    let closed = step(&all, "closes the Rivera conversation");
    assert_eq!(closed["result"]["client"], "c-rivera");
    assert!(closed["result"]["messages"].as_array().unwrap().len() >= 3);
    let secure = step(&all, "secure lab result");
    let notice = sent_bodies(secure)[0];
    let generic =
        "Happy Paws Veterinary: You have a secure message: https://secure.happypaws.example/s/";
    assert!(
        notice.starts_with(generic),
        "the notice is generic: {notice}"
    );
    assert!(notice.ends_with(" Reply STOP to opt out."));
}

#[test]
fn b4_b5_b7_x1_x5_demo_runs_a_mass_alert_with_preflight_pacing_quiet_hours_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let all = steps(tmp.path());
    let plan = &step(&all, "preflight of a mass alert")["result"];
    assert_eq!(plan["counts"]["recipients"], 8);
    let reasons: Vec<&str> = plan["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"]["code"].as_str().unwrap())
        .collect();
    for code in [
        "blocked",
        "opted_out",
        "shared_number",
        "no_cell_phone",
        "not_us_or_canada",
    ] {
        assert!(reasons.contains(&code), "no exclusion {code}: {reasons:?}");
    }
    assert_eq!(plan["token"].as_str().unwrap().len(), 64);
    assert!(plan["projected_finish"].is_string());

    let run = &step(&all, "mass alert goes out")["result"];
    let steps = run["steps"].as_array().unwrap();
    let times: Vec<&str> = steps
        .iter()
        .filter(|s| s["step"]["step"] == "sent")
        .map(|s| s["at"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 8);
    assert_eq!(
        &times[..2],
        ["2026-11-24T00:59:00Z", "2026-11-24T00:59:12Z"]
    );
    let deferred = steps
        .iter()
        .find(|s| s["step"]["step"] == "deferred")
        .expect("a recipient in quiet hours is deferred");
    assert_eq!(deferred["step"]["until"], "2026-11-24T14:00:00Z");
    assert_eq!(run["summary"]["status"]["status"], "all_sent");

    let report = &step(&all, "the report")["result"];
    let path = tmp.path().join("report.csv");
    assert_eq!(report["report_csv"], path.display().to_string());
    let csv = std::fs::read_to_string(path).unwrap();
    assert!(csv.starts_with("Client Full Name,Client Phone Number,SMS Status"));
    assert!(csv.contains("Kai Young"), "excluded clients are reported");
}

#[test]
fn demo_transcript_explains_every_capability_and_keeps_stderr_quiet_off_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = demo(tmp.path(), false);
    assert!(out.stderr.is_empty(), "no progress bar off a terminal");
    let text = String::from_utf8(out.stdout).unwrap();
    let report = tmp.path().join("report.csv").display().to_string();
    for want in [
        "delivered to alice",
        "delivered to group front-desk: alice, bob",
        "delivered to queue refills",
        ">> text (650) 253-0001 -> (416) 253-0000: \"Dr. Alice is in surgery",
        "no PersonalAutoReply: RateLimited",
        "You're unsubscribed",
        "no OptOutConfirmation",
        "for help call",
        "You're subscribed again",
        "quarantined: the sender is blocked",
        "refused: content_blocked (carriers would block this text",
        "messages saved to client c-rivera's history",
        "You have a secure message",
        "link expires",
        "Happy Paws is closed",
        ">> email to oncall@happypaws.example",
        "6 excluded",
        "excluded Ben Moss (c-moss): opted_out - the client opted out of texts",
        "excluded Pat Quinn (c-quinn): blocked",
        "projected finish:",
        "confirmation token:",
        "is in quiet hours",
        "deferred to Tue 09:00:00 EST",
        "status: all sent (8 sent",
        &format!("report CSV written to {report}"),
    ] {
        assert!(text.contains(want), "the transcript never shows {want:?}");
    }
}
