//! The broadcast report: SPEC B7 (per recipient: Client Full Name, Client
//! Phone Number, SMS Status, Error Details, Message Text, Timestamp, as
//! CSV), B8 (every excluded client with the reason, none silently dropped)
//! and X6 (a next action for everyone who did not get the text).

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::consent::defuse_formula;
use crate::ids::ClientId;
use crate::ports::Timestamp;
use crate::sensitive::PersonName;

use super::preflight::{Exclusion, ExclusionReason};
use super::progress::{Broadcast, NextAction, RecipientProgress, RecipientStatus};

/// The report's columns, in order (B7, then X6's next action).
pub const REPORT_COLUMNS: [&str; 7] = [
    "Client Full Name",
    "Client Phone Number",
    "SMS Status",
    "Error Details",
    "Message Text",
    "Timestamp",
    "Next Action",
];

/// The "SMS Status" of a report row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Not sent yet.
    Pending,
    /// Being handed to the provider.
    Sending,
    /// The provider accepted it.
    Sent,
    /// It could not be sent.
    Failed,
    /// Not sent on purpose (excluded at the preflight or skipped since).
    NotSent,
}

impl RowStatus {
    /// The status as written in the report.
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Pending => "pending",
            RowStatus::Sending => "sending",
            RowStatus::Sent => "sent",
            RowStatus::Failed => "failed",
            RowStatus::NotSent => "not sent",
        }
    }
}

/// One line of the report (SPEC B7, X6). `Debug` redacts the name and phone.
#[derive(Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// The client.
    pub client: ClientId,
    /// Client Full Name.
    pub name: PersonName,
    /// Client Phone Number: E.164 for recipients, as written for exclusions.
    pub phone: String,
    /// SMS Status.
    pub status: RowStatus,
    /// Error Details (empty when sent).
    pub error: String,
    /// Timestamp: when the text was sent, failed or skipped; when the
    /// broadcast was confirmed for clients excluded at the preflight.
    pub timestamp: Option<Timestamp>,
    /// Next Action (X6), for those who did not get the text.
    pub next_action: Option<NextAction>,
}

impl fmt::Debug for ReportRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportRow")
            .field("client", &self.client)
            .field("status", &self.status)
            .field("error", &self.error)
            .field("next_action", &self.next_action)
            .finish_non_exhaustive()
    }
}

/// The report's rows (SPEC B7, B8, X6): each recipient in send order,
/// followed by the clients who share its number (with that text's status),
/// then every other client excluded at the preflight, with the reason.
pub fn report(broadcast: &Broadcast, recipients: &[RecipientProgress]) -> Vec<ReportRow> {
    let mut shared: HashMap<&ClientId, Vec<&Exclusion>> = HashMap::new();
    let mut others = Vec::new();
    for e in &broadcast.excluded {
        match &e.reason {
            ExclusionReason::SharedNumber { with } => shared.entry(with).or_default().push(e),
            _ => others.push(e),
        }
    }
    let mut rows = Vec::with_capacity(recipients.len() + broadcast.excluded.len());
    for r in recipients {
        let row = recipient_row(r);
        let household: Vec<ReportRow> = shared
            .get(&r.recipient.client)
            .into_iter()
            .flatten()
            .map(|e| ReportRow {
                client: e.client.clone(),
                name: e.name.clone(),
                error: join(&e.reason.message(), &row.error),
                ..row.clone()
            })
            .collect();
        rows.push(row);
        rows.extend(household);
    }
    rows.extend(others.into_iter().map(|e| ReportRow {
        client: e.client.clone(),
        name: e.name.clone(),
        phone: e.phone.clone(),
        status: RowStatus::NotSent,
        error: e.reason.message(),
        timestamp: Some(broadcast.created_at),
        next_action: NextAction::for_exclusion(&e.reason),
    }));
    rows
}

fn join(a: &str, b: &str) -> String {
    match b.is_empty() {
        true => a.to_owned(),
        false => format!("{a}; {b}"),
    }
}

fn recipient_row(r: &RecipientProgress) -> ReportRow {
    let (status, error, timestamp, next_action) = match &r.status {
        RecipientStatus::Pending { not_before, .. } => {
            let error = not_before
                .map(|t| format!("waiting until {}", t.to_rfc3339()))
                .unwrap_or_default();
            (RowStatus::Pending, error, None, None)
        }
        RecipientStatus::Sending { .. } => (RowStatus::Sending, String::new(), None, None),
        RecipientStatus::Sent { at, .. } => (RowStatus::Sent, String::new(), Some(*at), None),
        RecipientStatus::Failed { at, failure } => (
            RowStatus::Failed,
            failure.message(),
            Some(*at),
            Some(NextAction::for_failure(failure)),
        ),
        RecipientStatus::Skipped { at, reason } => (
            RowStatus::NotSent,
            reason.message(),
            Some(*at),
            NextAction::for_exclusion(reason),
        ),
    };
    ReportRow {
        client: r.recipient.client.clone(),
        name: r.recipient.name.clone(),
        phone: r.recipient.phone.to_string(),
        status,
        error,
        timestamp,
        next_action,
    }
}

/// The report as CSV (SPEC B7, B8, X6): a header with [`REPORT_COLUMNS`],
/// then one line per [`report`] row, every line with the broadcast's message
/// text. Written with the `csv` crate (RFC 4180 quoting); a cell a
/// spreadsheet would run as a formula (a name starting with `=`, `+`, `-`,
/// `@`) is prefixed with `'`.
pub fn report_csv(broadcast: &Broadcast, recipients: &[RecipientProgress]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failure would only shorten the report.
    let _ = w.write_record(REPORT_COLUMNS);
    let message = broadcast.message.as_str();
    for row in report(broadcast, recipients) {
        let timestamp = row.timestamp.map(|t| t.to_rfc3339()).unwrap_or_default();
        let cells = [
            row.name.as_str(),
            &row.phone,
            row.status.label(),
            &row.error,
            message,
            &timestamp,
            row.next_action.map_or("", NextAction::label),
        ];
        let _ = w.write_record(cells.iter().map(|c| defuse_formula(c)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}
