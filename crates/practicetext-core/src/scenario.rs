//! Scenario fixtures: an organization, a timeline of events with
//! timestamps, and the decisions expected at each step. The Rust tests run
//! every file in `tests/scenarios/`; the CLI's `practicetext replay` prints
//! the decisions of any scenario; the bindings run the same files, so the
//! surfaces cannot drift (feature `test-util`).
//!
//! An expectation is *partial* JSON: every key it names must be present in
//! the actual output with a matching value (recursively); arrays must have
//! the same length and match element by element; keys it does not name are
//! ignored. So a fixture states exactly what its rule is about.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::delivery::DeliveryStatus;
use crate::directory::{Client, Directory};
use crate::engine::{Engine, OutboundSms, SendReceipt, SentLookup, Transport, TransportError};
use crate::error::Error;
use crate::ids::Username;
use crate::inbound::{EmailAlert, InboundText};
use crate::inbox::lifecycle;
use crate::inbox::state as inbox_state;
use crate::memory::MemoryStore;
use crate::phone::E164;
use crate::policy::TextingPolicy;
use crate::ports::{ConsentStore, DirectoryStore, Timestamp};
use crate::ports::{ConversationStore, HistoryStore};
use crate::routing;
use crate::send::SendRequest;
use crate::sensitive::MessageBody;
use crate::testing::{FixedClock, SeededRandom};
use crate::webhook::{Sender, StatusCallback};

/// A scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// SPEC rule ids it proves.
    #[serde(default)]
    pub rules: Vec<String>,
    /// What it shows, for people.
    #[serde(default)]
    pub description: String,
    /// The directory: a full directory, or `"sample"` for
    /// [`crate::testing::sample_directory`].
    pub directory: DirectorySource,
    /// The organization's texting policy (replaces the directory's).
    #[serde(default)]
    pub policy: Option<TextingPolicy>,
    /// Changes to the directory, as JSON pointer → new value, e.g.
    /// `{"/users/1/sms_enabled": false}`.
    #[serde(default)]
    pub set: serde_json::Map<String, Value>,
    /// Clients to store.
    #[serde(default)]
    pub clients: Vec<Client>,
    /// The timeline.
    pub events: Vec<Event>,
}

/// Where a scenario's directory comes from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum DirectorySource {
    /// `"sample"`.
    Named(String),
    /// A directory written out.
    Inline(Box<Directory>),
}

/// One step of the timeline.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Event {
    /// When it happens (the engine's clock is set to it).
    pub at: Timestamp,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
    /// The expected result (partial JSON), if the step asserts anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Value>,
}

/// What happens at a step.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A text arrives.
    Inbound {
        /// The sender as the provider writes it (`+14165550123`, `72345`).
        from: String,
        /// Our number.
        to: E164,
        /// The text.
        body: String,
        /// The provider's message id.
        #[serde(default)]
        provider_id: Option<String>,
    },
    /// A staff member sends.
    Send(SendRequest),
    /// A staff member blocks a number (C6).
    Block {
        /// The number.
        number: E164,
        /// The staff member.
        by: Username,
    },
    /// A staff member unblocks a number (C6).
    Unblock {
        /// The number.
        number: E164,
        /// The staff member.
        by: Username,
    },
    /// The consent history of one number (C7).
    ConsentHistory {
        /// The number.
        number: E164,
    },
    /// The directory lint (R3).
    Lint,
    /// A provider status callback for a message sent earlier (X2).
    Status {
        /// The provider's message id (the recording transport numbers them
        /// `SMrec0001`, `SMrec0002`, ... in sending order).
        provider_id: String,
        /// The provider's status word (`sent`, `delivered`, `failed`, ...).
        status: String,
        /// The provider's error code.
        #[serde(default)]
        error_code: Option<u32>,
    },
    /// A user closes the active conversation (V3).
    Close {
        /// Which conversation.
        #[serde(flatten)]
        thread: Thread,
        /// The user.
        by: Username,
    },
    /// A user deletes the active conversation (V3).
    Delete {
        /// Which conversation.
        #[serde(flatten)]
        thread: Thread,
    },
    /// A user assigns the active conversation and its number to a client (V4).
    Assign {
        /// Which conversation.
        #[serde(flatten)]
        thread: Thread,
        /// An existing client (`"to": "existing", "client": id`) or a new
        /// one (`"to": "new", "client": {...}`).
        #[serde(flatten)]
        to: crate::inbox::lifecycle::AssignTo,
    },
    /// A user reads the active conversation (V5).
    Read {
        /// Which conversation.
        #[serde(flatten)]
        thread: Thread,
        /// The user.
        user: Username,
    },
    /// A user mutes or unmutes the active conversation (V5).
    Mute {
        /// Which conversation.
        #[serde(flatten)]
        thread: Thread,
        /// The user.
        user: Username,
        /// Muted or not.
        muted: bool,
    },
    /// A user logs in: the missed-messages summary (V6).
    Login {
        /// The user.
        user: Username,
    },
    /// A user logs out (V6).
    Logout {
        /// The user.
        user: Username,
    },
    /// A user's conversation list (V5).
    Inbox {
        /// The user.
        user: Username,
    },
    /// A client's communication history (V3).
    History {
        /// The client.
        client: crate::ids::ClientId,
    },
    /// Usage from one local date to another, both included (V9).
    Usage {
        /// First day.
        from: chrono::NaiveDate,
        /// Last day.
        to: chrono::NaiveDate,
    },
}

/// An SMS conversation named by its two numbers.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Thread {
    /// Our number.
    pub our_number: E164,
    /// The outside number.
    pub outside_number: E164,
}

/// What one step produced, and whether it matched.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Index in the timeline (0-based).
    pub step: usize,
    /// The step's time.
    pub at: Timestamp,
    /// The result as JSON: `{"result": ..., "sent": [...], "emails": [...]}`.
    pub actual: Value,
    /// Why it did not match the expectation, if it did not.
    pub mismatch: Option<String>,
}

/// A transport that records what would have been sent. It remembers every
/// idempotency key it accepted (even after [`RecordingTransport::take`]), so
/// it answers [`Transport::find_sent`] with certainty (SPEC B9).
#[derive(Debug, Default)]
pub struct RecordingTransport {
    sms: Mutex<Vec<OutboundSms>>,
    emails: Mutex<Vec<EmailAlert>>,
    keys: Mutex<HashMap<String, SendReceipt>>,
    accepted: AtomicUsize,
}

impl RecordingTransport {
    /// Takes (and clears) what was recorded since the last call.
    pub fn take(&self) -> (Vec<OutboundSms>, Vec<EmailAlert>) {
        let sms = self.sms.lock().map(|mut v| std::mem::take(&mut *v));
        let emails = self.emails.lock().map(|mut v| std::mem::take(&mut *v));
        (sms.unwrap_or_default(), emails.unwrap_or_default())
    }
}

fn poisoned<T>(_: T) -> TransportError {
    TransportError::Unavailable {
        message: "recorder poisoned".into(),
    }
}

impl Transport for RecordingTransport {
    fn send_sms(&self, sms: &OutboundSms) -> Result<SendReceipt, TransportError> {
        // Every attempt is recorded, even one with a key seen before: tests
        // count what went out.
        let mut keys = self.keys.lock().map_err(poisoned)?;
        let mut log = self.sms.lock().map_err(poisoned)?;
        log.push(sms.clone());
        let n = self.accepted.fetch_add(1, Ordering::SeqCst) + 1;
        let receipt = SendReceipt {
            provider_id: format!("SMrec{n:04}"),
        };
        if let Some(k) = &sms.idempotency_key {
            keys.insert(k.clone(), receipt.clone());
        }
        Ok(receipt)
    }

    fn find_sent(&self, key: &str) -> Result<SentLookup, TransportError> {
        let keys = self.keys.lock().map_err(poisoned)?;
        Ok(keys
            .get(key)
            .map_or(SentLookup::NotSent, |r| SentLookup::Sent(r.clone())))
    }

    fn send_email(&self, email: &EmailAlert) -> Result<(), TransportError> {
        if let Ok(mut log) = self.emails.lock() {
            log.push(email.clone());
        }
        Ok(())
    }
}

/// Runs a scenario on a fresh in-memory store and returns one report per
/// step. An error means the scenario itself is malformed (for example an
/// unknown named directory); rule failures show up as mismatches.
pub fn run(scenario: &Scenario) -> Result<Vec<StepReport>, Error> {
    let mut dir = match &scenario.directory {
        DirectorySource::Named(name) if name == "sample" => crate::testing::sample_directory(),
        DirectorySource::Named(name) => {
            return Err(invalid(format!("unknown named directory '{name}'")));
        }
        DirectorySource::Inline(d) => (**d).clone(),
    };
    if let Some(p) = &scenario.policy {
        dir.organization.settings.policy = p.clone();
    }
    if !scenario.set.is_empty() {
        dir = patch(&dir, &scenario.set)?;
    }
    dir.validate()?;
    let start = scenario
        .events
        .first()
        .map(|e| e.at)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let clock = Arc::new(FixedClock::new(start));
    let store = MemoryStore::new();
    seed(&store, &dir, &scenario.clients)?;
    let engine = Engine::new(
        store,
        RecordingTransport::default(),
        clock.clone(),
        Arc::new(SeededRandom::new(7)),
    );
    let mut reports = Vec::with_capacity(scenario.events.len());
    for (step, event) in scenario.events.iter().enumerate() {
        clock.set(event.at);
        let result = apply(&engine, &dir, event)?;
        let (sms, emails) = engine.transport().take();
        let actual = serde_json::json!({ "result": result, "sent": sms, "emails": emails });
        let mismatch = event
            .expect
            .as_ref()
            .and_then(|e| partial_match(e, &actual, "$").err());
        reports.push(StepReport {
            step,
            at: event.at,
            actual,
            mismatch,
        });
    }
    Ok(reports)
}

/// Applies `set` (JSON pointer → value) to a directory.
fn patch(dir: &Directory, set: &serde_json::Map<String, Value>) -> Result<Directory, Error> {
    let bad = invalid;
    let mut json = serde_json::to_value(dir).map_err(|e| bad(e.to_string()))?;
    for (pointer, value) in set {
        let slot = json
            .pointer_mut(pointer)
            .ok_or_else(|| bad(format!("no directory field at {pointer}")))?;
        *slot = value.clone();
    }
    serde_json::from_value(json).map_err(|e| bad(format!("patched directory is invalid: {e}")))
}

fn seed(store: &MemoryStore, dir: &Directory, clients: &[Client]) -> Result<(), Error> {
    store.put_organization(&dir.organization)?;
    for u in &dir.users {
        store.put_user(u)?;
    }
    for g in &dir.groups {
        store.put_group(g)?;
    }
    for n in &dir.numbers {
        store.put_number(n)?;
    }
    for c in clients {
        store.put_client(c)?;
    }
    Ok(())
}

fn apply(
    engine: &Engine<MemoryStore, RecordingTransport>,
    dir: &Directory,
    event: &Event,
) -> Result<Value, Error> {
    let org = &dir.organization.id;
    let json = |v: Result<Value, serde_json::Error>| v.map_err(|e| invalid(e.to_string()));
    match &event.action {
        Action::Inbound {
            from,
            to,
            body,
            provider_id,
        } => {
            let text = InboundText {
                provider_id: provider_id.clone(),
                from: Sender::parse(from).unwrap_or_else(|| Sender::Other(from.clone())),
                to: *to,
                body: MessageBody::new(body.clone()),
                media_count: 0,
                received_at: event.at,
            };
            match engine.handle_inbound(&text) {
                Ok(outcome) => json(serde_json::to_value(outcome)),
                Err(e) => Ok(error_json(&e)),
            }
        }
        Action::Send(req) => match engine.send(req) {
            Ok(outcome) => json(serde_json::to_value(outcome)),
            Err(e) => Ok(error_json(&e)),
        },
        Action::Block { number, by } | Action::Unblock { number, by } => {
            let block = matches!(event.action, Action::Block { .. });
            let t = engine.set_blocked(org, *number, block, by)?;
            json(serde_json::to_value(t))
        }
        Action::ConsentHistory { number } => {
            let h = engine.store().consent_history(org, Some(*number))?;
            json(serde_json::to_value(h))
        }
        Action::Lint => json(serde_json::to_value(routing::lint(dir))),
        Action::Status {
            provider_id,
            status,
            error_code,
        } => {
            let status = DeliveryStatus::from_provider(status)
                .ok_or_else(|| invalid(format!("unknown delivery status '{status}'")))?;
            let cb = StatusCallback {
                provider_id: provider_id.clone(),
                status,
                error_code: *error_code,
                to: None,
            };
            result_json(engine.handle_status(&cb, event.at))
        }
        _ => inbox_action(engine, org, event),
    }
}

fn inbox_action(
    engine: &Engine<MemoryStore, RecordingTransport>,
    org: &crate::ids::OrganizationId,
    event: &Event,
) -> Result<Value, Error> {
    let s = engine.store();
    let at = event.at;
    let thread = |t: &Thread| -> Result<crate::ids::ConversationId, Error> {
        let p = crate::conversation::Participants::Sms {
            our_number: t.our_number,
            outside_number: t.outside_number,
        };
        // A thread with no active conversation is a refusal the step
        // reports (`conversation_not_found`), not a broken scenario.
        Ok(s.active_conversation(org, &p)?
            .map(|c| c.id)
            .unwrap_or_else(|| crate::ids::ConversationId::new("none")))
    };
    match &event.action {
        Action::Close { thread: t, by } => {
            result_json(lifecycle::close(s, org, &thread(t)?, by, at).map_err(Error::from))
        }
        Action::Delete { thread: t } => {
            result_json(lifecycle::delete(s, org, &thread(t)?).map_err(Error::from))
        }
        Action::Assign { thread: t, to } => result_json(
            lifecycle::assign(s, org, &thread(t)?, to.clone(), Default::default())
                .map_err(Error::from),
        ),
        Action::Read { thread: t, user } => {
            result_json(inbox_state::read(s, org, user, &thread(t)?).map_err(Error::from))
        }
        Action::Mute {
            thread: t,
            user,
            muted,
        } => result_json(
            inbox_state::set_muted(s, org, user, &thread(t)?, *muted).map_err(Error::from),
        ),
        Action::Login { user } => {
            result_json(inbox_state::login(s, org, user, at).map_err(Error::from))
        }
        Action::Logout { user } => {
            result_json(inbox_state::logout(s, org, user).map_err(Error::from))
        }
        Action::Inbox { user } => {
            result_json(inbox_state::conversation_list(s, org, user).map_err(Error::from))
        }
        Action::History { client } => {
            result_json(s.client_history(org, client).map_err(Error::from))
        }
        Action::Usage { from, to } => {
            result_json(crate::inbox::usage::report(s, org, *from, *to).map_err(Error::from))
        }
        _ => Err(invalid("unsupported action".into())),
    }
}

/// The JSON of a result, or of its error as `{"error": {code, message}}`.
fn result_json<T: Serialize>(r: Result<T, Error>) -> Result<Value, Error> {
    match r {
        Ok(v) => serde_json::to_value(v).map_err(|e| invalid(e.to_string())),
        Err(e) => Ok(error_json(&e)),
    }
}

fn invalid(message: String) -> Error {
    Error::Scenario(crate::error::ScenarioError { message })
}

fn error_json(e: &Error) -> Value {
    serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } })
}

/// Checks that `actual` contains everything `expected` names (see the
/// module docs); the error names the first path that differs.
pub fn partial_match(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().try_for_each(|(k, ev)| {
            let p = format!("{path}.{k}");
            match a.get(k) {
                Some(av) => partial_match(ev, av, &p),
                None if ev.is_null() => Ok(()),
                None => Err(format!("{p}: missing (expected {ev})")),
            }
        }),
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .try_for_each(|(i, (ev, av))| partial_match(ev, av, &format!("{path}[{i}]")))
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_match_ignores_unnamed_keys_but_not_array_lengths() {
        let actual = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
        assert!(partial_match(&json!({"b": {"d": "x"}}), &actual, "$").is_ok());
        assert!(partial_match(&json!({"b": {"c": [1]}}), &actual, "$").is_err());
        let e = partial_match(&json!({"b": {"d": "y"}}), &actual, "$").unwrap_err();
        assert!(e.starts_with("$.b.d"), "{e}");
        assert!(partial_match(&json!({"z": null}), &actual, "$").is_ok());
        assert!(partial_match(&json!({"z": 1}), &actual, "$").is_err());
    }
}
