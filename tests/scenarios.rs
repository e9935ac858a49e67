//! Runs every JSON scenario in `tests/scenarios/` through the engine on the
//! in-memory store and checks each step's expectation. The same files run
//! from the Python, Node and Kotlin test suites.
//!
//! Each file names the SPEC rules it proves; a rule broken in the core
//! shows up here as a mismatch naming the scenario, the step and the JSON
//! path that differs.

use std::path::Path;

use practicetext::scenario::{self, Scenario};

fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

#[test]
fn every_scenario_matches_its_expectations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 40,
        "expected at least 40 scenarios, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    let mut steps = 0;
    for path in &paths {
        let s = load(path);
        assert!(!s.rules.is_empty(), "{path:?} names no SPEC rule");
        let reports = scenario::run(&s).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        for r in reports {
            steps += 1;
            if let Some(m) = r.mismatch {
                failures.push(format!("{} step {}: {m}", s.name, r.step));
            }
        }
    }
    println!("{} scenarios, {steps} steps", paths.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_of_the_decisions_and_inbox_issues_has_a_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut named = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            named.extend(load(&path).rules);
        }
    }
    for rule in [
        "R1", "R2", "R3", "R4", "R5", "R6", "R7", "A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3",
        "C4", "C5", "C6", "C7", "X4", "V1", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "X2",
    ] {
        assert!(named.contains(rule), "no scenario names {rule}");
    }
}

#[test]
fn a_broken_expectation_is_reported() {
    // The runner itself must be able to fail: flip one expectation.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut s = load(&dir.join("c1_stop_with_punctuation_opts_out.json"));
    s.events[0].expect = Some(serde_json::json!({"sent": []}));
    let reports = scenario::run(&s).unwrap();
    assert!(reports[0].mismatch.is_some());
}
