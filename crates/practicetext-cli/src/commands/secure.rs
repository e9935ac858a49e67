//! `practicetext secure`: secure-text rules (SPEC S1-S5).

use std::io::{self, Read};
use std::process::ExitCode;

use practicetext_core::secure::{NotifyMethod, Prerequisites, Recipient, check_recipient};
use serde::Deserialize;

use crate::jsonl::{self, ErrorJson};

/// Secure text: messages with health information sent behind a link and a
/// PIN (SPEC S1-S5).
///
/// `check-recipient` says whether a patient or contact has what a secure
/// message needs (name, date of birth, a cell phone or email) and lists
/// everything missing.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  practicetext secure check-recipient '{\"kind\":\"patient\",\"first_name\":\"Dana\",\"last_name\":\"Rivera\",\"date_of_birth\":\"1984-05-17\",\"email\":\"dana@mail.example\"}'"
)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    CheckRecipient(CheckRecipientArgs),
}

/// Check whether a recipient can get a secure message (SPEC S1, S2).
///
/// Input: a JSON object with "kind" ("patient" or "contact"), "first_name",
/// "last_name", "date_of_birth" (YYYY-MM-DD), "cell_phone", "email" and,
/// optionally, "notify" ("sms", "email" or "both"). Missing fields are
/// empty; extra fields (an address-book record's "id", ...) are ignored.
///
/// Prints {"ok", "missing", "methods", "notify"}. "missing" lists every
/// missing item as {"code", "message"}; codes: missing_date_of_birth,
/// missing_first_name, missing_last_name, missing_cell_phone_or_email (no
/// notify method given), missing_cell_phone (SMS or both),
/// missing_email (email or both). "methods" says which notify methods the
/// recipient's data allows.
///
/// Input that is not such an object prints {"code": "bad_input",
/// "message"} and exits 2.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
practicetext secure check-recipient '{\"kind\":\"patient\",\"cell_phone\":\"(650) 253-0000\",\"notify\":\"both\"}'\n  \
echo '{\"kind\":\"contact\",\"first_name\":\"Ann\",\"email\":\"ann@office.example\"}' | practicetext secure check-recipient\n  \
printf '{\"kind\":\"patient\"}\\n{\"kind\":\"contact\",\"notify\":\"sms\"}\\n' | practicetext secure check-recipient --jsonl")]
struct CheckRecipientArgs {
    /// The recipient as JSON; read from stdin when absent.
    #[arg(conflicts_with = "jsonl")]
    input: Option<String>,
    /// Read one recipient object per line from stdin and print one result
    /// per line.
    #[arg(long)]
    jsonl: bool,
}

/// The JSON a recipient check reads.
#[derive(Deserialize)]
struct Input {
    #[serde(flatten)]
    recipient: Recipient,
    #[serde(default)]
    notify: Option<NotifyMethod>,
}

fn judge(input: Input) -> Prerequisites {
    check_recipient(&input.recipient, input.notify)
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::CheckRecipient(a) => check_recipient_command(a),
    }
}

fn check_recipient_command(args: CheckRecipientArgs) -> anyhow::Result<ExitCode> {
    if args.jsonl {
        jsonl::run(judge)?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = match args.input {
        Some(text) => text,
        None => {
            let mut buf = String::new();
            io::stdin().read_to_string(&mut buf)?;
            buf
        }
    };
    match serde_json::from_str::<Input>(&text) {
        Ok(input) => {
            jsonl::print(&judge(input))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            jsonl::print(&ErrorJson {
                code: "bad_input",
                message: format!("the input is not a recipient JSON object: {e}"),
            })?;
            Ok(ExitCode::from(2))
        }
    }
}
