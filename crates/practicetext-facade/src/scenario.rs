//! The JSON scenario fixtures (`tests/scenarios/*.json`) through the
//! engine on a fresh in-memory store, so each binding's test suite runs the
//! same files as the Rust tests and checks the decisions itself.

use practicetext_core::scenario::{self, Scenario};
use serde_json::Value;

use crate::error::FacadeError;
use crate::json::{JsonIn, parse, to_value};

/// Runs a scenario file's JSON and returns one report per step, as
/// `[{"step", "at", "actual": {"result", "sent", "emails"}, "mismatch"}]`.
/// `mismatch` is the Rust check's verdict; binding tests compare `actual`
/// with the file's `expect` themselves. Refuses a malformed scenario
/// (`bad_input`, `invalid_scenario`).
pub fn replay_scenario<'a>(request: impl Into<JsonIn<'a>>) -> Result<Value, FacadeError> {
    let s: Scenario = parse(request.into(), "the scenario")?;
    to_value(&scenario::run(&s)?)
}

/// The example practice the docs, the scenario fixtures (`"directory":
/// "sample"`) and the binding tests use, as `Directory` JSON: organization
/// `happy-paws`; `alice` (ext 101, admin) on +1 650-253-0001; `bob` (ext
/// 102) on +1 650-253-0002 and -0003; group `front-desk` on -0010; queue
/// `refills` on -0020; -0030 routed nowhere.
pub fn sample_directory() -> Value {
    to_value(&practicetext_core::testing::sample_directory()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_scenario_replays_with_the_rust_verdict() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/scenarios/c1_stop_with_punctuation_opts_out.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let steps = replay_scenario(text.as_str()).unwrap();
        assert_eq!(steps[0]["mismatch"], Value::Null);
        assert_eq!(
            steps[0]["actual"]["result"]["decision"]["classification"]["action"],
            "opt_out"
        );
        let e = replay_scenario(r#"{"name": "x", "directory": "nope", "events": []}"#).unwrap_err();
        assert_eq!(e.code(), "invalid_scenario");
    }
}
