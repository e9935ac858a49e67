//! `practicetext`: the rules of practice texting from the command line.
//! JSON on stdout (one object, or one per line with `--jsonl`), human
//! messages on stderr.
//!
//! Exit codes: 0 the input was judged (valid or not); 1 the command could
//! not run (unreadable file, I/O error); 2 usage error.

mod commands;
mod jsonl;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The rules engine of two-way texting for medical, dental, pharmacy and
/// veterinary practices, from the command line.
///
/// Every command prints JSON on stdout; messages for people go to stderr.
/// Commands that judge input exit 0 whether the input passed or not (read
/// the JSON), 1 when they could not run, and 2 on a usage error.
#[derive(Parser)]
#[command(
    name = "practicetext",
    version,
    after_help = "Examples:\n  practicetext phone \"(650) 253-0000\"\n  printf '{\"input\":\"650.253.0000\"}\\n' | practicetext phone --jsonl\n  practicetext secure check-recipient '{\"kind\":\"patient\",\"email\":\"pat@mail.example\"}'\n  practicetext broadcast preflight --clients clients.csv --appointments appts.csv --first-day 2026-11-24 --from-number 4162530001 --message \"Closed tomorrow: no power.\""
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
