//! `practicetext check`: content compliance of an outbound text (SPEC
//! P1-P7).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use practicetext_core::text::{ComplianceChecker, ContentPolicy, Mode, PolicyAdditions};
use serde::Deserialize;

use crate::jsonl;

/// Check a text before it is sent: will carriers block it?
///
/// Prints {"verdict": "ok"|"warn"|"block", "findings": [{"code", "severity",
/// "start", "end", "message"}], "segments": {...as `segments`...}}. Codes:
/// url_shortener, raw_ip_link, link_credentials, cannabis (block);
/// promotional, rx_offer (warn, block with --broadcast); all_caps (warn);
/// text_too_long (block); plus an organization's own rule codes. Spans are
/// Unicode scalar (char) indices into the text, end exclusive.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  practicetext check \"Bella is due for her rabies shot. Call 555-0142.\"\n  practicetext check --own-domain happypaws.example \"Book: happypaws.example/book\"\n  practicetext check --broadcast \"20% off dental cleanings this week!\"\n  printf '{\"text\":\"see bit.ly/x\"}\\n{\"text\":\"CBD oil\",\"broadcast\":true}\\n' | practicetext check --jsonl"
)]
pub struct Args {
    /// The text.
    #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
    text: Option<String>,
    /// Check as a mass text alert: promotional wording and prescription
    /// offers block (P5).
    #[arg(long)]
    broadcast: bool,
    /// A domain of the practice's own; links to it pass (P1). Repeatable.
    #[arg(long = "own-domain", value_name = "DOMAIN")]
    own_domains: Vec<String>,
    /// A JSON file of additions to the built-in policy: {"own_domains",
    /// "shortener_domains", "cannabis_terms", "promotional_phrases",
    /// "rx_terms", "rx_offer_cues", "custom_rules": [{"code", "severity",
    /// "terms", "message"}]}.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Read {"text": "...", "broadcast": bool} objects from stdin, one per
    /// line, and print one result per line.
    #[arg(long)]
    jsonl: bool,
}

#[derive(Deserialize)]
struct Input {
    text: String,
    #[serde(default)]
    broadcast: Option<bool>,
}

fn checker(args: &Args) -> anyhow::Result<ComplianceChecker> {
    let mut policy = ContentPolicy::default().with_own_domains(args.own_domains.iter().cloned());
    if let Some(path) = &args.policy {
        let raw = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the policy file {}", path.display()))?;
        let additions: PolicyAdditions = serde_json::from_str(&raw)
            .with_context(|| format!("{} is not a policy additions JSON object", path.display()))?;
        policy.extend(additions);
    }
    ComplianceChecker::new(&policy).map_err(|e| anyhow::anyhow!("{} ({})", e, e.code()))
}

fn mode(broadcast: bool) -> Mode {
    if broadcast {
        Mode::Broadcast
    } else {
        Mode::Conversation
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let checker = checker(&args)?;
    match &args.text {
        Some(text) if !args.jsonl => jsonl::print(&checker.check(text, mode(args.broadcast)))?,
        _ => jsonl::run(|i: Input| {
            checker.check(&i.text, mode(i.broadcast.unwrap_or(args.broadcast)))
        })?,
    }
    Ok(ExitCode::SUCCESS)
}
