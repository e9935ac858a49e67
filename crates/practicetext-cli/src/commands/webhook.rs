//! `practicetext webhook verify`: check a provider webhook's signature and
//! show what it parses to (SPEC X3).

use std::io::Read;
use std::process::ExitCode;

use practicetext_core::webhook::{self, WebhookConfig};
use serde::Serialize;

use crate::jsonl::{self, ErrorJson};

/// Provider webhooks: check a signed form post as the engine does (SPEC X3).
///
/// `verify` reads the form body on stdin and prints whether its signature
/// is valid and what it parses to (an inbound text or a delivery status).
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  printf 'From=%%2B14162530000&To=%%2B16502530001&Body=STOP&MessageSid=SM1' |\n    practicetext webhook verify --auth-token \"$TOKEN\" \\\n      --public-url https://texts.clinic.example --path /sms/inbound --signature \"$SIG\""
)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Verify(VerifyArgs),
}

/// Verify a webhook's signature (HMAC-SHA1 of the public URL plus the form
/// fields sorted by name, base64, compared in constant time) and parse it.
///
/// The form body is read from stdin. Prints {"valid", "kind", "event",
/// "error"}: kind is "inbound" or "status"; error has a stable code
/// (signature_missing, signature_invalid, body_too_large, malformed_form,
/// missing_field, invalid_field, webhook_config_invalid). Exit 0 when the
/// webhook was judged, valid or not.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  printf 'From=%%2B14162530000&To=%%2B16502530001&Body=STOP&MessageSid=SM1' |\n    practicetext webhook verify --auth-token \"$TOKEN\" \\\n      --public-url https://texts.clinic.example --path /sms/inbound --signature \"$SIG\""
)]
struct VerifyArgs {
    /// The provider account's auth token (the HMAC key).
    #[arg(long, env = "PRACTICETEXT_AUTH_TOKEN", hide_env_values = true)]
    auth_token: String,
    /// The public base URL the provider calls (scheme, host, port, prefix).
    #[arg(long)]
    public_url: String,
    /// The request's path and query, as the server received it.
    #[arg(long)]
    path: String,
    /// The signature header's value.
    #[arg(long)]
    signature: String,
}

#[derive(Serialize)]
struct Output {
    valid: bool,
    kind: Option<&'static str>,
    event: Option<serde_json::Value>,
    error: Option<ErrorJson>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Command::Verify(v) = args.command;
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    let config = WebhookConfig {
        auth_token: v.auth_token,
        public_base_url: v.public_url,
        max_body_bytes: webhook::DEFAULT_MAX_BODY_BYTES,
    };
    let judged = webhook::authenticate(&config, &v.path, &body, &v.signature).and_then(|fields| {
        if fields.iter().any(|(k, _)| k == "MessageStatus") {
            let cb = webhook::parse_status(&fields)?;
            Ok(("status", serde_json::to_value(cb).unwrap_or_default()))
        } else {
            let sms = webhook::parse_inbound(&fields)?;
            Ok(("inbound", serde_json::to_value(sms).unwrap_or_default()))
        }
    });
    let out = match judged {
        Ok((kind, event)) => Output {
            valid: true,
            kind: Some(kind),
            event: Some(event),
            error: None,
        },
        Err(e) => Output {
            valid: false,
            kind: None,
            event: None,
            error: Some(ErrorJson {
                code: e.code(),
                message: e.to_string(),
            }),
        },
    };
    jsonl::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
