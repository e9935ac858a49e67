//! The dry run before a mass alert: SPEC B2 (who is in range), B3 (one
//! text per client), B4 (what the sender sees before confirming), B8
//! (exclusions with reasons) and X5 (one text per shared number, exclusions,
//! segments and the projected finish).

use std::borrow::Borrow;
use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::fmt;

use chrono::DateTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::consent::{ConsentAction, ConsentSource, ConsentState};
use crate::delivery::{DeliveryStatus, FailureClass, PermanentReason, classify_failure};
use crate::directory::{Client, Directory};
use crate::error::Error;
use crate::hours::QuietHours;
use crate::ids::{AppointmentId, ClientId, OrganizationId, Username};
use crate::phone::{E164, PhoneError};
use crate::ports::{ConsentStore, StoreError, Timestamp};
use crate::sensitive::{MessageBody, PersonName};
use crate::text::compliance::Finding;
use crate::text::segments::SegmentCount;

use super::pace::projected_finish;
use super::request::{AppointmentRange, BroadcastRequest, Pace, validate};

/// A client as the host passes it to a preflight: id, name and the cell
/// phone as it is written in the host's records (checked here, SPEC N1,
/// N2). `Debug` redacts the name and the phone.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientContact {
    /// The host's client id.
    pub id: ClientId,
    /// First name.
    #[serde(default)]
    pub first_name: PersonName,
    /// Last name.
    #[serde(default)]
    pub last_name: PersonName,
    /// The cell phone as written; empty when there is none.
    #[serde(default)]
    pub cell_phone: String,
    /// The client's own time zone when the host knows it (an address, a
    /// setting): quiet hours then follow it instead of the area code's
    /// (SPEC X1). JSON: an IANA name, e.g. `"America/Denver"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Tz>,
}

impl ClientContact {
    /// "First Last", trimmed.
    pub fn full_name(&self) -> PersonName {
        let name = format!("{} {}", self.first_name.as_str(), self.last_name.as_str());
        match name.trim() {
            trimmed if trimmed.len() == name.len() => PersonName::new(name),
            trimmed => PersonName::new(trimmed),
        }
    }
}

impl fmt::Debug for ClientContact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContact")
            .field("id", &self.id)
            .field("cell_phone", &format_args!("<redacted>"))
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

impl From<&Client> for ClientContact {
    fn from(c: &Client) -> Self {
        ClientContact {
            id: c.id.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            cell_phone: c.cell_phone.map(|n| n.to_string()).unwrap_or_default(),
            time_zone: None,
        }
    }
}

/// An appointment as the host passes it: which client, and when it starts
/// (SPEC B2). How many patients (pets) it is for does not matter: each
/// client gets one text (B3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// The host's appointment id.
    pub id: AppointmentId,
    /// The client the appointment is for.
    pub client: ClientId,
    /// When it starts.
    pub starts_at: Timestamp,
}

/// The consent facts a preflight needs about each number (SPEC C4, C6,
/// X2): a [`ConsentStore`] through [`StoreConsent`], or a map of the
/// numbers whose state is not the default.
pub trait ConsentLookup {
    /// The number's consent state.
    fn consent(&self, number: E164) -> Result<ConsentState, StoreError>;
    /// Why a suppressed number is suppressed, when known (a landline, an
    /// invalid number, ...). The default does not know.
    fn suppression(&self, number: E164) -> Result<Option<PermanentReason>, StoreError> {
        let _ = number;
        Ok(None)
    }
}

/// Why `number` may not be texted now, by its consent (C4, C6, X2):
/// opted out, blocked, a landline or otherwise permanently failing; `None`
/// when it may.
pub(crate) fn consent_exclusion(
    lookup: &dyn ConsentLookup,
    number: E164,
) -> Result<Option<ExclusionReason>, StoreError> {
    let state = lookup.consent(number)?;
    let why = match state.suppressed {
        true => lookup.suppression(number)?,
        false => None,
    };
    Ok(ExclusionReason::from_consent(&state, why))
}

impl ConsentLookup for HashMap<E164, ConsentState> {
    fn consent(&self, number: E164) -> Result<ConsentState, StoreError> {
        Ok(self.get(&number).cloned().unwrap_or_default())
    }
}

/// A [`ConsentStore`] seen from one organization, as a [`ConsentLookup`]:
/// the reason of a suppression comes from the carrier error code recorded
/// with it (X2).
#[derive(Debug)]
pub struct StoreConsent<'a, S: ?Sized> {
    /// The store.
    pub store: &'a S,
    /// The organization.
    pub organization: &'a OrganizationId,
}

impl<S: ConsentStore + ?Sized> ConsentLookup for StoreConsent<'_, S> {
    fn consent(&self, number: E164) -> Result<ConsentState, StoreError> {
        self.store.consent(self.organization, number)
    }

    fn suppression(&self, number: E164) -> Result<Option<PermanentReason>, StoreError> {
        let history = self
            .store
            .consent_history(self.organization, Some(number))?;
        let code = history
            .iter()
            .rev()
            .find_map(|c| match (c.action, &c.source) {
                (ConsentAction::Suppress, ConsentSource::Carrier { error_code }) => {
                    Some(*error_code)
                }
                _ => None,
            });
        Ok(match classify_failure(code, DeliveryStatus::Failed) {
            Some(FailureClass::Permanent(reason)) if code.is_some() => Some(reason),
            _ => None,
        })
    }
}

/// One text of a mass alert: to one phone number, for the client with the
/// earliest appointment on it and any others who share the number (X5).
/// `Debug` redacts the name and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRecipient {
    /// The client the text is addressed to.
    pub client: ClientId,
    /// That client's full name.
    pub name: PersonName,
    /// The number it goes to.
    pub phone: E164,
    /// Appointments in range of every client on this number.
    pub appointments: u32,
    /// The earliest of them.
    pub first_appointment: Timestamp,
    /// The latest of them: once it has started the alert is no longer sent
    /// (B2: "an appointment in the future at the time the text is sent").
    pub last_appointment: Timestamp,
    /// The time zone the host gave for this client, which quiet hours
    /// follow instead of the area code's (SPEC X1); `None`: the area code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Tz>,
}

impl PlannedRecipient {
    /// The zone whose clock quiet hours are read on for this recipient
    /// (SPEC X1): the host's, else the area code's, else `fallback` (the
    /// organization's).
    pub fn quiet_hours_zone(&self, fallback: Tz) -> Tz {
        self.time_zone
            .or_else(|| crate::hours::time_zone_for(self.phone))
            .unwrap_or(fallback)
    }
}

/// Why a client gets no text of their own (SPEC B8, X5). JSON:
/// `{"code": "opted_out"}`, `{"code": "invalid_number", "problem":
/// "invalid_area_code"}`, `{"code": "shared_number", "with": "c-17"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ExclusionReason {
    /// No cell phone on file.
    NoCellPhone,
    /// The cell phone is not a valid number (N1).
    InvalidNumber {
        /// The phone check's code, e.g. `invalid_area_code`.
        problem: String,
    },
    /// The number is outside the US and Canada (N2).
    NotUsOrCanada,
    /// The client opted out of texts (C1, C4).
    OptedOut,
    /// Staff blocked the number (C6).
    Blocked,
    /// Texts to the number failed because it is a landline (X2).
    Landline,
    /// Texts to the number failed permanently and no one has verified it
    /// since (X2).
    PermanentlyFailing {
        /// Why, when the carrier said.
        reason: Option<PermanentReason>,
    },
    /// Another client on the same number gets the one text (X5).
    SharedNumber {
        /// That client.
        with: ClientId,
    },
    /// Every appointment had started by the time the text was due (B2).
    AppointmentPassed,
}

impl ExclusionReason {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ExclusionReason::NoCellPhone => "no_cell_phone",
            ExclusionReason::InvalidNumber { .. } => "invalid_number",
            ExclusionReason::NotUsOrCanada => "not_us_or_canada",
            ExclusionReason::OptedOut => "opted_out",
            ExclusionReason::Blocked => "blocked",
            ExclusionReason::Landline => "landline",
            ExclusionReason::PermanentlyFailing { .. } => "permanently_failing",
            ExclusionReason::SharedNumber { .. } => "shared_number",
            ExclusionReason::AppointmentPassed => "appointment_passed",
        }
    }

    /// The reason in words, for the report's "Error Details".
    pub fn message(&self) -> String {
        match self {
            ExclusionReason::NoCellPhone => "no cell phone number on file".into(),
            ExclusionReason::InvalidNumber { problem } => {
                format!("the cell phone number is not valid ({problem})")
            }
            ExclusionReason::NotUsOrCanada => {
                "the cell phone number is outside the US and Canada".into()
            }
            ExclusionReason::OptedOut => "the client opted out of texts".into(),
            ExclusionReason::Blocked => "the number is blocked".into(),
            ExclusionReason::Landline => "the number is a landline".into(),
            ExclusionReason::PermanentlyFailing { .. } => {
                "texts to this number failed permanently; it has not been verified since".into()
            }
            ExclusionReason::SharedNumber { with } => {
                format!("shares a cell phone number with client {with}, whose text covers both")
            }
            ExclusionReason::AppointmentPassed => {
                "the appointment had started before the text could go out".into()
            }
        }
    }

    /// Reads a consent state (C4, C6, X2); `None` when it allows texts.
    pub(crate) fn from_consent(state: &ConsentState, why: Option<PermanentReason>) -> Option<Self> {
        if state.opted_out {
            Some(ExclusionReason::OptedOut)
        } else if state.blocked {
            Some(ExclusionReason::Blocked)
        } else if state.suppressed {
            Some(match why {
                Some(PermanentReason::Landline) => ExclusionReason::Landline,
                Some(PermanentReason::OptedOut) => ExclusionReason::OptedOut,
                reason => ExclusionReason::PermanentlyFailing { reason },
            })
        } else {
            None
        }
    }

    pub(crate) fn from_phone_error(e: &PhoneError) -> Self {
        match e {
            PhoneError::Empty => ExclusionReason::NoCellPhone,
            PhoneError::NotNorthAmerican | PhoneError::NotUsOrCanada { .. } => {
                ExclusionReason::NotUsOrCanada
            }
            e => ExclusionReason::InvalidNumber {
                problem: e.code().to_owned(),
            },
        }
    }
}

/// A client with an appointment in range who gets no text of their own,
/// and why (SPEC B8). `Debug` redacts the name and phone.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// The client.
    pub client: ClientId,
    /// Their full name.
    pub name: PersonName,
    /// Their cell phone as written in the host's records.
    pub phone: String,
    /// Why.
    pub reason: ExclusionReason,
}

impl fmt::Debug for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exclusion")
            .field("client", &self.client)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// The first and last appointment start covered (SPEC B4: "the time range
/// of the appointments whose clients are being messaged").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentSpan {
    /// The earliest start.
    pub first: Timestamp,
    /// The latest start.
    pub last: Timestamp,
}

/// The numbers a preflight reports (SPEC B4, X5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreflightCounts {
    /// Upcoming appointments in range.
    pub appointments: u64,
    /// Clients with at least one of them.
    pub clients: usize,
    /// Unique recipients: texts that will go out (B4).
    pub recipients: usize,
    /// Clients who get no text of their own (B8).
    pub excluded: usize,
    /// Appointments in range whose client is not among the clients given.
    pub appointments_without_client: u64,
}

/// What a mass alert will do, before anything is sent (SPEC B4, X5). Shown
/// to the sender; sending needs its [`token`](Preflight::token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preflight {
    /// The organization.
    pub organization: OrganizationId,
    /// The administrator sending.
    pub sender: Username,
    /// Our number it goes out from.
    pub from: E164,
    /// The text.
    pub message: MessageBody,
    /// The appointment range.
    pub range: AppointmentRange,
    /// From the earliest to the latest appointment of the clients who get
    /// a text (B4); `None` when no one does.
    pub span: Option<AppointmentSpan>,
    /// The pace (B5).
    pub pace: Pace,
    /// The recipient-local sending window (X1).
    pub quiet_hours: QuietHours,
    /// The organization's time zone: the range presets' and the fallback
    /// for recipients whose area code has no zone.
    pub time_zone: Tz,
    /// One entry per text, earliest appointment first (B3, X5).
    pub recipients: Vec<PlannedRecipient>,
    /// Everyone in range who gets no text of their own, with the reason
    /// (B8, X5).
    pub excluded: Vec<Exclusion>,
    /// The counts (B4).
    pub counts: PreflightCounts,
    /// Encoding, segments and characters remaining (B4, P7).
    pub segments: SegmentCount,
    /// Content warnings that do not stop it (P4).
    pub warnings: Vec<Finding>,
    /// When the last text would go out if sending started now, at the pace
    /// and within quiet hours (X5); `None` with no recipients.
    pub projected_finish: Option<Timestamp>,
    /// When the preflight was made.
    pub prepared_at: Timestamp,
    /// The confirmation token: a SHA-256 (hex) over the organization,
    /// sender, number, message, range, pace, quiet hours, time zone and the
    /// recipient list. Sending needs it back (B4), so what was confirmed is
    /// what is sent.
    pub token: String,
}

/// A client's appointments in range.
#[derive(Clone, Copy)]
struct Hits {
    count: u32,
    first: Timestamp,
    last: Timestamp,
}

const NO_HITS: Hits = Hits {
    count: 0,
    first: DateTime::<chrono::Utc>::MAX_UTC,
    last: DateTime::<chrono::Utc>::MIN_UTC,
};

/// The preflight (dry run) of a mass alert (SPEC B2-B4, B8, X5): checks
/// the request ([`validate`]), then in one pass over `appointments` keeps
/// those that start after `now` and inside the range, gives each client
/// with one of them one entry, checks each client's cell phone and each
/// number's consent, gives clients who share a number one text (to the one
/// with the earliest appointment), and lists everyone else with the reason.
/// Appointments whose client is not in `clients` are counted. Of several
/// clients with one id, the first is used.
///
/// Built for a million appointments: the appointments are streamed (any
/// iterator), clients are indexed once in a pre-sized map, and nothing is
/// allocated per appointment.
pub fn preflight<A: Borrow<Appointment>>(
    request: &BroadcastRequest,
    directory: &Directory,
    clients: &[ClientContact],
    appointments: impl IntoIterator<Item = A>,
    consent: &dyn ConsentLookup,
    now: Timestamp,
) -> Result<Preflight, Error> {
    let valid = validate(request, directory, now)?;
    let tally = tally(clients, appointments, valid.range, now);
    let mut counts = PreflightCounts {
        appointments: tally.appointments,
        appointments_without_client: tally.without_client,
        ..Default::default()
    };
    let (recipients, excluded) = households(clients, tally.hits, consent)?;
    counts.clients = recipients.len() + excluded.len();
    counts.recipients = recipients.len();
    counts.excluded = excluded.len();
    let mut plan = Preflight {
        organization: request.organization.clone(),
        sender: request.sender.clone(),
        from: valid.from,
        message: request.message.clone(),
        range: valid.range,
        span: span_of(&recipients),
        pace: request.pace,
        quiet_hours: request.quiet_hours,
        time_zone: valid.time_zone,
        projected_finish: projected_finish(
            recipients
                .iter()
                .map(|r| r.quiet_hours_zone(valid.time_zone)),
            now,
            request.pace,
            &request.quiet_hours,
        ),
        recipients,
        excluded,
        counts,
        segments: valid.segments,
        warnings: valid.warnings,
        prepared_at: now,
        token: String::new(),
    };
    plan.token = confirmation_token(&plan);
    Ok(plan)
}

/// Bytes of a short client id's key: its length, then the id zero-padded.
const INLINE_KEY: usize = 24;

/// A short client id (the rule) as a key held inside the hash table, so a
/// lookup reads one place in memory instead of two; `None` when longer.
fn inline_key(id: &str) -> Option<[u8; INLINE_KEY]> {
    let mut key = [0u8; INLINE_KEY];
    let (len, rest) = key.split_first_mut()?;
    *len = u8::try_from(id.len()).ok()?;
    rest.get_mut(..id.len())?.copy_from_slice(id.as_bytes());
    Some(key)
}

/// Bits of a short key that pick its part of the index: 64 parts, so each
/// part's table (a few thousand clients of a large practice) stays in the
/// processor's cache while its appointments are counted.
const PART_BITS: u32 = 6;
const PARTS: usize = 1 << PART_BITS;

/// The part of the index a short key belongs to: Fibonacci hashing of its
/// bytes, independent of the FxHash the tables use inside a part.
fn part_of(key: &[u8; INLINE_KEY]) -> usize {
    let mut x = 0u64;
    for chunk in key.chunks(8) {
        let mut word = [0u8; 8];
        word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
        x = (x ^ u64::from_le_bytes(word)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    usize::try_from(x >> (64 - PART_BITS)).unwrap_or(0) // ok: below PARTS
}

/// Clients by id: short ids inline, split into [`PARTS`] parts by
/// [`part_of`]; longer ones by reference.
struct ClientIndex<'c> {
    parts: Vec<FxHashMap<[u8; INLINE_KEY], (u32, Hits)>>,
    long: FxHashMap<&'c str, (u32, Hits)>,
}

impl<'c> ClientIndex<'c> {
    fn new(clients: &'c [ClientContact]) -> Self {
        // FxHash: the keys are the host's own client ids, not outside
        // input, and SipHash was a third of the pass.
        let per_part = clients.len() / PARTS + clients.len() / PARTS / 4 + 8;
        let mut index = ClientIndex {
            parts: (0..PARTS)
                .map(|_| FxHashMap::with_capacity_and_hasher(per_part, Default::default()))
                .collect(),
            long: FxHashMap::default(),
        };
        for (i, c) in (0u32..).zip(clients) {
            let id = c.id.as_str();
            match inline_key(id) {
                Some(k) => {
                    if let Some(part) = index.parts.get_mut(part_of(&k)) {
                        part.entry(k).or_insert((i, NO_HITS));
                    }
                }
                None => {
                    index.long.entry(id).or_insert((i, NO_HITS));
                }
            }
        }
        index
    }

    fn into_hits(self) -> Vec<(u32, Hits)> {
        self.parts
            .into_iter()
            .flat_map(|p| p.into_values())
            .chain(self.long.into_values())
            .filter(|(_, h)| h.count > 0)
            .collect()
    }
}

/// What one pass over the appointments found.
struct Tally {
    /// Per client (by position) with at least one appointment: its hits.
    hits: Vec<(u32, Hits)>,
    /// Upcoming appointments in range.
    appointments: u64,
    /// Of those, how many belong to no client given.
    without_client: u64,
}

/// B2: one pass over the appointments, keeping those after `now` inside
/// `range`, counted per client. Appointments of short ids are set aside by
/// the part of the index their client is in, then counted part by part
/// (one part's table in cache at a time: a million appointments for
/// 300,000 clients otherwise wait on memory for most lookups); each
/// client's hits live in its table entry.
fn tally<A: Borrow<Appointment>>(
    clients: &[ClientContact],
    appointments: impl IntoIterator<Item = A>,
    range: AppointmentRange,
    now: Timestamp,
) -> Tally {
    let mut index = ClientIndex::new(clients);
    let appointments = appointments.into_iter();
    let per_part = appointments.size_hint().0 / PARTS;
    let mut pending: Vec<Vec<([u8; INLINE_KEY], Timestamp)>> = (0..PARTS)
        .map(|_| Vec::with_capacity(per_part + per_part / 8))
        .collect();
    let (mut counted, mut without_client) = (0, 0);
    for a in appointments {
        let a = a.borrow();
        if a.starts_at <= now || !range.contains(a.starts_at) {
            continue;
        }
        counted += 1;
        let id = a.client.as_str();
        match inline_key(id) {
            Some(k) => {
                if let Some(list) = pending.get_mut(part_of(&k)) {
                    list.push((k, a.starts_at));
                }
            }
            None => match index.long.get_mut(id) {
                Some((_, h)) => add_hit(h, a.starts_at),
                None => without_client += 1,
            },
        }
    }
    for (part, list) in index.parts.iter_mut().zip(pending) {
        for (k, at) in list {
            match part.get_mut(&k) {
                Some((_, h)) => add_hit(h, at),
                None => without_client += 1,
            }
        }
    }
    Tally {
        hits: index.into_hits(),
        appointments: counted,
        without_client,
    }
}

/// B4: from the earliest to the latest appointment of those who get a text.
fn span_of(recipients: &[PlannedRecipient]) -> Option<AppointmentSpan> {
    let first = recipients.iter().map(|r| r.first_appointment).min()?;
    let last = recipients.iter().map(|r| r.last_appointment).max()?;
    Some(AppointmentSpan { first, last })
}

fn add_hit(h: &mut Hits, at: Timestamp) {
    h.count = h.count.saturating_add(1);
    h.first = h.first.min(at);
    h.last = h.last.max(at);
}

/// What became of the first client seen on a number.
enum NumberVerdict {
    /// Position in the recipient list.
    Recipient(usize),
    /// Nobody on it is texted, for this reason.
    Excluded(ExclusionReason),
}

/// B3, X5, B8: clients with hits, earliest appointment first; one text per
/// number; every other client listed with the reason.
fn households(
    clients: &[ClientContact],
    hits: Vec<(u32, Hits)>,
    consent: &dyn ConsentLookup,
) -> Result<(Vec<PlannedRecipient>, Vec<Exclusion>), StoreError> {
    let mut hits = hits;
    // Earliest appointment first; ties in the host's order of clients.
    hits.sort_unstable_by_key(|&(i, h)| (h.first, i));
    let mut recipients: Vec<PlannedRecipient> = Vec::with_capacity(hits.len());
    let mut excluded = Vec::new();
    let mut numbers: FxHashMap<E164, NumberVerdict> =
        FxHashMap::with_capacity_and_hasher(hits.len(), Default::default());
    let order = hits
        .into_iter()
        .filter_map(|(i, h)| Some((h, clients.get(i as usize)?)));
    for (h, c) in order {
        let exclude = |reason| Exclusion {
            client: c.id.clone(),
            name: c.full_name(),
            phone: c.cell_phone.clone(),
            reason,
        };
        let phone = match E164::parse(&c.cell_phone) {
            Ok(n) => n,
            Err(e) => {
                excluded.push(exclude(ExclusionReason::from_phone_error(&e)));
                continue;
            }
        };
        let verdict = match numbers.get(&phone) {
            Some(v) => v,
            None => {
                let v = match consent_exclusion(consent, phone)? {
                    Some(reason) => NumberVerdict::Excluded(reason),
                    None => {
                        recipients.push(PlannedRecipient {
                            client: c.id.clone(),
                            name: c.full_name(),
                            phone,
                            appointments: 0,
                            first_appointment: h.first,
                            last_appointment: h.last,
                            time_zone: c.time_zone,
                        });
                        NumberVerdict::Recipient(recipients.len() - 1)
                    }
                };
                numbers.entry(phone).or_insert(v)
            }
        };
        match verdict {
            NumberVerdict::Excluded(reason) => excluded.push(exclude(reason.clone())),
            NumberVerdict::Recipient(pos) => {
                let Some(r) = recipients.get_mut(*pos) else {
                    continue;
                };
                r.appointments = r.appointments.saturating_add(h.count);
                r.last_appointment = r.last_appointment.max(h.last);
                if r.client != c.id {
                    let with = r.client.clone();
                    excluded.push(exclude(ExclusionReason::SharedNumber { with }));
                }
            }
        }
    }
    Ok((recipients, excluded))
}

/// The confirmation token of a plan (SPEC B4): SHA-256, in hex, over
/// everything that decides what is sent. Each field is length-prefixed, so
/// no two different plans hash the same input.
pub fn confirmation_token(plan: &Preflight) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(b"practicetext broadcast v1");
    field(plan.organization.as_str().as_bytes());
    field(plan.sender.as_str().as_bytes());
    field(&plan.from.national().to_le_bytes());
    field(plan.message.as_str().as_bytes());
    field(&plan.range.start.timestamp_micros().to_le_bytes());
    field(&plan.range.end.timestamp_micros().to_le_bytes());
    field(&plan.pace.per_minute().to_le_bytes());
    field(plan.quiet_hours.start.to_string().as_bytes());
    field(plan.quiet_hours.end.to_string().as_bytes());
    field(plan.time_zone.name().as_bytes());
    field(&(plan.recipients.len() as u64).to_le_bytes());
    for r in &plan.recipients {
        field(r.client.as_str().as_bytes());
        field(&r.phone.national().to_le_bytes());
        field(&r.last_appointment.timestamp_micros().to_le_bytes());
        // Only when given, so plans without host zones keep their tokens.
        if let Some(tz) = r.time_zone {
            field(tz.name().as_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
