//! `docs/rules.md`, the rule reference, is generated from the code: for
//! every SPEC rule id, the source files whose docs name it, the tests that
//! prove it (test functions named after it, scenario files listing it) and
//! the stable error/finding codes those files define. This test fails when
//! the checked-in file drifts from the code (regenerate with
//! `UPDATE_DOCS=1 cargo test --test rule_reference`) and when any rule id
//! has no code or no test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// Every rule of the specification, with its short title.
const RULES: &[(&str, &str)] = &[
    ("N1", "numbers in any common written form, stored as E.164"),
    (
        "N2",
        "only US and Canadian numbers can be texted; refusals name the reason",
    ),
    (
        "R1",
        "user-to-user chat by username or :extension: alias, never across organizations",
    ),
    (
        "R2",
        "texts go out from the user's outbound number or a chosen assigned one",
    ),
    ("R3", "inbound follows the number's route; directory lint"),
    (
        "R4",
        "group routes reach every member; replies from the number texted",
    ),
    ("R5", "one individual message per recipient"),
    (
        "R6",
        "SMS enabled for organization, number and user, with a number assigned",
    ),
    (
        "R7",
        "attachments only where enabled; text, links and emoji always",
    ),
    (
        "A1",
        "personal auto-responder: all seven criteria, every failure listed",
    ),
    (
        "A2",
        "one auto-reply per outside number per 30 seconds, across processes",
    ),
    ("A3", "auto-replies go out from the user's outbound number"),
    ("A4", "after-hours responder, business hours, email alerts"),
    (
        "A5",
        "never answer keywords, opted-out or blocked numbers, robots; one per text",
    ),
    ("C1", "opt-out keywords, normalised, extendable"),
    ("C2", "plain-language opt-outs, flagged for review"),
    (
        "C3",
        "START/UNSTOP/YES opt back in; HELP is always answered",
    ),
    (
        "C4",
        "exactly one confirmation, then silence; sends refused by name",
    ),
    ("C5", "CANCEL opts out and flags a possible cancellation"),
    ("C6", "staff block: quarantined inbound, nothing sent"),
    ("C7", "every consent change kept and exportable"),
    ("P1", "public URL shorteners block; own domains pass"),
    ("P2", "cannabis terms block, disguises included"),
    ("P3", "promotional wording and prescription offers warn"),
    ("P4", "all capitals warn"),
    ("P5", "promotional wording blocks a mass alert"),
    (
        "P6",
        "findings have code, severity, span, explanation; lists are data",
    ),
    (
        "P7",
        "encoding, segments and characters remaining; maximum length",
    ),
    ("V1", "one active conversation per number pair"),
    (
        "V2",
        "staff start conversations from the inbox or a profile",
    ),
    ("V3", "close saves to history; delete is permanent"),
    ("V4", "assign a conversation and its number to a client"),
    ("V5", "unread per user; mute"),
    ("V6", "live notifications online, missed summary at login"),
    ("V7", "threads tagged chat or SMS"),
    ("V8", "workflow queues"),
    ("V9", "usage statistics per organization and user per day"),
    ("V10", "provider message id makes webhooks idempotent"),
    (
        "B1",
        "only admins in two-way organizations send mass alerts",
    ),
    (
        "B2",
        "recipients: future appointments in a range of at most 7 days",
    ),
    ("B3", "one text per client"),
    ("B4", "preflight counts and explicit confirmation"),
    ("B5", "paced sending; conversation texts first"),
    (
        "B6",
        "alerts create no conversation; replies join the active one",
    ),
    ("B7", "activity entry, status, CSV report"),
    ("B8", "excluded recipients appear with the reason"),
    (
        "B9",
        "a broadcast survives a crash: nothing twice, no one skipped",
    ),
    ("S1", "secure notice by SMS, email or both"),
    ("S2", "recipient prerequisites, every missing item listed"),
    ("S3", "fixed generic notice, no health information"),
    ("S4", "links expire after 72 hours; unguessable tokens"),
    (
        "S5",
        "PIN, identity reset, three failures lock; slow salted hashes",
    ),
    (
        "X1",
        "quiet hours for automated and bulk texts, deferred not dropped",
    ),
    ("X2", "delivery status only moves forward; failure classes"),
    ("X3", "webhook signatures verified in constant time"),
    ("X4", "loop breaker for automated senders"),
    ("X5", "broadcast preflight with exclusions and finish time"),
    ("X6", "next action per failed recipient"),
    ("X7", "self-service unlock with a one-time code"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p.is_dir() {
            if !matches!(
                name,
                "target" | "node_modules" | ".venv" | "fuzz" | "generated"
            ) {
                files(&p, ext, out);
            }
        } else if ext.iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// Is this file (or this line) test code?
fn is_test_path(p: &str) -> bool {
    p.contains("/tests/")
        || p.starts_with("tests/")
        || p.ends_with("/tests.rs")
        || p.contains("__test__")
        || p.contains("benches/")
}

fn generate() -> String {
    let id = Regex::new(r"\b([NRACPVBSX]\d{1,2})\b").unwrap();
    let test_fn =
        Regex::new(r"(?:fn |def |test\(['\x22]|fun `?)([a-z]\d{1,2})_[a-z0-9_]*").unwrap();
    let code = Regex::new(r#"=> "([a-z][a-z0-9_]+)""#).unwrap();
    let mut sources = Vec::new();
    for dir in ["crates", "src", "bindings", "tests"] {
        files(
            &root().join(dir),
            &[".rs", ".py", ".mjs", ".ts", ".kt"],
            &mut sources,
        );
    }
    sources.sort();
    let known: BTreeSet<&str> = RULES.iter().map(|(r, _)| *r).collect();
    let mut implemented: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut tests: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut codes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &sources {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let name = rel(path);
        if !is_test_path(&name) {
            let file_codes: BTreeSet<String> =
                code.captures_iter(&text).map(|c| c[1].to_owned()).collect();
            codes.insert(name.clone(), file_codes);
            for line in text.lines().filter(|l| l.trim_start().starts_with("//")) {
                for c in id.captures_iter(line) {
                    if let Some(r) = known.get(&c[1]) {
                        implemented.entry(r).or_default().insert(name.clone());
                    }
                }
            }
        }
        for c in test_fn.captures_iter(&text) {
            let upper = c[1].to_uppercase();
            if let Some(r) = known.get(upper.as_str()) {
                tests.entry(r).or_default().insert(name.clone());
            }
        }
    }
    let mut scenarios = Vec::new();
    files(&root().join("tests/scenarios"), &[".json"], &mut scenarios);
    scenarios.sort();
    for path in &scenarios {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for r in v["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str())
        {
            if let Some(r) = known.get(r) {
                tests
                    .entry(r)
                    .or_default()
                    .insert("tests/scenarios/*.json".into());
            }
        }
    }
    let mut out = String::from(
        "# Rule reference\n\nGenerated from the code by `tests/rule_reference.rs` (regenerate with\n`UPDATE_DOCS=1 cargo test --test rule_reference`; CI fails when this file drifts).\nFor every SPEC rule: the source files whose documentation names it, the\nstable error and finding codes those files define, and the tests that prove it.\n",
    );
    for (rule, title) in RULES {
        out.push_str(&format!("\n## {rule}: {title}\n\n"));
        let imp = implemented.get(rule).cloned().unwrap_or_default();
        out.push_str("- Code: ");
        out.push_str(
            &imp.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let c: BTreeSet<&String> = imp
            .iter()
            .flat_map(|f| codes.get(f).into_iter().flatten())
            .collect();
        out.push_str("\n- Codes: ");
        out.push_str(
            &c.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str("\n- Tests: ");
        let t = tests.get(rule).cloned().unwrap_or_default();
        out.push_str(
            &t.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push('\n');
    }
    out
}

#[test]
fn rule_reference_is_current_and_complete() {
    let text = generate();
    let path = root().join("docs/rules.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let missing: Vec<&str> = text
        .split("\n## ")
        .skip(1)
        .filter(|s| s.contains("- Code: \n") || s.contains("- Tests: \n"))
        .map(|s| s.split(':').next().unwrap_or_default())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without code or tests: {missing:?}"
    );
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "docs/rules.md is out of date: run UPDATE_DOCS=1 cargo test --test rule_reference"
    );
}
