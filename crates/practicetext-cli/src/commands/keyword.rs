//! `practicetext keyword`: is an inbound text an opt-out, opt-in or help
//! request? (SPEC C1-C3, C5)

use std::process::ExitCode;

use practicetext_core::text::KeywordClassifier;
use serde::Deserialize;

use crate::jsonl;

/// Classify an inbound text: opt-out, opt-in, help or none.
///
/// Prints {"action": "opt_out"|"opt_in"|"help"|"none", "review": bool,
/// "flags": ["natural_language_opt_out", "possible_cancellation"],
/// "keyword": the keyword or phrase matched, or null}. YES opts in only
/// with --opted-out (the sender is opted out now).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  practicetext keyword \"Stop.\"\n  practicetext keyword \"please don't text me anymore\"\n  practicetext keyword --opted-out YES\n  printf '{\"text\":\"CANCEL\"}\\n{\"text\":\"yes\",\"opted_out\":true}\\n' | practicetext keyword --jsonl"
)]
pub struct Args {
    /// The inbound text.
    #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
    text: Option<String>,
    /// The sender's number is opted out now (only YES depends on it).
    #[arg(long)]
    opted_out: bool,
    /// Read {"text": "...", "opted_out": bool} objects from stdin, one per
    /// line, and print one result per line.
    #[arg(long)]
    jsonl: bool,
}

#[derive(Deserialize)]
struct Input {
    text: String,
    #[serde(default)]
    opted_out: Option<bool>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let classifier = KeywordClassifier::default();
    match &args.text {
        Some(text) if !args.jsonl => jsonl::print(&classifier.classify(text, args.opted_out))?,
        _ => jsonl::run(|i: Input| {
            classifier.classify(&i.text, i.opted_out.unwrap_or(args.opted_out))
        })?,
    }
    Ok(ExitCode::SUCCESS)
}
