//! Reading the CSV inputs of `practicetext broadcast` and the times on its
//! command line. Parsing only: every rule is the core's.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use practicetext_core::broadcast::{Appointment, ClientContact};
use practicetext_core::consent::{ConsentAction, ConsentChange, ConsentScope, ConsentSource};
use practicetext_core::hours::instant_at;
use practicetext_core::ids::{OrganizationId, Username};
use practicetext_core::phone::E164;
use serde::Deserialize;

/// Input that cannot be read as documented: printed as `{"code":
/// "bad_input", "message"}`, exit 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn bad(path: &Path, line: Option<u64>, what: impl std::fmt::Display) -> anyhow::Error {
    let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
    BadInput(format!("{}{at}: {what}", path.display())).into()
}

fn reader(path: &Path) -> anyhow::Result<csv::Reader<File>> {
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    Ok(csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file))
}

/// A row of clients.csv.
#[derive(Deserialize)]
struct ClientRow {
    client_id: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    cell_phone: String,
    /// The client's IANA time zone, when the practice knows it (X1).
    #[serde(default)]
    time_zone: String,
}

/// Reads clients.csv: `client_id, first_name, last_name, cell_phone,
/// email` and optionally `time_zone` (an IANA name such as
/// `America/Denver`: quiet hours then follow it instead of the area code,
/// SPEC X1). A header row; email and extra columns are ignored.
pub fn clients(path: &Path) -> anyhow::Result<Vec<ClientContact>> {
    let mut out = Vec::new();
    for row in reader(path)?.deserialize::<ClientRow>() {
        let row = row.map_err(|e| bad(path, e.position().map(|p| p.line()), &e))?;
        if row.client_id.is_empty() {
            return Err(bad(path, None, "a row has an empty client_id"));
        }
        let time_zone = match row.time_zone.as_str() {
            "" => None,
            name => Some(name.parse::<Tz>().map_err(|_| {
                bad(
                    path,
                    None,
                    format!(
                        "client {}: unknown time zone {name:?} (use an IANA name such as America/Denver)",
                        row.client_id
                    ),
                )
            })?),
        };
        out.push(ClientContact {
            id: row.client_id.as_str().into(),
            first_name: row.first_name.as_str().into(),
            last_name: row.last_name.as_str().into(),
            cell_phone: row.cell_phone,
            time_zone,
        });
    }
    Ok(out)
}

/// A row of appts.csv.
#[derive(Deserialize)]
struct AppointmentRow {
    appointment_id: String,
    client_id: String,
    starts_at: String,
}

/// Streams appts.csv: `appointment_id, client_id, patient_name,
/// starts_at` (`starts_at` in RFC 3339 or local `YYYY-MM-DD HH:MM` in
/// `tz`). The first bad row ends the stream and is kept in `error`.
pub struct Appointments {
    rows: csv::DeserializeRecordsIntoIter<File, AppointmentRow>,
    path: PathBuf,
    tz: Tz,
    /// Why the stream ended early, if it did.
    pub error: Option<anyhow::Error>,
}

impl Appointments {
    /// Opens appts.csv.
    pub fn open(path: &Path, tz: Tz) -> anyhow::Result<Self> {
        Ok(Appointments {
            rows: reader(path)?.into_deserialize(),
            path: path.to_owned(),
            tz,
            error: None,
        })
    }
}

impl Iterator for Appointments {
    type Item = Appointment;

    fn next(&mut self) -> Option<Appointment> {
        if self.error.is_some() {
            return None;
        }
        let row = self.rows.next()?;
        let line = row
            .as_ref()
            .err()
            .and_then(|e| e.position())
            .map(|p| p.line());
        let read = row.map_err(|e| bad(&self.path, line, &e)).and_then(|r| {
            let starts_at = when(&r.starts_at, self.tz).map_err(|e| {
                bad(
                    &self.path,
                    None,
                    format!("appointment {}: {e}", r.appointment_id),
                )
            })?;
            Ok(Appointment {
                id: r.appointment_id.as_str().into(),
                client: r.client_id.as_str().into(),
                starts_at,
            })
        });
        match read {
            Ok(a) => Some(a),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

/// A row of consent.csv.
#[derive(Deserialize)]
struct ConsentRow {
    number: String,
    status: String,
}

/// Reads consent.csv: `number, status` with status `opted_out`,
/// `blocked`, `suppressed` (a permanent delivery failure) or `landline`,
/// as consent changes recorded by `by`.
pub fn consent(
    path: &Path,
    org: &OrganizationId,
    by: &Username,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<ConsentChange>> {
    let mut out = Vec::new();
    for row in reader(path)?.deserialize::<ConsentRow>() {
        let row = row.map_err(|e| bad(path, e.position().map(|p| p.line()), &e))?;
        let number =
            E164::parse(&row.number).map_err(|e| bad(path, None, format!("{}: {e}", e.code())))?;
        let staff = ConsentSource::Staff {
            username: by.clone(),
        };
        let (action, source) = match row.status.as_str() {
            "opted_out" => (ConsentAction::OptOut, staff),
            "blocked" => (ConsentAction::Block, staff),
            "suppressed" => (ConsentAction::Suppress, staff),
            // The carrier's "landline or unreachable carrier" (X2).
            "landline" => (
                ConsentAction::Suppress,
                ConsentSource::Carrier { error_code: 30006 },
            ),
            other => {
                return Err(bad(
                    path,
                    None,
                    format!(
                        "unknown status {other:?}; use opted_out, blocked, suppressed or landline"
                    ),
                ));
            }
        };
        out.push(ConsentChange {
            at,
            number,
            action,
            source,
            raw_text: None,
            via: None,
            scope: ConsentScope::Organization {
                organization: org.clone(),
            },
        });
    }
    Ok(out)
}

/// A time on the command line or in appts.csv: RFC 3339, or local
/// `YYYY-MM-DD HH:MM` in `tz` (a time the clocks skip or repeat reads as
/// the core's hours rule says).
pub fn when(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .map_err(|_| format!("{text:?} is not a time: write RFC 3339 (2026-11-24T09:00:00-05:00) or local \"YYYY-MM-DD HH:MM\""))?;
    instant_at(tz, local).ok_or_else(|| format!("{text:?} cannot be represented"))
}
