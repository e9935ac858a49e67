//! Usage statistics: SPEC V9 (texts and segments in and out per
//! organization and per user per day).
//!
//! A text is counted on its day in the organization's time zone
//! ([`local_day`]): a text sent at 23:59 in Los Angeles counts on that day,
//! one a minute later on the next, whatever the UTC date. The caller passes
//! the segment count of the body (the text-rules module computes it; P7).
//! Reports cover an inclusive range of days and give a row per day and
//! user, the organization's total per day and the total over the range.
//! Only counts are kept: deleting a conversation (V3) does not change the
//! statistics of texts that were sent or received.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::InboxError;
use crate::conversation::Direction;
use crate::ids::{OrganizationId, Username};
use crate::ports::{Timestamp, UsageStore};

/// Texts and segments of one user (or of nobody in particular) on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRow {
    /// The day, in the organization's time zone.
    pub day: NaiveDate,
    /// The user; `None` for texts no single user sent or received (inbound
    /// to a group or queue, automated replies).
    pub user: Option<Username>,
    /// Texts received.
    pub texts_in: u64,
    /// Texts sent.
    pub texts_out: u64,
    /// Segments received.
    pub segments_in: u64,
    /// Segments sent.
    pub segments_out: u64,
}

impl UsageRow {
    /// An empty row.
    pub fn empty(day: NaiveDate, user: Option<Username>) -> Self {
        UsageRow {
            day,
            user,
            texts_in: 0,
            texts_out: 0,
            segments_in: 0,
            segments_out: 0,
        }
    }

    /// Counts one text of `segments` segments (saturating).
    pub fn add_text(&mut self, direction: Direction, segments: u32) {
        let (texts, segs) = match direction {
            Direction::Inbound => (&mut self.texts_in, &mut self.segments_in),
            Direction::Outbound => (&mut self.texts_out, &mut self.segments_out),
        };
        *texts = texts.saturating_add(1);
        *segs = segs.saturating_add(u64::from(segments));
    }
}

/// Texts and segments summed over rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    /// Texts received.
    pub texts_in: u64,
    /// Texts sent.
    pub texts_out: u64,
    /// Segments received.
    pub segments_in: u64,
    /// Segments sent.
    pub segments_out: u64,
}

impl UsageTotals {
    /// Adds a row's counts (saturating).
    pub fn add(&mut self, row: &UsageRow) {
        self.texts_in = self.texts_in.saturating_add(row.texts_in);
        self.texts_out = self.texts_out.saturating_add(row.texts_out);
        self.segments_in = self.segments_in.saturating_add(row.segments_in);
        self.segments_out = self.segments_out.saturating_add(row.segments_out);
    }
}

/// The organization's total on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayTotal {
    /// The day.
    pub day: NaiveDate,
    /// Its totals over every user.
    #[serde(flatten)]
    pub totals: UsageTotals,
}

/// Usage of one organization over a range of days (V9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
    /// One row per day and user with texts, by day then user.
    pub rows: Vec<UsageRow>,
    /// The organization's total per day with texts, by day.
    pub days: Vec<DayTotal>,
    /// The organization's total over the range.
    pub total: UsageTotals,
}

/// The day `at` falls on in time zone `tz` (V9).
pub fn local_day(at: Timestamp, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Counts one text sent or received `at` on its local day in `tz` (V9).
/// `user` is the staff member who sent it, or the one user an inbound text
/// was routed to; `None` otherwise.
pub fn record_text<S: UsageStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    tz: Tz,
    user: Option<&Username>,
    at: Timestamp,
    direction: Direction,
    segments: u32,
) -> Result<(), InboxError> {
    store.record(org, user, local_day(at, tz), direction, segments)?;
    Ok(())
}

/// The usage of `org` from `from` to `to`, both included (V9). A range that
/// ends before it starts is refused (`invalid_date_range`).
pub fn report<S: UsageStore + ?Sized>(
    store: &S,
    org: &OrganizationId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<UsageReport, InboxError> {
    if from > to {
        return Err(InboxError::InvalidDateRange { from, to });
    }
    let rows = store.usage(org, from, to)?;
    Ok(summarize(from, to, rows))
}

/// Builds a report from a store's rows: per-day and overall totals.
pub fn summarize(from: NaiveDate, to: NaiveDate, rows: Vec<UsageRow>) -> UsageReport {
    let mut by_day: BTreeMap<NaiveDate, UsageTotals> = BTreeMap::new();
    let mut total = UsageTotals::default();
    for row in &rows {
        by_day.entry(row.day).or_default().add(row);
        total.add(row);
    }
    let days = by_day
        .into_iter()
        .map(|(day, totals)| DayTotal { day, totals })
        .collect();
    UsageReport {
        from,
        to,
        rows,
        days,
        total,
    }
}

#[cfg(test)]
mod tests;
