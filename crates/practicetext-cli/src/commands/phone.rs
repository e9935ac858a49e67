//! `practicetext phone`: parse and check a phone number (SPEC N1, N2).

use std::process::ExitCode;

use practicetext_core::phone::{E164, Region};
use serde::{Deserialize, Serialize};

use crate::jsonl::{self, ErrorJson};

/// Check a phone number: is it a US or Canadian number that can be texted?
///
/// Prints {"input", "valid", "e164", "region", "error"}. The error, when the
/// number is refused, has a stable "code" (empty, not_a_number, too_short,
/// too_long, not_north_american, not_us_or_canada, invalid_area_code,
/// unassigned_area_code, non_geographic_number, invalid_exchange,
/// fictional_number) and a "message" for people.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  practicetext phone \"(650) 253-0000\"\n  practicetext phone \"+44 20 7946 0958\"\n  printf '{\"input\":\"650.253.0000\"}\\n{\"input\":\"911\"}\\n' | practicetext phone --jsonl"
)]
pub struct Args {
    /// The number as written, e.g. "(650) 253-0000".
    #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
    input: Option<String>,
    /// Read {"input": "..."} objects from stdin, one per line, and print one
    /// result per line.
    #[arg(long)]
    jsonl: bool,
}

#[derive(Deserialize)]
struct Input {
    input: String,
}

/// The JSON contract of `practicetext phone`.
#[derive(Serialize)]
struct Output {
    input: String,
    valid: bool,
    e164: Option<String>,
    region: Option<Region>,
    error: Option<ErrorJson>,
}

fn judge(input: String) -> Output {
    match E164::parse(&input) {
        Ok(n) => Output {
            input,
            valid: true,
            e164: Some(n.to_string()),
            region: Some(n.region()),
            error: None,
        },
        Err(e) => Output {
            input,
            valid: false,
            e164: None,
            region: None,
            error: Some(ErrorJson {
                code: e.code(),
                message: e.to_string(),
            }),
        },
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.input {
        Some(input) if !args.jsonl => jsonl::print(&judge(input))?,
        _ => jsonl::run(|i: Input| judge(i.input))?,
    }
    Ok(ExitCode::SUCCESS)
}
