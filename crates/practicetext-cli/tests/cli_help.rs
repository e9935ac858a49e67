//! `practicetext --help` and every subcommand's help explain themselves:
//! what the command prints, with examples; the top-level help documents
//! the exit codes and where output goes.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_practicetext"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    assert!(out.stderr.is_empty(), "help goes to stdout");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn top_level_help_documents_output_streams_exit_codes_and_examples() {
    let text = help(&[]);
    for want in [
        "JSON on stdout",
        "go to stderr",
        "Exit codes",
        "  0  the input was judged",
        "  1  the command could not run",
        "  2  bad input",
        "  3  `replay` only",
        "practicetext demo",
        "Examples:",
    ] {
        assert!(text.contains(want), "top-level help lacks {want:?}");
    }
}

#[test]
fn every_command_help_has_an_example_of_itself() {
    let commands: &[&[&str]] = &[
        &["broadcast"],
        &["broadcast", "preflight"],
        &["broadcast", "run"],
        &["demo"],
        &["phone"],
        &["replay"],
        &["inbox"],
        &["webhook"],
        &["webhook", "verify"],
        &["secure"],
        &["secure", "check-recipient"],
        &["segments"],
        &["check"],
        &["keyword"],
    ];
    for cmd in commands {
        let text = help(cmd);
        let usage = format!("practicetext {}", cmd.join(" "));
        assert!(text.contains("Example"), "{usage} --help has no example");
        let example = text.split("Example").nth(1).unwrap_or_default();
        let leaf = cmd.last().unwrap();
        assert!(
            example.contains(leaf) || cmd.len() == 1 && example.contains("practicetext"),
            "{usage} --help: the example does not show the command"
        );
    }
}

#[test]
fn b9_broadcast_run_help_documents_resuming_from_the_database_and_exit_codes() {
    let text = help(&["broadcast", "run"]);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "--db <FILE>",
        "run the same command again",
        "nothing is sent twice and no one is skipped",
        "Exit codes",
    ] {
        assert!(text.contains(want), "broadcast run --help lacks {want:?}");
    }
}
