//! `practicetext inbox`: what a user's inbox looks like after a scenario
//! (SPEC V5, V6, V7).

use std::process::ExitCode;

use anyhow::Context;
use practicetext_core::scenario::{self, Scenario};
use serde_json::Value;

use crate::jsonl;

/// Replay a scenario, then show one user's inbox: their conversation list
/// (which have new messages, SMS or chat, muted) and the missed-messages
/// summary they would get at their next login.
///
/// Prints {"user", "conversations": [...], "missed": {...}}.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  practicetext inbox tests/scenarios/v5_mute_and_offline_login_summary.json --user alice"
)]
pub struct Args {
    /// The scenario file (JSON).
    path: std::path::PathBuf,
    /// The user whose inbox to show.
    #[arg(long)]
    user: String,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.path)
        .with_context(|| format!("cannot read {}", args.path.display()))?;
    let mut s: Scenario = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a scenario", args.path.display()))?;
    let at = s.events.last().map(|e| e.at).unwrap_or_default();
    for e in &mut s.events {
        e.expect = None;
    }
    let user = serde_json::json!({ "user": args.user });
    for action in ["inbox", "login"] {
        s.events.push(serde_json::from_value(serde_json::json!({
            "at": at, action: user
        }))?);
    }
    let reports = scenario::run(&s).map_err(|e| anyhow::anyhow!("{}: {e}", e.code()))?;
    let result = |i: usize| -> Value {
        reports
            .get(reports.len().saturating_sub(i))
            .map(|r| r.actual["result"].clone())
            .unwrap_or_default()
    };
    jsonl::print(&serde_json::json!({
        "user": args.user,
        "conversations": result(2),
        "missed": result(1),
    }))?;
    Ok(ExitCode::SUCCESS)
}
