//! The shared `--jsonl` batch mode: one JSON object per input line on stdin,
//! one JSON result per line on stdout, in order. A line that is not the
//! expected JSON gets an error object in its place and the run goes on, so
//! one bad row never stops a large file.

use std::io::{self, BufRead, BufWriter, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The error object printed for a line that could not be read.
#[derive(Serialize)]
struct LineError {
    line: usize,
    error: ErrorJson,
}

/// `{"code": ..., "message": ...}`: how every error appears in JSON output.
#[derive(Serialize)]
pub struct ErrorJson {
    /// Stable code.
    pub code: &'static str,
    /// Message for a person.
    pub message: String,
}

/// Runs `judge` over every line of stdin and prints each result.
pub fn run<I, O>(mut judge: impl FnMut(I) -> O) -> anyhow::Result<()>
where
    I: DeserializeOwned,
    O: Serialize,
{
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    for (i, line) in stdin.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<I>(&line) {
            Ok(input) => serde_json::to_writer(&mut out, &judge(input))?,
            Err(e) => serde_json::to_writer(
                &mut out,
                &LineError {
                    line: i + 1,
                    error: ErrorJson {
                        code: "bad_input_line",
                        message: format!("line {} is not the expected JSON object: {e}", i + 1),
                    },
                },
            )?,
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Prints one JSON value and a newline on stdout.
pub fn print<O: Serialize>(value: &O) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
