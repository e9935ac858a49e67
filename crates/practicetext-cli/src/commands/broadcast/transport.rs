//! Transports of `practicetext broadcast run`: they record what would be
//! sent, one JSON line per text, instead of calling a provider.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

use practicetext_core::engine::{OutboundSms, SendReceipt, SentLookup, Transport, TransportError};
use practicetext_core::inbound::EmailAlert;
use serde::{Deserialize, Serialize};

/// Where texts go: `file:PATH` or `stdout`.
#[derive(Clone, Debug)]
pub enum TransportArg {
    /// Append JSON lines to a file, which is read back to look texts up.
    File(PathBuf),
    /// Print JSON lines on stdout; cannot look texts up.
    Stdout,
}

impl FromStr for TransportArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("file", path)) if !path.is_empty() => Ok(TransportArg::File(path.into())),
            None if s == "stdout" => Ok(TransportArg::Stdout),
            _ => Err(format!("{s:?}: use file:PATH or stdout")),
        }
    }
}

/// One recorded text.
#[derive(Serialize, Deserialize)]
struct Line {
    provider_id: String,
    #[serde(flatten)]
    sms: OutboundSms,
}

fn failed(e: impl std::fmt::Display) -> TransportError {
    TransportError::Unavailable {
        message: e.to_string(),
    }
}

/// Appends each text to a JSON-lines file and flushes it to disk before
/// answering, so after a crash the file says what went out: it answers
/// `find_sent` with certainty (SPEC B9). A half-written last line (a crash
/// mid-write) counts as not sent.
pub struct FileTransport {
    path: PathBuf,
    file: Mutex<File>,
}

impl FileTransport {
    /// Opens (creating if needed) the file for appending.
    pub fn open(path: PathBuf) -> anyhow::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        Ok(FileTransport {
            path,
            file: Mutex::new(file),
        })
    }
}

fn provider_id(sms: &OutboundSms) -> String {
    match &sms.idempotency_key {
        Some(key) => format!("file:{key}"),
        None => format!("file:{}", sms.to),
    }
}

impl Transport for FileTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let line = Line {
            provider_id: provider_id(sms),
            sms: sms.clone(),
        };
        let mut text = serde_json::to_string(&line).map_err(failed)?;
        text.push('\n');
        let mut file = self.file.lock().map_err(failed)?;
        file.write_all(text.as_bytes()).map_err(failed)?;
        file.sync_data().map_err(failed)?;
        Ok(SendReceipt {
            provider_id: line.provider_id,
        })
    }

    fn send_email(&self, _: &EmailAlert) -> Result<(), TransportError> {
        Ok(())
    }

    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        let _guard = self.file.lock().map_err(failed)?;
        let file = File::open(&self.path).map_err(failed)?;
        for text in BufReader::new(file).lines() {
            let text = text.map_err(failed)?;
            let Ok(line) = serde_json::from_str::<Line>(&text) else {
                continue;
            };
            if line.sms.idempotency_key.as_deref() == Some(key) {
                return Ok(SentLookup::Sent(SendReceipt {
                    provider_id: line.provider_id,
                }));
            }
        }
        Ok(SentLookup::NotSent)
    }
}

/// Prints each text as a JSON line on stdout. It keeps nothing, so it
/// cannot tell after a crash whether a text went out (`find_sent` is the
/// default: unknown).
pub struct StdoutTransport;

impl Transport for StdoutTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        let line = Line {
            provider_id: provider_id(sms),
            sms: sms.clone(),
        };
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &line).map_err(failed)?;
        out.write_all(b"\n").map_err(failed)?;
        out.flush().map_err(failed)?;
        Ok(SendReceipt {
            provider_id: line.provider_id,
        })
    }

    fn send_email(&self, _: &EmailAlert) -> Result<(), TransportError> {
        Ok(())
    }
}
