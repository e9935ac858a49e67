//! `practicetext broadcast` as an administrator runs it (SPEC B1-B9, X5,
//! X6): preflight JSON, refusals, a paced run with a report, resuming from
//! the state file, and a run killed mid-way that resumes without sending
//! anything twice.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

const CLIENTS: &str = "\
client_id,first_name,last_name,cell_phone,email
c1,Ann,Lee,(416) 253-0001,ann@example.com
c2,Sam,Lee,416.253.0001,
c3,=cmd,Chan,416 253 0003,
c4,Cy,Diaz,,
c5,Di,Eng,+44 20 7946 0958,
c6,Ed,Fox,(416) 253-0006,
c7,Flo,Gray,416-253-0007,
";

const APPOINTMENTS: &str = "\
appointment_id,client_id,patient_name,starts_at
a1,c1,Rex,2026-11-24 09:00
a2,c1,Tom,2026-11-24 09:00
a3,c1,Bella,2026-11-24 14:00
a4,c2,Max,2026-11-24 10:00
a5,c3,Luna,2026-11-24T16:00:00-05:00
a6,c4,Coco,2026-11-24 11:00
a7,c5,Milo,2026-11-24 11:30
a8,c6,Ziggy,2026-11-24 12:00
a9,c7,Bo,2026-11-24 13:00
a10,c9,Ghost,2026-11-24 13:00
a11,c1,Old,2026-11-20 13:00
";

const MESSAGE: &str = "Happy Paws: no power tomorrow, the clinic is closed. We will call you.";

struct Dir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

impl Dir {
    fn new() -> Dir {
        Dir::with_appointments(APPOINTMENTS)
    }
    /// The fixture with its appointments moved to `first_day` (and the old
    /// one as many days before it), for the runs on the wall clock.
    fn on(first_day: &str) -> Dir {
        let old = (day(first_day) - chrono::Days::new(4)).to_string();
        let moved = APPOINTMENTS
            .replace(FIRST_DAY, first_day)
            .replace("2026-11-20", &old);
        Dir::with_appointments(&moved)
    }
    fn with_appointments(appointments: &str) -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().to_owned();
        fs::write(path.join("clients.csv"), CLIENTS).unwrap();
        fs::write(path.join("appts.csv"), appointments).unwrap();
        fs::write(
            path.join("consent.csv"),
            "number,status\n4162530007,opted_out\n",
        )
        .unwrap();
        Dir { _tmp: tmp, path }
    }
    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path.join(name)).unwrap_or_default()
    }
}

fn practicetext(dir: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_practicetext"));
    cmd.current_dir(dir).args(args);
    cmd
}

/// The fixture's first day of appointments.
const FIRST_DAY: &str = "2026-11-24";

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap()
}

/// Two days after today on the wall clock: a first day still ahead in every
/// time zone, for the runs that take real time (no `--now`).
fn wall_clock_first_day() -> String {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let today = day("1970-01-01") + chrono::Days::new(since_epoch.as_secs() / 86_400);
    (today + chrono::Days::new(2)).to_string()
}

fn common(now: Option<&str>) -> Vec<String> {
    common_from(now, FIRST_DAY)
}

fn common_from(now: Option<&str>, first_day: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "--clients",
        "clients.csv",
        "--appointments",
        "appts.csv",
        "--first-day",
        first_day,
        "--from-number",
        "4162530100",
        "--consent",
        "consent.csv",
        "--message",
        MESSAGE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(now) = now {
        args.extend(["--now".to_owned(), now.to_owned()]);
    }
    args
}

fn run(dir: &Dir, sub: &str, extra: &[&str], now: Option<&str>) -> Output {
    let mut args = vec!["broadcast".to_owned(), sub.to_owned()];
    args.extend(common(now));
    args.extend(extra.iter().map(|s| s.to_string()));
    practicetext(&dir.path, &args).output().unwrap()
}

fn json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {text}"))
}

const NOW: &str = "2026-11-23T20:00:00Z";

fn token(dir: &Dir) -> String {
    let out = run(dir, "preflight", &[], Some(NOW));
    assert!(out.status.success());
    json(&out)["token"].as_str().unwrap().to_owned()
}

fn texts_per_number(dir: &Dir) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in dir.read("sent.jsonl").lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        *counts
            .entry(v["to"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    counts
}

#[test]
fn b3_b4_x5_preflight_prints_recipients_exclusions_counts_and_a_token() {
    let dir = Dir::new();
    let out = run(&dir, "preflight", &[], Some(NOW));
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let clients: Vec<&str> = v["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["client"].as_str().unwrap())
        .collect();
    assert_eq!(
        clients,
        vec!["c1", "c6", "c3"],
        "earliest appointment first"
    );
    assert_eq!(
        v["recipients"][0]["appointments"], 4,
        "three pets and a housemate"
    );
    let reasons: Vec<(&str, &str)> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["client"].as_str().unwrap(),
                e["reason"]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("c2", "shared_number"),
            ("c4", "no_cell_phone"),
            ("c5", "not_us_or_canada"),
            ("c7", "opted_out")
        ]
    );
    assert_eq!(v["counts"]["recipients"], 3);
    assert_eq!(v["counts"]["appointments_without_client"], 1);
    assert_eq!(v["segments"]["remaining"], 160 - MESSAGE.len());
    assert_eq!(v["span"]["first"], "2026-11-24T14:00:00Z");
    assert_eq!(v["projected_finish"], "2026-11-23T20:00:24Z");
    assert_eq!(v["token"].as_str().unwrap().len(), 64);
}

#[test]
fn b1_b2_p5_refusals_are_judged_with_their_codes() {
    let dir = Dir::new();
    let out = run(
        &dir,
        "preflight",
        &["--sender-role", "staff", "--days", "8"],
        Some(NOW),
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["code"], "broadcast_refused");
    let codes: Vec<&str> = v["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["not_admin", "range_too_long"]);
}

#[test]
fn bad_input_files_and_flags_exit_two_with_a_code() {
    let dir = Dir::new();
    fs::write(
        dir.path.join("appts.csv"),
        "appointment_id,client_id,patient_name,starts_at\na1,c1,Rex,tomorrow morning\n",
    )
    .unwrap();
    let out = run(&dir, "preflight", &[], Some(NOW));
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["code"], "bad_input");
    assert!(v["message"].as_str().unwrap().contains("a1"), "{v}");
    let out = run(&dir, "preflight", &["--pace", "0"], Some(NOW));
    assert_eq!(out.status.code(), Some(2));
    let out = practicetext(&dir.path, &["broadcast".into(), "preflight".into()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage error");
}

#[test]
fn x1_clients_csv_may_give_each_clients_time_zone() {
    // clients.csv with a time_zone column, Ann's set to `zone`.
    fn with_zone(zone: &str) -> String {
        CLIENTS
            .lines()
            .map(|l| match l {
                h if h.starts_with("client_id") => format!("{h},time_zone"),
                ann if ann.starts_with("c1,") => format!("{ann},{zone}"),
                other => format!("{other},"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    let dir = Dir::new();
    // 06:00 in Toronto: c1 (a Toronto number) lives in Vancouver, where it
    // is 03:00; the projection then waits for 09:00 there.
    let early = "2026-11-24T11:00:00Z";
    let base = json(&run(&dir, "preflight", &[], Some(early)));
    fs::write(dir.path.join("clients.csv"), with_zone("America/Vancouver")).unwrap();
    let moved = json(&run(&dir, "preflight", &[], Some(early)));
    assert_ne!(base["token"], moved["token"]);
    assert_eq!(
        moved["recipients"][0]["time_zone"], "America/Vancouver",
        "{moved}"
    );
    assert!(
        moved["projected_finish"].as_str() > base["projected_finish"].as_str(),
        "{base} {moved}"
    );
    fs::write(dir.path.join("clients.csv"), with_zone("Mars/Olympus")).unwrap();
    let out = run(&dir, "preflight", &[], Some(early));
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["code"], "bad_input");
    assert!(
        v["message"].as_str().unwrap().contains("Mars/Olympus"),
        "{v}"
    );
}

#[test]
fn b4_run_needs_the_preflight_token() {
    let dir = Dir::new();
    let out = run(&dir, "run", &["--confirm", "abc"], Some(NOW));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["code"], "confirmation_mismatch");
    assert!(dir.read("sent.jsonl").is_empty());
}

#[test]
fn b5_b7_b8_x6_run_sends_paced_and_writes_the_report() {
    let dir = Dir::new();
    let token = token(&dir);
    let out = run(
        &dir,
        "run",
        &["--confirm", &token, "--report", "report.csv"],
        Some(NOW),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let summary = json(&out);
    assert_eq!(summary["status"]["status"], "all_sent");
    assert_eq!(summary["sent"], 3);
    assert_eq!(summary["finished_at"], "2026-11-23T20:00:24Z", "12 s apart");
    assert!(texts_per_number(&dir).values().all(|&c| c == 1));
    let report = dir.read("report.csv");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(
        lines[0],
        "Client Full Name,Client Phone Number,SMS Status,Error Details,Message Text,Timestamp,Next Action"
    );
    assert_eq!(lines.len(), 8, "every client, sent or not: {report}");
    assert!(report.contains("'=cmd Chan,+14162530003,sent,"), "{report}");
    assert!(report.contains("Flo Gray,416-253-0007,not sent,the client opted out of texts,"));
    assert!(report.contains(",call instead\n"));
}

#[test]
fn b9_a_finished_state_file_resumes_to_the_same_result_sending_nothing() {
    let dir = Dir::new();
    let token = token(&dir);
    let args = ["--confirm", &token, "--state", "state.json"];
    assert!(run(&dir, "run", &args, Some(NOW)).status.success());
    let first = dir.read("sent.jsonl");
    let again = run(&dir, "run", &args, Some(NOW));
    assert!(again.status.success());
    assert_eq!(json(&again)["sent"], 3);
    assert_eq!(dir.read("sent.jsonl"), first, "nothing sent twice");
}

#[test]
fn b9_a_run_killed_mid_way_resumes_with_no_duplicates_and_no_one_skipped() {
    // Real time at one text a second, killed once the first text is out.
    let first_day = wall_clock_first_day();
    let dir = Dir::on(&first_day);
    let mut args = vec!["broadcast".to_owned(), "run".to_owned()];
    args.extend(common_from(None, &first_day));
    let extra = [
        "--confirm",
        "token for this pace",
        "--state",
        "state.json",
        "--pace",
        "60",
        "--quiet-hours",
        "00:00-23:59",
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    // The token covers the pace, so take the one for this pace.
    let mut pre = args.clone();
    pre[1] = "preflight".to_owned();
    let cut = pre.iter().position(|a| a == "--confirm").unwrap();
    pre.drain(cut..cut + 4);
    let plan = practicetext(&dir.path, &pre).output().unwrap();
    let token = json(&plan)["token"].as_str().unwrap().to_owned();
    let at = args.iter().position(|a| a == "--confirm").unwrap();
    args[at + 1] = token;

    let mut child = practicetext(&dir.path, &args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..500 {
        if !dir.read("sent.jsonl").is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = texts_per_number(&dir).len();
    assert!((1..3).contains(&before), "killed mid-run: {before} sent");
    let out = practicetext(&dir.path, &args).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let summary = json(&out);
    assert_eq!(summary["sent"], 3, "no one skipped: {summary}");
    let texts = texts_per_number(&dir);
    assert_eq!(texts.len(), 3);
    assert!(texts.values().all(|&c| c == 1), "sent twice: {texts:?}");
}

#[test]
fn stdout_transport_prints_each_text_as_a_json_line() {
    let dir = Dir::new();
    let token = token(&dir);
    let out = run(
        &dir,
        "run",
        &["--confirm", &token, "--transport", "stdout"],
        Some(NOW),
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "three texts and the summary");
    assert_eq!(lines[0]["to"], "+14162530001");
    assert_eq!(lines[0]["body"], MESSAGE);
    assert!(
        lines[0]["idempotency_key"]
            .as_str()
            .unwrap()
            .ends_with(":c1")
    );
    assert_eq!(lines[3]["status"]["status"], "all_sent");
}

#[test]
fn help_documents_the_input_formats() {
    let dir = Dir::new();
    for sub in ["preflight", "run"] {
        let out = practicetext(
            &dir.path,
            &["broadcast".into(), sub.into(), "--help".into()],
        )
        .output()
        .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        for needle in [
            "client_id, first_name, last_name, cell_phone, email",
            "appointment_id, client_id, patient_name, starts_at",
            "Examples:",
        ] {
            assert!(help.contains(needle), "{sub}: {needle}");
        }
    }
}

#[test]
fn b9_a_db_run_stopped_after_any_step_resumes_from_sqlite_sending_each_once() {
    // Steps alternate sent / wait for the pace: stopping after 1 to 5 steps
    // cuts the run before, between and after every text.
    for stop_after in 1usize..=5 {
        let dir = Dir::new();
        let token = token(&dir);
        let args = ["--confirm", &token, "--db", "practice.db"];
        let stopped = run(
            &dir,
            "run",
            &[&args[..], &["--stop-after", &stop_after.to_string()]].concat(),
            Some(NOW),
        );
        assert_eq!(stopped.status.code(), Some(3), "{stopped:?}");
        let before: usize = texts_per_number(&dir).values().sum();
        assert_eq!(before, stop_after.div_ceil(2), "stopped after {stop_after}");
        let resumed = run(&dir, "run", &args, Some(NOW));
        assert!(resumed.status.success(), "{resumed:?}");
        let summary = json(&resumed);
        assert_eq!(summary["sent"], 3, "no one skipped: {summary}");
        let texts = texts_per_number(&dir);
        assert_eq!(texts.len(), 3);
        assert!(texts.values().all(|&c| c == 1), "sent twice: {texts:?}");
        // A third run finds the broadcast done and sends nothing.
        let again = run(&dir, "run", &args, Some(NOW));
        assert_eq!(json(&again)["sent"], 3);
        assert_eq!(texts_per_number(&dir), texts);
    }
}

#[test]
fn b9_a_db_run_killed_mid_way_resumes_from_sqlite_with_no_duplicates() {
    // Real time at one text a second, SIGKILLed once the first text is out.
    let first_day = wall_clock_first_day();
    let dir = Dir::on(&first_day);
    let mut pre = vec!["broadcast".to_owned(), "preflight".to_owned()];
    pre.extend(common_from(None, &first_day));
    pre.extend(["--pace", "60", "--quiet-hours", "00:00-23:59"].map(String::from));
    let plan = practicetext(&dir.path, &pre).output().unwrap();
    let token = json(&plan)["token"].as_str().unwrap().to_owned();
    let mut args = pre.clone();
    args[1] = "run".to_owned();
    args.extend([
        "--confirm".to_owned(),
        token,
        "--db".into(),
        "practice.db".into(),
    ]);

    let mut child = practicetext(&dir.path, &args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..500 {
        if !dir.read("sent.jsonl").is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = texts_per_number(&dir).len();
    assert!((1..3).contains(&before), "killed mid-run: {before} sent");
    let out = practicetext(&dir.path, &args).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let summary = json(&out);
    assert_eq!(summary["sent"], 3, "no one skipped: {summary}");
    let texts = texts_per_number(&dir);
    assert_eq!(texts.len(), 3);
    assert!(texts.values().all(|&c| c == 1), "sent twice: {texts:?}");
}

#[test]
fn b4_a_db_run_with_another_token_starts_nothing() {
    let dir = Dir::new();
    let out = run(
        &dir,
        "run",
        &["--confirm", "not-the-token", "--db", "practice.db"],
        Some(NOW),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["code"], "confirmation_mismatch");
    assert!(dir.read("sent.jsonl").is_empty());
}
