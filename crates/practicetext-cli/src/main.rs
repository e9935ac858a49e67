//! `practicetext`: the rules of practice texting from the command line.
//! JSON on stdout (one object, or one per line with `--jsonl`), human
//! messages and progress bars on stderr.
//!
//! Exit codes: 0 the input was judged (valid or not); 1 the command could
//! not run (a refusal to act, an unreadable file, an I/O error); 2 bad
//! input or a usage error; 3 `replay` only: a step did not match its
//! expectation.

mod commands;
mod jsonl;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The rules engine of two-way texting for medical, dental, pharmacy and
/// veterinary practices, from the command line.
///
/// Every command prints JSON on stdout (one object, or one per line with
/// --jsonl); messages for people and progress bars go to stderr, so stdout
/// can be piped to jq or a file. `demo` prints a transcript for people on
/// stdout unless given --json. Phone numbers are read in any common form.
///
/// Exit codes (every command):
///   0  the input was judged, whether it passed or not: read the JSON
///   1  the command could not run: a refusal to act (printed as
///      {"code", "message"}), an unreadable file, an I/O error
///   2  bad input ({"code": "bad_input", "message"}) or a usage error
///   3  `replay` only: some step did not match its "expect"
#[derive(Parser)]
#[command(
    name = "practicetext",
    version,
    verbatim_doc_comment,
    after_help = "Examples:\n  \
practicetext demo                                  # a practice's texting day, explained\n  \
practicetext phone \"(650) 253-0000\"\n  \
printf '{\"input\":\"650.253.0000\"}\\n' | practicetext phone --jsonl\n  \
practicetext check \"Book your visit: bit.ly/rex\"\n  \
practicetext keyword \"Stop.\"\n  \
practicetext secure check-recipient '{\"kind\":\"patient\",\"email\":\"pat@mail.example\"}'\n  \
practicetext broadcast preflight --clients clients.csv --appointments appts.csv \\\n    \
--first-day 2026-11-24 --from-number 4162530001 --message \"Closed tomorrow: no power.\"\n\n\
Run `practicetext <command> --help` for a command's JSON, codes and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Broadcast(Box<commands::broadcast::Args>),
    Demo(commands::demo::Args),
    Phone(commands::phone::Args),
    Replay(commands::replay::Args),
    Inbox(commands::inbox::Args),
    Webhook(commands::webhook::Args),
    Secure(commands::secure::Args),
    Segments(commands::segments::Args),
    Check(commands::check::Args),
    Keyword(commands::keyword::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Broadcast(args) => commands::broadcast::run(*args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Phone(args) => commands::phone::run(args),
        Command::Replay(args) => commands::replay::run(args),
        Command::Inbox(args) => commands::inbox::run(args),
        Command::Webhook(args) => commands::webhook::run(args),
        Command::Secure(args) => commands::secure::run(args),
        Command::Segments(args) => commands::segments::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Keyword(args) => commands::keyword::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("practicetext: {e:#}");
            ExitCode::from(1)
        }
    }
}
