//! `practicetext replay`: run a scenario file through the engine.

use std::process::ExitCode;

use anyhow::Context;
use practicetext_core::scenario::{self, Scenario};

use crate::jsonl;

/// Replay a scenario: an organization, a timeline of inbound texts, sends,
/// blocks and lookups, each with its timestamp. Runs it on a fresh
/// in-memory store with the clock taken from the event timestamps and
/// prints one JSON line per step: {"step", "at", "actual", "mismatch"}.
///
/// Exit 0 when every step matched its "expect" (or had none), 3 when some
/// step did not, 1 when the file could not be read.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  practicetext replay tests/scenarios/c1_stop_with_punctuation_opts_out.json\n  practicetext replay my-scenario.json | jq .actual.result.decision"
)]
pub struct Args {
    /// The scenario file (JSON).
    path: std::path::PathBuf,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.path)
        .with_context(|| format!("cannot read {}", args.path.display()))?;
    let scenario: Scenario = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a scenario", args.path.display()))?;
    let reports = scenario::run(&scenario).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    let mut failed = 0;
    for r in &reports {
        failed += usize::from(r.mismatch.is_some());
        jsonl::print(r)?;
    }
    if failed > 0 {
        eprintln!(
            "practicetext: {failed} of {} steps did not match",
            reports.len()
        );
        return Ok(ExitCode::from(3));
    }
    Ok(ExitCode::SUCCESS)
}
