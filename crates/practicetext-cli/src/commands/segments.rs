//! `practicetext segments`: encoding, segments and characters remaining
//! (SPEC P7).

use std::process::ExitCode;

use practicetext_core::text::{self, LengthLimits, SegmentCount};
use serde::{Deserialize, Serialize};

use crate::jsonl::{self, ErrorJson};

/// Count what a text costs: GSM-7 or UCS-2, units, segments, characters
/// remaining in the current segment, and which characters force UCS-2.
///
/// Prints {"encoding", "units", "segments", "remaining", "per_segment",
/// "characters", "ucs2_chars": [{"text", "start", "end", "replacement"}],
/// "smart_encoding": {"text", "encoding", "units", "segments", "remaining",
/// "replaced"} or null, "error"}. Positions are Unicode scalar (char)
/// indices, end exclusive. "error" is {"code": "text_too_long", "message"}
/// when the text is over the maximum (10 segments / 1,600 characters unless
/// changed), else null. The smart-encoding fix is only suggested.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  practicetext segments \"Your pet's vaccines are due.\"\n  practicetext segments \"Max’s dental is Tue — see you!\"\n  printf '{\"text\":\"Hi 😀\"}\\n' | practicetext segments --jsonl"
)]
pub struct Args {
    /// The text.
    #[arg(required_unless_present = "jsonl", conflicts_with = "jsonl")]
    text: Option<String>,
    /// Read {"text": "..."} objects from stdin, one per line, and print one
    /// result per line.
    #[arg(long)]
    jsonl: bool,
    /// Most segments a text may cost.
    #[arg(long, default_value_t = LengthLimits::default().max_segments)]
    max_segments: usize,
    /// Most characters a text may have.
    #[arg(long, default_value_t = LengthLimits::default().max_chars)]
    max_chars: usize,
}

#[derive(Deserialize)]
struct Input {
    text: String,
}

/// The JSON contract of `practicetext segments`.
#[derive(Serialize)]
struct Output {
    #[serde(flatten)]
    count: SegmentCount,
    error: Option<ErrorJson>,
}

fn judge(text: &str, limits: &LengthLimits) -> Output {
    let count = text::count(text);
    let error = limits.refusal(&count).map(|e| ErrorJson {
        code: e.code(),
        message: e.to_string(),
    });
    Output { count, error }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = LengthLimits {
        max_segments: args.max_segments,
        max_chars: args.max_chars,
    };
    match args.text {
        Some(text) if !args.jsonl => jsonl::print(&judge(&text, &limits))?,
        _ => jsonl::run(|i: Input| judge(&i.text, &limits))?,
    }
    Ok(ExitCode::SUCCESS)
}
